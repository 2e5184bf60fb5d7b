import { APIConnectionError, APIError } from 'openai';

/**
 * What went wrong at the provider, as kinds the rest of the project can act on without knowing the SDK.
 * `toProviderError` is the one place that reads the SDK's errors and `failedResponseError` the one that
 * reads a failed response's error code; what a kind means for a retry is src/policies.ts's table, and
 * activities/failures.ts turns a ProviderError into the Temporal failure.
 */

export const PROVIDER_ERROR_KINDS = [
  /** The provider could not be reached, or did not answer in time: the request may or may not have arrived. */
  'network',
  /** The call failed without an answer from the provider that the client could read. */
  'unexpected',
  /** 401: the API key was refused. */
  'auth',
  /** 403: the key's project may not do this. */
  'permission_denied',
  /** The model does not exist or this key cannot use it (400 model_not_found, or a 404 about the model). */
  'model_not_found',
  /** 429 insufficient_quota: the account is out of credit. */
  'quota_exceeded',
  /** 429: too many requests for now. */
  'rate_limited',
  /** 408, 409 and 5xx: the provider's trouble, passing. */
  'server',
  /** 404 about anything but a model: e.g. a response id the provider no longer has. */
  'not_found',
  /** Any other refusal of the request itself (400, 422, other 4xx): sending it again would not help. */
  'invalid_request',
  /** A response that ran and failed with an error a fresh response may not meet (or with no code at all). */
  'response_failed_transient',
  /** A response that failed with an error a fresh response would meet again (the prompt, a policy, an image). */
  'response_failed_permanent',
] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

/** What the provider said besides the kind, when it said it. */
export interface ProviderErrorFacts {
  /** HTTP status of the provider's answer; absent when no answer came or for a failed response. */
  status?: number;
  /** The provider's error code, e.g. model_not_found, insufficient_quota, invalid_prompt. */
  code?: string;
  /** The request parameter the provider blamed, e.g. model, reasoning.effort, tools. */
  param?: string;
  /** How long the provider asked us to wait before trying again. */
  retryAfterMs?: number;
  /** The response that failed (response_failed_* kinds). */
  responseId?: string;
}

/** A provider error of one kind. Its message is the provider's (or the client's) own. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly status?: number;
  readonly code?: string;
  readonly param?: string;
  readonly retryAfterMs?: number;
  readonly responseId?: string;

  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    facts: ProviderErrorFacts = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    Object.assign(this, facts);
  }
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

/** The kind of whatever an `openai` client call threw. */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const cause = { cause: error };
  // Includes timeouts: the request may or may not have reached the provider.
  if (error instanceof APIConnectionError) return new ProviderError('network', error.message, {}, cause);
  if (!(error instanceof APIError)) {
    return new ProviderError('unexpected', error instanceof Error ? error.message : String(error), {}, cause);
  }
  const facts: ProviderErrorFacts = {
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.code ? { code: error.code } : {}),
    ...(error.param ? { param: error.param } : {}),
  };
  const of = (kind: ProviderErrorKind, extra: ProviderErrorFacts = {}) =>
    new ProviderError(kind, error.message, { ...facts, ...extra }, cause);
  const status = error.status ?? 0;
  if (status === 401) return of('auth');
  if (status === 403) return of('permission_denied');
  // /v1/responses answers an unknown model with 400 model_not_found ("The requested model 'x' does not
  // exist.") or 404 with code null ("Model not found x"); other endpoints with 404 model_not_found.
  if (
    (error.code === 'model_not_found' && status >= 400 && status < 500) ||
    (status === 404 && (/model/i.test(error.message) || error.param === 'model'))
  ) {
    return of('model_not_found');
  }
  if (status === 429 && error.code === 'insufficient_quota') return of('quota_exceeded');
  if (status === 429 || status === 408 || status === 409 || status >= 500) {
    const wait = retryAfterMs(error.headers);
    return of(status === 429 ? 'rate_limited' : 'server', wait ? { retryAfterMs: wait } : {});
  }
  if (status === 404) return of('not_found');
  return of('invalid_request');
}

/**
 * Error codes of a `failed` response (the spec's ResponseErrorCode) that a fresh response would meet
 * again: the prompt, a policy or an input image is the problem. The others in the spec (server_error,
 * rate_limit_exceeded, vector_store_timeout) are transient, and so is a code the spec does not list.
 */
export const PERMANENT_RESPONSE_ERROR_CODES: readonly string[] = [
  'invalid_prompt',
  'data_residency_mismatch',
  'bio_policy',
  'invalid_image',
  'invalid_image_format',
  'invalid_base64_image',
  'invalid_image_url',
  'image_too_large',
  'image_too_small',
  'image_parse_error',
  'image_content_policy_violation',
  'invalid_image_mode',
  'image_file_too_large',
  'unsupported_image_media_type',
  'empty_image_file',
  'failed_to_download_image',
  'image_file_not_found',
];

/** Why a response ended `failed`, from the error it reports (code and message may each be missing). */
export function failedResponseError(
  responseId: string,
  error: { code?: string | null; message?: string | null } | null | undefined,
): ProviderError {
  const code = error?.code ?? undefined;
  const permanent = !!code && PERMANENT_RESPONSE_ERROR_CODES.includes(code);
  return new ProviderError(
    permanent ? 'response_failed_permanent' : 'response_failed_transient',
    error?.message ?? 'no message',
    { responseId, ...(code !== undefined ? { code } : {}) },
  );
}

/** Where an error happened, so its message can say what to change. */
export interface ErrorContext {
  /** e.g. "plan" or "q2 round 1" */
  step: string;
  model: string;
  /** The setting that chose the model, e.g. "models.planner". */
  modelSetting: string;
  /** Where requests go, so an auth error can say which endpoint refused the key. */
  baseURL: string;
}

/**
 * The message a user reads for a provider error: what happened, in the provider's words, and what to
 * change. A wrong key names OPENAI_API_KEY, an unknown model the setting that chose it.
 */
export function describeProviderError(error: ProviderError, ctx: ErrorContext): string {
  const where = `${ctx.step} (model ${ctx.model})`;
  const detail = `${error.status ?? 0}${error.code ? ` ${error.code}` : ''}: ${error.message}`;
  switch (error.kind) {
    case 'network':
      return `${where}: could not reach the Responses API at ${ctx.baseURL}: ${error.message}`;
    case 'unexpected':
      return `${where}: ${error.message}`;
    case 'auth':
      return (
        `${where}: the Responses API at ${ctx.baseURL} rejected the API key (${detail}). ` +
        'Set OPENAI_API_KEY to a valid key for that endpoint and restart the worker.'
      );
    case 'permission_denied':
      return (
        `${where}: permission denied (${detail}). Check that OPENAI_API_KEY's project may use model "${ctx.model}" ` +
        `or choose another model with ${ctx.modelSetting}.`
      );
    case 'model_not_found':
      return (
        `${where}: model "${ctx.model}" does not exist or this key cannot use it (${detail}). ` +
        `Set ${ctx.modelSetting} to an available model.`
      );
    case 'quota_exceeded':
      return `${where}: the OpenAI account is out of quota (${detail}). Add credit or use another OPENAI_API_KEY.`;
    case 'rate_limited':
    case 'server':
      return `${where}: the provider answered ${detail}${error.retryAfterMs ? `; retrying after ${error.retryAfterMs} ms as asked` : ''}`;
    case 'not_found':
    case 'invalid_request':
      return (
        `${where}: the provider rejected the request (${detail}${error.param ? `, parameter ${error.param}` : ''}).` +
        fixFor(error.param, ctx)
      );
    case 'response_failed_transient':
      return (
        `${ctx.step}: response ${error.responseId} failed at the provider ` +
        `(${error.code ?? 'unknown'}: ${error.message})`
      );
    case 'response_failed_permanent':
      return (
        `${ctx.step}: response ${error.responseId} failed at the provider with ${error.code}: ` +
        `${error.message}. A new response would fail the same way, so it is not retried.`
      );
  }
}

/** What to change when the provider refuses a parameter the run's settings chose. */
function fixFor(param: string | undefined, ctx: ErrorContext): string {
  if (param?.startsWith('reasoning'))
    return ` Choose a reasoningEffort model "${ctx.model}" supports, or another model with ${ctx.modelSetting}.`;
  if (param === 'tools' || param?.startsWith('tools['))
    return ` Model "${ctx.model}" does not take this step's tools: choose another model with ${ctx.modelSetting}.`;
  return '';
}
