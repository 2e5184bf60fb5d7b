import OpenAI from 'openai';
import type { OpenAISettings } from '../config';
import { OpenAIGateway } from './gateway';

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

/** The provider gateway activities are given: the client above behind OpenAIGateway. */
export function createProviderGateway(settings: OpenAISettings): OpenAIGateway {
  return new OpenAIGateway(createOpenAIClient(settings));
}
