import { z } from 'zod';
import { invalidRequest, type ApiError } from './errors';

/** Validation of `POST /v1/responses` bodies, with the API's error messages and `param` paths. */

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const FORMAT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const WEB_SEARCH_TYPES = [
  'web_search',
  'web_search_preview',
  'web_search_2025_08_26',
  'web_search_preview_2025_03_11',
];

/** The spec's `IncludeEnum`: anything else in `include` is refused. */
export const INCLUDE_VALUES = [
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
] as const;

const jsonSchemaObject = z.record(z.string(), z.unknown());

const textFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().regex(FORMAT_NAME, { message: 'pattern:^[a-zA-Z0-9_-]+$' }),
    schema: jsonSchemaObject,
    strict: z.boolean().nullish(),
    description: z.string().nullish(),
  }),
]);

const toolSchema = z.looseObject({ type: z.string() });

const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: z.string().regex(FUNCTION_NAME, { message: 'pattern:^[a-zA-Z0-9_-]+$' }),
  description: z.string().nullish(),
  parameters: jsonSchemaObject.nullish(),
  strict: z.boolean().nullish(),
});

const webSearchToolSchema = z.looseObject({
  type: z.string(),
  search_context_size: z.enum(['low', 'medium', 'high']).optional(),
  filters: z.looseObject({ allowed_domains: z.array(z.string()).nullish() }).nullish(),
});

const createBodySchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({}))]).optional(),
  instructions: z.string().nullish(),
  background: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
  conversation: z.unknown().optional(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.string(), name: z.string().optional() }),
    ])
    .nullish(),
  text: z.looseObject({ format: textFormatSchema.nullish(), verbosity: z.string().nullish() }).nullish(),
  reasoning: z
    .looseObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullish(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
    })
    .nullish(),
  max_output_tokens: z.number().int().min(16).nullish(),
  max_tool_calls: z.number().int().min(1).nullish(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
  include: z.array(z.enum(INCLUDE_VALUES)).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
});

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: boolean };

export interface FunctionToolSpec {
  type: 'function';
  name: string;
  description: string | null;
  parameters: Record<string, unknown>;
  strict: boolean;
}

export interface WebSearchToolSpec {
  type: 'web_search';
  contextSize: 'low' | 'medium' | 'high';
  allowedDomains: string[];
}

export type ToolChoice =
  | { kind: 'none' }
  | { kind: 'auto' }
  | { kind: 'required' }
  | { kind: 'function'; name: string }
  | { kind: 'web_search' };

/** A validated create request. `raw` is the body as received (echoed back where the API echoes it). */
export interface CreateRequest {
  raw: Record<string, unknown>;
  model: string;
  input: string | Record<string, unknown>[];
  instructions: string | null;
  background: boolean;
  stream: boolean;
  store: boolean;
  previousResponseId: string | null;
  functionTools: FunctionToolSpec[];
  webSearch: WebSearchToolSpec | null;
  toolTypes: string[];
  toolChoice: ToolChoice;
  textFormat: TextFormat;
  /** `reported`: the effort the response names (the request's, or the model's default), set by the model check. */
  reasoning: { effort: string | null; summary: string | null; reported: string | null };
  /** Whether the body sets `reasoning` at all (models without reasoning refuse it). */
  hasReasoning: boolean;
  /** Whether the body sets `temperature` / `top_p` (most reasoning models refuse them). */
  sampling: { temperature: boolean; topP: boolean };
  maxOutputTokens: number | null;
  maxToolCalls: number | null;
  metadata: Record<string, string> | null;
  include: string[];
  parallelToolCalls: boolean;
}

const INTEGER_PARAMS = new Set(['max_output_tokens', 'max_tool_calls', 'top_logprobs']);

function paramOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

/** Translates the first zod issue into the API's wording. */
function toApiError(issue: z.core.$ZodIssue, body: unknown): ApiError {
  const param = paramOf(issue.path);
  const value = valueAt(body, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) {
        return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
      }
      return invalidRequest(
        `Invalid type for '${param}': expected ${issue.expected === 'number' ? 'a number' : `a ${issue.expected}`}, but got ${describeType(value)} instead.`,
        param,
        'invalid_type',
      );
    case 'too_small': {
      // Recorded: `temperature: -1` is "decimal below minimum value": the wording follows the parameter's type.
      const kind = INTEGER_PARAMS.has(param) ? 'integer' : 'decimal';
      return invalidRequest(
        `Invalid '${param}': ${issue.origin === 'number' ? `${kind} below minimum value` : 'string too short'}. Expected a value >= ${String(issue.minimum)}, but got ${JSON.stringify(value)} instead.`,
        param,
        issue.origin === 'number' ? `${kind}_below_min_value` : 'string_below_min_length',
      );
    }
    case 'too_big': {
      const kind = INTEGER_PARAMS.has(param) ? 'integer' : 'decimal';
      return invalidRequest(
        `Invalid '${param}': ${issue.origin === 'number' ? `${kind} above maximum value` : 'string too long'}. Expected a value <= ${String(issue.maximum)}, but got ${typeof value === 'string' ? `a string with length ${value.length}` : JSON.stringify(value)} instead.`,
        param,
        issue.origin === 'number' ? `${kind}_above_max_value` : 'string_above_max_length',
      );
    }
    case 'invalid_value':
      return invalidRequest(
        `Invalid value: ${JSON.stringify(value)}. Supported values are: ${issue.values.map((v) => `'${String(v)}'`).join(', ')}.`,
        param,
        'invalid_value',
      );
    case 'invalid_format':
    case 'custom':
      if (issue.message.startsWith('pattern:')) {
        return invalidRequest(
          `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '${issue.message.slice(8)}'.`,
          param,
          'invalid_value',
        );
      }
      return invalidRequest(`Invalid '${param}': ${issue.message}.`, param, 'invalid_value');
    case 'invalid_union':
      return invalidRequest(`Invalid value for '${param}'.`, param, 'invalid_value');
    default:
      return invalidRequest(`Invalid '${param}': ${issue.message}.`, param, 'invalid_value');
  }
}

/** Thrown values are ApiErrors; the caller turns them into HTTP responses. */
export function parseCreateRequest(body: unknown): CreateRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_type');
  }
  const parsed = createBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw issue ? toApiError(issue, body) : invalidRequest('Invalid request.');
  }
  const data = parsed.data;
  const raw = body as Record<string, unknown>;

  const background = data.background ?? false;
  // Recorded: a background create without `store` is accepted and answered `store: false`, and is still
  // polled by id. An explicit `store: false` is refused, as the background-mode guide says.
  const store = data.store ?? !background;
  if (background && data.store === false) {
    throw invalidRequest('Background mode requires `store` to be true.', 'store', 'invalid_value');
  }
  if (data.previous_response_id && data.conversation !== undefined && data.conversation !== null) {
    throw invalidRequest(
      "Parameters 'previous_response_id' and 'conversation' cannot be used together.",
      'previous_response_id',
      'mutually_exclusive_parameters',
    );
  }
  const metadata = data.metadata ?? null;
  if (metadata && Object.keys(metadata).length > 16) {
    throw invalidRequest(
      `Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${Object.keys(metadata).length} properties instead.`,
      'metadata',
      'object_above_max_properties',
    );
  }

  if (Array.isArray(data.input)) checkInputItems(data.input);

  const functionTools: FunctionToolSpec[] = [];
  let webSearch: WebSearchToolSpec | null = null;
  const tools = data.tools ?? [];
  tools.forEach((tool, index) => {
    if (tool.type === 'function') {
      const fn = functionToolSchema.safeParse(tool);
      if (!fn.success) {
        const issue = fn.error.issues[0];
        if (issue) throw toApiError({ ...issue, path: ['tools', index, ...issue.path] }, body);
        throw invalidRequest('Invalid function tool.', `tools[${index}]`);
      }
      const strict = fn.data.strict === true;
      const parameters = fn.data.parameters ?? { type: 'object', properties: {} };
      if (strict) checkStrictSchema(parameters, `function '${fn.data.name}'`, `tools[${index}].parameters`);
      functionTools.push({
        type: 'function',
        name: fn.data.name,
        description: fn.data.description ?? null,
        parameters,
        strict,
      });
    } else if (WEB_SEARCH_TYPES.includes(tool.type)) {
      const ws = webSearchToolSchema.safeParse(tool);
      if (!ws.success) {
        const issue = ws.error.issues[0];
        if (issue) throw toApiError({ ...issue, path: ['tools', index, ...issue.path] }, body);
        throw invalidRequest('Invalid web search tool.', `tools[${index}]`);
      }
      webSearch = {
        type: 'web_search',
        contextSize: ws.data.search_context_size ?? 'medium',
        allowedDomains: (ws.data.filters?.allowed_domains ?? []).map(normaliseDomain).filter(Boolean),
      };
    }
  });

  const toolChoice = parseToolChoice(data.tool_choice, functionTools);

  let textFormat: TextFormat = { type: 'text' };
  const format = data.text?.format;
  if (format?.type === 'json_schema') {
    const strict = format.strict === true;
    if (strict) checkStrictSchema(format.schema, `response_format '${format.name}'`, 'text.format.schema');
    textFormat = { type: 'json_schema', name: format.name, schema: format.schema, strict };
  } else if (format?.type === 'json_object') {
    textFormat = { type: 'json_object' };
  }

  return {
    raw,
    model: data.model,
    input: data.input ?? [],
    instructions: data.instructions ?? null,
    background,
    stream: data.stream ?? false,
    store,
    previousResponseId: data.previous_response_id ?? null,
    functionTools,
    webSearch,
    toolTypes: tools.map((tool) => tool.type),
    toolChoice,
    textFormat,
    reasoning: {
      effort: data.reasoning?.effort ?? null,
      summary: data.reasoning?.summary ?? null,
      reported: data.reasoning?.effort ?? null,
    },
    hasReasoning: Boolean(
      data.reasoning && Object.values(data.reasoning).some((v) => v !== null && v !== undefined),
    ),
    sampling: {
      temperature: data.temperature !== null && data.temperature !== undefined,
      topP: data.top_p !== null && data.top_p !== undefined,
    },
    maxOutputTokens: data.max_output_tokens ?? null,
    maxToolCalls: data.max_tool_calls ?? null,
    metadata,
    include: data.include ?? [],
    parallelToolCalls: data.parallel_tool_calls ?? true,
  };
}

/** Audio and video are refused as `input_file` (recorded: an mp3 by URL, "Please try again with a pdf"). */
const UNSUPPORTED_FILE = /\.(mp3|wav|m4a|ogg|oga|flac|aac|opus|mp4|m4v|mov|webm|avi|mkv)(\?|#|$)/i;

function fileParts(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (part): part is Record<string, unknown> =>
      part !== null && typeof part === 'object' && (part as Record<string, unknown>)['type'] === 'input_file',
  );
}

/** Refusals that depend on how input items follow each other, in the API's words (both recorded). */
function checkInputItems(items: Record<string, unknown>[]): void {
  items.forEach((item, index) => {
    // A replayed reasoning item must be followed by the output item it led to (which has its own id).
    if (item['type'] === 'reasoning') {
      const next = items[index + 1];
      if (!next || typeof next['id'] !== 'string' || next['type'] === 'reasoning') {
        throw invalidRequest(
          `Item '${String(item['id'] ?? '')}' of type 'reasoning' was provided without its required following item.`,
          'input',
        );
      }
    }
    const parts = [...fileParts(item['content']), ...fileParts(item['output'])];
    for (const part of parts) {
      const url = typeof part['file_url'] === 'string' ? part['file_url'] : '';
      const name = typeof part['filename'] === 'string' ? part['filename'] : '';
      if (UNSUPPORTED_FILE.test(url) || UNSUPPORTED_FILE.test(name)) {
        throw invalidRequest(
          'The file type you uploaded is not supported. Please try again with a pdf',
          'input',
          'unsupported_file',
        );
      }
    }
  });
}

function normaliseDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
}

function parseToolChoice(
  choice: z.infer<typeof createBodySchema>['tool_choice'],
  functionTools: FunctionToolSpec[],
): ToolChoice {
  if (!choice || choice === 'auto') return { kind: 'auto' };
  if (choice === 'none') return { kind: 'none' };
  if (choice === 'required') return { kind: 'required' };
  if (choice.type === 'function') {
    const name = choice.name ?? '';
    if (!functionTools.some((tool) => tool.name === name)) {
      throw invalidRequest(
        `Tool choice '${name}' not found in 'tools' parameter.`,
        'tool_choice',
        'invalid_value',
      );
    }
    return { kind: 'function', name };
  }
  if (WEB_SEARCH_TYPES.includes(choice.type)) return { kind: 'web_search' };
  return { kind: 'auto' };
}

/**
 * Keywords strict structured outputs refuse (the set OpenAI's own SDK refuses before sending, openai-node's
 * `lib/transform`), and the string formats the structured-outputs guide lists as supported.
 */
const STRICT_UNSUPPORTED_KEYWORDS = [
  '$anchor',
  '$dynamicAnchor',
  '$dynamicRef',
  '$recursiveAnchor',
  '$recursiveRef',
  'allOf',
  'contains',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'else',
  'if',
  'maxContains',
  'maxProperties',
  'minContains',
  'minProperties',
  'not',
  'oneOf',
  'patternProperties',
  'prefixItems',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
  'uniqueItems',
];
export const STRICT_FORMATS = [
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
];

/**
 * Strict structured outputs reject schemas where an object allows extra keys or leaves a property out of
 * `required`, and schemas using keywords or formats outside the supported subset. Checking here makes the
 * simulator fail the same requests the API would, in its words ("In context=('properties', 'data'),
 * 'oneOf' is not permitted.").
 */
function checkStrictSchema(schema: Record<string, unknown>, label: string, param: string): void {
  if (param === 'text.format.schema' && schema['type'] !== 'object') {
    throw invalidRequest(
      `Invalid schema for ${label}: schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema['type'] ?? 'None')}"'.`,
      param,
      'invalid_json_schema',
    );
  }
  const refuse = (context: string[], problem: string): never => {
    const where = `In context=(${context.map((part) => `'${part}'`).join(', ')}${context.length === 1 ? ',' : ''})`;
    throw invalidRequest(`Invalid schema for ${label}: ${where}, ${problem}`, param, 'invalid_json_schema');
  };
  const visit = (node: unknown, context: string[]): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const record = node as Record<string, unknown>;
    for (const keyword of STRICT_UNSUPPORTED_KEYWORDS) {
      if (record[keyword] !== undefined) refuse(context, `'${keyword}' is not permitted.`);
    }
    const format = record['format'];
    if (typeof format === 'string' && !STRICT_FORMATS.includes(format)) {
      refuse(
        context,
        `'${format}' is not a supported format. Supported formats are: ${STRICT_FORMATS.join(', ')}.`,
      );
    }
    const types = Array.isArray(record['type']) ? record['type'] : [record['type']];
    const properties = record['properties'];
    if (types.includes('object') || (properties !== null && typeof properties === 'object')) {
      if (record['additionalProperties'] !== false) {
        refuse(context, `'additionalProperties' is required to be supplied and to be false.`);
      }
      const keys = properties && typeof properties === 'object' ? Object.keys(properties) : [];
      const required = Array.isArray(record['required']) ? record['required'] : [];
      const missing = keys.find((key) => !required.includes(key));
      if (missing !== undefined) {
        refuse(
          context,
          `'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`,
        );
      }
    }
    for (const [key, child] of Object.entries(record)) {
      if (key === 'properties' || key === '$defs' || key === 'definitions') {
        if (child && typeof child === 'object') {
          for (const [name, sub] of Object.entries(child)) visit(sub, [...context, key, name]);
        }
      } else if (key === 'items' || key === 'additionalProperties') {
        visit(child, [...context, key]);
      } else if (key === 'anyOf') {
        if (Array.isArray(child)) child.forEach((sub, i) => visit(sub, [...context, key, String(i)]));
      }
    }
  };
  visit(schema, []);
}
