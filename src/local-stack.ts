import type { Client } from '@temporalio/client';
import {
  DefaultLogger,
  Runtime,
  type LogLevel,
  type NativeConnection,
  type Worker,
} from '@temporalio/worker';
import type { TemporalSettings, WorkerSettings } from './config';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from './simulator';
import { connectClient, connectWorker } from './temporal/connection';
import { startDevServer, type DevServerOptions, type RunningDevServer } from './temporal/dev-server';
import { createWorker, type CreateWorkerOptions } from './worker';

/**
 * What a local run stands on, brought up piece by piece by whoever needs it (`deep-research run`, the
 * tests, the benchmarks and record-histories): a Temporal dev server, the Responses API simulator,
 * clients, and workers of the project's (createWorker) on one shared connection per server.
 *
 * `close()` takes it down in reverse: the workers drain first (their run closes their sources), then the
 * connections close, then the simulator and the server stop. Everything brought up before a failure is
 * taken down by the same `close()`.
 */

export interface LocalStackRuntime {
  /** The least level of the SDK's own logs (the worker's lifecycle among them); default WARN. */
  logLevel?: LogLevel;
  /**
   * Signals on which the SDK shuts every worker down; default the SDK's own. `[]` when the caller handles
   * them itself (the CLI's `run` cancels the research on Ctrl-C, and needs its worker for that).
   */
  shutdownSignals?: NodeJS.Signals[];
}

/** Where a client connects: the address (and namespace, API key) of a Temporal server. */
export type ClientSettings = Pick<TemporalSettings, 'address'> &
  Partial<Pick<TemporalSettings, 'namespace' | 'apiKey'>>;

/** A dev server for one run: in memory, on free ports, headless and silent. */
export const EPHEMERAL_DEV_SERVER: DevServerOptions = {
  port: 0,
  ui: false,
  memory: true,
  log: () => undefined,
};

/** The workflow bundle at `codePath` (prebuilt by the tests), or none (workflows/ is bundled at start). */
export function workflowBundleAt(codePath: string | undefined): Pick<CreateWorkerOptions, 'workflowBundle'> {
  return codePath ? { workflowBundle: { codePath } } : {};
}

let runtimeInstalled = false;

/** The SDK's runtime is one per process: the first stack to need it installs it. */
function installRuntime(options: LocalStackRuntime): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger(options.logLevel ?? 'WARN'),
    ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
  });
}

export class LocalStack {
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly connections = new Map<string, Promise<NativeConnection>>();
  private readonly runs = new Map<Worker, Promise<unknown>>();

  constructor(private readonly runtime: LocalStackRuntime = {}) {}

  /** A Temporal dev server (by default an ephemeral one), stopped on close. */
  async startDevServer(options: DevServerOptions = EPHEMERAL_DEV_SERVER): Promise<RunningDevServer> {
    const server = await startDevServer(options);
    this.closers.push(() => server.stop());
    return server;
  }

  /** The Responses API simulator, closed on close. */
  async startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
    const simulator = await startSimulator(options);
    this.closers.push(() => simulator.close());
    return simulator;
  }

  /** A client of the server at `settings.address` (namespace "default" unless given), closed on close. */
  async connectClient(settings: ClientSettings): Promise<Client> {
    const client = await connectClient({ namespace: 'default', ...settings });
    this.closers.push(() => client.connection.close());
    return client;
  }

  /** The workers' connection to the server of `temporal`: one per address, closed after its workers. */
  workerConnection(temporal: Pick<TemporalSettings, 'address' | 'apiKey'>): Promise<NativeConnection> {
    installRuntime(this.runtime);
    let connection = this.connections.get(temporal.address);
    if (!connection) {
      const opening = connectWorker(temporal);
      connection = opening;
      this.connections.set(temporal.address, opening);
      this.closers.push(async () => {
        // One that never opened has nothing to close; its caller has seen why.
        const opened = await opening.catch(() => undefined);
        await opened?.close();
      });
    }
    return connection;
  }

  /**
   * A worker of the project's on the stack's connection, not running yet: run it with `run` (until the
   * stack closes) or `runUntil`. Closing the stack drains it first.
   */
  async createWorker(
    settings: WorkerSettings,
    options: Omit<CreateWorkerOptions, 'connection'> = {},
  ): Promise<Worker> {
    const connection = await this.workerConnection(settings.temporal);
    const worker = await createWorker(settings, { ...options, connection });
    this.closers.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await this.runs.get(worker);
    });
    return worker;
  }

  /**
   * Runs `worker` until the stack closes. A worker that fails before then must not crash the process as
   * an unhandled rejection: `onFailure` hears of it, and `close()` rethrows it.
   */
  run(worker: Worker, onFailure: (error: unknown) => void = () => undefined): void {
    const running = worker.run();
    running.catch(onFailure);
    this.runs.set(worker, running);
  }

  /** `worker.runUntil(work)`: the worker runs until `work` settles, then drains; rejects if it fails. */
  runUntil<T>(worker: Worker, work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const running = worker.runUntil(work);
    this.runs.set(
      worker,
      running.catch(() => undefined),
    );
    return running;
  }

  /**
   * Takes down everything brought up, last first; each part is taken down even if another fails, and the
   * first failure is then thrown. Closing again does nothing.
   */
  async close(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    let failure: { error: unknown } | undefined;
    for (const closeOne of closers) {
      try {
        await closeOne();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
