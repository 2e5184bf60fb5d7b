import type { ServerResponse } from 'node:http';
import { formatSse } from './generate/sse';
import type { StoredResponse } from './store-types';

/**
 * Serves a response's stream events over SSE, each at its scheduled time: those already past at once
 * (a resume replays them), the rest as they happen. Ends after the terminal event, or on cancel/delete.
 */

const TERMINAL_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete']);

export function serveStream(res: ServerResponse, record: StoredResponse, startingAfter: number): void {
  const events = record.events ?? [];
  let index = events.findIndex((timed) => timed.event.sequence_number > startingAfter);
  if (index < 0) index = events.length;
  let timer: NodeJS.Timeout | undefined;

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });

  const stop = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    record.listeners.delete(pump);
    if (!res.writableEnded) res.end();
  };

  function pump(): void {
    timer = undefined;
    if (record.deleted || res.destroyed) return stop();
    const now = Date.now();
    // Nothing that would have happened after a cancellation is ever sent.
    const limit = record.cancelledAtMs ?? Infinity;
    for (
      let timed = events[index];
      timed && timed.atMs <= now && timed.atMs <= limit;
      timed = events[index]
    ) {
      res.write(formatSse(timed.event));
      index++;
    }
    const last = events[events.length - 1];
    const finished = index >= events.length && last !== undefined && TERMINAL_EVENTS.has(last.event.type);
    const next = events[index];
    if (finished || record.cancelledAtMs !== undefined) return stop();
    // A response stuck in the queue has no next event: the stream stays open until cancel, delete or close.
    if (next) timer = setTimeout(pump, Math.max(0, next.atMs - now));
  }

  record.listeners.add(pump);
  res.on('close', stop);
  pump();
}
