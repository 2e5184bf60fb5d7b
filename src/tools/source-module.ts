import { existsSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourcesConfigError } from './errors';
import type { SourceType } from './source-type';

/**
 * Loads a user's source type from the module a sources file names (`"type": "module"`). The module
 * default-exports `defineSourceType({ type, options, open })`; it may be TypeScript (`.ts`, `.mts`: Node
 * 24 strips the types itself, and so does tsx in development; only erasable syntax, no `enum`s or
 * parameter properties) or JavaScript (`.js`, `.mjs`, `.cjs`).
 *
 * It imports `durable-deep-research` and `zod` by name wherever it lives: both resolve to the worker's
 * own copies (a resolve hook, installed once), so the module needs no node_modules of its own and its
 * zod schemas are the worker's zod.
 */

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

let hooked = false;

function resolveOwnPackages(): void {
  if (hooked) return;
  hooked = true;
  const targets: Record<string, string> = {
    'durable-deep-research': pathToFileURL(require.resolve('../index')).href,
    zod: pathToFileURL(require.resolve('zod')).href,
  };
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      const target = targets[specifier];
      return target ? { url: target, shortCircuit: true } : nextResolve(specifier, context);
    },
  });
}

export async function loadSourceModule(file: string, sourceName: string): Promise<SourceType> {
  const where = `source "${sourceName}": module ${file}`;
  if (!EXTENSIONS.includes(path.extname(file))) {
    throw new SourcesConfigError(`${where}: must be a ${EXTENSIONS.join(', ')} file`);
  }
  if (!existsSync(file)) throw new SourcesConfigError(`${where} does not exist`);
  resolveOwnPackages();
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new SourcesConfigError(`${where} could not be loaded: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // A CommonJS module's `module.exports = …` arrives as `default`; a compiled ES module's as `default.default`.
  let type = loaded.default as Partial<SourceType> & { default?: unknown };
  if (type && typeof type === 'object' && 'default' in type && !('open' in type)) {
    type = type.default as typeof type;
  }
  const problems: string[] = [];
  if (!type || typeof type !== 'object') problems.push('it has no default export');
  else {
    if (typeof type.type !== 'string' || !/^[a-z][a-z0-9-]*$/.test(type.type)) {
      problems.push('type must be a name such as "weather"');
    }
    if (typeof (type.options as { safeParse?: unknown } | undefined)?.safeParse !== 'function') {
      problems.push('options must be a zod schema');
    }
    if (typeof type.open !== 'function') problems.push('open must be a function');
  }
  if (problems.length) {
    throw new SourcesConfigError(
      `${where} must default-export defineSourceType({ type, options, open }): ${problems.join('; ')}`,
    );
  }
  return type as SourceType;
}
