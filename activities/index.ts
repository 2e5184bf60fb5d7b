import { runBackgroundResponse, type BackgroundResponseDeps } from './background-response';
import type { BackgroundRequest, BackgroundResult } from '../src/schemas/background-response';

/**
 * Everything the worker registers as activities. Dependencies (the OpenAI client, poll settings) are
 * injected, so tests and benchmarks can hand in a client pointed at the simulator.
 */
export type ActivityDeps = BackgroundResponseDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    /** One background response, created once, polled to the end, extracted. */
    runBackgroundResponse: (request: BackgroundRequest): Promise<BackgroundResult> =>
      runBackgroundResponse(deps, request),
  };
}

export type Activities = ReturnType<typeof createActivities>;
