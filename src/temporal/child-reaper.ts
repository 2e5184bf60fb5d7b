import type { ChildProcess } from 'node:child_process';

/**
 * Kills tracked child processes (dev servers) when this process goes away, so a crashed test or a script
 * that forgot `stop()` leaves no server holding port 7233 and the SQLite file. Covers a normal exit and a
 * terminating signal; nothing can cover SIGKILL of the parent.
 */
const live = new Set<ChildProcess>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function killWithParent(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (live.size === 0) install();
  live.add(child);
  child.once('exit', () => {
    live.delete(child);
    if (live.size === 0) uninstall();
  });
}

function killAll(): void {
  for (const child of live) child.kill('SIGTERM');
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (a Worker shutting down gracefully, runDevServerFromCli): the server
  // must stay up for them, and 'exit' still reaps it. Alone, we stand in for Node's default: kill the
  // children, then die of the same signal.
  if (process.listenerCount(signal) > 1) return;
  killAll();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', killAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  process.off('exit', killAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
