import { newCallId, newId } from '../ids';
import { canonicalJson, hashString, Rng } from '../random';
import type { CreateRequest } from '../request';
import type {
  FunctionCallItem,
  OutputItem,
  OutputMessage,
  ReasoningItem,
  Usage,
  WebSearchCallItem,
} from '../wire';
import { analyse, type RequestDigest } from './analysis';
import { reasoningSummary, searchQuery } from './prose';
import { citedUrl, sourcesFor, type WebSource } from './sources';
import { generateFromSchema } from './structured';
import {
  functionAnswer,
  jsonObjectAnswer,
  markdownAnswer,
  reportMarkdown,
  webSearchAnswer,
  type CitedText,
} from './text';

/** Decides what kind of answer a request gets and builds its output items and usage. */

export const MAX_TOOL_ROUNDS = 3;

/** What the chain behind `previous_response_id` contributes. */
export interface ChainContext {
  /** Output of the previous response (when it has finished). */
  previousOutput: OutputItem[];
  /** Input plus output tokens of the previous response: its context is billed again, mostly cached. */
  previousTokens: number;
  /** Consecutive responses ending in function calls, up the chain from (and including) the previous one. */
  toolRounds: number;
  /** The nearest user text up the chain: a follow-up's topic comes from it when the follow-up states none. */
  contextText: string;
}

export type AnswerKind =
  'structured' | 'json_object' | 'web_search' | 'function_calls' | 'function_answer' | 'report' | 'markdown';

export interface GeneratedOutput {
  kind: AnswerKind;
  items: OutputItem[];
  usage: Usage;
  reasoningTokens: number;
  inputTokens: number;
  cachedTokens: number;
}

/**
 * Fields that differ between runs of the same logical request (ids, routing hints) do not change the output;
 * nor does `max_output_tokens`, which only decides where an answer stops.
 */
const VOLATILE_KEYS = new Set([
  'max_output_tokens',
  'background',
  'stream',
  'store',
  'metadata',
  'previous_response_id',
  'call_id',
  'id',
  'prompt_cache_key',
  'safety_identifier',
  'user',
  'service_tier',
]);

function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !VOLATILE_KEYS.has(key))
        .map(([key, v]) => [key, stripVolatile(v)]),
    );
  }
  return value;
}

export function outputSeed(raw: unknown): number {
  return hashString(canonicalJson(stripVolatile(raw)));
}

const REASONING_TOKENS: Record<string, number> = {
  none: 0,
  minimal: 0,
  low: 64,
  medium: 256,
  high: 1024,
  xhigh: 2048,
  max: 4096,
};

/** About four characters per token, as for English text. */
export function tokensOf(chars: number): number {
  return Math.ceil(chars / 4);
}

export function message(text: string, annotations: CitedText['annotations'] = []): OutputMessage {
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations, logprobs: [] }],
  };
}

/** The visible text a set of items carries (message text and call arguments). */
export function visibleChars(items: OutputItem[]): number {
  let chars = 0;
  for (const item of items) {
    if (item.type === 'message') {
      for (const part of item.content)
        chars += part.type === 'output_text' ? part.text.length : part.refusal.length;
    } else if (item.type === 'function_call') {
      chars += item.arguments.length;
    }
  }
  return chars;
}

function usageFor(
  inputTokens: number,
  cachedTokens: number,
  visibleTokens: number,
  reasoningTokens: number,
): Usage {
  const output = visibleTokens + reasoningTokens;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: cachedTokens, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: inputTokens + output,
  };
}

/** A reasoning item as recorded: `summary: []` unless a summary was asked for, the blob only when included. */
function reasoningItem(req: CreateRequest, summary: string | null, rng: Rng): ReasoningItem {
  const blob = `gAAAAAB${Buffer.from(String(rng.next())).toString('base64').replace(/=+$/, '')}`;
  return {
    id: newId('rs'),
    type: 'reasoning',
    summary: summary !== null && req.reasoning.summary ? [{ type: 'summary_text', text: summary }] : [],
    ...(req.include.includes('reasoning.encrypted_content') ? { encrypted_content: blob } : {}),
  };
}

/** Whether the response reasons (an effort other than `none`, asked for or the model's default). */
function reasons(req: CreateRequest): boolean {
  const effort = req.reasoning.reported;
  return effort !== null && effort !== 'none';
}

/**
 * Web search calls with every action shape real answers have: `search` with `query` only or `queries` plus
 * `query`, sources of type `url` and sometimes of type `api` with no url (shown only to a request with
 * `include: ['web_search_call.action.sources']`), `open_page` and `find_in_page` on a page a search found,
 * and, for a reasoning model, a reasoning item after each call (recorded gpt-5 answers interleave them).
 */
function webSearchItems(
  req: CreateRequest,
  digest: RequestDigest,
  rng: Rng,
): { items: (WebSearchCallItem | ReasoningItem)[]; cited: WebSource[] } {
  const webSearch = req.webSearch;
  if (!webSearch) return { items: [], cited: [] };
  const perSearch = { low: 3, medium: 4, high: 5 }[webSearch.contextSize];
  const citedCount = { low: 3, medium: 4, high: 6 }[webSearch.contextSize];
  const suggested = digest.suggestedQueries;
  const budget = req.maxToolCalls ?? Infinity;
  const searches = Math.min(Math.max(rng.int(1, 3), Math.min(suggested.length, 3)), budget);
  const interleave = reasons(req);
  const items: (WebSearchCallItem | ReasoningItem)[] = [];
  const all: WebSource[] = [];
  let calls = 0;
  const push = (action: WebSearchCallItem['action'], i: number): void => {
    calls++;
    items.push({ id: newId('ws'), type: 'web_search_call', status: 'completed', action });
    if (interleave) items.push(reasoningItem(req, null, rng.fork(`reasoning${i}`)));
  };
  // Page actions are tool calls too: the real API never makes more than max_tool_calls of them in all.
  for (let i = 0; i < searches && calls < budget; i++) {
    const query = suggested[i] ?? searchQuery(digest, rng.fork(`query${i}`), i);
    const found = sourcesFor(query, perSearch, rng.fork(`sources${i}`), webSearch.allowedDomains);
    const shape = rng.fork(`shape${i}`);
    // The first search always finds pages, so that an answer has something to cite.
    const kind = i === 0 ? 'pages' : shape.pick(['pages', 'pages', 'pages', 'api', 'nothing'] as const);
    const queries = shape.chance(0.25)
      ? {}
      : { queries: [query, ...(shape.chance(0.4) ? [`${query} overview`] : [])] };
    if (kind === 'pages')
      for (const source of found) if (!all.some((s) => s.url === source.url)) all.push(source);
    const sources =
      kind === 'pages'
        ? // Listed exactly as cited (with the utm tag), so that every citation URL is one of the sources.
          found.map((s) => ({ type: 'url' as const, url: citedUrl(s.url) }))
        : [{ type: 'api' as const, name: 'oai-weather' }];
    push(
      {
        type: 'search',
        query,
        ...queries,
        // A search that found nothing usable lists no sources at all. The others always keep theirs here:
        // each answer shows them only when its own request asked (itemsAsIncluded, response-object.ts).
        ...(kind !== 'nothing' ? { sources: sources as { type: 'url'; url: string }[] } : {}),
      },
      i,
    );
    const page = found[0];
    if (kind === 'pages' && page && calls < budget && shape.chance(0.4)) {
      push({ type: 'open_page', url: page.url }, i + 100);
      if (calls < budget && shape.chance(0.5)) {
        const pattern = query.split(/\s+/).find((word) => word.length > 4) ?? query;
        push({ type: 'find_in_page', url: page.url, pattern }, i + 200);
      }
    }
  }
  // Cite sources from every search, interleaved, so that later searches matter too.
  const cited = rng
    .shuffle(all)
    .slice(0, Math.max(Math.min(3, all.length), Math.min(citedCount, all.length)));
  return { items, cited };
}

/** Tools a model reaches for first when it knows nothing yet: search, describe, list. */
const EXPLORING_TOOL = /(^|__)(search|describe|list)/;

function functionCallItems(
  req: CreateRequest,
  digest: RequestDigest,
  rng: Rng,
  firstRound: boolean,
): FunctionCallItem[] {
  const forced = req.toolChoice.kind === 'function' ? req.toolChoice.name : undefined;
  const tools = forced ? req.functionTools.filter((tool) => tool.name === forced) : req.functionTools;
  const count = forced || !req.parallelToolCalls ? 1 : rng.int(1, 2);
  const exploring = tools.filter((tool) => EXPLORING_TOOL.test(tool.name));
  const items: FunctionCallItem[] = [];
  for (let i = 0; i < count; i++) {
    // Like a model, explore before reading specifics: the first call of a chain searches or describes.
    const tool = i === 0 && firstRound && exploring.length ? rng.pick(exploring) : rng.pick(tools);
    const args = generateFromSchema(tool.parameters, digest, rng.fork(`args${i}`));
    items.push({
      id: newId('fc'),
      type: 'function_call',
      status: 'completed',
      arguments: JSON.stringify(args),
      call_id: newCallId(),
      name: tool.name,
    });
  }
  return items;
}

function chooseKind(req: CreateRequest, digest: RequestDigest, chain: ChainContext, rng: Rng): AnswerKind {
  const choice = req.toolChoice.kind;
  const hasOutputs = digest.functionOutputs.length > 0;
  const mayCall =
    req.functionTools.length > 0 &&
    choice !== 'none' &&
    choice !== 'web_search' &&
    chain.toolRounds < MAX_TOOL_ROUNDS;
  // A model given results usually answers; sometimes it needs another round (forced choices always call).
  const callAgain = choice === 'required' || choice === 'function' || rng.chance(0.3);
  if (mayCall && (!hasOutputs || callAgain)) return 'function_calls';
  if (req.textFormat.type === 'json_schema') return 'structured';
  if (req.textFormat.type === 'json_object') return 'json_object';
  if (hasOutputs) return 'function_answer';
  if (req.webSearch && choice !== 'none') return 'web_search';
  return digest.sources.length > 0 ? 'report' : 'markdown';
}

export function generateOutput(
  req: CreateRequest,
  chain: ChainContext,
  inventedCitations: number,
): GeneratedOutput {
  const rng = new Rng(outputSeed(req.raw));
  const digest = analyse(req.instructions, req.input, chain.contextText);
  const kind = chooseKind(req, digest, chain, rng.fork('kind'));
  const items: OutputItem[] = [];

  const effort = req.reasoning.reported;
  const baseReasoning = effort ? (REASONING_TOKENS[effort] ?? 0) : 0;
  const reasoningTokens = Math.round(baseReasoning * (0.75 + rng.fork('reasoning').next() * 0.5));
  if (reasons(req)) {
    items.push(reasoningItem(req, reasoningSummary(digest, rng.fork('summary')), rng.fork('reasoning-item')));
  }

  const answerRng = rng.fork('answer');
  switch (kind) {
    case 'function_calls':
      items.push(...functionCallItems(req, digest, answerRng, chain.toolRounds === 0));
      break;
    case 'structured': {
      const schema = req.textFormat.type === 'json_schema' ? req.textFormat.schema : {};
      items.push(message(JSON.stringify(generateFromSchema(schema, digest, answerRng))));
      break;
    }
    case 'json_object':
      items.push(message(jsonObjectAnswer(digest, answerRng)));
      break;
    case 'function_answer': {
      const names = new Map<string, string>();
      for (const item of chain.previousOutput)
        if (item.type === 'function_call') names.set(item.call_id, item.name);
      // Calls may also be replayed in the input itself (stateless chaining).
      for (const item of Array.isArray(req.input) ? req.input : []) {
        if (
          item['type'] === 'function_call' &&
          typeof item['call_id'] === 'string' &&
          typeof item['name'] === 'string'
        ) {
          names.set(item['call_id'], item['name']);
        }
      }
      const results = digest.functionOutputs.map((o) => ({
        name: names.get(o.callId) ?? 'tool',
        output: o.output,
      }));
      items.push(message(functionAnswer(digest, answerRng, results)));
      break;
    }
    case 'web_search': {
      const { items: searches, cited } = webSearchItems(req, digest, answerRng.fork('search'));
      items.push(...searches);
      const answer = webSearchAnswer(digest, answerRng.fork('text'), cited);
      items.push(message(answer.text, answer.annotations));
      break;
    }
    case 'report':
      items.push(message(reportMarkdown(digest, answerRng, inventedCitations)));
      break;
    case 'markdown':
      items.push(message(markdownAnswer(digest, answerRng)));
      break;
  }

  const inputText = `${req.instructions ?? ''}${digest.userText}${digest.functionOutputs.map((o) => o.output).join('')}`;
  const inputTokens = Math.max(1, tokensOf(inputText.length)) + chain.previousTokens;
  const cachedTokens = chain.previousTokens > 0 ? Math.min(chain.previousTokens, inputTokens - 1) : 0;
  return {
    kind,
    items,
    reasoningTokens,
    inputTokens,
    cachedTokens,
    usage: usageFor(inputTokens, cachedTokens, tokensOf(visibleChars(items)), reasoningTokens),
  };
}

/** The same output with other items: usage follows their visible text (input and reasoning are unchanged). */
export function withItems(generated: GeneratedOutput, items: OutputItem[]): GeneratedOutput {
  return {
    ...generated,
    items,
    usage: usageFor(
      generated.inputTokens,
      generated.cachedTokens,
      tokensOf(visibleChars(items)),
      generated.reasoningTokens,
    ),
  };
}

/**
 * Cuts output to a budget of visible characters, as a response stopped early would be: items after the cut
 * are dropped, a message loses its tail (and any annotation not wholly inside what remains).
 */
export function truncateItems(items: OutputItem[], charBudget: number): OutputItem[] {
  const out: OutputItem[] = [];
  let remaining = Math.max(0, charBudget);
  for (const item of items) {
    if (item.type === 'reasoning' || item.type === 'web_search_call') {
      out.push(item);
    } else if (item.type === 'function_call') {
      if (item.arguments.length > remaining) break;
      remaining -= item.arguments.length;
      out.push(item);
    } else if (item.type === 'message') {
      if (remaining <= 0) break;
      const part = item.content[0];
      if (part?.type !== 'output_text') break;
      const cut = part.text.length > remaining ? part.text.slice(0, remaining) : part.text;
      out.push({
        ...item,
        status: 'incomplete',
        content: [
          {
            ...part,
            text: cut,
            annotations: part.annotations.filter((a) => !('end_index' in a) || a.end_index <= cut.length),
          },
        ],
      });
      break;
    }
  }
  return out;
}

/**
 * Output and usage of a response that stopped early: at `maxOutputTokens` (reasoning is spent first, the
 * visible text gets what is left) or, for an injected fault, after a fraction of its visible text.
 */
export function incompleteOutput(
  generated: GeneratedOutput,
  limit: { maxOutputTokens: number } | { visibleFraction: number },
): { items: OutputItem[]; usage: Usage } {
  let reasoning = generated.reasoningTokens;
  let charBudget: number;
  if ('maxOutputTokens' in limit) {
    reasoning = Math.min(reasoning, limit.maxOutputTokens);
    charBudget = (limit.maxOutputTokens - reasoning) * 4;
  } else {
    charBudget = Math.floor(visibleChars(generated.items) * limit.visibleFraction);
  }
  const items = truncateItems(generated.items, charBudget);
  return {
    items,
    usage: usageFor(generated.inputTokens, generated.cachedTokens, tokensOf(visibleChars(items)), reasoning),
  };
}
