import { fits, type Allowance, type StepAllowance } from '../src/budget';
import { mergeFinding } from '../src/findings';
import { addUsage, emptyUsage, type Usage } from '../src/schemas/background-response';
import type { QuestionUpdate, ResearchQuestionInput, ToolResult } from '../src/schemas/boundary';
import type { Finding, QuestionStatus, StepOutcome, StoppedBy } from '../src/schemas/research';

export type FindingParts = Pick<Finding, 'summary' | 'keyFacts' | 'sources'>;

export const emptyParts = (): FindingParts => ({ summary: '', keyFacts: [], sources: [] });

/**
 * One question's state while its child workflow researches it: what has been found, the round it is in,
 * what it has spent of its slice of the budget, and why it stopped. Pure: no Temporal; the workflow
 * sends the updates it returns to the parent.
 */
export class QuestionState {
  stoppedBy: StoppedBy | undefined;
  usage: Usage = emptyUsage;
  costUsd = 0;
  finding: FindingParts = emptyParts();
  /** 0 for the first search, then the follow-up round being researched. */
  round = 0;
  /** Follow-up rounds whose search completed. */
  followUpRounds = 0;
  refusedToolCalls = 0;
  /** A step was not started (or was refused) because the slice could not pay for it. */
  budgetStopped = false;

  constructor(private readonly input: Pick<ResearchQuestionInput, 'n' | 'planned' | 'allowance'>) {}

  /** The parent says stop: the first reason stands. */
  stop(reason: StoppedBy): void {
    this.stoppedBy ??= reason;
  }

  /** What is left of this question's slice (nothing limited without one). */
  left(): Allowance {
    const slice = this.input.allowance;
    const tokens = this.usage.inputTokens + this.usage.outputTokens;
    return {
      ...(slice?.usd !== undefined ? { usd: Math.max(0, slice.usd - this.costUsd) } : {}),
      ...(slice?.tokens !== undefined ? { tokens: Math.max(0, Math.floor(slice.tokens - tokens)) } : {}),
    };
  }

  /** May a step that needs at least `need` start? When not, the question stops by budget. */
  affords(need: { usd: number; tokens: number } | undefined): boolean {
    if (!this.input.allowance || !need) return true;
    if (fits(need, this.left())) return true;
    this.budgetStopped = true;
    return false;
  }

  /** The next step's allowance: all that is left of the slice (the step takes what it needs of it). */
  allowance(priorTokens?: number): { allowance?: StepAllowance } {
    return this.input.allowance
      ? { allowance: { ...this.left(), ...(priorTokens ? { priorTokens } : {}) } }
      : {};
  }

  /** A step's usage and cost, counted; returns what the parent is told. */
  account(status: QuestionStatus, step: StepOutcome): QuestionUpdate {
    this.usage = addUsage(this.usage, step.usage);
    this.costUsd += step.costUsd;
    return { n: this.input.n, status, round: this.round, sources: this.finding.sources.length, step };
  }

  /** What a search found, merged into the finding. */
  found(parts: FindingParts): void {
    this.finding = mergeFinding(this.finding, parts);
  }

  /** Tool calls that ran (or were refused because they named a tool outside the run's). */
  ranTools(results: ToolResult[]): void {
    this.refusedToolCalls += results.filter((r) => r.refused).length;
  }

  /** The activity refused a step the slice could not pay for (nothing was created). */
  refusedByBudget(): void {
    this.budgetStopped = true;
  }

  /** The child's result: the finding so far, however research ended. */
  result(): Finding {
    return {
      n: this.input.n,
      question: this.input.planned.question,
      status: 'completed',
      ...this.finding,
      rounds: this.followUpRounds,
      usage: this.usage,
      costUsd: this.costUsd,
      ...(this.stoppedBy
        ? { stoppedBy: this.stoppedBy }
        : this.budgetStopped
          ? { stoppedBy: 'budget' as const }
          : {}),
      ...(this.refusedToolCalls ? { refusedToolCalls: this.refusedToolCalls } : {}),
    };
  }
}

/** What tools returned is cited like web pages: each source, and its passage as a fact. */
export function toolFinding(results: ToolResult[]): FindingParts {
  return {
    summary: '',
    sources: results.flatMap((r) => r.sources.map(({ url, title, kind }) => ({ url, title, kind }))),
    keyFacts: results.flatMap((r) =>
      r.sources.flatMap((s) => (s.excerpt ? [{ text: s.excerpt, urls: [s.url] }] : [])),
    ),
  };
}
