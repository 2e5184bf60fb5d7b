import { invalidRequest, type ApiError } from './errors';

/**
 * What each model accepts, as the real API enforces it: the simulator's own knowledge, taken from OpenAI's
 * spec (`shared/reference/openai-openapi.yaml`: model ids, the effort values), its guides and the recorded
 * exchanges (`shared/reference/recorded/`), never from the project's capability table, so that the two can
 * disagree and a test notices. Where nothing public says whether a value is refused, it is accepted: the
 * simulator must not refuse what the real API accepts either.
 */

export type Effort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface ModelFacts {
  /** The model the response names: the dated snapshot an alias resolves to, as recorded. */
  snapshot: string;
  /** Efforts accepted, or null for a model that takes no `reasoning` parameter at all. */
  efforts: readonly Effort[] | null;
  /** The effort a response reports when the request names none. */
  defaultEffort: Effort | null;
  /** Hosted tools refused at an effort: gpt-5 cannot search the web at `minimal`. */
  toolsRefusedAt?: Partial<Record<Effort, readonly string[]>>;
  /** Deep-research models run only with one of these tools. */
  requiresOneOfTools?: readonly string[];
  /** `temperature` / `top_p` are refused, unless the effort is one listed here. */
  samplingOnlyAt?: readonly Effort[];
  /** The day OpenAI shut the model down: whatever passes the other checks is refused as unknown. */
  retiredOn?: string;
}

const GPT5: readonly Effort[] = ['minimal', 'low', 'medium', 'high'];
/**
 * gpt-5.1 introduced `none`; nothing in the spec, the shared docs or the recordings says whether it still
 * takes `minimal`, so it is accepted (the project's table accepts it too).
 */
const GPT51: readonly Effort[] = ['none', 'minimal', 'low', 'medium', 'high'];
/** gpt-5.2 and later: `none` to `xhigh`, and `minimal` is refused. */
const GPT52: readonly Effort[] = ['none', 'low', 'medium', 'high', 'xhigh'];
const O_SERIES: readonly Effort[] = ['low', 'medium', 'high'];

function reasoning(
  snapshot: string,
  efforts: readonly Effort[],
  defaultEffort: Effort,
  extra: Partial<ModelFacts> = {},
): ModelFacts {
  return {
    snapshot,
    efforts,
    defaultEffort,
    samplingOnlyAt: efforts.includes('none') ? ['none'] : [],
    ...extra,
  };
}

function plain(snapshot: string): ModelFacts {
  return { snapshot, efforts: null, defaultEffort: null };
}

const MINIMAL_NO_WEB_SEARCH = { toolsRefusedAt: { minimal: ['web_search', 'web_search_preview'] } };
/**
 * Recorded: a deep-research model without one of these tools is a 400 naming them; and OpenAI shut these
 * models down on 2026-07-23 (shared/docs/openai-responses-background.md), so a request that passes the
 * tools check is refused as an unknown model: nothing for them is ever accepted.
 */
const DEEP_RESEARCH: Partial<ModelFacts> = {
  requiresOneOfTools: ['web_search_preview', 'mcp', 'file_search'],
  retiredOn: '2026-07-23',
};
const ALL_EFFORTS: readonly Effort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

/**
 * A model in the spec about whose efforts nothing public (spec, guides, recordings) says anything: every
 * effort is accepted and none is reported, so the simulator never refuses what the real API may accept.
 */
function unverified(snapshot: string): ModelFacts {
  return { snapshot, efforts: ALL_EFFORTS, defaultEffort: null };
}

/** An alias and its dated snapshot, both answered with the snapshot. */
function withSnapshot(alias: string, facts: ModelFacts): Record<string, ModelFacts> {
  return { [alias]: facts, [facts.snapshot]: facts };
}

/** Chat-era models without reasoning: each id answers as itself (their aliases' snapshots are not recorded). */
const LEGACY_PLAIN = [
  'gpt-4o-2024-11-20',
  'gpt-4o-2024-05-13',
  'gpt-4o-audio-preview',
  'gpt-4o-audio-preview-2024-10-01',
  'gpt-4o-audio-preview-2024-12-17',
  'gpt-4o-audio-preview-2025-06-03',
  'gpt-4o-mini-audio-preview',
  'gpt-4o-mini-audio-preview-2024-12-17',
  'gpt-4o-search-preview',
  'gpt-4o-mini-search-preview',
  'gpt-4o-search-preview-2025-03-11',
  'gpt-4o-mini-search-preview-2025-03-11',
  'chatgpt-4o-latest',
  'gpt-4-turbo',
  'gpt-4-turbo-2024-04-09',
  'gpt-4-0125-preview',
  'gpt-4-turbo-preview',
  'gpt-4-1106-preview',
  'gpt-4-vision-preview',
  'gpt-4',
  'gpt-4-0314',
  'gpt-4-0613',
  'gpt-4-32k',
  'gpt-4-32k-0314',
  'gpt-4-32k-0613',
  'gpt-3.5-turbo',
  'gpt-3.5-turbo-16k',
  'gpt-3.5-turbo-0301',
  'gpt-3.5-turbo-0613',
  'gpt-3.5-turbo-1106',
  'gpt-3.5-turbo-0125',
  'gpt-3.5-turbo-16k-0613',
];

/** Spec models whose efforts nothing public states; each id answers as itself. */
const UNVERIFIED = [
  'gpt-5.6-cyber',
  'gpt-5.3-chat-latest',
  'gpt-5.2-chat-latest',
  'gpt-5.1-chat-latest',
  'gpt-5-chat-latest',
  'gpt-5-codex',
  'gpt-5.1-codex-max',
  'o1-preview',
  'o1-preview-2024-09-12',
  'o1-mini',
  'o1-mini-2024-09-12',
  'codex-mini-latest',
  'computer-use-preview',
  'computer-use-preview-2025-03-11',
  'gpt-daybreak-blue-latest',
  'gpt-daybreak-red-latest',
];

/**
 * The spec lists these, but the real API answered them "Model not found" (recorded): the recording wins,
 * so the simulator does not know them.
 */
export const RECORDED_NOT_FOUND: Readonly<Record<string, string>> = {
  'gpt-5.1-codex':
    'pydantic-ai__test_ids_without_live_ground_truth-gpt-5.1-codex.json: 404 "Model not found gpt-5.1-codex"',
};

/**
 * Models and their facts: every id in the spec's model enums (`ModelIdsShared`, `ModelIdsResponses`) but
 * RECORDED_NOT_FOUND, plus two ids only the recordings show (the `gpt-5.6` alias, asked for and answered
 * as `gpt-5.6-sol`; `gpt-5.4-2026-03-05`, the snapshot `gpt-5.4` answers with), and every snapshot the
 * simulator answers with is itself accepted as input.
 */
export const MODEL_FACTS: Readonly<Record<string, ModelFacts>> = {
  'gpt-5.6': reasoning('gpt-5.6-sol', GPT52, 'none'),
  'gpt-5.6-sol': reasoning('gpt-5.6-sol', GPT52, 'none'),
  'gpt-5.6-terra': reasoning('gpt-5.6-terra', GPT52, 'none'),
  'gpt-5.6-luna': reasoning('gpt-5.6-luna', GPT52, 'none'),
  ...withSnapshot('gpt-5.5', reasoning('gpt-5.5-2026-04-23', GPT52, 'none')),
  ...withSnapshot('gpt-5.5-pro', reasoning('gpt-5.5-pro-2026-04-23', ['medium', 'high', 'xhigh'], 'high')),
  ...withSnapshot('gpt-5.4', reasoning('gpt-5.4-2026-03-05', GPT52, 'none')),
  ...withSnapshot('gpt-5.4-mini', reasoning('gpt-5.4-mini-2026-03-17', GPT52, 'none')),
  ...withSnapshot('gpt-5.4-nano', reasoning('gpt-5.4-nano-2026-03-17', GPT52, 'none')),
  ...withSnapshot('gpt-5.2', reasoning('gpt-5.2-2025-12-11', GPT52, 'none')),
  ...withSnapshot('gpt-5.2-pro', reasoning('gpt-5.2-pro-2025-12-11', ['medium', 'high', 'xhigh'], 'high')),
  ...withSnapshot('gpt-5.1', reasoning('gpt-5.1-2025-11-13', GPT51, 'none')),
  'gpt-5.1-mini': reasoning('gpt-5.1-mini', GPT51, 'none'),
  ...withSnapshot('gpt-5', reasoning('gpt-5-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH)),
  ...withSnapshot('gpt-5-mini', reasoning('gpt-5-mini-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH)),
  ...withSnapshot('gpt-5-nano', reasoning('gpt-5-nano-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH)),
  // Recorded: "Unsupported value: 'none' is not supported with the 'gpt-5-pro' model. Supported values are: 'high'."
  ...withSnapshot('gpt-5-pro', reasoning('gpt-5-pro-2025-10-06', ['high'], 'high')),
  ...withSnapshot('o3', reasoning('o3-2025-04-16', O_SERIES, 'medium')),
  ...withSnapshot('o4-mini', reasoning('o4-mini-2025-04-16', O_SERIES, 'medium')),
  ...withSnapshot('o3-pro', reasoning('o3-pro-2025-06-10', O_SERIES, 'medium')),
  ...withSnapshot('o3-mini', reasoning('o3-mini-2025-01-31', O_SERIES, 'medium')),
  ...withSnapshot('o1', reasoning('o1-2024-12-17', O_SERIES, 'medium')),
  ...withSnapshot('o1-pro', reasoning('o1-pro-2025-03-19', O_SERIES, 'medium')),
  ...withSnapshot(
    'o3-deep-research',
    reasoning('o3-deep-research-2025-06-26', ['medium'], 'medium', DEEP_RESEARCH),
  ),
  ...withSnapshot(
    'o4-mini-deep-research',
    reasoning('o4-mini-deep-research-2025-06-26', ['medium'], 'medium', DEEP_RESEARCH),
  ),
  ...withSnapshot('gpt-4.1', plain('gpt-4.1-2025-04-14')),
  ...withSnapshot('gpt-4.1-mini', plain('gpt-4.1-mini-2025-04-14')),
  ...withSnapshot('gpt-4.1-nano', plain('gpt-4.1-nano-2025-04-14')),
  ...withSnapshot('gpt-4o', plain('gpt-4o-2024-08-06')),
  ...withSnapshot('gpt-4o-mini', plain('gpt-4o-mini-2024-07-18')),
  ...Object.fromEntries(LEGACY_PLAIN.map((id) => [id, plain(id)])),
  ...Object.fromEntries(UNVERIFIED.map((id) => [id, unverified(id)])),
};

/** A model the simulator was told to serve but knows nothing about: it accepts any effort. */
const UNKNOWN: ModelFacts = { snapshot: '', efforts: ALL_EFFORTS, defaultEffort: null };

export function factsFor(model: string): ModelFacts {
  return MODEL_FACTS[model] ?? { ...UNKNOWN, snapshot: model };
}

export interface ModelChecked {
  /** The effort the response reports (the request's, or the model's default). */
  effort: Effort | null;
}

function quoted(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(', ');
}

/**
 * Refuses what the model refuses, in the API's words and in the API's order (the recorded deep-research
 * request with `effort: 'none'` is refused for its tools first). Throws an ApiError (400).
 */
export function checkModelRequest(
  model: string,
  request: {
    effort: string | null;
    hasReasoning: boolean;
    toolTypes: readonly string[];
    temperature: boolean;
    topP: boolean;
  },
): ModelChecked {
  const facts = factsFor(model);
  if (
    facts.requiresOneOfTools &&
    !request.toolTypes.some((type) => facts.requiresOneOfTools?.includes(type))
  ) {
    throw invalidRequest(
      `Deep research models require at least one of ${quoted(facts.requiresOneOfTools).replace(/, (?=[^,]*$)/, ', or ')} tools.`,
      'tools',
    );
  }
  // Shut down: the recorded tools refusal above still comes first, and nothing else is accepted.
  if (facts.retiredOn) throw unknownModel(model);
  if (facts.efforts === null) {
    if (request.hasReasoning) {
      throw invalidRequest(
        "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
        'reasoning.effort',
        'unsupported_parameter',
      );
    }
    return { effort: null };
  }
  const effort = (request.effort as Effort | null) ?? facts.defaultEffort;
  if (request.effort !== null && !facts.efforts.includes(request.effort as Effort)) {
    throw invalidRequest(
      `Unsupported value: '${request.effort}' is not supported with the '${model}' model. Supported values are: ${quoted(facts.efforts)}.`,
      'reasoning.effort',
      'unsupported_value',
    );
  }
  const refusedTools = effort ? facts.toolsRefusedAt?.[effort] : undefined;
  const clashing = refusedTools ? request.toolTypes.filter((type) => refusedTools.includes(type)) : [];
  if (effort && clashing.length > 0) {
    throw invalidRequest(
      `The following tools cannot be used with reasoning.effort '${effort}': ${[...new Set(clashing)].join(', ')}`,
      'tools',
    );
  }
  if (facts.samplingOnlyAt && !(effort && facts.samplingOnlyAt.includes(effort))) {
    for (const [param, sent] of [
      ['temperature', request.temperature],
      ['top_p', request.topP],
    ] as const) {
      if (sent) {
        throw invalidRequest(`Unsupported parameter: '${param}' is not supported with this model.`, param);
      }
    }
  }
  return { effort };
}

/** An error for the models endpoint and for a create naming a model that does not exist (recorded wording). */
export function unknownModel(model: string): ApiError {
  return invalidRequest(`The requested model '${model}' does not exist.`, 'model', 'model_not_found');
}
