import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Where OpenAI's reference is (the spec and the recorded exchanges, see ../shared/reference/README.md),
 * and the recordings, checked as they are read. It lives outside the repository: a clone without it has
 * nothing to check, and `referenceDir()` is `undefined` there so suites can say so and skip.
 */

export const SPEC_FILE = 'openai-openapi.yaml';

/**
 * The folder holding `openai-openapi.yaml` and `recorded/`: `DEEP_RESEARCH_REFERENCE_DIR`, else the nearest
 * `shared/reference` in a folder above the project (`../shared` from a checkout, `../../shared` from a git
 * worktree under a sibling folder).
 */
export function referenceDir(): string | undefined {
  const fromEnv = process.env['DEEP_RESEARCH_REFERENCE_DIR'];
  if (fromEnv) return existsSync(join(fromEnv, SPEC_FILE)) ? resolve(fromEnv) : undefined;
  let dir = resolve(__dirname, '..', '..');
  for (let depth = 0; depth < 4; depth++) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
    const candidate = join(dir, 'shared', 'reference');
    if (existsSync(join(candidate, SPEC_FILE))) return candidate;
  }
  return undefined;
}

/** `recorded/` of the reference: real HTTP exchanges with the Responses API (see its README). */
export function recordingsDir(): string | undefined {
  const dir = referenceDir();
  return dir && existsSync(join(dir, 'recorded')) ? join(dir, 'recorded') : undefined;
}

const interactionSchema = z.object({
  request: z.object({ method: z.string(), uri: z.string(), body: z.unknown() }),
  response: z.object({
    status: z.number().int(),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown(),
  }),
});
export type RecordedExchange = z.infer<typeof interactionSchema>;

const recordingSchema = z.object({
  source: z.object({ repo: z.string(), path: z.string(), commit: z.string() }),
  interactions: z.array(interactionSchema).min(1),
});
/** One recorded file; `file` is its name in `recorded/`. */
export type Recording = z.infer<typeof recordingSchema> & { file: string };

/** Every recording in `recorded/` (empty where the reference is absent). */
export function loadRecordings(dir = recordingsDir()): Recording[] {
  if (!dir) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      ...recordingSchema.parse(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
    }));
}
