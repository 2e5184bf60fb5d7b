/**
 * `npm run smoke:openai [-- --max-cost 0.10] [--model gpt-5.4-mini]`: each Responses API feature the
 * project relies on, against the real API (or whatever OPENAI_BASE_URL names), through the project's own
 * activities and wire layer, at the smallest cost. Prints PASS / FAIL / SKIP per feature and what it
 * cost. Not part of CI: it spends real money (cents).
 *
 * The cap is hard: before each feature its worst case is priced (its input, every output token it may
 * produce: max_output_tokens bounds visible and reasoning tokens, every search it may make: max_tool_calls,
 * with each search's content counted as SEARCH_CONTENT_TOKENS input tokens) and the feature is skipped
 * when that could take the total past the cap.
 */
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { parseArgs } from 'node:util';
import { runBackgroundResponse, type BackgroundResponseDeps } from '../activities/background-response';
import { planResearch, searchWeb, writeReport, type ResearchDeps } from '../activities/research';
import { ConfigError, loadWorkerSettings } from '../src/config';
import { createOpenAIClient } from '../src/openai/client';
import { capabilitiesOf, DEFAULT_MODEL_CAPABILITIES, effortFor } from '../src/openai/models';
import { costOfUsage, priceFor, type PriceTable } from '../src/pricing';
import type { BackgroundRequest, BackgroundResult, Usage } from '../src/schemas/background-response';
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
  run: (spend: (model: string, usage: Usage) => void) => Promise<string>;
}

function usage(): never {
  console.error(
    'usage: npm run smoke:openai -- [--max-cost USD (default 0.10)] [--model ID (default gpt-5.4-mini)]',
  );
  process.exit(2);
}

function worstCaseUsd(prices: PriceTable, model: string, worst: Feature['worst']): number {
  const price = priceFor(prices, model);
  // An unpriced model: refuse to guess low. The highest rates in the table.
  const rate = price ?? {
    input: Math.max(...Object.values(prices.models).map((p) => p.input)),
    output: Math.max(...Object.values(prices.models).map((p) => p.output)),
  };
  const inputTokens = worst.inputTokens + worst.searches * SEARCH_CONTENT_TOKENS;
  return (
    (inputTokens * rate.input + worst.outputTokens * rate.output) / 1_000_000 +
    worst.searches * prices.webSearchPerCall
  );
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
  const openai = createOpenAIClient(settings.openai);
  const quiet = new DefaultLogger('ERROR');
  const poll = { ...settings.poll, initialMs: Math.min(settings.poll.initialMs, 500) };
  const bg: BackgroundResponseDeps = { openai, poll };
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
      run: async (spend) => {
        const r = await respond({
          step: 'smoke: background',
          input: 'Reply with the single word: ready',
          maxOutputTokens: 300,
          ...low,
        });
        spend(model, r.usage);
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
      run: async (spend) => {
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
        const final = await openai.responses.retrieve(responseId);
        spend(model, {
          inputTokens: final.usage?.input_tokens ?? 0,
          cachedTokens: final.usage?.input_tokens_details?.cached_tokens ?? 0,
          outputTokens: final.usage?.output_tokens ?? 0,
          reasoningTokens: final.usage?.output_tokens_details?.reasoning_tokens ?? 0,
          webSearchCalls: 0,
        });
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
      run: async (spend) => {
        const r = await respond({
          step: 'smoke: web search',
          input:
            'Search the web once: what is the latest stable version of Node.js? Answer in one sentence and cite the page.',
          tools: [{ type: 'web_search', searchContextSize: 'low' }],
          maxToolCalls: 1,
          maxOutputTokens: 800,
          ...low,
        });
        spend(model, r.usage);
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
      run: async (spend) => {
        const out = await inContext(planResearch, deps, {
          question: 'What limits the range of electric aircraft?',
          maxQuestions: 1,
          ...low,
          maxOutputTokens: 1_500,
        });
        spend(model, out.step.usage);
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
      run: async (spend) => {
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
        spend(model, first.usage);
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
          spend(model, answer.usage);
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
      run: async (spend) => {
        const question = 'When was the Raft consensus algorithm first published?';
        const planned = await inContext(planResearch, deps, {
          question,
          maxQuestions: 1,
          ...low,
          maxOutputTokens: 1_500,
        });
        spend(model, planned.step.usage);
        const q = planned.plan?.questions[0];
        if (!q) throw new Error(`no plan: ${planned.invalid}`);
        const found = await inContext(searchWeb, deps, {
          overallQuestion: question,
          question: q.question,
          queries: q.searchHints.slice(0, 1),
          round: 0,
          searchContextSize: 'low',
          ...low,
          maxOutputTokens: 1_500,
          maxToolCalls: 1,
        });
        spend(model, found.step.usage);
        if (!found.sources.length) throw new Error('the search found no sources');
        const report = await inContext(writeReport, deps, {
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
        if (report.step) spend(model, report.step.usage);
        if (!report.markdown.trim()) throw new Error('empty report');
        return `${found.sources.length} source(s) found, ${report.sources.length} cited in the report`;
      },
    },
  ];

  console.log(
    `smoke:openai against ${settings.openai.baseURL} with ${model}, cap ${cap} ` +
      `(prices as of ${settings.prices.asOf})`,
  );
  let spent = 0;
  const outcomes: Outcome[] = [];
  for (const feature of features) {
    const worst = worstCaseUsd(settings.prices, model, feature.worst);
    if (spent + worst > maxCost) {
      outcomes.push({
        feature: feature.name,
        status: 'SKIP',
        costUsd: 0,
        detail: `could cost up to $${worst.toFixed(4)}: over the ${cap} cap with $${spent.toFixed(4)} spent`,
      });
    } else {
      let cost = 0;
      const spend = (m: string, u: Usage) => {
        cost += costOfUsage(settings.prices, m, u).usd;
      };
      try {
        const detail = await feature.run(spend);
        outcomes.push({ feature: feature.name, status: 'PASS', costUsd: cost, detail });
      } catch (error) {
        outcomes.push({
          feature: feature.name,
          status: 'FAIL',
          costUsd: cost,
          detail: error instanceof Error ? error.message : String(error),
        });
      }
      spent += cost;
    }
    const o = outcomes.at(-1)!;
    const detail = o.detail.replace(/\s+/g, ' ').slice(0, 240);
    console.log(`${o.status.padEnd(4)}  $${o.costUsd.toFixed(4)}  ${o.feature}: ${detail}`);
  }
  const failed = outcomes.filter((o) => o.status !== 'PASS');
  console.log(
    `${outcomes.length - failed.length}/${outcomes.length} passed, total $${spent.toFixed(4)} of the ${cap} cap`,
  );
  process.exit(failed.length ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
