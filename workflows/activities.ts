import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  backgroundResponseActivityOptions,
  defaultBackgroundResponsePolicy,
  type BackgroundResponsePolicy,
} from '../src/policies';

/**
 * Activity stubs with a Web UI summary per call ("plan", "search: <query>", "follow-up", "synthesize").
 * Every research step is one background response, so they share its timeouts and retry policy.
 */
export function researchActivities(
  summary: string,
  policy: Partial<BackgroundResponsePolicy> = {},
): Activities {
  return proxyActivities<Activities>({
    ...backgroundResponseActivityOptions({ ...defaultBackgroundResponsePolicy, ...policy }),
    summary: summary.length > 200 ? `${summary.slice(0, 199)}…` : summary,
  });
}
