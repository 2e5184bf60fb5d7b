import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import OpenAI, { NotFoundError } from 'openai';
import { z } from 'zod';
import type { PollSettings } from '../src/config';
import { classifyOpenAIError, type ErrorContext } from '../src/openai/errors';
import { extractOutput, extractUsage, isTerminal, toCreateParams } from '../src/openai/wire';
import { FailureType } from '../src/policies';
import {
  backgroundRequestSchema,
  type BackgroundRequest,
  type BackgroundResult,
  type ParsedBackgroundRequest,
} from '../src/schemas/background-response';

/**
 * One background response, run to its end durably:
 * create (never retried by the client) -> heartbeat the id at once -> poll with a growing interval,
 * heartbeating each time -> return extracted data. A retried attempt finds the id in the previous
 * attempt's heartbeat details and resumes polling it, so a step is paid for once.
 */

export interface BackgroundResponseDeps {
  openai: OpenAI;
  poll: PollSettings;
}

/** What an attempt leaves behind for the next one. */
const heartbeatDetailsSchema = z.object({
  responseId: z.string(),
  createdAtMs: z.number(),
  polls: z.number(),
  /** Set when this attempt gave the response up (stuck in the queue): the next attempt starts afresh. */
  abandoned: z.boolean().optional(),
});
type HeartbeatDetails = z.infer<typeof heartbeatDetailsSchema>;

type Response = OpenAI.Responses.Response;

/** Poll intervals: short at first (fast answers return fast), growing to a cap, with ±10% jitter. */
export function pollDelays(poll: PollSettings, random: () => number = Math.random): () => number {
  let next = poll.initialMs;
  return () => {
    const delay = next * (0.9 + 0.2 * random());
    next = Math.min(poll.maxMs, next * poll.factor);
    return Math.round(delay);
  };
}

function parseRequest(raw: BackgroundRequest): ParsedBackgroundRequest {
  const parsed = backgroundRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`);
    throw ApplicationFailure.nonRetryable(
      `invalid background-response request: ${fields.join('; ')}`,
      FailureType.invalidActivityInput,
    );
  }
  return parsed.data;
}

export async function runBackgroundResponse(
  deps: BackgroundResponseDeps,
  raw: BackgroundRequest,
): Promise<BackgroundResult> {
  const request = parseRequest(raw);
  const ctx = Context.current();
  const errorContext: ErrorContext = {
    step: request.step,
    model: request.model,
    modelSetting: request.modelSetting,
    baseURL: deps.openai.baseURL,
  };
  const fail = (error: unknown): never => {
    // A request we aborted ourselves (the activity is cancelled: the workflow's cancel or a worker shutting
    // down) is no provider error: classified, it would read as a rejected request and fail the step for good.
    if (ctx.cancellationSignal.aborted) {
      const reason: unknown = ctx.cancellationSignal.reason;
      throw reason instanceof CancelledFailure ? reason : new CancelledFailure('activity cancelled');
    }
    throw classifyOpenAIError(error, errorContext);
  };

  const previous = heartbeatDetailsSchema.safeParse(ctx.info.heartbeatDetails);
  let response: Response | undefined;
  let state: HeartbeatDetails | undefined;
  let resumed = false;

  if (previous.success && !previous.data.abandoned) {
    response = await retrieveOrUndefined(deps.openai, previous.data.responseId, ctx).catch(fail);
    // A failed run is retried with a fresh response; anything else is picked up where it is.
    if (response && response.status !== 'failed') {
      state = previous.data;
      resumed = true;
      ctx.log.info('resuming background response from the previous attempt', { responseId: response.id });
    }
  }

  if (!state) {
    // Never let the client retry a create: a retried POST can start a second paid run.
    const created = await deps.openai.responses
      .create(toCreateParams(request), { maxRetries: 0 })
      .catch(fail);
    response = created;
    state = { responseId: created.id, createdAtMs: Date.now(), polls: 0 };
    ctx.heartbeat(state);
    // Cancellation that arrived while the create was in flight must still cancel what it created.
    if (ctx.cancellationSignal.aborted) await cancelAtProvider(deps.openai, state.responseId, ctx);
  }

  let current = response as Response;
  const nextDelay = pollDelays(deps.poll);
  try {
    while (!isTerminal(current.status)) {
      if (current.status === 'queued' && Date.now() - state.createdAtMs > deps.poll.queuedDeadlineMs) {
        await cancelAtProvider(deps.openai, state.responseId, ctx, false);
        ctx.heartbeat({ ...state, abandoned: true });
        throw ApplicationFailure.retryable(
          `${request.step}: response ${state.responseId} was still queued after ${deps.poll.queuedDeadlineMs} ms; ` +
            'cancelled it so that a retry starts a fresh one',
          FailureType.responseStuckQueued,
        );
      }
      await ctx.sleep(nextDelay());
      current = await deps.openai.responses
        .retrieve(state.responseId, {}, { signal: ctx.cancellationSignal, maxRetries: 2 })
        .catch(fail);
      state = { ...state, polls: state.polls + 1 };
      ctx.heartbeat(state);
    }
  } catch (error) {
    if (ctx.cancellationSignal.aborted) await cancelAtProvider(deps.openai, state.responseId, ctx);
    throw error;
  }

  const finishedAtMs = Date.now();
  if (current.status === 'failed') {
    throw ApplicationFailure.retryable(
      `${request.step}: response ${current.id} failed at the provider ` +
        `(${current.error?.code ?? 'unknown'}: ${current.error?.message ?? 'no message'})`,
      FailureType.responseFailed,
    );
  }
  if (current.status === 'cancelled') {
    throw ApplicationFailure.nonRetryable(
      `${request.step}: response ${current.id} was cancelled at the provider, not by this workflow`,
      FailureType.responseCancelledElsewhere,
    );
  }
  return {
    responseId: current.id,
    status: current.status === 'incomplete' ? 'incomplete' : 'completed',
    ...(current.incomplete_details?.reason ? { incompleteReason: current.incomplete_details.reason } : {}),
    ...extractOutput(current, request.outputSchema !== undefined),
    usage: extractUsage(current),
    timings: { createdAtMs: state.createdAtMs, finishedAtMs, polls: state.polls, resumed },
  };
}

async function retrieveOrUndefined(openai: OpenAI, id: string, ctx: Context): Promise<Response | undefined> {
  try {
    return await openai.responses.retrieve(id, {}, { signal: ctx.cancellationSignal, maxRetries: 2 });
  } catch (error) {
    // Deleted or expired at the provider: nothing left to resume, so the step starts afresh.
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Cancel at the provider when the workflow asked for it (or `always`). A timed-out or orphaned attempt
 * leaves the response running: the next attempt resumes it rather than paying again.
 */
async function cancelAtProvider(
  openai: OpenAI,
  id: string,
  ctx: Context,
  onlyIfRequested = true,
): Promise<void> {
  const details = ctx.cancellationDetails;
  if (onlyIfRequested && details && !details.cancelRequested) return;
  try {
    // Not tied to the aborted signal: this request must go out after cancellation.
    await openai.responses.cancel(id, { maxRetries: 3, timeout: 10_000 });
    ctx.log.info('cancelled background response at the provider', { responseId: id });
  } catch (error) {
    ctx.log.warn('could not cancel background response at the provider', {
      responseId: id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  if (onlyIfRequested) throw new CancelledFailure(`${id} cancelled`);
}
