import {
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { toolActivityOptions, type BackgroundResponsePolicy } from '../src/policies';
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
    if (!max) return;
    const tokens = usage.inputTokens + usage.outputTokens;
    if (max.maxCostUsd !== undefined && costUsd + 3 * maxStepCostUsd > max.maxCostUsd) stop('budget');
    if (max.maxTokens !== undefined && tokens + 3 * maxStepTokens > max.maxTokens) stop('budget');
  };

  setHandler(questionUpdateSignal, (update) => {
    const q = questions.find((x) => x.n === update.n);
    if (q && q.status !== 'completed' && q.status !== 'failed') {
      Object.assign(q, { status: update.status, round: update.round, sources: update.sources });
    }
    if (update.step) account(update.step);
    checkBudget();
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

  // ---- 1. plan ----
  let planned: PlannedQuestion[] = [];
  let repair: { responseId: string; problem: string } | undefined;
  for (let attempt = 0; attempt <= MAX_PLAN_REPAIRS; attempt++) {
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
      ...(repair ? { repair } : {}),
    });
    account(result.step);
    if (result.plan) {
      planned = result.plan.questions;
      break;
    }
    repair = { responseId: result.step.responseId, problem: result.invalid ?? 'invalid plan' };
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
      checkBudget();
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
            },
          ],
          staticSummary: `q${n}: ${planned[index]!.question}`.slice(0, 200),
          // If the parent goes away, the children are asked to stop too (and cancel their responses).
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        });
        // A stop requested while the child was starting must still reach it.
        if (stoppedBy) child.signal(stopResearchSignal, { reason: stoppedBy }).catch(() => undefined);
        const finding = await child.result();
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
        showProgress();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.concurrency, planned.length) }, worker));

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
