import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { WorkerSettings } from './config';
import { createProviderGateway } from './openai/client';
import { isSimulator } from './openai/detect-simulator';
import { connectWorker } from './temporal/connection';
import { SourceRegistry } from './tools/registry';
import type { SourceType } from './tools/source-type';

/**
 * A worker for the `deep-research` task queue: the research workflows plus the activities that talk to
 * the Responses API (OpenAI, or the simulator when OPENAI_BASE_URL points at it).
 */
export interface CreateWorkerOptions {
  /** Reuse a connection (tests, the CLI's embedded mode); otherwise one is opened from settings. */
  connection?: NativeConnection;
  /**
   * A prebuilt workflow bundle (tests; DEEP_RESEARCH_WORKFLOW_BUNDLE for the CLI); otherwise workflows/
   * is bundled at start, which takes a few seconds.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Whether the provider is the built-in simulator; asked of the provider when not given. */
  simulated?: boolean;
  /**
   * Source types of your own, besides the built-in ones (`defineSourceType`): entries of the sources
   * file may then use them by `type`.
   */
  sourceTypes?: readonly SourceType[];
}

/**
 * After a shutdown request, activities still running are cancelled at once (shutdownGraceTime 0): a
 * polling step then hands its response back to Temporal, and the next attempt, on another worker, resumes
 * polling the same response id from its heartbeat. This bounds the rest (a tool call that ignores its
 * cancellation): below the 10 s a container runtime waits before SIGKILL.
 */
const SHUTDOWN_FORCE_MS = 8_000;

/**
 * The worker's `run()` resolves once the worker has drained; it then also closes what the worker opened
 * for the run's sake (the private sources: SQLite child processes, PostgreSQL pools, MCP clients, and
 * the connection when it opened one), so a process whose worker stopped ends by itself.
 */
export async function createWorker(
  settings: WorkerSettings,
  options: CreateWorkerOptions = {},
): Promise<Worker> {
  const connection = options.connection ?? (await connectWorker(settings.temporal));
  const simulated = options.simulated ?? (await isSimulator(settings.openai));
  const sources = new SourceRegistry(settings.sources, process.env, options.sourceTypes);
  const activities = createActivities({
    gateway: createProviderGateway(settings.openai),
    poll: settings.poll,
    models: settings.models,
    prices: settings.prices,
    modelCapabilities: settings.modelCapabilities,
    simulated,
    sources,
  });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: settings.temporal.namespace,
      taskQueue: settings.temporal.taskQueue,
      ...(options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: require.resolve('../workflows') }),
      activities,
      maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivities,
      maxHeartbeatThrottleInterval: settings.heartbeatThrottleMs,
      stickyQueueScheduleToStartTimeout: settings.stickyTimeoutMs,
      shutdownForceTime: SHUTDOWN_FORCE_MS,
    });
  } catch (error) {
    await sources.close();
    if (!options.connection) await connection.close();
    throw error;
  }
  const run = worker.run.bind(worker);
  worker.run = async () => {
    try {
      await run();
    } finally {
      await sources.close();
      if (!options.connection) await connection.close();
    }
  };
  return worker;
}
