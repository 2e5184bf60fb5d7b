import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { z } from 'zod';
import { runBackgroundResponse, type BackgroundResponseDeps } from '../activities/background-response';
import type { PollSettings } from '../src/config';
import { OpenAIGateway } from '../src/openai/gateway';
import type { BackgroundRequest, BackgroundResult } from '../src/schemas/background-response';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { GAPS_FORMAT } from '../src/steps/gaps';
import { PLAN_FORMAT } from '../src/steps/plan';
import { structuredFormat } from '../src/steps/step';
import { startReplayServer, type ReplayExchange } from './helpers/replay-server';

/**
 * The background-response activity in an activity context (MockActivityEnvironment) against the real
 * simulator over HTTP: what it asks the provider to do, what it returns, and what a retry resumes.
 */

const poll: PollSettings = { initialMs: 20, maxMs: 80, factor: 1.5, queuedDeadlineMs: 5_000 };
let sim: RunningSimulator;
let client: OpenAI;
let deps: BackgroundResponseDeps;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 150, jitter: 0 });
  client = new OpenAI({ apiKey: 'sim-key', baseURL: sim.baseURL, maxRetries: 0, timeout: 2_000 });
  deps = { gateway: new OpenAIGateway(client), poll };
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const request = (overrides: Partial<BackgroundRequest> = {}): BackgroundRequest => ({
  step: 'test step',
  model: 'gpt-5.2',
  modelSetting: 'models.researcher',
  input: 'How do consensus algorithms handle network partitions?',
  ...overrides,
});

/** Runs the activity, recording every heartbeat it sends. */
async function run(
  req: BackgroundRequest,
  info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {},
  onHeartbeat?: (details: unknown, env: MockActivityEnvironment) => void,
): Promise<{ result?: BackgroundResult; error?: unknown; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment(info);
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => {
    heartbeats.push(d);
    onHeartbeat?.(d, env);
  });
  try {
    return { result: await env.run(runBackgroundResponse, deps, req), heartbeats };
  } catch (error) {
    return { error, heartbeats };
  }
}

function expectFailure(error: unknown, type: string, retryable: boolean): ApplicationFailure {
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failure = error as ApplicationFailure;
  expect(failure.type).toBe(type);
  expect(failure.nonRetryable).toBe(!retryable);
  return failure;
}

test('creates one background response, heartbeats its id first, polls to the end and extracts the answer', async () => {
  const { result, heartbeats } = await run(request({ reasoningEffort: 'high', instructions: 'Be brief.' }));
  expect(result).toBeDefined();
  expect(result!.status).toBe('completed');
  expect(result!.outputText.length).toBeGreaterThan(20);
  expect(result!.usage.inputTokens).toBeGreaterThan(0);
  expect(result!.usage.reasoningTokens).toBeGreaterThan(0);
  expect(result!.timings.polls).toBeGreaterThan(0);
  expect(result!.timings.resumed).toBe(false);
  expect(heartbeats[0]).toMatchObject({ responseId: result!.responseId, polls: 0 });

  const stats = sim.stats();
  expect(stats.created).toBe(1);
  expect(stats.responses[result!.responseId]?.reasoningEffort).toBe('high');
  // What the provider was asked: background, stored, our instructions.
  expect(sim.requestBody(result!.responseId)).toMatchObject({
    background: true,
    store: true,
    model: 'gpt-5.2',
    instructions: 'Be brief.',
    reasoning: { effort: 'high' },
  });
});

test('structured output comes back parsed and valid for the schema asked for', async () => {
  const plan = z.object({
    questions: z
      .array(z.object({ question: z.string(), rationale: z.string(), searchHints: z.array(z.string()) }))
      .min(1)
      .max(5),
  });
  const { result } = await run(
    request({
      outputSchema: { name: 'research_plan', schema: z.toJSONSchema(plan) as Record<string, unknown> },
    }),
  );
  expect(result!.parseError).toBeUndefined();
  expect(() => plan.parse(result!.parsed)).not.toThrow();
  expect(sim.stats().responses[result!.responseId]?.formatName).toBe('research_plan');
});

test('web search returns citations that point at sources the search consulted', async () => {
  const { result } = await run(request({ tools: [{ type: 'web_search', searchContextSize: 'low' }] }));
  expect(result!.usage.webSearchCalls).toBeGreaterThan(0);
  const consulted = new Set(result!.webSearches.flatMap((s) => s.sources));
  expect(result!.citations.length).toBeGreaterThan(0);
  for (const c of result!.citations) {
    expect(consulted.has(c.url)).toBe(true);
    expect(result!.outputText.slice(c.startIndex, c.endIndex)).toContain(new URL(c.url).hostname);
  }
  expect(sim.requestBody(result!.responseId)).toMatchObject({ include: ['web_search_call.action.sources'] });
});

test('a retried attempt resumes the response from the heartbeat details and creates nothing new', async () => {
  // The first attempt created a response and heartbeated its id, then its worker died.
  const created = await client.responses.create({
    model: 'gpt-5.2',
    input: 'x',
    background: true,
    store: true,
  });
  const { result, heartbeats } = await run(request(), {
    attempt: 2,
    heartbeatDetails: { responseId: created.id, createdAtMs: Date.now(), polls: 3 },
  });
  expect(result!.responseId).toBe(created.id);
  expect(result!.timings.resumed).toBe(true);
  expect(sim.stats().created).toBe(1);
  expect(heartbeats.every((h) => (h as { responseId: string }).responseId === created.id)).toBe(true);
});

test('cancelling the activity cancels the response at the provider', async () => {
  sim.configure({ latencyMs: 60_000 });
  const { error } = await run(request(), {}, (details, env) => {
    if ((details as { polls: number }).polls === 1) env.cancel('CANCELLED');
  });
  expect(error).toBeInstanceOf(CancelledFailure);
  const stats = sim.stats();
  expect(stats.created).toBe(1);
  expect(stats.cancelled).toBe(1);
  expect(Object.values(stats.responses)[0]?.status).toBe('cancelled');
});

test('a timed-out attempt leaves its response running for the next attempt to resume', async () => {
  sim.configure({ latencyMs: 60_000 });
  const { error } = await run(request(), {}, (details, env) => {
    if ((details as { polls: number }).polls === 1)
      env.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));
  });
  expect(error).toBeDefined();
  expect(sim.stats().cancelled).toBe(0);
  expect(sim.stats().inFlight).toBe(1);
});

describe('failures are classified', () => {
  test('a wrong API key fails at once and names OPENAI_API_KEY', async () => {
    sim.configure({ apiKey: 'the-right-key' });
    const { error } = await run(request());
    const failure = expectFailure(error, 'OpenAIAuthenticationError', false);
    expect(failure.message).toContain('OPENAI_API_KEY');
    expect(sim.stats().created).toBe(0);
  });

  test('an unknown model fails at once and names the setting to change', async () => {
    const { error } = await run(request({ model: 'gpt-retired' }));
    const failure = expectFailure(error, 'OpenAIModelNotFound', false);
    expect(failure.message).toContain('models.researcher');
    expect(failure.message).toContain('gpt-retired');
  });

  test('an invalid request is not retried', async () => {
    const { error } = await run(request({ previousResponseId: 'resp_doesnotexist' }));
    expectFailure(error, 'OpenAIInvalidRequest', false);
  });

  test('a rate limit is retryable after the delay the provider asked for', async () => {
    sim.configure({ faults: { retryAfterSeconds: 7, script: [{ fault: 'rateLimit', on: 'create' }] } });
    const { error } = await run(request());
    const failure = expectFailure(error, 'OpenAIRateLimited', true);
    expect(failure.nextRetryDelay).toBe(7000);
    expect(sim.stats().created).toBe(0);
  });

  test.each([
    ['serverError', 'OpenAIServerError'],
    ['unavailable', 'OpenAIServerError'],
    ['reset', 'OpenAIConnectionError'],
  ] as const)('%s on create is retryable (%s)', async (fault, type) => {
    sim.configure({ faults: { script: [{ fault, on: 'create' }] } });
    const { error } = await run(request());
    expectFailure(error, type, true);
  });

  test('a poll that hangs is cut by the request timeout and retried by the client, then completes', async () => {
    sim.configure({ faults: { script: [{ fault: 'hang', on: 'retrieve' }] } });
    const { result } = await run(request());
    expect(result!.status).toBe('completed');
    expect(sim.stats().created).toBe(1);
  });

  test('a failed response is retryable, and the retry creates a fresh one', async () => {
    sim.configure({ faults: { script: [{ fault: 'failed', on: 'create' }] } });
    const first = await run(request());
    expectFailure(first.error, 'ResponseFailed', true);
    const second = await run(request(), { attempt: 2, heartbeatDetails: first.heartbeats.at(-1) });
    expect(second.result!.status).toBe('completed');
    expect(sim.stats().created).toBe(2);
  });

  test('an incomplete response is returned with its reason for the caller to decide', async () => {
    sim.configure({ faults: { script: [{ fault: 'incomplete', on: 'create' }] } });
    const { result } = await run(request());
    expect(result!.status).toBe('incomplete');
    expect(result!.incompleteReason).toBe('max_output_tokens');
  });

  test('a response stuck in the queue is cancelled past the deadline; the retry starts afresh', async () => {
    deps.poll = { ...poll, queuedDeadlineMs: 300 };
    try {
      sim.configure({ faults: { script: [{ fault: 'stuckQueued', on: 'create' }] } });
      const first = await run(request());
      expectFailure(first.error, 'ResponseStuckQueued', true);
      expect(sim.stats().cancelled).toBe(1);
      const second = await run(request(), { attempt: 2, heartbeatDetails: first.heartbeats.at(-1) });
      expect(second.result!.status).toBe('completed');
      expect(sim.stats().created).toBe(2);
    } finally {
      deps.poll = poll;
    }
  });

  test('bad activity input is rejected naming the field', async () => {
    const { error } = await run({ ...request(), model: '' });
    const failure = expectFailure(error, 'InvalidActivityInput', false);
    expect(failure.message).toContain('model');
  });
});

describe('what real responses do that the simulator does not (scripted over HTTP)', () => {
  const quiet = new DefaultLogger('ERROR');
  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id: 'resp_scripted',
    object: 'response',
    created_at: 1_764_000_000,
    status,
    background: true,
    model: 'gpt-5.4',
    output: [],
    error: null,
    incomplete_details: null,
    usage: null,
    ...extra,
  });

  async function scripted(exchanges: ReplayExchange[], req: BackgroundRequest, info = {}) {
    const server = await startReplayServer(exchanges);
    try {
      const env = new MockActivityEnvironment(info, { logger: quiet });
      const openai = new OpenAI({ apiKey: 'k', baseURL: server.baseURL, maxRetries: 0, timeout: 2_000 });
      const gateway = new OpenAIGateway(openai);
      const running = env.run(runBackgroundResponse, { gateway, poll }, req) as Promise<BackgroundResult>;
      const outcome = await running.then(
        (result) => ({ result, error: undefined }),
        (error: unknown) => ({ result: undefined, error }),
      );
      return { ...outcome, received: server.received };
    } finally {
      await server.close();
    }
  }
  const create = (body: unknown, status = 200): ReplayExchange => ({
    method: 'POST',
    path: '/v1/responses',
    status,
    body,
  });
  const poll1 = (body: unknown): ReplayExchange => ({
    method: 'GET',
    path: '/v1/responses/resp_scripted',
    status: 200,
    body,
  });

  test.each(['invalid_prompt', 'bio_policy', 'image_content_policy_violation'])(
    'a response failed with %s fails at once, not retried, with the provider message',
    async (code) => {
      const failed = response('failed', {
        error: { code, message: 'Invalid prompt: flagged as potentially violating our usage policy.' },
      });
      const { error } = await scripted([create(response('queued')), poll1(failed)], request());
      const failure = expectFailure(error, 'ResponseFailedPermanently', false);
      expect(failure.message).toContain(code);
      expect(failure.message).toContain('flagged as potentially violating our usage policy');
    },
  );

  test.each(['server_error', 'rate_limit_exceeded', 'vector_store_timeout'])(
    'a response failed with %s stays retryable',
    async (code) => {
      const failed = response('failed', { error: { code, message: 'try again' } });
      const { error } = await scripted([create(response('queued')), poll1(failed)], request());
      expectFailure(error, 'ResponseFailed', true);
    },
  );

  test('a retry that finds its response failed with a non-transient code fails at once instead of paying again', async () => {
    const failed = response('failed', { error: { code: 'invalid_prompt', message: 'flagged' } });
    const { error, received } = await scripted([poll1(failed)], request(), {
      attempt: 2,
      heartbeatDetails: { responseId: 'resp_scripted', createdAtMs: Date.now(), polls: 3 },
    });
    expectFailure(error, 'ResponseFailedPermanently', false);
    expect(received.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  test('polls and a resumed attempt ask for the include the create asked for', async () => {
    const done = response('completed', { output: [] });
    const search = request({ tools: [{ type: 'web_search' }] });
    const { result, received } = await scripted(
      [create(response('queued')), poll1(response('in_progress')), poll1(done)],
      search,
    );
    expect(result!.status).toBe('completed');
    expect((received[0]!.body as { include: string[] }).include).toEqual(['web_search_call.action.sources']);
    const gets = received.filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(2);
    for (const get of gets)
      expect(new URL(get.url, 'http://x').searchParams.getAll('include[]')).toEqual([
        'web_search_call.action.sources',
      ]);

    const resumed = await scripted([poll1(done)], search, {
      attempt: 2,
      heartbeatDetails: { responseId: 'resp_scripted', createdAtMs: Date.now(), polls: 3 },
    });
    expect(resumed.result!.timings.resumed).toBe(true);
    expect(new URL(resumed.received[0]!.url, 'http://x').searchParams.getAll('include[]')).toEqual([
      'web_search_call.action.sources',
    ]);
  });

  test.each([
    [
      400,
      {
        message: "The requested model 'gpt-5.2-proo' does not exist.",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    ],
    [
      404,
      { message: 'Model not found gpt-5.2-proo', type: 'invalid_request_error', param: 'model', code: null },
    ],
  ])('an unknown model answered %s names the setting to change', async (status, body) => {
    const { error } = await scripted([create({ error: body }, status)], request({ model: 'gpt-5.2-proo' }));
    const failure = expectFailure(error, 'OpenAIModelNotFound', false);
    expect(failure.message).toMatch(
      /model "gpt-5\.2-proo"[\s\S]*Set models\.researcher to an available model/,
    );
  });

  test('an unsupported effort answered 400 unsupported_value names reasoningEffort and the model setting', async () => {
    const body = {
      message:
        "Unsupported value: 'none' is not supported with the 'gpt-5-pro' model. Supported values are: 'high'.",
      type: 'invalid_request_error',
      param: 'reasoning.effort',
      code: 'unsupported_value',
    };
    const { error } = await scripted(
      [create({ error: body }, 400)],
      request({ model: 'gpt-5-pro', reasoningEffort: 'none' }),
    );
    const failure = expectFailure(error, 'OpenAIInvalidRequest', false);
    expect(failure.message).toMatch(
      /Supported values are: 'high'[\s\S]*reasoningEffort[\s\S]*models\.researcher/,
    );
  });
});

describe('structured-output formats (built with openai/helpers/zod)', () => {
  test('a schema strict mode refuses fails when it is built, not as a 400 at the provider', () => {
    expect(() => structuredFormat('optional_field', z.strictObject({ a: z.string().optional() }))).toThrow(
      /optional\(\)` without `\.nullable\(\)/,
    );
    expect(() =>
      structuredFormat('intersection', z.object({ a: z.string().and(z.object({ b: z.string() })) })),
    ).toThrow(/allOf/);
    expect(() => structuredFormat('not_an_object', z.array(z.string()) as unknown as z.ZodObject)).toThrow(
      /Root schema must have type: 'object'/,
    );
  });

  test('a discriminated union becomes anyOf (strict mode has no oneOf), and the formats we send are strict', () => {
    const union = structuredFormat(
      'union',
      z.strictObject({
        pick: z.discriminatedUnion('kind', [
          z.strictObject({ kind: z.literal('a'), x: z.string() }),
          z.strictObject({ kind: z.literal('b'), y: z.number() }),
        ]),
      }),
    );
    expect(JSON.stringify(union.schema)).not.toContain('oneOf');
    expect(JSON.stringify(union.schema)).toContain('anyOf');
    for (const format of [PLAN_FORMAT, GAPS_FORMAT]) {
      expect(JSON.stringify(format.schema)).not.toMatch(/"(oneOf|allOf|not)"/);
      expect(format.schema).toMatchObject({ type: 'object', additionalProperties: false });
    }
  });
});
