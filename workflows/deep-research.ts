import {
  ApplicationFailure,
  ParentClosePolicy,
  type ChildWorkflowOptions,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Allowance } from '../src/budget';
import { FailureType, toolActivityOptions, type BackgroundResponsePolicy } from '../src/policies';
import type { Activities } from '../activities';
import type { PrepareSourcesOutput, ResearchQuestionInput } from '../src/schemas/boundary';
import {
  researchInputSchema,
  type PlannedQuestion,
  type ResearchInput,
  type ResearchResult,
  type ResearchSettings,
} from '../src/schemas/research';
import { ResearchPhase as PhaseAttribute } from '../src/temporal/search-attributes';
import { describeIssues } from '../src/schemas/issues';
import { researchActivities } from './activities';
import { childInput, estimateBudgetInput, planInput, reportInput } from './inputs';
import { stopResearchSignal } from './messages';
import { PHASE_PATCH, SETTLE_PATCH } from './patches';
import { researchQuestion } from './research-question';
import { openRun, type Run } from './run';

/** Plan repairs allowed when the planner's output does not validate, before the run fails. */
const MAX_PLAN_REPAIRS = 2;

/** What every child of the run is handed besides its question. */
interface ChildSettings {
  policy: Partial<BackgroundResponsePolicy> | undefined;
  sources: PrepareSourcesOutput | undefined;
}

/**
 * The research: plan questions, research them in parallel child workflows (with follow-up rounds), and
 * write a cited report. Deterministic orchestration only: prompts, parsing and I/O live in activities;
 * the run's state (phase, cost, questions, budget) lives in run-state.ts.
 *
 * `policy` tightens the activities' timeouts and retries for the whole run (the fault tests use a short
 * heartbeat timeout so a killed worker's step is resumed within seconds); defaults are src/policies.ts.
 */
export async function deepResearch(
  rawInput: ResearchInput,
  policy?: Partial<BackgroundResponsePolicy>,
): Promise<ResearchResult> {
  try {
    const settings = validateInput(rawInput);
    const run = openRun(settings);
    const sources = await prepareSources(settings);
    await reserveBudget(run, settings);
    const planned = await plan(run, settings, policy);
    await researchAll(run, settings, planned, { policy, sources });
    return await synthesise(run, settings, policy);
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

function validateInput(raw: unknown): ResearchSettings {
  const parsed = researchInputSchema.safeParse(raw ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.nonRetryable(
    `Invalid research input: ${describeIssues(parsed.error).join('; ')}`,
    FailureType.invalidResearchInput,
  );
}

/** Private sources: known to this worker? which tools do they offer? (Nothing is spent before.) */
async function prepareSources(settings: ResearchSettings): Promise<PrepareSourcesOutput | undefined> {
  if (!settings.sources.some((source) => source !== 'web')) return undefined;
  return await proxyActivities<Activities>({ ...toolActivityOptions(), summary: 'sources' }).prepareSources({
    sources: settings.sources,
  });
}

/** A run that reserves and whose budget cannot pay for a plan and a report fails now, before anything is spent. */
async function reserveBudget(run: Run, settings: ResearchSettings): Promise<void> {
  if (!run.state.reserving) return;
  const estimates = await proxyActivities<Activities>({
    ...toolActivityOptions(),
    summary: 'budget',
  }).estimateBudget(estimateBudgetInput(settings));
  const tooSmall = run.state.reserveWith(estimates);
  if (tooSmall) run.fail(tooSmall, FailureType.budgetTooSmall);
}

/** The plan, repaired (bounded) when the planner's output does not validate. */
async function plan(
  run: Run,
  settings: ResearchSettings,
  policy: Partial<BackgroundResponsePolicy> | undefined,
): Promise<PlannedQuestion[]> {
  let planned: PlannedQuestion[] = [];
  let repair: { responseId: string; problem: string; priorTokens: number } | undefined;
  for (let attempt = 0; attempt <= MAX_PLAN_REPAIRS; attempt++) {
    if (!run.state.affordsPlan()) break;
    const result = await researchActivities(repair ? 'plan (repair)' : 'plan', policy).planResearch(
      planInput(settings, repair, run.state.planAllowance(repair?.priorTokens)),
    );
    run.state.account(result.step);
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
    run.fail(
      `The planner did not return a usable research plan after ${MAX_PLAN_REPAIRS} repairs: ${repair?.problem}. ` +
        'Try again, or choose another planner model with models.planner.',
      'InvalidResearchPlan',
    );
  }
  run.state.planned(planned);
  return planned;
}

/** Each question researched in a child workflow, at most `concurrency` at once. */
async function researchAll(
  run: Run,
  settings: ResearchSettings,
  planned: PlannedQuestion[],
  child: ChildSettings,
): Promise<void> {
  run.setPhase('researching');
  run.checkBudget();
  // One queue for all workers: each takes the next question when it is free.
  const queue = planned.entries();
  const workers = Array.from({ length: Math.min(settings.concurrency, planned.length) }, () =>
    researchQuestions(run, settings, queue, child),
  );
  if (patched(SETTLE_PATCH)) {
    // A cancelled run ends only when every child has ended (and cancelled its responses), not when the
    // first one has: nothing of it is left running once it reports CANCELLED.
    const settled = await Promise.allSettled(workers);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
  } else {
    await Promise.all(workers);
  }
  const nothingToReport = run.state.researchEnded();
  if (nothingToReport) run.fail(nothingToReport, 'ResearchFailed');
}

/**
 * One worker: questions from the queue, each in its own child, until the queue is empty. The awaits here
 * are where workers interleave (which one starts the next child, and when a stop reaches which child), so
 * everything between them is synchronous.
 */
async function researchQuestions(
  run: Run,
  settings: ResearchSettings,
  queue: IterableIterator<[number, PlannedQuestion]>,
  child: ChildSettings,
): Promise<void> {
  const { state } = run;
  for (const [index, question] of queue) {
    const n = index + 1;
    if (state.estimates) {
      // Start a question only with room for at least one search; wait while running ones may give back.
      for (;;) {
        await condition(() => state.admission() !== 'wait');
        if (state.admission() === 'start') break;
        // Another question took the room first, and nothing runs that could give back.
        run.stop('budget');
      }
    } else {
      run.checkBudget();
    }
    const slice = state.reserveQuestion(n);
    if (state.stoppedBy) {
      state.skipped(n);
      run.show();
      continue;
    }
    const childId = `${run.workflowId}/q${n}`;
    state.started(n, childId);
    run.show();
    try {
      const options = childOptions(run, settings, { n, planned: question, childId }, slice, child);
      const handle = await startChild(researchQuestion, options);
      // A stop requested while the child was starting must still reach it.
      if (state.stoppedBy) {
        handle.signal(stopResearchSignal, { reason: state.stoppedBy }).catch(() => undefined);
      }
      state.completed(n, await handle.result());
    } catch (error) {
      if (isCancellation(error)) throw error;
      state.failed(n, rootMessage(error));
    } finally {
      state.ended(n);
      run.show();
    }
  }
}

function childOptions(
  run: Run,
  settings: ResearchSettings,
  question: { n: number; planned: PlannedQuestion; childId: string },
  slice: Allowance | undefined,
  child: ChildSettings,
): Omit<ChildWorkflowOptions, 'typeInfo'> & { args: [ResearchQuestionInput] } {
  const { n, planned } = question;
  const budget = { slice, estimates: run.state.estimates };
  return {
    workflowId: question.childId,
    args: [childInput(settings, { n, planned }, { workflowId: run.workflowId, ...child, ...budget })],
    staticSummary: `q${n}: ${planned.question}`.slice(0, 200),
    // If the parent goes away, the children are asked to stop too (and cancel their responses).
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
  };
}

/** The cited report from every finding, in question order. */
async function synthesise(
  run: Run,
  settings: ResearchSettings,
  policy: Partial<BackgroundResponsePolicy> | undefined,
): Promise<ResearchResult> {
  const { state } = run;
  run.setPhase('synthesizing');
  const findings = state.findingsInOrder();
  const report = await researchActivities('synthesize', policy).writeReport(
    reportInput(settings, findings, state.stoppedBy, state.reportBudget()),
  );
  if (report.step) state.account(report.step);
  run.setPhase('completed');
  // Let a finishEarly update that raced with the end return its answer before the run closes.
  await condition(() => true);
  return state.result(report, Date.now());
}

/** The innermost cause's message: a child failure wraps an activity failure wraps the provider's error. */
function rootMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  return current?.message ?? String(error);
}
