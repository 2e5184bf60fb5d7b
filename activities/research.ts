import { Context } from '@temporalio/activity';
import { SourcesConfigError, WEB_SOURCE } from '../src/tools/config';
import type { PrepareSourcesOutput, ToolCallInput } from '../src/schemas/boundary';
import type { ToolResult } from '../src/tools/types';
import { failure } from './failures';
import { invalidInput, type ResearchDeps } from './steps';

/**
 * The activities around the research steps: a run's sources checked and listed, and the function calls
 * the model makes run against them. The steps themselves are modules in src/steps/, run by the driver in
 * steps.ts. Their input and output types are re-exported here too; workflows take them from
 * src/schemas/boundary.ts, the home of every shape that crosses a Temporal boundary.
 */

export type { ResearchDeps } from './steps';
export type { ModelChoice } from '../src/steps/step';
export type { RunModelsInput } from '../src/steps/settle';
export type { PlanInput, PlanOutput } from '../src/steps/plan';
export type { SearchInput, SearchOutput } from '../src/steps/search';
export type { GapsInput, GapsOutput } from '../src/steps/gaps';
export type { ReportInput, ReportOutput } from '../src/steps/report';
export type { PrepareSourcesOutput, ToolCallInput } from '../src/schemas/boundary';

/** Checks a run's source names against the worker's configuration and lists their tools. */
export async function prepareSources(
  deps: ResearchDeps,
  input: { sources: string[] },
): Promise<PrepareSourcesOutput> {
  const problem = deps.sources.check(input.sources);
  if (problem) throw invalidInput([`sources: ${problem}`]);
  try {
    return { web: input.sources.includes(WEB_SOURCE), tools: await deps.sources.definitions(input.sources) };
  } catch (error) {
    if (error instanceof SourcesConfigError) throw failure('sourceConfig', error.message);
    throw error;
  }
}

/**
 * One function call the model asked for, run against its source. The output goes back to the model; a
 * call outside the run's tools comes back `refused` with an error output, and runs nothing.
 */
export async function runTool(deps: ResearchDeps, call: ToolCallInput): Promise<ToolResult> {
  try {
    return await deps.sources.run(
      call.name,
      call.arguments,
      Context.current().cancellationSignal,
      call.allowedTools,
    );
  } catch (error) {
    if (error instanceof SourcesConfigError) throw failure('sourceConfig', error.message);
    throw error;
  }
}
