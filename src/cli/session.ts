import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { ResearchClient } from '../client';
import { loadTemporalSettings, loadWorkerSettings, ConfigError, type TemporalSettings } from '../config';
import { startSimulator, type RunningSimulator } from '../simulator';
import { isServerReachable, startDevServer, type RunningDevServer } from '../temporal/dev-server';
import { createWorker } from '../worker';

/**
 * What `deep-research run` needs around it, started only where missing: a Temporal server (the project's
 * persisted dev server when none answers locally), a worker (in-process when no worker polls the task
 * queue, or always with --simulate), and with --simulate the built-in Responses API simulator.
 */
export interface Session {
  research: ResearchClient;
  taskQueue: string;
  webUiUrl?: string;
  /** What was started on the user's behalf, to say so. */
  notes: string[];
  close(): Promise<void>;
}

export interface SessionOptions {
  simulate: boolean;
  simulatorLatencyMs?: number;
  log: (line: string) => void;
}

const isLocal = (address: string) => /^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(address);

export function webUiUrl(settings: TemporalSettings, server?: RunningDevServer): string | undefined {
  if (server?.uiUrl) return server.uiUrl;
  if (process.env.TEMPORAL_UI_URL) return process.env.TEMPORAL_UI_URL.replace(/\/$/, '');
  const [host, port] = settings.address.split(':');
  return isLocal(settings.address) ? `http://${host}:${Number(port) + 1000}` : undefined;
}

export function workflowUrl(
  base: string | undefined,
  namespace: string,
  workflowId: string,
): string | undefined {
  return base ? `${base}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}` : undefined;
}

async function hasWorkers(research: ResearchClient, settings: TemporalSettings): Promise<boolean> {
  const answer = await research.client.workflowService.describeTaskQueue({
    namespace: settings.namespace,
    taskQueue: { name: settings.taskQueue },
    taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (answer.pollers?.length ?? 0) > 0;
}

let quietRuntime = false;

export async function openSession(options: SessionOptions): Promise<Session> {
  // The in-process worker's lifecycle logs would bury the progress display: warnings and errors only.
  if (!quietRuntime) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    quietRuntime = true;
  }
  const settings = loadTemporalSettings();
  const notes: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };

  try {
    let server: RunningDevServer | undefined;
    if (!(await isServerReachable(settings.address))) {
      if (!isLocal(settings.address)) {
        throw new ConfigError(
          `No Temporal server answers at TEMPORAL_ADDRESS=${settings.address}. Check the address, or unset it ` +
            'to let deep-research start a local dev server.',
        );
      }
      const port = Number(settings.address.split(':')[1]);
      options.log(`No Temporal server at ${settings.address}: starting the project's dev server…`);
      const dbFile = process.env.DEEP_RESEARCH_DEV_DB;
      server = await startDevServer({ port, log: options.log, ...(dbFile ? { dbFile } : {}) });
      closers.push(() => server!.stop());
      notes.push(`Started a Temporal dev server at ${server.address} (runs kept in ${server.dbFile}).`);
    }
    const research = await ResearchClient.connect(settings);
    closers.push(() => research.close());

    let worker: Worker | undefined;
    let taskQueue = settings.taskQueue;
    if (options.simulate) {
      const sim: RunningSimulator = await startSimulator({
        latencyMs: options.simulatorLatencyMs ?? 800,
        jitter: 0.3,
      });
      closers.push(() => sim.close());
      // Its own task queue, so no worker that talks to the real OpenAI picks these tasks up.
      taskQueue = `${settings.taskQueue}-simulated-${process.pid}`;
      const workerSettings = loadWorkerSettings({
        ...process.env,
        OPENAI_API_KEY: 'sim-key',
        OPENAI_BASE_URL: sim.baseURL,
        DEEP_RESEARCH_TASK_QUEUE: taskQueue,
        DEEP_RESEARCH_POLL_INITIAL_MS: process.env.DEEP_RESEARCH_POLL_INITIAL_MS ?? '200',
      });
      worker = await createWorker(workerSettings, { simulated: true });
      notes.push(
        `Simulated: answers come from the built-in Responses API simulator at ${sim.baseURL}, not OpenAI.`,
      );
    } else if (server || !(await hasWorkers(research, settings))) {
      if (!process.env.OPENAI_API_KEY) {
        throw new ConfigError(
          'OPENAI_API_KEY is not set, and this research needs a worker that calls OpenAI. Either set ' +
            'OPENAI_API_KEY=sk-…, or add --simulate to run against the built-in simulator (no key, no cost).',
        );
      }
      worker = await createWorker(loadWorkerSettings());
      notes.push(`Started an in-process worker on task queue "${taskQueue}".`);
    }
    if (worker) {
      const running = worker.run();
      closers.push(async () => {
        worker!.shutdown();
        await running;
      });
    }
    const ui = webUiUrl(settings, server);
    return { research, taskQueue, ...(ui ? { webUiUrl: ui } : {}), notes, close };
  } catch (error) {
    await close();
    throw error;
  }
}
