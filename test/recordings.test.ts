import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { parse as parseYaml } from 'yaml';
import { createActivities } from '../activities';
import { runBackgroundResponse } from '../activities/background-response';
import type { ResearchDeps, SearchOutput } from '../activities/research';
import { factsFromAnswer, sourcesFromAnswer, stripCitations } from '../src/findings';
import {
  capabilitiesOf,
  DEFAULT_MODEL_CAPABILITIES,
  effortProblem,
  toolsProblem,
  type ToolKind,
} from '../src/openai/models';
import { OpenAIGateway } from '../src/openai/gateway';
import { toCreateParams } from '../src/openai/wire';
import { FailureType } from '../src/policies';
import { DEFAULT_PRICES } from '../src/pricing';
import {
  backgroundRequestSchema,
  backgroundResultSchema,
  type BackgroundRequest,
  type BackgroundResult,
  type ReasoningEffort,
  type Tool,
} from '../src/schemas/background-response';
import { keyFactSchema, sourceSchema } from '../src/schemas/research';
import { GAPS_FORMAT } from '../src/steps/gaps';
import { PLAN_FORMAT } from '../src/steps/plan';
import { SourceRegistry } from '../src/tools/registry';
import { recordingsDir } from './helpers/reference';
import {
  exchangeOf,
  finalResponseOf,
  loadRecordings,
  startReplayServer,
  type Interaction,
  type Recording,
  type ReplayExchange,
} from './helpers/replay-server';

/**
 * Real OpenAI traffic (shared/reference/recorded: 41 files recorded by other projects' test suites) through
 * the project's wire layer and findings extraction, served over HTTP so the real `openai` client parses
 * it. Where a recording and the simulator disagree, the recording is right. The expectations are read
 * from the raw recorded JSON here, independently of src/openai/wire.ts.
 */

type Json = Record<string, unknown>;
const asList = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

function isResponsesCreate(i: Interaction): boolean {
  return i.request.method === 'POST' && i.request.uri.split('?')[0] === '/v1/responses';
}

/** A request of ours that asks for what the recorded one asked for (tools, structured output). */
function ourRequest(recorded: Json | null | undefined): BackgroundRequest {
  const tools: Tool[] = [];
  for (const tool of asList(recorded?.tools)) {
    if (tool.type === 'web_search' || tool.type === 'web_search_preview') tools.push({ type: 'web_search' });
    if (tool.type === 'function')
      tools.push({
        type: 'function',
        name: String(tool.name),
        parameters: (tool.parameters as Json) ?? { type: 'object', properties: {} },
        strict: tool.strict === true,
      });
  }
  const format = (recorded?.text as Json | undefined)?.format as Json | undefined;
  return {
    step: 'replay',
    model: typeof recorded?.model === 'string' ? recorded.model : 'gpt-5.4',
    modelSetting: 'models.researcher',
    input: 'replayed',
    ...(tools.length ? { tools } : {}),
    ...(format?.type === 'json_schema'
      ? { outputSchema: { name: String(format.name), schema: format.schema as Json } }
      : {}),
  };
}

/** What a final Response says, read straight from its JSON. */
function expectedFrom(response: Json, structured: boolean) {
  const output = asList(response.output);
  let text = '';
  const citations: Array<{ url: string; title: string; startIndex: number; endIndex: number }> = [];
  for (const item of output.filter((o) => o.type === 'message')) {
    for (const part of asList(item.content).filter((p) => p.type === 'output_text')) {
      const offset = text.length;
      text += String(part.text);
      for (const a of asList(part.annotations).filter((x) => x.type === 'url_citation'))
        citations.push({
          url: String(a.url),
          title: String(a.title),
          startIndex: Number(a.start_index) + offset,
          endIndex: Number(a.end_index) + offset,
        });
    }
  }
  const searches = output.filter((o) => o.type === 'web_search_call');
  const usage = (response.usage ?? {}) as Json;
  return {
    status: response.status,
    incompleteReason: (response.incomplete_details as Json | null)?.reason,
    outputText: text,
    citations,
    searchActions: searches.map((s) => (s.action as Json).type),
    searchUrls: searches.flatMap((s) => {
      const action = s.action as Json;
      if (action.type === 'open_page' || action.type === 'find_in_page')
        return action.url ? [action.url] : [];
      return asList(action.sources).flatMap((src) => (typeof src.url === 'string' ? [src.url] : []));
    }),
    namedSources: searches.flatMap((s) =>
      asList((s.action as Json).sources).flatMap((src) => (src.url ? [] : [String(src.name)])),
    ),
    functionCalls: output
      .filter((o) => o.type === 'function_call')
      .map((o) => ({ callId: o.call_id, name: o.name, arguments: o.arguments })),
    usage: {
      inputTokens: Number(usage.input_tokens ?? 0),
      cachedTokens: Number((usage.input_tokens_details as Json | undefined)?.cached_tokens ?? 0),
      outputTokens: Number(usage.output_tokens ?? 0),
      reasoningTokens: Number((usage.output_tokens_details as Json | undefined)?.reasoning_tokens ?? 0),
      // Billed as the provider counts them: its own tool_usage count, else the `search` actions only.
      webSearchCalls: billedSearches(response, searches),
    },
    parsed: structured && text.trim() ? JSON.parse(text) : undefined,
  };
}

function billedSearches(response: Json, searches: Json[]): number {
  const counted = ((response.tool_usage as Json | undefined)?.web_search as Json | undefined)?.num_requests;
  if (typeof counted === 'number') return counted;
  // An item announced without its action counts as a search (as the project counts it, erring high).
  return searches.filter((s) => {
    const type = (s.action as Json | undefined)?.type;
    return type === undefined || type === 'search';
  }).length;
}

/** The exchanges one create needs: the create, then every later poll of the same response id. */
function exchangesFor(recording: Recording, index: number): ReplayExchange[] {
  const create = recording.interactions[index]!;
  const id = (finalResponseOf(create) as Json | undefined)?.id;
  const polls = recording.interactions
    .slice(index + 1)
    .filter((i) => i.request.method === 'GET' && typeof id === 'string' && i.request.uri.includes(id));
  return [exchangeOf(create), ...polls.map(exchangeOf)];
}

async function runActivity(
  gateway: OpenAIGateway,
  request: BackgroundRequest,
): Promise<{ result?: BackgroundResult; error?: unknown }> {
  const env = new MockActivityEnvironment({}, { logger: quiet });
  try {
    return {
      result: await env.run(
        runBackgroundResponse,
        { gateway, poll: { initialMs: 5, maxMs: 10, factor: 1, queuedDeadlineMs: 60_000 } },
        request,
      ),
    };
  } catch (error) {
    return { error };
  }
}

/** Failed attempts are what these tests look at: the log would only repeat them. */
const quiet = new DefaultLogger('ERROR');

const client = (baseURL: string) =>
  new OpenAIGateway(new OpenAI({ apiKey: 'replay-key', baseURL, maxRetries: 0, timeout: 5_000 }));

/** Collects every property name a spec schema allows, through $ref, allOf and anyOf. */
function specProperties(spec: Json, name: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  const visit = (schema: Json | undefined) => {
    if (!schema) return;
    if (typeof schema.$ref === 'string') {
      const ref = schema.$ref.replace('#/components/schemas/', '');
      if (seen.has(ref)) return;
      seen.add(ref);
      visit(((spec.components as Json).schemas as Json)[ref] as Json);
      return;
    }
    for (const key of Object.keys((schema.properties as Json | undefined) ?? {})) out.add(key);
    for (const sub of [...asList(schema.allOf), ...asList(schema.anyOf)]) visit(sub);
  };
  visit(((spec.components as Json).schemas as Json)[name] as Json);
  return out;
}

function describeRecordings(recordings: Recording[], referenceDir: string) {
  const creates = recordings.flatMap((recording) =>
    recording.interactions.flatMap((interaction, index) =>
      isResponsesCreate(interaction) && interaction.response.status === 200
        ? [{ name: `${recording.file} #${index}`, recording, index, interaction }]
        : [],
    ),
  );
  const errors = recordings.flatMap((recording) =>
    recording.interactions.flatMap((interaction, index) =>
      interaction.response.status >= 400 ? [{ name: `${recording.file} #${index}`, interaction }] : [],
    ),
  );

  test('the recordings are all there', () => {
    expect(recordings).toHaveLength(41);
    expect(creates.length).toBeGreaterThanOrEqual(50);
    expect(errors.length).toBeGreaterThanOrEqual(10);
  });

  describe('every recorded answer through the background-response activity', () => {
    test.each(creates.map((c) => [c.name, c] as const))(
      '%s',
      async (_name, { recording, index, interaction }) => {
        const final = finalResponseOf(interaction)!;
        const exchanges = exchangesFor(recording, index);
        const server = await startReplayServer(exchanges);
        try {
          const request = ourRequest(interaction.request.body as Json);
          const { result, error } = await runActivity(client(server.baseURL), request);
          const lastStatus = (exchanges.at(-1)!.body as Json).status;
          if (lastStatus === 'queued' || lastStatus === 'in_progress') {
            // The recording stops while the response still runs: the activity kept polling until the
            // replay had nothing more to serve, and says so as a retryable provider error.
            expect(error).toBeInstanceOf(ApplicationFailure);
            expect((error as ApplicationFailure).nonRetryable).toBe(false);
            expect(server.received.filter((r) => r.method === 'GET').length).toBeGreaterThan(
              exchanges.length - 1,
            );
            return;
          }
          expect(error).toBeUndefined();
          expect(server.remaining()).toBe(0);
          const completed = exchanges.at(-1)!.body as Json;
          const expected = expectedFrom(completed, request.outputSchema !== undefined);
          backgroundResultSchema.parse(result);
          expect(result!.responseId).toBe(final.id);
          expect(result!.status).toBe(expected.status);
          expect(result!.incompleteReason).toBe(expected.incompleteReason ?? undefined);
          expect(result!.outputText).toBe(expected.outputText);
          expect(result!.citations).toEqual(expected.citations);
          expect(result!.webSearches.map((s) => s.action)).toEqual(expected.searchActions);
          expect(result!.webSearches.flatMap((s) => s.sources)).toEqual(expected.searchUrls);
          expect(result!.webSearches.flatMap((s) => s.namedSources ?? [])).toEqual(expected.namedSources);
          expect(result!.functionCalls).toEqual(expected.functionCalls);
          expect(result!.usage).toEqual(expected.usage);
          if (request.outputSchema) expect(result!.parsed).toEqual(expected.parsed);
          // Each citation's span covers its markdown link in the text (the API computed the indices).
          for (const c of result!.citations) {
            const span = result!.outputText.slice(c.startIndex, c.endIndex);
            expect(span).toContain(new URL(c.url).hostname.replace(/^www\./, ''));
          }

          // Findings extraction never throws on real answers and yields valid facts and sources.
          const facts = factsFromAnswer(result!);
          const sources = sourcesFromAnswer(result!);
          for (const f of facts) keyFactSchema.parse(f);
          for (const s of sources) {
            sourceSchema.parse(s);
            expect(() => new URL(s.url)).not.toThrow();
          }
          expect(facts.length).toBeLessThanOrEqual(result!.citations.length);
          const stripped = stripCitations(result!);
          for (const c of result!.citations) expect(stripped).not.toContain(`(${c.url}`);
          // A fact is a whole sentence: it starts where a sentence starts, never mid-word or mid-sentence.
          for (const f of facts) expect(f.text).toMatch(/^[\p{Lu}\p{N}"'“‘*_[(]/u);
        } finally {
          await server.close();
        }
      },
    );
  });

  describe('real web searches through the research step (searchWeb)', () => {
    const searches = creates.filter((c) =>
      asList((c.interaction.request.body as Json | null)?.tools).some((t) =>
        String(t.type).startsWith('web_search'),
      ),
    );
    test.each(searches.map((c) => [c.name, c] as const))('%s', async (_name, { recording, index }) => {
      const server = await startReplayServer(exchangesFor(recording, index));
      try {
        const deps: ResearchDeps = {
          gateway: client(server.baseURL),
          poll: { initialMs: 5, maxMs: 10, factor: 1, queuedDeadlineMs: 60_000 },
          // The replay answers whatever is asked: the model only shapes our request.
          models: { planner: 'gpt-5.4', researcher: 'gpt-5.4', writer: 'gpt-5.4' },
          prices: DEFAULT_PRICES,
          simulated: false,
          sources: new SourceRegistry({ dir: process.cwd(), sources: {} }),
        };
        const out: SearchOutput = await new MockActivityEnvironment({}, { logger: quiet }).run(
          createActivities(deps).searchWeb,
          {
            overallQuestion: 'replayed',
            question: 'replayed question',
            queries: ['q'],
            round: 0,
          },
        );
        for (const s of out.sources) sourceSchema.parse(s);
        for (const f of out.keyFacts) keyFactSchema.parse(f);
        expect(out.summary.length).toBeGreaterThan(0);
      } finally {
        await server.close();
      }
    });
  });

  test('url-less sources, open_page actions and searches with a query but no sources', async () => {
    const find = (file: string) => recordings.find((r) => r.file === file)!;
    const weather = find('pydantic-ai__test_openai_responses_model_web_search_tool_stream.json');
    const server = await startReplayServer(exchangesFor(weather, 0));
    const { result } = await runActivity(
      client(server.baseURL),
      ourRequest(weather.interactions[0]!.request.body as Json),
    );
    await server.close();
    expect(result!.webSearches).toContainEqual({
      action: 'search',
      queries: ['weather: San Francisco, CA'],
      sources: [],
      namedSources: ['oai-weather'],
    });
    expect(sourcesFromAnswer(result!).every((s) => typeof s.url === 'string' && s.url.length > 0)).toBe(true);

    const domains = find(
      'pydantic-ai__test_openai_responses_model_web_search_tool_with_allowed_domains.json',
    );
    const server2 = await startReplayServer(exchangesFor(domains, 0));
    const { result: r2 } = await runActivity(
      client(server2.baseURL),
      ourRequest(domains.interactions[0]!.request.body as Json),
    );
    await server2.close();
    expect(r2!.webSearches).toContainEqual({
      action: 'open_page',
      queries: [],
      sources: ['https://en.wikipedia.org/wiki/Demographics_of_Tokyo'],
    });
    const queryOnly = r2!.webSearches.find((s) => s.action === 'search')!;
    expect(queryOnly.queries.length).toBeGreaterThan(1);
    expect(queryOnly.sources).toEqual([]);
    expect(sourcesFromAnswer(r2!).map((s) => s.url)).toContain(
      'https://en.wikipedia.org/wiki/Demographics_of_Tokyo',
    );
  });

  describe('recorded errors are classified with a message naming what to fix', () => {
    const expected: Record<string, { type: string; message: RegExp }> = {
      'dd-trace-py__response_error.json #0': { type: FailureType.authentication, message: /OPENAI_API_KEY/ },
      'pydantic-ai__TestOpenAI.test_embed_error.json #0': {
        type: FailureType.modelNotFound,
        message: /models\.researcher/,
      },
      'pydantic-ai__test_ids_without_live_ground_truth-gpt-5.1-codex.json #0': {
        type: FailureType.modelNotFound,
        message: /model "gpt-5\.1-codex"[\s\S]*Set models\.researcher/,
      },
      'pydantic-ai__test_model_capabilities-o3-deep-research.json #0': {
        type: FailureType.invalidRequest,
        message: /tools[\s\S]*models\.researcher/,
      },
      'pydantic-ai__test_model_capabilities-o3-deep-research.json #1': {
        type: FailureType.invalidRequest,
        message: /tools[\s\S]*models\.researcher/,
      },
      'pydantic-ai__test_model_name_suggestion-openai-chat.json #0': {
        type: FailureType.modelNotFound,
        message: /Set models\.researcher/,
      },
      'pydantic-ai__test_model_name_suggestion-openai-responses.json #0': {
        type: FailureType.modelNotFound,
        message: /model "gpt-5\.2-proo"[\s\S]*Set models\.researcher/,
      },
      'pydantic-ai__test_multimodal_tool_return_matrix-direct-url-audio-openai_responses.json #1': {
        type: FailureType.invalidRequest,
        message: /unsupported_file[\s\S]*parameter input/,
      },
      'pydantic-ai__test_openai_responses_model_http_error.json #0': {
        type: FailureType.invalidRequest,
        message: /temperature/,
      },
      'pydantic-ai__test_openai_responses_thinking_with_modified_history.json #1': {
        type: FailureType.invalidRequest,
        message: /parameter input/,
      },
      'pydantic-ai__test_reasoning_flags_match_the_api-gpt-5-pro.json #0': {
        type: FailureType.invalidRequest,
        message: /unsupported_value[\s\S]*reasoningEffort[\s\S]*models\.researcher/,
      },
      'pydantic-ai__test_reasoning_flags_match_the_api-gpt-5-pro.json #1': {
        type: FailureType.invalidRequest,
        message: /temperature/,
      },
    };

    test('every recorded error has an expectation', () => {
      expect(errors.map((e) => e.name).sort()).toEqual(Object.keys(expected).sort());
    });

    test.each(errors.map((e) => [e.name, e] as const))('%s', async (name, { interaction }) => {
      // Served as the answer to our create, whichever endpoint recorded it.
      const server = await startReplayServer([
        { ...exchangeOf(interaction), method: 'POST', path: '/v1/responses' },
      ]);
      try {
        const body = interaction.request.body as Json | null;
        const { error } = await runActivity(client(server.baseURL), {
          ...ourRequest(body),
          model: typeof body?.model === 'string' ? body.model : 'gpt-5.4',
        });
        expect(error).toBeInstanceOf(ApplicationFailure);
        const failure = error as ApplicationFailure;
        expect(failure.type).toBe(expected[name]!.type);
        expect(failure.nonRetryable).toBe(true);
        expect(failure.message).toMatch(expected[name]!.message);
        // The provider's own words reach the user.
        const providerMessage = String(((interaction.response.body as Json).error as Json).message);
        expect(failure.message).toContain(providerMessage.slice(0, 40));
        // Nothing is retried by the client: one request.
        expect(server.received).toHaveLength(1);
      } finally {
        await server.close();
      }
    });
  });

  test('the capability table agrees with every recorded acceptance and refusal of an effort or tools', () => {
    const verdicts: string[] = [];
    for (const recording of recordings) {
      for (const i of recording.interactions.filter(isResponsesCreate)) {
        const body = i.request.body as Json;
        const model = String(body.model);
        const capability = capabilitiesOf(DEFAULT_MODEL_CAPABILITIES, model);
        const effort = (body.reasoning as Json | undefined)?.effort as ReasoningEffort | undefined;
        // Each tool as sent: web_search_preview is not web_search (deep-research models take only the first).
        const tools = asList(body.tools).map((t) => String(t.type) as ToolKind);
        const problem =
          (effort ? effortProblem(model, capability, effort, tools) : undefined) ??
          toolsProblem(model, capability, tools);
        const param = ((i.response.body as Json | null)?.error as Json | undefined)?.param;
        const refused = i.response.status === 400 && (param === 'reasoning.effort' || param === 'tools');
        if (i.response.status === 200 || refused) {
          verdicts.push(
            `${model} ${effort ?? '-'} ${tools.join('+') || 'no tools'}: ${refused ? 'refused' : 'accepted'}`,
          );
          expect({ model, effort, tools, refused: Boolean(problem) }).toEqual({
            model,
            effort,
            tools,
            refused,
          });
        }
      }
    }
    expect(verdicts).toEqual(
      expect.arrayContaining([
        'gpt-5-pro none no tools: refused',
        'o3-deep-research none no tools: refused',
        'o3-deep-research - no tools: refused',
        'gpt-5.1 none no tools: accepted',
        'gpt-5 high no tools: accepted',
      ]),
    );
  });

  describe('our requests next to what real clients sent', () => {
    const requests = recordings.flatMap((r) =>
      r.interactions.filter(isResponsesCreate).map((i) => i.request.body as Json),
    );
    const realTools = requests.flatMap((b) => asList(b.tools));
    const keysOf = (objects: Json[]) => new Set(objects.flatMap((o) => Object.keys(o)));
    const ours = toCreateParams(
      backgroundRequestSchema.parse({
        step: 'x',
        model: 'gpt-5.4',
        instructions: 'i',
        input: [
          { type: 'message', role: 'user', content: 'hello' },
          { type: 'function_call_output', callId: 'call_1', output: 'out' },
        ],
        reasoningEffort: 'medium',
        tools: [
          { type: 'web_search', searchContextSize: 'low', allowedDomains: ['example.org'] },
          {
            type: 'function',
            name: 'lookup',
            description: 'd',
            parameters: { type: 'object', properties: {} },
            strict: false,
          },
        ],
        outputSchema: PLAN_FORMAT,
        previousResponseId: 'resp_1',
        maxOutputTokens: 1000,
        maxToolCalls: 5,
        metadata: { research_role: 'researcher' },
      }),
    ) as unknown as Json;

    test('every top-level field we send is one a real client sent, or one the spec defines', () => {
      const spec = parseYaml(readFileSync(path.join(referenceDir, 'openai-openapi.yaml'), 'utf8')) as Json;
      const specFields = specProperties(spec, 'CreateResponse');
      const realFields = keysOf(requests);
      const unseen = Object.keys(ours).filter((k) => !realFields.has(k));
      expect(unseen.sort()).toEqual(['max_tool_calls', 'metadata'].filter((k) => unseen.includes(k)).sort());
      for (const k of Object.keys(ours)) expect(specFields).toContain(k);
    });

    test('tools, tool outputs, structured output and include have the shapes real clients sent', () => {
      const ourTools = ours.tools as Json[];
      const realWeb = realTools.filter((t) => t.type === 'web_search');
      for (const key of Object.keys(ourTools[0]!)) expect(keysOf(realWeb)).toContain(key);
      expect(realWeb.map((t) => Object.keys((t.filters as Json | undefined) ?? {})).flat()).toContain(
        'allowed_domains',
      );
      expect(Object.keys((ourTools[0]!.filters as Json) ?? {})).toEqual(['allowed_domains']);
      const realFunctions = realTools.filter((t) => t.type === 'function');
      for (const key of Object.keys(ourTools[1]!)) expect(keysOf(realFunctions)).toContain(key);

      const realOutputs = requests
        .flatMap((b) => asList(b.input))
        .filter((i) => i.type === 'function_call_output');
      expect(realOutputs.length).toBeGreaterThan(0);
      const ourOutput = asList(ours.input).find((i) => i.type === 'function_call_output')!;
      expect(Object.keys(ourOutput).sort()).toEqual(
        [...keysOf(realOutputs)].filter((k) => k !== 'id' && k !== 'status').sort(),
      );

      const realFormats = requests
        .map((b) => (b.text as Json | undefined)?.format as Json | undefined)
        .filter((f) => f?.type === 'json_schema') as Json[];
      expect(Object.keys((ours.text as Json).format as Json).sort()).toEqual([...keysOf(realFormats)].sort());

      const realIncludes = new Set(
        requests.flatMap((b) => (Array.isArray(b.include) ? (b.include as string[]) : [])),
      );
      for (const value of ours.include as string[]) expect(realIncludes).toContain(value);
    });

    test('no structured-output schema we send uses what strict mode refuses (oneOf, allOf, not, optional fields)', () => {
      const walk = (schema: unknown, at: string): string[] => {
        if (!schema || typeof schema !== 'object') return [];
        const s = schema as Json;
        const here = ['oneOf', 'allOf', 'not', 'if', 'patternProperties']
          .filter((k) => k in s)
          .map((k) => `${at}.${k}`);
        if (s.type === 'object') {
          if (s.additionalProperties !== false) here.push(`${at}: additionalProperties is not false`);
          const props = Object.keys((s.properties as Json | undefined) ?? {});
          const required = (s.required as string[] | undefined) ?? [];
          for (const p of props) if (!required.includes(p)) here.push(`${at}.${p}: optional`);
        }
        return [
          ...here,
          ...Object.entries(s).flatMap(([k, v]) =>
            Array.isArray(v) ? v.flatMap((x, i) => walk(x, `${at}.${k}[${i}]`)) : walk(v, `${at}.${k}`),
          ),
        ];
      };
      expect(walk(PLAN_FORMAT.schema, PLAN_FORMAT.name)).toEqual([]);
      expect(walk(GAPS_FORMAT.schema, GAPS_FORMAT.name)).toEqual([]);
    });

    test('polls are GET /v1/responses/{id}, as real clients poll, and ask for the include the create asked for', async () => {
      const recording = recordings.find((r) => r.file === 'pydantic-ai__test_background_mode_vcr.json')!;
      const realPolls = recording.interactions.filter((i) => i.request.method === 'GET');
      expect(realPolls.length).toBe(2);
      const server = await startReplayServer(exchangesFor(recording, 0));
      try {
        const { result } = await runActivity(client(server.baseURL), {
          step: 'poll',
          model: 'gpt-5.4',
          input: 'q',
          tools: [{ type: 'web_search' }],
        });
        expect(result!.status).toBe('completed');
        const [create, ...polls] = server.received;
        expect((create!.body as Json).include).toEqual(['web_search_call.action.sources']);
        expect(polls).toHaveLength(2);
        for (const poll of polls) {
          const url = new URL(poll.url, 'http://x');
          expect(url.pathname).toBe(realPolls[0]!.request.uri.split('?')[0]);
          expect(url.searchParams.getAll('include[]')).toEqual(['web_search_call.action.sources']);
        }
      } finally {
        await server.close();
      }
    });
  });
}

const recordedDir = recordingsDir();

if (!recordedDir) {
  test('recordings: nothing to replay', () => {
    console.log(
      'recordings: no shared/reference/recorded beside the checkout (or DEEP_RESEARCH_REFERENCE_DIR): nothing to replay',
    );
  });
} else {
  const recordings = loadRecordings(recordedDir);
  describeRecordings(recordings, path.resolve(recordedDir, '..'));
}
