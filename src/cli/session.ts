import type { Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { ResearchClient } from '../client';
import {
  loadTemporalSettings,
  loadWorkerSettings,
  ConfigError,
  type TemporalSettings,
  type WorkerSettings,
} from '../config';
import { LocalStack, workflowBundleAt } from '../local-stack';
import type { ResearchInput } from '../schemas/research';
import { addressProblem } from '../temporal/connection';
import { isServerReachable, type RunningDevServer } from '../temporal/dev-server';
import { SourcesConfigError } from '../tools/errors';
import { SourceRegistry } from '../tools/registry';
import { invalid } from './exit';

/**
 * What `deep-research run` needs around it, started only where missing: a Temporal server (the project's
 * persisted dev server when none answers locally), a worker (in-process when no live worker polls the task
 * queue, or always with --simulate), and with --simulate the built-in Responses API simulator.
 *
 * Everything that can be checked is checked before anything starts (`planSession`): settings, the
 * research's sources, whether a worker can be had at all. Only then does `openSession` start things.
 */
export interface Session {
  research: ResearchClient;
  taskQueue: string;
  webUiUrl?: string;
  /** What was started on the user's behalf, to say so. */
  notes: string[];
  /** Who runs the research: this process (in-process worker) or a worker elsewhere. */
  worker: 'in-process' | 'external';
  simulated: boolean;
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

/**
 * A poller counts as a live worker only if the server saw it poll recently. The server lists every poller
 * of the last 5 minutes, dead or alive; a live idle worker renews its long poll about once a minute
 * (measured: its last access ages to ~55 s, then resets), so older than this means it is gone.
 */
export const LIVE_POLLER_MS = 70_000;

export async function liveWorkers(research: ResearchClient, settings: TemporalSettings): Promise<number> {
  const answer = await research.client.workflowService.describeTaskQueue({
    namespace: settings.namespace,
    taskQueue: { name: settings.taskQueue },
    taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const now = Date.now();
  return (answer.pollers ?? []).filter((poller) => {
    const seen = poller.lastAccessTime;
    if (!seen) return false;
    const seenMs = Number(seen.seconds ?? 0) * 1000 + Math.floor((seen.nanos ?? 0) / 1e6);
    return now - seenMs < LIVE_POLLER_MS;
  }).length;
}

/** How to go on when nothing can run the research: said whenever no worker is there to do it. */
export function noWorkerAdvice(taskQueue: string): string[] {
  return [
    `start a worker: OPENAI_API_KEY=sk-… scripts/npm run worker (task queue "${taskQueue}")`,
    'or set OPENAI_API_KEY=sk-… and run again: `run` then starts a worker in this process',
    'or add --simulate to research against the built-in simulator (no key, no cost)',
  ];
}

interface SessionPlan {
  temporal: TemporalSettings;
  /** Settings of an in-process worker, validated; undefined when this process cannot run one (no key). */
  worker?: WorkerSettings;
}

/**
 * What is wrong with the sources file (a type the CLI's worker does not have) and with the sources a run
 * names, one line each; empty when nothing is.
 */
export function sourcesProblems(sources: WorkerSettings['sources'], named: string[] = []): string[] {
  try {
    const unknown = new SourceRegistry(sources).check(named);
    return unknown ? [`--sources (sources): ${unknown}`] : [];
  } catch (error) {
    if (!(error instanceof SourcesConfigError)) throw error;
    const lines = error.message.split('\n').filter((l) => l.startsWith('- '));
    return lines.length ? lines.map((l) => l.slice(2)) : [error.message];
  }
}

/** Every setting and the input's sources, checked before anything starts. Throws exit-2 errors. */
function planSession(input: ResearchInput, options: SessionOptions): SessionPlan {
  const temporal = loadTemporalSettings();
  const problems: string[] = [];
  const addressIssue = addressProblem(temporal.address);
  if (addressIssue) problems.push(addressIssue);
  // With --simulate the key and base URL are the simulator's; without a key there is no in-process
  // worker, but the other worker settings are still checked, as a typo there is a typo.
  const env = options.simulate
    ? { ...process.env, OPENAI_API_KEY: 'sim-key', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }
    : process.env.OPENAI_API_KEY
      ? process.env
      : { ...process.env, OPENAI_API_KEY: 'not-used' };
  let worker: WorkerSettings | undefined;
  try {
    worker = loadWorkerSettings(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(
      ...error.message
        .split('\n')
        .filter((l) => l.startsWith('- '))
        .map((l) => l.slice(2)),
    );
    if (!problems.length) problems.push(error.message);
  }
  if (worker) problems.push(...sourcesProblems(worker.sources, input.sources ?? []));
  if (problems.length) throw invalid(problems, 'Invalid input or configuration:');
  return {
    temporal,
    ...(worker && (options.simulate || process.env.OPENAI_API_KEY) ? { worker } : {}),
  };
}

export async function openSession(input: ResearchInput, options: SessionOptions): Promise<Session> {
  const plan = planSession(input, options);
  const settings = plan.temporal;
  // The in-process worker's lifecycle logs would bury the progress display: warnings and errors only.
  // No shutdown signals: the SDK would stop the worker on Ctrl-C before it could carry out the cancel
  // the user asked for. `run` handles SIGINT/SIGTERM itself (research-commands.ts).
  const stack = new LocalStack({ logLevel: 'WARN', shutdownSignals: [] });
  const notes: string[] = [];
  const close = () => stack.close().catch(() => undefined);

  try {
    let server: RunningDevServer | undefined;
    if (!(await isServerReachable(settings.address))) {
      if (!isLocal(settings.address)) {
        throw new ConfigError(
          `No Temporal server answers at TEMPORAL_ADDRESS=${settings.address}. Check the address, or unset it ` +
            'to let deep-research start a local dev server.',
        );
      }
      if (!plan.worker) {
        // A fresh server has no worker, and this process cannot be one without a key.
        throw invalid(noWorkerAdvice(settings.taskQueue), 'OPENAI_API_KEY is not set and no worker runs:');
      }
      const port = Number(settings.address.split(':')[1]);
      options.log(`No Temporal server at ${settings.address}: starting the project's dev server…`);
      const dbFile = process.env.DEEP_RESEARCH_DEV_DB;
      server = await stack.startDevServer({ port, log: options.log, ...(dbFile ? { dbFile } : {}) });
      notes.push(`Started a Temporal dev server at ${server.address} (runs kept in ${server.dbFile}).`);
    }
    const research = new ResearchClient(await stack.connectClient(settings), settings.taskQueue);

    // Tests hand in a prebuilt bundle (as for `worker`); otherwise workflows/ is bundled here.
    const workflowBundle = workflowBundleAt(process.env.DEEP_RESEARCH_WORKFLOW_BUNDLE);
    let worker: Worker | undefined;
    let taskQueue = settings.taskQueue;
    if (options.simulate) {
      const sim = await stack.startSimulator({
        latencyMs: options.simulatorLatencyMs ?? 800,
        jitter: 0.3,
      });
      // Its own task queue, so no worker that talks to the real OpenAI picks these tasks up.
      taskQueue = `${settings.taskQueue}-simulated-${process.pid}`;
      const workerSettings = loadWorkerSettings({
        ...process.env,
        OPENAI_API_KEY: 'sim-key',
        OPENAI_BASE_URL: sim.baseURL,
        DEEP_RESEARCH_TASK_QUEUE: taskQueue,
        DEEP_RESEARCH_POLL_INITIAL_MS: process.env.DEEP_RESEARCH_POLL_INITIAL_MS ?? '200',
      });
      worker = await stack.createWorker(workerSettings, { simulated: true, ...workflowBundle });
      notes.push(
        `Simulated: answers come from the built-in Responses API simulator at ${sim.baseURL}, not OpenAI.`,
      );
    } else if (server || (await liveWorkers(research, settings)) === 0) {
      if (!plan.worker) {
        throw invalid(
          noWorkerAdvice(settings.taskQueue),
          `OPENAI_API_KEY is not set and no worker polls task queue "${settings.taskQueue}" at ${settings.address}:`,
        );
      }
      worker = await stack.createWorker(plan.worker, workflowBundle);
      notes.push(`Started an in-process worker on task queue "${taskQueue}".`);
    }
    if (worker) {
      // Drained on close, before the simulator and the server stop.
      stack.run(worker, (error) => options.log(`The in-process worker stopped: ${String(error)}`));
    }
    const ui = webUiUrl(settings, server);
    return {
      research,
      taskQueue,
      ...(ui ? { webUiUrl: ui } : {}),
      notes,
      worker: worker ? 'in-process' : 'external',
      simulated: options.simulate,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
