import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  backgroundResponseActivityOptions,
  defaultBackgroundResponsePolicy,
  type BackgroundResponsePolicy,
} from '../src/policies';
import type { BackgroundRequest, BackgroundResult } from '../src/schemas/background-response';

/**
 * The seed's building block on its own: one background response, durable. Useful from the Temporal CLI
 * (`--type backgroundResponse`) and as the smallest thing to watch in the Web UI. `policy` tightens
 * timeouts, e.g. a short heartbeat timeout so a dead worker's attempt is resumed sooner.
 */
export async function backgroundResponse(
  request: BackgroundRequest,
  policy: Partial<BackgroundResponsePolicy> = {},
): Promise<BackgroundResult> {
  const { runBackgroundResponse } = proxyActivities<Activities>({
    ...backgroundResponseActivityOptions({ ...defaultBackgroundResponsePolicy, ...policy }),
    summary: request.step,
  });
  return runBackgroundResponse(request);
}
