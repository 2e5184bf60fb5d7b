import { z } from 'zod';
import { costOfUsage, priceFor, type ModelPrice, type PriceTable } from './pricing';

/**
 * How a budgeted run keeps every step inside what it may spend. Pure (no I/O): the workflow reserves
 * amounts, the activities turn an amount into hard request limits (`max_output_tokens`, `max_tool_calls`)
 * and refuse a step that cannot fit before anything is created.
 *
 * A step's cost is input tokens (estimated from the prompt before the create: 3 characters a token, more
 * than the ~4 of English text, so the estimate errs high) plus output tokens (reasoning included, capped by
 * `max_output_tokens`) plus web search calls (capped by `max_tool_calls`).
 */

/** USD and/or tokens a step (or a child, or the report) may spend; an absent dimension is unlimited. */
export const allowanceSchema = z.strictObject({
  usd: z.number().nonnegative().optional(),
  tokens: z.number().nonnegative().optional(),
});
/** What a step is handed: its allowance, and the tokens of the response it continues (billed as input). */
export type StepAllowance = Allowance & { priorTokens?: number };
export type Allowance = z.infer<typeof allowanceSchema>;

export type BudgetedStep = 'plan' | 'search' | 'followUp' | 'report';

/**
 * Per kind of step: the output it is given when money is ample (`naturalOutput`), the least it may be
 * given and still be useful (`minOutput`), and web searches (natural, and at least). Observed on the
 * simulator with default reasoning: a plan ~1100 output tokens, a search ~700 and 3 searches, a follow-up
 * ~200, a report of four questions ~2500.
 */
export const STEP_LIMITS: Record<
  BudgetedStep,
  { naturalOutput: number; minOutput: number; naturalCalls: number; minCalls: number; inputChars: number }
> = {
  plan: { naturalOutput: 2_500, minOutput: 1_500, naturalCalls: 0, minCalls: 0, inputChars: 2_000 },
  search: { naturalOutput: 1_500, minOutput: 600, naturalCalls: 3, minCalls: 1, inputChars: 4_000 },
  followUp: { naturalOutput: 800, minOutput: 300, naturalCalls: 0, minCalls: 0, inputChars: 8_000 },
  report: { naturalOutput: 6_000, minOutput: 1_500, naturalCalls: 0, minCalls: 0, inputChars: 0 },
};

/** The report's findings are cut to this many characters per question when the run has a budget. */
export const BUDGETED_FINDING_CHARS = 3_000;
/** The report prompt besides the findings: instructions, and the numbered sources of one question. */
const REPORT_OVERHEAD_CHARS = 2_000;
const REPORT_SOURCES_CHARS_PER_QUESTION = 1_500;

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 3);
}

/** A model's price, or the table's highest rates for an unknown model (as costOfUsage does). */
function priceOf(prices: PriceTable, model: string): ModelPrice {
  const known = priceFor(prices, model);
  if (known) return known;
  const all = Object.values(prices.models);
  const max = (pick: (p: ModelPrice) => number) => Math.max(0, ...all.map(pick));
  return { input: max((p) => p.input), cachedInput: max((p) => p.cachedInput), output: max((p) => p.output) };
}

/** What a step costs at most with these limits. */
export function stepCeiling(
  prices: PriceTable,
  model: string,
  inputTokens: number,
  maxOutputTokens: number,
  maxToolCalls: number,
): Required<Allowance> {
  const usd = costOfUsage(prices, model, {
    inputTokens,
    cachedTokens: 0,
    outputTokens: maxOutputTokens,
    reasoningTokens: 0,
    webSearchCalls: maxToolCalls,
  }).usd;
  // costOfUsage rounds to 1e-6 USD; round the ceiling up instead so it never understates.
  return { usd: usd + 1e-6, tokens: inputTokens + maxOutputTokens };
}

export interface StepLimits {
  maxOutputTokens: number;
  /** Web searches allowed; only meaningful for steps that search. */
  maxToolCalls: number;
  ceiling: Required<Allowance>;
}

/**
 * The largest limits (up to the step's natural ones) whose ceiling fits `allowance`, or undefined when
 * not even the step's minimum fits. Searches are given up before output: output is what the step is for.
 */
export function limitsFor(
  prices: PriceTable,
  model: string,
  kind: BudgetedStep,
  inputTokens: number,
  allowance: Allowance,
): StepLimits | undefined {
  const limits = STEP_LIMITS[kind];
  const price = priceOf(prices, model);
  const perCall = prices.webSearchPerCall;
  const inputUsd = (inputTokens * price.input) / 1_000_000;
  const outUsd = price.output / 1_000_000;
  const usdLeft = allowance.usd === undefined ? Infinity : allowance.usd - inputUsd - 2e-6;
  const tokensLeft = allowance.tokens === undefined ? Infinity : allowance.tokens - inputTokens;

  let calls = limits.naturalCalls;
  while (calls > limits.minCalls && calls * perCall + limits.minOutput * outUsd > usdLeft) calls--;
  const byUsd = outUsd > 0 ? Math.floor((usdLeft - calls * perCall) / outUsd) : Infinity;
  const output = Math.min(limits.naturalOutput, byUsd, Math.floor(tokensLeft));
  if (!(output >= limits.minOutput) || calls * perCall > usdLeft) return undefined;
  return {
    maxOutputTokens: output,
    maxToolCalls: calls,
    ceiling: stepCeiling(prices, model, inputTokens, output, calls),
  };
}

/** The least a step of this kind needs (its minimum limits), with an estimated prompt. */
function minimumOf(prices: PriceTable, model: string, kind: BudgetedStep, inputChars: number) {
  const l = STEP_LIMITS[kind];
  return stepCeiling(prices, model, estimateTokens(inputChars), l.minOutput, l.minCalls);
}

function naturalOf(prices: PriceTable, model: string, kind: BudgetedStep, inputChars: number) {
  const l = STEP_LIMITS[kind];
  return stepCeiling(prices, model, estimateTokens(inputChars), l.naturalOutput, l.naturalCalls);
}

export const budgetEstimatesSchema = z.strictObject({
  /** The least a plan needs, and what it takes when money is ample. */
  planMin: allowanceSchema.required(),
  /** Kept free for the report from the start: its minimum output with findings cut to `reportFindingChars`. */
  reportReserve: allowanceSchema.required(),
  /** The least a question needs to be researched at all (one search). */
  questionMin: allowanceSchema.required(),
  /** What one question takes when money is ample: a search, then per round a follow-up and a search. */
  questionNatural: allowanceSchema.required(),
  /** The least a follow-up round needs (a follow-up and a search). */
  roundMin: allowanceSchema.required(),
  /** Characters of findings per question the report prompt gets. */
  reportFindingChars: z.number().int().positive(),
  models: z.strictObject({ planner: z.string(), researcher: z.string(), writer: z.string() }),
});
export type BudgetEstimates = z.infer<typeof budgetEstimatesSchema>;

const add = (...xs: Array<Required<Allowance>>): Required<Allowance> => ({
  usd: xs.reduce((a, x) => a + x.usd, 0),
  tokens: xs.reduce((a, x) => a + x.tokens, 0),
});

/** Estimates a budgeted run reserves with, from the worker's price table and the run's models. */
export function budgetEstimates(
  prices: PriceTable,
  models: BudgetEstimates['models'],
  opts: { maxQuestions: number; depth: number; planInputChars: number },
): BudgetEstimates {
  const search = minimumOf(prices, models.researcher, 'search', STEP_LIMITS.search.inputChars);
  const followUp = minimumOf(prices, models.researcher, 'followUp', STEP_LIMITS.followUp.inputChars);
  const naturalSearch = naturalOf(prices, models.researcher, 'search', STEP_LIMITS.search.inputChars);
  const naturalFollowUp = naturalOf(prices, models.researcher, 'followUp', STEP_LIMITS.followUp.inputChars);
  const reportChars =
    REPORT_OVERHEAD_CHARS + opts.maxQuestions * (BUDGETED_FINDING_CHARS + REPORT_SOURCES_CHARS_PER_QUESTION);
  return {
    planMin: minimumOf(prices, models.planner, 'plan', opts.planInputChars),
    reportReserve: minimumOf(prices, models.writer, 'report', reportChars),
    questionMin: search,
    questionNatural: add(
      naturalSearch,
      ...Array.from({ length: opts.depth }, () => naturalFollowUp),
      ...Array.from({ length: opts.depth }, () => naturalSearch),
    ),
    roundMin: add(followUp, search),
    reportFindingChars: BUDGETED_FINDING_CHARS,
    models,
  };
}

/** Does `need` fit in `room` in every dimension the budget limits? */
export function fits(need: Required<Allowance>, room: Allowance): boolean {
  return (
    (room.usd === undefined || need.usd <= room.usd) &&
    (room.tokens === undefined || need.tokens <= room.tokens)
  );
}
