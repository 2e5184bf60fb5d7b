import { expectCitationsResolve } from '../helpers/research';
import { useResearchWorker } from '../helpers/temporal';
import { FAST_POLICY, result, startResearch } from './harness';

/** The largest research keeps every payload small, and no history ever holds a secret. */

const SECRET_KEY = 'sk-test-NEVER-IN-HISTORY-7f3a9c';

const ctx = useResearchWorker({ latencyMs: 40, jitter: 0.2, apiKey: SECRET_KEY }, (sim) => ({
  openai: { apiKey: SECRET_KEY, baseURL: sim.baseURL, requestTimeoutMs: 5_000 },
}));

/** Every payload's bytes anywhere in an object (events nest them in inputs, results, failures, memos). */
function payloads(value: unknown, found: Uint8Array[] = []): Uint8Array[] {
  if (value instanceof Uint8Array) return found;
  if (Array.isArray(value)) value.forEach((v) => payloads(v, found));
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record.data instanceof Uint8Array && 'metadata' in record) found.push(record.data);
    for (const v of Object.values(record)) payloads(v, found);
  }
  return found;
}

async function histories(workflowId: string, children: number) {
  const ids = [workflowId, ...Array.from({ length: children }, (_, i) => `${workflowId}/q${i + 1}`)];
  return Promise.all(
    ids.map(async (id) => {
      const handle = ctx.client.workflow.getHandle(id);
      const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
      return { id, history, events: history.events?.length ?? 0, bytes: description.historySize ?? 0 };
    }),
  );
}

test('12 questions at depth 3: every payload stays under 256 KiB', async () => {
  const handle = await startResearch(
    ctx.client,
    ctx.taskQueue,
    {
      question: 'What are the trade-offs of geothermal, nuclear and offshore wind?',
      maxQuestions: 12,
      depth: 3,
      concurrency: 12,
    },
    FAST_POLICY,
  );
  const research = await result(handle);
  expect(research.questions).toHaveLength(12);
  expectCitationsResolve(research);

  const all = await histories(handle.workflowId, 12);
  const sizes = all.flatMap((h) => payloads(h.history).map((p) => p.byteLength));
  const largest = Math.max(...sizes);
  const parent = all[0]!;
  const children = all.slice(1);
  console.log(
    `size (12 questions, depth 3, ${ctx.sim.stats().created} responses): largest payload ${(largest / 1024).toFixed(1)} KiB; ` +
      `parent history ${parent.events} events, ${(parent.bytes / 1024).toFixed(1)} KiB; ` +
      `children up to ${Math.max(...children.map((c) => c.events))} events, ` +
      `${(Math.max(...children.map((c) => c.bytes)) / 1024).toFixed(1)} KiB; report ${(research.markdown.length / 1024).toFixed(1)} KiB`,
  );
  expect(largest).toBeLessThan(256 * 1024);
  expect(parent.events).toBeLessThan(10_240);
});

test('no history holds the API key or an authorization header', async () => {
  const handle = await startResearch(
    ctx.client,
    ctx.taskQueue,
    { question: 'How do vaccines train the immune system?', maxQuestions: 2 },
    FAST_POLICY,
  );
  await result(handle);
  const all = await histories(handle.workflowId, 2);
  const text = all
    .flatMap((h) => payloads(h.history))
    .map((p) => Buffer.from(p).toString('utf8'))
    .join('\n');
  expect(text.length).toBeGreaterThan(1000);
  expect(text).not.toContain(SECRET_KEY);
  expect(text).not.toContain('NEVER-IN-HISTORY');
  expect(text.toLowerCase()).not.toContain('authorization');
  expect(text).not.toContain('Bearer');
  // Nor anywhere else in the events (failure messages, headers, metadata).
  expect(JSON.stringify(all.map((h) => h.history))).not.toContain(SECRET_KEY);
});
