import { runBackgroundResponse } from './background-response';
import { estimateBudget, type EstimateBudgetInput } from './budget';
import { prepareSources, runTool, type ToolCallInput } from './research';
import { stepActivity, type ResearchDeps } from './steps';
import type { BackgroundRequest } from '../src/schemas/background-response';
import { gapsStep } from '../src/steps/gaps';
import { planStep } from '../src/steps/plan';
import { reportStep } from '../src/steps/report';
import { searchStep } from '../src/steps/search';

/**
 * Everything the worker registers as activities. Dependencies (the provider gateway, poll settings, model
 * defaults, prices) are injected, so tests and benchmarks can hand in a gateway pointed at the simulator.
 * The names are recorded in workflow histories: a step's activity keeps its name for good.
 */
export type ActivityDeps = ResearchDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    /** One background response, created once, polled to the end, extracted. */
    runBackgroundResponse: (request: BackgroundRequest) => runBackgroundResponse(deps, request),
    planResearch: stepActivity(deps, planStep),
    searchWeb: stepActivity(deps, searchStep),
    findGaps: stepActivity(deps, gapsStep),
    writeReport: stepActivity(deps, reportStep),
    prepareSources: (input: { sources: string[] }) => prepareSources(deps, input),
    runTool: (call: ToolCallInput) => runTool(deps, call),
    estimateBudget: (input: EstimateBudgetInput) => estimateBudget(deps, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
