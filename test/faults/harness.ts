import type { Client, WorkflowHandle } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { BackgroundResponsePolicy } from '../../src/policies';
import type { ResearchInput } from '../../src/schemas/research';
import type { RunningSimulator, SimulatorStats } from '../../src/simulator';
import { testAddress } from '../helpers/temporal';
import { deepResearch } from '../../workflows';

/**
 * What the fault suite shares: worker processes it can SIGKILL, a short-fused policy so a dead worker's
 * step is resumed within seconds, and ways to read what the simulator was asked to do.
 */

const ROOT = path.join(__dirname, '..', '..');

/** Heartbeat timeout 2 s: a killed worker's attempt is retried (resuming its response) about 3 s later. */
export const FAST_POLICY: Partial<BackgroundResponsePolicy> = {
  heartbeatTimeoutSeconds: 2,
  retryInitialIntervalSeconds: 1,
};

export interface WorkerProcess {
  process: ChildProcess;
  /** Resolves once the worker polls its task queue. */
  ready: Promise<void>;
  kill(): Promise<void>;
}

/** A worker in its own process, exactly as `deep-research worker` runs in production. */
export function spawnWorker(
  sim: RunningSimulator,
  taskQueue: string,
  env: NodeJS.ProcessEnv = {},
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: testAddress(),
      DEEP_RESEARCH_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: sim.baseURL,
      OPENAI_API_KEY: 'sim-key',
      DEEP_RESEARCH_POLL_INITIAL_MS: '50',
      DEEP_RESEARCH_POLL_MAX_MS: '200',
      DEEP_RESEARCH_HEARTBEAT_THROTTLE_MS: '300',
      DEEP_RESEARCH_STICKY_TIMEOUT_MS: '1000',
      ...(process.env.TEST_WORKFLOW_BUNDLE
        ? { DEEP_RESEARCH_WORKFLOW_BUNDLE: process.env.TEST_WORKFLOW_BUNDLE }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('worker on task queue')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited (${code}) before it was ready:\n${stderr}`)),
    );
  });
  ready.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    ready,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export function newTaskQueue(): string {
  return `faults-${randomUUID()}`;
}

export async function startResearch(
  client: Client,
  taskQueue: string,
  input: ResearchInput,
  policy: Partial<BackgroundResponsePolicy> = FAST_POLICY,
  workflowId = `research-faults-${randomUUID()}`,
): Promise<ResearchHandle> {
  return client.workflow.start(deepResearch, { taskQueue, workflowId, args: [input, policy] });
}

export type ResearchHandle = WorkflowHandle<typeof deepResearch>;

export const result = (handle: ResearchHandle) => handle.result();

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type ResponseStats = SimulatorStats['responses'][string];
export type StepKind = 'plan' | 'search' | 'follow-up' | 'report';

/** Which research step a simulated response served, from what it was asked to do. */
export function stepKind(r: ResponseStats): StepKind {
  if (r.formatName === 'research_plan') return 'plan';
  if (r.formatName === 'research_gaps') return 'follow-up';
  if (r.tools.includes('web_search')) return 'search';
  return 'report';
}

const IN_FLIGHT = new Set(['queued', 'in_progress']);

/** Responses of a kind still running at the provider that have been polled (so their id was heartbeated). */
export function inFlight(sim: RunningSimulator, kind?: StepKind): string[] {
  return Object.entries(sim.stats().responses)
    .filter(([, r]) => IN_FLIGHT.has(r.status) && r.polls >= 1 && (!kind || stepKind(r) === kind))
    .map(([id]) => id);
}

/** Who made a response and why, from the metadata every create carries (activities/background-response.ts). */
export interface CreateAttribution {
  responseId: string;
  workflowId: string;
  runId: string;
  activityId: string;
  attempt: number;
  createdBecause: string;
  createdAtMs: number;
  polls: number;
  status: string;
}

function attributionOf(id: string, r: ResponseStats): CreateAttribution {
  const m = r.metadata ?? {};
  return {
    responseId: id,
    workflowId: m.temporal_workflow_id ?? '?',
    runId: m.temporal_run_id ?? '?',
    activityId: m.temporal_activity_id ?? '?',
    attempt: Number(m.temporal_attempt ?? 0),
    createdBecause: m.created_because ?? 'unattributed',
    createdAtMs: r.createdAtMs,
    polls: r.polls,
    status: r.status,
  };
}

/** The window, stretched by a worker stalled past the heartbeat timeout between a create and its heartbeat. */
export const STALLED_WINDOW = 'create-to-heartbeat window, stalled past the heartbeat timeout';

/** A create beyond the first for one activity of one workflow, with the response it came after. */
export interface ExtraCreate extends CreateAttribution {
  previous: CreateAttribution;
  /** The cause, named: see `nameCause`. */
  cause: string;
}

/**
 * The cause of an extra create, from what the create's attempt knew:
 * - `create-to-heartbeat window`: the attempt found no response id in the previous attempt's heartbeat,
 *   and the previous attempt, on the killed worker, did create one (it died between the create and the
 *   heartbeat reaching the server);
 * - `create-to-heartbeat window, stalled …`: the same with no kill: a live attempt whose heartbeat timeout
 *   passed between its create and its heartbeat (it never polled);
 * - `heartbeat timeout of a live attempt`: a live attempt that had polled was replaced without its id;
 * - `failed response retried`, `stuck in queue replaced` (the give-up's heartbeat arrived, or the next
 *   attempt found the response cancelled), `response gone at provider`: documented replacements;
 * - `child restarted`: a new run of the same workflow id made the step again;
 * - anything else is unexplained.
 */
function nameCause(extra: CreateAttribution, previous: CreateAttribution, killedAtMs?: number): string {
  if (extra.runId !== previous.runId) return 'child restarted';
  switch (extra.createdBecause) {
    case 'no-heartbeat':
      if (extra.attempt <= previous.attempt) return 'unexplained (same attempt)';
      if (killedAtMs !== undefined && previous.createdAtMs <= killedAtMs) return 'create-to-heartbeat window';
      // Not killed: the previous attempt was alive but timed out before its heartbeat (with the id) reached
      // the server. If it never polled, the time-out fell inside the same window (a stalled worker: the
      // heartbeat timeout passed between the create and the heartbeat); otherwise it is unexplained.
      return previous.polls === 0 ? STALLED_WINDOW : 'heartbeat timeout of a live attempt';
    case 'previous-failed':
      return 'failed response retried';
    case 'previous-stuck-queued':
    case 'previous-cancelled':
      return 'stuck in queue replaced';
    case 'previous-not-found':
      return 'response gone at provider';
    default:
      return `unexplained (${extra.createdBecause}, attempt ${extra.attempt} after ${previous.attempt})`;
  }
}

/** Every extra create the simulator saw, attributed and named. */
export function extraCreates(sim: RunningSimulator, killedAtMs?: number): ExtraCreate[] {
  const groups = new Map<string, CreateAttribution[]>();
  for (const [id, r] of Object.entries(sim.stats().responses)) {
    const a = attributionOf(id, r);
    const key = `${a.workflowId}#${a.activityId}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const extras: ExtraCreate[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => a.attempt - b.attempt || a.createdAtMs - b.createdAtMs);
    for (let i = 1; i < group.length; i++) {
      const previous = group[i - 1]!;
      extras.push({ ...group[i]!, previous, cause: nameCause(group[i]!, previous, killedAtMs) });
    }
  }
  return extras;
}

/** One line per extra create: which step, which attempts, the cause, and how long before `killedAtMs`. */
export function describeExtras(extras: ExtraCreate[], killedAtMs?: number): string {
  return extras
    .map(
      (e) =>
        `${e.workflowId} activity ${e.activityId}: attempt ${e.attempt} created ${e.responseId} (${e.createdBecause}) ` +
        `after attempt ${e.previous.attempt}'s ${e.previous.responseId} (${e.previous.status}, ${e.previous.polls} polls` +
        (killedAtMs !== undefined
          ? `, created ${Math.round(killedAtMs - e.previous.createdAtMs)} ms before the kill`
          : '') +
        `): ${e.cause}`,
    )
    .join('\n');
}
