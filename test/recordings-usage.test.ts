import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import OpenAI from 'openai';
import { runBackgroundResponse } from '../activities/background-response';
import { OpenAIGateway } from '../src/openai/gateway';
import { costOfUsage, DEFAULT_PRICES } from '../src/pricing';
import type { BackgroundRequest, BackgroundResult } from '../src/schemas/background-response';
import { recordingsDir } from './helpers/reference';
import {
  finalResponseOf,
  loadRecordings,
  startReplayServer,
  type Interaction,
} from './helpers/replay-server';

/**
 * What real responses with web searches are billed for, through the background-response activity and the
 * price table: the provider's own `tool_usage.web_search.num_requests` when the response carries it,
 * else its `search` actions (opening a page or finding in one is not another search). The expectations
 * are read from the raw recorded JSON here, independently of src/openai/wire.ts.
 */

type Json = Record<string, unknown>;
const asList = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

const quiet = new DefaultLogger('ERROR');
const ALLOWED_DOMAINS = 'pydantic-ai__test_openai_responses_model_web_search_tool_with_allowed_domains.json';
const WITH_TOOL_USAGE =
  'pydantic-ai__test_openai_responses_model_web_search_tool_without_external_access.json';

/** The answer a recorded create ended with, when it ended (completed or incomplete). */
function finished(interaction: Interaction): Json | undefined {
  const final = finalResponseOf(interaction) as Json | undefined;
  return final && (final.status === 'completed' || final.status === 'incomplete') ? final : undefined;
}

/** One recorded final answer served to the project's own activity, with the real `openai` client. */
async function throughActivity(response: Json): Promise<BackgroundResult> {
  const server = await startReplayServer([
    { method: 'POST', path: '/v1/responses', status: 200, body: response },
  ]);
  try {
    const openai = new OpenAI({
      apiKey: 'replay-key',
      baseURL: server.baseURL,
      maxRetries: 0,
      timeout: 5_000,
    });
    const env = new MockActivityEnvironment({}, { logger: quiet });
    const request: BackgroundRequest = {
      step: 'replay',
      model: typeof response.model === 'string' ? response.model : 'gpt-5.4',
      modelSetting: 'models.researcher',
      input: 'replayed',
      tools: [{ type: 'web_search' }],
    };
    return (await env.run(
      runBackgroundResponse,
      {
        gateway: new OpenAIGateway(openai),
        poll: { initialMs: 5, maxMs: 10, factor: 1, queuedDeadlineMs: 60_000 },
      },
      request,
    )) as BackgroundResult;
  } finally {
    await server.close();
  }
}

const recordings = loadRecordings();
const withSearches = recordings.flatMap((recording) =>
  recording.interactions.flatMap((interaction, index) => {
    const final =
      interaction.request.method === 'POST' && interaction.request.uri.split('?')[0] === '/v1/responses'
        ? finished(interaction)
        : undefined;
    const searches = asList(final?.output).filter((o) => o.type === 'web_search_call');
    return final && (searches.length || final.tool_usage)
      ? [{ name: `${recording.file} #${index}`, file: recording.file, final, searches }]
      : [];
  }),
);

if (!recordingsDir()) {
  test('billed web searches: no recordings to replay (shared/reference/recorded is absent)', () => {
    console.log('recordings-usage: no shared/reference/recorded beside the checkout, nothing to replay');
  });
} else {
  test('the recordings hold searches with and without the provider count, and open_page steps', () => {
    expect(withSearches.some((c) => c.final.tool_usage && c.searches.length)).toBe(true);
    expect(withSearches.some((c) => !c.final.tool_usage && c.searches.length)).toBe(true);
    expect(
      withSearches.some((c) => c.searches.some((s) => (s.action as Json | undefined)?.type === 'open_page')),
    ).toBe(true);
  });

  test.each(withSearches.map((c) => [c.name, c] as const))(
    'billed searches and their cost: %s',
    async (_name, { final, searches }) => {
      const reported = ((final.tool_usage as Json | undefined)?.web_search as Json | undefined)?.num_requests;
      const expected =
        typeof reported === 'number'
          ? reported
          : searches.filter((s) => (s.action as Json | undefined)?.type === 'search').length;
      const result = await throughActivity(final);
      expect(result.usage.webSearchCalls).toBe(expected);
      const tokensOnly = costOfUsage(DEFAULT_PRICES, String(final.model), {
        ...result.usage,
        webSearchCalls: 0,
      });
      expect(costOfUsage(DEFAULT_PRICES, String(final.model), result.usage).usd).toBeCloseTo(
        tokensOnly.usd + expected * DEFAULT_PRICES.webSearchPerCall,
        6,
      );
    },
  );

  test('two searches and two opened pages are billed as two searches, not four', async () => {
    const answer = withSearches.find((c) => c.file === ALLOWED_DOMAINS);
    expect(answer).toBeDefined();
    expect(answer!.searches.map((s) => (s.action as Json).type)).toEqual([
      'search',
      'search',
      'open_page',
      'open_page',
    ]);
    expect(answer!.final.tool_usage).toBeUndefined();
    const result = await throughActivity(answer!.final);
    expect(result.usage.webSearchCalls).toBe(2);
    // The opened pages are still what the answer consulted.
    expect(result.webSearches.map((s) => s.action)).toEqual(['search', 'search', 'open_page', 'open_page']);
    const withoutSearches = costOfUsage(DEFAULT_PRICES, 'gpt-5', { ...result.usage, webSearchCalls: 0 }).usd;
    expect(costOfUsage(DEFAULT_PRICES, 'gpt-5', result.usage).usd).toBeCloseTo(withoutSearches + 0.02, 6);
  });

  test("the provider's own count wins over counting the items", async () => {
    // A recorded answer that carries tool_usage: its count agrees with its one search.
    const recorded = withSearches.find((c) => c.file === WITH_TOOL_USAGE);
    expect(recorded).toBeDefined();
    expect(((recorded!.final.tool_usage as Json).web_search as Json).num_requests).toBe(1);
    expect((await throughActivity(recorded!.final)).usage.webSearchCalls).toBe(1);
    // The same real answer with two pages opened and a count of 3 from the provider: 3 are billed.
    const opened = withSearches.find((c) => c.file === ALLOWED_DOMAINS)!;
    const said = {
      ...recorded!.final,
      output: [
        ...asList(recorded!.final.output),
        ...opened.searches.filter((s) => (s.action as Json).type === 'open_page'),
      ],
      tool_usage: {
        ...(recorded!.final.tool_usage as Json),
        web_search: { num_requests: 3 },
      },
    };
    expect((await throughActivity(said)).usage.webSearchCalls).toBe(3);
    // And a count of 0 is the provider's word too (searches it did not bill are not priced).
    const none = { ...said, tool_usage: { ...said.tool_usage, web_search: { num_requests: 0 } } };
    expect((await throughActivity(none)).usage.webSearchCalls).toBe(0);
  });
}
