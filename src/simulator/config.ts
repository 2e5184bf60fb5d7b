import { z } from 'zod';
import { MODEL_FACTS } from './models';

/** Faults that answer an HTTP request with an error (or no answer at all). */
export const REQUEST_FAULTS = ['rateLimit', 'serverError', 'unavailable', 'reset', 'hang'] as const;
/** Faults that decide how a created background response ends. */
export const LIFECYCLE_FAULTS = ['failed', 'incomplete', 'stuckQueued'] as const;
/**
 * Faults in what a response says ("model output as bad input"): the response completes normally (status,
 * usage, timing, streaming as usual) but its answer is bad. They apply to every create, background or not.
 * - `badJson`: a structured-output request (`text.format.type: 'json_schema'`) gets a message whose text is
 *   not JSON: a prose lead-in followed by the JSON answer cut off half-way (the same text for the same body).
 *   Any other request gets its normal output.
 * - `schemaViolation`: a structured-output request gets valid JSON that does not validate against its schema:
 *   the first required property is dropped, the next one has the wrong type, and an undeclared `note` property
 *   is added (whatever of this the schema allows to be a violation). Any other request gets its normal output.
 *   Neither touches function-call arguments: a structured request that answers with function calls is unchanged.
 * - `emptyAnswer`: the answer is one message whose `output_text` is `''` with no annotations; reasoning and
 *   web_search_call items stay (a search that found nothing usable); function calls are replaced.
 * - `refusal`: the answer is one message whose only content part is `{ type: 'refusal', refusal }`; reasoning
 *   stays, searches and function calls are dropped.
 * A fault that leaves the output unchanged (e.g. `badJson` on a plain-text request) still counts as injected.
 */
export const OUTPUT_FAULTS = ['badJson', 'schemaViolation', 'emptyAnswer', 'refusal'] as const;
/** Faults applied when a response is created (lifecycle faults need `background: true`). */
export const RESPONSE_FAULTS = [...LIFECYCLE_FAULTS, ...OUTPUT_FAULTS] as const;

export const faultNameSchema = z.enum([...REQUEST_FAULTS, ...RESPONSE_FAULTS]);
export type FaultName = z.infer<typeof faultNameSchema>;
export type RequestFaultName = (typeof REQUEST_FAULTS)[number];
export type LifecycleFaultName = (typeof LIFECYCLE_FAULTS)[number];
export type OutputFaultName = (typeof OUTPUT_FAULTS)[number];
export type ResponseFaultName = (typeof RESPONSE_FAULTS)[number];

/** What a refusal says (the words OpenAI's models use). */
export const REFUSAL_TEXT = "I'm sorry, but I can't help with that.";

export const faultTargetSchema = z.enum(['create', 'retrieve', 'cancel', 'any']);
export type FaultTarget = z.infer<typeof faultTargetSchema>;

/**
 * `none` is a placeholder that lets one matching request through unharmed, so later entries hit later requests.
 * `match`, when set, limits the entry to creates whose raw JSON body contains that text (case-sensitive), e.g.
 * `'"research_plan"'` for the request whose text format has that name, or `'"web_search"'` for requests with
 * the web search tool. An entry with `match` never applies to a retrieve, cancel or delete (so `on` must be
 * `create` or `any`); one without it applies as `on` says.
 */
export const scriptedFaultSchema = z
  .strictObject({
    fault: z.enum([...REQUEST_FAULTS, ...RESPONSE_FAULTS, 'none']),
    on: faultTargetSchema.default('any'),
    match: z.string().min(1).optional(),
  })
  .refine((entry) => entry.match === undefined || entry.on === 'create' || entry.on === 'any', {
    message: "'match' only applies to creates: use on 'create' or 'any'",
    path: ['match'],
  });
export type ScriptedFault = z.infer<typeof scriptedFaultSchema>;

const probability = z.number().min(0).max(1);

export const faultConfigSchema = z.strictObject({
  rateLimit: probability,
  serverError: probability,
  unavailable: probability,
  reset: probability,
  hang: probability,
  failed: probability,
  incomplete: probability,
  stuckQueued: probability,
  badJson: probability,
  schemaViolation: probability,
  emptyAnswer: probability,
  refusal: probability,
  retryAfterSeconds: z.number().min(0),
  script: z.array(scriptedFaultSchema),
});
export type FaultConfig = z.infer<typeof faultConfigSchema>;

export const simulatorConfigSchema = z.strictObject({
  latencyMs: z.number().min(0),
  jitter: z.number().min(0).max(1),
  apiKey: z.string().min(1).optional(),
  /** Seeds the PRNG for latency jitter and fault rolls. */
  seed: z.number().int(),
  models: z.array(z.string().min(1)),
  inventedCitations: z.number().int().min(0),
  faults: faultConfigSchema,
});
export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;

/** A deep-partial patch; arrays replace, `apiKey: null` removes the key. */
export const simulatorConfigPatchSchema = z.strictObject({
  latencyMs: simulatorConfigSchema.shape.latencyMs.optional(),
  jitter: simulatorConfigSchema.shape.jitter.optional(),
  apiKey: z.string().min(1).nullable().optional(),
  seed: simulatorConfigSchema.shape.seed.optional(),
  models: simulatorConfigSchema.shape.models.optional(),
  inventedCitations: simulatorConfigSchema.shape.inventedCitations.optional(),
  faults: faultConfigSchema.partial().optional(),
});
export type SimulatorConfigPatch = z.input<typeof simulatorConfigPatchSchema>;

/** Every model the simulator knows the rules of (src/simulator/models.ts), aliases and snapshots. */
export const DEFAULT_MODELS: readonly string[] = Object.keys(MODEL_FACTS);

export function defaultConfig(): SimulatorConfig {
  return {
    latencyMs: 2000,
    jitter: 0.2,
    seed: 1,
    models: [...DEFAULT_MODELS],
    inventedCitations: 0,
    faults: {
      rateLimit: 0,
      serverError: 0,
      unavailable: 0,
      reset: 0,
      hang: 0,
      failed: 0,
      incomplete: 0,
      stuckQueued: 0,
      badJson: 0,
      schemaViolation: 0,
      emptyAnswer: 0,
      refusal: 0,
      retryAfterSeconds: 1,
      script: [],
    },
  };
}

/** Thrown for an invalid config patch; `param` names the offending field (e.g. `faults.rateLimit`). */
export class SimulatorConfigError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'SimulatorConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue): { param: string; message: string } {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => (path ? `${path}.${key}` : key));
    return { param: keys[0] ?? path, message: `Unknown config key(s): ${keys.join(', ')}` };
  }
  return { param: path, message: `Invalid config value at '${path || '(root)'}': ${issue.message}` };
}

/** Applies a patch (unknown input, e.g. from HTTP) to a config; throws SimulatorConfigError naming the bad field. */
export function applyConfigPatch(current: SimulatorConfig, patch: unknown): SimulatorConfig {
  const parsedPatch = simulatorConfigPatchSchema.safeParse(patch);
  if (!parsedPatch.success) {
    const issue = parsedPatch.error.issues[0];
    if (!issue) throw new SimulatorConfigError('Invalid config patch', '');
    const { param, message } = describeIssue(issue);
    throw new SimulatorConfigError(message, param);
  }
  const { apiKey, faults, ...rest } = parsedPatch.data;
  const merged: SimulatorConfig = {
    ...current,
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    faults: {
      ...current.faults,
      ...Object.fromEntries(Object.entries(faults ?? {}).filter(([, value]) => value !== undefined)),
    },
  };
  if (apiKey === null) delete merged.apiKey;
  else if (apiKey !== undefined) merged.apiKey = apiKey;
  // The merged result is re-validated so that the stored config is always a valid one.
  const checked = simulatorConfigSchema.safeParse(merged);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const { param, message } = issue ? describeIssue(issue) : { param: '', message: 'Invalid config' };
    throw new SimulatorConfigError(message, param);
  }
  return checked.data;
}

const responseStatsSchema = z.object({
  status: z.enum(['queued', 'in_progress', 'completed', 'failed', 'cancelled', 'incomplete']),
  model: z.string(),
  background: z.boolean(),
  stream: z.boolean(),
  createdAtMs: z.number(),
  finishedAtMs: z.number().optional(),
  polls: z.number(),
  previousResponseId: z.string().optional(),
  tools: z.array(z.string()),
  formatName: z.string().optional(),
  reasoningEffort: z.string().optional(),
  deleted: z.boolean().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
export type ResponseStats = z.infer<typeof responseStatsSchema>;

export const simulatorStatsSchema = z.object({
  created: z.number(),
  completed: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  incomplete: z.number(),
  inFlight: z.number(),
  retrieves: z.number(),
  cancels: z.number(),
  deletes: z.number(),
  requests: z.number(),
  webSearchCalls: z.number(),
  functionCalls: z.number(),
  faultsInjected: z.record(faultNameSchema, z.number()),
  responses: z.record(z.string(), responseStatsSchema),
});
export type SimulatorStats = z.infer<typeof simulatorStatsSchema>;
