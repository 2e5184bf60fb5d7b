import { z } from 'zod';
import type { Usage } from './schemas/background-response';
import { describeIssues } from './schemas/issues';

/**
 * What a run costs, from the usage the provider reports. Pure (no I/O): safe inside workflow code,
 * where the budget is enforced.
 */

const usdPerMillion = z
  .number({ error: 'must be a number: USD per 1M tokens' })
  .nonnegative('must be zero or more: USD per 1M tokens')
  .max(100_000, 'is implausibly high for USD per 1M tokens');

const modelPriceSchema = z
  .strictObject({
    input: usdPerMillion,
    /** Cached input tokens; defaults to the input price (no cache discount) when unknown. */
    cachedInput: usdPerMillion.optional(),
    output: usdPerMillion,
  })
  .transform((p) => ({ input: p.input, cachedInput: p.cachedInput ?? p.input, output: p.output }));

const modelIdKey = z.string().regex(/^[\w.:/-]{1,100}$/, 'must be a model id such as "gpt-5.2"');

const modelsSchema = z.record(modelIdKey, modelPriceSchema, {
  error: (issue) => (issue.code === 'invalid_key' ? 'is not a model id such as "gpt-5.2"' : undefined),
});

const asOfSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as "2026-11-01"');

const webSearchPerCallSchema = z
  .number({ error: 'must be a number: USD per web_search call' })
  .nonnegative('must be zero or more: USD per web_search call')
  .max(100, 'is implausibly high for USD per web_search call');

/** A complete price table. USD per 1M tokens for `input`, `cachedInput` and `output`. */
export const priceTableSchema = z.strictObject({
  /** The day these prices were read from the provider's price page. */
  asOf: asOfSchema,
  models: modelsSchema,
  /** USD per web_search tool call. */
  webSearchPerCall: webSearchPerCallSchema,
});
export type PriceTable = z.infer<typeof priceTableSchema>;
export type ModelPrice = PriceTable['models'][string];

/** A user-supplied table (JSON) laid over the defaults: every field optional, each model entry whole. */
export const priceOverrideSchema = priceTableSchema.partial();
export type PriceOverride = z.input<typeof priceOverrideSchema>;
type ParsedPriceOverride = z.infer<typeof priceOverrideSchema>;

/**
 * OpenAI's public list prices (standard tier, context under 270K tokens), read on `asOf`. The gpt-5.4 /
 * gpt-5.5 families are the current ones; older models stay so runs on them (and their histories) are
 * still priced. Pro models have no cached-input discount.
 */
export const DEFAULT_PRICES: PriceTable = {
  asOf: '2026-12-02',
  models: {
    // No public price for the gpt-5.6 family: the spec, the shared docs and the recordings (whose `billing`
    // names only the payer) carry none. Priced as the dearest model here (gpt-5.5-pro), so a budget can
    // only overestimate them; set the real rates with DEEP_RESEARCH_PRICES_FILE once OpenAI publishes them.
    'gpt-5.6': { input: 30.0, cachedInput: 30.0, output: 180.0 },
    'gpt-5.6-sol': { input: 30.0, cachedInput: 30.0, output: 180.0 },
    'gpt-5.6-terra': { input: 30.0, cachedInput: 30.0, output: 180.0 },
    'gpt-5.6-luna': { input: 30.0, cachedInput: 30.0, output: 180.0 },
    'gpt-5.6-cyber': { input: 30.0, cachedInput: 30.0, output: 180.0 },
    'gpt-5.5': { input: 5.0, cachedInput: 0.5, output: 30.0 },
    'gpt-5.5-pro': { input: 30.0, cachedInput: 30.0, output: 180.0 },
    'gpt-5.4': { input: 2.5, cachedInput: 0.25, output: 15.0 },
    'gpt-5.4-mini': { input: 0.75, cachedInput: 0.075, output: 4.5 },
    'gpt-5.4-nano': { input: 0.2, cachedInput: 0.02, output: 1.25 },
    // Not in the spec's model list (so not in the capability table), but on OpenAI's price page.
    'gpt-5.4-pro': { input: 30.0, cachedInput: 30.0, output: 180.0 },
    'gpt-5.2': { input: 1.75, cachedInput: 0.175, output: 14.0 },
    'gpt-5.2-pro': { input: 21.0, cachedInput: 21.0, output: 168.0 },
    'gpt-5.1': { input: 1.25, cachedInput: 0.125, output: 10.0 },
    'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10.0 },
    'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2.0 },
    'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4 },
    'gpt-5-pro': { input: 15.0, cachedInput: 15.0, output: 120.0 },
    o3: { input: 2.0, cachedInput: 0.5, output: 8.0 },
    'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
    'gpt-4.1': { input: 2.0, cachedInput: 0.5, output: 8.0 },
    'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
    'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
    'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10.0 },
    'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
    'o4-mini-deep-research': { input: 2.0, cachedInput: 0.5, output: 8.0 },
    'o3-deep-research': { input: 10.0, cachedInput: 2.5, output: 40.0 },
  },
  webSearchPerCall: 0.01,
};

/**
 * Validates a user-supplied price table, throwing one error that names every bad field, e.g.
 * `models.gpt-5.2.output: must be zero or more: USD per 1M tokens`.
 */
export function parsePriceOverride(value: unknown): ParsedPriceOverride {
  const result = priceOverrideSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new Error(`Invalid price table:\n- ${describeIssues(result.error).join('\n- ')}`);
}

/** The base table with the override's date, web search price and model entries (whole entries win). */
export function mergePrices(base: PriceTable, override: PriceOverride): PriceTable {
  const parsed = parsePriceOverride(override);
  return {
    asOf: parsed.asOf ?? base.asOf,
    models: { ...base.models, ...parsed.models },
    webSearchPerCall: parsed.webSearchPerCall ?? base.webSearchPerCall,
  };
}

function ownPrice(table: PriceTable, id: string): ModelPrice | undefined {
  return Object.hasOwn(table.models, id) ? table.models[id] : undefined;
}

/**
 * The price of a model: its exact id, else the longest table id it extends with `-` (a dated
 * snapshot such as `gpt-5.2-2025-12-11` costs what `gpt-5.2` costs; `gpt-5-mini-2025-08-07` is
 * `gpt-5-mini`, not `gpt-5`), else undefined.
 */
export function priceFor(table: PriceTable, model: string): ModelPrice | undefined {
  const id = model.trim();
  const exact = ownPrice(table, id);
  if (exact) return exact;
  const prefix = Object.keys(table.models)
    .filter((known) => id.startsWith(`${known}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : ownPrice(table, prefix);
}

/** For an unknown model: the highest rate of each kind in the table, so a budget errs on the safe side. */
function conservativePrice(table: PriceTable): ModelPrice {
  const prices = Object.values(table.models);
  const max = (pick: (p: ModelPrice) => number) => Math.max(0, ...prices.map(pick));
  return { input: max((p) => p.input), cachedInput: max((p) => p.cachedInput), output: max((p) => p.output) };
}

function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/**
 * USD for one usage record. Cached input tokens are part of the input count and billed at the cached
 * rate; reasoning tokens are already part of the output count, so they are not added again. Web searches
 * are the billed ones (`webSearchCalls`: the provider's own count, else `search` actions only; see
 * `billedWebSearches` in src/openai/wire.ts), each at `webSearchPerCall`.
 * `priced` is false when the model is not in the table and a conservative estimate was used.
 */
export function costOfUsage(
  table: PriceTable,
  model: string,
  usage: Usage,
): { usd: number; priced: boolean } {
  const known = priceFor(table, model);
  const price = known ?? conservativePrice(table);
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const tokensUsd =
    ((usage.inputTokens - cached) * price.input +
      cached * price.cachedInput +
      usage.outputTokens * price.output) /
    1_000_000;
  return {
    usd: roundUsd(tokensUsd + usage.webSearchCalls * table.webSearchPerCall),
    priced: known !== undefined,
  };
}
