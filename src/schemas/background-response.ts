import { z } from 'zod';

/**
 * What one background response is asked to do, and what comes back from it: the contract between
 * workflows and the background-response activity. Pure (no I/O): safe inside workflow code.
 */

/** Every effort the spec's ReasoningEffort lists, lowest first (which ones a model takes: src/openai/models.ts). */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export const reasoningEffortSchema = z.enum(REASONING_EFFORTS);
export type ReasoningEffort = z.infer<typeof reasoningEffortSchema>;

export const searchContextSizeSchema = z.enum(['low', 'medium', 'high']);

export const webSearchToolSchema = z.strictObject({
  type: z.literal('web_search'),
  searchContextSize: searchContextSizeSchema.optional(),
  allowedDomains: z.array(z.string().min(1)).max(100).optional(),
});

export const functionToolSchema = z.strictObject({
  type: z.literal('function'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64'),
  description: z.string().optional(),
  /** JSON Schema of the arguments. */
  parameters: z.record(z.string(), z.unknown()),
  strict: z.boolean().default(true),
});

export const toolSchema = z.discriminatedUnion('type', [webSearchToolSchema, functionToolSchema]);
export type Tool = z.infer<typeof toolSchema>;

/** Input items we send: plain messages and the outputs of function calls the model asked for. */
export const inputItemSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('message'),
    role: z.enum(['user', 'developer', 'assistant']),
    content: z.string(),
  }),
  z.strictObject({ type: z.literal('function_call_output'), callId: z.string().min(1), output: z.string() }),
]);
export type InputItem = z.infer<typeof inputItemSchema>;

export const backgroundRequestSchema = z.strictObject({
  /** Short label for logs, errors and the Web UI, e.g. "plan" or "q2 round 1". */
  step: z.string().min(1).max(200),
  model: z.string().min(1),
  /** Which setting chose `model`, so a "model not found" error can say what to change. */
  modelSetting: z.string().default('model'),
  instructions: z.string().optional(),
  input: z.union([z.string().min(1), z.array(inputItemSchema).min(1)]),
  reasoningEffort: reasoningEffortSchema.optional(),
  tools: z.array(toolSchema).optional(),
  /** Structured output: the JSON Schema the answer must follow. */
  outputSchema: z
    .strictObject({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
      schema: z.record(z.string(), z.unknown()),
    })
    .optional(),
  previousResponseId: z.string().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  maxToolCalls: z.number().int().positive().optional(),
  /** At most 16 pairs reach the provider (API limit). */
  metadata: z.record(z.string().max(64), z.string().max(512)).optional(),
});
export type BackgroundRequest = z.input<typeof backgroundRequestSchema>;
export type ParsedBackgroundRequest = z.infer<typeof backgroundRequestSchema>;

export const usageSchema = z.strictObject({
  inputTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  reasoningTokens: z.number().int().nonnegative(),
  webSearchCalls: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof usageSchema>;

export const emptyUsage: Usage = {
  inputTokens: 0,
  cachedTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  webSearchCalls: 0,
};

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    webSearchCalls: a.webSearchCalls + b.webSearchCalls,
  };
}

export const urlCitationSchema = z.strictObject({
  url: z.string(),
  title: z.string(),
  startIndex: z.number().int(),
  endIndex: z.number().int(),
});
export type UrlCitation = z.infer<typeof urlCitationSchema>;

export const webSearchSchema = z.strictObject({
  /** What the call did: searched, opened a page, or searched within a page. Absent in older results. */
  action: z.enum(['search', 'open_page', 'find_in_page']).optional(),
  /** The queries (for find_in_page: the pattern). */
  queries: z.array(z.string()),
  /** URLs the search consulted (present when the request included them), or the page opened. */
  sources: z.array(z.string()),
  /** Sources without a url, by name (e.g. "oai-weather"): consulted, but not pages anyone can cite. */
  namedSources: z.array(z.string()).optional(),
});

export const functionCallSchema = z.strictObject({
  callId: z.string(),
  name: z.string(),
  /** JSON text, as the model wrote it: the tool validates it. */
  arguments: z.string(),
});
export type FunctionCall = z.infer<typeof functionCallSchema>;

/** Extracted data only: never the raw provider response (payloads stay small). */
export const backgroundResultSchema = z.strictObject({
  responseId: z.string(),
  status: z.enum(['completed', 'incomplete']),
  incompleteReason: z.string().optional(),
  outputText: z.string(),
  /** The answer parsed as JSON, when an output schema was given and the text parsed. */
  parsed: z.unknown().optional(),
  /** Why `parsed` is missing although a schema was given. */
  parseError: z.string().optional(),
  refusal: z.string().optional(),
  citations: z.array(urlCitationSchema),
  webSearches: z.array(webSearchSchema),
  functionCalls: z.array(functionCallSchema),
  usage: usageSchema,
  timings: z.strictObject({
    /** Epoch ms when the response was created at the provider and when this activity saw it finish. */
    createdAtMs: z.number(),
    finishedAtMs: z.number(),
    polls: z.number().int().nonnegative(),
    /** True when this attempt picked up a response created by an earlier attempt. */
    resumed: z.boolean(),
  }),
});
export type BackgroundResult = z.infer<typeof backgroundResultSchema>;
