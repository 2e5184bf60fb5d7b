import type { z } from 'zod';
import type { ResearchSource } from './types';

/**
 * A kind of source (`documents`, `sqlite`, a user's `weather`…): a type name, a zod schema for its
 * options, and `open`, which turns a configured source's name and validated options into the source and
 * its tools. The built-in types are listed in builtin-types.ts; a user's own type is a module the sources
 * file names (`"type": "module"`), or is handed to `createWorker(settings, { sourceTypes })` in code.
 */
export interface SourceType<Options extends z.ZodType = z.ZodType> {
  /** The name used as `type` in the sources file: lower-case letters, digits and dashes. */
  type: string;
  options: Options;
  open(
    name: string,
    options: z.infer<Options>,
    context: SourceContext,
  ): ResearchSource | Promise<ResearchSource>;
}

export interface SourceContext {
  /** A path of the sources file made absolute: relative paths are relative to the file's folder. */
  resolve(relativePath: string): string;
  /** The worker's environment, for options that name a variable (never put secrets in the file). */
  env: NodeJS.ProcessEnv;
}

/** Declares a source type; the identity function, there for the types. */
export function defineSourceType<Options extends z.ZodType>(type: SourceType<Options>): SourceType<Options> {
  return type;
}
