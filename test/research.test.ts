import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { ResearchInput, ResearchResult } from '../src/schemas/research';
import { expectCitationsResolve } from './helpers/research';
import { useResearchWorker } from './helpers/temporal';

/** The deepResearch workflow on the real dev server with a real worker, against the simulator. */

const ctx = useResearchWorker({ latencyMs: 120, jitter: 0.2 });
beforeEach(() => ctx.sim.reset());

/** Requests the simulator received, oldest first, with what each asked for. */
function requests() {
  return Object.entries(ctx.sim.stats().responses)
    .sort(([, a], [, b]) => a.createdAtMs - b.createdAtMs)
    .map(([id, r]) => ({ id, ...r, body: ctx.sim.requestBody(id) as Record<string, unknown> }));
}

async function research(input: unknown, policy?: object): Promise<ResearchResult> {
  return ctx.client.workflow.execute('deepResearch', {
    taskQueue: ctx.settings.temporal.taskQueue,
    workflowId: `research-test-${randomUUID()}`,
    args: policy ? [input, policy] : [input],
  });
}

async function failure(input: unknown, policy?: object): Promise<ApplicationFailure> {
  const error = await research(input, policy).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const question = 'How do Raft and Paxos differ in leader election and log replication?';

test('plans, researches each question with web search and follow-ups, and writes a report whose citations all resolve', async () => {
  const input: ResearchInput = { question, maxQuestions: 3, depth: 1 };
  const result = await research(input);

  expect(result.question).toBe(question);
  expect(result.questions).toHaveLength(3);
  expect(result.questions.every((q) => q.status === 'completed' && q.sources.length > 0)).toBe(true);
  expect(result.sources.length).toBeGreaterThan(0);
  expectCitationsResolve(result);
  // Only sources a search returned are cited.
  const found = new Set(result.questions.flatMap((q) => q.sources.map((s) => s.url)));
  for (const s of result.sources) expect(found.has(s.url)).toBe(true);
  expect(result.simulated).toBe(true);
  expect(result.markdown).toMatch(/simulator/i);
  expect(result.usage.webSearchCalls).toBeGreaterThan(0);
  expect(result.costUsd).toBeGreaterThan(0);
  expect(result.stoppedBy).toBeUndefined();

  // What the provider was asked to do, step by step.
  const asked = requests();
  const plan = asked.filter((r) => r.formatName === 'research_plan');
  const searches = asked.filter((r) => r.tools.includes('web_search'));
  const followUps = asked.filter((r) => r.formatName === 'research_gaps');
  const reports = asked.filter((r) => !r.formatName && !r.tools.length);
  expect(plan).toHaveLength(1);
  expect(plan[0]!.reasoningEffort).toBe('high');
  expect(followUps).toHaveLength(3);
  expect(searches.length).toBeGreaterThanOrEqual(3);
  expect(searches.length).toBeLessThanOrEqual(6);
  expect(reports).toHaveLength(1);
  expect(reports[0]!.reasoningEffort).toBe('high');
  expect(asked.every((r) => r.body.background === true && r.body.store === true)).toBe(true);
  // The writer was handed a numbered source list.
  expect(String(reports[0]!.body.input)).toMatch(/^\[1\] .+ — https?:\/\//m);
  expect(ctx.sim.stats().created).toBe(asked.length);
});

test('invalid input fails at once, names each bad field, and creates no response', async () => {
  const error = await failure({ question: 'ok?', maxQuestions: 40, depth: -1, colour: 'blue' });
  expect(error.type).toBe('InvalidResearchInput');
  expect(error.nonRetryable).toBe(true);
  expect(error.message).toContain('maxQuestions');
  expect(error.message).toContain('depth');
  expect(error.message).toContain('colour');
  expect(ctx.sim.stats().created).toBe(0);
});

test('a question that fails is reported as failed and the research goes on', async () => {
  // Plan passes; the first question's search fails on both of its attempts; the rest succeed.
  ctx.sim.configure({
    faults: {
      script: [
        { fault: 'none', on: 'create' },
        { fault: 'failed', on: 'create' },
        { fault: 'failed', on: 'create' },
      ],
    },
  });
  const result = await research(
    { question, maxQuestions: 3, depth: 0, concurrency: 1 },
    { heartbeatTimeoutSeconds: 30, attemptTimeoutMinutes: 5, maximumAttempts: 2 },
  );
  expect(result.questions.map((q) => q.status)).toEqual(['failed', 'completed', 'completed']);
  expect(result.markdown).toContain(result.questions[0]!.question);
  expectCitationsResolve(result);
});

test('when every question fails the run fails with the reason', async () => {
  const error = await failure({
    question,
    maxQuestions: 2,
    depth: 0,
    models: { researcher: 'gpt-nonexistent' },
  });
  expect(error.type).toBe('ResearchFailed');
  expect(error.message).toContain('gpt-nonexistent');
  expect(error.message).toContain('models.researcher');
});

test('the budget stops research before it is exceeded and the report still comes, saying so', async () => {
  const full = await research({ question, maxQuestions: 4, depth: 1, concurrency: 1 });
  ctx.sim.reset();
  const budget = full.costUsd * 0.5;
  const result = await research({
    question,
    maxQuestions: 4,
    depth: 1,
    concurrency: 1,
    budget: { maxCostUsd: budget },
  });
  expect(result.stoppedBy).toBe('budget');
  expect(result.costUsd).toBeLessThanOrEqual(budget);
  expect(result.costUsd).toBeLessThan(full.costUsd);
  expect(result.questions.some((q) => q.status === 'skipped')).toBe(true);
  expect(result.markdown).toMatch(/budget/i);
  expectCitationsResolve(result);
});

test('citation markers that match no source are removed and counted', async () => {
  ctx.sim.configure({ inventedCitations: 3 });
  const result = await research({ question, maxQuestions: 2, depth: 0 });
  expect(result.invalidCitationsRemoved).toBe(3);
  expectCitationsResolve(result);
});
