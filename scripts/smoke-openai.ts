/**
 * `npm run smoke:openai [-- --max-cost 0.10] [--model gpt-5.4-mini]`: each Responses API feature the
 * project relies on, against the real API (or whatever OPENAI_BASE_URL names), through the project's own
 * activities and wire layer, at the smallest cost. Prints PASS / FAIL / SKIP per feature and what it
 * cost. Not part of CI: it spends real money (cents).
 *
 * The cap: every request the script sends passes one meter (the client's `fetch`). A create without
 * `max_output_tokens`, or with a built-in tool and no `max_tool_calls`, is refused before it is sent, and so
 * is one whose worst case could take the total past the cap. A request's worst case: its input (the
 * request body's UTF-8 bytes, at least its token count, plus what a previous response it continues
 * carried), every output token max_output_tokens allows (visible and reasoning), every built-in call
 * max_tool_calls allows at the per-call price, and SEARCH_CONTENT_TOKENS input tokens per search: that last
 * part is an estimate, as the provider bills the pages a search reads as input and nothing caps them.
 * Every response the meter sees finish is charged what its usage says, even when the feature fails after
 * it; one that never reports usage (cancelled, failed, or lost mid-poll: the meter cancels it) is charged
 * its worst case.
 */
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { parseArgs } from 'node:util';
import { runBackgroundResponse, type BackgroundResponseDeps } from '../activities/background-response';
import { createActivities } from '../activities';
import type { ResearchDeps } from '../activities/research';
import { ConfigError, loadWorkerSettings } from '../src/config';
import { createOpenAIClient } from '../src/openai/client';
import { OpenAIGateway, type ProviderGateway } from '../src/openai/gateway';
import { capabilitiesOf, DEFAULT_MODEL_CAPABILITIES, effortFor } from '../src/openai/models';
import { extractUsage, isTerminal, type WireResponse } from '../src/openai/wire';
import { costOfUsage, priceFor, type PriceTable } from '../src/pricing';
import type { BackgroundRequest, BackgroundResult } from '../src/schemas/background-response';
import { SourceRegistry } from '../src/tools/registry';

/** What one web search adds to the input, at most (search results are billed as input tokens). */
const SEARCH_CONTENT_TOKENS = 12_000;
/** Rounds of function outputs before the model must answer in words. */
const MAX_FUNCTION_ROUNDS = 3;

interface Outcome {
  feature: string;
  status: 'PASS' | 'FAIL' | 'SKIP';
  costUsd: number;
  detail: string;
}

interface Feature {
  name: string;
  /** Worst case: tokens in (prompt), tokens out (max_output_tokens summed), built-in searches. */
  worst: { inputTokens: number; outputTokens: number; searches: number };
  run: () => Promise<string>;
}

function usage(): never {
  console.error(
    'usage: npm run smoke:openai -- [--max-cost USD (default 0.10)] [--model ID (default gpt-5.4-mini)]',
  );
  process.exit(2);
}

/** The model's rates; an unpriced model: refuse to guess low, the highest rates in the table. */
function ratesOf(prices: PriceTable, model: string): { input: number; output: number } {
  return (
    priceFor(prices, model) ?? {
      input: Math.max(...Object.values(prices.models).map((p) => p.input)),
      output: Math.max(...Object.values(prices.models).map((p) => p.output)),
    }
  );
}

function worstCaseUsd(prices: PriceTable, model: string, worst: Feature['worst']): number {
  const rate = ratesOf(prices, model);
  const inputTokens = worst.inputTokens + worst.searches * SEARCH_CONTENT_TOKENS;
  return (
    (inputTokens * rate.input + worst.outputTokens * rate.output) / 1_000_000 +
    worst.searches * prices.webSearchPerCall
  );
}

/** Thrown by the meter instead of sending a request: why it was not sent. */
class RefusedByMeter extends Error {}

interface Metered {
  model: string;
  /** The request's worst case in USD, charged until the provider reports usage. */
  worstUsd: number;
  /** Input and output tokens it reported, for a response that continues it. */
  tokens?: number;
  /** What its usage says it cost, once it reported usage. */
  usd?: number;
  terminal: boolean;
}

type Json = Record<string, unknown>;

/**
 * Every /responses request of the script, through the OpenAI client's `fetch`: creates are refused unless
 * bounded and within the cap; every Response answer (create, poll, cancel) is recorded by id.
 */
class Meter {
  readonly responses = new Map<string, Metered>();
  /** Creates sent whose answer never came (a lost connection): charged their worst case. */
  private lostUsd = 0;
  refusal: string | undefined;

  constructor(
    private readonly prices: PriceTable,
    private readonly capUsd: number,
  ) {}

  /** What has been spent: reported usage, else the worst case of what did not report it. */
  spentUsd(): number {
    let usd = this.lostUsd;
    for (const r of this.responses.values()) usd += r.usd ?? r.worstUsd;
    return usd;
  }

  /** The part of spentUsd() that is a worst case, not reported usage. */
  boundUsd(): number {
    let usd = this.lostUsd;
    for (const r of this.responses.values()) if (r.usd === undefined) usd += r.worstUsd;
    return usd;
  }

  /** The worst case of a create body, or a refusal (unbounded, or past the cap). */
  private admit(body: Json): { model: string; worstUsd: number } {
    const model = String(body.model);
    const maxOutput = body.max_output_tokens;
    const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
    const builtIn = tools.filter((t) => t.type !== 'function');
    const maxCalls = body.max_tool_calls;
    const refuse = (why: string): never => {
      this.refusal = why;
      throw new RefusedByMeter(why);
    };
    if (typeof maxOutput !== 'number') refuse('refused to send a create without max_output_tokens');
    if (builtIn.length && typeof maxCalls !== 'number')
      refuse('refused to send a create with a built-in tool and no max_tool_calls');
    const calls = builtIn.length ? (maxCalls as number) : 0;
    const searches = builtIn.some((t) => t.type === 'web_search') ? calls : 0;
    let carried = 0;
    if (typeof body.previous_response_id === 'string') {
      const previous = this.responses.get(body.previous_response_id);
      if (previous?.tokens === undefined)
        refuse(`refused to continue ${body.previous_response_id}: its usage is not known`);
      carried = previous!.tokens!;
    }
    const rate = ratesOf(this.prices, model);
    const inputTokens =
      Buffer.byteLength(JSON.stringify(body), 'utf8') + carried + searches * SEARCH_CONTENT_TOKENS;
    const worstUsd =
      (inputTokens * rate.input + (maxOutput as number) * rate.output) / 1_000_000 +
      calls * this.prices.webSearchPerCall;
    const spent = this.spentUsd();
    if (spent + worstUsd > this.capUsd)
      refuse(
        `refused a create that could cost $${worstUsd.toFixed(4)}: over the $${this.capUsd} cap ` +
          `with $${spent.toFixed(4)} spent`,
      );
    return { model, worstUsd };
  }

  private observe(response: Json, created?: { model: string; worstUsd: number }): void {
    const id = response.id;
    if (typeof id !== 'string') return;
    const known = this.responses.get(id);
    const entry: Metered = known ?? {
      model: created?.model ?? String(response.model),
      worstUsd: created?.worstUsd ?? 0,
      terminal: false,
    };
    entry.terminal = isTerminal(response.status as string);
    const usage = response.usage as Json | null | undefined;
    if (entry.terminal && usage && typeof usage.input_tokens === 'number') {
      const reported = extractUsage(response as unknown as WireResponse);
      entry.usd = costOfUsage(this.prices, entry.model, reported).usd;
      entry.tokens = reported.inputTokens + reported.outputTokens;
    }
    this.responses.set(id, entry);
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const isCreate = (init?.method ?? 'GET') === 'POST' && /\/responses$/.test(url.pathname);
    const created = isCreate ? this.admit(JSON.parse(String(init?.body)) as Json) : undefined;
    let answer: Response;
    try {
      answer = await fetch(input, init);
    } catch (error) {
      // It may have been created and may run: charge it as if it ran to its worst case.
      if (created) this.lostUsd += created.worstUsd;
      throw error;
    }
    if (/\/responses(\/[^/]+(\/cancel)?)?$/.test(url.pathname)) {
      const body = (await answer
        .clone()
        .json()
        .catch(() => undefined)) as Json | undefined;
      if (body?.object === 'response') this.observe(body, created);
    }
    return answer;
  };

  /**
   * Responses of a feature that did not report their end (its activity failed mid-poll): look once more,
   * and cancel what still runs, so nothing goes on spending after the feature.
   */
  async settle(gateway: ProviderGateway): Promise<void> {
    for (const [id, r] of this.responses) {
      if (r.terminal) continue;
      try {
        const now = await gateway.retrieve(id, {});
        if (now.status === 'queued' || now.status === 'in_progress') await gateway.cancel(id);
      } catch {
        // Its worst case stays charged.
      }
    }
  }
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        'max-cost': { type: 'string', default: '0.10' },
        model: { type: 'string', default: 'gpt-5.4-mini' },
      },
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error((error as Error).message);
    usage();
  }
  const maxCost = Number(args['max-cost']);
  if (!Number.isFinite(maxCost) || maxCost <= 0 || maxCost > 5) {
    console.error(
      `--max-cost must be a number of US dollars above 0 and at most 5, not "${args['max-cost']}"`,
    );
    process.exit(2);
  }
  const model = args.model!;
  const cap = `$${maxCost >= 0.01 ? maxCost.toFixed(2) : String(maxCost)}`;
  if (!process.env.OPENAI_API_KEY) {
    console.error(
      'smoke:openai talks to the real OpenAI API and spends real money (at most --max-cost, default $0.10): ' +
        'set OPENAI_API_KEY to your key first, e.g. `OPENAI_API_KEY=sk-... npm run smoke:openai`.',
    );
    process.exit(2);
  }
  let settings;
  try {
    settings = loadWorkerSettings(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const meter = new Meter(settings.prices, maxCost);
  // The project's own client and gateway, every request through the meter.
  const gateway = new OpenAIGateway(createOpenAIClient(settings.openai).withOptions({ fetch: meter.fetch }));
  const quiet = new DefaultLogger('ERROR');
  const poll = { ...settings.poll, initialMs: Math.min(settings.poll.initialMs, 500) };
  const bg: BackgroundResponseDeps = { gateway, poll };
  const deps: ResearchDeps = {
    ...bg,
    models: { planner: model, researcher: model, writer: model },
    prices: settings.prices,
    simulated: false,
    sources: new SourceRegistry({ dir: process.cwd(), sources: {} }),
    ...(settings.modelCapabilities ? { modelCapabilities: settings.modelCapabilities } : {}),
  };
  // Little reasoning keeps each check cheap: `low`, or the nearest effort the model takes (none at all
  // for a model without reasoning), so --model can name any model in the table.
  const lowEffort = effortFor(
    capabilitiesOf(settings.modelCapabilities ?? DEFAULT_MODEL_CAPABILITIES, model),
    'low',
    ['web_search', 'function'],
  );
  const low = lowEffort ? { reasoningEffort: lowEffort } : {};
  const env = () =>
    new MockActivityEnvironment(
      { workflowExecution: { workflowId: 'smoke-openai', runId: 'smoke' } },
      { logger: quiet },
    );
  /** One activity in an activity context (heartbeats, cancellation), typed. */
  const inContext = <D, I, O>(
    fn: (d: D, input: I) => Promise<O>,
    d: D,
    input: I,
    context = env(),
  ): Promise<O> => context.run(fn, d, input) as Promise<O>;
  /** One research step's activity in an activity context, typed. */
  const { planResearch, searchWeb, writeReport } = createActivities(deps);
  const step = <I, O>(activity: (input: I) => Promise<O>, input: I): Promise<O> =>
    env().run(activity, input) as Promise<O>;
  const respond = (request: Omit<BackgroundRequest, 'model'>) =>
    env().run(runBackgroundResponse, bg, {
      model,
      modelSetting: '--model',
      ...request,
    }) as Promise<BackgroundResult>;

  const features: Feature[] = [
    {
      name: 'background create + poll to completed',
      worst: { inputTokens: 100, outputTokens: 300, searches: 0 },
      run: async () => {
        const r = await respond({
          step: 'smoke: background',
          input: 'Reply with the single word: ready',
          maxOutputTokens: 300,
          ...low,
        });
        // A model that writes more than asked stops at max_output_tokens: still a finished background run.
        const finished = r.status === 'completed' || r.incompleteReason === 'max_output_tokens';
        if (!finished || !r.outputText.trim())
          throw new Error(
            `status ${r.status} (${r.incompleteReason ?? 'no reason'}), text "${r.outputText.slice(0, 80)}"`,
          );
        return `${r.responseId} ${r.status} after ${r.timings.polls} poll(s): "${r.outputText.trim().slice(0, 40)}"`;
      },
    },
    {
      name: 'background cancel at the provider',
      worst: { inputTokens: 100, outputTokens: 2_000, searches: 0 },
      run: async () => {
        const a = env();
        let responseId: string | undefined;
        a.on('heartbeat', (details: { responseId?: string; polls?: number }) => {
          responseId ??= details.responseId;
          a.cancel('CANCELLED');
        });
        const outcome = await inContext(
          runBackgroundResponse,
          bg,
          {
            model,
            modelSetting: '--model',
            step: 'smoke: cancel',
            input: 'Write a 1500-word essay on the history of the printing press.',
            maxOutputTokens: 2_000,
            ...low,
          },
          a,
        ).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (!responseId) throw new Error(`no response was created: ${String(outcome)}`);
        const final = await gateway.retrieve(responseId, {});
        if (!(outcome instanceof CancelledFailure))
          throw new Error(`the activity did not end cancelled: ${String(outcome)}`);
        // Cancellation is best effort: a response that finished first is not an error of ours.
        if (final.status !== 'cancelled' && final.status !== 'completed')
          throw new Error(`response ${responseId} is ${final.status} after the cancel`);
        return `${responseId} is ${final.status} at the provider`;
      },
    },
    {
      name: 'web search with sources and citations',
      worst: { inputTokens: 300, outputTokens: 800, searches: 1 },
      run: async () => {
        const r = await respond({
          step: 'smoke: web search',
          input:
            'Search the web once: what is the latest stable version of Node.js? Answer in one sentence and cite the page.',
          tools: [{ type: 'web_search', searchContextSize: 'low' }],
          maxToolCalls: 1,
          maxOutputTokens: 800,
          ...low,
        });
        const urls = r.webSearches.flatMap((s) => s.sources);
        if (!r.webSearches.length) throw new Error('no web_search_call in the answer');
        if (!urls.length)
          throw new Error('the search returned no sources (include web_search_call.action.sources)');
        return `${r.webSearches.length} search(es), ${urls.length} source(s), ${r.citations.length} citation(s)`;
      },
    },
    {
      name: 'structured output with the real plan schema',
      worst: { inputTokens: 600, outputTokens: 1_500, searches: 0 },
      run: async () => {
        const out = await step(planResearch, {
          question: 'What limits the range of electric aircraft?',
          maxQuestions: 1,
          ...low,
          maxOutputTokens: 1_500,
        });
        if (!out.plan) throw new Error(`the plan did not validate: ${out.invalid}`);
        return `plan: "${out.plan.questions[0]!.question.slice(0, 60)}"`;
      },
    },
    {
      name: 'function call round trip (previous_response_id)',
      worst: {
        inputTokens: 800 * (1 + MAX_FUNCTION_ROUNDS),
        outputTokens: 400 * (1 + MAX_FUNCTION_ROUNDS),
        searches: 0,
      },
      run: async () => {
        const tool = {
          type: 'function' as const,
          name: 'get_code_word',
          description: 'Returns the code word the user asks for.',
          parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
          strict: true,
        };
        const first = await respond({
          step: 'smoke: function call',
          input: 'Call get_code_word, then tell me the code word it returned.',
          tools: [tool],
          maxOutputTokens: 400,
          ...low,
        });
        if (!first.functionCalls.length)
          throw new Error(`the model did not call the function: "${first.outputText.slice(0, 80)}"`);
        // Answer every call, through previous_response_id, until the model answers in words (as the
        // research loop does with private sources), a bounded number of rounds.
        let answer = first;
        let rounds = 0;
        while (answer.functionCalls.length && rounds < MAX_FUNCTION_ROUNDS) {
          rounds++;
          answer = await respond({
            step: 'smoke: function output',
            input: answer.functionCalls.map((c) => ({
              type: 'function_call_output' as const,
              callId: c.callId,
              output: 'PLUM-4821',
            })),
            previousResponseId: answer.responseId,
            tools: [tool],
            maxOutputTokens: 400,
            ...low,
          });
        }
        if (answer.status !== 'completed' || !answer.outputText.trim())
          throw new Error(
            `after ${rounds} function output round(s) the answer is ${answer.status}, ` +
              `${answer.functionCalls.length} call(s) still pending, text "${answer.outputText.slice(0, 80)}"`,
          );
        const call = first.functionCalls[0]!;
        return `called ${call.name}, ${rounds} output round(s); the answer ${answer.outputText.includes('PLUM-4821') ? 'quotes' : 'does not quote'} the output`;
      },
    },
    {
      name: 'one-question research (plan, search, cited report)',
      worst: { inputTokens: 6_000, outputTokens: 1_500 + 1_500 + 2_500, searches: 1 },
      run: async () => {
        const question = 'When was the Raft consensus algorithm first published?';
        const planned = await step(planResearch, {
          question,
          maxQuestions: 1,
          ...low,
          maxOutputTokens: 1_500,
        });
        const q = planned.plan?.questions[0];
        if (!q) throw new Error(`no plan: ${planned.invalid}`);
        const found = await step(searchWeb, {
          overallQuestion: question,
          question: q.question,
          queries: q.searchHints.slice(0, 1),
          round: 0,
          searchContextSize: 'low',
          ...low,
          maxOutputTokens: 1_500,
          maxToolCalls: 1,
        });
        if (!found.sources.length) throw new Error('the search found no sources');
        const report = await step(writeReport, {
          question,
          ...low,
          maxOutputTokens: 2_500,
          findings: [
            {
              n: 1,
              question: q.question,
              status: 'completed',
              summary: found.summary,
              keyFacts: found.keyFacts,
              sources: found.sources,
              rounds: 1,
              usage: found.step.usage,
              costUsd: 0,
            },
          ],
        });
        if (!report.markdown.trim()) throw new Error('empty report');
        return `${found.sources.length} source(s) found, ${report.sources.length} cited in the report`;
      },
    },
  ];

  console.log(
    `smoke:openai against ${settings.openai.baseURL} with ${model}, cap ${cap} ` +
      `(prices as of ${settings.prices.asOf})`,
  );
  const outcomes: Outcome[] = [];
  for (const feature of features) {
    const worst = worstCaseUsd(settings.prices, model, feature.worst);
    const before = meter.spentUsd();
    const boundBefore = meter.boundUsd();
    if (before + worst > maxCost) {
      outcomes.push({
        feature: feature.name,
        status: 'SKIP',
        costUsd: 0,
        detail: `could cost up to $${worst.toFixed(4)}: over the ${cap} cap with $${before.toFixed(4)} spent`,
      });
    } else {
      meter.refusal = undefined;
      let status: Outcome['status'] = 'PASS';
      let detail: string;
      try {
        detail = await feature.run();
      } catch (error) {
        status = 'FAIL';
        detail = error instanceof Error ? error.message : String(error);
        // The meter's own reason is clearer than the client's "Connection error." it turns into.
        if (meter.refusal) detail = `${meter.refusal} (${detail})`;
      }
      // Whatever the outcome, nothing of this feature goes on running, and all it cost is counted.
      await meter.settle(gateway);
      const costUsd = meter.spentUsd() - before;
      const boundUsd = meter.boundUsd() - boundBefore;
      if (boundUsd > 0)
        detail += `; $${boundUsd.toFixed(4)} of the cost is a worst case (usage not reported)`;
      outcomes.push({ feature: feature.name, status, costUsd, detail });
    }
    const o = outcomes.at(-1)!;
    const detail = o.detail.replace(/\s+/g, ' ').slice(0, 300);
    console.log(`${o.status.padEnd(4)}  $${o.costUsd.toFixed(4)}  ${o.feature}: ${detail}`);
  }
  const spent = meter.spentUsd();
  const bound = meter.boundUsd();
  const failed = outcomes.filter((o) => o.status !== 'PASS');
  console.log(
    `${outcomes.length - failed.length}/${outcomes.length} passed, total $${spent.toFixed(4)} of the ${cap} cap` +
      (bound > 0 ? ` ($${bound.toFixed(4)} of it a worst case)` : ''),
  );
  process.exit(failed.length ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
