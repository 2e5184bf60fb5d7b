import { readFileSync } from 'node:fs';

/**
 * The JSON in a file a setting names (DEEP_RESEARCH_PRICES_FILE, DEEP_RESEARCH_MODELS_FILE,
 * DEEP_RESEARCH_SOURCES_FILE). A file that cannot be read or is not JSON throws `ErrorType` naming the
 * setting, the file and why: `DEEP_RESEARCH_MODELS_FILE: cannot read models.json as JSON: …`.
 */
export function readJsonFile(
  file: string,
  setting: string,
  ErrorType: new (message: string) => Error,
): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ErrorType(`${setting}: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
}
