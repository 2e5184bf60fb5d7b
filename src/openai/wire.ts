import type OpenAI from 'openai';
import type {
  BackgroundResult,
  FunctionCall,
  ParsedBackgroundRequest,
  Tool,
  UrlCitation,
  Usage,
} from '../schemas/background-response';
import { failedResponseError } from './errors';
import type { ResponseAsked, ResponseOutput, ResponseSnapshot } from './gateway';

/**
 * The one place that knows the Responses API's wire format: our request -> create params, and a
 * Response -> the small extracted snapshot the rest of the project works with.
 */

type CreateParams = OpenAI.Responses.ResponseCreateParamsNonStreaming;
/** A Response as the API sends it (scripts that read raw answers name it through this). */
export type WireResponse = OpenAI.Responses.Response;
type Response = WireResponse;

function toWireTool(tool: Tool): OpenAI.Responses.Tool {
  if (tool.type === 'web_search') {
    return {
      type: 'web_search',
      ...(tool.searchContextSize ? { search_context_size: tool.searchContextSize } : {}),
      ...(tool.allowedDomains?.length ? { filters: { allowed_domains: tool.allowedDomains } } : {}),
    };
  }
  return {
    type: 'function',
    name: tool.name,
    description: tool.description ?? null,
    parameters: tool.parameters,
    strict: tool.strict,
  };
}

type Includable = OpenAI.Responses.ResponseIncludable;

/**
 * The extra output fields a request asks for. The create and every poll ask for the same: GET
 * /responses/{id} has its own `include`, and a poll without it can come back without search sources.
 */
export function includeFor(request: Pick<ParsedBackgroundRequest, 'tools'>): Includable[] {
  // The URLs a search consulted are only returned when asked for; findings cite from them.
  return request.tools?.some((t) => t.type === 'web_search') ? ['web_search_call.action.sources'] : [];
}

export function toCreateParams(request: ParsedBackgroundRequest): CreateParams {
  const input: CreateParams['input'] =
    typeof request.input === 'string'
      ? request.input
      : request.input.map((item) =>
          item.type === 'message'
            ? { type: 'message' as const, role: item.role, content: item.content }
            : { type: 'function_call_output' as const, call_id: item.callId, output: item.output },
        );
  const tools = request.tools?.map(toWireTool);
  const include = includeFor(request);
  return {
    model: request.model,
    input,
    background: true,
    // Background mode needs stored responses; be explicit rather than rely on the default.
    store: true,
    ...(request.instructions ? { instructions: request.instructions } : {}),
    ...(request.reasoningEffort ? { reasoning: { effort: request.reasoningEffort } } : {}),
    ...(tools?.length ? { tools } : {}),
    ...(include.length ? { include } : {}),
    ...(request.outputSchema
      ? {
          text: {
            format: {
              type: 'json_schema' as const,
              name: request.outputSchema.name,
              schema: request.outputSchema.schema,
              strict: true,
            },
          },
        }
      : {}),
    ...(request.previousResponseId ? { previous_response_id: request.previousResponseId } : {}),
    ...(request.maxOutputTokens ? { max_output_tokens: request.maxOutputTokens } : {}),
    ...(request.maxToolCalls ? { max_tool_calls: request.maxToolCalls } : {}),
    ...(request.metadata
      ? { metadata: Object.fromEntries(Object.entries(request.metadata).slice(0, 16)) }
      : {}),
  };
}

export const TERMINAL_STATUSES = new Set(['completed', 'failed', 'incomplete', 'cancelled']);

export function isTerminal(status: string | undefined): boolean {
  return status !== undefined && TERMINAL_STATUSES.has(status);
}

/**
 * A Response as the project sees it: its status and, once it ended, what it says. Only a completed or
 * incomplete response is read for output, and a failed one for its error.
 */
export function snapshotOf(response: Response, asked: ResponseAsked): ResponseSnapshot {
  const id = response.id;
  switch (response.status) {
    case 'completed':
    case 'incomplete': {
      const reason = response.incomplete_details?.reason;
      return {
        id,
        status: response.status,
        ...(reason ? { incompleteReason: reason } : {}),
        output: extractOutput(response, asked.outputSchema !== undefined),
        usage: extractUsage(response),
      };
    }
    case 'failed':
      return { id, status: 'failed', error: failedResponseError(id, response.error) };
    case 'cancelled':
      return { id, status: 'cancelled' };
    case 'queued':
      return { id, status: 'queued' };
    default:
      return { id, status: 'in_progress' };
  }
}

/**
 * The web searches a response is billed for. The provider says so itself in `tool_usage.web_search
 * .num_requests` (newer responses); older ones do not, and then only `search` actions count: a real
 * search also lists `open_page` and `find_in_page` steps as web_search_call items (recording
 * pydantic-ai__test_openai_responses_model_web_search_tool_with_allowed_domains: 2 searches, 2 pages
 * opened), and counting those too would price a run at twice its searches. A call without an action
 * (an older answer) is a search.
 */
export function billedWebSearches(response: Response): number {
  const reported = (response as { tool_usage?: { web_search?: { num_requests?: unknown } } | null })
    .tool_usage?.web_search?.num_requests;
  if (typeof reported === 'number' && Number.isInteger(reported) && reported >= 0) return reported;
  return response.output.filter((item) => {
    if (item.type !== 'web_search_call') return false;
    const action = (item as { action?: { type?: unknown } | null }).action;
    return !action || action.type === undefined || action.type === 'search';
  }).length;
}

export function extractUsage(response: Response): Usage {
  const webSearchCalls = billedWebSearches(response);
  return {
    inputTokens: response.usage?.input_tokens ?? 0,
    cachedTokens: response.usage?.input_tokens_details?.cached_tokens ?? 0,
    outputTokens: response.usage?.output_tokens ?? 0,
    reasoningTokens: response.usage?.output_tokens_details?.reasoning_tokens ?? 0,
    webSearchCalls,
  };
}

type WebSearch = BackgroundResult['webSearches'][number];

/**
 * One web_search_call as queries and the pages it consulted. Real searches list sources without a url
 * (`{"type":"api","name":"oai-weather"}`: kept by name, never as a page), open pages (`open_page` with a
 * url), search in a page (`find_in_page`), or give a query and no sources at all; older answers have
 * `query` only, newer ones `queries` too.
 */
function webSearchOf(item: OpenAI.Responses.ResponseFunctionWebSearch): WebSearch | undefined {
  const action = item.action as unknown as Record<string, unknown> | undefined;
  if (!action || typeof action !== 'object') return undefined;
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value : undefined);
  const url = text(action.url);
  switch (action.type) {
    case 'search': {
      const listed = Array.isArray(action.queries)
        ? action.queries.map(text).filter((q) => q !== undefined)
        : [];
      const query = text(action.query);
      const sources = Array.isArray(action.sources) ? (action.sources as Array<Record<string, unknown>>) : [];
      const urls = sources.map((source) => text(source?.url)).filter((u) => u !== undefined);
      const named = sources
        .filter((source) => !text(source?.url))
        .map((source) => text(source?.name) ?? text(source?.type))
        .filter((n) => n !== undefined);
      return {
        action: 'search',
        queries: listed.length ? listed : query ? [query] : [],
        sources: urls,
        ...(named.length ? { namedSources: named } : {}),
      };
    }
    case 'open_page':
      return { action: 'open_page', queries: [], sources: url ? [url] : [] };
    case 'find_in_page': {
      const pattern = text(action.pattern);
      return { action: 'find_in_page', queries: pattern ? [pattern] : [], sources: url ? [url] : [] };
    }
    default:
      return undefined;
  }
}

/** Text, citations, searches and function calls of a finished response; JSON parsed when a schema was asked for. */
export function extractOutput(response: Response, structured: boolean): ResponseOutput {
  const texts: string[] = [];
  const refusals: string[] = [];
  const citations: UrlCitation[] = [];
  const webSearches: BackgroundResult['webSearches'] = [];
  const functionCalls: FunctionCall[] = [];

  for (const item of response.output) {
    if (item.type === 'message') {
      for (const part of item.content) {
        if (part.type === 'output_text') {
          // Citation indices refer to this part's text; shift them to the joined text.
          const offset = texts.join('').length;
          texts.push(part.text);
          for (const annotation of part.annotations) {
            if (annotation.type === 'url_citation') {
              citations.push({
                url: annotation.url,
                title: annotation.title,
                startIndex: annotation.start_index + offset,
                endIndex: annotation.end_index + offset,
              });
            }
          }
        } else if (part.type === 'refusal') {
          refusals.push(part.refusal);
        }
      }
    } else if (item.type === 'web_search_call') {
      const search = webSearchOf(item);
      if (search) webSearches.push(search);
    } else if (item.type === 'function_call') {
      functionCalls.push({ callId: item.call_id, name: item.name, arguments: item.arguments });
    }
  }

  const outputText = texts.join('');
  const extracted: ResponseOutput = { outputText, citations, webSearches, functionCalls };
  if (refusals.length) extracted.refusal = refusals.join('\n');
  if (structured) {
    if (!outputText.trim()) {
      extracted.parseError = extracted.refusal ? `the model refused: ${extracted.refusal}` : 'empty answer';
    } else {
      try {
        extracted.parsed = JSON.parse(outputText);
      } catch (error) {
        extracted.parseError = `not JSON: ${(error as Error).message}`;
      }
    }
  }
  return extracted;
}
