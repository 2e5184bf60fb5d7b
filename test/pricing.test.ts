import {
  DEFAULT_PRICES,
  costOfUsage,
  mergePrices,
  parsePriceOverride,
  priceFor,
  priceTableSchema,
  type PriceTable,
} from '../src/pricing';
import type { Usage } from '../src/schemas/background-response';
import { DEFAULT_MODEL_CAPABILITIES } from '../src/openai/models';

/** Cost from usage, checked against figures computed by hand. */

const usage = (u: Partial<Usage>): Usage => ({
  inputTokens: 0,
  cachedTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  webSearchCalls: 0,
  ...u,
});

describe('DEFAULT_PRICES', () => {
  it('is dated and valid against its own schema', () => {
    expect(DEFAULT_PRICES.asOf).toBe('2026-12-02');
    expect(priceTableSchema.parse(DEFAULT_PRICES)).toEqual(DEFAULT_PRICES);
  });

  it('has the documented prices', () => {
    expect(DEFAULT_PRICES.models['gpt-5.2']).toEqual({ input: 1.75, cachedInput: 0.175, output: 14 });
    expect(DEFAULT_PRICES.models['gpt-5']).toEqual({ input: 1.25, cachedInput: 0.125, output: 10 });
    expect(DEFAULT_PRICES.models['gpt-5.1']).toEqual(DEFAULT_PRICES.models['gpt-5']);
    expect(DEFAULT_PRICES.models['gpt-5-mini']).toEqual({ input: 0.25, cachedInput: 0.025, output: 2 });
    expect(DEFAULT_PRICES.models['gpt-5-nano']).toEqual({ input: 0.05, cachedInput: 0.005, output: 0.4 });
    expect(DEFAULT_PRICES.models['o3']).toEqual({ input: 2, cachedInput: 0.5, output: 8 });
    expect(DEFAULT_PRICES.models['o4-mini']).toEqual({ input: 1.1, cachedInput: 0.275, output: 4.4 });
    expect(DEFAULT_PRICES.models['gpt-4.1']).toEqual({ input: 2, cachedInput: 0.5, output: 8 });
    expect(DEFAULT_PRICES.models['gpt-4.1-mini']).toEqual({ input: 0.4, cachedInput: 0.1, output: 1.6 });
    expect(DEFAULT_PRICES.models['o4-mini-deep-research']).toEqual({ input: 2, cachedInput: 0.5, output: 8 });
    expect(DEFAULT_PRICES.models['o3-deep-research']).toEqual({ input: 10, cachedInput: 2.5, output: 40 });
    expect(DEFAULT_PRICES.webSearchPerCall).toBe(0.01);
  });

  it('has the current gpt-5.4 / gpt-5.5 families and keeps the older models', () => {
    expect(DEFAULT_PRICES.models['gpt-5.5']).toEqual({ input: 5, cachedInput: 0.5, output: 30 });
    expect(DEFAULT_PRICES.models['gpt-5.5-pro']).toEqual({ input: 30, cachedInput: 30, output: 180 });
    expect(DEFAULT_PRICES.models['gpt-5.4']).toEqual({ input: 2.5, cachedInput: 0.25, output: 15 });
    expect(DEFAULT_PRICES.models['gpt-5.4-mini']).toEqual({ input: 0.75, cachedInput: 0.075, output: 4.5 });
    expect(DEFAULT_PRICES.models['gpt-5.4-nano']).toEqual({ input: 0.2, cachedInput: 0.02, output: 1.25 });
    expect(DEFAULT_PRICES.models['gpt-5.4-pro']).toEqual({ input: 30, cachedInput: 30, output: 180 });
    // A dated snapshot as the API answers it costs what its model costs.
    expect(priceFor(DEFAULT_PRICES, 'gpt-5.4-mini-2026-03-17')).toEqual(
      DEFAULT_PRICES.models['gpt-5.4-mini'],
    );
    expect(priceFor(DEFAULT_PRICES, 'gpt-5.5-2026-04-23')).toEqual(DEFAULT_PRICES.models['gpt-5.5']);
  });
});

describe('the gpt-5.6 family (recorded: gpt-5.6 answers as gpt-5.6-sol), which has no public price', () => {
  const family = ['gpt-5.6', 'gpt-5.6-sol', 'gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.6-cyber'];
  const dearest = (pick: (p: { input: number; cachedInput: number; output: number }) => number) =>
    Math.max(...Object.values(DEFAULT_PRICES.models).map(pick));

  it('is priced as the dearest model in the table, so a budget can only overestimate it', () => {
    for (const model of family) {
      expect([model, DEFAULT_PRICES.models[model]]).toEqual([
        model,
        {
          input: dearest((p) => p.input),
          cachedInput: dearest((p) => p.cachedInput),
          output: dearest((p) => p.output),
        },
      ]);
      const usage = {
        inputTokens: 1000,
        cachedTokens: 0,
        outputTokens: 1000,
        reasoningTokens: 0,
        webSearchCalls: 0,
      };
      expect(costOfUsage(DEFAULT_PRICES, model, usage)).toEqual({ usd: 0.21, priced: true });
    }
  });

  it('covers every gpt-5.6 model of the capability table', () => {
    const inTable = Object.keys(DEFAULT_MODEL_CAPABILITIES).filter((m) => m.startsWith('gpt-5.6'));
    expect(inTable.sort()).toEqual([...family].sort());
  });
});

describe('priceFor', () => {
  it('finds exact ids', () => {
    expect(priceFor(DEFAULT_PRICES, 'gpt-5-mini')?.input).toBe(0.25);
    expect(priceFor(DEFAULT_PRICES, ' o3 ')?.input).toBe(2);
  });

  it('prices a dated snapshot as its base model, preferring the longest matching id', () => {
    expect(priceFor(DEFAULT_PRICES, 'gpt-5.2-2025-12-11')).toBe(DEFAULT_PRICES.models['gpt-5.2']);
    expect(priceFor(DEFAULT_PRICES, 'gpt-5-mini-2025-08-07')).toBe(DEFAULT_PRICES.models['gpt-5-mini']);
    expect(priceFor(DEFAULT_PRICES, 'gpt-5-2025-08-07')).toBe(DEFAULT_PRICES.models['gpt-5']);
    expect(priceFor(DEFAULT_PRICES, 'o4-mini-deep-research-2025-06-26')).toBe(
      DEFAULT_PRICES.models['o4-mini-deep-research'],
    );
    expect(priceFor(DEFAULT_PRICES, 'o3-2025-04-16')).toBe(DEFAULT_PRICES.models['o3']);
  });

  it('needs a dash after the prefix and never matches inherited keys', () => {
    expect(priceFor(DEFAULT_PRICES, 'gpt-5.25')).toBeUndefined();
    expect(priceFor(DEFAULT_PRICES, 'o3x')).toBeUndefined();
    expect(priceFor(DEFAULT_PRICES, 'claude-opus')).toBeUndefined();
    expect(priceFor(DEFAULT_PRICES, 'constructor')).toBeUndefined();
    expect(priceFor(DEFAULT_PRICES, 'toString-1')).toBeUndefined();
  });
});

describe('costOfUsage', () => {
  it('bills cached input at the cached rate, the rest at the input rate, and web searches per call', () => {
    // 60k x 1.75 + 40k x 0.175 + 20k x 14 per 1M = 0.105 + 0.007 + 0.28; 3 searches = 0.03.
    const u = usage({
      inputTokens: 100_000,
      cachedTokens: 40_000,
      outputTokens: 20_000,
      reasoningTokens: 15_000,
      webSearchCalls: 3,
    });
    expect(costOfUsage(DEFAULT_PRICES, 'gpt-5.2', u)).toEqual({ usd: 0.422, priced: true });
  });

  it('does not bill reasoning tokens twice (they are part of the output)', () => {
    const withReasoning = usage({ outputTokens: 1_000_000, reasoningTokens: 900_000 });
    expect(costOfUsage(DEFAULT_PRICES, 'gpt-5', withReasoning).usd).toBe(10);
  });

  it('prices snapshots like their base model', () => {
    // 1M x 0.25 + 1M x 2.
    const u = usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
    expect(costOfUsage(DEFAULT_PRICES, 'gpt-5-mini-2025-08-07', u)).toEqual({ usd: 2.25, priced: true });
    // 10k x 2 + 5k x 8 per 1M = 0.02 + 0.04; 10 searches = 0.1.
    const dr = usage({ inputTokens: 10_000, outputTokens: 5_000, webSearchCalls: 10 });
    expect(costOfUsage(DEFAULT_PRICES, 'o4-mini-deep-research-2025-06-26', dr).usd).toBe(0.16);
  });

  it('estimates an unknown model at the highest rates in the table and says it is unpriced', () => {
    // Highest: input 30, cached 30, output 180 (the pro models): 0.5M x 30 + 0.5M x 30 + 0.1M x 180.
    const u = usage({ inputTokens: 1_000_000, cachedTokens: 500_000, outputTokens: 100_000 });
    expect(costOfUsage(DEFAULT_PRICES, 'some-new-model', u)).toEqual({ usd: 48, priced: false });
  });

  it('takes each highest rate separately, and costs nothing but searches with no models at all', () => {
    const table: PriceTable = {
      asOf: '2026-01-01',
      models: { a: { input: 5, cachedInput: 1, output: 1 }, b: { input: 1, cachedInput: 0.1, output: 20 } },
      webSearchPerCall: 0.025,
    };
    // 1M x 5 + 1M x 20.
    const u = usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
    expect(costOfUsage(table, 'c', u)).toEqual({ usd: 25, priced: false });
    const empty: PriceTable = { ...table, models: {} };
    expect(costOfUsage(empty, 'c', usage({ inputTokens: 5, webSearchCalls: 2 }))).toEqual({
      usd: 0.05,
      priced: false,
    });
  });

  it('rounds to 6 decimals', () => {
    // 123,457 x 0.40 / 1M = 0.0493828.
    expect(costOfUsage(DEFAULT_PRICES, 'gpt-5-nano', usage({ outputTokens: 123_457 })).usd).toBe(0.049383);
    expect(costOfUsage(DEFAULT_PRICES, 'gpt-5-nano', usage({ inputTokens: 1 })).usd).toBe(0);
  });

  it('never counts more cached tokens than input tokens', () => {
    // Clamped to 1,000 cached tokens: 1,000 x 0.5 / 1M.
    const u = usage({ inputTokens: 1_000, cachedTokens: 5_000 });
    expect(costOfUsage(DEFAULT_PRICES, 'o3', u).usd).toBe(0.0005);
  });

  it('is zero for empty usage', () => {
    expect(costOfUsage(DEFAULT_PRICES, 'gpt-5.2', usage({}))).toEqual({ usd: 0, priced: true });
  });
});

describe('price tables from users', () => {
  it('merges model entries, date and web search price over the defaults', () => {
    const merged = mergePrices(DEFAULT_PRICES, {
      asOf: '2027-01-15',
      models: { 'gpt-5.2': { input: 2, cachedInput: 0.2, output: 16 }, 'my-model': { input: 1, output: 3 } },
      webSearchPerCall: 0.025,
    });
    expect(merged.asOf).toBe('2027-01-15');
    expect(merged.webSearchPerCall).toBe(0.025);
    expect(merged.models['gpt-5.2']).toEqual({ input: 2, cachedInput: 0.2, output: 16 });
    // Without a cached price, cached input costs as much as input: never an underestimate.
    expect(merged.models['my-model']).toEqual({ input: 1, cachedInput: 1, output: 3 });
    expect(merged.models['o3']).toEqual(DEFAULT_PRICES.models['o3']);
    expect(DEFAULT_PRICES.models['gpt-5.2']?.input).toBe(1.75);
  });

  it('keeps the base when the override is empty', () => {
    expect(mergePrices(DEFAULT_PRICES, {})).toEqual(DEFAULT_PRICES);
  });

  it('reports every bad field by its path', () => {
    const bad = {
      asOf: 'November',
      models: {
        'gpt-5.2': { input: -1, output: 'ten' },
        'bad id!': { input: 1, output: 1 },
        o3: { input: 1 },
      },
      webSearchPerCall: -0.01,
      currency: 'EUR',
    };
    let message = '';
    try {
      parsePriceOverride(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Invalid price table');
    expect(message).toContain('asOf: must be a date such as "2026-11-01"');
    expect(message).toContain('models.gpt-5.2.input: must be zero or more: USD per 1M tokens');
    expect(message).toContain('models.gpt-5.2.output: must be a number: USD per 1M tokens');
    expect(message).toContain('models.bad id!: is not a model id');
    expect(message).toContain('models.o3.output: must be a number');
    expect(message).toContain('webSearchPerCall: must be zero or more');
    expect(message).toContain('unknown field currency: remove it');
  });

  it('rejects unknown fields in a model entry (strict) and non-objects', () => {
    expect(() => parsePriceOverride({ models: { x: { input: 1, output: 1, cached: 1 } } })).toThrow(
      'unknown field cached in models.x: remove it',
    );
    expect(() => parsePriceOverride([])).toThrow(/Invalid price table/);
    expect(() => mergePrices(DEFAULT_PRICES, { webSearchPerCall: -1 })).toThrow(/webSearchPerCall/);
  });

  it('validates a complete table with the strict schema', () => {
    expect(priceTableSchema.safeParse({ asOf: '2026-11-01', models: {} }).success).toBe(false);
    expect(priceTableSchema.safeParse({ asOf: '2026-11-01', models: {}, webSearchPerCall: 0 }).success).toBe(
      true,
    );
  });
});
