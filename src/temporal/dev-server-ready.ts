import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { isServerReachable } from './ports';

export interface ServingCheck {
  address: string;
  namespace: string;
  /** Custom search attributes that must be registered before callers may rely on the server. */
  searchAttributes: readonly string[];
}

/** The server did not become ready in time; carries the last reason a check gave. */
export class DevServerNotReadyError extends Error {
  override readonly name = 'DevServerNotReadyError';
}

const POLL_MS = 200;
const RPC_TIMEOUT_MS = 3_000;

/**
 * Polls until the server serves what callers need: the gRPC frontend answers, the namespace exists and our
 * search attributes are registered (the CLI registers them only after the frontend is up, so "port open"
 * alone would let a caller start a workflow that fails on an unknown attribute). Stops early, without
 * error, when `signal` aborts (the caller saw the process exit).
 */
export async function waitUntilServing(
  check: ServingCheck,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastReason = 'nothing listening yet';
  while (!signal.aborted) {
    if (await isServerReachable(check.address, 500)) {
      try {
        await checkServing(check);
        return;
      } catch (err) {
        lastReason = err instanceof Error ? err.message : String(err);
      }
    }
    if (Date.now() > deadline) {
      throw new DevServerNotReadyError(
        `Temporal dev server at ${check.address} not ready after ${timeoutMs / 1000} s: ${lastReason}`,
      );
    }
    await sleep(POLL_MS);
  }
}

async function checkServing({ address, namespace, searchAttributes }: ServingCheck): Promise<void> {
  // No retry interceptor: a poll should fail fast and be retried here, on our schedule.
  const connection = await Connection.connect({ address, connectTimeout: RPC_TIMEOUT_MS, interceptors: [] });
  try {
    await connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, async () => {
      await connection.workflowService.describeNamespace({ namespace });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = searchAttributes.filter((name) => customAttributes?.[name] === undefined);
      if (missing.length > 0) throw new Error(`search attributes not registered yet: ${missing.join(', ')}`);
    });
  } finally {
    await connection.close();
  }
}
