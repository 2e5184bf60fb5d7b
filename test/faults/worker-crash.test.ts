import type { Client } from '@temporalio/client';
import type { ResearchInput } from '../../src/schemas/research';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { expectCitationsResolve } from '../helpers/research';
import { testClient } from '../helpers/temporal';
import {
  describeExtras,
  extraCreates,
  STALLED_WINDOW,
  inFlight,
  newTaskQueue,
  result,
  spawnWorker,
  startResearch,
  waitFor,
  type ExtraCreate,
  type StepKind,
} from './harness';

/**
 * Workers SIGKILLed mid-research: a new worker finishes the run, and the provider is asked for exactly
 * as many responses as an uninterrupted run of the same research (nothing paid for twice).
 */

const input: ResearchInput = {
  question: 'How do Raft and Paxos differ in leader election and log replication?',
  maxQuestions: 3,
  depth: 1,
  concurrency: 3,
};
const simOptions = { latencyMs: 1_200, jitter: 0 };
let client: Client;
let baseline: { created: number; wallMs: number };

/** One research on its own simulator; `kill` decides when the first worker dies (if at all). */
async function researchWithCrash(kill?: (sim: RunningSimulator) => Promise<void>) {
  const sim = await startSimulator(simOptions);
  const taskQueue = newTaskQueue();
  const first = spawnWorker(sim, taskQueue);
  let second: ReturnType<typeof spawnWorker> | undefined;
  try {
    await first.ready;
    const started = Date.now();
    const handle = await startResearch(client, taskQueue, input);
    let killedAtMs: number | undefined;
    if (kill) {
      await kill(sim);
      await first.kill();
      // When the worker had exited: anything created before then may be the dead worker's.
      killedAtMs = Date.now();
      second = spawnWorker(sim, taskQueue);
    }
    const research = await result(handle);
    // Every create carries who made it and why: each extra one is named by its cause.
    const extras = extraCreates(sim, killedAtMs);
    if (extras.length) console.log(`extra creates:\n${describeExtras(extras, killedAtMs)}`);
    return { research, created: sim.stats().created, wallMs: Date.now() - started, extras, killedAtMs };
  } finally {
    await first.kill();
    await second?.kill();
    await sim.close();
  }
}

/**
 * The one documented source of extra creates: an attempt killed between the provider accepting its create
 * and its heartbeat (with the id) reaching the server, or stalled there past its heartbeat timeout.
 */
function expectOnlyWindowOrphans(extras: ExtraCreate[], killedAtMs: number | undefined): void {
  const windows = new Set(['create-to-heartbeat window', STALLED_WINDOW]);
  expect(extras.filter((e) => !windows.has(e.cause))).toEqual([]);
  // The killed attempt died before it could poll (much): its heartbeat, sent at once after the create,
  // had not reached the server. How long before the exit it created is printed, not asserted (a clock).
  for (const e of extras.filter((x) => x.cause === 'create-to-heartbeat window')) {
    expect(e.previous.createdAtMs).toBeLessThanOrEqual(killedAtMs!);
    expect(e.previous.polls).toBeLessThanOrEqual(1);
  }
}

beforeAll(async () => {
  client = await testClient();
  const run = await researchWithCrash();
  expect(run.extras).toEqual([]);
  baseline = { created: run.created, wallMs: run.wallMs };
});
afterAll(() => client.connection.close());

test.each<[StepKind, number]>([
  ['plan', 1],
  ['search', 2],
  ['follow-up', 1],
  ['report', 1],
])(
  'a worker killed during %s completes on a new worker; the only extra create is the create-to-heartbeat window',
  async (kind, atLeast) => {
    const { research, created, extras, killedAtMs } = await researchWithCrash((sim) =>
      waitFor(`${atLeast} ${kind} response(s) in flight`, () => inFlight(sim, kind).length >= atLeast).then(
        () => undefined,
      ),
    );
    expect(research.questions.map((q) => q.status)).toEqual(['completed', 'completed', 'completed']);
    expectCitationsResolve(research);
    expectOnlyWindowOrphans(extras, killedAtMs);
    expect(created).toBe(baseline.created + extras.length);
  },
);

test('20 random kill points: every run completes, every extra create attributed to the create-to-heartbeat window', async () => {
  const delays = Array.from({ length: 20 }, () => 200 + Math.random() * (baseline.wallMs - 400));
  const outcomes: Array<{
    delayMs: number;
    completed: boolean;
    extra: number;
    extras: ExtraCreate[];
    killedAtMs: number | undefined;
  }> = [];
  // Four at a time, each with its own simulator and task queue, to keep the suite's time down.
  for (let i = 0; i < delays.length; i += 4) {
    const batch = delays.slice(i, i + 4);
    outcomes.push(
      ...(await Promise.all(
        batch.map(async (delayMs) => {
          const { research, created, extras, killedAtMs } = await researchWithCrash(
            () => new Promise((r) => setTimeout(r, delayMs)),
          );
          const completed = research.questions.every((q) => q.status === 'completed');
          const extra = created - baseline.created;
          return { delayMs: Math.round(delayMs), completed, extra, extras, killedAtMs };
        }),
      )),
    );
  }
  console.log(
    `random kill points: ${outcomes.length} tried, ${outcomes.filter((o) => o.completed).length} completed, ` +
      `${outcomes.reduce((a, o) => a + o.extra, 0)} extra creates; baseline ${baseline.created} creates in ` +
      `${baseline.wallMs} ms; kill delays (ms) ${outcomes.map((o) => o.delayMs).join(', ')}`,
  );
  const all = outcomes.flatMap((o) => o.extras.map((e) => ({ ...e, killedAtMs: o.killedAtMs! })));
  const killed = all.filter((e) => e.cause === 'create-to-heartbeat window');
  console.log(
    `extra creates attributed: ${all.length}: ${killed.length} orphans of a killed worker (created ` +
      `${killed.map((e) => Math.round(e.killedAtMs - e.previous.createdAtMs)).join(', ') || '-'} ms before it ` +
      `exited), ${all.filter((e) => e.cause === STALLED_WINDOW).length} of a live worker stalled in the window, ` +
      `${all.filter((e) => !e.cause.startsWith('create-to-heartbeat window')).length} other`,
  );
  expect(outcomes.every((o) => o.completed)).toBe(true);
  // Every extra create is attributed (no create goes uncounted) and is the documented window.
  expect(outcomes.map((o) => o.extra)).toEqual(outcomes.map((o) => o.extras.length));
  for (const o of outcomes) expectOnlyWindowOrphans(o.extras, o.killedAtMs);
}, 600_000);
