import type OpenAI from 'openai';
import type {
  BackgroundResult,
  FunctionCall,
  ParsedBackgroundRequest,
  Tool,
  UrlCitation,
  Usage,
} from '../schemas/background-response';

/**
 * The one place that knows the Responses API's wire format: our request -> create params, and a final
 * Response -> the small extracted result the rest of the project works with.
 */

type CreateParams = OpenAI.Responses.ResponseCreateParamsNonStreaming;
type Response = OpenAI.Responses.Response;

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
  const searches = request.tools?.some((t) => t.type === 'web_search') ?? false;
  return {
    model: request.model,
    input,
    background: true,
    // Background mode needs stored responses; be explicit rather than rely on the default.
    store: true,
    ...(request.instructions ? { instructions: request.instructions } : {}),
    ...(request.reasoningEffort ? { reasoning: { effort: request.reasoningEffort } } : {}),
    ...(tools?.length ? { tools } : {}),
    // The URLs a search consulted are only returned when asked for; findings cite from them.
    ...(searches ? { include: ['web_search_call.action.sources' as const] } : {}),
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

export function extractUsage(response: Response): Usage {
  const webSearchCalls = response.output.filter((item) => item.type === 'web_search_call').length;
  return {
    inputTokens: response.usage?.input_tokens ?? 0,
    cachedTokens: response.usage?.input_tokens_details?.cached_tokens ?? 0,
    outputTokens: response.usage?.output_tokens ?? 0,
    reasoningTokens: response.usage?.output_tokens_details?.reasoning_tokens ?? 0,
    webSearchCalls,
  };
}

type ExtractedOutput = Pick<
  BackgroundResult,
  'outputText' | 'refusal' | 'citations' | 'webSearches' | 'functionCalls' | 'parsed' | 'parseError'
>;

/** Text, citations, searches and function calls of a finished response; JSON parsed when a schema was asked for. */
export function extractOutput(response: Response, structured: boolean): ExtractedOutput {
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
      const action = item.action;
      if (action?.type === 'search') {
        const queries = action.queries?.length ? action.queries : action.query ? [action.query] : [];
        // A source may be `{ type: 'api', name }` with no url (recorded): nothing to cite.
        const urls = (action.sources ?? []).flatMap((s) =>
          typeof s.url === 'string' && s.url ? [s.url] : [],
        );
        webSearches.push({ queries, sources: urls });
      } else if (action?.type === 'open_page' && action.url) {
        webSearches.push({ queries: [], sources: [action.url] });
      }
    } else if (item.type === 'function_call') {
      functionCalls.push({ callId: item.call_id, name: item.name, arguments: item.arguments });
    }
  }

  const outputText = texts.join('');
  const extracted: ExtractedOutput = { outputText, citations, webSearches, functionCalls };
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
