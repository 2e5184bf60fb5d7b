import { runBackgroundResponse } from './background-response';
import { estimateBudget, type EstimateBudgetInput } from './budget';
import {
  findGaps,
  planResearch,
  prepareSources,
  runTool,
  searchWeb,
  writeReport,
  type GapsInput,
  type PlanInput,
  type ReportInput,
  type ResearchDeps,
  type SearchInput,
  type ToolCallInput,
} from './research';
import type { BackgroundRequest } from '../src/schemas/background-response';

/**
 * Everything the worker registers as activities. Dependencies (the OpenAI client, poll settings, model
 * defaults, prices) are injected, so tests and benchmarks can hand in a client pointed at the simulator.
 */
export type ActivityDeps = ResearchDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    /** One background response, created once, polled to the end, extracted. */
    runBackgroundResponse: (request: BackgroundRequest) => runBackgroundResponse(deps, request),
    planResearch: (input: PlanInput) => planResearch(deps, input),
    searchWeb: (input: SearchInput) => searchWeb(deps, input),
    findGaps: (input: GapsInput) => findGaps(deps, input),
    writeReport: (input: ReportInput) => writeReport(deps, input),
    prepareSources: (input: { sources: string[] }) => prepareSources(deps, input),
    runTool: (call: ToolCallInput) => runTool(deps, call),
    estimateBudget: (input: EstimateBudgetInput) => estimateBudget(deps, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
