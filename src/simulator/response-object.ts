import type { Response } from 'openai/resources/responses/responses';
import { factsFor } from './models';
import type { ResponseStatus, StoredResponse } from './store-types';
import type { OutputItem, WireResponse } from './wire';

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

const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
];

/** A moderation result that flags nothing, shaped as recorded (`pydantic-ai__test_openai_responses_moderation`). */
function moderationResult(model: string): Record<string, unknown> {
  const each = <T>(value: T): Record<string, T> =>
    Object.fromEntries(MODERATION_CATEGORIES.map((category) => [category, value]));
  return {
    categories: each(false),
    category_applied_input_types: each(['text']),
    category_scores: each(0.00001),
    flagged: false,
    model,
    type: 'moderation_result',
  };
}

function moderationFor(raw: Record<string, unknown>): Record<string, unknown> | null {
  const asked = raw['moderation'];
  if (asked === null || typeof asked !== 'object') return null;
  const model = String((asked as Record<string, unknown>)['model'] ?? 'omni-moderation-latest');
  return { input: moderationResult(model), output: moderationResult(model) };
}

/**
 * Output items as one request sees them: a search's `action.sources` only when that request's `include`
 * names `web_search_call.action.sources`. The create's include applies to its own answer and stream; a
 * poll (`GET /responses/{id}`) has its own include and sees sources only when it asks again, as the spec's
 * GET parameters say and openai-node#1676 reports (background searches polled without sources).
 */
export function itemsAsIncluded(items: OutputItem[], include: readonly string[]): OutputItem[] {
  if (include.includes('web_search_call.action.sources')) return items;
  return items.map((item) => {
    if (item.type !== 'web_search_call' || item.action.type !== 'search' || !('sources' in item.action))
      return item;
    const { sources: _sources, ...action } = item.action;
    return { ...item, action };
  });
}

/**
 * The Response object as the API sends it for a stored response seen in a given status, as the request with
 * `include` sees it (the create's by default), with the keys of the newest recordings and no others: `billing` and `tool_usage` only once it has finished, `completed_at` only
 * when completed, `service_tier` `auto` until it has finished, the model as its dated snapshot.
 */
export function toWireResponse(
  record: StoredResponse,
  status: ResponseStatus,
  include: readonly string[] = record.request.include,
): WireResponse {
  const req = record.request;
  const raw = req.raw;
  const terminal = TERMINAL_STATUSES.has(status);
  const hasOutput = status === 'completed' || status === 'incomplete';
  const textConfig = (raw['text'] ?? {}) as Record<string, unknown>;
  const facts = factsFor(req.model);
  const webSearches = hasOutput
    ? record.finalItems.filter((item) => item.type === 'web_search_call').length
    : 0;
  const response: Record<string, unknown> = {
    id: record.id,
    object: 'response',
    created_at: Math.floor(record.createdAtMs / 1000),
    status,
    background: req.background,
    ...(terminal ? { billing: { payer: 'developer' } } : {}),
    completed_at: status === 'completed' ? Math.floor(record.finishAtMs / 1000) : null,
    error: status === 'failed' ? record.error : null,
    frequency_penalty: typeof raw['frequency_penalty'] === 'number' ? raw['frequency_penalty'] : 0,
    incomplete_details:
      status === 'incomplete' ? { reason: record.incompleteReason ?? 'max_output_tokens' } : null,
    instructions: req.instructions,
    max_output_tokens: req.maxOutputTokens,
    max_tool_calls: req.maxToolCalls,
    model: facts.snapshot,
    moderation: moderationFor(raw),
    output: hasOutput ? itemsAsIncluded(record.finalItems, include) : [],
    parallel_tool_calls: req.parallelToolCalls,
    presence_penalty: typeof raw['presence_penalty'] === 'number' ? raw['presence_penalty'] : 0,
    previous_response_id: req.previousResponseId,
    prompt_cache_key: typeof raw['prompt_cache_key'] === 'string' ? raw['prompt_cache_key'] : null,
    prompt_cache_retention:
      typeof raw['prompt_cache_retention'] === 'string' ? raw['prompt_cache_retention'] : 'in_memory',
    reasoning:
      facts.efforts === null
        ? { context: null, effort: null, summary: null }
        : {
            context: req.model.startsWith('gpt-5.6') ? 'all_turns' : 'current_turn',
            effort: req.reasoning.reported,
            mode: 'standard',
            summary: req.reasoning.summary,
          },
    safety_identifier: typeof raw['safety_identifier'] === 'string' ? raw['safety_identifier'] : null,
    // Recorded: `auto` while queued or in progress, the tier that served it once finished.
    service_tier: terminal ? 'default' : 'auto',
    store: req.store,
    temperature: typeof raw['temperature'] === 'number' ? raw['temperature'] : 1,
    text: {
      format: (textConfig['format'] ?? { type: 'text' }) as NonNullable<Response['text']>['format'],
      verbosity: (textConfig['verbosity'] ?? 'medium') as NonNullable<Response['text']>['verbosity'],
    },
    tool_choice: (raw['tool_choice'] ?? 'auto') as Response['tool_choice'],
    ...(terminal
      ? {
          tool_usage: {
            image_gen: {
              input_tokens: 0,
              input_tokens_details: { image_tokens: 0, text_tokens: 0 },
              output_tokens: 0,
              output_tokens_details: { image_tokens: 0, text_tokens: 0 },
              total_tokens: 0,
            },
            web_search: { num_requests: webSearches },
          },
        }
      : {}),
    tools: echoTools(raw['tools']),
    top_logprobs: 0,
    top_p: typeof raw['top_p'] === 'number' ? raw['top_p'] : 1,
    truncation: 'disabled',
    usage: hasOutput ? record.finalUsage : null,
    user: typeof raw['user'] === 'string' ? raw['user'] : null,
    metadata: req.metadata ?? {},
  };
  return response as unknown as WireResponse;
}
