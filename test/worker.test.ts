import type { Client } from '@temporalio/client';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { spawnWorker, waitFor } from './faults/harness';
import { testClient, testWorkerSettings, withTestWorker } from './helpers/temporal';
import { backgroundResponse } from '../workflows';

/** The activity inside real workers on the real dev server, including a worker killed mid-response. */

let sim: RunningSimulator;
let client: Client;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 300, jitter: 0 });
  client = await testClient();
});
afterAll(async () => {
  await client.connection.close();
  await sim.close();
});
beforeEach(() => sim.reset());

const request = {
  step: 'explain',
  model: 'gpt-5.2',
  input: 'Explain Raft leader election in two paragraphs.',
};

test('a worker runs one background response to completion through the backgroundResponse workflow', async () => {
  const settings = testWorkerSettings(sim.baseURL);
  const result = await withTestWorker(settings, () =>
    client.workflow.execute(backgroundResponse, {
      taskQueue: settings.temporal.taskQueue,
      workflowId: `bg-${Date.now()}`,
      args: [request],
    }),
  );
  expect(result).toMatchObject({ status: 'completed', timings: { resumed: false } });
  expect(sim.stats().created).toBe(1);
});

test('an attempt killed after creating its response is resumed by a new worker with zero extra creates', async () => {
  sim.configure({ latencyMs: 4_000 });
  const settings = testWorkerSettings(sim.baseURL);
  const doomed = spawnWorker(sim, settings.temporal.taskQueue);
  const handle = await client.workflow.start(backgroundResponse, {
    taskQueue: settings.temporal.taskQueue,
    workflowId: `bg-kill-${Date.now()}`,
    args: [request, { heartbeatTimeoutSeconds: 2 }],
  });
  // Kill once the response exists and has been polled (so its id was heartbeated).
  const responseId = await waitFor(
    'the first poll',
    () => Object.entries(sim.stats().responses).find(([, r]) => r.polls >= 1)?.[0],
  );
  await doomed.kill();

  const result = await withTestWorker(settings, () => handle.result());
  expect(result).toMatchObject({ responseId, status: 'completed', timings: { resumed: true } });
  expect(sim.stats().created).toBe(1);
});
