import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { WorkerSettings } from '../../src/config';
import path from 'node:path';
import { DEFAULT_PRICES } from '../../src/pricing';
import { loadSourcesFile } from '../../src/tools/config';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator';
import { createWorker } from '../../src/worker';

/** Connections to the test run's dev server (started by test/global-setup.ts) and workers on it. */

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export function testAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests through jest (global setup).');
  return address;
}

export async function testClient(): Promise<Client> {
  const connection = await Connection.connect({ address: testAddress() });
  return new Client({ connection });
}

/** Worker settings for a test: its own task queue, the simulator as provider, fast polling. */
export function testWorkerSettings(
  simBaseURL: string,
  overrides: Partial<WorkerSettings> = {},
): WorkerSettings {
  return {
    temporal: { address: testAddress(), namespace: 'default', taskQueue: `test-${randomUUID()}` },
    openai: { apiKey: 'sim-key', baseURL: simBaseURL, requestTimeoutMs: 5_000 },
    poll: { initialMs: 20, maxMs: 100, factor: 1.5, queuedDeadlineMs: 10_000 },
    maxConcurrentActivities: 200,
    heartbeatThrottleMs: 500,
    stickyTimeoutMs: 10_000,
    models: { planner: 'gpt-5.2', researcher: 'gpt-5-mini', writer: 'gpt-5.2' },
    prices: DEFAULT_PRICES,
    sources: loadSourcesFile(undefined, path.join(__dirname, '..', '..', 'deep-research.sources.json')),
    ...overrides,
  };
}

export async function testWorker(
  settings: WorkerSettings,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address: settings.temporal.address });
  const codePath = process.env.TEST_WORKFLOW_BUNDLE;
  const worker = await createWorker(settings, {
    connection,
    ...(codePath ? { workflowBundle: { codePath } } : {}),
  });
  return { worker, connection };
}

export interface ResearchWorkerContext {
  sim: RunningSimulator;
  client: Client;
  settings: WorkerSettings;
  taskQueue: string;
}

/**
 * The usual set-up of a research test file: a simulator, a client, and an in-process worker on its own
 * task queue, started before the file's tests and stopped after them. `overrides` runs inside the set-up,
 * after any earlier `beforeAll` of the file (so it can use what they prepared).
 */
export function useResearchWorker(
  simulator: SimulatorOptions,
  overrides: (sim: RunningSimulator) => Partial<WorkerSettings> = () => ({}),
): ResearchWorkerContext {
  const ctx = {} as ResearchWorkerContext;
  let worker: Worker;
  let connection: NativeConnection;
  let running: Promise<void>;
  beforeAll(async () => {
    ctx.sim = await startSimulator(simulator);
    ctx.client = await testClient();
    ctx.settings = testWorkerSettings(ctx.sim.baseURL, overrides(ctx.sim));
    ctx.taskQueue = ctx.settings.temporal.taskQueue;
    ({ worker, connection } = await testWorker(ctx.settings));
    running = worker.run();
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await ctx.client.connection.close();
    await ctx.sim.close();
  });
  return ctx;
}
