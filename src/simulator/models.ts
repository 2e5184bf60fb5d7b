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
}

const GPT5: readonly Effort[] = ['minimal', 'low', 'medium', 'high'];
/** gpt-5.1 introduced `none`; nothing public says whether it still takes `minimal`, so it is accepted. */
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
const DEEP_RESEARCH: Partial<ModelFacts> = {
  requiresOneOfTools: ['web_search_preview', 'mcp', 'file_search'],
};

/** Models and their facts; every id is in the spec's model enums (the recorded gpt-5.6 alias too). */
export const MODEL_FACTS: Readonly<Record<string, ModelFacts>> = {
  'gpt-5.6': reasoning('gpt-5.6-sol', GPT52, 'none'),
  'gpt-5.6-sol': reasoning('gpt-5.6-sol', GPT52, 'none'),
  'gpt-5.6-terra': reasoning('gpt-5.6-terra', GPT52, 'none'),
  'gpt-5.6-luna': reasoning('gpt-5.6-luna', GPT52, 'none'),
  'gpt-5.5': reasoning('gpt-5.5-2026-04-23', GPT52, 'none'),
  'gpt-5.5-2026-04-23': reasoning('gpt-5.5-2026-04-23', GPT52, 'none'),
  'gpt-5.5-pro': reasoning('gpt-5.5-pro-2026-04-23', ['medium', 'high', 'xhigh'], 'high'),
  'gpt-5.5-pro-2026-04-23': reasoning('gpt-5.5-pro-2026-04-23', ['medium', 'high', 'xhigh'], 'high'),
  'gpt-5.4': reasoning('gpt-5.4-2026-03-05', GPT52, 'none'),
  'gpt-5.4-mini': reasoning('gpt-5.4-mini-2026-03-17', GPT52, 'none'),
  'gpt-5.4-mini-2026-03-17': reasoning('gpt-5.4-mini-2026-03-17', GPT52, 'none'),
  'gpt-5.4-nano': reasoning('gpt-5.4-nano-2026-03-17', GPT52, 'none'),
  'gpt-5.4-nano-2026-03-17': reasoning('gpt-5.4-nano-2026-03-17', GPT52, 'none'),
  'gpt-5.2': reasoning('gpt-5.2-2025-12-11', GPT52, 'none'),
  'gpt-5.2-2025-12-11': reasoning('gpt-5.2-2025-12-11', GPT52, 'none'),
  'gpt-5.2-pro': reasoning('gpt-5.2-pro-2025-12-11', ['medium', 'high', 'xhigh'], 'high'),
  'gpt-5.2-pro-2025-12-11': reasoning('gpt-5.2-pro-2025-12-11', ['medium', 'high', 'xhigh'], 'high'),
  'gpt-5.1': reasoning('gpt-5.1-2025-11-13', GPT51, 'none'),
  'gpt-5.1-2025-11-13': reasoning('gpt-5.1-2025-11-13', GPT51, 'none'),
  'gpt-5.1-mini': reasoning('gpt-5.1-mini', GPT51, 'none'),
  'gpt-5': reasoning('gpt-5-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH),
  'gpt-5-2025-08-07': reasoning('gpt-5-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH),
  'gpt-5-mini': reasoning('gpt-5-mini-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH),
  'gpt-5-mini-2025-08-07': reasoning('gpt-5-mini-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH),
  'gpt-5-nano': reasoning('gpt-5-nano-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH),
  'gpt-5-nano-2025-08-07': reasoning('gpt-5-nano-2025-08-07', GPT5, 'medium', MINIMAL_NO_WEB_SEARCH),
  // Recorded: "Unsupported value: 'none' is not supported with the 'gpt-5-pro' model. Supported values are: 'high'."
  'gpt-5-pro': reasoning('gpt-5-pro-2025-10-06', ['high'], 'high'),
  'gpt-5-pro-2025-10-06': reasoning('gpt-5-pro-2025-10-06', ['high'], 'high'),
  o3: reasoning('o3-2025-04-16', O_SERIES, 'medium'),
  'o3-2025-04-16': reasoning('o3-2025-04-16', O_SERIES, 'medium'),
  'o4-mini': reasoning('o4-mini-2025-04-16', O_SERIES, 'medium'),
  'o4-mini-2025-04-16': reasoning('o4-mini-2025-04-16', O_SERIES, 'medium'),
  'o3-pro': reasoning('o3-pro-2025-06-10', O_SERIES, 'medium'),
  // Recorded: a deep-research model without one of these tools is a 400 naming them.
  'o3-deep-research': reasoning('o3-deep-research-2025-06-26', ['medium'], 'medium', DEEP_RESEARCH),
  'o3-deep-research-2025-06-26': reasoning(
    'o3-deep-research-2025-06-26',
    ['medium'],
    'medium',
    DEEP_RESEARCH,
  ),
  'o4-mini-deep-research': reasoning('o4-mini-deep-research-2025-06-26', ['medium'], 'medium', DEEP_RESEARCH),
  'o4-mini-deep-research-2025-06-26': reasoning(
    'o4-mini-deep-research-2025-06-26',
    ['medium'],
    'medium',
    DEEP_RESEARCH,
  ),
  'gpt-4.1': plain('gpt-4.1-2025-04-14'),
  'gpt-4.1-2025-04-14': plain('gpt-4.1-2025-04-14'),
  'gpt-4.1-mini': plain('gpt-4.1-mini-2025-04-14'),
  'gpt-4.1-nano': plain('gpt-4.1-nano-2025-04-14'),
  'gpt-4o': plain('gpt-4o-2024-08-06'),
  'gpt-4o-2024-08-06': plain('gpt-4o-2024-08-06'),
  'gpt-4o-mini': plain('gpt-4o-mini-2024-07-18'),
};

/** A model the simulator was told to serve but knows nothing about: it accepts any effort. */
const UNKNOWN: ModelFacts = {
  snapshot: '',
  efforts: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'],
  defaultEffort: null,
};

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
