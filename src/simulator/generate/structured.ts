import type { Rng } from '../random';
import type { RequestDigest } from './analysis';
import {
  capitalise,
  factSentences,
  facetOrder,
  fill,
  keyword,
  titleCase,
  type Facet,
  searchQuery,
} from './prose';
import { samplePattern } from './pattern';
import { sourcesFor } from './sources';

/**
 * JSON Schema -> a value that validates against it, with strings that read like content about the request.
 * Covers what `z.toJSONSchema` and OpenAI's strict subset produce: objects, arrays (incl. prefixItems),
 * strings (length, format, simple patterns), numbers and integers (bounds, multipleOf), booleans, null,
 * enum, const, anyOf/oneOf/allOf, type unions and local `$ref`s into `$defs`/`definitions` (recursion included).
 */

type JsonSchema = Record<string, unknown>;

const MAX_DEPTH = 6;
const DEFAULT_MAX_ITEMS = 4;

interface Context {
  digest: RequestDigest;
  rng: Rng;
  root: JsonSchema;
  facets: Facet[];
  counters: Map<string, number>;
  /** The facet of the last question or title written, so sibling queries fit it. */
  lastFacet: Facet | undefined;
  queriesForFacet: number;
  /** Set while generating lists that a "done" answer leaves as short as the schema allows. */
  minimalArrays: boolean;
}

export function generateFromSchema(schema: unknown, digest: RequestDigest, rng: Rng): unknown {
  const root = isSchema(schema) ? schema : {};
  const ctx: Context = {
    digest,
    rng,
    root,
    facets: facetOrder(rng.fork('facets')),
    counters: new Map(),
    lastFacet: undefined,
    queriesForFacet: 0,
    minimalArrays: false,
  };
  return generate(root, ctx, '', 0);
}

/**
 * A value that breaks a schema it was generated for, as a model that ignored the schema might write: the
 * first required property dropped, the next required one given a type the schema does not allow, and an
 * undeclared `note` added when the object is closed (`additionalProperties: false`). An object schema that
 * requires nothing and is open gets an array instead; a schema that accepts anything is left as it is.
 */
export function violateSchema(schema: unknown, value: unknown): unknown {
  const root = isSchema(schema) ? schema : {};
  const ctx = { root };
  const flat = flatten(root, ctx);
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isObject) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const properties = isSchema(flat['properties']) ? flat['properties'] : {};
  const required = (Array.isArray(flat['required']) ? flat['required'] : []).filter(
    (key): key is string => typeof key === 'string',
  );
  let violated = false;
  const [dropped, retyped] = required;
  if (dropped !== undefined) {
    delete out[dropped];
    violated = true;
  }
  const retypedSchema = retyped !== undefined ? properties[retyped] : undefined;
  if (retyped !== undefined && isSchema(retypedSchema)) {
    const wrong = wrongTypeFor(retypedSchema, ctx);
    if (wrong !== undefined) {
      out[retyped] = wrong.value;
      violated = true;
    }
  }
  if (flat['additionalProperties'] === false || flat['unevaluatedProperties'] === false) {
    out[properties['note'] === undefined ? 'note' : 'note_'] = 'Answer written without following the schema.';
    violated = true;
  }
  if (!violated && (typesOf(flat).includes('object') || 'properties' in flat)) return [value];
  return out;
}

/** A value of a JSON type that a schema does not allow, if there is one. */
function wrongTypeFor(schema: JsonSchema, ctx: Pick<Context, 'root'>): { value: unknown } | undefined {
  const allowed = new Set<string>();
  const collect = (input: unknown, depth: number): boolean => {
    if (!isSchema(input) || depth > 4) return false;
    const flat = flatten(input, ctx);
    const branches = flat['anyOf'] ?? flat['oneOf'];
    if (Array.isArray(branches)) return branches.every((branch) => collect(branch, depth + 1));
    if (flat['type'] === undefined && !('properties' in flat) && !('items' in flat)) return false;
    for (const type of typesOf(flat)) allowed.add(type === 'integer' ? 'number' : type);
    return true;
  };
  // A schema without a type (enum, const, {}) is left alone: a wrong type cannot be told apart from it.
  if (!collect(schema, 0)) return undefined;
  const candidates: [string, unknown][] = [
    ['number', 42.5],
    ['string', 'not what the schema asks for'],
    ['boolean', true],
    ['array', []],
  ];
  const found = candidates.find(([type]) => !allowed.has(type));
  return found ? { value: found[1] } : undefined;
}

function isSchema(value: unknown): value is JsonSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nextCount(ctx: Context, kind: string): number {
  const count = ctx.counters.get(kind) ?? 0;
  ctx.counters.set(kind, count + 1);
  return count;
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let current: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(current)) return undefined;
    current = current[part];
  }
  return isSchema(current) ? current : undefined;
}

/** Merges `allOf` branches and `$ref` targets into one schema (properties and required are unioned). */
function flatten(schema: JsonSchema, ctx: Pick<Context, 'root'>, seen: Set<string> = new Set()): JsonSchema {
  let out: JsonSchema = { ...schema };
  const ref = out['$ref'];
  if (typeof ref === 'string' && !seen.has(ref)) {
    seen.add(ref);
    const target = resolveRef(ref, ctx.root);
    delete out['$ref'];
    if (target) out = mergeSchemas(flatten(target, ctx, seen), out);
  }
  const allOf = out['allOf'];
  if (Array.isArray(allOf)) {
    delete out['allOf'];
    for (const part of allOf) if (isSchema(part)) out = mergeSchemas(out, flatten(part, ctx, seen));
  }
  return out;
}

function mergeSchemas(a: JsonSchema, b: JsonSchema): JsonSchema {
  const merged: JsonSchema = { ...a, ...b };
  const pa = a['properties'];
  const pb = b['properties'];
  if (isSchema(pa) || isSchema(pb))
    merged['properties'] = { ...(isSchema(pa) ? pa : {}), ...(isSchema(pb) ? pb : {}) };
  const ra = Array.isArray(a['required']) ? a['required'] : [];
  const rb = Array.isArray(b['required']) ? b['required'] : [];
  if (ra.length || rb.length) merged['required'] = [...new Set([...ra, ...rb])];
  return merged;
}

function typesOf(schema: JsonSchema): string[] {
  const type = schema['type'];
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string');
  if (isSchema(schema['properties']) || schema['additionalProperties'] !== undefined) return ['object'];
  if (schema['items'] !== undefined || schema['prefixItems'] !== undefined) return ['array'];
  return ['string'];
}

function generate(input: unknown, ctx: Context, name: string, depth: number): unknown {
  if (input === false) return null;
  if (!isSchema(input)) return stringFor({}, ctx, name);
  const schema = flatten(input, ctx);
  if ('const' in schema) return schema['const'];
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && enumValues.length > 0) {
    const nonNull = enumValues.filter((value) => value !== null);
    return ctx.rng.pick(nonNull.length ? nonNull : enumValues);
  }
  const branches = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(branches) && branches.length > 0) {
    const { anyOf: _a, oneOf: _o, ...rest } = schema;
    const choices = branches.filter(isSchema).map((branch) => mergeSchemas(rest, branch));
    const nonNull = choices.filter((branch) => !typesOf(flatten(branch, ctx)).every((t) => t === 'null'));
    const nullable = nonNull.length < choices.length;
    // Null only now and then (or deep in a recursive schema), so that most fields carry content.
    const preferNull = nullable && (depth >= MAX_DEPTH || ctx.rng.chance(0.1));
    const pool = preferNull || nonNull.length === 0 ? choices.filter((b) => !nonNull.includes(b)) : nonNull;
    return generate(ctx.rng.pick(pool.length ? pool : choices), ctx, name, depth);
  }
  const types = typesOf(schema);
  const nonNullTypes = types.filter((t) => t !== 'null');
  const type =
    nonNullTypes.length === 0 || (types.includes('null') && (depth >= MAX_DEPTH || ctx.rng.chance(0.1)))
      ? 'null'
      : ctx.rng.pick(nonNullTypes);
  switch (type) {
    case 'null':
      return null;
    case 'object':
      return objectFor(schema, ctx, name, depth);
    case 'array':
      return arrayFor(schema, ctx, name, depth);
    case 'integer':
      return numberFor(schema, ctx, name, true);
    case 'number':
      return numberFor(schema, ctx, name, false);
    case 'boolean':
      return booleanFor(ctx, name);
    default:
      return stringFor(schema, ctx, name);
  }
}

const WRAP_UP_LISTS = /\b(missing|gaps?|quer(y|ies)|questions?|follow|next|todo|more)\b/;

function objectFor(schema: JsonSchema, ctx: Context, name: string, depth: number): Record<string, unknown> {
  const properties = isSchema(schema['properties']) ? schema['properties'] : {};
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  const include = Object.keys(properties).filter(
    (key) => required.has(key) || (depth < MAX_DEPTH - 2 && ctx.rng.chance(0.6)),
  );
  // A "done" flag is decided first: when it says done, the lists of what is still missing stay minimal.
  const doneKey = include.find((key) => {
    const sub = properties[key];
    return isSchema(sub) && typesOf(flatten(sub, ctx)).includes('boolean') && BOOLEAN_DONE.test(words(key));
  });
  const values = new Map<string, unknown>();
  if (doneKey !== undefined) values.set(doneKey, generate(properties[doneKey], ctx, doneKey, depth + 1));
  const wrapUp = doneKey !== undefined && values.get(doneKey) === true;
  for (const key of include) {
    if (values.has(key)) continue;
    const minimal = ctx.minimalArrays;
    if (wrapUp && WRAP_UP_LISTS.test(words(key))) ctx.minimalArrays = true;
    values.set(key, generate(properties[key], ctx, key, depth + 1));
    ctx.minimalArrays = minimal;
  }
  const out: Record<string, unknown> = {};
  for (const key of include) out[key] = values.get(key);
  const additional = schema['additionalProperties'];
  if (isSchema(additional) && Object.keys(properties).length === 0 && depth < MAX_DEPTH) {
    const count = Math.max(typeof schema['minProperties'] === 'number' ? schema['minProperties'] : 0, 2);
    for (let i = 0; i < count; i++) {
      out[keyword(ctx.digest, i).replace(/[^A-Za-z0-9]+/g, '_')] = generate(additional, ctx, name, depth + 1);
    }
  }
  return out;
}

function arrayFor(schema: JsonSchema, ctx: Context, name: string, depth: number): unknown[] {
  // Tuples: `prefixItems` (2020-12) or an array-valued `items` (draft-7, with `additionalItems`).
  const tupleItems = Array.isArray(schema['items']);
  const prefix = Array.isArray(schema['prefixItems'])
    ? schema['prefixItems']
    : tupleItems
      ? (schema['items'] as unknown[])
      : [];
  const rest = tupleItems ? (schema['additionalItems'] ?? {}) : (schema['items'] ?? {});
  const min = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
  const max = typeof schema['maxItems'] === 'number' ? schema['maxItems'] : Infinity;
  const high = Math.max(
    min,
    Math.min(max, Math.max(DEFAULT_MAX_ITEMS, prefix.length), rest === false ? prefix.length : Infinity),
  );
  // Recursive schemas bottom out: deep arrays get only the items they must have.
  const minimal = ctx.minimalArrays || depth >= MAX_DEPTH - 2;
  // Asked for "at most N questions", a model gives N.
  const limit = /question/i.test(name) ? ctx.digest.questionLimit : undefined;
  const length = minimal
    ? min
    : limit !== undefined
      ? Math.max(min, Math.min(limit, max))
      : ctx.rng.int(Math.max(min, Math.min(2, high)), high);
  const out: unknown[] = [];
  for (let i = 0; i < length; i++) {
    const itemSchema = i < prefix.length ? prefix[i] : rest;
    out.push(generate(itemSchema, ctx, name, depth + 1));
  }
  if (schema['uniqueItems'] === true) return makeUnique(out);
  return out;
}

function makeUnique(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.map((value) => {
    let key = JSON.stringify(value);
    let candidate = value;
    for (let i = 2; seen.has(key) && typeof candidate === 'string'; i++) {
      candidate = `${value as string} (${i})`;
      key = JSON.stringify(candidate);
    }
    seen.add(key);
    return candidate;
  });
}

function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}

const BOOLEAN_DONE =
  /\b(done|complete|completed|finished|sufficient|enough|satisfied|stop|final|answered|ready|covered|resolved)\b/;
const BOOLEAN_MORE = /\b(need|needs|more|continue|follow|missing|insufficient|requires|incomplete|gaps?)\b/;

function booleanFor(ctx: Context, name: string): boolean {
  const n = words(name);
  // "Are we done?" flags must sometimes say yes, or follow-up loops would never end.
  if (BOOLEAN_DONE.test(n)) return ctx.rng.chance(0.6);
  if (BOOLEAN_MORE.test(n)) return ctx.rng.chance(0.4);
  return ctx.rng.chance(0.5);
}

function numberFor(schema: JsonSchema, ctx: Context, name: string, integer: boolean): number {
  const n = words(name);
  let [lo, hi] = [1, 100];
  if (/confidence|probability|ratio|share|weight|relevance|likelihood|certainty/.test(n))
    [lo, hi] = integer ? [1, 5] : [0.55, 0.95];
  else if (/score|rating/.test(n)) [lo, hi] = integer ? [1, 10] : [0.5, 0.95];
  else if (/year/.test(n)) [lo, hi] = [2019, 2025];
  else if (/percent|pct|percentage/.test(n)) [lo, hi] = [5, 95];
  else if (/priority|rank|order|level|depth|round/.test(n)) [lo, hi] = [1, 5];
  else if (/count|number|num|total|\bn\b|index|amount|size|limit/.test(n)) [lo, hi] = [1, 10];
  else if (/(source|citation|ref|reference)/.test(n) && ctx.digest.sources.length > 0) {
    const numbers = ctx.digest.sources.map((s) => s.n);
    const pick = numbers[nextCount(ctx, 'sourceNumber') % numbers.length] ?? 1;
    [lo, hi] = [pick, pick];
  }
  const minimum = typeof schema['minimum'] === 'number' ? schema['minimum'] : -Infinity;
  const maximum = typeof schema['maximum'] === 'number' ? schema['maximum'] : Infinity;
  const exMin = typeof schema['exclusiveMinimum'] === 'number' ? schema['exclusiveMinimum'] : -Infinity;
  const exMax = typeof schema['exclusiveMaximum'] === 'number' ? schema['exclusiveMaximum'] : Infinity;
  const step = integer ? 1 : 0.01;
  const floor = Math.max(minimum, exMin + step);
  const ceiling = Math.min(maximum, exMax - step);
  let a = Math.max(lo, floor);
  let b = Math.min(hi, ceiling);
  if (a > b) {
    // The name-based range does not fit the schema's bounds: use the bounds alone.
    a = Number.isFinite(floor) ? floor : Number.isFinite(ceiling) ? ceiling - 10 : 1;
    b = Number.isFinite(ceiling) ? ceiling : a + 10;
  }
  let value = integer
    ? ctx.rng.int(Math.ceil(a), Math.floor(b))
    : Math.round((a + ctx.rng.next() * (b - a)) * 100) / 100;
  const multipleOf = schema['multipleOf'];
  if (typeof multipleOf === 'number' && multipleOf > 0) {
    value = Math.ceil(a / multipleOf) * multipleOf;
    if (value > b) value = Math.floor(b / multipleOf) * multipleOf;
    value = Number(value.toFixed(10));
  }
  if (integer) value = Math.round(value);
  return Math.min(Math.max(value, floor), ceiling);
}

function facetFor(ctx: Context, index: number): Facet {
  const facet = ctx.facets[index % ctx.facets.length];
  if (!facet) throw new Error('no research facets');
  ctx.lastFacet = facet;
  ctx.queriesForFacet = 0;
  return facet;
}

const QUERY_SUFFIXES = [' statistics', ' case study', ' criticism', ' latest report', ' expert analysis'];

function contentFor(schema: JsonSchema, ctx: Context, name: string): string {
  const { digest, rng } = ctx;
  const n = words(name);
  const format = typeof schema['format'] === 'string' ? schema['format'] : '';
  if (
    format === 'uri' ||
    format === 'url' ||
    format === 'iri' ||
    /\b(url|urls|link|links|href|uri)\b/.test(n)
  ) {
    return urlFor(ctx);
  }
  if (format === 'email' || /\bemail\b/.test(n)) return 'research-desk@example.org';
  if (format === 'date-time' || /\b(timestamp|datetime)\b|\bat$/.test(n)) return `${dateFor(ctx)}T09:30:00Z`;
  if (format === 'date' || /\b(date|day|published|updated)\b/.test(n)) return dateFor(ctx);
  if (format === 'time') return '09:30:00';
  if (format === 'uuid') return uuidFor(ctx);
  if (format === 'hostname' || /\b(domain|host|hostname)\b/.test(n)) return new URL(urlFor(ctx)).hostname;
  if (format === 'ipv4') return `192.0.2.${rng.int(1, 254)}`;
  if (/\b(id|identifier|slug|key)\b/.test(n)) return slugify(`${digest.subject} ${nextCount(ctx, 'id') + 1}`);
  if (/\b(lang|language|locale)\b/.test(n)) return 'en';
  if (/\b(quer(y|ies)|search|searches|hints?|keywords?|terms?)\b/.test(n)) {
    const facet = ctx.lastFacet;
    if (facet) {
      const index = ctx.queriesForFacet++;
      const query = facet.queries[index % facet.queries.length] ?? '{subject}';
      const suffix =
        index < facet.queries.length ? '' : (QUERY_SUFFIXES[index % QUERY_SUFFIXES.length] ?? '');
      return `${fill(query, digest, rng)}${suffix}`.toLowerCase();
    }
    return searchQuery(digest, rng, nextCount(ctx, 'query'));
  }
  if (/\b(questions?|ask|asks|clarif\w*|follow ?ups?)\b/.test(n)) {
    return fill(facetFor(ctx, nextCount(ctx, 'question')).question, digest, rng);
  }
  if (/\b(title|titles|heading|headline|name|label|section)\b/.test(n)) {
    const count = nextCount(ctx, 'title');
    if (count === 0 && ctx.counters.get('question') === undefined)
      return `${titleCase(digest.subject)}: What the Evidence Shows`;
    return capitalise(fill(facetFor(ctx, count).title, digest, rng));
  }
  if (/\b(rationale|reason|reasons|why|justification|purpose|motivation|because|importance)\b/.test(n)) {
    const facet = ctx.lastFacet ?? facetFor(ctx, nextCount(ctx, 'rationale'));
    return fill(facet.rationale, digest, rng);
  }
  if (/\b(gaps?|missing|unknowns?|limitations?|caveats?|risks?|uncertaint\w*)\b/.test(n)) {
    return fill(
      rng.pick([
        'Independent data on {dim1} for {subject} are still scarce.',
        'Few studies of {subject} follow outcomes for more than {n2} years.',
        'Estimates of {dim2} for {subject} vary widely between sources and are hard to compare.',
        'How {kw1} affects {subject} in practice is not yet documented.',
      ]),
      digest,
      rng,
      nextCount(ctx, 'gap'),
    );
  }
  if (/\b(topic|subject|theme|focus|scope)\b/.test(n)) return digest.subject;
  if (/\b(instructions?|prompt|brief)\b/.test(n)) {
    return `Research ${digest.topic.replace(/[?.!]+$/, '')}. Cover ${keyword(digest, 0)}, ${keyword(digest, 1)} and ${keyword(digest, 2)}, prefer primary sources from the last three years, and cite every factual claim.`;
  }
  if (/\b(audience|reader|readers)\b/.test(n))
    return 'Decision-makers who need a balanced, well-sourced overview';
  if (/\b(tone|style|voice)\b/.test(n)) return 'neutral and evidence-based';
  if (/\b(category|type|kind|tag|tags|label)\b/.test(n)) return keyword(digest, nextCount(ctx, 'category'));
  if (
    /\b(summary|abstract|overview|description|answer|findings?|content|text|body|explanation|details?|conclusions?|analysis|response|report|markdown|notes?|insights?|claims?|statements?|excerpt|quote|evidence|result|outcome)\b/.test(
      n,
    )
  ) {
    const offset = nextCount(ctx, 'prose');
    const statements = digest.statements;
    if (statements.length > 0 && /\b(findings?|claims?|statements?|evidence|quote|excerpt)\b/.test(n)) {
      return statements[offset % statements.length]?.text ?? '';
    }
    return factSentences(
      digest,
      rng.fork(`prose${offset}`),
      /summary|abstract|overview|answer|report|markdown|analysis/.test(n) ? 3 : 2,
    ).join(' ');
  }
  return capitalise(
    fill(
      rng.pick(['{subject} and {kw1}', '{kw1} in {subject}', '{subject}: {kw1} and {kw2}']),
      digest,
      rng,
      nextCount(ctx, 'phrase'),
    ),
  );
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function dateFor(ctx: Context): string {
  const month = String(ctx.rng.int(1, 12)).padStart(2, '0');
  const day = String(ctx.rng.int(1, 28)).padStart(2, '0');
  return `${ctx.rng.int(2023, 2025)}-${month}-${day}`;
}

function uuidFor(ctx: Context): string {
  const hex = (count: number): string =>
    Array.from({ length: count }, () => ctx.rng.int(0, 15).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

function urlFor(ctx: Context): string {
  const index = nextCount(ctx, 'url');
  const given = ctx.digest.urls;
  if (given.length > 0) return given[index % given.length] ?? '';
  const sources = sourcesFor(ctx.digest.subject, 6, ctx.rng.fork('urls'));
  return sources[index % sources.length]?.url ?? 'https://en.wikipedia.org/wiki/Research';
}

/** Fits text into [minLength, maxLength], cutting at a word boundary where possible. */
function fitLength(text: string, schema: JsonSchema, ctx: Context): string {
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
  let out = text;
  for (let i = 0; out.length < min && i < 50; i++) {
    out = `${out}${out ? ' ' : ''}${factSentences(ctx.digest, ctx.rng.fork(`pad${i}`), 1).join('')}`;
  }
  if (out.length < min) out = out.padEnd(min, '.');
  if (out.length > max) {
    const cut = out.slice(0, max);
    // Cut at a word boundary, without a dangling "of the" or colon.
    const atWord = cut
      .replace(/\s+\S*$/, '')
      .replace(/(?:[\s,;:]+(?:a|an|and|as|at|by|for|in|of|on|or|the|to|what|with))+$/i, '');
    out =
      atWord.length >= Math.max(min, 1) && atWord.length >= max * 0.6 ? atWord.replace(/[,;:]$/, '') : cut;
  }
  return out;
}

function matchesPattern(text: string, pattern: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return true;
  }
}

function stringFor(schema: JsonSchema, ctx: Context, name: string): string {
  const text = fitLength(contentFor(schema, ctx, name), schema, ctx);
  const pattern = schema['pattern'];
  if (typeof pattern !== 'string' || matchesPattern(text, pattern)) return text;
  // Patterned strings (ids, codes, dates): try common shapes until one matches.
  const candidates = [
    slugify(text),
    slugify(ctx.digest.subject),
    dateFor(ctx),
    `${dateFor(ctx)}T09:30:00Z`,
    uuidFor(ctx),
    'research-desk@example.org',
    urlFor(ctx),
    String(ctx.rng.int(1, 999)),
    keyword(ctx.digest, 0),
    keyword(ctx.digest, 0).toUpperCase(),
    'en',
    'EN',
    'A1',
  ];
  return (
    candidates.find((candidate) => matchesPattern(candidate, pattern)) ??
    samplePattern(pattern, ctx.rng) ??
    text
  );
}
