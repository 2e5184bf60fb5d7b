import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type {
  Response,
  ResponseCreateParamsNonStreaming,
  ResponseFunctionToolCall,
  ResponseFunctionWebSearch,
  ResponseInputItem,
  ResponseOutputMessage,
  ResponseOutputText,
} from 'openai/resources/responses/responses';
import { z } from 'zod';
import { simulatorStatsSchema, startSimulator, type RunningSimulator } from '../src/simulator';
import {
  admin,
  citationNumbers,
  collect,
  keylessClient,
  pollToEnd,
  simClient,
  transitions,
} from './helpers/sim-client';

/**
 * The Responses API simulator through the real `openai` client over HTTP: endpoints, lifecycle, streaming,
 * faults, and generated output (structured, web search, function calls, reports).
 */

const LATENCY = 60;
let sim: RunningSimulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: LATENCY, jitter: 0 });
  client = simClient(sim);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const QUESTION = 'How do solid-state batteries compare with lithium-ion cells for electric vehicles?';

function message(response: Response): ResponseOutputMessage {
  const item = response.output.find((o): o is ResponseOutputMessage => o.type === 'message');
  if (!item) throw new Error(`no message in ${JSON.stringify(response.output)}`);
  return item;
}

function outputText(response: Response): ResponseOutputText {
  const part = message(response).content[0];
  if (part?.type !== 'output_text') throw new Error('no output_text part');
  return part;
}

function webSearches(response: Response): ResponseFunctionWebSearch[] {
  return response.output.filter((o): o is ResponseFunctionWebSearch => o.type === 'web_search_call');
}

function functionCalls(response: Response): ResponseFunctionToolCall[] {
  return response.output.filter((o): o is ResponseFunctionToolCall => o.type === 'function_call');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('endpoints', () => {
  test('lists the current models of the spec; an unknown one is a 400 model_not_found on /responses, as recorded', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual(
      expect.arrayContaining([
        'gpt-5.2',
        'gpt-5-mini',
        'o3',
        'gpt-4.1',
        'gpt-5.4',
        'gpt-5.4-mini',
        'gpt-5.4-nano',
        'gpt-5.5',
        'gpt-5.5-pro',
        'o3-deep-research',
        'o4-mini-deep-research',
      ]),
    );
    expect(models[0]).toMatchObject({ object: 'model', owned_by: 'system', created: expect.any(Number) });
    expect((await client.models.retrieve('gpt-5.5')).id).toBe('gpt-5.5');

    // pydantic-ai__test_model_name_suggestion-openai-responses.json
    const error = await rejection(client.responses.create({ model: 'gpt-5.2-proo', input: 'hi' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).status).toBe(400);
    expect((error as BadRequestError).code).toBe('model_not_found');
    expect((error as BadRequestError).param).toBe('model');
    expect((error as BadRequestError).message).toContain(
      "The requested model 'gpt-5.2-proo' does not exist.",
    );
    // The models endpoint keeps its own 404.
    expect(await rejection(client.models.retrieve('gpt-retired'))).toBeInstanceOf(NotFoundError);
    sim.configure({ models: ['only-this'] });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['only-this']);
  });

  test('a missing key and a wrong key are 401s; every answer has an x-request-id', async () => {
    const missing = await rejection(keylessClient(sim).responses.create({ model: 'gpt-5', input: 'hi' }));
    expect(missing).toBeInstanceOf(AuthenticationError);
    expect((missing as AuthenticationError).message).toContain("You didn't provide an API key");
    expect((missing as AuthenticationError).requestID).toMatch(/^req_/);

    sim.configure({ apiKey: 'sk-the-right-key-abcd' });
    const wrong = await rejection(simClient(sim, { apiKey: 'sk-wrong-key-9876' }).models.list());
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect((wrong as AuthenticationError).code).toBe('invalid_api_key');
    expect((wrong as AuthenticationError).message).toContain('sk-wrong****9876');
    expect((wrong as AuthenticationError).message).not.toContain('sk-wrong-key-9876');

    const right = simClient(sim, { apiKey: 'sk-the-right-key-abcd' });
    const { data, response } = await right.responses.create({ model: 'gpt-5', input: 'hi' }).withResponse();
    expect(data.status).toBe('completed');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(sim.stats().requests).toBe(3);
  });

  test('a background response goes queued -> in_progress -> completed while polled', async () => {
    sim.configure({ latencyMs: 300 });
    const created = await client.responses.create({
      model: 'gpt-5',
      input: QUESTION,
      background: true,
      store: true,
    });
    expect(created.status).toBe('queued');
    expect(created.output).toEqual([]);
    expect(created.usage).toBeNull();
    expect(created.id).toMatch(/^resp_[0-9a-f]+$/);

    const { statuses, final, polls } = await pollToEnd(client, created);
    expect(transitions(statuses)).toEqual(['queued', 'in_progress', 'completed']);
    expect(final.output_text.length).toBeGreaterThan(100);
    expect(final.completed_at).toEqual(expect.any(Number));
    expect(final.usage?.total_tokens).toBe(
      (final.usage?.input_tokens ?? 0) + (final.usage?.output_tokens ?? 0),
    );

    const stats = sim.stats();
    expect(stats).toMatchObject({ created: 1, completed: 1, inFlight: 0, retrieves: polls });
    const entry = stats.responses[created.id];
    expect(entry).toMatchObject({
      status: 'completed',
      background: true,
      stream: false,
      polls,
      model: 'gpt-5',
    });
    expect(entry!.finishedAtMs! - entry!.createdAtMs).toBeGreaterThanOrEqual(299);
  });

  test('a non-background create waits for the latency and returns the completed response, raw JSON like the API', async () => {
    const started = Date.now();
    const raw = await client.responses
      .create({ model: 'gpt-5', input: QUESTION, metadata: { run: 'r1' } })
      .asResponse();
    expect(Date.now() - started).toBeGreaterThanOrEqual(LATENCY - 5);
    const json = (await raw.json()) as Record<string, unknown>;
    expect(json).not.toHaveProperty('output_text');
    expect(json).toMatchObject({
      object: 'response',
      status: 'completed',
      background: false,
      store: true,
      // Recorded: the response names the dated snapshot the alias resolved to.
      model: 'gpt-5-2025-08-07',
      error: null,
      incomplete_details: null,
      previous_response_id: null,
      metadata: { run: 'r1' },
      tools: [],
      text: { format: { type: 'text' } },
    });
  });

  test('cancel is idempotent, only for background responses, and counted', async () => {
    sim.configure({ latencyMs: 60_000 });
    const created = await client.responses.create({ model: 'gpt-5', input: 'long task', background: true });
    const cancelled = await client.responses.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.output).toEqual([]);
    expect((await client.responses.cancel(created.id)).status).toBe('cancelled');
    expect((await client.responses.retrieve(created.id)).status).toBe('cancelled');

    sim.configure({ latencyMs: LATENCY });
    const done = await client.responses.create({ model: 'gpt-5', input: 'short task', background: true });
    const { final } = await pollToEnd(client, done);
    expect((await client.responses.cancel(done.id)).status).toBe(final.status);

    const sync = await client.responses.create({ model: 'gpt-5', input: 'sync' });
    expect(await rejection(client.responses.cancel(sync.id))).toBeInstanceOf(BadRequestError);
    expect(await rejection(client.responses.cancel('resp_unknown'))).toBeInstanceOf(NotFoundError);

    const stats = sim.stats();
    expect(stats).toMatchObject({ cancelled: 1, completed: 2, cancels: 5 });
    expect(stats.responses[created.id]?.finishedAtMs).toEqual(expect.any(Number));
  });

  test('delete answers response.deleted, then the response is 404', async () => {
    const created = await client.responses.create({ model: 'gpt-5', input: 'hi', background: true });
    const raw = await client.responses.delete(created.id).asResponse();
    expect(await raw.json()).toEqual({ id: created.id, object: 'response.deleted', deleted: true });
    const error = await rejection(client.responses.retrieve(created.id));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toContain(`Response with id '${created.id}' not found.`);
    expect(await rejection(client.responses.delete(created.id))).toBeInstanceOf(NotFoundError);
    expect(sim.stats().deletes).toBe(2);
  });

  test('requests are validated like the API does', async () => {
    const cases: [Parameters<typeof client.responses.create>[0], string | null, string | null][] = [
      [{ model: 'gpt-5', input: 'x', background: true, store: false }, 'store', null],
      [
        {
          model: 'gpt-5',
          input: 'x',
          text: { format: { type: 'json_schema', name: 'bad name!', schema: { type: 'object' } } },
        },
        'text.format.name',
        'invalid_value',
      ],
      [
        { model: 'gpt-5', input: 'x', previous_response_id: 'resp_nope' },
        'previous_response_id',
        'previous_response_not_found',
      ],
      [{ model: 'gpt-5', input: 'x', max_output_tokens: 5 }, 'max_output_tokens', 'integer_below_min_value'],
      [
        {
          model: 'gpt-5',
          input: 'x',
          text: {
            format: {
              type: 'json_schema',
              name: 'loose',
              strict: true,
              schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
            },
          },
        },
        'text.format.schema',
        'invalid_json_schema',
      ],
    ];
    for (const [body, param, code] of cases) {
      const error = await rejection(client.responses.create(body));
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).param).toBe(param);
      if (code) expect((error as BadRequestError).code).toBe(code);
    }
    const missingModel = await rejection(client.responses.create({ input: 'x' } as never));
    expect((missingModel as BadRequestError).message).toContain("Missing required parameter: 'model'.");
    expect(sim.stats().created).toBe(0);
  });
});

describe('streaming', () => {
  test('streams numbered events over the latency; a resume replays exactly the later ones', async () => {
    sim.configure({ latencyMs: 200 });
    const stream = await client.responses.create({
      model: 'gpt-5',
      input: QUESTION,
      background: true,
      stream: true,
    });
    const events = await collect(stream);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['response.created', 'response.queued', 'response.in_progress']);
    expect(types.at(-1)).toBe('response.completed');
    for (const type of [
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
    ]) {
      expect(types).toContain(type);
    }
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(2);
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('no completed event');
    expect(deltas.join('')).toBe(outputText(completed.response).text);

    const id = completed.response.id;
    const resumed = await collect(await client.responses.retrieve(id, { stream: true, starting_after: 4 }));
    expect(resumed.map((e) => e.sequence_number)).toEqual(events.slice(5).map((e) => e.sequence_number));
    expect(resumed.map((e) => e.type)).toEqual(types.slice(5));

    const polled = await client.responses.create({ model: 'gpt-5', input: 'x', background: true });
    const notStreamed = await rejection(client.responses.retrieve(polled.id, { stream: true }));
    expect(notStreamed).toBeInstanceOf(BadRequestError);
  });

  test('a stream dropped mid-way resumes live from the last sequence number', async () => {
    sim.configure({ latencyMs: 250 });
    const stream = await client.responses.create({
      model: 'gpt-5',
      input: QUESTION,
      background: true,
      stream: true,
    });
    const first: number[] = [];
    let id = '';
    for await (const event of stream) {
      first.push(event.sequence_number);
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta') break;
    }
    expect((await client.responses.retrieve(id)).status).toBe('in_progress');
    const rest = await collect(
      await client.responses.retrieve(id, { stream: true, starting_after: first.at(-1)! }),
    );
    expect(rest[0]?.sequence_number).toBe(first.at(-1)! + 1);
    expect(rest.at(-1)?.type).toBe('response.completed');
    const all = [...first, ...rest.map((e) => e.sequence_number)];
    expect(all).toEqual(all.map((_, i) => i));
  });

  test('web search and function calls stream their own events; failed ends with response.failed', async () => {
    const search = await collect(
      await client.responses.create({
        model: 'gpt-5',
        input: QUESTION,
        tools: [{ type: 'web_search' }],
        stream: true,
      }),
    );
    const types = search.map((e) => e.type);
    for (const type of [
      'response.web_search_call.in_progress',
      'response.web_search_call.searching',
      'response.web_search_call.completed',
      'response.output_text.annotation.added',
    ]) {
      expect(types).toContain(type);
    }
    expect(types).not.toContain('response.queued');

    const calls = await collect(
      await client.responses.create({
        model: 'gpt-5',
        input: 'Look up the battery statistics.',
        tools: [{ type: 'function', name: 'lookup', parameters: null, strict: false }],
        stream: true,
      }),
    );
    const argsDone = calls.filter((e) => e.type === 'response.function_call_arguments.done');
    expect(argsDone.length).toBeGreaterThan(0);
    expect(calls.map((e) => e.type)).toContain('response.function_call_arguments.delta');

    sim.configure({ faults: { script: [{ fault: 'failed' }] } });
    const failed = await collect(
      await client.responses.create({ model: 'gpt-5', input: 'x', background: true, stream: true }),
    );
    const last = failed.at(-1);
    expect(last?.type).toBe('response.failed');
    if (last?.type === 'response.failed') expect(last.response.error?.code).toBe('server_error');
  });
});

describe('faults', () => {
  test('429 carries retry-after headers; 500 and 503 are InternalServerErrors', async () => {
    sim.configure({
      faults: {
        retryAfterSeconds: 2,
        script: [{ fault: 'rateLimit', on: 'create' }, { fault: 'serverError' }, { fault: 'unavailable' }],
      },
    });
    const limited = await rejection(client.responses.create({ model: 'gpt-5', input: 'x' }));
    expect(limited).toBeInstanceOf(RateLimitError);
    const rate = limited as RateLimitError;
    expect(rate.code).toBe('rate_limit_exceeded');
    expect(rate.type).toBe('requests');
    expect(rate.headers?.get('retry-after')).toBe('2');
    expect(rate.headers?.get('retry-after-ms')).toBe('2000');

    const server = await rejection(client.responses.create({ model: 'gpt-5', input: 'x' }));
    expect(server).toBeInstanceOf(InternalServerError);
    expect((server as InternalServerError).status).toBe(500);
    const unavailable = await rejection(client.responses.create({ model: 'gpt-5', input: 'x' }));
    expect(unavailable).toBeInstanceOf(InternalServerError);
    expect((unavailable as InternalServerError).status).toBe(503);

    const stats = sim.stats();
    expect(stats.created).toBe(0);
    expect(stats.faultsInjected).toMatchObject({ rateLimit: 1, serverError: 1, unavailable: 1, reset: 0 });
  });

  test('the client retries a 429 after retry-after-ms, and then succeeds', async () => {
    sim.configure({
      faults: { retryAfterSeconds: 0.05, script: [{ fault: 'rateLimit' }, { fault: 'rateLimit' }] },
    });
    const retrying = simClient(sim, { maxRetries: 2 });
    const response = await retrying.responses.create({ model: 'gpt-5', input: 'x' });
    expect(response.status).toBe('completed');
    expect(sim.stats().faultsInjected.rateLimit).toBe(2);
  });

  test('reset drops the connection; hang is cut by the client timeout; close() ends hung requests', async () => {
    sim.configure({ faults: { script: [{ fault: 'reset' }, { fault: 'hang', on: 'retrieve' }] } });
    const reset = await rejection(client.responses.create({ model: 'gpt-5', input: 'x' }));
    expect(reset).toBeInstanceOf(APIConnectionError);
    expect(reset).not.toBeInstanceOf(APIConnectionTimeoutError);

    const created = await client.responses.create({ model: 'gpt-5', input: 'x', background: true });
    const hung = await rejection(client.responses.retrieve(created.id, {}, { timeout: 200 }));
    expect(hung).toBeInstanceOf(APIConnectionTimeoutError);
    expect((await client.responses.retrieve(created.id)).id).toBe(created.id);

    const other = await startSimulator({ latencyMs: 20 });
    other.configure({ faults: { hang: 1 } });
    const pending = rejection(simClient(other).responses.create({ model: 'gpt-5', input: 'x' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = Date.now();
    await other.close();
    expect(Date.now() - closing).toBeLessThan(1_000);
    expect(await pending).toBeInstanceOf(APIConnectionError);
  });

  test('failed, incomplete and stuckQueued decide how a background response ends', async () => {
    sim.configure({
      faults: { script: [{ fault: 'failed' }, { fault: 'incomplete' }, { fault: 'stuckQueued' }] },
    });
    const failed = await pollToEnd(
      client,
      await client.responses.create({ model: 'gpt-5', input: QUESTION, background: true }),
    );
    expect(failed.final.status).toBe('failed');
    expect(failed.final.error?.code).toBe('server_error');
    expect(failed.final.output).toEqual([]);

    const incomplete = await pollToEnd(
      client,
      await client.responses.create({ model: 'gpt-5', input: QUESTION, background: true }),
    );
    expect(incomplete.final.status).toBe('incomplete');
    expect(incomplete.final.incomplete_details?.reason).toBe('max_output_tokens');
    expect(incomplete.final.output_text.length).toBeGreaterThan(0);
    expect(message(incomplete.final).status).toBe('incomplete');

    const stuck = await client.responses.create({ model: 'gpt-5', input: QUESTION, background: true });
    await new Promise((resolve) => setTimeout(resolve, LATENCY * 2));
    expect((await client.responses.retrieve(stuck.id)).status).toBe('queued');
    expect((await client.responses.cancel(stuck.id)).status).toBe('cancelled');

    const stats = sim.stats();
    expect(stats).toMatchObject({ created: 3, failed: 1, incomplete: 1, cancelled: 1 });
    expect(stats.faultsInjected).toMatchObject({ failed: 1, incomplete: 1, stuckQueued: 1 });
  });

  test('script entries wait for a request they apply to; none lets one through', async () => {
    sim.configure({
      faults: {
        script: [
          { fault: 'none', on: 'create' },
          { fault: 'failed', on: 'create' },
          { fault: 'serverError', on: 'retrieve' },
        ],
      },
    });
    // A synchronous create cannot fail in the background: it takes the `none` entry only.
    expect((await client.responses.create({ model: 'gpt-5', input: 'x' })).status).toBe('completed');
    const second = await client.responses.create({ model: 'gpt-5', input: 'x', background: true });
    expect(await rejection(client.responses.retrieve(second.id))).toBeInstanceOf(InternalServerError);
    expect((await pollToEnd(client, second)).final.status).toBe('failed');
    expect(sim.configure({}).faults.script).toEqual([]);
  });

  test('fault rates are reproducible from the seed', async () => {
    const run = async (): Promise<boolean[]> => {
      sim.reset();
      sim.configure({ seed: 7, faults: { serverError: 0.5 } });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 16; i++) {
        outcomes.push(
          (await rejection(client.responses.retrieve('resp_missing'))) instanceof InternalServerError,
        );
      }
      return outcomes;
    };
    const first = await run();
    expect(first.filter(Boolean).length).toBeGreaterThan(2);
    expect(first.filter(Boolean).length).toBeLessThan(14);
    expect(await run()).toEqual(first);
  });
});

describe('output faults', () => {
  const gapsSchema = z.strictObject({
    done: z.boolean(),
    gaps: z.array(z.string().min(1)).max(4),
    summary: z.string().min(1),
  });
  const structured = (name = 'research_gaps'): ResponseCreateParamsNonStreaming => ({
    model: 'gpt-5-mini',
    input: `Research question:\n${QUESTION}`,
    text: { format: { type: 'json_schema', name, strict: true, schema: z.toJSONSchema(gapsSchema) } },
  });
  const searching = (): ResponseCreateParamsNonStreaming => ({
    model: 'gpt-5-mini',
    input: QUESTION,
    tools: [{ type: 'web_search' }],
  });

  test('badJson: a completed structured answer that is not JSON, the same for the same body; plain text is unharmed', async () => {
    const normal = await client.responses.create(structured());
    const plain = await client.responses.create(searching());
    sim.configure({ faults: { script: [{ fault: 'badJson' }, { fault: 'badJson' }, { fault: 'badJson' }] } });
    const bad = await client.responses.create(structured());
    expect(bad.status).toBe('completed');
    expect(bad.usage?.output_tokens).toBeGreaterThan(0);
    expect(bad.output_text).toMatch(/^Here is the research gaps you asked for:\n\n\{/);
    expect(() => JSON.parse(bad.output_text) as unknown).toThrow(SyntaxError);
    expect(() => JSON.parse(bad.output_text.slice(bad.output_text.indexOf('{'))) as unknown).toThrow();
    expect(normal.output_text.startsWith(bad.output_text.slice(bad.output_text.indexOf('{')))).toBe(true);
    expect((await client.responses.create(structured())).output_text).toBe(bad.output_text);
    // Without a json_schema format the fault changes nothing (and still counts).
    const plainFaulted = await client.responses.create(searching());
    expect(plainFaulted.output_text).toBe(plain.output_text);
    expect(sim.stats().faultsInjected.badJson).toBe(3);
  });

  test('schemaViolation: valid JSON that the requested schema rejects', async () => {
    sim.configure({ faults: { script: [{ fault: 'schemaViolation' }, { fault: 'schemaViolation' }] } });
    const response = await client.responses.create({ ...structured(), background: true });
    const { final } = await pollToEnd(client, response);
    expect(final.status).toBe('completed');
    const value = JSON.parse(final.output_text) as Record<string, unknown>;
    expect(gapsSchema.safeParse(value).success).toBe(false);
    // The first required property dropped, the second of a wrong type, an undeclared one added.
    expect(value).not.toHaveProperty('done');
    expect(typeof value['gaps']).not.toBe('object');
    expect(value).toHaveProperty('note');
    expect(value).toHaveProperty('summary');
    const plain = await client.responses.create({ model: 'gpt-5', input: 'Say hello.' });
    expect(plain.output_text.length).toBeGreaterThan(0);
    expect(sim.stats().faultsInjected.schemaViolation).toBe(2);
  });

  test('emptyAnswer: searches stay, the message text is empty with no citations', async () => {
    sim.configure({ faults: { script: [{ fault: 'emptyAnswer' }, { fault: 'emptyAnswer' }] } });
    const response = await client.responses.create(searching());
    expect(response.status).toBe('completed');
    expect(webSearches(response).length).toBeGreaterThan(0);
    expect(outputText(response)).toMatchObject({ text: '', annotations: [] });
    expect(response.output_text).toBe('');
    const empty = await client.responses.create(structured());
    expect(empty.output.filter((item) => item.type === 'message')).toHaveLength(1);
    expect(empty.output_text).toBe('');
    expect(sim.stats().faultsInjected.emptyAnswer).toBe(2);
  });

  test('refusal: one refusal part and no output_text, also when streamed', async () => {
    sim.configure({ faults: { script: [{ fault: 'refusal' }, { fault: 'refusal' }] } });
    const refused = await client.responses.create(structured());
    expect(refused.status).toBe('completed');
    expect(message(refused).content).toEqual([
      { type: 'refusal', refusal: "I'm sorry, but I can't help with that." },
    ]);
    expect(refused.output_text).toBe('');
    expect(refused.output.every((item) => item.type === 'message' || item.type === 'reasoning')).toBe(true);

    const events = await collect(
      await client.responses.create({ ...searching(), background: true, stream: true }),
    );
    const types = events.map((e) => e.type);
    expect(types).toContain('response.refusal.done');
    expect(types).not.toContain('response.output_text.delta');
    expect(types).not.toContain('response.web_search_call.completed');
    const deltas = events.flatMap((e) => (e.type === 'response.refusal.delta' ? [e.delta] : []));
    expect(deltas.join('')).toBe("I'm sorry, but I can't help with that.");
    const last = events.at(-1);
    if (last?.type !== 'response.completed') throw new Error(`ended with ${last?.type}`);
    expect(message(last.response).content[0]?.type).toBe('refusal');
    expect(sim.stats()).toMatchObject({ completed: 2, faultsInjected: { refusal: 2 } });
  });

  test('match: an entry waits for a create whose body contains the text, then fires once', async () => {
    sim.configure({
      faults: {
        script: [
          { fault: 'badJson', on: 'create', match: '"research_plan"' },
          { fault: 'serverError', match: '"web_search"' },
        ],
      },
    });
    // Neither entry matches a plain create or a retrieve.
    const plain = await client.responses.create({ model: 'gpt-5', input: 'x', background: true });
    await pollToEnd(client, plain);
    // The gaps request passes by; the search request takes the second entry.
    const gaps = await client.responses.create(structured());
    expect(gapsSchema.safeParse(JSON.parse(gaps.output_text)).success).toBe(true);
    expect(await rejection(client.responses.create(searching()))).toBeInstanceOf(InternalServerError);
    // A matching create that fails validation gives its entry back.
    const invalid = await rejection(
      client.responses.create({ ...structured('research_plan'), model: 'gpt-0' }),
    );
    expect(invalid).toBeInstanceOf(BadRequestError);
    expect(sim.configure({}).faults.script).toEqual([
      { fault: 'badJson', on: 'create', match: '"research_plan"' },
    ]);
    const plan = await client.responses.create(structured('research_plan'));
    expect(() => JSON.parse(plan.output_text) as unknown).toThrow(SyntaxError);
    const again = await client.responses.create(structured('research_plan'));
    expect(gapsSchema.safeParse(JSON.parse(again.output_text)).success).toBe(true);
    expect(sim.configure({}).faults.script).toEqual([]);
    expect(sim.stats().faultsInjected).toMatchObject({ badJson: 1, serverError: 1 });

    expect(() =>
      sim.configure({ faults: { script: [{ fault: 'badJson', on: 'retrieve', match: 'x' }] } }),
    ).toThrow(/faults\.script\.0\.match/);
    expect(() => sim.configure({ faults: { script: [{ fault: 'refusal', match: '' }] } })).toThrow(/match/);
  });

  test('rates: output faults hit every create, background or not, and never a retrieve', async () => {
    sim.configure({ faults: { emptyAnswer: 1 } });
    const sync = await client.responses.create({ model: 'gpt-5', input: 'x' });
    const background = await pollToEnd(
      client,
      await client.responses.create({ model: 'gpt-5', input: 'x', background: true }),
    );
    expect(sync.output_text).toBe('');
    expect(background.final.output_text).toBe('');
    expect(sim.stats().faultsInjected).toMatchObject({ emptyAnswer: 2, failed: 0, refusal: 0 });
    expect(() => sim.configure({ faults: { badJson: 2 } })).toThrow(/faults\.badJson/);
  });
});

describe('generated output', () => {
  const planSchema = z.object({
    questions: z
      .array(
        z.object({
          question: z.string().min(5).max(500),
          rationale: z.string().min(1).max(1000),
          searchHints: z.array(z.string().min(1).max(200)).max(5),
        }),
      )
      .min(1)
      .max(12),
  });

  test('structured output validates against the zod schema it came from, and reads like the topic', async () => {
    const topics = [
      QUESTION,
      'What is the economic impact of remote work on city centres?',
      'Temporal workflows',
    ];
    for (const topic of topics) {
      const response = await client.responses.create({
        model: 'gpt-5-mini',
        input: `Research question:\n${topic}`,
        text: {
          format: {
            type: 'json_schema',
            name: 'research_plan',
            strict: true,
            schema: z.toJSONSchema(planSchema),
          },
        },
      });
      const plan = planSchema.parse(JSON.parse(response.output_text));
      expect(plan.questions.length).toBeLessThanOrEqual(4);
      expect(new Set(plan.questions.map((q) => q.question)).size).toBe(plan.questions.length);
      expect(plan.questions[0]!.question).toMatch(/\?$/);
    }
    const solid = await client.responses.parse({
      model: 'gpt-5',
      input: `Research question:\n${QUESTION}`,
      text: { format: zodTextFormat(planSchema, 'research_plan') },
    });
    expect(solid.output_parsed?.questions[0]?.question).toContain('solid-state batteries');
    expect(solid.output_parsed?.questions[0]?.searchHints.join(' ')).toContain('solid-state batteries');
  });

  test('every schema feature z.toJSONSchema emits round-trips', async () => {
    type Node = { name: string; children: Node[] };
    const node: z.ZodType<Node> = z.lazy(() =>
      z.object({ name: z.string(), children: z.array(node).max(2) }),
    );
    const schema = z.object({
      title: z.string().max(40),
      kind: z.enum(['survey', 'experiment', 'review']),
      version: z.literal('v1'),
      year: z.number().int().min(2000).max(2030),
      confidence: z.number().min(0).max(1),
      ratio: z.number().gt(2).lt(3),
      step: z.number().multipleOf(5).min(11).max(29),
      note: z.string().nullable(),
      extra: z.string().optional(),
      tags: z.array(z.string().min(3)).min(3).max(9),
      pair: z.tuple([z.string(), z.number()]),
      scores: z.record(z.string(), z.number()),
      either: z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]),
      url: z.url(),
      email: z.email(),
      when: z.iso.datetime(),
      day: z.iso.date(),
      id: z.uuid(),
      code: z
        .string()
        .regex(/^[A-Z]{2}-\d{3}$/)
        .or(z.string().regex(/^[a-z-]+$/)),
      done: z.boolean(),
      tree: node,
      nested: z
        .object({
          summary: z.string().min(120),
          sources: z.array(z.object({ url: z.string(), title: z.string() })).min(1),
        })
        .nullable(),
    });
    for (const target of ['draft-2020-12', 'draft-7'] as const) {
      for (const topic of [
        'Grid-scale battery storage in Europe',
        'Remote work and productivity',
        'CRISPR therapies',
      ]) {
        const response = await client.responses.create({
          model: 'gpt-5',
          input: topic,
          text: {
            format: { type: 'json_schema', name: 'features', schema: z.toJSONSchema(schema, { target }) },
          },
        });
        const parsed = schema.safeParse(JSON.parse(response.output_text));
        if (!parsed.success)
          throw new Error(`${target} ${topic}: ${z.prettifyError(parsed.error)}\n${response.output_text}`);
      }
    }
  });

  test('max_tool_calls caps every web search action in a response (search, open_page, find_in_page)', async () => {
    // Many inputs, so that some answers would open pages after their searches if they could.
    for (let i = 0; i < 12; i++) {
      for (const limit of [1, 2, 3]) {
        const response = await client.responses.create({
          model: 'gpt-5.4',
          input: `${QUESTION} (variant ${i})`,
          tools: [{ type: 'web_search' }],
          max_tool_calls: limit,
        });
        expect(webSearches(response).length).toBeLessThanOrEqual(limit);
        expect(webSearches(response).length).toBeGreaterThanOrEqual(1);
      }
    }
  });

  test('web search: calls with queries, sources only when included, citations whose indices cover the parenthetical', async () => {
    const plain = await client.responses.create({
      model: 'gpt-5',
      input: QUESTION,
      tools: [{ type: 'web_search' }],
    });
    for (const call of webSearches(plain)) expect(call.action).not.toHaveProperty('sources');

    const response = await client.responses.create({
      model: 'gpt-5',
      input: QUESTION,
      tools: [{ type: 'web_search', search_context_size: 'high' }],
      include: ['web_search_call.action.sources'],
    });
    const calls = webSearches(response);
    const searchCalls = calls.filter((call) => call.action.type === 'search');
    expect(searchCalls.length).toBeGreaterThanOrEqual(1);
    expect(searchCalls.length).toBeLessThanOrEqual(3);
    const sources = new Set<string>();
    for (const call of searchCalls) {
      expect(call).toMatchObject({
        id: expect.stringMatching(/^ws_/),
        status: 'completed',
        action: { type: 'search' },
      });
      if (call.action.type !== 'search') throw new Error('not a search');
      expect(call.action.query).toEqual(expect.any(String));
      // Recorded: `queries` (led by `query`) on newer answers, `query` alone on older ones.
      if (call.action.queries) expect(call.action.queries[0]).toBe(call.action.query);
      for (const source of call.action.sources ?? []) sources.add(source.url);
    }
    const part = outputText(response);
    const cited = new Set<string>();
    expect(part.annotations.length).toBeGreaterThanOrEqual(3);
    for (const annotation of part.annotations) {
      if (annotation.type !== 'url_citation') throw new Error('not a url citation');
      const domain = new URL(annotation.url).hostname.replace(/^www\./, '');
      expect(part.text.slice(annotation.start_index, annotation.end_index)).toBe(
        `([${domain}](${annotation.url}))`,
      );
      expect(annotation.url).toContain('utm_source=openai');
      expect(sources.has(annotation.url)).toBe(true);
      expect(annotation.title.length).toBeGreaterThan(3);
      cited.add(annotation.url);
    }
    expect(cited.size).toBeGreaterThanOrEqual(3);
    expect(cited.size).toBeLessThanOrEqual(6);
    expect(response.output_text).toContain('solid-state batteries');
    expect(sim.stats().webSearchCalls).toBe(webSearches(plain).length + calls.length);
  });

  test('allowed_domains limits every source and citation to those domains', async () => {
    const allowed = ['nature.com', 'docs.temporal.io'];
    const response = await client.responses.create({
      model: 'gpt-5',
      input: 'How do durable workflow engines handle retries?',
      tools: [{ type: 'web_search', filters: { allowed_domains: allowed } }],
      include: ['web_search_call.action.sources'],
    });
    const hosts = [
      ...webSearches(response).flatMap((c) =>
        c.action.type === 'search' ? (c.action.sources ?? []).map((s) => s.url) : [],
      ),
      ...outputText(response).annotations.map((a) => (a.type === 'url_citation' ? a.url : '')),
    ].map((url) => new URL(url).hostname);
    expect(hosts.length).toBeGreaterThan(3);
    for (const host of hosts) expect(allowed.some((d) => host === d || host.endsWith(`.${d}`))).toBe(true);
  });

  test("a poll shows action.sources only when that GET asks for them: the create's include is not replayed", async () => {
    const created = await client.responses.create({
      model: 'gpt-5.4',
      input: QUESTION,
      tools: [{ type: 'web_search' }],
      include: ['web_search_call.action.sources'],
      background: true,
      store: true,
    });
    let polled = await client.responses.retrieve(created.id);
    while (polled.status === 'queued' || polled.status === 'in_progress')
      polled = await client.responses.retrieve(created.id);
    expect(polled.status).toBe('completed');
    const searches = (r: OpenAI.Responses.Response) =>
      webSearches(r).filter((c) => c.action.type === 'search');
    expect(searches(polled).length).toBeGreaterThan(0);
    for (const call of webSearches(polled)) expect(call.action).not.toHaveProperty('sources');
    // openai-node sends `include[]=…`; a hand-written client `include=…`: both are heard.
    const asked = await client.responses.retrieve(created.id, {
      include: ['web_search_call.action.sources'],
    });
    expect(
      searches(asked).some((c) => c.action.type === 'search' && (c.action.sources ?? []).length > 0),
    ).toBe(true);
    const raw = await fetch(`${sim.baseURL}/responses/${created.id}?include=web_search_call.action.sources`, {
      headers: { authorization: 'Bearer sim-key' },
    });
    expect(searches((await raw.json()) as OpenAI.Responses.Response)).toEqual(searches(asked));
    // Same output otherwise: only the sources differ.
    expect(asked.output.length).toBe(polled.output.length);
    const bad = await fetch(`${sim.baseURL}/responses/${created.id}?include[]=everything`, {
      headers: { authorization: 'Bearer sim-key' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('include');
  });

  test('function calls: valid arguments, outputs sent back with previous_response_id, then an answer that uses them', async () => {
    const args = z.object({ query: z.string(), year: z.number().int().min(2000).max(2025) });
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: 'lookup_statistic',
        description: 'Find a statistic',
        parameters: z.toJSONSchema(args),
        strict: true,
      },
    ];
    let response = await client.responses.create({
      model: 'gpt-5',
      input: `Find figures for: ${QUESTION}`,
      tools,
    });
    expect(response.output.some((o) => o.type === 'message')).toBe(false);
    let rounds = 0;
    let lastOutput = '';
    while (functionCalls(response).length > 0) {
      rounds++;
      const outputs: ResponseInputItem[] = functionCalls(response).map((call) => {
        expect(call).toMatchObject({
          name: 'lookup_statistic',
          id: expect.stringMatching(/^fc_/),
          call_id: expect.stringMatching(/^call_/),
        });
        const parsed = args.parse(JSON.parse(call.arguments));
        lastOutput = `In ${parsed.year}, 42 percent of new EV models used nickel-rich lithium-ion cells.`;
        return { type: 'function_call_output', call_id: call.call_id, output: lastOutput };
      });
      const previous = response;
      response = await client.responses.create({
        model: 'gpt-5',
        previous_response_id: previous.id,
        input: outputs,
        tools,
      });
      expect(response.usage?.input_tokens_details.cached_tokens).toBe(
        (previous.usage?.input_tokens ?? 0) + (previous.usage?.output_tokens ?? 0),
      );
      expect(response.usage!.input_tokens_details.cached_tokens).toBeLessThan(response.usage!.input_tokens);
    }
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(rounds).toBeLessThanOrEqual(3);
    expect(response.output_text).toContain('lookup_statistic');
    expect(response.output_text).toContain(lastOutput.slice(0, 40));
    expect(sim.stats().functionCalls).toBeGreaterThanOrEqual(rounds);

    const first = await client.responses.create({ model: 'gpt-5', input: 'Find figures', tools });
    const wrongId = await rejection(
      client.responses.create({
        model: 'gpt-5',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: 'call_unknown', output: 'x' }],
        tools,
      }),
    );
    expect((wrongId as BadRequestError).message).toContain(
      'No tool call found for function call output with call_id call_unknown',
    );
    const noOutputs = await rejection(
      client.responses.create({ model: 'gpt-5', previous_response_id: first.id, input: 'and?', tools }),
    );
    expect((noOutputs as BadRequestError).message).toContain('No tool output found for function call');

    const none = await client.responses.create({
      model: 'gpt-5',
      input: 'Find figures',
      tools,
      tool_choice: 'none',
    });
    expect(functionCalls(none)).toEqual([]);
    expect(none.output_text.length).toBeGreaterThan(0);
  });

  test('a report cites only listed sources, plus inventedCitations numbers that are not listed', async () => {
    const sources = [
      '[1] Solid-state battery - Wikipedia — https://en.wikipedia.org/wiki/Solid-state_battery',
      '[2] Toyota solid-state plans (https://www.reuters.com/toyota-solid-state)',
      '[3] Cost per kWh survey — https://www.iea.org/reports/batteries',
      '[4] Safety of sulfide electrolytes — https://www.nature.com/articles/s41560-024-01',
      '[5] Lithium-ion cell prices fall — https://about.bnef.com/blog/prices',
      '[7] Energy density records — https://arxiv.org/abs/2401.01234',
    ];
    const input = [
      `Question: ${QUESTION}`,
      '## Findings',
      '### Finding 1: What do they cost?',
      'Solid-state cells still cost about twice as much per kWh as lithium-ion cells in 2024 [3].',
      '- Lithium-ion pack prices fell by 20 percent in 2024 alone [5].',
      '## Numbered sources',
      ...sources,
    ].join('\n\n');
    const response = await client.responses.create({
      model: 'gpt-5',
      instructions: 'Write a cited report.',
      input,
    });
    const text = response.output_text;
    expect(text).toMatch(/^# .+/);
    expect(text).toContain('\n## ');
    expect(text).toContain('\n- ');
    const listed = new Set([1, 2, 3, 4, 5, 7]);
    const cited = citationNumbers(text);
    expect(cited.every((n) => listed.has(n))).toBe(true);
    expect(new Set(cited).size).toBeGreaterThanOrEqual(3);
    // A finding keeps the source it came with.
    expect(text).toContain('as lithium-ion cells in 2024 [3].');

    sim.configure({ inventedCitations: 2 });
    const invented = await client.responses.create({
      model: 'gpt-5',
      instructions: 'Write a cited report.',
      input,
    });
    const numbers = citationNumbers(invented.output_text);
    expect(numbers.filter((n) => !listed.has(n)).sort()).toEqual([97, 98]);

    const unsourced = await client.responses.create({
      model: 'gpt-5',
      input: 'Summarise the state of fusion energy.',
    });
    expect(unsourced.output_text).toMatch(/^# /);
    expect(citationNumbers(unsourced.output_text)).toEqual([]);
  });

  test('usage follows the text: input ~ chars/4, reasoning by effort, max_output_tokens cuts the answer', async () => {
    const input = 'Explain how grid-scale batteries earn revenue. '.repeat(8);
    const low = await client.responses.create({ model: 'gpt-5', input, reasoning: { effort: 'low' } });
    const high = await client.responses.create({ model: 'gpt-5', input, reasoning: { effort: 'high' } });
    // gpt-5.2 reasons at `none` unless told otherwise; gpt-5 at `medium` (recorded: effort echoed 'medium').
    const noEffort = await client.responses.create({ model: 'gpt-5.2', input });
    const defaultEffort = await client.responses.create({ model: 'gpt-5', input });
    expect(low.usage!.input_tokens).toBe(Math.ceil(input.length / 4));
    expect(noEffort.usage!.output_tokens_details.reasoning_tokens).toBe(0);
    expect(noEffort.output.some((o) => o.type === 'reasoning')).toBe(false);
    expect(noEffort.reasoning?.effort).toBe('none');
    expect(defaultEffort.reasoning?.effort).toBe('medium');
    expect(defaultEffort.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(low.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(high.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(
      low.usage!.output_tokens_details.reasoning_tokens * 4,
    );
    // No summary unless one is asked for (recorded reasoning items have `summary: []`).
    const reasoning = high.output.find((o) => o.type === 'reasoning');
    expect(reasoning?.type === 'reasoning' && reasoning.summary).toEqual([]);
    const summarised = await client.responses.create({
      model: 'gpt-5',
      input,
      reasoning: { effort: 'high', summary: 'auto' },
    });
    const withSummary = summarised.output.find((o) => o.type === 'reasoning');
    expect(withSummary?.type === 'reasoning' && withSummary.summary[0]?.text).toBeTruthy();
    expect(high.usage!.output_tokens).toBe(
      high.usage!.output_tokens_details.reasoning_tokens + Math.ceil(high.output_text.length / 4),
    );

    const cut = await client.responses.create({ model: 'gpt-5', input, max_output_tokens: 40 });
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details?.reason).toBe('max_output_tokens');
    expect(cut.usage!.output_tokens).toBeLessThanOrEqual(40);
    expect(noEffort.output_text.startsWith(cut.output_text)).toBe(true);
  });

  test('the same request body gives the same output, whatever the mode or ids', async () => {
    const body = { model: 'gpt-5', input: QUESTION, tools: [{ type: 'web_search' as const }] };
    const a = await client.responses.create(body);
    const b = await client.responses.create(body);
    const c = await pollToEnd(client, await client.responses.create({ ...body, background: true }));
    expect(b.id).not.toBe(a.id);
    expect(b.output_text).toBe(a.output_text);
    expect(c.final.output_text).toBe(a.output_text);
    const other = await client.responses.create({
      ...body,
      input: 'How do heat pumps perform in cold climates?',
    });
    expect(other.output_text).not.toBe(a.output_text);
  });
});

describe('what the real API refuses', () => {
  const strictFormat = (schema: Record<string, unknown>) => ({
    format: { type: 'json_schema' as const, name: 'answer', strict: true, schema },
  });
  const obj = (properties: Record<string, unknown>) => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  });

  test.each([
    [
      'oneOf',
      obj({ data: { oneOf: [{ type: 'string' }, { type: 'number' }] } }),
      "Invalid schema for response_format 'answer': In context=('properties', 'data'), 'oneOf' is not permitted.",
    ],
    [
      'allOf',
      obj({ data: { allOf: [obj({ a: { type: 'string' } })] } }),
      "Invalid schema for response_format 'answer': In context=('properties', 'data'), 'allOf' is not permitted.",
    ],
    [
      'a property left out of required',
      { ...obj({ a: { type: 'string' }, b: { type: 'string' } }), required: ['a'] },
      "'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
    ],
    [
      'a nested object without additionalProperties: false',
      obj({ inner: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } }),
      "In context=('properties', 'inner'), 'additionalProperties' is required to be supplied and to be false.",
    ],
    [
      'an unsupported format',
      obj({ link: { type: 'string', format: 'uri' } }),
      "In context=('properties', 'link'), 'uri' is not a supported format.",
    ],
    [
      'uniqueItems',
      obj({ tags: { type: 'array', items: { type: 'string' }, uniqueItems: true } }),
      "In context=('properties', 'tags'), 'uniqueItems' is not permitted.",
    ],
    [
      'patternProperties',
      obj({ map: { ...obj({}), patternProperties: { '^x': { type: 'string' } } } }),
      "In context=('properties', 'map'), 'patternProperties' is not permitted.",
    ],
  ])('strict json_schema with %s is a 400 invalid_json_schema', async (_what, schema, wording) => {
    const error = await rejection(
      client.responses.create({ model: 'gpt-5.2', input: 'x', text: strictFormat(schema) }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe('text.format.schema');
    expect((error as BadRequestError).code).toBe('invalid_json_schema');
    expect((error as BadRequestError).message).toContain(wording);
    expect(sim.stats().created).toBe(0);
  });

  test('what z.toJSONSchema emits for a discriminated union is refused in strict mode, and accepted when not strict', async () => {
    const Step = z.object({
      step: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('search'), query: z.string() }),
        z.object({ kind: z.literal('done'), summary: z.string() }),
      ]),
    });
    const schema = z.toJSONSchema(Step, { target: 'draft-7' }) as Record<string, unknown>;
    const error = await rejection(
      client.responses.create({ model: 'gpt-5.2', input: 'x', text: strictFormat(schema) }),
    );
    expect((error as BadRequestError).message).toContain("'oneOf' is not permitted.");
    const loose = await client.responses.create({
      model: 'gpt-5.2',
      input: 'x',
      text: { format: { type: 'json_schema', name: 'answer', strict: false, schema } },
    });
    expect(loose.status).toBe('completed');
  });

  test('a strict function tool with oneOf is refused in the words for functions', async () => {
    const error = await rejection(
      client.responses.create({
        model: 'gpt-5.2',
        input: 'x',
        tools: [
          {
            type: 'function',
            name: 'lookup',
            strict: true,
            parameters: obj({ q: { oneOf: [{ type: 'string' }, { type: 'integer' }] } }),
          },
        ],
      }),
    );
    expect((error as BadRequestError).param).toBe('tools[0].parameters');
    expect((error as BadRequestError).message).toContain(
      "Invalid schema for function 'lookup': In context=('properties', 'q'), 'oneOf' is not permitted.",
    );
  });

  test('an include value outside the spec is refused', async () => {
    const error = await rejection(
      client.responses.create({
        model: 'gpt-5.2',
        input: 'x',
        include: ['web_search_call.sources' as never],
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe('include[0]');
    expect((error as BadRequestError).message).toContain("'web_search_call.action.sources'");
  });

  const search = [{ type: 'web_search' as const }];
  test.each([
    [
      'gpt-5.2 refuses minimal',
      { model: 'gpt-5.2', reasoning: { effort: 'minimal' as const } },
      'reasoning.effort',
      "Unsupported value: 'minimal' is not supported with the 'gpt-5.2' model. Supported values are: 'none', 'low', 'medium', 'high', 'xhigh'.",
    ],
    [
      'gpt-5.4 refuses minimal',
      { model: 'gpt-5.4', reasoning: { effort: 'minimal' as const } },
      'reasoning.effort',
      "Unsupported value: 'minimal' is not supported with the 'gpt-5.4' model. Supported values are: 'none', 'low', 'medium', 'high', 'xhigh'.",
    ],
    [
      'gpt-5 refuses minimal with web_search',
      { model: 'gpt-5', reasoning: { effort: 'minimal' as const }, tools: search },
      'tools',
      "The following tools cannot be used with reasoning.effort 'minimal': web_search",
    ],
    [
      'gpt-5 refuses none',
      { model: 'gpt-5', reasoning: { effort: 'none' as const } },
      'reasoning.effort',
      "Unsupported value: 'none' is not supported with the 'gpt-5' model. Supported values are: 'minimal', 'low', 'medium', 'high'.",
    ],
    [
      'gpt-5-pro accepts only high (recorded)',
      { model: 'gpt-5-pro', reasoning: { effort: 'low' as const } },
      'reasoning.effort',
      "Unsupported value: 'low' is not supported with the 'gpt-5-pro' model. Supported values are: 'high'.",
    ],
    [
      'gpt-5-pro refuses temperature (recorded)',
      { model: 'gpt-5-pro', temperature: 0.5 },
      'temperature',
      "Unsupported parameter: 'temperature' is not supported with this model.",
    ],
    [
      'gpt-4o refuses any reasoning parameter',
      { model: 'gpt-4o', reasoning: { effort: 'low' as const } },
      'reasoning.effort',
      "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
    ],
    [
      'gpt-4.1 refuses any reasoning parameter',
      { model: 'gpt-4.1', reasoning: { effort: 'high' as const } },
      'reasoning.effort',
      "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
    ],
    [
      'o3-deep-research needs web_search_preview, mcp or file_search (recorded)',
      { model: 'o3-deep-research', tools: search },
      'tools',
      "Deep research models require at least one of 'web_search_preview', 'mcp', or 'file_search' tools.",
    ],
  ])('%s', async (_what, body, param, wording) => {
    const error = await rejection(client.responses.create({ input: 'x', ...body } as never));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe(param);
    // The SDK's message is the status and the API's message.
    expect((error as BadRequestError).message).toBe(`400 ${wording}`);
    expect(sim.stats().created).toBe(0);
  });

  test('accepts what the real API accepts: the efforts and tools the project uses', async () => {
    for (const effort of ['low', 'medium', 'high', 'none', 'xhigh'] as const) {
      const ok = await client.responses.create({
        model: 'gpt-5.2',
        input: 'x',
        reasoning: { effort },
        tools: search,
      });
      expect(ok.status).toBe('completed');
    }
    for (const model of ['gpt-5', 'gpt-5-mini']) {
      const minimal = await client.responses.create({ model, input: 'x', reasoning: { effort: 'minimal' } });
      expect(minimal.status).toBe('completed');
    }
    const plain = await client.responses.create({ model: 'gpt-4.1', input: 'x', tools: search });
    expect(plain.reasoning).toEqual({ context: null, effort: null, summary: null } as never);
  });

  test('refuses a deep-research model even with the tool it needs: OpenAI shut them down on 2026-07-23', async () => {
    const deep = await client.responses
      .create({
        model: 'o3-deep-research',
        input: 'x',
        tools: [{ type: 'web_search_preview' }],
        background: true,
      })
      .catch((e: unknown) => e);
    expect(deep).toMatchObject({ status: 400, code: 'model_not_found', param: 'model' });
  });
});

describe('recorded shapes', () => {
  test('background without store is accepted, answered store: false, and polled to the end (recorded)', async () => {
    sim.configure({ latencyMs: 300 });
    const raw = await fetch(`${sim.baseURL}/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sim-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', input: 'What is 2 + 2?', background: true }),
    });
    expect(raw.status).toBe(200);
    const created = (await raw.json()) as Response;
    expect(created).toMatchObject({ status: 'queued', store: false, background: true, service_tier: 'auto' });
    const { final, statuses } = await pollToEnd(client, created);
    expect(final.status).toBe('completed');
    expect((final as Response & { store?: boolean }).store).toBe(false);
    expect(transitions(statuses)).toEqual(['queued', 'in_progress', 'completed']);
  });

  test('service_tier is auto until finished, completed_at only when completed, billing and tool_usage once finished', async () => {
    sim.configure({ latencyMs: 300 });
    const created = await client.responses.create({ model: 'gpt-5.2', input: 'x', background: true });
    const seen: Record<string, unknown>[] = [created as never];
    let current = created;
    while (current.status === 'queued' || current.status === 'in_progress') {
      await new Promise((resolve) => setTimeout(resolve, 10));
      current = await client.responses.retrieve(created.id);
      seen.push(current as never);
    }
    for (const body of seen) {
      const finished = body['status'] === 'completed';
      expect(body['service_tier']).toBe(finished ? 'default' : 'auto');
      expect(body['completed_at'] === null).toBe(!finished);
      expect('billing' in body).toBe(finished);
      expect('tool_usage' in body).toBe(finished);
      for (const key of ['access_programs', 'conversation', 'prompt']) expect(body).not.toHaveProperty(key);
    }
    sim.configure({ latencyMs: 60_000 });
    const long = await client.responses.create({ model: 'gpt-5.2', input: 'x', background: true });
    const cancelled = await client.responses.cancel(long.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', completed_at: null });
    sim.configure({ latencyMs: LATENCY, faults: { script: [{ fault: 'failed' }, { fault: 'incomplete' }] } });
    for (const status of ['failed', 'incomplete']) {
      const { final } = await pollToEnd(
        client,
        await client.responses.create({ model: 'gpt-5.2', input: 'x', background: true }),
      );
      expect(final).toMatchObject({ status, completed_at: null });
    }
  });

  test('web searches have every recorded action shape, and a reasoning model interleaves reasoning items', async () => {
    const actions = new Set<string>();
    const outputs: string[][] = [];
    for (let i = 0; i < 12; i++) {
      const response = await client.responses.create({
        model: 'gpt-5',
        input: `${QUESTION} (variant ${i})`,
        tools: [{ type: 'web_search' }],
        include: ['web_search_call.action.sources', 'reasoning.encrypted_content'],
      });
      outputs.push(response.output.map((o) => o.type));
      for (const call of webSearches(response)) {
        const action = call.action;
        if (action.type === 'search') {
          actions.add(action.queries ? 'search+queries' : 'search+query only');
          if (!action.sources) actions.add('search without sources');
          for (const source of action.sources ?? []) {
            actions.add(`source:${source.type}`);
            if (source.type === ('api' as never))
              expect(source).toEqual({ type: 'api', name: 'oai-weather' });
          }
        } else {
          actions.add(action.type);
          expect(action).toMatchObject({ url: expect.stringMatching(/^https:\/\//) });
        }
      }
      for (const item of response.output)
        if (item.type === 'reasoning') expect(item.encrypted_content).toMatch(/^gAAAAAB/);
    }
    expect([...actions].sort()).toEqual([
      'find_in_page',
      'open_page',
      'search without sources',
      'search+queries',
      'search+query only',
      'source:api',
      'source:url',
    ]);
    // reasoning, web_search_call, reasoning, web_search_call, reasoning, …, message
    for (const types of outputs) {
      expect(types[0]).toBe('reasoning');
      expect(types.at(-1)).toBe('message');
      types.forEach((type, i) => {
        if (type === 'web_search_call') expect(types[i + 1]).toBe('reasoning');
      });
    }
  });

  test('a streamed web search call is announced without its action, which comes with output_item.done', async () => {
    const events = await collect(
      await client.responses.create({
        model: 'gpt-5.2',
        input: QUESTION,
        tools: [{ type: 'web_search' }],
        stream: true,
      }),
    );
    const added = events.filter(
      (e) => e.type === 'response.output_item.added' && e.item.type === 'web_search_call',
    );
    const done = events.filter(
      (e) => e.type === 'response.output_item.done' && e.item.type === 'web_search_call',
    );
    expect(added.length).toBeGreaterThan(0);
    for (const event of added) {
      if (event.type !== 'response.output_item.added') continue;
      expect(event.item).not.toHaveProperty('action');
      expect(event.item).toMatchObject({ status: 'in_progress' });
    }
    for (const event of done)
      if (event.type === 'response.output_item.done') expect(event.item).toHaveProperty('action');
  });
});

describe('admin', () => {
  test('config patches are validated and deep-merged; stats and reset over HTTP', async () => {
    const unknown = await admin(sim, 'POST', '/__sim/config', { latencyMs: 10, colour: 'blue' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json)).toContain('colour');
    const nested = await admin(sim, 'POST', '/__sim/config', { faults: { rateLimt: 0.5 } });
    expect(nested.status).toBe(400);
    expect(nested.json).toMatchObject({ error: { param: 'faults.rateLimt' } });
    const invalid = await admin(sim, 'POST', '/__sim/config', { jitter: 2 });
    expect(invalid).toMatchObject({ status: 400, json: { error: { param: 'jitter' } } });
    expect(() => sim.configure({ faults: { failed: 3 } })).toThrow(/faults\.failed/);

    const patched = await admin(sim, 'POST', '/__sim/config', { faults: { retryAfterSeconds: 3 } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      latencyMs: LATENCY,
      faults: { retryAfterSeconds: 3, rateLimit: 0, script: [] },
    });

    const created = await client.responses.create({
      model: 'gpt-5',
      input: 'x',
      background: true,
      reasoning: { effort: 'medium' },
      tools: [{ type: 'web_search' }],
    });
    const stats = await admin(sim, 'GET', '/__sim/stats');
    const parsed = simulatorStatsSchema.parse(stats.json);
    expect(parsed.created).toBe(1);
    expect(parsed.responses[created.id]).toMatchObject({
      reasoningEffort: 'medium',
      background: true,
      tools: ['web_search'],
    });
    expect(sim.requestBody(created.id)).toMatchObject({ model: 'gpt-5', input: 'x', background: true });

    expect((await admin(sim, 'POST', '/__sim/reset')).status).toBe(200);
    expect(sim.stats()).toMatchObject({ created: 0, requests: 0, responses: {} });
    expect(sim.configure({}).faults.retryAfterSeconds).toBe(1);
    expect(await rejection(client.responses.retrieve(created.id))).toBeInstanceOf(NotFoundError);
  });

  test('stats describe each response: tools, format, chain, polls', async () => {
    const first = await client.responses.create({
      model: 'gpt-5-nano',
      input: 'Plan research on heat pumps',
      text: { format: zodTextFormat(z.object({ topics: z.array(z.string()) }), 'topics') },
    });
    const second = await client.responses.create({
      model: 'gpt-5-nano',
      input: 'Now search',
      previous_response_id: first.id,
      tools: [{ type: 'web_search' }],
      background: true,
    });
    await pollToEnd(client, second);
    const stats = sim.stats();
    expect(stats.responses[first.id]).toMatchObject({
      formatName: 'topics',
      tools: [],
      background: false,
      polls: 0,
    });
    expect(stats.responses[second.id]).toMatchObject({ previousResponseId: first.id, tools: ['web_search'] });
    expect(stats.responses[second.id]!.polls).toBeGreaterThan(0);
  });
});
