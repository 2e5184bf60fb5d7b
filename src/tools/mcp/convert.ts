import { z } from 'zod';
import type { ToolResult, ToolSource } from '../types';

/** From MCP to the tool contract: names, argument schemas and call results. */

const EXCERPT_CHARS = 500;

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
 */
export function argumentsSchema(inputSchema: Record<string, unknown>): z.ZodType<Record<string, unknown>> {
  const passthrough = z.record(z.string(), z.unknown());
  try {
    const converted = z.fromJSONSchema(
      exactJsonSchema(inputSchema) as Parameters<typeof z.fromJSONSchema>[0],
    );
    // Arguments are an object whatever the conversion made of the schema.
    return converted.pipe(passthrough);
  } catch {
    return passthrough;
  }
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
      const title = part.title || part.name || part.uri;
      linked.push({ url: part.uri, title, ...(part.description ? { excerpt: part.description } : {}) });
      notes.push(`Resource: ${title} <${part.uri}>${part.description ? ` ${part.description}` : ''}`);
    } else if (isPart(part, 'resource')) {
      const { uri, text, mimeType } = part.resource;
      const title = resourceTitle(uri);
      if (typeof text === 'string') {
        texts.push(`Resource ${title} <${uri}>:\n${text}`);
        embedded.push({ url: uri, title, kind: 'api', excerpt: excerpt(text) });
      } else {
        notes.push(`Resource: ${title} <${uri}> (binary${mimeType ? `, ${mimeType}` : ''}; not shown)`);
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
  const textExcerpt = excerpt(text);
  const sources: ToolSource[] = [
    ...linked.map(({ url, title, excerpt: description }): ToolSource => {
      const supported = description ?? textExcerpt;
      return { url, title, kind: 'api', ...(supported ? { excerpt: supported } : {}) };
    }),
    ...embedded,
  ];
  if (sources.length === 0) {
    sources.push({
      url: `mcp:${options.source}/${options.tool}`,
      title: `${options.source} ${options.tool}`,
      kind: 'api',
      ...(textExcerpt ? { excerpt: textExcerpt } : {}),
    });
  }
  return { output: output || '(the tool returned no content)', sources: dedupe(sources) };
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

export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= EXCERPT_CHARS) return flat;
  const cut = flat.slice(0, EXCERPT_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${space > EXCERPT_CHARS * 0.6 ? cut.slice(0, space) : cut}…`;
}

function dedupe(sources: ToolSource[]): ToolSource[] {
  const seen = new Set<string>();
  return sources.filter((s) => !seen.has(s.url) && Boolean(seen.add(s.url)));
}
