import OpenAI from 'openai';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { RunningSimulator } from '../../src/simulator';

/** Helpers for the simulator's own tests: clients, polling, raw admin calls. */

/**
 * Jest runs tests in a vm realm, while Node's fetch rejects with errors from the main realm: the SDK's
 * `instanceof Error` check misses them and reports a timeout as a plain connection error. Re-creating the
 * error in this realm keeps the SDK's classification what it is outside jest.
 */
const realmSafeFetch: typeof fetch = async (url, init) => {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (error instanceof Error) throw error;
    const { name, message } = error as { name?: string; message?: string };
    throw Object.assign(new Error(message ?? String(error)), { name: name ?? 'Error', cause: error });
  }
};

export function simClient(
  sim: RunningSimulator,
  options: ConstructorParameters<typeof OpenAI>[0] = {},
): OpenAI {
  return new OpenAI({
    apiKey: 'sim-key',
    baseURL: sim.baseURL,
    maxRetries: 0,
    timeout: 10_000,
    fetch: realmSafeFetch,
    ...options,
  });
}

/** A client whose requests carry no Authorization header at all. */
export function keylessClient(sim: RunningSimulator): OpenAI {
  return simClient(sim, {
    fetch: (url, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('authorization');
      return realmSafeFetch(url, { ...init, headers });
    },
  });
}

const FINAL = new Set(['completed', 'failed', 'cancelled', 'incomplete']);

/** Polls until a terminal status; returns every status seen (create's included) and the final response. */
export async function pollToEnd(
  client: OpenAI,
  created: Response,
  intervalMs = 10,
): Promise<{ statuses: string[]; final: Response; polls: number }> {
  const statuses = [created.status ?? ''];
  let current = created;
  let polls = 0;
  while (!FINAL.has(current.status ?? '')) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    current = await client.responses.retrieve(created.id);
    polls++;
    statuses.push(current.status ?? '');
  }
  return { statuses, final: current, polls };
}

/** Consecutive duplicates removed: ['queued', 'queued', 'completed'] -> ['queued', 'completed']. */
export function transitions(statuses: string[]): string[] {
  return statuses.filter((status, i) => status !== statuses[i - 1]);
}

export async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

export async function admin(
  sim: RunningSimulator,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

/** Every `[n]` citation number in a text, in order of appearance. */
export function citationNumbers(text: string): number[] {
  return [...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
}
