import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { backgroundResponseActivityOptions } from '../src/policies';
import type { BackgroundRequest, BackgroundResult } from '../src/schemas/background-response';

/**
 * The seed's building block on its own: one background response, durable. Useful from the Temporal CLI
 * (`--type backgroundResponse`) and as the smallest thing to watch in the Web UI.
 */
export async function backgroundResponse(request: BackgroundRequest): Promise<BackgroundResult> {
  const { runBackgroundResponse } = proxyActivities<Activities>({
    ...backgroundResponseActivityOptions(),
    summary: request.step,
  });
  return runBackgroundResponse(request);
}
