import { z } from 'zod';
import { expandEnv, SourcesConfigError } from './errors';
import { documentsSource } from './documents';
import { httpFetchSource } from './http-fetch';
import { mcpSource } from './mcp';
import { defineSourceType, type SourceType } from './source-type';
import { postgresSource, sqliteSource } from './sql';

/**
 * The source types the project ships, in one list: the sources file's schema is built from it
 * (config.ts) and the registry opens sources through it. Each entry's `options` are the fields of a
 * sources-file entry besides `type`.
 */

const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as SALES_DB_URL');
const positiveInt = z.number().int().positive();

const documents = defineSourceType({
  type: 'documents',
  options: z.strictObject({
    path: z.string().min(1),
    maxFileBytes: positiveInt.optional(),
    fileTimeoutMs: positiveInt.optional(),
    maxMemoryMb: positiveInt.optional(),
  }),
  open: (name, { path, ...limits }, { resolve }) => documentsSource(name, { path: resolve(path), ...limits }),
});

const sqlite = defineSourceType({
  type: 'sqlite',
  options: z.strictObject({
    path: z.string().min(1),
    maxRows: positiveInt.optional(),
    maxBytes: positiveInt.optional(),
    statementTimeoutMs: positiveInt.optional(),
  }),
  open: (name, { path, ...limits }, { resolve }) => sqliteSource(name, { path: resolve(path), ...limits }),
});

const postgres = defineSourceType({
  type: 'postgres',
  options: z.strictObject({
    /** The variable holding the connection string (it carries a password: never put it in this file). */
    connectionStringEnv: envName,
    maxRows: positiveInt.optional(),
    maxBytes: positiveInt.optional(),
    statementTimeoutMs: positiveInt.optional(),
    /** Accept a superuser or otherwise privileged role (refused by default; see README "Security guarantees"). */
    allowPrivilegedRole: z.boolean().optional(),
  }),
  open: (name, { connectionStringEnv, ...limits }, { env }) => {
    const connectionString = env[connectionStringEnv];
    if (!connectionString) {
      throw new SourcesConfigError(
        `source "${name}" needs ${connectionStringEnv}, which is not set on the worker`,
      );
    }
    return postgresSource(name, { connectionString, ...limits });
  },
});

const httpFetch = defineSourceType({
  type: 'http-fetch',
  options: z.strictObject({
    allowPrivateNetworks: z.boolean().optional(),
    allowedHosts: z.array(z.string().min(1)).optional(),
    maxBytes: positiveInt.optional(),
    timeoutMs: positiveInt.optional(),
  }),
  open: (name, options) => httpFetchSource(name, options),
});

const mcp = defineSourceType({
  type: 'mcp',
  options: z.discriminatedUnion('transport', [
    z.strictObject({
      transport: z.literal('stdio'),
      command: z.string().min(1),
      args: z.array(z.string()).optional(),
      /** Values may name variables of the worker's environment as `${VAR}`; nothing else is passed on. */
      env: z.record(z.string(), z.string()).optional(),
      cwd: z.string().optional(),
      timeoutMs: positiveInt.optional(),
    }),
    z.strictObject({
      transport: z.literal('http'),
      url: z.url(),
      /** Values may name variables of the worker's environment as `${VAR}`. */
      headers: z.record(z.string(), z.string()).optional(),
      timeoutMs: positiveInt.optional(),
    }),
  ]),
  async open(name, config, { resolve, env }) {
    const where = `source "${name}"`;
    const more = config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {};
    const source =
      config.transport === 'stdio'
        ? mcpSource(
            name,
            {
              transport: 'stdio',
              command: config.command,
              ...(config.args ? { args: config.args } : {}),
              ...(config.cwd ? { cwd: resolve(config.cwd) } : {}),
              ...(config.env ? { env: expandAll(config.env, env, where) } : {}),
            },
            more,
          )
        : mcpSource(
            name,
            {
              transport: 'http',
              url: config.url,
              ...(config.headers ? { headers: expandAll(config.headers, env, where) } : {}),
            },
            more,
          );
    await source.init();
    return source;
  },
});

export const BUILTIN_SOURCE_TYPES: readonly SourceType[] = [
  documents,
  sqlite,
  postgres,
  httpFetch,
  mcp,
] as unknown as readonly SourceType[];

function expandAll(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv,
  where: string,
): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, expandEnv(v, env, where)]));
}
