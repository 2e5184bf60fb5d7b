import { WorkflowFailedError } from '@temporalio/client';
import { failureReason } from '../../src/client';
import type { ResearchInput } from '../../src/schemas/research';
import { expectCitationsResolve } from '../helpers/research';
import { useResearchWorker } from '../helpers/temporal';
import { FAST_POLICY, result, startResearch, stepKind } from './harness';

/** Model output is input too: each kind of bad answer is repaired, retried within bounds, or reported. */

const input: ResearchInput = {
  question: 'How does CRISPR base editing avoid double-strand breaks?',
  maxQuestions: 2,
  depth: 1,
};

const ctx = useResearchWorker({ latencyMs: 80, jitter: 0.2 });
beforeEach(() => ctx.sim.reset());

const research = async () => result(await startResearch(ctx.client, ctx.taskQueue, input, FAST_POLICY));
const plans = () =>
  Object.entries(ctx.sim.stats().responses)
    .filter(([, r]) => stepKind(r) === 'plan')
    .sort(([, a], [, b]) => a.createdAtMs - b.createdAtMs);

test.each(['badJson', 'schemaViolation', 'refusal'] as const)(
  'a plan that comes back as %s is repaired by asking again with the previous response',
  async (fault) => {
    ctx.sim.configure({ faults: { script: [{ fault, on: 'create', match: '"research_plan"' }] } });
    const done = await research();
    expect(done.questions).toHaveLength(2);
    expectCitationsResolve(done);
    const [first, repair] = plans();
    expect(plans()).toHaveLength(2);
    expect(repair![1].previousResponseId).toBe(first![0]);
    expect(JSON.stringify(ctx.sim.requestBody(repair![0]))).toContain('could not be used');
  },
);

test('a planner that never returns a valid plan fails the run after two repairs, with a clear message', async () => {
  const wrong = { fault: 'schemaViolation' as const, on: 'create' as const, match: '"research_plan"' };
  ctx.sim.configure({ faults: { script: [wrong, wrong, wrong] } });
  const error = await research().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(failureReason(error)).toMatch(
    /did not return a usable research plan after 2 repairs[\s\S]*models\.planner/,
  );
  expect(plans()).toHaveLength(3);
  expect(ctx.sim.stats().created).toBe(3);
});

test('an empty search answer leaves that question thin, not the run broken', async () => {
  ctx.sim.configure({ faults: { script: [{ fault: 'emptyAnswer', on: 'create', match: '"web_search"' }] } });
  const done = await research();
  expect(done.questions.every((q) => q.status === 'completed')).toBe(true);
  expectCitationsResolve(done);
});

test('a follow-up analysis that is not JSON ends that question’s follow-ups; the rest stands', async () => {
  ctx.sim.configure({ faults: { script: [{ fault: 'badJson', on: 'create', match: '"research_gaps"' }] } });
  const done = await research();
  expect(done.questions.every((q) => q.status === 'completed')).toBe(true);
  expectCitationsResolve(done);
});

test('a writer that refuses still yields a report: the findings themselves, cited', async () => {
  ctx.sim.configure({ faults: { script: [{ fault: 'refusal', on: 'create', match: 'Numbered sources' }] } });
  const done = await research();
  expect(done.markdown).toMatch(/writer model returned no report \(refusal: I.m sorry/);
  expect(done.markdown).toContain(done.questions[0]!.question);
  expectCitationsResolve(done);
});

test('a report with invented citation markers has them removed and counted', async () => {
  ctx.sim.configure({ inventedCitations: 2 });
  const done = await research();
  expect(done.invalidCitationsRemoved).toBe(2);
  expect(done.markdown).toContain('(2 removed)');
  expectCitationsResolve(done);
});
