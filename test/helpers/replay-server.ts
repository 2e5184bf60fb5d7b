import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedExchange } from './reference';

/**
 * Real recorded OpenAI exchanges (shared/reference/recorded, beside the checkout) served from a tiny
 * local HTTP server, so the real `openai` client parses the very bytes the API sent.
 */

export { loadRecordings, type Recording } from './reference';
export type Interaction = RecordedExchange;

/** The final Response of an exchange: the JSON body, or the Response an SSE stream ended with. */
export function finalResponseOf(interaction: Interaction): Record<string, unknown> | undefined {
  const body = interaction.response.body;
  if (Array.isArray(body)) {
    const last = [...body]
      .reverse()
      .find((e) =>
        ['response.completed', 'response.incomplete', 'response.failed'].includes(
          (e as { type?: string }).type ?? '',
        ),
      ) as { response?: Record<string, unknown> } | undefined;
    return last?.response;
  }
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
}

export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  body: unknown;
}

export interface ReplayServer {
  /** e.g. http://127.0.0.1:PORT/v1: what an OpenAI client takes as baseURL. */
  baseURL: string;
  received: ReceivedRequest[];
  /** Exchanges not served yet. */
  remaining(): number;
  close(): Promise<void>;
}

export interface ReplayExchange {
  method: string;
  /** Path without the query: the request must match it. */
  path: string;
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** Turns a recorded exchange into what the server answers (a stream's final Response as JSON). */
export function exchangeOf(interaction: Interaction): ReplayExchange {
  const body = Array.isArray(interaction.response.body)
    ? finalResponseOf(interaction)
    : interaction.response.body;
  return {
    method: interaction.request.method,
    path: interaction.request.uri.split('?')[0]!,
    status: interaction.response.status,
    headers: Object.fromEntries(
      Object.entries(interaction.response.headers).filter(([k]) => k !== 'content-type'),
    ),
    body,
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Serves the exchanges in order: each request gets the first unserved exchange with its method and
 * path. A request nothing matches gets a 599 that names it, so a test sees what the code asked for.
 */
export async function startReplayServer(exchanges: ReplayExchange[]): Promise<ReplayServer> {
  const pending = [...exchanges];
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = req.url ?? '/';
      received.push({ method: req.method ?? 'GET', url, body });
      const pathname = url.split('?')[0];
      const index = pending.findIndex((e) => e.method === req.method && e.path === pathname);
      if (index < 0) {
        res.writeHead(599, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no recorded exchange for ${req.method} ${url}` } }));
        return;
      }
      const [exchange] = pending.splice(index, 1);
      res.writeHead(exchange!.status, { 'content-type': 'application/json', ...exchange!.headers });
      res.end(JSON.stringify(exchange!.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    received,
    remaining: () => pending.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
