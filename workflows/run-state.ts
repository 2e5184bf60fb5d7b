import { fits, type Allowance, type BudgetEstimates, type StepAllowance } from '../src/budget';
import { addUsage, emptyUsage, type Usage } from '../src/schemas/background-response';
import type { FinishEarlyResult, QuestionUpdate, ReportOutput } from '../src/schemas/boundary';
import type {
  Finding,
  PlannedQuestion,
  Progress,
  ResearchPhase,
  ResearchResult,
  ResearchSettings,
  StepOutcome,
  StoppedBy,
} from '../src/schemas/research';

type Amount = { usd: number; tokens: number };

/** What a running child holds of the budget: its slice, and what it has spent of it so far. */
interface HeldSlice {
  slice: Allowance;
  usd: number;
  tokens: number;
}

const zero: Amount = { usd: 0, tokens: 0 };

/**
 * One research run's state: its phase, what it has spent, its questions and their findings, the budget
 * (what may be spent, what running children hold, the report's reserve) and why research stopped.
 * Pure: no Temporal, no clock (callers pass the time); the workflow applies what it decides (search
 * attributes, the Web UI details, stop signals to children), and the handlers are one call each.
 */
export class ResearchRunState {
  phase: ResearchPhase = 'planning';
  usage: Usage = emptyUsage;
  costUsd = 0;
  stoppedBy: StoppedBy | undefined;
  readonly questions: Progress['questions'] = [];
  /** In question order once research has ended (see findingsInOrder); in order of completion before. */
  readonly findings: Finding[] = [];
  /** What may be spent; an absent dimension is unlimited. */
  readonly limit: Allowance;
  /** Budget reservations: every step and child gets an allowance (runs with a budget, after the patch). */
  reserving = false;
  estimates: BudgetEstimates | undefined;

  private maxStepCostUsd = 0;
  private maxStepTokens = 0;
  private readonly errors: string[] = [];
  /** Question number -> child workflow id, while the child runs. */
  private readonly running = new Map<number, string>();
  private readonly slices = new Map<number, HeldSlice>();
  /** A child stopped because its slice ran out: the run reports `stoppedBy: budget`. */
  private budgetCut = false;

  constructor(
    private readonly settings: Pick<ResearchSettings, 'question' | 'budget'>,
    /** The run's start, in epoch milliseconds. */
    private readonly startTime: number,
  ) {
    const budget = settings.budget;
    this.limit = {
      ...(budget?.maxCostUsd !== undefined ? { usd: budget.maxCostUsd } : {}),
      ...(budget?.maxTokens !== undefined ? { tokens: budget.maxTokens } : {}),
    };
  }

  /** Does the budget limit cost or tokens (a deadline alone reserves nothing)? */
  get budgeted(): boolean {
    return this.limit.usd !== undefined || this.limit.tokens !== undefined;
  }

  enter(phase: ResearchPhase): void {
    this.phase = phase;
  }

  /** A step's usage and cost, counted against the run. */
  account(step: StepOutcome): void {
    this.usage = addUsage(this.usage, step.usage);
    this.costUsd += step.costUsd;
    this.maxStepCostUsd = Math.max(this.maxStepCostUsd, step.costUsd);
    this.maxStepTokens = Math.max(this.maxStepTokens, tokensOf(step));
  }

  /**
   * Stops research (running children are to finish their current step and return what they have).
   * False when research had already stopped or is over: nothing changes, no child needs telling.
   */
  stop(reason: StoppedBy): boolean {
    if (this.stoppedBy || (this.phase !== 'planning' && this.phase !== 'researching')) return false;
    this.stoppedBy = reason;
    return true;
  }

  /** finishEarly's answer, once `stop('finish')` has been asked. */
  finishEarlyResult(): FinishEarlyResult {
    return { accepted: this.stoppedBy === 'finish', phase: this.phase };
  }

  /** The children to tell when research stops, in the order they started. */
  runningChildren(): string[] {
    return [...this.running.values()];
  }

  /**
   * Runs that do not reserve: would one more step (plus the report, which costs about twice the largest
   * step so far) break the budget? Asked before every new step, so a run stops with room for its report.
   * Runs that reserve never need this estimate: their allowances keep them inside the budget.
   */
  overBudget(): boolean {
    const max = this.settings.budget;
    if (!max || this.reserving) return false;
    const tokens = this.usage.inputTokens + this.usage.outputTokens;
    return (
      (max.maxCostUsd !== undefined && this.costUsd + 3 * this.maxStepCostUsd > max.maxCostUsd) ||
      (max.maxTokens !== undefined && tokens + 3 * this.maxStepTokens > max.maxTokens)
    );
  }

  /**
   * Budget reservations: what is left to hand out, keeping `reserve` (the report's) free. Spent, plus
   * what running children still hold of their slices, plus the reserve never passes the limit, so no
   * concurrency of children can spend more than the budget.
   */
  room(reserve: Amount = this.estimates?.reportReserve ?? zero): Allowance {
    let heldUsd = 0;
    let heldTokens = 0;
    for (const s of this.slices.values()) {
      heldUsd += Math.max(0, (s.slice.usd ?? 0) - s.usd);
      heldTokens += Math.max(0, (s.slice.tokens ?? 0) - s.tokens);
    }
    const tokens = this.usage.inputTokens + this.usage.outputTokens;
    return {
      ...(this.limit.usd !== undefined ? { usd: this.limit.usd - this.costUsd - heldUsd - reserve.usd } : {}),
      ...(this.limit.tokens !== undefined
        ? { tokens: this.limit.tokens - tokens - heldTokens - reserve.tokens }
        : {}),
    };
  }

  /**
   * The estimates to reserve with. Returns why the budget cannot pay for a plan, one question and a
   * report (money spent for nothing), or undefined when it can.
   */
  reserveWith(estimates: BudgetEstimates): string | undefined {
    this.estimates = estimates;
    const least = {
      usd: estimates.planMin.usd + estimates.questionMin.usd + estimates.reportReserve.usd,
      tokens: estimates.planMin.tokens + estimates.questionMin.tokens + estimates.reportReserve.tokens,
    };
    return fits(least, this.limit) ? undefined : budgetTooSmall(this.limit, least, estimates);
  }

  /** May a (first or repair) plan start: does its least fit what is left? */
  affordsPlan(): boolean {
    return !this.estimates || fits(this.estimates.planMin, this.room());
  }

  /** A plan step's allowance (all that is left but the report's reserve), when the run reserves. */
  planAllowance(priorTokens: number | undefined): StepAllowance | undefined {
    if (!this.estimates) return undefined;
    return { ...nonNegative(this.room()), ...(priorTokens !== undefined ? { priorTokens } : {}) };
  }

  /** The report's allowance when the run reserves: everything left, nothing else runs now. */
  reportBudget(): { allowance: Allowance; findingChars: number } | undefined {
    if (!this.estimates) return undefined;
    return { allowance: nonNegative(this.room(zero)), findingChars: this.estimates.reportFindingChars };
  }

  /** The planned questions, each pending. */
  planned(questions: PlannedQuestion[]): void {
    questions.forEach((p, i) =>
      this.questions.push({ n: i + 1, question: p.question, status: 'pending', round: 0, sources: 0 }),
    );
  }

  /**
   * Budgeted runs, before question `n` starts: `start` when research has stopped (it is skipped) or its
   * least (one search) fits what is left; `wait` while running questions may still give back; `exhausted`
   * when it does not fit and nothing runs that could give back.
   */
  admission(): 'start' | 'wait' | 'exhausted' {
    const need = this.estimates?.questionMin ?? zero;
    if (this.stoppedBy !== undefined || fits(need, this.room())) return 'start';
    return this.slices.size === 0 ? 'exhausted' : 'wait';
  }

  /** Budgeted runs: the slice question `n` may spend (as much as it takes naturally, at most what is left), held for it. */
  reserveQuestion(n: number): Allowance | undefined {
    if (!this.estimates || this.stoppedBy) return undefined;
    const natural = this.estimates.questionNatural;
    const free = this.room();
    const slice = {
      ...(free.usd !== undefined ? { usd: Math.min(natural.usd, free.usd) } : {}),
      ...(free.tokens !== undefined ? { tokens: Math.min(natural.tokens, free.tokens) } : {}),
    };
    this.slices.set(n, { slice, usd: 0, tokens: 0 });
    return slice;
  }

  /** Research stopped before question `n` started. */
  skipped(n: number): void {
    const q = this.question(n);
    q.status = 'skipped';
    this.findings.push(emptyFinding(n, q.question, 'skipped'));
  }

  started(n: number, childId: string): void {
    this.question(n).status = 'researching';
    this.running.set(n, childId);
  }

  /** What a child reported after one of its steps; the step's cost counts at once (and against its slice). */
  questionUpdate(update: QuestionUpdate): void {
    const q = this.questions.find((x) => x.n === update.n);
    if (q && q.status !== 'completed' && q.status !== 'failed') {
      Object.assign(q, { status: update.status, round: update.round, sources: update.sources });
    }
    if (update.step) {
      this.account(update.step);
      const held = this.slices.get(update.n);
      if (held) {
        held.usd += update.step.costUsd;
        held.tokens += tokensOf(update.step);
      }
    }
  }

  completed(n: number, finding: Finding): void {
    if (finding.stoppedBy === 'budget') this.budgetCut = true;
    this.findings.push(finding);
    Object.assign(this.question(n), {
      status: 'completed',
      round: finding.rounds,
      sources: finding.sources.length,
    });
  }

  failed(n: number, message: string): void {
    const q = this.question(n);
    q.status = 'failed';
    this.errors.push(`q${n}: ${message}`);
    this.findings.push(emptyFinding(n, q.question, 'failed', message));
  }

  /** Question `n`'s child has ended (however): it runs no more and holds no budget. */
  ended(n: number): void {
    this.running.delete(n);
    this.slices.delete(n);
  }

  /**
   * Every question has ended. A child stopped by its slice stops the run by budget (unless something
   * stopped it first). Returns why there is nothing to report when every question failed (and research
   * was not stopped), or undefined.
   */
  researchEnded(): string | undefined {
    if (this.budgetCut) this.stoppedBy ??= 'budget';
    if (this.stoppedBy || this.findings.some((f) => f.status === 'completed')) return undefined;
    return `Every research question failed, so there is nothing to report. ${this.errors.slice(0, 3).join(' | ')}`;
  }

  /** The findings in question order (sorted in place: the report and the result list them so). */
  findingsInOrder(): Finding[] {
    return this.findings.sort((a, b) => a.n - b.n);
  }

  /** The `progress` query's answer at `now` (epoch milliseconds). */
  progress(now: number): Progress {
    return {
      phase: this.phase,
      question: this.settings.question,
      questions: this.questions,
      usage: this.usage,
      costUsd: round6(this.costUsd),
      elapsedSeconds: Math.round((now - this.startTime) / 1000),
      ...(this.stoppedBy ? { stoppedBy: this.stoppedBy } : {}),
    };
  }

  /** The Web UI's current details: phase, cost, tokens, and a table of the questions. */
  details(): string {
    const rows = this.questions.map(
      (q) => `| ${q.n} | ${q.question.replace(/\|/g, '/')} | ${q.status} | ${q.round} | ${q.sources} |`,
    );
    return [
      `**${this.phase}** · $${this.costUsd.toFixed(4)} · ${this.usage.inputTokens + this.usage.outputTokens} tokens` +
        (this.stoppedBy ? ` · stopped by ${this.stoppedBy}` : ''),
      rows.length
        ? ['', '| # | question | status | round | sources |', '|---|---|---|---|---|', ...rows].join('\n')
        : '',
    ].join('\n');
  }

  /** The run's result, with the report and the time it finished (epoch milliseconds). */
  result(report: ReportOutput, finishedAt: number): ResearchResult {
    return {
      question: this.settings.question,
      markdown: report.markdown,
      sources: report.sources,
      questions: this.findings.map((f) => ({
        question: f.question,
        status: f.status,
        summary: f.summary,
        sources: f.sources,
        ...(f.refusedToolCalls ? { refusedToolCalls: f.refusedToolCalls } : {}),
      })),
      usage: this.usage,
      costUsd: round6(this.costUsd),
      startedAt: new Date(this.startTime).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      ...(this.stoppedBy ? { stoppedBy: this.stoppedBy } : {}),
      invalidCitationsRemoved: report.invalidCitationsRemoved,
      ...(report.simulated ? { simulated: true } : {}),
    };
  }

  private question(n: number): Progress['questions'][number] {
    const q = this.questions[n - 1];
    if (!q) throw new Error(`no question ${n}`);
    return q;
  }
}

function tokensOf(step: StepOutcome): number {
  return step.usage.inputTokens + step.usage.outputTokens;
}

function nonNegative(a: Allowance): Allowance {
  return {
    ...(a.usd !== undefined ? { usd: Math.max(0, a.usd) } : {}),
    ...(a.tokens !== undefined ? { tokens: Math.max(0, Math.floor(a.tokens)) } : {}),
  };
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
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

/** Why the budget cannot pay for a plan, one question and a report, what it would take, and what to change. */
function budgetTooSmall(limit: Allowance, least: Amount, e: BudgetEstimates): string {
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
