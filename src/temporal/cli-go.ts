import fs from 'node:fs';
import path from 'node:path';
import { CliAttemptFailed, findOnPath, type InstallContext, TEMPORAL_EXE } from './cli-probe';
import { describeFailure, runProcess } from './run-process';

/** The last CLI release `go install` accepts: v1.6.0 and later carry a `replace` directive, which it refuses. */
export const GO_VERSION = 'v1.5.1';
export const GO_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** It compiles the whole Temporal server: several minutes on two cores, more on a busy laptop. */
const GO_TIMEOUT_MS = 30 * 60_000;
const PROGRESS_EVERY_MS = 60_000;

/** Builds the CLI from source through the Go module proxy into `<toolsDir>/bin/temporal`. */
export async function installTemporalCliWithGo({ toolsDir, log }: InstallContext): Promise<string> {
  const go = findOnPath(process.platform === 'win32' ? 'go.exe' : 'go', process.env.PATH);
  if (go === undefined) throw new CliAttemptFailed('go is not on PATH');
  const binDir = path.join(toolsDir, 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  log(`compiling ${GO_MODULE}@${GO_VERSION} with ${go} (this builds the whole server: several minutes)`);
  const started = Date.now();
  const progress = setInterval(
    () => log(`still compiling the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s so far)`),
    PROGRESS_EVERY_MS,
  );
  let result;
  try {
    result = await runProcess(go, ['install', `${GO_MODULE}@${GO_VERSION}`], {
      timeoutMs: GO_TIMEOUT_MS,
      // Pure-Go SQLite needs no C compiler; GOBIN puts the binary in our cache rather than ~/go/bin.
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: binDir },
    });
  } catch (err) {
    throw new CliAttemptFailed(`go could not be run: ${(err as Error).message}`);
  } finally {
    clearInterval(progress);
  }
  if (result.code !== 0) throw new CliAttemptFailed(`go install ${describeFailure(result, GO_TIMEOUT_MS)}`);
  log(`compiled the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s`);
  return path.join(binDir, TEMPORAL_EXE);
}
