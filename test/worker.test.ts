import type { Client } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { testAddress, testClient, testWorker, testWorkerSettings } from './helpers/temporal';

/** The activity inside real workers on the real dev server, including a worker killed mid-response. */

const ROOT = path.join(__dirname, '..');
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
  const { worker, connection } = await testWorker(settings);
  try {
    const result = await worker.runUntil(
      client.workflow.execute('backgroundResponse', {
        taskQueue: settings.temporal.taskQueue,
        workflowId: `bg-${Date.now()}`,
        args: [request],
      }),
    );
    expect(result).toMatchObject({ status: 'completed', timings: { resumed: false } });
    expect(sim.stats().created).toBe(1);
  } finally {
    await connection.close();
  }
});

/** A worker in its own process, as a deployment runs it, so the test can SIGKILL it. */
function spawnWorker(taskQueue: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: testAddress(),
      DEEP_RESEARCH_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: sim.baseURL,
      OPENAI_API_KEY: 'sim-key',
      DEEP_RESEARCH_POLL_INITIAL_MS: '50',
      DEEP_RESEARCH_POLL_MAX_MS: '200',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('an attempt killed after creating its response is resumed by a new worker with zero extra creates', async () => {
  sim.configure({ latencyMs: 4_000 });
  const settings = testWorkerSettings(sim.baseURL);
  const doomed = spawnWorker(settings.temporal.taskQueue);
  const handle = await client.workflow.start('backgroundResponse', {
    taskQueue: settings.temporal.taskQueue,
    workflowId: `bg-kill-${Date.now()}`,
    args: [request, { heartbeatTimeoutSeconds: 2 }],
  });
  // Kill once the response exists and has been polled (so its id was heartbeated).
  const responseId = await waitFor(
    'the first poll',
    () => Object.entries(sim.stats().responses).find(([, r]) => r.polls >= 1)?.[0],
  );
  doomed.kill('SIGKILL');
  await new Promise((r) => doomed.once('exit', r));

  const { worker, connection } = await testWorker(settings);
  try {
    const result = await worker.runUntil(handle.result());
    expect(result).toMatchObject({ responseId, status: 'completed', timings: { resumed: true } });
    expect(sim.stats().created).toBe(1);
  } finally {
    await connection.close();
  }
});
