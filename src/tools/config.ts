import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../schemas/issues';

/**
 * The sources file: which private sources exist and how to reach them. A research run picks from these
 * by name (`"sources": ["web", "docs:handbook"]`); nothing else is reachable. Secrets never go in the
 * file: a connection string or header names the environment variable that holds it.
 */

export const SOURCE_NAME = /^[a-z][a-z0-9-]*(:[a-z0-9][a-z0-9._-]*)?$/;
export const WEB_SOURCE = 'web';

const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as SALES_DB_URL');
const positiveInt = z.number().int().positive();

const sourceConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('documents'),
    path: z.string().min(1),
    maxFileBytes: positiveInt.optional(),
    fileTimeoutMs: positiveInt.optional(),
    maxMemoryMb: positiveInt.optional(),
  }),
  z.strictObject({
    type: z.literal('sqlite'),
    path: z.string().min(1),
    maxRows: positiveInt.optional(),
    maxBytes: positiveInt.optional(),
    statementTimeoutMs: positiveInt.optional(),
  }),
  z.strictObject({
    type: z.literal('postgres'),
    /** The variable holding the connection string (it carries a password: never put it in this file). */
    connectionStringEnv: envName,
    maxRows: positiveInt.optional(),
    maxBytes: positiveInt.optional(),
    statementTimeoutMs: positiveInt.optional(),
  }),
  z.strictObject({
    type: z.literal('http-fetch'),
    allowPrivateNetworks: z.boolean().optional(),
    allowedHosts: z.array(z.string().min(1)).optional(),
    maxBytes: positiveInt.optional(),
    timeoutMs: positiveInt.optional(),
  }),
  // zod 4 nests discriminated unions: "type" first, then an MCP server's "transport".
  z.discriminatedUnion('transport', [
    z.strictObject({
      type: z.literal('mcp'),
      transport: z.literal('stdio'),
      command: z.string().min(1),
      args: z.array(z.string()).optional(),
      /** Values may name variables of the worker's environment as `${VAR}`; nothing else is passed on. */
      env: z.record(z.string(), z.string()).optional(),
      cwd: z.string().optional(),
      timeoutMs: positiveInt.optional(),
    }),
    z.strictObject({
      type: z.literal('mcp'),
      transport: z.literal('http'),
      url: z.url(),
      /** Values may name variables of the worker's environment as `${VAR}`. */
      headers: z.record(z.string(), z.string()).optional(),
      timeoutMs: positiveInt.optional(),
    }),
  ]),
]);
export type SourceConfig = z.infer<typeof sourceConfigSchema>;

export const sourcesFileSchema = z.strictObject({
  sources: z.record(
    z
      .string()
      .regex(SOURCE_NAME, 'source names look like "docs:handbook" or "db:sales"')
      .refine((name) => name !== WEB_SOURCE, '"web" is built in'),
    sourceConfigSchema,
  ),
});

export interface SourcesFile {
  file?: string;
  /** Relative paths in the file are relative to its folder. */
  dir: string;
  sources: Record<string, SourceConfig>;
}

export class SourcesConfigError extends Error {
  override name = 'SourcesConfigError';
}

/**
 * DEEP_RESEARCH_SOURCES_FILE, else `deep-research.sources.json` in the project (the examples), else no
 * private sources.
 */
export function loadSourcesFile(file: string | undefined, fallback: string): SourcesFile {
  const chosen = file ?? (existsSync(fallback) ? fallback : undefined);
  if (!chosen) return { dir: process.cwd(), sources: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(chosen, 'utf8'));
  } catch (error) {
    throw new SourcesConfigError(
      `DEEP_RESEARCH_SOURCES_FILE: cannot read ${chosen} as JSON: ${(error as Error).message}`,
    );
  }
  const parsed = sourcesFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new SourcesConfigError(
      `Invalid sources file ${chosen}:\n- ${describeIssues(parsed.error).join('\n- ')}`,
    );
  }
  return { file: chosen, dir: path.dirname(path.resolve(chosen)), sources: parsed.data.sources };
}

/** `${VAR}` in a configured value becomes the worker's VAR; a missing one is a configuration error. */
export function expandEnv(value: string, env: NodeJS.ProcessEnv, where: string): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined)
      throw new SourcesConfigError(`${where} needs ${name}, which is not set on the worker`);
    return found;
  });
}
