import { ActivityCancellationType, type ActivityOptions } from '@temporalio/common';
import type { ProviderErrorKind } from './openai/errors';

/**
 * Every timeout and retry policy in one place. Pure: imported by workflow code.
 *
 * A background response is polled by one activity attempt that heartbeats its response id at once and
 * at every poll. If the worker dies, the heartbeat times out and the next attempt resumes polling the
 * same response instead of paying for a new one.
 */

/** One failure type the project raises on purpose, and whether another attempt can fix it. */
export interface FailureRule {
  /** The type Temporal records (and the Web UI shows). */
  type: string;
  retryable: boolean;
  /**
   * Who raises it: a research step's activity (the background-response retry policy names the
   * non-retryable ones), a tool call's activity (the tool retry policy does), or the workflow itself
   * (the run fails; no retry policy applies).
   */
  raisedBy: 'step' | 'tool' | 'workflow';
  /** When it happens, as README's table says it. */
  when: string;
}

/**
 * Every failure type and its retryability, in one table: the retry policies below list the
 * non-retryable ones, and activities/failures.ts raises each one retryable or not as it says here.
 * The order is kept: a retry policy's nonRetryableErrorTypes is recorded in this order in histories.
 */
export const FAILURES = {
  authentication: {
    type: 'OpenAIAuthenticationError',
    retryable: false,
    raisedBy: 'step',
    when: 'the provider refused the API key (401)',
  },
  permissionDenied: {
    type: 'OpenAIPermissionDenied',
    retryable: false,
    raisedBy: 'step',
    when: "the key's project may not use the model (403)",
  },
  modelNotFound: {
    type: 'OpenAIModelNotFound',
    retryable: false,
    raisedBy: 'step',
    when: 'the model does not exist or the key cannot use it',
  },
  invalidRequest: {
    type: 'OpenAIInvalidRequest',
    retryable: false,
    raisedBy: 'step',
    when: 'the provider refused the request itself (400, 404, 422, other 4xx)',
  },
  quotaExceeded: {
    type: 'OpenAIQuotaExceeded',
    retryable: false,
    raisedBy: 'step',
    when: 'the account is out of credit (429 insufficient_quota)',
  },
  rateLimited: {
    type: 'OpenAIRateLimited',
    retryable: true,
    raisedBy: 'step',
    when: "too many requests (429); retried after the provider's retry-after",
  },
  serverError: {
    type: 'OpenAIServerError',
    retryable: true,
    raisedBy: 'step',
    when: 'the provider failed (408, 409, 5xx) or its answer could not be read',
  },
  connection: {
    type: 'OpenAIConnectionError',
    retryable: true,
    raisedBy: 'step',
    when: 'the provider could not be reached or did not answer in time',
  },
  responseFailed: {
    type: 'ResponseFailed',
    retryable: true,
    raisedBy: 'step',
    when: 'the response failed at the provider with a passing error; the retry creates a fresh one',
  },
  responseStuckQueued: {
    type: 'ResponseStuckQueued',
    retryable: true,
    raisedBy: 'step',
    when: 'the response stayed queued past the deadline; cancelled, the retry creates a fresh one',
  },
  responseCancelledElsewhere: {
    type: 'ResponseCancelledElsewhere',
    retryable: false,
    raisedBy: 'step',
    when: 'the response was cancelled at the provider, not by this workflow',
  },
  attemptTooLateToCreate: {
    type: 'AttemptTooLateToCreate',
    retryable: true,
    raisedBy: 'step',
    when: 'an attempt reached its create too late to be sure no newer attempt creates too',
  },
  invalidActivityInput: {
    type: 'InvalidActivityInput',
    retryable: false,
    raisedBy: 'step',
    when: 'the background-response request does not validate',
  },
  responseFailedPermanently: {
    type: 'ResponseFailedPermanently',
    retryable: false,
    raisedBy: 'step',
    when: 'the response failed with an error a fresh one would meet again (e.g. invalid_prompt)',
  },
  budgetExhausted: {
    type: 'BudgetExhausted',
    retryable: false,
    raisedBy: 'step',
    when: "a budgeted step's allowance cannot pay for its smallest useful request; nothing is created",
  },
  invalidResearchInput: {
    type: 'InvalidResearchInput',
    retryable: false,
    // A step raises it too, as a non-retryable failure, so it is not in the step activities' policy list.
    raisedBy: 'workflow',
    when: 'the input, or a model and effort it names, cannot work; nothing is created',
  },
  budgetTooSmall: {
    type: 'BudgetTooSmall',
    retryable: false,
    raisedBy: 'workflow',
    when: "the run's budget cannot pay for a plan and a report; the run fails before planning",
  },
  sourceConfig: {
    type: 'SourceConfigError',
    retryable: false,
    raisedBy: 'tool',
    when: 'a private source is misconfigured',
  },
} as const satisfies Record<string, FailureRule>;

export type FailureName = keyof typeof FAILURES;

/** The type of each failure by name, e.g. `FailureType.budgetExhausted`. */
export const FailureType = Object.fromEntries(
  Object.entries(FAILURES).map(([name, rule]) => [name, rule.type]),
) as { readonly [N in FailureName]: (typeof FAILURES)[N]['type'] };

/** The failures a retry cannot fix, of those raised by `raisedBy`: what its retry policy never retries. */
export function nonRetryableTypes(raisedBy: FailureRule['raisedBy']): string[] {
  return Object.values(FAILURES as Record<string, FailureRule>)
    .filter((rule) => rule.raisedBy === raisedBy && !rule.retryable)
    .map((rule) => rule.type);
}

/** The failure each provider error kind (src/openai/errors.ts) is raised as. */
export const FAILURE_OF_PROVIDER_ERROR: Readonly<Record<ProviderErrorKind, FailureName>> = {
  network: 'connection',
  unexpected: 'serverError',
  auth: 'authentication',
  permission_denied: 'permissionDenied',
  model_not_found: 'modelNotFound',
  quota_exceeded: 'quotaExceeded',
  rate_limited: 'rateLimited',
  server: 'serverError',
  not_found: 'invalidRequest',
  invalid_request: 'invalidRequest',
  response_failed_transient: 'responseFailed',
  response_failed_permanent: 'responseFailedPermanently',
};

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
      nonRetryableErrorTypes: nonRetryableTypes('step'),
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
      nonRetryableErrorTypes: nonRetryableTypes('tool'),
    },
  };
}
