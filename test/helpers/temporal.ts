import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { WorkerSettings } from '../../src/config';
import { LocalStack, workflowBundleAt } from '../../src/local-stack';
import { DEFAULT_PRICES } from '../../src/pricing';
import type { RunningSimulator, SimulatorOptions } from '../../src/simulator';
import { connectClient } from '../../src/temporal/connection';
import { loadSourcesFile } from '../../src/tools/config';

/**
 * The tests' local stack: the test run's dev server (started by test/global-setup.ts, with the workflow
 * bundle every test worker reuses), simulators, clients and workers on it, all through src/local-stack.ts.
 */

export function testAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests through jest (global setup).');
  return address;
}

/** A client of the test dev server; closing its connection is the caller's. */
export function testClient(): Promise<Client> {
  return connectClient({ address: testAddress(), namespace: 'default' });
}

/** The workflow bundle global-setup built, so no test worker bundles again. */
export const testWorkflowBundle = () => workflowBundleAt(process.env.TEST_WORKFLOW_BUNDLE);

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

/** Runs a worker of `settings` (on the test bundle) until `work` settles, then takes it down. */
export async function withTestWorker<T>(settings: WorkerSettings, work: () => Promise<T>): Promise<T> {
  const stack = new LocalStack();
  try {
    const worker = await stack.createWorker(settings, testWorkflowBundle());
    return await stack.runUntil(worker, work);
  } finally {
    await stack.close();
  }
}

export interface ResearchWorkerContext {
  sim: RunningSimulator;
  client: Client;
  settings: WorkerSettings;
  taskQueue: string;
  /** What it all stands on: for a test's own workers (`stack.workerConnection(settings.temporal)`). */
  stack: LocalStack;
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
  const ctx = { stack: new LocalStack() } as ResearchWorkerContext;
  beforeAll(async () => {
    ctx.sim = await ctx.stack.startSimulator(simulator);
    ctx.client = await ctx.stack.connectClient({ address: testAddress() });
    ctx.settings = testWorkerSettings(ctx.sim.baseURL, overrides(ctx.sim));
    ctx.taskQueue = ctx.settings.temporal.taskQueue;
    ctx.stack.run(await ctx.stack.createWorker(ctx.settings, testWorkflowBundle()));
  });
  afterAll(() => ctx.stack.close());
  return ctx;
}
