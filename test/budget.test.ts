import { budgetEstimates, limitsFor, STEP_LIMITS, stepCeiling } from '../src/budget';
import { costOfUsage, DEFAULT_PRICES } from '../src/pricing';

/** The arithmetic that keeps a budgeted step inside its allowance (src/budget.ts). */

const models = { planner: 'gpt-5.2', researcher: 'gpt-5.2', writer: 'gpt-5.2' };

test.each([0.02, 0.025, 0.035, 0.05, 0.2])(
  'a search with $%s: its worst case (all the output and searches it is allowed) fits, at most 3 searches',
  (usd) => {
    const limits = limitsFor(DEFAULT_PRICES, 'gpt-5.2', 'search', 400, { usd });
    expect(limits).toBeDefined();
    const worst = costOfUsage(DEFAULT_PRICES, 'gpt-5.2', {
      inputTokens: 400,
      cachedTokens: 0,
      outputTokens: limits!.maxOutputTokens,
      reasoningTokens: 0,
      webSearchCalls: limits!.maxToolCalls,
    }).usd;
    expect(worst).toBeLessThanOrEqual(usd);
    expect(limits!.ceiling.usd).toBeLessThanOrEqual(usd);
    expect(limits!.maxToolCalls).toBeGreaterThanOrEqual(1);
    expect(limits!.maxToolCalls).toBeLessThanOrEqual(3);
    expect(limits!.maxOutputTokens).toBeLessThanOrEqual(STEP_LIMITS.search.naturalOutput);
  },
);

test('a step whose minimum does not fit is refused, in dollars and in tokens', () => {
  expect(limitsFor(DEFAULT_PRICES, 'gpt-5.2', 'search', 400, { usd: 0.005 })).toBeUndefined();
  expect(limitsFor(DEFAULT_PRICES, 'gpt-5.2', 'report', 4_000, { tokens: 5_000 })).toBeUndefined();
  const byTokens = limitsFor(DEFAULT_PRICES, 'gpt-5.2', 'report', 4_000, { tokens: 7_000 });
  expect(byTokens!.maxOutputTokens).toBe(3_000);
  expect(byTokens!.ceiling.tokens).toBe(7_000);
});

test('an unlimited allowance gives the natural limits', () => {
  const limits = limitsFor(DEFAULT_PRICES, 'gpt-5.2', 'plan', 300, {});
  expect(limits).toMatchObject({ maxOutputTokens: STEP_LIMITS.plan.naturalOutput });
});

test('an unknown model is priced at the table’s highest rates, so its limits are the tightest', () => {
  const known = limitsFor(DEFAULT_PRICES, 'gpt-5-mini', 'search', 400, { usd: 0.2 });
  const unknown = limitsFor(DEFAULT_PRICES, 'brand-new-model', 'search', 400, { usd: 0.2 });
  expect(unknown!.maxOutputTokens).toBeLessThan(known!.maxOutputTokens);
  expect(
    stepCeiling(DEFAULT_PRICES, 'brand-new-model', 400, unknown!.maxOutputTokens, unknown!.maxToolCalls).usd,
  ).toBeLessThanOrEqual(0.2);
});

test('estimates grow with the questions and depth a run asks for', () => {
  const small = budgetEstimates(DEFAULT_PRICES, models, { maxQuestions: 2, depth: 0, planInputChars: 2_000 });
  const large = budgetEstimates(DEFAULT_PRICES, models, { maxQuestions: 8, depth: 2, planInputChars: 2_000 });
  expect(large.reportReserve.usd).toBeGreaterThan(small.reportReserve.usd);
  expect(large.questionNatural.usd).toBeGreaterThan(small.questionNatural.usd);
  expect(small.questionMin).toEqual(large.questionMin);
});
