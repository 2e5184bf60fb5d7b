import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { extractUsage } from '../src/openai/wire';
import type { BackgroundResponsePolicy } from '../src/policies';
import { costOfUsage } from '../src/pricing';
import type { ResearchInput, ResearchResult } from '../src/schemas/research';
import { expectCitationsResolve, waitForPhaseListing } from './helpers/research';
import { simClient } from './helpers/sim-client';
import { useResearchWorker } from './helpers/temporal';
import { deepResearch } from '../workflows';

/** The deepResearch workflow on the real dev server with a real worker, against the simulator. */

const ctx = useResearchWorker({ latencyMs: 120, jitter: 0.2 });
beforeEach(() => ctx.sim.reset());

/** Requests the simulator received, oldest first, with what each asked for. */
function requests() {
  return Object.entries(ctx.sim.stats().responses)
    .sort(([, a], [, b]) => a.createdAtMs - b.createdAtMs)
    .map(([id, r]) => ({ id, ...r, body: ctx.sim.requestBody(id) as Record<string, unknown> }));
}

/** `input` may be what a ResearchInput is not, on purpose: the workflow checks its input itself. */
async function research(
  input: unknown,
  policy?: Partial<BackgroundResponsePolicy>,
  workflowId = `research-test-${randomUUID()}`,
): Promise<ResearchResult> {
  const sent = input as ResearchInput;
  return ctx.client.workflow.execute(deepResearch, {
    taskQueue: ctx.settings.temporal.taskQueue,
    workflowId,
    args: policy ? [sent, policy] : [sent],
  });
}

async function failure(
  input: unknown,
  policy?: Partial<BackgroundResponsePolicy>,
  workflowId?: string,
): Promise<ApplicationFailure> {
  const error = await research(input, policy, workflowId).then(
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

test('when every question fails the run fails with the reason, and is listed under ResearchPhase=failed', async () => {
  const workflowId = `research-test-${randomUUID()}`;
  const error = await failure(
    {
      question,
      maxQuestions: 2,
      depth: 0,
      models: { researcher: 'gpt-nonexistent' },
    },
    undefined,
    workflowId,
  );
  expect(error.type).toBe('ResearchFailed');
  expect(error.message).toContain('gpt-nonexistent');
  expect(error.message).toContain('models.researcher');
  await waitForPhaseListing(ctx.client, workflowId, 'failed');
});

test('a cancelled run is listed under ResearchPhase=cancelled', async () => {
  ctx.sim.configure({ latencyMs: 5_000 });
  const handle = await ctx.client.workflow.start(deepResearch, {
    taskQueue: ctx.settings.temporal.taskQueue,
    workflowId: `research-test-${randomUUID()}`,
    args: [{ question, maxQuestions: 2, depth: 0 }],
  });
  // Cancelled while its plan is in flight at the provider.
  const deadline = Date.now() + 30_000;
  while (ctx.sim.stats().created === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow();
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  await waitForPhaseListing(ctx.client, handle.workflowId, 'cancelled');
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

/** What the provider itself says the run's responses cost: each response's usage, priced. */
async function providerCost(): Promise<{ usd: number; tokens: number }> {
  const client = simClient(ctx.sim);
  let usd = 0;
  let tokens = 0;
  for (const id of Object.keys(ctx.sim.stats().responses)) {
    const response = await client.responses.retrieve(id);
    const usage = extractUsage(response);
    usd += costOfUsage(ctx.settings.prices, response.model, usage).usd;
    tokens += usage.inputTokens + usage.outputTokens;
  }
  return { usd, tokens };
}

test.each<[number, number]>([
  [0.08, 4],
  [0.12, 2],
  [0.2, 4],
])(
  'a budget of $%s holds at concurrency %s: what the provider billed stays inside it, and every request is capped',
  async (budget, concurrency) => {
    const result = await research({ question, concurrency, budget: { maxCostUsd: budget } });
    const billed = await providerCost();
    expect(result.costUsd).toBeLessThanOrEqual(budget);
    expect(billed.usd).toBeLessThanOrEqual(budget);
    expect(billed.usd).toBeCloseTo(result.costUsd, 4);
    // A step cannot overshoot: each request carried a limit on its output (and searches on their calls).
    const asked = requests();
    expect(asked.length).toBeGreaterThan(2);
    for (const r of asked) {
      expect(r.body.max_output_tokens).toEqual(expect.any(Number));
      if (r.tools.includes('web_search')) expect(r.body.max_tool_calls).toEqual(expect.any(Number));
    }
    expect(result.questions.some((q) => q.status === 'completed')).toBe(true);
    expectCitationsResolve(result);
  },
);

test('a token budget holds too', async () => {
  const full = await research({ question, concurrency: 4 });
  ctx.sim.reset();
  // Below what the run takes unbounded, above the least a plan, one question and a report need.
  const maxTokens = Math.max(12_500, Math.floor((full.usage.inputTokens + full.usage.outputTokens) * 0.9));
  const result = await research({ question, concurrency: 4, budget: { maxTokens } });
  const billed = await providerCost();
  expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(maxTokens);
  expect(billed.tokens).toBeLessThanOrEqual(maxTokens);
  expect(result.stoppedBy).toBe('budget');
  expectCitationsResolve(result);
});

test('a budget that cannot pay for a plan and a report fails before anything is created, saying what it allows', async () => {
  const workflowId = `research-test-${randomUUID()}`;
  const error = await failure({ question, budget: { maxCostUsd: 0.01 } }, undefined, workflowId);
  expect(error.type).toBe('BudgetTooSmall');
  expect(error.nonRetryable).toBe(true);
  expect(error.message).toMatch(
    /budget\.maxCostUsd 0\.01 cannot pay for a plan .*, one question .* and a report/,
  );
  expect(error.message).toMatch(/raise budget\.maxCostUsd \(--max-cost\) to at least \$0\.\d+/);
  expect(ctx.sim.stats().created).toBe(0);
  await waitForPhaseListing(ctx.client, workflowId, 'failed');
});
