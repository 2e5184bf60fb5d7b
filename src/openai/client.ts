import OpenAI from 'openai';
import type { OpenAISettings } from '../config';

/**
 * The OpenAI client every activity uses. Points at OpenAI, or at the simulator when OPENAI_BASE_URL says so.
 * Retries of the client itself are off: Temporal's retry policies decide, and a retried create would
 * start a second paid run (the API has no idempotency key). Idempotent calls pass their own maxRetries.
 */
export function createOpenAIClient(settings: OpenAISettings): OpenAI {
  return new OpenAI({
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    organization: settings.organization ?? null,
    project: settings.project ?? null,
    maxRetries: 0,
    timeout: settings.requestTimeoutMs,
  });
}
