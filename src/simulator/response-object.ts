import type { Response } from 'openai/resources/responses/responses';
import type { ResponseStatus, StoredResponse } from './store-types';
import type { WireResponse } from './wire';

/** The Response object as the API sends it for a stored response seen in a given status. */

export const TERMINAL_STATUSES: ReadonlySet<ResponseStatus> = new Set([
  'completed',
  'failed',
  'cancelled',
  'incomplete',
]);

function echoTools(raw: unknown): Response['tools'] {
  if (!Array.isArray(raw)) return [];
  // The API echoes tools with its defaults filled in.
  return raw.map((tool: unknown) => {
    if (tool === null || typeof tool !== 'object') return tool;
    const record = tool as Record<string, unknown>;
    if (record['type'] === 'function') return { description: null, strict: true, ...record };
    if (typeof record['type'] === 'string' && record['type'].startsWith('web_search')) {
      return { search_context_size: 'medium', filters: null, user_location: null, ...record };
    }
    return record;
  }) as Response['tools'];
}

export function toWireResponse(record: StoredResponse, status: ResponseStatus): WireResponse {
  const req = record.request;
  const raw = req.raw;
  const terminal = TERMINAL_STATUSES.has(status);
  const finishedAtMs = status === 'cancelled' ? record.cancelledAtMs : record.finishAtMs;
  const hasOutput = status === 'completed' || status === 'incomplete';
  const textConfig = (raw['text'] ?? {}) as Record<string, unknown>;
  // The API also sends `store` (absent from the SDK's type) and `usage: null` before there is output.
  const response: Omit<WireResponse, 'usage'> & { usage: WireResponse['usage'] | null; store: boolean } = {
    id: record.id,
    object: 'response',
    created_at: Math.floor(record.createdAtMs / 1000),
    status,
    background: req.background,
    completed_at: terminal && finishedAtMs !== undefined ? Math.floor(finishedAtMs / 1000) : null,
    error: status === 'failed' ? record.error : null,
    incomplete_details:
      status === 'incomplete' ? { reason: record.incompleteReason ?? 'max_output_tokens' } : null,
    instructions: req.instructions,
    max_output_tokens: req.maxOutputTokens,
    max_tool_calls: req.maxToolCalls,
    model: req.model,
    output: hasOutput ? record.finalItems : [],
    parallel_tool_calls: req.parallelToolCalls,
    previous_response_id: req.previousResponseId,
    prompt_cache_key: typeof raw['prompt_cache_key'] === 'string' ? raw['prompt_cache_key'] : null,
    reasoning: {
      effort: (req.reasoning.effort ?? null) as NonNullable<Response['reasoning']>['effort'],
      summary: (req.reasoning.summary ?? null) as NonNullable<Response['reasoning']>['summary'],
    },
    safety_identifier: typeof raw['safety_identifier'] === 'string' ? raw['safety_identifier'] : null,
    service_tier: 'default',
    store: req.store,
    temperature: typeof raw['temperature'] === 'number' ? raw['temperature'] : 1,
    text: {
      format: (textConfig['format'] ?? { type: 'text' }) as NonNullable<Response['text']>['format'],
      verbosity: (textConfig['verbosity'] ?? 'medium') as NonNullable<Response['text']>['verbosity'],
    },
    tool_choice: (raw['tool_choice'] ?? 'auto') as Response['tool_choice'],
    tools: echoTools(raw['tools']),
    top_logprobs: 0,
    top_p: typeof raw['top_p'] === 'number' ? raw['top_p'] : 1,
    truncation: 'disabled',
    usage: hasOutput ? record.finalUsage : null,
    metadata: req.metadata ?? {},
    access_programs: null,
    conversation: null,
    prompt: null,
  };
  return response as WireResponse;
}
