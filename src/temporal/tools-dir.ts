import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'durable-deep-research';

/** Thrown when no ancestor of this file holds the project's package.json (a broken checkout or bundle). */
export class ProjectRootNotFoundError extends Error {
  override readonly name = 'ProjectRootNotFoundError';
  constructor(readonly startDir: string) {
    super(`No package.json named "${PACKAGE_NAME}" found in ${startDir} or any parent directory`);
  }
}

let cachedRoot: string | undefined;

/**
 * The repository root: the nearest ancestor of this file whose package.json is named durable-deep-research.
 * Found from `__dirname` rather than `process.cwd()` so it is the same whether the code runs from `src/`
 * through tsx, from `dist/` after a build, or from a test started in another directory.
 */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    if (packageNameAt(dir) === PACKAGE_NAME) {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new ProjectRootNotFoundError(__dirname);
    dir = parent;
  }
}

/**
 * Where downloaded or built tools live (the Temporal CLI, its venv): `DEEP_RESEARCH_TOOLS_DIR` if set,
 * else `<projectRoot>/.tools`, which is git-ignored. Read on every call so tests can point it elsewhere.
 */
export function toolsDir(): string {
  const fromEnv = process.env.DEEP_RESEARCH_TOOLS_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return path.join(projectRoot(), '.tools');
}

function packageNameAt(dir: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'name' in parsed &&
      typeof parsed.name === 'string'
    ) {
      return parsed.name;
    }
  } catch {
    // A malformed package.json (e.g. a fixture) is not ours: keep walking up.
  }
  return undefined;
}
