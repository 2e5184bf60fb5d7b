import { z } from 'zod';

/** Faults that answer an HTTP request with an error (or no answer at all). */
export const REQUEST_FAULTS = ['rateLimit', 'serverError', 'unavailable', 'reset', 'hang'] as const;
/** Faults that decide how a created background response ends. */
export const RESPONSE_FAULTS = ['failed', 'incomplete', 'stuckQueued'] as const;

export const faultNameSchema = z.enum([...REQUEST_FAULTS, ...RESPONSE_FAULTS]);
export type FaultName = z.infer<typeof faultNameSchema>;
export type RequestFaultName = (typeof REQUEST_FAULTS)[number];
export type ResponseFaultName = (typeof RESPONSE_FAULTS)[number];

export const faultTargetSchema = z.enum(['create', 'retrieve', 'cancel', 'any']);
export type FaultTarget = z.infer<typeof faultTargetSchema>;

/** `none` is a placeholder that lets one matching request through unharmed, so later entries hit later requests. */
export const scriptedFaultSchema = z.strictObject({
  fault: z.enum([...REQUEST_FAULTS, ...RESPONSE_FAULTS, 'none']),
  on: faultTargetSchema.default('any'),
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

export const DEFAULT_MODELS: readonly string[] = [
  'gpt-5.2',
  'gpt-5.1',
  'gpt-5',
  'gpt-5-mini',
  'gpt-5-nano',
  'o3',
  'o4-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
];

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
