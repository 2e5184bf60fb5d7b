import type { CreateRequest } from './request';
import type { OutputItem, Usage, WireStreamEvent } from './wire';

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled' | 'incomplete';

/** How a response will end, decided when it is created. */
export type Fate = 'completed' | 'failed' | 'incomplete' | 'stuckQueued';

export interface TimedEvent {
  /** Epoch ms at which the event happens (and may be streamed). */
  atMs: number;
  event: WireStreamEvent;
}

export interface StoredResponse {
  id: string;
  request: CreateRequest;
  createdAtMs: number;
  /** Until then `queued`; then `in_progress` until `finishAtMs`. Both Infinity for a response stuck in the queue. */
  queuedUntilMs: number;
  finishAtMs: number;
  fate: Fate;
  cancelledAtMs?: number;
  deleted: boolean;
  /** Output and usage once finished (already cut short for `incomplete`, empty for `failed`). */
  finalItems: OutputItem[];
  finalUsage: Usage | null;
  incompleteReason: 'max_output_tokens' | null;
  error: { code: 'server_error'; message: string } | null;
  polls: number;
  /** Every stream event with its time, for `stream: true` responses (replayed on resume). */
  events: TimedEvent[] | null;
  /** Called on cancel and delete, so open streams can end. */
  listeners: Set<() => void>;
}
