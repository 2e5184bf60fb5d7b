import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { z } from 'zod';
import {
  describeProviderError,
  PROVIDER_ERROR_KINDS,
  ProviderError,
  type ProviderErrorKind,
} from '../src/openai/errors';
import { OpenAIGateway, type ResponseAsked, type ResponseSnapshot } from '../src/openai/gateway';
import {
  backgroundRequestSchema,
  type BackgroundRequest,
  type ParsedBackgroundRequest,
} from '../src/schemas/background-response';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { recordingsDir } from './helpers/reference';
import { exchangeOf, loadRecordings, startReplayServer, type ReplayExchange } from './helpers/replay-server';
import { simClient } from './helpers/sim-client';

/**
 * The provider gateway (src/openai/gateway.ts) against the simulator, a real HTTP server, and against
 * scripted and recorded error answers over HTTP: what it sends, the snapshots it returns, and the kind
 * of every provider error, with the facts a message is built from.
 */

let sim: RunningSimulator;
let gateway: OpenAIGateway;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 100, jitter: 0 });
  gateway = new OpenAIGateway(simClient(sim, { timeout: 2_000 }));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const request = (overrides: Partial<BackgroundRequest> = {}): ParsedBackgroundRequest =>
  backgroundRequestSchema.parse({
    step: 'gateway test',
    model: 'gpt-5.2',
    input: 'How do consensus algorithms handle network partitions?',
    ...overrides,
  });

/** A gateway over a plain client pointed at a scripted server. */
const over = (baseURL: string) =>
  new OpenAIGateway(new OpenAI({ apiKey: 'k', baseURL, maxRetries: 0, timeout: 2_000 }));

async function toEnd(
  on: OpenAIGateway,
  created: ResponseSnapshot,
  asked: ResponseAsked,
): Promise<ResponseSnapshot> {
  let current = created;
  while (current.status === 'queued' || current.status === 'in_progress') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    current = await on.retrieve(created.id, asked);
  }
  return current;
}

/** The ProviderError a call rejects with (fails the test when it resolves or throws anything else). */
async function providerError(call: Promise<unknown>): Promise<ProviderError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('against the simulator', () => {
  test('says where its requests go', () => {
    expect(gateway.baseURL).toBe(sim.baseURL);
  });

  test('create starts a background, stored response; retrieve follows it to its extracted answer', async () => {
    const asked = request({ instructions: 'Be brief.', reasoningEffort: 'high' });
    const created = await gateway.create(asked);
    expect(created.status).toMatch(/^(queued|in_progress)$/);
    expect(sim.requestBody(created.id)).toMatchObject({
      model: 'gpt-5.2',
      background: true,
      store: true,
      instructions: 'Be brief.',
      reasoning: { effort: 'high' },
    });
    const ended = await toEnd(gateway, created, asked);
    if (ended.status !== 'completed') throw new Error(`ended ${ended.status}`);
    expect(ended.id).toBe(created.id);
    expect(ended.output.outputText.length).toBeGreaterThan(20);
    expect(ended.usage.inputTokens).toBeGreaterThan(0);
    expect(ended.usage.reasoningTokens).toBeGreaterThan(0);
    expect(sim.stats().created).toBe(1);
  });

  test('retrieve asks for the include the create asked for: a search keeps its sources', async () => {
    const asked = request({ tools: [{ type: 'web_search' }] });
    const created = await gateway.create(asked);
    expect(sim.requestBody(created.id)).toMatchObject({ include: ['web_search_call.action.sources'] });
    const ended = await toEnd(gateway, created, asked);
    if (ended.status !== 'completed') throw new Error(`ended ${ended.status}`);
    expect(ended.output.webSearches.length).toBeGreaterThan(0);
    expect(ended.output.webSearches.flatMap((s) => s.sources).length).toBeGreaterThan(0);
    // The same response read without the search tool: no include is sent, and the provider leaves the
    // sources out (GET /responses/{id} does not carry the create's include over).
    const bare = await gateway.retrieve(created.id, {});
    if (bare.status !== 'completed') throw new Error(`read as ${bare.status}`);
    expect(bare.output.webSearches.length).toBe(ended.output.webSearches.length);
    expect(bare.output.webSearches.flatMap((s) => s.sources)).toEqual([]);
  });

  test('a structured answer comes back parsed when the request had an output schema', async () => {
    const schema = z.object({ answer: z.string() });
    const asked = request({
      outputSchema: { name: 'answer', schema: z.toJSONSchema(schema) as Record<string, unknown> },
    });
    const ended = await toEnd(gateway, await gateway.create(asked), asked);
    if (ended.status !== 'completed') throw new Error(`ended ${ended.status}`);
    expect(ended.output.parseError).toBeUndefined();
    expect(() => schema.parse(ended.output.parsed)).not.toThrow();
  });

  test('cancel stops the response at the provider', async () => {
    sim.configure({ latencyMs: 60_000 });
    const asked = request();
    const created = await gateway.create(asked);
    await gateway.cancel(created.id);
    expect(sim.stats().cancelled).toBe(1);
    expect((await gateway.retrieve(created.id, asked)).status).toBe('cancelled');
  });

  test('an incomplete response says why it stopped', async () => {
    sim.configure({ faults: { script: [{ fault: 'incomplete', on: 'create' }] } });
    const asked = request();
    const ended = await toEnd(gateway, await gateway.create(asked), asked);
    if (ended.status !== 'incomplete') throw new Error(`ended ${ended.status}`);
    expect(ended.incompleteReason).toBe('max_output_tokens');
  });

  test('a failed response carries its error as a kind: server_error is transient', async () => {
    sim.configure({ faults: { script: [{ fault: 'failed', on: 'create' }] } });
    const asked = request();
    const created = await gateway.create(asked);
    const ended = await toEnd(gateway, created, asked);
    if (ended.status !== 'failed') throw new Error(`ended ${ended.status}`);
    expect(ended.error).toMatchObject({
      kind: 'response_failed_transient',
      code: 'server_error',
      responseId: created.id,
    });
  });

  test('a wrong API key is auth', async () => {
    sim.configure({ apiKey: 'the-right-key' });
    const error = await providerError(gateway.create(request()));
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(sim.stats().created).toBe(0);
  });

  test('an unknown model is model_not_found, blaming the model parameter', async () => {
    const error = await providerError(gateway.create(request({ model: 'gpt-retired' })));
    expect(error).toMatchObject({
      kind: 'model_not_found',
      status: 400,
      code: 'model_not_found',
      param: 'model',
    });
  });

  test('a previous response that does not exist is invalid_request', async () => {
    const error = await providerError(gateway.create(request({ previousResponseId: 'resp_doesnotexist' })));
    expect(error).toMatchObject({
      kind: 'invalid_request',
      status: 400,
      code: 'previous_response_not_found',
    });
  });

  test('retrieving or cancelling a response the provider does not have is not_found', async () => {
    expect(await providerError(gateway.retrieve('resp_doesnotexist', {}))).toMatchObject({
      kind: 'not_found',
      status: 404,
    });
    expect(await providerError(gateway.cancel('resp_doesnotexist'))).toMatchObject({
      kind: 'not_found',
      status: 404,
    });
  });

  test('a rate limit is rate_limited, with the wait the provider asked for', async () => {
    sim.configure({ faults: { retryAfterSeconds: 7, script: [{ fault: 'rateLimit', on: 'create' }] } });
    const error = await providerError(gateway.create(request()));
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 7000 });
    expect(sim.stats().created).toBe(0);
  });

  test.each([
    ['serverError', 'server'],
    ['unavailable', 'server'],
    ['reset', 'network'],
  ] as const)('%s on create is %s, and the create is not retried', async (fault, kind) => {
    sim.configure({ faults: { script: [{ fault, on: 'create' }] } });
    expect(await providerError(gateway.create(request()))).toMatchObject({ kind });
    expect(sim.stats().requests).toBe(1);
  });

  test('a poll is retried twice before its error is given', async () => {
    const asked = request();
    const created = await gateway.create(asked);
    const fault = { fault: 'serverError' as const, on: 'retrieve' as const };
    sim.configure({ faults: { script: [fault, fault] } });
    await gateway.retrieve(created.id, asked);
    sim.configure({ faults: { script: [fault, fault, fault] } });
    expect(await providerError(gateway.retrieve(created.id, asked))).toMatchObject({ kind: 'server' });
  });

  test('a request that gets no answer in time is network', async () => {
    const impatient = new OpenAIGateway(simClient(sim, { timeout: 300 }));
    sim.configure({ faults: { script: [{ fault: 'hang', on: 'create' }] } });
    expect(await providerError(impatient.create(request()))).toMatchObject({ kind: 'network' });
  });
});

describe('answers the simulator does not give (scripted over HTTP)', () => {
  async function created(exchange: Omit<ReplayExchange, 'method' | 'path'>): Promise<ProviderError> {
    const server = await startReplayServer([{ method: 'POST', path: '/v1/responses', ...exchange }]);
    try {
      const replayed = over(server.baseURL);
      return await providerError(replayed.create(request()));
    } finally {
      await server.close();
    }
  }
  const apiError = (message: string, code: string | null = null, param: string | null = null) => ({
    error: { message, type: 'invalid_request_error', param, code },
  });

  test('403 is permission_denied', async () => {
    expect(await created({ status: 403, body: apiError('Project does not have access') })).toMatchObject({
      kind: 'permission_denied',
      status: 403,
    });
  });

  test('429 insufficient_quota is quota_exceeded, not a rate limit', async () => {
    const error = await created({
      status: 429,
      headers: { 'retry-after': '20' },
      body: apiError('You exceeded your current quota.', 'insufficient_quota'),
    });
    expect(error).toMatchObject({ kind: 'quota_exceeded', status: 429, code: 'insufficient_quota' });
    expect(error.retryAfterMs).toBeUndefined();
  });

  test.each([408, 409, 500, 503])('%s is server', async (status) => {
    expect(await created({ status, body: apiError('try again') })).toMatchObject({ kind: 'server', status });
  });

  test('retry-after-ms wins over retry-after; a retry-after date is a wait until then', async () => {
    expect(
      await created({ status: 429, headers: { 'retry-after-ms': '1500', 'retry-after': '9' }, body: {} }),
    ).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1500 });
    const at = new Date(Date.now() + 30_000).toUTCString();
    const error = await created({ status: 503, headers: { 'retry-after': at }, body: {} });
    expect(error.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  test('422 is invalid_request, blaming its parameter', async () => {
    expect(
      await created({ status: 422, body: apiError("Invalid 'tools[0]'", 'invalid_value', 'tools[0]') }),
    ).toMatchObject({ kind: 'invalid_request', status: 422, code: 'invalid_value', param: 'tools[0]' });
  });

  test('an answer the client cannot read is unexpected', async () => {
    const broken = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "resp_');
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = broken.address() as AddressInfo;
      const error = await providerError(over(`http://127.0.0.1:${port}/v1`).create(request()));
      expect(error).toMatchObject({ kind: 'unexpected' });
      expect(error.status).toBeUndefined();
    } finally {
      broken.closeAllConnections();
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });

  test.each([
    ['invalid_prompt', 'response_failed_permanent'],
    ['image_content_policy_violation', 'response_failed_permanent'],
    ['server_error', 'response_failed_transient'],
    ['vector_store_timeout', 'response_failed_transient'],
    [null, 'response_failed_transient'],
  ] as const)('a response failed with %s is %s', async (code, kind) => {
    const failed = {
      id: 'resp_scripted',
      object: 'response',
      created_at: 1_764_000_000,
      status: 'failed',
      background: true,
      model: 'gpt-5.4',
      output: [],
      error: { code, message: 'flagged' },
      incomplete_details: null,
      usage: null,
    };
    const server = await startReplayServer([
      { method: 'GET', path: '/v1/responses/resp_scripted', status: 200, body: failed },
    ]);
    try {
      const replayed = over(server.baseURL);
      const snapshot = await replayed.retrieve('resp_scripted', {});
      if (snapshot.status !== 'failed') throw new Error(`read as ${snapshot.status}`);
      expect(snapshot.error).toMatchObject({ kind, message: 'flagged', responseId: 'resp_scripted' });
      expect(snapshot.error.code).toBe(code ?? undefined);
    } finally {
      await server.close();
    }
  });
});

const recorded = loadRecordings().flatMap((recording) =>
  recording.interactions.flatMap((interaction, index) =>
    interaction.response.status >= 400 ? [{ name: `${recording.file} #${index}`, interaction }] : [],
  ),
);

describe('recorded error answers of the real API', () => {
  if (!recordingsDir()) {
    test('recordings: nothing to classify', () => {
      console.log('provider-gateway: no shared/reference/recorded beside the checkout: nothing to classify');
    });
    return;
  }
  const expected: Record<string, ProviderErrorKind> = {
    'dd-trace-py__response_error.json #0': 'auth',
    'pydantic-ai__TestOpenAI.test_embed_error.json #0': 'model_not_found',
    'pydantic-ai__test_ids_without_live_ground_truth-gpt-5.1-codex.json #0': 'model_not_found',
    'pydantic-ai__test_model_capabilities-o3-deep-research.json #0': 'invalid_request',
    'pydantic-ai__test_model_capabilities-o3-deep-research.json #1': 'invalid_request',
    'pydantic-ai__test_model_name_suggestion-openai-chat.json #0': 'model_not_found',
    'pydantic-ai__test_model_name_suggestion-openai-responses.json #0': 'model_not_found',
    'pydantic-ai__test_multimodal_tool_return_matrix-direct-url-audio-openai_responses.json #1':
      'invalid_request',
    'pydantic-ai__test_openai_responses_model_http_error.json #0': 'invalid_request',
    'pydantic-ai__test_openai_responses_thinking_with_modified_history.json #1': 'invalid_request',
    'pydantic-ai__test_reasoning_flags_match_the_api-gpt-5-pro.json #0': 'invalid_request',
    'pydantic-ai__test_reasoning_flags_match_the_api-gpt-5-pro.json #1': 'invalid_request',
  };

  test('every recorded error has an expected kind', () => {
    expect(recorded.map((r) => r.name).sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(recorded.map((r) => [r.name, r.interaction] as const))('%s', async (name, interaction) => {
    // Served as the answer to our create, whichever endpoint recorded it.
    const server = await startReplayServer([
      { ...exchangeOf(interaction), method: 'POST', path: '/v1/responses' },
    ]);
    try {
      const replayed = over(server.baseURL);
      const error = await providerError(replayed.create(request()));
      const body = (interaction.response.body as { error: { message: string; code: string | null } }).error;
      expect(error.kind).toBe(expected[name]);
      expect(error.status).toBe(interaction.response.status);
      expect(error.code).toBe(body.code ?? undefined);
      expect(error.message).toContain(body.message);
    } finally {
      await server.close();
    }
  });
});

describe('messages', () => {
  const ctx = { step: 'q1', model: 'gpt-x', modelSetting: 'models.researcher', baseURL: 'http://api/v1' };
  /** What each kind's message must tell the user: where, and what to change. */
  const says: Record<ProviderErrorKind, RegExp> = {
    network: /^q1 \(model gpt-x\): could not reach the Responses API at http:\/\/api\/v1: said so$/,
    unexpected: /^q1 \(model gpt-x\): said so$/,
    auth: /http:\/\/api\/v1 rejected the API key \(401 c: said so\)\. Set OPENAI_API_KEY/,
    permission_denied: /permission denied \(403 c: said so\)[\s\S]*models\.researcher/,
    model_not_found: /model "gpt-x" does not exist[\s\S]*Set models\.researcher to an available model/,
    quota_exceeded: /out of quota \(429 c: said so\)/,
    rate_limited:
      /^q1 \(model gpt-x\): the provider answered 429 c: said so; retrying after 7000 ms as asked$/,
    server: /^q1 \(model gpt-x\): the provider answered 503 c: said so; retrying after 7000 ms as asked$/,
    not_found:
      /^q1 \(model gpt-x\): the provider rejected the request \(404 c: said so, parameter tools\)\. Model "gpt-x" does not take this step's tools/,
    invalid_request:
      /rejected the request \(400 c: said so, parameter reasoning\.effort\)\. Choose a reasoningEffort/,
    response_failed_transient: /^q1: response resp_1 failed at the provider \(c: said so\)$/,
    response_failed_permanent:
      /^q1: response resp_1 failed at the provider with c: said so\. A new response would fail the same way/,
  };
  const statusOf: Partial<Record<ProviderErrorKind, number>> = {
    auth: 401,
    permission_denied: 403,
    model_not_found: 404,
    quota_exceeded: 429,
    rate_limited: 429,
    server: 503,
    not_found: 404,
    invalid_request: 400,
  };
  const paramOf: Partial<Record<ProviderErrorKind, string>> = {
    not_found: 'tools',
    invalid_request: 'reasoning.effort',
  };

  test.each([...PROVIDER_ERROR_KINDS])('%s', (kind) => {
    const error = new ProviderError(kind, 'said so', {
      code: 'c',
      ...(statusOf[kind] ? { status: statusOf[kind] } : {}),
      ...(paramOf[kind] ? { param: paramOf[kind] } : {}),
      ...(kind === 'rate_limited' || kind === 'server' ? { retryAfterMs: 7000 } : {}),
      ...(kind.startsWith('response_failed') ? { responseId: 'resp_1' } : {}),
    });
    expect(describeProviderError(error, ctx)).toMatch(says[kind]);
  });
});
