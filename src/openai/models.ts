import { z } from 'zod';
import {
  REASONING_EFFORTS,
  reasoningEffortSchema,
  type ReasoningEffort,
} from '../schemas/background-response';

/**
 * What each model accepts, in one table: which reasoning efforts (or no `reasoning` parameter at all),
 * which tools it refuses at a given effort, and which tools it cannot run without. The API answers an
 * impossible combination with a 400 on the first step of a run; checking it here turns that into
 * InvalidResearchInput naming the field, before anything is spent. Pure (no I/O). Overridable with
 * DEEP_RESEARCH_MODELS_FILE (src/config.ts).
 *
 * From the recordings in shared/reference/recorded and OpenAI's reasoning guide: gpt-5-pro accepts only
 * `high` ("Supported values are: 'high'"); gpt-5.1 accepts `none`; deep-research models "require at least
 * one of 'web_search_preview', 'mcp', or 'file_search' tools"; gpt-5 refuses web_search at `minimal`;
 * gpt-5.2 and later refuse `minimal`; pro models refuse `low`; gpt-4.1 and gpt-4o take no reasoning.
 * OpenAI shut the deep-research models down on 2026-07-23 (shared/docs/openai-responses-background.md).
 */

/**
 * The tool kinds a request can carry. The project sends only web_search and function; the others are
 * here because a model can require them (deep-research models), so a check can say the project never
 * sends what the model needs.
 */
export const toolKindSchema = z.enum(['web_search', 'web_search_preview', 'function', 'mcp', 'file_search']);
/** What the project's requests can carry: a model that requires none of these cannot run a step. */
export const TOOLS_THE_PROJECT_SENDS: readonly ToolKind[] = ['web_search', 'function'];
export type ToolKind = z.infer<typeof toolKindSchema>;

export const modelCapabilitySchema = z
  .strictObject({
    /** Reasoning efforts the model accepts; an empty list means it refuses any `reasoning` parameter. */
    efforts: z.array(reasoningEffortSchema),
    /** Tools the model refuses at a given effort, e.g. gpt-5 refuses web_search at `minimal`. */
    toolsRefusedAt: z.partialRecord(reasoningEffortSchema, z.array(toolKindSchema)).optional(),
    /** The model refuses a request without at least one of these (deep-research models). */
    requiresOneOfTools: z.array(toolKindSchema).min(1).optional(),
    /** The day the provider shut the model down: every request for it is refused. */
    retiredOn: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as "2026-07-23"')
      .optional(),
  })
  .refine((c) => !c.toolsRefusedAt || c.efforts.length > 0, {
    path: ['toolsRefusedAt'],
    message: 'a model without reasoning efforts cannot refuse tools per effort',
  });
export type ModelCapability = z.infer<typeof modelCapabilitySchema>;

const modelIdKey = z.string().regex(/^[\w.:/-]{1,100}$/, 'must be a model id such as "gpt-5.4"');

export const modelCapabilitiesSchema = z.record(modelIdKey, modelCapabilitySchema);
export type ModelCapabilities = z.infer<typeof modelCapabilitiesSchema>;

/** What DEEP_RESEARCH_MODELS_FILE holds: model entries laid over the built-in table (whole entries win). */
export const modelCapabilitiesFileSchema = z.strictObject({ models: modelCapabilitiesSchema });

const NONE_TO_XHIGH: ReasoningEffort[] = ['none', 'low', 'medium', 'high', 'xhigh'];
const GPT5: ModelCapability = {
  efforts: ['minimal', 'low', 'medium', 'high'],
  toolsRefusedAt: { minimal: ['web_search', 'web_search_preview'] },
};
const PRO: ModelCapability = { efforts: ['medium', 'high', 'xhigh'] };
const O_SERIES: ModelCapability = { efforts: ['low', 'medium', 'high'] };
/** Recorded: "Deep research models require at least one of 'web_search_preview', 'mcp', or 'file_search' tools." */
const DEEP_RESEARCH: ModelCapability = {
  efforts: ['medium'],
  requiresOneOfTools: ['web_search_preview', 'mcp', 'file_search'],
  retiredOn: '2026-07-23',
};
const NO_REASONING: ModelCapability = { efforts: [] };

/** Efforts nothing public confirms or rules out for the model: every one passes, the provider decides. */
const UNVERIFIED: ModelCapability = { efforts: [...REASONING_EFFORTS] };

/**
 * Every model in OpenAI's spec (shared/reference/openai-openapi.yaml, `ModelIdsShared` and
 * `ModelIdsResponses`) except gpt-5.1-codex, which the real API answered "Model not found" (recorded), plus
 * the recorded `gpt-5.6` alias. Dated snapshots (`-YYYY-MM-DD`) resolve to their alias (capabilitiesOf);
 * other ids are listed one by one. test/conformance/models.test.ts compares this table with the spec and
 * with the simulator's own (src/simulator/models.ts). gpt-5.4-pro is not here: the spec does not list it,
 * so nothing is checked for it and the provider decides (its price stays in src/pricing.ts).
 */
export const DEFAULT_MODEL_CAPABILITIES: ModelCapabilities = {
  'gpt-5.6': { efforts: NONE_TO_XHIGH },
  'gpt-5.6-sol': { efforts: NONE_TO_XHIGH },
  'gpt-5.6-terra': { efforts: NONE_TO_XHIGH },
  'gpt-5.6-luna': { efforts: NONE_TO_XHIGH },
  'gpt-5.5': { efforts: NONE_TO_XHIGH },
  'gpt-5.5-pro': PRO,
  'gpt-5.4': { efforts: NONE_TO_XHIGH },
  'gpt-5.4-mini': { efforts: NONE_TO_XHIGH },
  'gpt-5.4-nano': { efforts: NONE_TO_XHIGH },
  'gpt-5.2': { efforts: NONE_TO_XHIGH },
  'gpt-5.2-pro': PRO,
  // gpt-5.1 introduced `none`; nothing public says it refuses `minimal`, so it is left to the provider.
  'gpt-5.1': { efforts: ['none', 'minimal', 'low', 'medium', 'high'] },
  'gpt-5.1-mini': { efforts: ['none', 'minimal', 'low', 'medium', 'high'] },
  'gpt-5': GPT5,
  'gpt-5-mini': GPT5,
  'gpt-5-nano': GPT5,
  'gpt-5-pro': { efforts: ['high'] },
  o3: O_SERIES,
  'o3-pro': O_SERIES,
  'o3-mini': O_SERIES,
  'o4-mini': O_SERIES,
  o1: O_SERIES,
  'o1-pro': O_SERIES,
  'o3-deep-research': DEEP_RESEARCH,
  'o4-mini-deep-research': DEEP_RESEARCH,
  'gpt-4.1': NO_REASONING,
  'gpt-4.1-mini': NO_REASONING,
  'gpt-4.1-nano': NO_REASONING,
  'gpt-4o': NO_REASONING,
  'gpt-4o-mini': NO_REASONING,
  ...Object.fromEntries(
    [
      'gpt-4o-audio-preview',
      'gpt-4o-mini-audio-preview',
      'gpt-4o-search-preview',
      'gpt-4o-mini-search-preview',
      'chatgpt-4o-latest',
      'gpt-4-turbo',
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
    ].map((id) => [id, NO_REASONING]),
  ),
  ...Object.fromEntries(
    [
      'gpt-5.6-cyber',
      'gpt-5.3-chat-latest',
      'gpt-5.2-chat-latest',
      'gpt-5.1-chat-latest',
      'gpt-5-chat-latest',
      'gpt-5-codex',
      'gpt-5.1-codex-max',
      'o1-preview',
      'o1-mini',
      'codex-mini-latest',
      'computer-use-preview',
      'gpt-daybreak-blue-latest',
      'gpt-daybreak-red-latest',
    ].map((id) => [id, UNVERIFIED]),
  ),
};

/**
 * The capabilities of a model id: its own entry, else the entry of the model it is a dated snapshot of
 * (`gpt-5.4-mini-2026-03-17` is `gpt-5.4-mini`). Only a date suffix counts: `gpt-5.2-proo` is not gpt-5.2.
 * Undefined for a model the table does not know: nothing is checked and the provider decides.
 */
export function capabilitiesOf(table: ModelCapabilities, model: string): ModelCapability | undefined {
  const id = model.trim();
  if (Object.hasOwn(table, id)) return table[id];
  const snapshot = /^(.+)-\d{4}-\d{2}-\d{2}$/.exec(id);
  return snapshot && Object.hasOwn(table, snapshot[1]!) ? table[snapshot[1]!] : undefined;
}

export function acceptsReasoning(capability: ModelCapability | undefined): boolean {
  return capability === undefined || capability.efforts.length > 0;
}

/**
 * Why this model cannot take this effort with these tools, or undefined when it can. The wording
 * follows the API's own refusals, so a user recognises the rule.
 */
export function effortProblem(
  model: string,
  capability: ModelCapability | undefined,
  effort: ReasoningEffort,
  tools: ToolKind[],
): string | undefined {
  if (!capability) return undefined;
  if (!capability.efforts.length)
    return `model "${model}" does not accept a reasoning effort (it is not a reasoning model); leave reasoningEffort unset`;
  if (!capability.efforts.includes(effort))
    return `"${effort}" is not supported with model "${model}"; supported values are: ${capability.efforts.map((e) => `"${e}"`).join(', ')}`;
  const refused = (capability.toolsRefusedAt?.[effort] ?? []).filter((t) => tools.includes(t));
  if (refused.length)
    return `model "${model}" cannot use ${refused.join(', ')} with reasoning effort "${effort}"`;
  return undefined;
}

/** Why no request for this model can succeed at all: the provider shut it down. */
export function retiredProblem(model: string, capability: ModelCapability | undefined): string | undefined {
  if (!capability?.retiredOn) return undefined;
  return `model "${model}" was shut down by OpenAI on ${capability.retiredOn}, so every request for it is refused; choose a current model such as "gpt-5.4"`;
}

/**
 * Why this model cannot run a step with these tools at all: it was shut down, or it needs a tool the
 * step lacks (deep-research models need web_search_preview, mcp or file_search). When the project never
 * sends any tool the model requires, no step can satisfy it, and the message says so instead of
 * suggesting another source. Both reasons are given when both hold, so the user sees the whole story.
 */
export function toolsProblem(
  model: string,
  capability: ModelCapability | undefined,
  tools: ToolKind[],
): string | undefined {
  const retired = retiredProblem(model, capability);
  const required = capability?.requiresOneOfTools;
  let missing: string | undefined;
  if (required && !required.some((t) => tools.includes(t))) {
    missing = required.some((t) => TOOLS_THE_PROJECT_SENDS.includes(t))
      ? `model "${model}" needs one of the tools ${required.join(', ')}, which this step does not have`
      : `model "${model}" is a deep-research model and needs one of the tools ${required.join(', ')}, which this project never sends (it searches with web_search and reads private sources through function tools)`;
  }
  return retired && missing ? `${retired}; and ${missing}` : (retired ?? missing);
}

/**
 * The effort a step sends when the run did not choose one: the step's preferred effort if the model
 * takes it, else the nearest one it takes (ties go to the higher effort) that refuses none of the
 * step's tools; undefined when the model takes no reasoning parameter. Unknown models get the preferred
 * effort unchanged.
 */
export function effortFor(
  capability: ModelCapability | undefined,
  preferred: ReasoningEffort,
  tools: ToolKind[],
): ReasoningEffort | undefined {
  if (!capability) return preferred;
  const usable = capability.efforts.filter(
    (e) => !(capability.toolsRefusedAt?.[e] ?? []).some((t) => tools.includes(t)),
  );
  if (!usable.length) return undefined;
  const rank = (e: ReasoningEffort) => REASONING_EFFORTS.indexOf(e);
  const target = rank(preferred);
  return [...usable].sort((a, b) => {
    const distance = Math.abs(rank(a) - target) - Math.abs(rank(b) - target);
    return distance !== 0 ? distance : rank(b) - rank(a);
  })[0];
}

/** The built-in table with a user's entries laid over it (each entry whole). */
export function mergeModelCapabilities(
  base: ModelCapabilities,
  override: ModelCapabilities,
): ModelCapabilities {
  return { ...base, ...override };
}
