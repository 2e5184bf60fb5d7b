import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { describeWithReference, loadRecordings, type RecordedExchange } from '../helpers/openapi';

/**
 * Every `POST /v1/responses` the real API answered in `recorded/`, sent to the simulator as it was sent to
 * OpenAI: what OpenAI refused, the simulator refuses with the same status, code, param and message; what
 * OpenAI accepted, the simulator accepts. Requests that continue a recorded response
 * (`previous_response_id`) need that response to exist, so they are left out, and said so.
 */

interface Replayed {
  label: string;
  exchange: RecordedExchange;
}

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describeWithReference('the simulator against the recorded requests', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ latencyMs: 20, jitter: 0 });
  });
  afterAll(() => sim.close());

  const creates: Replayed[] = loadRecordings().flatMap((recording) =>
    recording.interactions
      .map((exchange, i) => ({ label: `${recording.file}#${i}`, exchange }))
      .filter(
        ({ exchange }) => exchange.request.method === 'POST' && exchange.request.uri === '/v1/responses',
      ),
  );
  const chained = creates.filter(
    ({ exchange }) => (exchange.request.body as Record<string, unknown>)['previous_response_id'],
  );
  const standalone = creates.filter((c) => !chained.includes(c));

  async function send(body: unknown, apiKey = 'sim-key'): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${sim.baseURL}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    // A streamed answer is SSE; only its status matters here.
    return {
      status: res.status,
      json: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  }

  test('the recordings hold both accepted and refused creates', () => {
    console.log(
      `recorded creates: ${creates.length}; replayed ${standalone.length}; left out ${chained.length} that continue a recorded response`,
    );
    expect(standalone.filter((c) => c.exchange.response.status >= 400).length).toBeGreaterThanOrEqual(8);
    expect(standalone.filter((c) => c.exchange.response.status < 400).length).toBeGreaterThan(30);
  });

  test('what the real API refused, the simulator refuses in the same words', async () => {
    const differences: unknown[] = [];
    for (const { label, exchange } of standalone.filter((c) => c.exchange.response.status >= 400)) {
      const real = (exchange.response.body as ErrorBody).error;
      // A wrong key (recorded as `<not-a-real-key>`, masked `<not-a-r****key>`) against a simulator with a key.
      const wrongKey = exchange.response.status === 401;
      sim.configure({ apiKey: wrongKey ? 'sk-the-simulator-key' : null });
      const answer = await send(exchange.request.body, wrongKey ? '<not-a-real-key>' : 'sim-key');
      const simulated = (answer.json as ErrorBody | undefined)?.error;
      // The API answers an unknown model 400 model_not_found or 404 with code null ("Model not found x"):
      // the simulator always gives the first, so a 404 must be matched by a refusal of the model.
      const modelNotFound = exchange.response.status === 404 && real.param === 'model';
      const same = modelNotFound
        ? answer.status === 400 && simulated?.code === 'model_not_found' && simulated.param === 'model'
        : answer.status === exchange.response.status &&
          simulated?.code === real.code &&
          simulated?.param === real.param &&
          simulated?.message === real.message;
      if (!same)
        differences.push({
          label,
          real: { status: exchange.response.status, ...real },
          simulated: { status: answer.status, ...simulated },
        });
    }
    sim.configure({ apiKey: null });
    expect(differences).toEqual([]);
  });

  test('what the real API accepted, the simulator accepts', async () => {
    const refused: unknown[] = [];
    for (const { label, exchange } of standalone.filter((c) => c.exchange.response.status < 400)) {
      const answer = await send(exchange.request.body);
      if (answer.status !== 200) refused.push({ label, status: answer.status, answer: answer.json });
    }
    expect(refused).toEqual([]);
  });
});
