import { spawn } from 'node:child_process';

export interface RunOptions {
  /** Kill the process (SIGTERM, then SIGKILL 2 s later) after this long. Every run has one: nothing may hang. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunResult {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Output kept per stream: enough for a `--version` line or an error's tail, bounded for chatty builds. */
const MAX_KEPT_CHARS = 64 * 1024;

/**
 * Runs a command to completion and captures its output. Rejects only when the process cannot be started
 * (e.g. ENOENT); a non-zero exit or a timeout resolves, so callers can turn it into a reason of their own.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = keepTail(stdout + chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = keepTail(stderr + chunk);
    });
    const timeout = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** One line saying why a finished run failed, with the end of its output (where tools put the error). */
export function describeFailure(result: RunResult, timeoutMs: number): string {
  const how = result.timedOut
    ? `timed out after ${Math.round(timeoutMs / 1000)} s`
    : result.signal !== null
      ? `killed by ${result.signal}`
      : `exited with code ${result.code}`;
  const output = lastLines(`${result.stderr}\n${result.stdout}`, 3);
  return output === '' ? how : `${how}: ${output}`;
}

/** The last `count` non-empty lines of `text`, joined with " | " so they fit in one log line. */
export function lastLines(text: string, count: number): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-count)
    .join(' | ');
}

function keepTail(text: string): string {
  return text.length > MAX_KEPT_CHARS ? text.slice(-MAX_KEPT_CHARS) : text;
}
