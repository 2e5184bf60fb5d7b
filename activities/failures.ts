import { ApplicationFailure } from '@temporalio/common';
import { describeProviderError, type ErrorContext, type ProviderError } from '../src/openai/errors';
import { FAILURE_OF_PROVIDER_ERROR, FAILURES, type FailureName } from '../src/policies';

/**
 * Where Temporal meets the failure table (src/policies.ts): a failure of a given name is raised with
 * the type and retryability the table gives it, and a provider error as the failure its kind maps to.
 */

export function failure(
  name: FailureName,
  message: string,
  options: { nextRetryDelayMs?: number } = {},
): ApplicationFailure {
  const rule = FAILURES[name];
  return ApplicationFailure.create({
    message,
    type: rule.type,
    nonRetryable: !rule.retryable,
    ...(options.nextRetryDelayMs ? { nextRetryDelay: options.nextRetryDelayMs } : {}),
  });
}

/** A provider error as the step's failure: a message naming what to fix, retried after what the provider asked. */
export function providerFailure(error: ProviderError, ctx: ErrorContext): ApplicationFailure {
  return failure(FAILURE_OF_PROVIDER_ERROR[error.kind], describeProviderError(error, ctx), {
    ...(error.retryAfterMs ? { nextRetryDelayMs: error.retryAfterMs } : {}),
  });
}
