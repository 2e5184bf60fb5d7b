import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../json-file';
import { describeIssues } from '../schemas/issues';
import { SOURCE_NAME } from '../schemas/research';
import { BUILTIN_SOURCE_TYPES } from './builtin-types';
import { SourcesConfigError } from './errors';
import type { SourceType } from './source-type';

export { expandEnv, SourcesConfigError } from './errors';

/**
 * The sources file: which private sources exist and how to reach them. A research run picks from these
 * by name (`"sources": ["web", "docs:handbook"]`); nothing else is reachable. Secrets never go in the
 * file: a connection string or header names the environment variable that holds it.
 */

export const WEB_SOURCE = 'web';

/** A source type of the user's own, from a module next to the sources file (see registry.ts). */
export const MODULE_TYPE = 'module';

export const moduleEntrySchema = z.strictObject({
  type: z.literal(MODULE_TYPE),
  /** `./weather-source.ts` (or .js, .mjs): relative to the sources file. */
  module: z.string().min(1),
  /** Checked against the module's own `options` schema when the source is opened. */
  options: z.unknown().optional(),
});

/**
 * One entry of the sources file: `type` and that type's options. Built from the list of source types
 * (builtin-types.ts, plus any handed to createWorker): a known type's options are checked by its own
 * schema; `module` entries by `moduleEntrySchema`; a type this list does not know is kept for the
 * registry, which knows the types added in code, to check.
 */
export function sourceEntrySchema(types: readonly SourceType[], allowUnknown: boolean) {
  const byType = new Map(types.map((t) => [t.type, t]));
  const known = () => [...byType.keys(), MODULE_TYPE].join(', ');
  return z.looseObject({ type: z.string() }).superRefine((entry, ctx) => {
    const report = (issues: z.core.$ZodIssue[], prefix: PropertyKey[] = []) => {
      for (const issue of issues) ctx.addIssue({ ...issue, path: [...prefix, ...issue.path] } as never);
    };
    if (entry.type === MODULE_TYPE) {
      const parsed = moduleEntrySchema.safeParse(entry, { reportInput: true });
      if (!parsed.success) report(parsed.error.issues);
      return;
    }
    const type = byType.get(entry.type);
    if (!type) {
      if (!allowUnknown) {
        ctx.addIssue({
          code: 'custom',
          path: ['type'],
          message: `unknown source type "${entry.type}"; the types are ${known()}`,
        });
      }
      return;
    }
    const { type: _type, ...options } = entry;
    const parsed = type.options.safeParse(options, { reportInput: true });
    if (!parsed.success) report(parsed.error.issues);
  });
}

export type SourceConfig = { type: string } & Record<string, unknown>;

/** How a source's function names start: `db:sales` offers `db_sales__query_database`. */
export const functionPrefix = (source: string): string => source.replace(/[^a-zA-Z0-9_-]/g, '_');

/** The start every function name of the source has, as cut to the 64 characters a name may have. */
export const functionNameStart = (source: string): string => `${functionPrefix(source)}__`.slice(0, 64);

/**
 * Two sources whose function names could be the same (`db:a.b` and `db:a_b` both offer `db_a_b__…`;
 * `db:a` and `db:a._b` both offer names starting `db_a__`): a call could not be told apart, so a run
 * that selected one could reach the other. Such names are refused when the file loads.
 */
export function collidingSourceNames(names: readonly string[]): [string, string] | undefined {
  for (const a of names) {
    for (const b of names) {
      if (a !== b && functionNameStart(b).startsWith(functionNameStart(a))) return [a, b];
    }
  }
  return undefined;
}

export function sourcesFileSchema(types: readonly SourceType[] = BUILTIN_SOURCE_TYPES, allowUnknown = true) {
  return z.strictObject({
    sources: z
      .record(
        z
          .string()
          .regex(SOURCE_NAME, 'source names look like "docs:handbook" or "db:sales"')
          .refine((name) => name !== WEB_SOURCE, '"web" is built in'),
        sourceEntrySchema(types, allowUnknown),
      )
      .superRefine((sources, ctx) => {
        const clash = collidingSourceNames(Object.keys(sources));
        if (!clash) return;
        const [a, b] = clash;
        ctx.addIssue({
          code: 'custom',
          path: [b],
          message:
            `the sources "${a}" and "${b}" would offer tools under the same function names ` +
            `(${functionNameStart(b)}…), so a call could not be told apart; rename one of them`,
        });
      }),
  });
}

export interface SourcesFile {
  file?: string;
  /** Relative paths in the file are relative to its folder. */
  dir: string;
  sources: Record<string, SourceConfig>;
}

/**
 * DEEP_RESEARCH_SOURCES_FILE, else `deep-research.sources.json` in the project (the examples), else no
 * private sources.
 */
export function loadSourcesFile(file: string | undefined, fallback: string): SourcesFile {
  const chosen = file ?? (existsSync(fallback) ? fallback : undefined);
  if (!chosen) return { dir: process.cwd(), sources: {} };
  const raw = readJsonFile(chosen, 'DEEP_RESEARCH_SOURCES_FILE', SourcesConfigError);
  const parsed = sourcesFileSchema().safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new SourcesConfigError(
      `Invalid sources file ${chosen}:\n- ${describeIssues(parsed.error).join('\n- ')}`,
    );
  }
  return {
    file: chosen,
    dir: path.dirname(path.resolve(chosen)),
    sources: parsed.data.sources as Record<string, SourceConfig>,
  };
}
