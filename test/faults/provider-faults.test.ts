import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { WorkerSettings } from '../../src/config';
import { failureReason } from '../../src/client';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { expectCitationsResolve } from '../helpers/research';
import { testClient, testWorkerSettings, withTestWorker } from '../helpers/temporal';
import { describeExtras, extraCreates, FAST_POLICY, result, startResearch } from './harness';

/**
 * A misbehaving provider: runs still complete (inside their budget) with the retries visible in the
 * history; hard failures end the run fast with a message that says what to fix; nothing retries forever.
 */

let sim: RunningSimulator;
let client: Client;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 150, jitter: 0.2 });
  client = await testClient();
});
afterAll(async () => {
  await client.connection.close();
  await sim.close();
});
beforeEach(() => sim.reset());

async function withWorker<T>(
  overrides: Partial<WorkerSettings>,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const settings = testWorkerSettings(sim.baseURL, overrides);
  return withTestWorker(settings, () => fn(settings.temporal.taskQueue));
}

/** Activity attempts beyond the first, across the run and its children, read from the histories. */
async function retriesInHistory(workflowId: string, children: number): Promise<number> {
  let retries = 0;
  for (const id of [workflowId, ...Array.from({ length: children }, (_, i) => `${workflowId}/q${i + 1}`)]) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const event of history.events ?? []) {
      const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
      if (attempt > 1) retries += attempt - 1;
    }
  }
  return retries;
}

test('with ~30% of calls failing (429, 500, reset), 10% of responses failed, some incomplete and one stuck, runs complete inside their budget', async () => {
  sim.configure({
    seed: 42,
    faults: {
      rateLimit: 0.1,
      serverError: 0.1,
      reset: 0.1,
      failed: 0.1,
      incomplete: 0.05,
      retryAfterSeconds: 1,
      script: [{ fault: 'stuckQueued', on: 'create', match: '"web_search"' }],
    },
  });
  const budget = 2;
  const outcome = await withWorker(
    { poll: { initialMs: 20, maxMs: 100, factor: 1.5, queuedDeadlineMs: 1_500 } },
    async (taskQueue) => {
      const handle = await startResearch(
        client,
        taskQueue,
        {
          question: 'How do heat pumps perform in cold climates?',
          maxQuestions: 3,
          depth: 1,
          budget: { maxCostUsd: budget },
        },
        { ...FAST_POLICY, maximumAttempts: 10 },
      );
      return { research: await result(handle), workflowId: handle.workflowId };
    },
  );
  const { research } = outcome;
  expect(research.questions.every((q) => q.status === 'completed')).toBe(true);
  expectCitationsResolve(research);
  expect(research.costUsd).toBeLessThanOrEqual(budget);
  const stats = sim.stats();
  const injected = Object.values(stats.faultsInjected).reduce((a, b) => a + b, 0);
  expect(stats.faultsInjected.stuckQueued).toBe(1);
  expect(injected).toBeGreaterThan(5);
  const retries = await retriesInHistory(outcome.workflowId, research.questions.length);
  expect(retries).toBeGreaterThan(0);
  // Request faults are answered before anything is created: the only extra creates are the documented
  // replacements of failed and stuck responses, each named from its request metadata.
  const extras = extraCreates(sim);
  console.log(`provider faults: extra creates:\n${describeExtras(extras) || '-'}`);
  for (const e of extras) expect(['failed response retried', 'stuck in queue replaced']).toContain(e.cause);
  expect(extras.filter((e) => e.cause === 'stuck in queue replaced')).toHaveLength(1);
  console.log(
    `provider faults: ${stats.requests} requests, faults injected ${JSON.stringify(stats.faultsInjected)}; ` +
      `${stats.created} responses created; ${retries} activity retries visible in the histories; cost $${research.costUsd}`,
  );
});

async function failedRun(input: object, overrides: Partial<WorkerSettings> = {}) {
  const started = Date.now();
  let workflowId = '';
  const error = await withWorker(overrides, (taskQueue) =>
    startResearch(client, taskQueue, {
      question: 'Why do bridges resonate?',
      maxQuestions: 2,
      ...input,
    }).then((h) => {
      workflowId = h.workflowId;
      return result(h).then(() => undefined);
    }),
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return { reason: failureReason(error), seconds: (Date.now() - started) / 1000, workflowId };
}

test('a wrong API key ends the run at once (no retry) and names OPENAI_API_KEY', async () => {
  sim.configure({ apiKey: 'the-right-key' });
  const { reason, seconds, workflowId } = await failedRun({});
  expect(reason).toContain('OPENAI_API_KEY');
  // "At once" is a fact of the history, not of a clock: the plan's first attempt was its last.
  expect(await retriesInHistory(workflowId, 0)).toBe(0);
  expect(sim.stats().created).toBe(0);
  console.log(`wrong key: the run failed ${seconds.toFixed(1)} s after it started, with no retry`);
});

test('an unknown model names the setting to change, from the input or the worker', async () => {
  expect((await failedRun({ models: { planner: 'gpt-retired' } })).reason).toMatch(
    /gpt-retired[\s\S]*models\.planner/,
  );
  const fromWorker = await failedRun(
    {},
    { models: { planner: 'gpt-gone', researcher: 'gpt-5.2', writer: 'gpt-5.2' } },
  );
  expect(fromWorker.reason).toContain('DEEP_RESEARCH_PLANNER_MODEL');
});

test('a provider that never finishes a response does not keep the run alive forever', async () => {
  sim.configure({ faults: { stuckQueued: 1 } });
  const { reason } = await withWorker(
    { poll: { initialMs: 20, maxMs: 50, factor: 1.5, queuedDeadlineMs: 300 } },
    async (taskQueue) => {
      const handle = await startResearch(
        client,
        taskQueue,
        { question: 'Why do bridges resonate?', maxQuestions: 2 },
        { ...FAST_POLICY, maximumAttempts: 3 },
      );
      const error = await result(handle).catch((e: unknown) => e);
      return { reason: failureReason(error) };
    },
  );
  expect(reason).toMatch(/still queued/);
  // Each give-up cancelled its response: nothing is left running at the provider.
  expect(sim.stats().created).toBe(3);
  expect(sim.stats().cancelled).toBe(3);
});
