import { ActivityCancellationType, type ActivityOptions } from '@temporalio/common';

/**
 * Every timeout and retry policy in one place. Pure: imported by workflow code.
 *
 * A background response is polled by one activity attempt that heartbeats its response id at once and
 * at every poll. If the worker dies, the heartbeat times out and the next attempt resumes polling the
 * same response instead of paying for a new one.
 */

/** Failure types (set by src/openai/errors.ts) that no retry can fix. */
export const FailureType = {
  authentication: 'OpenAIAuthenticationError',
  permissionDenied: 'OpenAIPermissionDenied',
  modelNotFound: 'OpenAIModelNotFound',
  invalidRequest: 'OpenAIInvalidRequest',
  quotaExceeded: 'OpenAIQuotaExceeded',
  rateLimited: 'OpenAIRateLimited',
  serverError: 'OpenAIServerError',
  connection: 'OpenAIConnectionError',
  responseFailed: 'ResponseFailed',
  /** A `failed` response whose error code fails the same way every time (e.g. invalid_prompt). */
  responseFailedPermanently: 'ResponseFailedPermanently',
  responseStuckQueued: 'ResponseStuckQueued',
  responseCancelledElsewhere: 'ResponseCancelledElsewhere',
  /** An attempt that got to its create too late to be sure it was still the current one (retried). */
  attemptTooLateToCreate: 'AttemptTooLateToCreate',
  invalidActivityInput: 'InvalidActivityInput',
  /** A budgeted step whose allowance cannot pay for its smallest useful request: refused before creating. */
  budgetExhausted: 'BudgetExhausted',
  /** A run whose budget cannot pay for a plan and a report: it fails before planning. */
  budgetTooSmall: 'BudgetTooSmall',
} as const;

export const NON_RETRYABLE_FAILURE_TYPES: string[] = [
  FailureType.authentication,
  FailureType.permissionDenied,
  FailureType.modelNotFound,
  FailureType.invalidRequest,
  FailureType.quotaExceeded,
  FailureType.responseCancelledElsewhere,
  FailureType.invalidActivityInput,
  FailureType.responseFailedPermanently,
  FailureType.budgetExhausted,
];

/**
 * Error codes of a `failed` response (the spec's ResponseErrorCode) that a fresh response would meet
 * again: the prompt, a policy or an input image is the problem, so the step fails at once with the
 * provider's message instead of paying for up to 8 more responses. The others in the spec
 * (server_error, rate_limit_exceeded, vector_store_timeout) are transient, and so is a code the spec
 * does not list: those are retried with a fresh response.
 */
export const NON_TRANSIENT_RESPONSE_ERROR_CODES: readonly string[] = [
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

export function isTransientResponseError(code: string | null | undefined): boolean {
  return !code || !NON_TRANSIENT_RESPONSE_ERROR_CODES.includes(code);
}

export interface BackgroundResponsePolicy {
  /** Time without a heartbeat after which the attempt is presumed dead and retried (resuming its response). */
  heartbeatTimeoutSeconds: number;
  /** One attempt's wall-clock limit: long reasoning runs are minutes, not hours. */
  attemptTimeoutMinutes: number;
  maximumAttempts: number;
  /** First retry delay; doubles up to a minute. A provider's retry-after overrides it. */
  retryInitialIntervalSeconds: number;
}

export const defaultBackgroundResponsePolicy: BackgroundResponsePolicy = {
  // Polls are at most DEEP_RESEARCH_POLL_MAX_MS (5 s) apart and each request is cut at
  // DEEP_RESEARCH_REQUEST_TIMEOUT_MS (20 s), so a live attempt always heartbeats within 30 s.
  heartbeatTimeoutSeconds: 30,
  attemptTimeoutMinutes: 60,
  maximumAttempts: 8,
  retryInitialIntervalSeconds: 2,
};

/** Activity options for one background response (create, poll to the end, extract). */
export function backgroundResponseActivityOptions(
  policy: BackgroundResponsePolicy = defaultBackgroundResponsePolicy,
): ActivityOptions {
  return {
    startToCloseTimeout: `${policy.attemptTimeoutMinutes} minutes`,
    heartbeatTimeout: `${policy.heartbeatTimeoutSeconds} seconds`,
    retry: {
      initialInterval: `${policy.retryInitialIntervalSeconds} seconds`,
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: policy.maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
    // Wait for the activity to cancel the response at the provider before the workflow moves on,
    // so "cancelled" means the spending stopped.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}

/**
 * A private source's tool call (a document search, a read-only query, a page fetch, an MCP tool): short,
 * retried a few times for passing faults; a misconfigured source is not retried.
 */
export function toolActivityOptions(): ActivityOptions {
  return {
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '10 seconds',
      maximumAttempts: 3,
      nonRetryableErrorTypes: ['SourceConfigError'],
    },
  };
}
