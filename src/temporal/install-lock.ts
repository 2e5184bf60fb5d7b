import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Longer than the slowest install (a Go build): a live owner is waited for, never overrun. */
const MAX_WAIT_MS = 40 * 60_000;
const POLL_MS = 500;
/** A lock directory with no owner file yet is being created; after this long its creator died mid-way. */
const OWNERLESS_GRACE_MS = 10_000;

export class InstallLockTimeoutError extends Error {
  override readonly name = 'InstallLockTimeoutError';
}

/**
 * Runs `fn` while holding `<toolsDir>/.install-lock`, so two processes (two test workers, a worker and a
 * CLI started together) never build the same venv or write the same binary at once. The lock is a
 * directory (mkdir is atomic) holding the owner's pid; a lock whose owner died is taken over.
 */
export async function withInstallLock<T>(
  toolsDir: string,
  log: (line: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = path.join(toolsDir, '.install-lock');
  fs.mkdirSync(toolsDir, { recursive: true });
  const deadline = Date.now() + MAX_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = lockOwner(lock);
    if (owner === 'gone') continue;
    if (owner === 'stale') {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new InstallLockTimeoutError(
        `${lock} has been held by pid ${owner} for over 40 min; remove it if stale`,
      );
    }
    if (!announced) {
      const who = owner === 'pending' ? 'another process' : `pid ${owner}`;
      log(`waiting for ${who}, which is installing the Temporal CLI, to finish`);
      announced = true;
    }
    await sleep(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The owner's pid; 'pending' while the owner is still writing it; 'stale' when the owner died; 'gone' when
 * the lock was released while we looked (then it must not be removed: someone may have just taken it).
 */
function lockOwner(lock: string): number | 'pending' | 'stale' | 'gone' {
  let text: string;
  try {
    text = fs.readFileSync(path.join(lock, 'pid'), 'utf8');
  } catch {
    try {
      return Date.now() - fs.statSync(lock).mtimeMs > OWNERLESS_GRACE_MS ? 'stale' : 'pending';
    } catch {
      return 'gone';
    }
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return 'stale';
  return isAlive(pid) ? pid : 'stale';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
