import { RE2JS } from 're2js';
import { z } from 'zod';
import { excerpt, MAX_TITLE_CHARS, oneLineBounded } from '../../text';
import { escapeUri, EXCERPT_CHARS, MAX_EXCERPT_CHARS, MAX_URL_CHARS } from '../bounds';
import type { ToolResult, ToolSource } from '../types';

/** From MCP to the tool contract: names, argument schemas and call results. */

/**
 * A server's tool name as a function name: letters, digits, `_` and `-`, 1 to 64 characters; other
 * characters become `_`. `taken` holds the names already given, and a clash gets a `_2`, `_3`… suffix.
 */
export function sanitizeToolName(name: string, taken: ReadonlySet<string> = new Set()): string {
  const base = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'tool';
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) {
    const suffix = `_${n}`;
    candidate = `${base.slice(0, 64 - suffix.length)}${suffix}`;
  }
  return candidate;
}

/** The server's input schema as the model should see it: as sent, minus the `$schema` meta key. */
export function exactJsonSchema(inputSchema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _meta, ...schema } = inputSchema;
  return { type: 'object', ...schema };
}

/**
 * A zod schema for the arguments, built from the server's JSON Schema with zod 4's `z.fromJSONSchema`
 * (types, required properties, enums, bounds, `additionalProperties: false`). zod marks that function
 * semi-experimental and it does not follow every JSON Schema feature (e.g. `$ref` to `definitions`): a
 * schema it cannot convert falls back to any object (`z.record(z.string(), z.unknown())`), leaving
 * validation to the server. Either way the function definition sent to the model is the server's
 * schema, exact, kept as the tool's `jsonSchema`.
 *
 * The server's `pattern`s never reach a backtracking regular expression: a pattern such as `^(a+)+$`
 * would hold the worker's event loop for seconds per character. They are taken out before conversion and
 * checked with RE2 (re2js: linear time, whatever the pattern and input) on the properties and array
 * items they apply to. Patterns RE2 cannot compile (backreferences, lookaround), and patterns inside
 * `anyOf`/`oneOf`/`allOf`, `patternProperties` and the like, are not checked here (the server still
 * checks its own arguments); `uncheckedPatterns` says which and why. A schema nested deeper than
 * `MAX_SCHEMA_DEPTH` is not walked, so it could still hold a pattern: it is not converted at all, and
 * its arguments are only checked to be an object (left to the server, with a warning).
 */
export function argumentsSchema(
  inputSchema: Record<string, unknown>,
  uncheckedPatterns: string[] = [],
): z.ZodType<Record<string, unknown>> {
  const passthrough = z.record(z.string(), z.unknown());
  const checks: PatternCheck[] = [];
  const walk: Walk = { checks, unchecked: uncheckedPatterns, tooDeep: false };
  const stripped = withoutPatterns(exactJsonSchema(inputSchema), [], true, walk);
  if (walk.tooDeep) {
    // Past the depth limit a `pattern` may remain: zod would compile it into a backtracking RegExp.
    uncheckedPatterns.push(
      `(arguments): the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels, so its arguments are not checked here`,
    );
    return passthrough;
  }
  try {
    const converted = z.fromJSONSchema(stripped as Parameters<typeof z.fromJSONSchema>[0]);
    // Arguments are an object whatever the conversion made of the schema.
    return converted.pipe(passthrough).superRefine((args, ctx) => checkPatterns(args, checks, ctx));
  } catch {
    return passthrough.superRefine((args, ctx) => checkPatterns(args, checks, ctx));
  }
}

/** Deepest schema node walked: deeper ones are not converted (see `argumentsSchema`). */
const MAX_SCHEMA_DEPTH = 32;

interface Walk {
  checks: PatternCheck[];
  unchecked: string[];
  /** Set when a node lies deeper than `MAX_SCHEMA_DEPTH`. */
  tooDeep: boolean;
}

/** Longest pattern compiled at all: a longer one is not a pattern anyone writes by hand. */
const MAX_PATTERN_CHARS = 1000;

interface PatternCheck {
  /** Property names, and `*` for every item of an array. */
  path: string[];
  pattern: string;
  regex: RE2JS;
}

function withoutPatterns(node: unknown, path: string[], checkable: boolean, walk: Walk, depth = 0): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (depth > MAX_SCHEMA_DEPTH) {
    walk.tooDeep = true;
    return {};
  }
  if (Array.isArray(node)) {
    return node.map((n) => withoutPatterns(n, path, false, walk, depth + 1));
  }
  const { checks, unchecked } = walk;
  const where = path.length ? path.join('.') : '(arguments)';
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'pattern' && typeof value === 'string') {
      const reason = !checkable ? 'inside a combinator' : compileProblem(value);
      if (reason) unchecked.push(`${where}: ${reason}`);
      else checks.push({ path, pattern: value, regex: RE2JS.compile(value) });
      continue;
    }
    if (key === 'patternProperties') {
      unchecked.push(`${where}: patternProperties is not checked here`);
      continue;
    }
    if (key === 'properties' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      copy[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, sub]) => [
          name,
          withoutPatterns(sub, [...path, name], checkable, walk, depth + 1),
        ]),
      );
      continue;
    }
    if (key === 'items' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      copy[key] = withoutPatterns(value, [...path, '*'], checkable, walk, depth + 1);
      continue;
    }
    copy[key] = withoutPatterns(value, path, false, walk, depth + 1);
  }
  return copy;
}

function compileProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_CHARS) return `pattern longer than ${MAX_PATTERN_CHARS} characters`;
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return `pattern ${JSON.stringify(pattern.slice(0, 80))} is not supported by RE2 (${(error as Error).message})`;
  }
}

function checkPatterns(args: unknown, checks: PatternCheck[], ctx: z.RefinementCtx): void {
  for (const check of checks) {
    for (const [value, at] of valuesAt(args, check.path, [])) {
      if (typeof value === 'string' && !check.regex.test(value)) {
        ctx.addIssue({
          code: 'custom',
          path: at,
          message: `${at.join('.') || 'the value'} must match the pattern ${check.pattern}`,
        });
      }
    }
  }
}

function valuesAt(value: unknown, path: string[], at: (string | number)[]): [unknown, (string | number)[]][] {
  if (path.length === 0) return [[value, at]];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '*') {
    return Array.isArray(value) ? value.flatMap((item, i) => valuesAt(item, rest, [...at, i])) : [];
  }
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, head)) return [];
  return valuesAt((value as Record<string, unknown>)[head], rest, [...at, head]);
}

const SUMMARY_NAMES = ['query', 'q', 'question', 'url', 'id', 'name', 'path', 'sql', 'search'];

/** The argument that best describes a call, for the Web UI: a well-known name, else the first required string. */
export function summaryArgumentOf(inputSchema: Record<string, unknown>): string | undefined {
  const properties = (inputSchema.properties ?? {}) as Record<string, { type?: unknown } | undefined>;
  const names = Object.keys(properties);
  const known = SUMMARY_NAMES.find((name) => names.includes(name));
  if (known) return known;
  const required = Array.isArray(inputSchema.required) ? (inputSchema.required as unknown[]) : [];
  return names.find((name) => required.includes(name) && properties[name]?.type === 'string');
}

/** The parts of a CallToolResult this module reads (the SDK's type, loosened to what matters). */
export interface CallResult {
  content?: ContentPart[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  /** Servers on the 2024-10-07 protocol answer with this instead of `content`. */
  toolResult?: unknown;
}

type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image'; mimeType?: string }
  | { type: 'audio'; mimeType?: string }
  | { type: 'resource_link'; uri: string; name: string; title?: string; description?: string }
  | {
      type: 'resource';
      resource: { uri: string; mimeType?: string; text?: string; blob?: string; _meta?: unknown };
    }
  | { type: string };

export interface ConvertOptions {
  /** The configured source name, e.g. "crm". */
  source: string;
  /** The server's tool name. */
  tool: string;
  maxOutputChars: number;
}

/**
 * Text parts are joined (and bounded); resource links and embedded resources become the sources of
 * the answer (their URI and name), and are named in the text so the model knows of them. A result that
 * points at no resource is cited as the tool call itself: `mcp:<source>/<tool>`. Images and audio are
 * not passed on; `isError` results become "error: …".
 */
export function toToolResult(result: CallResult, options: ConvertOptions): ToolResult {
  const texts: string[] = [];
  const notes: string[] = [];
  const linked: { url: string; title: string; excerpt?: string }[] = [];
  const embedded: ToolSource[] = [];
  if (result.content === undefined && result.toolResult !== undefined) {
    texts.push(stringify(result.toolResult));
  }
  for (const part of result.content ?? []) {
    if (isPart(part, 'text')) {
      texts.push(part.text);
    } else if (isPart(part, 'resource_link')) {
      const url = citableUrl(part.uri, options.source);
      const title = oneLineBounded(String(part.title || part.name || part.uri), MAX_TITLE_CHARS);
      const description =
        typeof part.description === 'string' ? oneLineBounded(part.description, MAX_EXCERPT_CHARS) : '';
      linked.push({ url, title, ...(description ? { excerpt: description } : {}) });
      notes.push(`Resource: ${title} <${url}>${description ? ` ${description}` : ''}`);
    } else if (isPart(part, 'resource')) {
      const { text, mimeType } = part.resource;
      const uri = citableUrl(part.resource.uri, options.source);
      const title = oneLineBounded(resourceTitle(String(part.resource.uri)), MAX_TITLE_CHARS);
      if (typeof text === 'string') {
        texts.push(`Resource ${title} <${uri}>:\n${text}`);
        embedded.push({ url: uri, title, kind: 'api', excerpt: excerpt(text, EXCERPT_CHARS) });
      } else {
        const type = typeof mimeType === 'string' ? `, ${oneLineBounded(mimeType, 80)}` : '';
        notes.push(`Resource: ${title} <${uri}> (binary${type}; not shown)`);
        embedded.push({ url: uri, title, kind: 'api' });
      }
    } else if (isPart(part, 'image') || isPart(part, 'audio')) {
      notes.push(`[${part.type}${part.mimeType ? ` (${part.mimeType})` : ''} not shown]`);
    }
  }
  if (texts.length === 0 && result.structuredContent !== undefined) {
    texts.push(stringify(result.structuredContent));
  }
  const text = texts.join('\n\n');
  const output = bound([text, ...notes].filter(Boolean).join('\n\n'), options.maxOutputChars);
  if (result.isError) {
    return { output: `error: ${output || `${options.tool} reported an error`}`, sources: [] };
  }
  const textExcerpt = excerpt(text, EXCERPT_CHARS);
  const sources: ToolSource[] = [
    ...linked.map(({ url, title, excerpt: description }): ToolSource => {
      const supported = description ?? textExcerpt;
      return { url, title, kind: 'api', ...(supported ? { excerpt: supported } : {}) };
    }),
    ...embedded,
  ];
  if (sources.length === 0) {
    sources.push({
      url: `${ownPrefix(options.source)}${escapeUri(options.tool)}`,
      title: oneLineBounded(`${bareName(options.source)} ${options.tool}`, MAX_TITLE_CHARS),
      kind: 'api',
      ...(textExcerpt ? { excerpt: textExcerpt } : {}),
    });
  }
  return { output: output || '(the tool returned no content)', sources: dedupe(sources) };
}

/** `mcp:crm` and `crm` both cite as `mcp:crm/…`: the source's own namespace. */
function bareName(source: string): string {
  return source.replace(/^mcp:/, '');
}

export function ownPrefix(source: string): string {
  return `mcp:${bareName(source)}/`;
}

/**
 * Where a server's resource is cited. A server may name anything as a URI, including another source's
 * identifiers (`docs:handbook/leave.md#L12-L30`, `db:sales#query-…`) to forge its citations, or a
 * `javascript:` URL. Only two forms survive: an http(s) URL (it is a link: the reader can see where it
 * goes) and the source's own namespace `mcp:<name>/…`. Everything else is put inside that namespace,
 * `mcp:crm/crm://customers/42`, so it names this server and nothing else.
 */
export function citableUrl(uri: unknown, source: string): string {
  const raw = typeof uri === 'string' ? uri.trim().slice(0, MAX_URL_CHARS) : '';
  const prefix = ownPrefix(source);
  if (/^https?:\/\//i.test(raw)) {
    try {
      const url = new URL(raw);
      if (!url.username && !url.password) return escapeUri(url.href);
    } catch {
      // Not a URL after all: namespaced below like any other name.
    }
  }
  if (raw.startsWith(prefix) && raw.length > prefix.length) return escapeUri(raw);
  return `${prefix}${escapeUri(raw || 'resource')}`;
}

function isPart<T extends ContentPart['type']>(
  part: ContentPart,
  type: T,
): part is Extract<ContentPart, { type: T }> {
  return part.type === type;
}

function resourceTitle(uri: string): string {
  const last = uri
    .replace(/[?#].*$/, '')
    .split('/')
    .filter(Boolean)
    .pop();
  return last ? decodeURIComponentSafe(last) : uri;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function bound(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[output truncated: ${text.length - maxChars} more characters]`;
}

function dedupe(sources: ToolSource[]): ToolSource[] {
  const seen = new Set<string>();
  return sources.filter((s) => !seen.has(s.url) && Boolean(seen.add(s.url)));
}
