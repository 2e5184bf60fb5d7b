import {
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { fits, type Allowance, type BudgetEstimates } from '../src/budget';
import { FailureType, toolActivityOptions, type BackgroundResponsePolicy } from '../src/policies';
import type { Activities } from '../activities';
import { addUsage, emptyUsage, type Usage } from '../src/schemas/background-response';
import {
  researchInputSchema,
  type Finding,
  type PlannedQuestion,
  type Progress,
  type ResearchInput,
  type ResearchPhase,
  type ResearchResult,
  type ResearchSettings,
  type StepOutcome,
  type StoppedBy,
} from '../src/schemas/research';
import {
  ResearchPhase as PhaseAttribute,
  ResearchQuestion as QuestionAttribute,
} from '../src/temporal/search-attributes';
import { describeIssues } from '../src/schemas/issues';
import { researchActivities } from './activities';
import { finishEarlyUpdate, progressQuery, questionUpdateSignal, stopResearchSignal } from './messages';
import { researchQuestion } from './research-question';

/** Plan repairs allowed when the planner's output does not validate, before the run fails. */
const MAX_PLAN_REPAIRS = 2;

/**
 * Patch ids (see README "Replay safety"). Each guards a change of commands; runs started before it replay
 * down the old path.
 * - budget reservations: an estimate before planning, allowances for every step and child.
 * - phase on failure: ResearchPhase ends `failed` or `cancelled`.
 * - settle children: on cancellation, wait until every child has ended before the run ends.
 */
export const BUDGET_PATCH = 'budget-reservations';
export const PHASE_PATCH = 'phase-on-failure';
export const SETTLE_PATCH = 'settle-children';

/**
 * `policy` tightens the activities' timeouts and retries for the whole run (the fault tests use a short
 * heartbeat timeout so a killed worker's step is resumed within seconds); defaults are src/policies.ts.
 *
 * The research: plan questions, research them in parallel child workflows (with follow-up rounds), and
 * write a cited report. Deterministic orchestration only: prompts, parsing and I/O live in activities.
 */
export async function deepResearch(
  rawInput: ResearchInput,
  policy?: Partial<BackgroundResponsePolicy>,
): Promise<ResearchResult> {
  try {
    return await research(rawInput, policy);
  } catch (error) {
    // The documented filter ResearchPhase='failed' (or 'cancelled') must find every such run.
    if (patched(PHASE_PATCH)) {
      upsertSearchAttributes([
        { key: PhaseAttribute, value: isCancellation(error) ? 'cancelled' : 'failed' },
      ]);
    }
    throw error;
  }
}

async function research(
  rawInput: ResearchInput,
  policy?: Partial<BackgroundResponsePolicy>,
): Promise<ResearchResult> {
  const input = validateInput(rawInput);
  const info = workflowInfo();
  const startedAt = new Date(info.startTime).toISOString();

  // ---- state, visible through the progress query and the Web UI ----
  let phase: ResearchPhase = 'planning';
  let usage: Usage = emptyUsage;
  let costUsd = 0;
  let maxStepCostUsd = 0;
  let maxStepTokens = 0;
  let stoppedBy: StoppedBy | undefined;
  const questions: Progress['questions'] = [];
  const running = new Map<number, string>(); // question number -> child workflow id

  const progress = (): Progress => ({
    phase,
    question: input.question,
    questions,
    usage,
    costUsd: round6(costUsd),
    elapsedSeconds: Math.round((Date.now() - info.startTime.getTime()) / 1000),
    ...(stoppedBy ? { stoppedBy } : {}),
  });
  setHandler(progressQuery, progress);

  const showProgress = () => {
    const rows = questions.map(
      (q) => `| ${q.n} | ${q.question.replace(/\|/g, '/')} | ${q.status} | ${q.round} | ${q.sources} |`,
    );
    setCurrentDetails(
      [
        `**${phase}** · $${costUsd.toFixed(4)} · ${usage.inputTokens + usage.outputTokens} tokens` +
          (stoppedBy ? ` · stopped by ${stoppedBy}` : ''),
        rows.length
          ? ['', '| # | question | status | round | sources |', '|---|---|---|---|---|', ...rows].join('\n')
          : '',
      ].join('\n'),
    );
  };
  const setPhase = (next: ResearchPhase) => {
    phase = next;
    upsertSearchAttributes([{ key: PhaseAttribute, value: next }]);
    showProgress();
  };
  upsertSearchAttributes([
    { key: QuestionAttribute, value: input.question },
    { key: PhaseAttribute, value: phase },
  ]);
  showProgress();

  const account = (step: StepOutcome) => {
    usage = addUsage(usage, step.usage);
    costUsd += step.costUsd;
    maxStepCostUsd = Math.max(maxStepCostUsd, step.costUsd);
    maxStepTokens = Math.max(maxStepTokens, step.usage.inputTokens + step.usage.outputTokens);
  };

  /** Stops research: running children finish their current step and return what they have. */
  const stop = (reason: StoppedBy) => {
    if (stoppedBy || (phase !== 'planning' && phase !== 'researching')) return;
    stoppedBy = reason;
    for (const childId of running.values()) {
      // The child may have just finished; a failed signal changes nothing.
      getExternalWorkflowHandle(childId)
        .signal(stopResearchSignal, { reason })
        .catch(() => undefined);
    }
    showProgress();
  };

  /**
   * Would one more step (plus the report, which costs about twice the largest step so far) break the
   * budget? Checked before every new step, so a run stops with room left to write its report.
   */
  const checkBudget = () => {
    const max = input.budget;
    // Runs that reserve never need this estimate: their allowances keep them inside the budget.
    if (!max || reserving) return;
    const tokens = usage.inputTokens + usage.outputTokens;
    if (max.maxCostUsd !== undefined && costUsd + 3 * maxStepCostUsd > max.maxCostUsd) stop('budget');
    if (max.maxTokens !== undefined && tokens + 3 * maxStepTokens > max.maxTokens) stop('budget');
  };

  // ---- budget reservations (runs with a budget, started after the patch) ----
  // What may be spent, what is spent, and what running children hold (their slice less what they spent).
  // Every step gets an allowance it cannot exceed (the activity turns it into request limits), and a
  // child is only started with a slice of what is left after the report's reserve: so the sum of what
  // is spent and what may still be spent never passes the budget, at any concurrency.
  const limit: Allowance = {
    ...(input.budget?.maxCostUsd !== undefined ? { usd: input.budget.maxCostUsd } : {}),
    ...(input.budget?.maxTokens !== undefined ? { tokens: input.budget.maxTokens } : {}),
  };
  const reserving = (limit.usd !== undefined || limit.tokens !== undefined) && patched(BUDGET_PATCH);
  let estimates: BudgetEstimates | undefined;
  const slices = new Map<number, { slice: Allowance; usd: number; tokens: number }>();
  let budgetCut = false;
  /** What is left to hand out, keeping `reserve` (the report's) free. */
  const room = (reserve: { usd: number; tokens: number } = estimates?.reportReserve ?? zero): Allowance => {
    let heldUsd = 0;
    let heldTokens = 0;
    for (const s of slices.values()) {
      heldUsd += Math.max(0, (s.slice.usd ?? 0) - s.usd);
      heldTokens += Math.max(0, (s.slice.tokens ?? 0) - s.tokens);
    }
    const tokens = usage.inputTokens + usage.outputTokens;
    return {
      ...(limit.usd !== undefined ? { usd: limit.usd - costUsd - heldUsd - reserve.usd } : {}),
      ...(limit.tokens !== undefined ? { tokens: limit.tokens - tokens - heldTokens - reserve.tokens } : {}),
    };
  };

  setHandler(questionUpdateSignal, (update) => {
    const q = questions.find((x) => x.n === update.n);
    if (q && q.status !== 'completed' && q.status !== 'failed') {
      Object.assign(q, { status: update.status, round: update.round, sources: update.sources });
    }
    if (update.step) {
      account(update.step);
      const held = slices.get(update.n);
      if (held) {
        held.usd += update.step.costUsd;
        held.tokens += update.step.usage.inputTokens + update.step.usage.outputTokens;
      }
    }
    if (!reserving) checkBudget();
    showProgress();
  });
  setHandler(finishEarlyUpdate, () => {
    stop('finish');
    return { accepted: stoppedBy === 'finish', phase };
  });

  if (input.budget?.deadlineMinutes !== undefined) {
    // Not awaited: when it fires during research, research stops and the report is written.
    sleep(input.budget.deadlineMinutes * 60_000)
      .then(() => stop('deadline'))
      .catch(() => undefined);
  }

  const choice = (role: 'planner' | 'researcher' | 'writer') => ({
    ...(input.models?.[role] ? { model: input.models[role] } : {}),
    ...(input.reasoningEffort ? { reasoningEffort: input.reasoningEffort } : {}),
  });

  // ---- 0. private sources: known to this worker? which tools do they offer? (no spending before) ----
  const privateSources = input.sources.filter((source) => source !== 'web');
  const prepared = privateSources.length
    ? await proxyActivities<Activities>({ ...toolActivityOptions(), summary: 'sources' }).prepareSources({
        sources: input.sources,
      })
    : undefined;

  // ---- 0b. a budget that cannot pay for a plan and a report fails now, before anything is spent ----
  if (reserving) {
    estimates = await proxyActivities<Activities>({
      ...toolActivityOptions(),
      summary: 'budget',
    }).estimateBudget({
      question: input.question,
      maxQuestions: input.maxQuestions,
      depth: input.depth,
      ...(input.models ? { models: input.models } : {}),
    });
    // A plan and a report with nothing researched in between would be money spent for nothing.
    const least = {
      usd: estimates.planMin.usd + estimates.questionMin.usd + estimates.reportReserve.usd,
      tokens: estimates.planMin.tokens + estimates.questionMin.tokens + estimates.reportReserve.tokens,
    };
    if (!fits(least, limit)) {
      setPhase('failed');
      throw ApplicationFailure.nonRetryable(
        budgetTooSmall(limit, least, estimates),
        FailureType.budgetTooSmall,
      );
    }
  }

  // ---- 1. plan ----
  let planned: PlannedQuestion[] = [];
  let repair: { responseId: string; problem: string; priorTokens: number } | undefined;
  for (let attempt = 0; attempt <= MAX_PLAN_REPAIRS; attempt++) {
    if (estimates && !fits(estimates.planMin, room())) break;
    const result = await researchActivities(repair ? 'plan (repair)' : 'plan', policy).planResearch({
      question: input.question,
      maxQuestions: input.maxQuestions,
      ...choice('planner'),
      // Every role's model and effort checked against what the models accept, before the first paid step.
      run: {
        ...(input.models ? { models: input.models } : {}),
        sources: input.sources,
        depth: input.depth,
        mode: input.mode,
      },
      ...(repair ? { repair: { responseId: repair.responseId, problem: repair.problem } } : {}),
      ...(estimates
        ? { allowance: { ...nonNegative(room()), ...(repair ? { priorTokens: repair.priorTokens } : {}) } }
        : {}),
    });
    account(result.step);
    if (result.plan) {
      planned = result.plan.questions;
      break;
    }
    repair = {
      responseId: result.step.responseId,
      problem: result.invalid ?? 'invalid plan',
      priorTokens: result.step.usage.inputTokens + result.step.usage.outputTokens,
    };
  }
  if (!planned.length) {
    setPhase('failed');
    throw ApplicationFailure.nonRetryable(
      `The planner did not return a usable research plan after ${MAX_PLAN_REPAIRS} repairs: ${repair?.problem}. ` +
        'Try again, or choose another planner model with models.planner.',
      'InvalidResearchPlan',
    );
  }
  planned.forEach((p, i) =>
    questions.push({ n: i + 1, question: p.question, status: 'pending', round: 0, sources: 0 }),
  );

  // ---- 2. research each question in a child workflow, at most `concurrency` at once ----
  setPhase('researching');
  checkBudget();
  const findings: Finding[] = [];
  const errors: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < planned.length) {
      const index = next++;
      const n = index + 1;
      const q = questions[index]!;
      let slice: Allowance | undefined;
      if (estimates) {
        // Start a question only with room for at least one search; wait while running ones may give back.
        const need = estimates.questionMin;
        for (;;) {
          await condition(() => stoppedBy !== undefined || fits(need, room()) || slices.size === 0);
          if (stoppedBy || fits(need, room())) break;
          // Another question took the room first: wait for it, unless nothing runs that could give back.
          if (slices.size === 0) stop('budget');
        }
        if (!stoppedBy) {
          const free = room();
          slice = {
            ...(free.usd !== undefined ? { usd: Math.min(estimates.questionNatural.usd, free.usd) } : {}),
            ...(free.tokens !== undefined
              ? { tokens: Math.min(estimates.questionNatural.tokens, free.tokens) }
              : {}),
          };
          slices.set(n, { slice, usd: 0, tokens: 0 });
        }
      } else {
        checkBudget();
      }
      if (stoppedBy) {
        q.status = 'skipped';
        findings.push(emptyFinding(n, q.question, 'skipped'));
        showProgress();
        continue;
      }
      q.status = 'researching';
      const childId = `${info.workflowId}/q${n}`;
      running.set(n, childId);
      showProgress();
      try {
        const child = await startChild(researchQuestion, {
          workflowId: childId,
          args: [
            {
              n,
              overallQuestion: input.question,
              planned: planned[index]!,
              depth: input.depth,
              ...(input.models ? { models: input.models } : {}),
              ...(input.reasoningEffort ? { reasoningEffort: input.reasoningEffort } : {}),
              ...(input.searchContextSize ? { searchContextSize: input.searchContextSize } : {}),
              ...(input.allowedDomains ? { allowedDomains: input.allowedDomains } : {}),
              reportTo: info.workflowId,
              ...(policy ? { policy } : {}),
              ...(prepared ? { web: prepared.web, functionTools: prepared.tools, mode: input.mode } : {}),
              ...(slice && estimates
                ? { allowance: slice, roundMin: estimates.roundMin, searchMin: estimates.questionMin }
                : {}),
            },
          ],
          staticSummary: `q${n}: ${planned[index]!.question}`.slice(0, 200),
          // If the parent goes away, the children are asked to stop too (and cancel their responses).
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        });
        // A stop requested while the child was starting must still reach it.
        if (stoppedBy) child.signal(stopResearchSignal, { reason: stoppedBy }).catch(() => undefined);
        const finding = await child.result();
        if (finding.stoppedBy === 'budget') budgetCut = true;
        findings.push(finding);
        Object.assign(q, { status: 'completed', round: finding.rounds, sources: finding.sources.length });
      } catch (error) {
        if (isCancellation(error)) throw error;
        q.status = 'failed';
        const message = rootMessage(error);
        errors.push(`q${n}: ${message}`);
        findings.push(emptyFinding(n, q.question, 'failed', message));
      } finally {
        running.delete(n);
        slices.delete(n);
        showProgress();
      }
    }
  };
  const workers = Array.from({ length: Math.min(input.concurrency, planned.length) }, worker);
  if (patched(SETTLE_PATCH)) {
    // A cancelled run ends only when every child has ended (and cancelled its responses), not when the
    // first one has: nothing of it is left running once it reports CANCELLED.
    const settled = await Promise.allSettled(workers);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
  } else {
    await Promise.all(workers);
  }
  if (budgetCut) stoppedBy ??= 'budget';

  if (!stoppedBy && !findings.some((f) => f.status === 'completed')) {
    setPhase('failed');
    throw ApplicationFailure.nonRetryable(
      `Every research question failed, so there is nothing to report. ${errors.slice(0, 3).join(' | ')}`,
      'ResearchFailed',
    );
  }

  // ---- 3. synthesise ----
  setPhase('synthesizing');
  findings.sort((a, b) => a.n - b.n);
  const report = await researchActivities('synthesize', policy).writeReport({
    question: input.question,
    findings,
    ...choice('writer'),
    ...(stoppedBy ? { stoppedBy } : {}),
    // Everything left is the report's: nothing else runs now.
    ...(estimates ? { allowance: nonNegative(room(zero)), findingChars: estimates.reportFindingChars } : {}),
  });
  if (report.step) account(report.step);
  setPhase('completed');
  // Let a finishEarly update that raced with the end return its answer before the run closes.
  await condition(() => true);

  return {
    question: input.question,
    markdown: report.markdown,
    sources: report.sources,
    questions: findings.map((f) => ({
      question: f.question,
      status: f.status,
      summary: f.summary,
      sources: f.sources,
      // Data only (no new command): replay-safe.
      ...(f.refusedToolCalls ? { refusedToolCalls: f.refusedToolCalls } : {}),
    })),
    usage,
    costUsd: round6(costUsd),
    startedAt,
    finishedAt: new Date(Date.now()).toISOString(),
    ...(stoppedBy ? { stoppedBy } : {}),
    invalidCitationsRemoved: report.invalidCitationsRemoved,
    ...(report.simulated ? { simulated: true } : {}),
  };
}

const zero = { usd: 0, tokens: 0 };

function nonNegative(a: Allowance): Allowance {
  return {
    ...(a.usd !== undefined ? { usd: Math.max(0, a.usd) } : {}),
    ...(a.tokens !== undefined ? { tokens: Math.max(0, Math.floor(a.tokens)) } : {}),
  };
}

/** Why the budget cannot pay for a plan, one question and a report, what it would take, and what to change. */
function budgetTooSmall(
  limit: Allowance,
  least: { usd: number; tokens: number },
  e: BudgetEstimates,
): string {
  const m = e.models;
  const parts: string[] = [];
  if (limit.usd !== undefined && least.usd > limit.usd) {
    const up = (x: number) => `$${(Math.ceil(x * 1000) / 1000).toFixed(3)}`;
    parts.push(
      `budget.maxCostUsd ${limit.usd} cannot pay for a plan (at least ${up(e.planMin.usd)} with ${m.planner}), ` +
        `one question researched (at least ${up(e.questionMin.usd)} with ${m.researcher}) and a report ` +
        `(at least ${up(e.reportReserve.usd)} with ${m.writer}): raise budget.maxCostUsd (--max-cost) to at ` +
        `least ${up(least.usd)} (each further question takes ${up(e.questionMin.usd)} to ` +
        `${up(e.questionNatural.usd)}), or choose cheaper models`,
    );
  }
  if (limit.tokens !== undefined && least.tokens > limit.tokens) {
    parts.push(
      `budget.maxTokens ${limit.tokens} cannot pay for a plan (at least ${e.planMin.tokens} tokens), one question ` +
        `researched (at least ${e.questionMin.tokens}) and a report (at least ${e.reportReserve.tokens}): raise ` +
        `budget.maxTokens to at least ${least.tokens} (each further question takes ${e.questionMin.tokens} to ` +
        `${e.questionNatural.tokens})`,
    );
  }
  return `The budget is too small to research: ${parts.join('; ')}.`;
}

function validateInput(raw: unknown): ResearchSettings {
  const parsed = researchInputSchema.safeParse(raw ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.nonRetryable(
    `Invalid research input: ${describeIssues(parsed.error).join('; ')}`,
    'InvalidResearchInput',
  );
}

function emptyFinding(n: number, question: string, status: 'failed' | 'skipped', error?: string): Finding {
  return {
    n,
    question,
    status,
    summary: '',
    keyFacts: [],
    sources: [],
    rounds: 0,
    usage: emptyUsage,
    costUsd: 0,
    ...(error ? { error } : {}),
  };
}

/** The innermost cause's message: a child failure wraps an activity failure wraps the provider's error. */
function rootMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  return current?.message ?? String(error);
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
