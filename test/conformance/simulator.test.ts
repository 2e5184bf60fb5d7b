import OpenAI, { APIError } from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { z } from 'zod';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { assertValid, describeWithReference, loadRecordings, validateStreamEvent } from '../helpers/openapi';
import { collect, pollToEnd, simClient } from '../helpers/sim-client';

/**
 * Everything the simulator answers, checked against OpenAI's published spec: every Response object it
 * returns (created, polled, final, cancelled, failed, incomplete), every stream event, every error body;
 * and the Response objects against the key set of the newest real recordings, so that it sends what the
 * real API sends and nothing it does not.
 */

describeWithReference('the simulator against the OpenAPI spec', () => {
  let sim: RunningSimulator;
  let client: OpenAI;
  /** Every raw Response body seen on the wire, for the key-set test. */
  const seen: { label: string; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ latencyMs: 60, jitter: 0 });
    client = simClient(sim);
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  /** Raw JSON of a GET/POST on the simulator (the SDK adds `output_text`, which the API never sends). */
  async function raw(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${sim.baseURL}${path}`, {
      method,
      headers: { authorization: 'Bearer sim-key', 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  }

  function checkResponse(label: string, body: unknown): void {
    assertValid('Response', body, label);
    seen.push({ label, body: body as Record<string, unknown> });
  }

  /** Creates in the background, checks the created object and every poll until it ends. */
  async function backgroundRun(
    label: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const created = await raw('POST', '/responses', { background: true, store: true, ...body });
    expect(created.status).toBe(200);
    checkResponse(`${label} (created)`, created.json);
    const id = (created.json as { id: string }).id;
    for (;;) {
      const polled = await raw('GET', `/responses/${id}`);
      checkResponse(`${label} (polled)`, polled.json);
      const status = (polled.json as { status: string }).status;
      if (status !== 'queued' && status !== 'in_progress') return polled.json as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  const Plan = z.object({
    questions: z.array(z.object({ question: z.string(), why: z.string() })),
  });

  test('every Response of every kind of answer validates: text, web search, structured, function calls', async () => {
    await backgroundRun('plain text', { model: 'gpt-5.2', input: 'How do Raft and Paxos differ?' });
    await backgroundRun('reasoning', {
      model: 'gpt-5.2',
      input: 'How do Raft and Paxos differ?',
      reasoning: { effort: 'high', summary: 'auto' },
    });
    await backgroundRun('web search with sources', {
      model: 'gpt-5.2',
      input: 'What limits the range of electric aircraft?',
      tools: [{ type: 'web_search', search_context_size: 'high' }],
      include: ['web_search_call.action.sources'],
      reasoning: { effort: 'medium' },
    });
    await backgroundRun('web search without sources', {
      model: 'gpt-5-mini',
      input: 'What limits the range of electric aircraft?',
      tools: [{ type: 'web_search', filters: { allowed_domains: ['arxiv.org'] } }],
    });
    await backgroundRun('structured', {
      model: 'gpt-5.2',
      input: 'Plan research on CRDTs',
      text: { format: zodTextFormat(Plan, 'research_plan') },
    });
    const calls = await backgroundRun('function calls', {
      model: 'gpt-5.2',
      input: 'What is our leave policy?',
      tools: [
        {
          type: 'function',
          name: 'search_documents',
          description: 'Full-text search',
          strict: true,
          parameters: {
            type: 'object',
            properties: { query: { type: 'string' } },
            required: ['query'],
            additionalProperties: false,
          },
        },
      ],
    });
    const callItems = (calls['output'] as { type: string; call_id: string }[]).filter(
      (o) => o.type === 'function_call',
    );
    expect(callItems.length).toBeGreaterThan(0);
    await backgroundRun('function call outputs', {
      model: 'gpt-5.2',
      previous_response_id: calls['id'],
      input: callItems.map((c) => ({
        type: 'function_call_output',
        call_id: c.call_id,
        output: 'Leave: 16 weeks.',
      })),
      tools: calls['tools'],
    });
    const foreground = await raw('POST', '/responses', { model: 'gpt-5.2', input: 'hi' });
    checkResponse('foreground', foreground.json);
  });

  test('cancelled, failed and incomplete responses validate', async () => {
    sim.configure({ latencyMs: 2000 });
    const created = await raw('POST', '/responses', { model: 'gpt-5.2', input: 'x', background: true });
    const cancelled = await raw('POST', `/responses/${(created.json as { id: string }).id}/cancel`);
    expect((cancelled.json as { status: string }).status).toBe('cancelled');
    checkResponse('cancelled', cancelled.json);
    sim.configure({ latencyMs: 60, faults: { script: [{ fault: 'failed' }, { fault: 'incomplete' }] } });
    const failed = await backgroundRun('failed', { model: 'gpt-5.2', input: 'x' });
    expect(failed['status']).toBe('failed');
    const incomplete = await backgroundRun('incomplete', { model: 'gpt-5.2', input: 'A long answer please' });
    expect(incomplete['status']).toBe('incomplete');
    sim.configure({ faults: { script: [{ fault: 'refusal' }] } });
    await backgroundRun('refusal', { model: 'gpt-5.2', input: 'x' });
  });

  test('every stream event validates against the spec schema of its type', async () => {
    const streams: ResponseStreamEvent[][] = [];
    streams.push(
      await collect(
        await client.responses.create({
          model: 'gpt-5.2',
          input: 'What limits the range of electric aircraft?',
          background: true,
          stream: true,
          tools: [{ type: 'web_search' }],
          include: ['web_search_call.action.sources'],
          reasoning: { effort: 'low', summary: 'auto' },
        }),
      ),
    );
    streams.push(
      await collect(
        await client.responses.create({
          model: 'gpt-5.2',
          input: 'Look it up',
          stream: true,
          tools: [
            {
              type: 'function',
              name: 'lookup',
              strict: true,
              parameters: {
                type: 'object',
                properties: { q: { type: 'string' } },
                required: ['q'],
                additionalProperties: false,
              },
            },
          ],
        }),
      ),
    );
    sim.configure({ faults: { script: [{ fault: 'refusal' }] } });
    streams.push(
      await collect(await client.responses.create({ model: 'gpt-5.2', input: 'x', stream: true })),
    );
    const failures: string[] = [];
    let count = 0;
    for (const events of streams) {
      for (const event of events) {
        count++;
        const check = validateStreamEvent(event);
        if (!check.valid) failures.push(`${event.type}: ${check.errors.join('; ')}`);
      }
    }
    expect(count).toBeGreaterThan(30);
    expect(failures).toEqual([]);

    // Each event type the recordings have carries exactly the keys of one recorded event of that type.
    const recordedKeys = new Map<string, Set<string>>();
    for (const recording of loadRecordings()) {
      for (const exchange of recording.interactions) {
        if (!Array.isArray(exchange.response.body)) continue;
        for (const event of exchange.response.body as Record<string, unknown>[]) {
          const type = String(event['type']);
          const keys = recordedKeys.get(type) ?? new Set<string>();
          keys.add(Object.keys(event).sort().join(','));
          recordedKeys.set(type, keys);
        }
      }
    }
    const mismatched = new Set<string>();
    let compared = 0;
    for (const event of streams.flat()) {
      const recorded = recordedKeys.get(event.type);
      if (!recorded) continue;
      compared++;
      const keys = Object.keys(event).sort().join(',');
      if (!recorded.has(keys))
        mismatched.add(`${event.type}: ${keys} (recorded: ${[...recorded].join(' | ')})`);
    }
    expect(compared).toBeGreaterThan(20);
    expect([...mismatched]).toEqual([]);
  });

  test('every error body validates as ErrorResponse: 400, 401, 404, 429, 500, 503', async () => {
    const bodies: { label: string; status: number; json: unknown }[] = [];
    bodies.push({
      label: 'invalid',
      ...(await raw('POST', '/responses', { model: 'gpt-5.2', input: 'x', temperature: 5 })),
    });
    bodies.push({
      label: 'unknown model',
      ...(await raw('POST', '/responses', { model: 'gpt-nope', input: 'x' })),
    });
    bodies.push({ label: 'unknown response', ...(await raw('GET', '/responses/resp_missing')) });
    const noKey = await fetch(`${sim.baseURL}/responses/resp_x`);
    bodies.push({ label: 'no key', status: noKey.status, json: await noKey.json() });
    sim.configure({
      faults: { script: [{ fault: 'rateLimit' }, { fault: 'serverError' }, { fault: 'unavailable' }] },
    });
    for (const label of ['rate limit', 'server error', 'unavailable'])
      bodies.push({ label, ...(await raw('POST', '/responses', { model: 'gpt-5.2', input: 'x' })) });
    expect(bodies.map((b) => b.status)).toEqual([400, 400, 404, 401, 429, 500, 503]);
    for (const body of bodies) assertValid('ErrorResponse', body.json, body.label);
    // The SDK reads them as the API's errors.
    const error = await client.responses.create({ model: 'gpt-nope', input: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
  });

  test('Responses carry exactly the keys of the newest real recordings (billing and tool_usage once finished)', () => {
    const recorded = loadRecordings()
      .flatMap((r) => r.interactions.map((x) => x.response.body as Record<string, unknown> | null))
      .filter((b): b is Record<string, unknown> => b?.['object'] === 'response');
    const newest = Math.max(...recorded.map((b) => Number(b['created_at'])));
    const newestBody = recorded.find((b) => Number(b['created_at']) === newest)!;
    const finishedKeys = Object.keys(newestBody).sort();
    // Accounting comes once a response has finished (recorded queued/in_progress bodies have no billing).
    const unfinishedKeys = finishedKeys.filter((key) => key !== 'billing' && key !== 'tool_usage');
    expect(seen.length).toBeGreaterThan(10);
    for (const { label, body } of seen) {
      const finished = body['status'] !== 'queued' && body['status'] !== 'in_progress';
      expect({ label, keys: Object.keys(body).sort() }).toEqual({
        label,
        keys: finished ? finishedKeys : unfinishedKeys,
      });
    }
  });

  test('pollToEnd through the SDK sees the same objects', async () => {
    const created = await client.responses.create({ model: 'gpt-5.2', input: 'x', background: true });
    const { final } = await pollToEnd(client, created);
    const { output_text: _sdkOnly, ...wire } = final as Response & { output_text?: string };
    assertValid('Response', wire, 'final via SDK');
  });
});
