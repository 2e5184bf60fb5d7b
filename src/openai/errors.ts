import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIError } from 'openai';
import { FailureType } from '../policies';

/**
 * Turns provider errors into Temporal failures with a type and a message a user can act on. Whether a
 * failure is retryable decides what Temporal's retry policy does with it: a wrong key or model fails the
 * run at once; rate limits, server errors and dropped connections are retried, honouring retry-after.
 */

export interface ErrorContext {
  /** e.g. "plan" or "q2 round 1" */
  step: string;
  model: string;
  /** The setting that chose the model, e.g. "models.planner". */
  modelSetting: string;
  /** Where requests go, so an auth error can say which endpoint refused the key. */
  baseURL: string;
}

/** Milliseconds the provider asked us to wait, from retry-after-ms or retry-after (seconds or a date). */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export function classifyOpenAIError(error: unknown, ctx: ErrorContext): ApplicationFailure {
  const where = `${ctx.step} (model ${ctx.model})`;
  if (error instanceof APIConnectionError) {
    // Includes timeouts: the request may or may not have reached the provider.
    return ApplicationFailure.retryable(
      `${where}: could not reach the Responses API at ${ctx.baseURL}: ${error.message}`,
      FailureType.connection,
    );
  }
  if (!(error instanceof APIError)) {
    return ApplicationFailure.retryable(
      `${where}: ${error instanceof Error ? error.message : String(error)}`,
      FailureType.serverError,
    );
  }
  const status = error.status ?? 0;
  const detail = `${status}${error.code ? ` ${error.code}` : ''}: ${error.message}`;
  if (status === 401) {
    return ApplicationFailure.nonRetryable(
      `${where}: the Responses API at ${ctx.baseURL} rejected the API key (${detail}). ` +
        'Set OPENAI_API_KEY to a valid key for that endpoint and restart the worker.',
      FailureType.authentication,
    );
  }
  if (status === 403) {
    return ApplicationFailure.nonRetryable(
      `${where}: permission denied (${detail}). Check that OPENAI_API_KEY's project may use model "${ctx.model}" ` +
        `or choose another model with ${ctx.modelSetting}.`,
      FailureType.permissionDenied,
    );
  }
  // /v1/responses answers an unknown model with 400 model_not_found ("The requested model 'x' does not
  // exist.") or 404 with code null ("Model not found x"); other endpoints with 404 model_not_found.
  if (
    (error.code === 'model_not_found' && status >= 400 && status < 500) ||
    (status === 404 && (/model/i.test(error.message) || error.param === 'model'))
  ) {
    return ApplicationFailure.nonRetryable(
      `${where}: model "${ctx.model}" does not exist or this key cannot use it (${detail}). ` +
        `Set ${ctx.modelSetting} to an available model.`,
      FailureType.modelNotFound,
    );
  }
  if (status === 429 && error.code === 'insufficient_quota') {
    return ApplicationFailure.nonRetryable(
      `${where}: the OpenAI account is out of quota (${detail}). Add credit or use another OPENAI_API_KEY.`,
      FailureType.quotaExceeded,
    );
  }
  if (status === 429 || status === 408 || status === 409 || status >= 500) {
    const wait = retryAfterMs(error.headers);
    return ApplicationFailure.create({
      message: `${where}: the provider answered ${detail}${wait ? `; retrying after ${wait} ms as asked` : ''}`,
      type: status === 429 ? FailureType.rateLimited : FailureType.serverError,
      nonRetryable: false,
      ...(wait ? { nextRetryDelay: wait } : {}),
    });
  }
  // 400, 404 (not a model), 422 and anything else in 4xx: the request itself is wrong; retrying won't help.
  return ApplicationFailure.nonRetryable(
    `${where}: the provider rejected the request (${detail}${error.param ? `, parameter ${error.param}` : ''}).` +
      fixFor(error.param, ctx),
    FailureType.invalidRequest,
  );
}

/** What to change when the provider refuses a parameter the run's settings chose. */
function fixFor(param: string | null | undefined, ctx: ErrorContext): string {
  if (param?.startsWith('reasoning'))
    return ` Choose a reasoningEffort model "${ctx.model}" supports, or another model with ${ctx.modelSetting}.`;
  if (param === 'tools' || param?.startsWith('tools['))
    return ` Model "${ctx.model}" does not take this step's tools: choose another model with ${ctx.modelSetting}.`;
  return '';
}
