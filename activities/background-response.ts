import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import type { PollSettings } from '../src/config';
import { ProviderError, type ErrorContext } from '../src/openai/errors';
import type { ProviderGateway, ResponseAsked, ResponseSnapshot } from '../src/openai/gateway';
import { describeIssues } from '../src/schemas/issues';
import {
  backgroundRequestSchema,
  type BackgroundRequest,
  type BackgroundResult,
  type ParsedBackgroundRequest,
} from '../src/schemas/background-response';
import { failure, providerFailure } from './failures';

/**
 * One background response, run to its end durably:
 * create (never retried by the client) -> heartbeat the id at once -> poll with a growing interval,
 * heartbeating each time -> return extracted data. A retried attempt finds the id in the previous
 * attempt's heartbeat details and resumes polling it, so a step is paid for once.
 */

export interface BackgroundResponseDeps {
  /** The provider (src/openai/gateway.ts): OpenAI, or the simulator. */
  gateway: ProviderGateway;
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

/** A response that has reached its end: completed, incomplete, failed or cancelled. */
type EndedSnapshot = Exclude<ResponseSnapshot, { status: 'queued' | 'in_progress' }>;

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
  const parsed = backgroundRequestSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const fields = describeIssues(parsed.error);
    throw failure('invalidActivityInput', `invalid background-response request: ${fields.join('; ')}`);
  }
  return parsed.data;
}

export async function runBackgroundResponse(
  deps: BackgroundResponseDeps,
  raw: BackgroundRequest,
): Promise<BackgroundResult> {
  const request = parseRequest(raw);
  const ctx = Context.current();
  const enteredAtMs = Date.now();
  const errorContext: ErrorContext = {
    step: request.step,
    model: request.model,
    modelSetting: request.modelSetting,
    baseURL: deps.gateway.baseURL,
  };
  const fail = (error: unknown): never => {
    // A request we aborted ourselves (the activity is cancelled: the workflow's cancel or a worker shutting
    // down) is no provider error: classified, it would read as a rejected request and fail the step for good.
    if (ctx.cancellationSignal.aborted) {
      const reason: unknown = ctx.cancellationSignal.reason;
      throw reason instanceof CancelledFailure ? reason : new CancelledFailure('activity cancelled');
    }
    throw error instanceof ProviderError ? providerFailure(error, errorContext) : error;
  };

  const previous = heartbeatDetailsSchema.safeParse(ctx.info.heartbeatDetails);
  let response: ResponseSnapshot | undefined;
  let state: HeartbeatDetails | undefined;
  let resumed = false;
  // Why this attempt creates a response (if it does): kept in the request's metadata with who made it.
  let createdBecause: CreateReason = ctx.info.attempt === 1 ? 'first-attempt' : 'no-heartbeat';

  if (previous.success && previous.data.abandoned) {
    createdBecause = 'previous-stuck-queued';
    // The attempt that gave it up may have died before its cancel went out: cancelling again is harmless.
    await cancelAtProvider(deps.gateway, previous.data.responseId, ctx, false);
  }
  if (previous.success && !previous.data.abandoned) {
    response = await retrieveOrUndefined(deps.gateway, previous.data.responseId, request, ctx).catch(fail);
    // A failed response whose error a fresh one would meet again fails the step as the provider said.
    if (response?.status === 'failed' && response.error.kind === 'response_failed_permanent') {
      throw providerFailure(response.error, errorContext);
    }
    // Otherwise a failed run is retried with a fresh response; so is a cancelled one: the workflow did not
    // cancel it (this attempt would not run), so the previous attempt gave it up (stuck in the queue) and
    // its `abandoned` heartbeat was lost to throttling. Anything else is picked up where it is.
    if (response && response.status !== 'failed' && response.status !== 'cancelled') {
      state = previous.data;
      resumed = true;
      ctx.log.info('resuming background response from the previous attempt', { responseId: response.id });
    } else {
      createdBecause = response ? `previous-${response.status}` : 'previous-not-found';
    }
  }

  if (!state) {
    // An attempt that reaches its create after half its heartbeat timeout without a heartbeat (a starved
    // worker, a slow resume check) may already have been timed out and replaced by a newer attempt that
    // creates too: rather than risk paying twice, this attempt steps aside and a fresh one creates.
    const heartbeatTimeoutMs = ctx.info.heartbeatTimeoutMs;
    const lateMs = Date.now() - enteredAtMs;
    if (heartbeatTimeoutMs && lateMs > heartbeatTimeoutMs / 2) {
      throw failure(
        'attemptTooLateToCreate',
        `${request.step}: attempt ${ctx.info.attempt} reached its create ${lateMs} ms after it started, too ` +
          'late to be sure that no newer attempt creates too; a fresh attempt will create it',
      );
    }
    // The gateway never retries a create: a retried POST can start a second paid run.
    const created = await deps.gateway
      .create({
        ...request,
        metadata: attribution(
          ctx,
          createdBecause,
          request.metadata,
          previous.success ? previous.data : undefined,
        ),
      })
      .catch(fail);
    response = created;
    state = { responseId: created.id, createdAtMs: Date.now(), polls: 0 };
    ctx.heartbeat(state);
    // Cancellation that arrived while the create was in flight must still cancel what it created.
    if (ctx.cancellationSignal.aborted) await cancelAtProvider(deps.gateway, state.responseId, ctx);
  }

  let current = response as ResponseSnapshot;
  let ended: EndedSnapshot;
  const nextDelay = pollDelays(deps.poll);
  try {
    while (current.status === 'queued' || current.status === 'in_progress') {
      if (current.status === 'queued' && Date.now() - state.createdAtMs > deps.poll.queuedDeadlineMs) {
        // Heartbeat the give-up first: should this attempt die before the cancel, the next one still
        // knows to start afresh (and cancels this one again) instead of resuming a cancelled response.
        ctx.heartbeat({ ...state, abandoned: true });
        await cancelAtProvider(deps.gateway, state.responseId, ctx, false);
        throw failure(
          'responseStuckQueued',
          `${request.step}: response ${state.responseId} was still queued after ${deps.poll.queuedDeadlineMs} ms; ` +
            'cancelled it so that a retry starts a fresh one',
        );
      }
      await ctx.sleep(nextDelay());
      current = await deps.gateway
        .retrieve(state.responseId, request, { signal: ctx.cancellationSignal })
        .catch(fail);
      state = { ...state, polls: state.polls + 1 };
      ctx.heartbeat(state);
    }
    ended = current;
  } catch (error) {
    if (ctx.cancellationSignal.aborted) await cancelAtProvider(deps.gateway, state.responseId, ctx);
    throw error;
  }

  const finishedAtMs = Date.now();
  // A failed response fails the step as the provider said: retried with a fresh response unless its
  // error would fail that one the same way.
  if (ended.status === 'failed') throw providerFailure(ended.error, errorContext);
  if (ended.status === 'cancelled') {
    throw failure(
      'responseCancelledElsewhere',
      `${request.step}: response ${ended.id} was cancelled at the provider, not by this workflow`,
    );
  }
  return {
    responseId: ended.id,
    status: ended.status,
    ...(ended.incompleteReason ? { incompleteReason: ended.incompleteReason } : {}),
    ...ended.output,
    usage: ended.usage,
    timings: { createdAtMs: state.createdAtMs, finishedAtMs, polls: state.polls, resumed },
  };
}

/** Why an attempt created a response: the first attempt, or what became of the previous attempt's. */
export type CreateReason =
  | 'first-attempt'
  | 'no-heartbeat'
  | 'previous-failed'
  | 'previous-cancelled'
  | 'previous-stuck-queued'
  | 'previous-not-found';

/**
 * Who made a create, in its request metadata (at most 16 pairs, keys <= 64 and values <= 512 characters):
 * the workflow run, the activity and attempt, and why it created. The provider keeps it with the
 * response, so every paid response can be traced to the attempt that made it.
 */
function attribution(
  ctx: Context,
  reason: CreateReason,
  own: Record<string, string> | undefined,
  previous: HeartbeatDetails | undefined,
): Record<string, string> {
  const info = ctx.info;
  const who: Record<string, string> = {
    temporal_workflow_id: (info.workflowExecution?.workflowId ?? '').slice(0, 512),
    temporal_run_id: info.workflowExecution?.runId ?? '',
    temporal_activity_id: info.activityId.slice(0, 512),
    temporal_attempt: String(info.attempt),
    created_because: reason,
    ...(previous && reason !== 'no-heartbeat'
      ? { replaces_response: previous.responseId.slice(0, 512) }
      : {}),
  };
  const rest = Object.entries(own ?? {}).filter(([key]) => !(key in who));
  return { ...who, ...Object.fromEntries(rest.slice(0, 16 - Object.keys(who).length)) };
}

/** The previous attempt's response, asking for what its create asked for; undefined when it is gone. */
async function retrieveOrUndefined(
  gateway: ProviderGateway,
  id: string,
  asked: ResponseAsked,
  ctx: Context,
): Promise<ResponseSnapshot | undefined> {
  try {
    return await gateway.retrieve(id, asked, { signal: ctx.cancellationSignal });
  } catch (error) {
    // Deleted or expired at the provider: nothing left to resume, so the step starts afresh.
    if (error instanceof ProviderError && error.kind === 'not_found') return undefined;
    throw error;
  }
}

/**
 * Cancel at the provider when the workflow asked for it (or `always`). A timed-out or orphaned attempt
 * leaves the response running: the next attempt resumes it rather than paying again.
 */
async function cancelAtProvider(
  gateway: ProviderGateway,
  id: string,
  ctx: Context,
  onlyIfRequested = true,
): Promise<void> {
  const details = ctx.cancellationDetails;
  if (onlyIfRequested && details && !details.cancelRequested) return;
  try {
    // Not tied to the aborted signal: this request must go out after cancellation.
    await gateway.cancel(id);
    ctx.log.info('cancelled background response at the provider', { responseId: id });
  } catch (error) {
    ctx.log.warn('could not cancel background response at the provider', {
      responseId: id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  if (onlyIfRequested) throw new CancelledFailure(`${id} cancelled`);
}
