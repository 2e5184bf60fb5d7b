import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { referenceDir, SPEC_FILE } from './reference';

export {
  loadRecordings,
  recordingsDir,
  referenceDir,
  type Recording,
  type RecordedExchange,
} from './reference';

/**
 * OpenAI's published OpenAPI spec (`shared/reference/openai-openapi.yaml`) as a JSON Schema validator, so
 * tests can check request bodies the project builds and responses the simulator sends against what OpenAI
 * itself promises: `validateAgainst('CreateResponse', body)`, `validateAgainst('Response', response)`.
 *
 * The spec is OpenAPI 3.1, whose schemas are JSON Schema 2020-12 plus a few OpenAPI keywords. They are
 * handled like this before compiling:
 * - `nullable: true` (an OpenAPI 3.0 leftover the spec still uses) allows `null`, as its authors meant;
 * - `discriminator` is dropped: it only names the property that tells `oneOf`/`anyOf` branches apart, and
 *   the branches themselves already require their `type` value;
 * - `example`, `examples` and every `x-*` extension are annotations and are dropped;
 * - the spec's own formats (`unixtime`, `int64`, `double`, `float`, `binary`, `png`) are registered as the
 *   numbers or strings they describe; `uri`, `date` etc. come from ajv-formats.
 *
 * The reference lives outside the repository (`../shared/reference`, or wherever
 * `DEEP_RESEARCH_REFERENCE_DIR` points): a clone without it has nothing to check, and `referenceDir()` is
 * `undefined` there so suites can say so and skip.
 */

const SPEC_ID = 'https://github.com/openai/openai-openapi/openapi.yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ANNOTATION_KEYS = new Set(['example', 'examples', 'discriminator', 'nullable']);

/** Turns the spec's OpenAPI dialect into plain JSON Schema 2020-12 (see the file comment). */
function toJsonSchema(node: Json, isSchema: boolean): Json {
  if (Array.isArray(node)) return node.map((child) => toJsonSchema(child, isSchema));
  if (node === null || typeof node !== 'object') return node;
  if (!isSchema) {
    // A map of names to schemas (`properties`, `$defs`, `components.schemas`): keys are names, not keywords.
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, toJsonSchema(value, true)]));
  }
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || ANNOTATION_KEYS.has(key)) continue;
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'required') {
      out[key] = value; // values, not schemas
    } else if (
      key === 'properties' ||
      key === '$defs' ||
      key === 'patternProperties' ||
      key === 'dependentSchemas'
    ) {
      out[key] = toJsonSchema(value, false);
    } else if (key === 'oneOf') {
      out['anyOf'] = toJsonSchema(value, true);
    } else {
      out[key] = toJsonSchema(value, true);
    }
  }
  if (node['nullable'] === true) return allowNull(out);
  return out;
}

function allowNull(schema: { [key: string]: Json }): { [key: string]: Json } {
  const type = schema['type'];
  if (typeof type === 'string' && schema['$ref'] === undefined) {
    const widened: { [key: string]: Json } = { ...schema, type: [type, 'null'] };
    const values = schema['enum'];
    if (Array.isArray(values) && !values.includes(null)) widened['enum'] = [...values, null];
    return widened;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/**
 * Where OpenAI's real answers (and requests it accepted) break its own spec, the recording is right: each
 * relaxation below widens the spec just enough for what `recorded/` shows, and names the file that shows it.
 * Each one throws if the spec no longer has the shape it edits, so a newer spec is noticed, not silently
 * widened. test/conformance/openapi.test.ts checks that every recording validates and that each relaxation
 * is needed by its recording.
 */
export interface Relaxation {
  /** What the real API does that the spec does not allow. */
  why: string;
  /** A recording in `recorded/` that shows it. */
  recording: string;
  apply(schemas: JsonObject): void;
}

function nodeAt(schemas: JsonObject, path: (string | number)[]): JsonObject {
  let node: Json = schemas;
  for (const key of path) {
    node = (node as JsonObject | Json[] | null)?.[key as never] ?? null;
    if (node === null || typeof node !== 'object') {
      throw new Error(`The OpenAPI spec changed: nothing at components.schemas.${path.join('.')}`);
    }
  }
  return node as JsonObject;
}

function dropRequired(schemas: JsonObject, path: (string | number)[], property: string): void {
  const node = nodeAt(schemas, path);
  const required = node['required'];
  if (!Array.isArray(required) || !required.includes(property)) {
    throw new Error(`The OpenAPI spec changed: ${path.join('.')} no longer requires '${property}'`);
  }
  node['required'] = required.filter((name) => name !== property);
}

function nullableProperty(schemas: JsonObject, path: (string | number)[], property: string): void {
  const properties = nodeAt(schemas, [...path, 'properties']);
  const schema = properties[property];
  if (schema === undefined)
    throw new Error(`The OpenAPI spec changed: ${path.join('.')} has no '${property}'`);
  properties[property] = { anyOf: [schema, { type: 'null' }] };
}

export const RELAXATIONS: readonly Relaxation[] = [
  {
    why: 'every Response carries `user: null` (the spec types it as a string)',
    recording: 'pydantic-ai__test_gpt5_pro.json',
    apply: (s) => nullableProperty(s, ['ModelResponseProperties'], 'user'),
  },
  {
    why: 'a Response not finished yet (queued, in_progress, the stream events before the last) has `usage: null`',
    recording: 'pydantic-ai__test_background_mode_vcr.json',
    apply: (s) => nullableProperty(s, ['Response', 'allOf', 2], 'usage'),
  },
  {
    why: 'responses recorded before the field existed have no `input_tokens_details.cache_write_tokens`',
    recording: 'pydantic-ai__test_openai_responses_model_thinking_part.json',
    apply: (s) =>
      dropRequired(s, ['ResponseUsage', 'properties', 'input_tokens_details'], 'cache_write_tokens'),
  },
  {
    why: 'older `output_text` parts have no `logprobs`',
    recording: 'pydantic-ai__test_native_output.json',
    apply: (s) => dropRequired(s, ['OutputTextContent'], 'logprobs'),
  },
  {
    why: 'a json_schema text format is echoed with `description: null`',
    recording: 'pydantic-ai__test_openai_responses_native_output_decimal_strict.json',
    apply: (s) => nullableProperty(s, ['TextResponseFormatJsonSchema'], 'description'),
  },
  {
    why: 'with include web_search_call.action.sources a source can be `{type: "api", name}`, with no url',
    recording: 'pydantic-ai__test_openai_responses_model_web_search_tool_stream.json',
    apply: (s) => {
      const sources = nodeAt(s, ['WebSearchActionSearch', 'properties', 'sources']);
      const urlSource = sources['items'] as Json;
      sources['items'] = {
        anyOf: [
          urlSource,
          {
            type: 'object',
            properties: { type: { type: 'string', enum: ['api'] }, name: { type: 'string' } },
            required: ['type', 'name'],
          },
        ],
      };
    },
  },
  {
    why: 'a web_search_call is announced (`response.output_item.added`, status in_progress) with no `action` yet',
    recording: 'pydantic-ai__test_openai_responses_model_web_search_tool_stream.json',
    apply: (s) => dropRequired(s, ['WebSearchToolCall'], 'action'),
  },
  {
    why: 'clients replay a web_search_call input item with `action.sources: null`, and the API accepts it',
    recording: 'chatlas__test_openai_web_search.json',
    apply: (s) => nullableProperty(s, ['WebSearchActionSearch'], 'sources'),
  },
  {
    why: '`response.function_call_arguments.done` events can lack `name`',
    recording: 'chatlas__test_openai_tool_variations_async.json',
    apply: (s) => dropRequired(s, ['ResponseFunctionCallArgumentsDoneEvent'], 'name'),
  },
  {
    why: 'clients replay a function_call input item with `status: null`, and the API accepts it',
    recording: 'pydantic-ai__test_openai_responses_model_simple_response_with_tool_call.json',
    apply: (s) => nullableProperty(s, ['FunctionToolCall'], 'status'),
  },
  {
    why: 'clients replay an assistant message as `{role, content: [{type: "output_text", text}]}` (no id, no annotations), and the API accepts it',
    recording: 'ellmer__openai-v2-tool.json',
    apply: (s) => {
      const content = nodeAt(s, ['EasyInputMessage', 'properties', 'content']);
      const branches = content['anyOf'];
      if (!Array.isArray(branches)) throw new Error('The OpenAPI spec changed: EasyInputMessage.content');
      branches.push({
        type: 'array',
        items: {
          type: 'object',
          properties: { type: { type: 'string', enum: ['output_text'] }, text: { type: 'string' } },
          required: ['type', 'text'],
        },
      });
    },
  },
];

let specText: unknown;

function readSpec(): { components: { schemas: JsonObject } } {
  const dir = referenceDir();
  if (!dir) {
    throw new Error(
      `OpenAI's OpenAPI spec (${SPEC_FILE}) was not found: set DEEP_RESEARCH_REFERENCE_DIR or put it in ../shared/reference`,
    );
  }
  specText ??= parse(readFileSync(join(dir, SPEC_FILE), 'utf8'));
  return structuredClone(specText) as { components: { schemas: JsonObject } };
}

export interface SchemaCheck {
  valid: boolean;
  /** ajv's errors, one line each (`/output/0/action: must have required property 'url'`). */
  errors: string[];
}

/** The spec's `components.schemas` compiled with a set of relaxations (all of them unless told otherwise). */
export class SpecValidator {
  private readonly ajv: Ajv2020;
  private readonly schemaNames: ReadonlySet<string>;
  /** Stream event `type` -> the name of its schema, from the branches of `ResponseStreamEvent`. */
  readonly streamEvents: ReadonlyMap<string, string>;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(relaxations: readonly Relaxation[] = RELAXATIONS) {
    const schemas = toJsonSchema(readSpec().components.schemas, false) as JsonObject;
    for (const relaxation of relaxations) relaxation.apply(schemas);
    // strict: false because the spec's schemas use `type` alongside `anyOf` and `required` without
    // `properties`, which ajv's strict mode flags; neither changes what validates.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isFinite(value) });
    this.ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
    this.ajv.addFormat('double', { type: 'number', validate: (value: number) => Number.isFinite(value) });
    this.ajv.addFormat('float', { type: 'number', validate: (value: number) => Number.isFinite(value) });
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('png', true);
    // One document, so `#/components/schemas/X` references resolve as they do in the spec.
    this.ajv.addSchema({ $id: SPEC_ID, components: { schemas } });
    this.schemaNames = new Set(Object.keys(schemas));
    this.streamEvents = streamEventSchemas(schemas);
  }

  has(schemaName: string): boolean {
    return this.schemaNames.has(schemaName);
  }

  /** The compiled validator of one `components.schemas` entry (compiled on first use). */
  validatorFor(schemaName: string): ValidateFunction {
    const known = this.cache.get(schemaName);
    if (known) return known;
    if (!this.schemaNames.has(schemaName))
      throw new Error(`The OpenAPI spec has no schema named '${schemaName}'`);
    const validate = this.ajv.getSchema(`${SPEC_ID}#/components/schemas/${schemaName}`);
    if (!validate) throw new Error(`Could not compile the spec's schema '${schemaName}'`);
    this.cache.set(schemaName, validate);
    return validate;
  }

  /** Validates a value against a schema of the spec; `valid` false lists what is wrong where. */
  validate(schemaName: string, value: unknown): SchemaCheck {
    const validate = this.validatorFor(schemaName);
    const valid = validate(value) === true;
    return { valid, errors: valid ? [] : formatErrors(validate.errors ?? []) };
  }

  /**
   * Validates one stream event against the schema of its own `type` (clearer errors than the whole
   * `ResponseStreamEvent` union); an event type the spec does not list is an error too.
   */
  validateStreamEvent(event: unknown): SchemaCheck {
    const type = (event as { type?: unknown } | null)?.type;
    const name = typeof type === 'string' ? this.streamEvents.get(type) : undefined;
    if (!name) {
      return {
        valid: false,
        errors: [`(root): stream event type ${JSON.stringify(type)} is not in the spec`],
      };
    }
    return this.validate(name, event);
  }
}

function streamEventSchemas(schemas: JsonObject): Map<string, string> {
  const byType = new Map<string, string>();
  const union = schemas['ResponseStreamEvent'] as { anyOf?: { $ref?: string }[] } | undefined;
  for (const branch of union?.anyOf ?? []) {
    const name = branch.$ref?.replace('#/components/schemas/', '');
    const schema = name ? (schemas[name] as { properties?: { type?: { enum?: Json[] } } }) : undefined;
    const type = schema?.properties?.type?.enum?.[0];
    if (name && typeof type === 'string') byType.set(type, name);
  }
  return byType;
}

let shared: SpecValidator | undefined;

/** The validator with every relaxation, compiled once per test file. */
export function specValidator(): SpecValidator {
  shared ??= new SpecValidator();
  return shared;
}

/** Validates a value against a schema of the spec (`CreateResponse`, `Response`, `ErrorResponse`, …). */
export function validateAgainst(schemaName: string, value: unknown): SchemaCheck {
  return specValidator().validate(schemaName, value);
}

/** Validates a stream event against the spec's schema for its `type`. */
export function validateStreamEvent(event: unknown): SchemaCheck {
  return specValidator().validateStreamEvent(event);
}

/**
 * ajv reports every failed `anyOf`/`oneOf` branch; the useful lines are usually the deepest ones, so errors
 * are listed deepest path first and cut at a readable number.
 */
function formatErrors(errors: ErrorObject[]): string[] {
  const lines = [...errors]
    .sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)
    .map((error) => {
      const params = Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : '';
      return `${error.instancePath || '(root)'}: ${error.message ?? error.keyword}${params}`;
    });
  return [...new Set(lines)].slice(0, 12);
}

/**
 * Throws with the errors when the value does not validate: `expect(() => assertValid('Response', r))
 * .not.toThrow()` prints what is wrong, and `label` says which value it was.
 */
export function assertValid(schemaName: string, value: unknown, label = schemaName): void {
  const check =
    schemaName === 'ResponseStreamEvent' ? validateStreamEvent(value) : validateAgainst(schemaName, value);
  if (!check.valid) {
    throw new Error(
      `${label} does not validate against the spec's ${schemaName}:\n  ${check.errors.join('\n  ')}\n` +
        `value: ${JSON.stringify(value).slice(0, 2000)}`,
    );
  }
}

/**
 * A describe block that needs the reference: where it is absent (a clone without ../shared) it says so in
 * one line and registers a single test that states it, instead of silently passing or failing.
 */
export function describeWithReference(name: string, body: () => void): void {
  if (referenceDir()) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    const reason = `${name}: nothing to check, OpenAI's reference (../shared/reference/${SPEC_FILE}) is absent`;
    console.log(reason);
    test('has nothing to check without ../shared/reference', () => {
      expect(referenceDir()).toBeUndefined();
    });
  });
}
