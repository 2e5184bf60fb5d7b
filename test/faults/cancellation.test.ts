import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../src/temporal/cli';
import { expectCitationsResolve, waitForPhaseListing } from '../helpers/research';
import { testAddress, useResearchWorker } from '../helpers/temporal';
import { FAST_POLICY, inFlight, result, startResearch, waitFor } from './harness';

/** Cancel really stops the spending; finish-early stops researching and still delivers a report. */

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const input = {
  question: 'What limits the energy density of lithium-ion batteries?',
  maxQuestions: 4,
  depth: 2,
  concurrency: 4,
};

// The production queued deadline (10 min): the two-minute responses below must not be given up as stuck.
const ctx = useResearchWorker({ latencyMs: 2_000, jitter: 0.2 }, () => ({
  poll: { initialMs: 20, maxMs: 100, factor: 1.5, queuedDeadlineMs: 600_000 },
}));
beforeEach(() => ctx.sim.reset());

async function cancelAndCheck(cancel: (workflowId: string) => Promise<unknown>): Promise<void> {
  const handle = await startResearch(ctx.client, ctx.taskQueue, input, FAST_POLICY);
  // Once the plan is created, later responses take two minutes: whatever the machine's load and however
  // long the cancel command takes to start, the searches are still running when the cancel lands.
  await waitFor('the plan to be created', () => ctx.sim.stats().created >= 1);
  ctx.sim.configure({ latencyMs: 120_000, jitter: 0 });
  await waitFor('searches in flight', () => inFlight(ctx.sim, 'search').length >= 3);
  const cancelledAt = Date.now();
  await cancel(handle.workflowId);
  // The moment the server has accepted the cancel: what is in flight now must be cancelled, and nothing
  // may be created from now on.
  const inFlightAtCancel = Object.entries(ctx.sim.stats().responses)
    .filter(([, r]) => r.status === 'queued' || r.status === 'in_progress')
    .map(([id]) => id);
  const createdAtCancel = ctx.sim.stats().created;
  expect(inFlightAtCancel.length).toBeGreaterThanOrEqual(3);

  // Every response in flight at the cancel is cancelled at the provider (the time it took is printed).
  await waitFor('the in-flight responses to be cancelled', () =>
    inFlightAtCancel.every((id) => ctx.sim.stats().responses[id]?.status === 'cancelled'),
  );
  const cancelSeconds = (Date.now() - cancelledAt) / 1000;
  await expect(handle.result()).rejects.toThrow();
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  // The run ends only once its children have: each is CANCELLED when the run is, so no step of theirs
  // can still be running, nothing was created after the cancel and nothing is left in flight.
  for (let n = 1; n <= input.maxQuestions; n++) {
    const child = await ctx.client.workflow.getHandle(`${handle.workflowId}/q${n}`).describe();
    expect([`q${n}`, child.status.name]).toEqual([`q${n}`, 'CANCELLED']);
  }
  expect(ctx.sim.stats().created).toBe(createdAtCancel);
  expect(ctx.sim.stats().inFlight).toBe(0);
  await waitForPhaseListing(ctx.client, handle.workflowId, 'cancelled');
  console.log(
    `cancel: ${inFlightAtCancel.length} responses in flight, all cancelled at the provider within ${cancelSeconds.toFixed(2)} s; ` +
      `${ctx.sim.stats().cancelled} cancelled in all, 0 created after the cancel`,
  );
}

test('`deep-research cancel` stops the run and cancels every response in flight at the provider', async () => {
  await cancelAndCheck((id) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'cancel', id], {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: testAddress() },
    }),
  );
});

test('`temporal workflow cancel` does the same', async () => {
  const temporal = await findTemporalCli({ log: () => undefined });
  await cancelAndCheck((id) => run(temporal, ['workflow', 'cancel', '-w', id, '--address', testAddress()]));
});

test('finishEarly stops researching and writes the report from what was found, saying so', async () => {
  // One question at a time with slow responses, so the finish lands while questions are still waiting.
  ctx.sim.configure({ latencyMs: 2_500 });
  const handle = await startResearch(ctx.client, ctx.taskQueue, { ...input, concurrency: 1 }, FAST_POLICY);
  await waitFor('the first question to be searched', () => inFlight(ctx.sim, 'search').length >= 1);
  const answer = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'finish', handle.workflowId],
    {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: testAddress() },
    },
  );
  expect(answer.stderr).toContain('research stops now');
  const research = await result(handle);
  expect(research.stoppedBy).toBe('finish');
  expect(research.markdown).toMatch(/stopped early on request/i);
  expect(research.questions.some((q) => q.status === 'skipped')).toBe(true);
  expect(research.questions.some((q) => q.status === 'completed')).toBe(true);
  expectCitationsResolve(research);
  // A second request after the run has finished is refused politely.
  expect(await ctx.client.workflow.getHandle(handle.workflowId).describe()).toMatchObject({
    status: { name: 'COMPLETED' },
  });
});
