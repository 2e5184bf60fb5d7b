import type { Client } from '@temporalio/client';
import type { ResearchInput } from '../../src/schemas/research';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { expectCitationsResolve } from '../helpers/research';
import { testClient } from '../helpers/temporal';
import {
  inFlight,
  newTaskQueue,
  result,
  spawnWorker,
  startResearch,
  waitFor,
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
      killedAtMs = Date.now();
      await first.kill();
      second = spawnWorker(sim, taskQueue);
    }
    const research = await result(handle);
    // A response nobody ever polled was created by an attempt that died before heartbeating its id.
    const orphans = Object.values(sim.stats().responses)
      .filter((r) => r.polls === 0 && killedAtMs !== undefined && r.createdAtMs <= killedAtMs)
      .map((r) => Math.round(killedAtMs! - r.createdAtMs));
    return { research, created: sim.stats().created, wallMs: Date.now() - started, orphans };
  } finally {
    await first.kill();
    await second?.kill();
    await sim.close();
  }
}

beforeAll(async () => {
  client = await testClient();
  const run = await researchWithCrash();
  baseline = { created: run.created, wallMs: run.wallMs };
});
afterAll(() => client.connection.close());

test.each<[StepKind, number]>([
  ['plan', 1],
  ['search', 2],
  ['follow-up', 1],
  ['report', 1],
])('a worker killed during %s completes on a new worker with zero extra creates', async (kind, atLeast) => {
  const { research, created } = await researchWithCrash((sim) =>
    waitFor(`${atLeast} ${kind} response(s) in flight`, () => inFlight(sim, kind).length >= atLeast).then(
      () => undefined,
    ),
  );
  expect(research.questions.map((q) => q.status)).toEqual(['completed', 'completed', 'completed']);
  expectCitationsResolve(research);
  expect(created).toBe(baseline.created);
});

test('20 random kill points: every run completes with no extra creates', async () => {
  const delays = Array.from({ length: 20 }, () => 200 + Math.random() * (baseline.wallMs - 400));
  const outcomes: Array<{ delayMs: number; completed: boolean; extra: number; orphans: number[] }> = [];
  // Four at a time, each with its own simulator and task queue, to keep the suite's time down.
  for (let i = 0; i < delays.length; i += 4) {
    const batch = delays.slice(i, i + 4);
    outcomes.push(
      ...(await Promise.all(
        batch.map(async (delayMs) => {
          const { research, created, orphans } = await researchWithCrash(
            () => new Promise((r) => setTimeout(r, delayMs)),
          );
          const completed = research.questions.every((q) => q.status === 'completed');
          return { delayMs: Math.round(delayMs), completed, extra: created - baseline.created, orphans };
        }),
      )),
    );
  }
  console.log(
    `random kill points: ${outcomes.length} tried, ${outcomes.filter((o) => o.completed).length} completed, ` +
      `${outcomes.reduce((a, o) => a + o.extra, 0)} extra creates; baseline ${baseline.created} creates in ` +
      `${baseline.wallMs} ms; kill delays (ms) ${outcomes.map((o) => o.delayMs).join(', ')}`,
  );
  const orphans = outcomes.flatMap((o) => o.orphans);
  console.log(
    `orphaned responses (created, never heartbeated): ${orphans.length}, created ${orphans.join(', ') || '-'} ms before the kill`,
  );
  expect(outcomes.every((o) => o.completed)).toBe(true);
  // The one window left: an attempt that dies between the provider accepting a create and the
  // heartbeat of its id. Every extra create must be such an orphan, created just before the kill.
  expect(outcomes.map((o) => o.extra)).toEqual(outcomes.map((o) => o.orphans.length));
  for (const age of orphans) expect(age).toBeLessThan(250);
}, 600_000);
