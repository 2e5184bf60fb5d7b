import fs from 'node:fs';
import path from 'node:path';
import { describeFailure, runProcess } from './run-process';

/** Why one way of getting the Temporal CLI did not work; the message is shown to the user as is. */
export class CliAttemptFailed extends Error {
  override readonly name = 'CliAttemptFailed';
}

/** What every installer gets: where to put things and where to say what it is doing. */
export interface InstallContext {
  toolsDir: string;
  log: (line: string) => void;
}

export const TEMPORAL_EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

/** A venv puts its scripts in bin/ except on Windows. */
export const VENV_BIN = process.platform === 'win32' ? 'Scripts' : 'bin';

/** `--version` of a Go binary answers in milliseconds; the margin covers a cold disk and a loaded machine. */
const VERSION_TIMEOUT_MS = 15_000;

/** Throws a CliAttemptFailed unless `file` is an existing regular file we may execute. */
export function assertExecutable(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new CliAttemptFailed(`${file} does not exist`);
  }
  if (!stat.isFile()) throw new CliAttemptFailed(`${file} is not a file`);
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new CliAttemptFailed(`${file} is not executable`);
  }
}

/** First executable `name` in the directories of `searchPath` (a PATH value), like `which`, without a subprocess. */
export function findOnPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.resolve(dir, name);
    try {
      assertExecutable(candidate);
      return candidate;
    } catch {
      // Not in this directory: keep looking.
    }
  }
  return undefined;
}

/**
 * Runs `<file> --version` and returns its first line (e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)").
 * This is the proof that a candidate works: a broken download, a wrong architecture or an unrelated program
 * called `temporal` all fail here rather than later, in the middle of starting a server.
 */
export async function verifyTemporalCli(file: string): Promise<string> {
  assertExecutable(file);
  let result;
  try {
    result = await runProcess(file, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS });
  } catch (err) {
    throw new CliAttemptFailed(`${file} could not be run: ${(err as Error).message}`);
  }
  if (result.code !== 0) {
    throw new CliAttemptFailed(`\`${file} --version\` ${describeFailure(result, VERSION_TIMEOUT_MS)}`);
  }
  const line = result.stdout.split(/\r?\n/).find((l) => l.includes('temporal version'));
  if (line === undefined) {
    throw new CliAttemptFailed(
      `${file} is not the Temporal CLI: \`--version\` printed "${result.stdout.trim()}"`,
    );
  }
  return line.trim();
}
