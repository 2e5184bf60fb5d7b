import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  applyConfigPatch,
  defaultConfig,
  SimulatorConfigError,
  type SimulatorConfig,
  type SimulatorConfigPatch,
  type RequestFaultName,
  type ResponseFaultName,
  type SimulatorStats,
} from './config';
import {
  ApiError,
  invalidApiKey,
  invalidRequest,
  invalidUrl,
  missingApiKey,
  modelNotFound,
  rateLimited,
  serverError,
  unavailable,
} from './errors';
import { FaultInjector, isRequestFault, type Operation } from './faults';
import { parseJsonBody, readBody, sendError, sendJson } from './http';
import { newRequestId } from './ids';
import { checkModelRequest, unknownModel } from './models';
import { hashString, Rng } from './random';
import { INCLUDE_VALUES, parseCreateRequest, type CreateRequest } from './request';
import { ResponseStore } from './store';
import type { StoredResponse } from './store-types';
import { serveStream } from './stream';

export interface SimulatorOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Mean time from create to a terminal status (default 2000). */
  latencyMs?: number;
  /** 0..1 (default 0.2): each response takes latencyMs * (1 ± jitter). */
  jitter?: number;
  /** When set, only this bearer key is accepted; otherwise any non-empty key. */
  apiKey?: string;
}

export interface RunningSimulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** url + '/v1' (what OPENAI_BASE_URL is set to). */
  baseURL: string;
  port: number;
  stats(): SimulatorStats;
  configure(patch: SimulatorConfigPatch): SimulatorConfig;
  reset(): void;
  /** The raw JSON body that created a response (for tests asserting what the provider was asked). */
  requestBody(responseId: string): unknown;
  /**
   * Every `POST /v1/responses` body received since start or reset, oldest first, refused ones included, with
   * the HTTP status it was answered with (0: the connection was dropped or held). For conformance tests that
   * check what the project sends against the spec. The newest 5000 are kept.
   */
  receivedCreates(): ReceivedCreate[];
  /** Closes the server and destroys every open socket (hung requests and streams included). */
  close(): Promise<void>;
}

export interface ReceivedCreate {
  body: unknown;
  status: number;
  responseId?: string;
}

const MAX_RECEIVED = 5000;

const MODEL_CREATED_AT = 1_735_689_600; // 2025-01-01: a fixed, plausible `created` for the models list.

/** One simulator instance: config, PRNGs, stored responses and the HTTP handler. */
/**
 * A poll's own `include`: openai-node sends `include[]=a&include[]=b`, other clients `include=a`. Checked
 * against the spec's IncludeEnum like a create's. Without one, nothing optional is included: the create's
 * include is not carried over (spec: GET /responses/{id} has its own `include` parameter).
 */
function pollInclude(url: URL): string[] {
  const include = [...url.searchParams.getAll('include[]'), ...url.searchParams.getAll('include')];
  for (const value of include) {
    if (!(INCLUDE_VALUES as readonly string[]).includes(value)) {
      throw invalidRequest(
        `Invalid value: ${JSON.stringify(value)}. Supported values are: ${INCLUDE_VALUES.map((v) => `'${v}'`).join(', ')}.`,
        'include',
        'invalid_value',
      );
    }
  }
  return include;
}

class Simulator {
  private readonly startConfig: SimulatorConfig;
  config: SimulatorConfig;
  private faultRng!: Rng;
  private latencyRng!: Rng;
  readonly store: ResponseStore;
  private readonly faults: FaultInjector;
  /** Long-lived /v1 requests (hung, waiting, streaming), destroyed on reset. */
  private readonly active = new Set<ServerResponse>();
  readonly received: ReceivedCreate[] = [];

  constructor(options: SimulatorOptions) {
    const base = defaultConfig();
    this.startConfig = applyConfigPatch(base, {
      ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
      ...(options.jitter !== undefined ? { jitter: options.jitter } : {}),
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    });
    this.config = structuredClone(this.startConfig);
    this.seed();
    this.store = new ResponseStore(
      () => this.config,
      () => this.latencyRng,
    );
    this.faults = new FaultInjector(
      () => this.config,
      () => this.faultRng,
    );
  }

  private seed(): void {
    this.faultRng = new Rng(hashString(`faults:${this.config.seed}`));
    this.latencyRng = new Rng(hashString(`latency:${this.config.seed}`));
  }

  configure(patch: unknown): SimulatorConfig {
    const previousSeed = this.config.seed;
    this.config = applyConfigPatch(this.config, patch);
    if (this.config.seed !== previousSeed) this.seed();
    return structuredClone(this.config);
  }

  reset(): void {
    for (const res of this.active) res.destroy();
    this.active.clear();
    this.store.reset();
    this.received.length = 0;
    this.config = structuredClone(this.startConfig);
    this.seed();
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-request-id', newRequestId());
    res.setHeader('openai-version', '2020-10-01');
    // Lets a client tell that it talks to the simulator (real OpenAI never sends it).
    res.setHeader('x-simulator', 'durable-deep-research');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const route = url.pathname.replace(/\/+$/, '') || '/';
    const done = (promise: Promise<void>): void => {
      promise.catch((error: unknown) => {
        if (error instanceof ApiError) return sendError(res, error);
        const message = error instanceof Error ? error.message : String(error);
        sendJson(res, 500, { error: { message, type: 'server_error', param: null, code: null } });
      });
    };
    if (route.startsWith('/__sim/')) return done(this.admin(method, route, req, res));
    if (route === '/v1' || route.startsWith('/v1/')) return done(this.api(method, route, url, req, res));
    sendError(res, invalidUrl(method, url.pathname));
  }

  private async admin(
    method: string,
    route: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (method === 'GET' && route === '/__sim/stats') return sendJson(res, 200, this.store.stats());
    if (method === 'GET' && route === '/__sim/config') return sendJson(res, 200, this.config);
    if (method === 'POST' && route === '/__sim/config') {
      const patch = parseJsonBody(await readBody(req));
      try {
        return sendJson(res, 200, this.configure(patch));
      } catch (error) {
        if (error instanceof SimulatorConfigError) {
          throw new ApiError(
            400,
            error.message,
            'invalid_request_error',
            error.param || null,
            'invalid_config',
          );
        }
        throw error;
      }
    }
    if (method === 'POST' && route === '/__sim/reset') {
      await readBody(req);
      this.reset();
      return sendJson(res, 200, { reset: true });
    }
    if (method === 'GET' && route === '/__sim/received') return sendJson(res, 200, this.received);
    const requestMatch = /^\/__sim\/requests\/([^/]+)$/.exec(route);
    if (method === 'GET' && requestMatch?.[1]) {
      const record = this.store.peek(decodeURIComponent(requestMatch[1]));
      if (!record) throw invalidUrl(method, route);
      return sendJson(res, 200, record.request.raw);
    }
    throw invalidUrl(method, route);
  }

  private authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.*)$/i.exec(header);
    const key = match?.[1]?.trim() ?? '';
    if (!key) throw missingApiKey();
    const expected = this.config.apiKey;
    if (expected !== undefined && key !== expected) throw invalidApiKey(key);
  }

  private async api(
    method: string,
    route: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    this.store.counters.requests++;
    this.authenticate(req);

    if (route === '/v1/models' && method === 'GET') {
      return sendJson(res, 200, {
        object: 'list',
        data: this.config.models.map((id) => ({
          id,
          object: 'model',
          created: MODEL_CREATED_AT,
          owned_by: 'system',
        })),
      });
    }
    const modelMatch = /^\/v1\/models\/([^/]+)$/.exec(route);
    if (modelMatch?.[1] && method === 'GET') {
      const id = decodeURIComponent(modelMatch[1]);
      if (!this.config.models.includes(id)) throw modelNotFound(id);
      return sendJson(res, 200, { id, object: 'model', created: MODEL_CREATED_AT, owned_by: 'system' });
    }

    if (route === '/v1/responses' && method === 'POST') return this.create(req, res);
    const match = /^\/v1\/responses\/([^/]+)(\/cancel)?$/.exec(route);
    const id = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    if (id && !match?.[2] && method === 'GET') return this.retrieve(id, url, req, res);
    if (id && match?.[2] && method === 'POST') return this.cancel(id, req, res);
    if (id && !match?.[2] && method === 'DELETE') return this.delete(id, req, res);
    throw invalidUrl(method, url.pathname);
  }

  /** Answers a request with a request-level fault (429, 500, 503, reset, hang). */
  private injectRequestFault(
    fault: RequestFaultName,
    req: IncomingMessage,
    res: ServerResponse,
    model: string,
  ): void {
    this.store.countFault(fault);
    switch (fault) {
      case 'rateLimit':
        return sendError(res, rateLimited(model, this.config.faults.retryAfterSeconds));
      case 'serverError':
        return sendError(res, serverError());
      case 'unavailable':
        return sendError(res, unavailable());
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        // Never answered: held until the client gives up, reset() or close().
        return this.hold(res);
    }
  }

  /** Decides and applies a fault for a retrieve, cancel or delete; true when the request has been answered. */
  private faulted(operation: Operation, id: string, req: IncomingMessage, res: ServerResponse): boolean {
    const { fault } = this.faults.decide(operation);
    if (!fault || !isRequestFault(fault)) return false;
    this.injectRequestFault(fault, req, res, this.store.peek(id)?.request.model ?? 'gpt-5');
    return true;
  }

  private hold(res: ServerResponse): void {
    this.active.add(res);
    res.once('close', () => this.active.delete(res));
  }

  private async create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const body = parseJsonBody(text);
    const received: ReceivedCreate = { body, status: 0 };
    this.received.push(received);
    if (this.received.length > MAX_RECEIVED) this.received.shift();
    res.once('finish', () => (received.status = res.statusCode));
    const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const model = typeof fields['model'] === 'string' ? fields['model'] : 'gpt-5';
    const decision = this.faults.decide('create', { background: fields['background'] === true, body: text });
    if (decision.fault && isRequestFault(decision.fault))
      return this.injectRequestFault(decision.fault, req, res, model);
    let request: CreateRequest;
    let record: StoredResponse;
    try {
      request = parseCreateRequest(body);
      // Recorded: an unknown model on /v1/responses is a 400 model_not_found naming it.
      if (!this.config.models.includes(request.model)) throw unknownModel(request.model);
      const checked = checkModelRequest(request.model, {
        effort: request.reasoning.effort,
        hasReasoning: request.hasReasoning,
        toolTypes: request.toolTypes,
        temperature: request.sampling.temperature,
        topP: request.sampling.topP,
      });
      request.reasoning.reported = checked.effort;
      record = this.store.create(request, decision.fault as ResponseFaultName | null);
    } catch (error) {
      decision.restore();
      throw error;
    }
    if (decision.fault) this.store.countFault(decision.fault);
    received.responseId = record.id;

    if (request.stream) {
      this.hold(res);
      return serveStream(res, record, -1);
    }
    // Recorded: a background create always answers `queued`, however long the request took to handle.
    if (request.background) return sendJson(res, 200, this.store.wire(record, record.createdAtMs));
    // Synchronous: answer when the response finishes.
    this.hold(res);
    const timer = setTimeout(
      // Timers may fire a millisecond early: answer as of the finish time at least.
      () => sendJson(res, 200, this.store.wire(record, Math.max(Date.now(), record.finishAtMs))),
      Math.max(0, record.finishAtMs - Date.now()),
    );
    res.on('close', () => clearTimeout(timer));
  }

  private async retrieve(id: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    this.store.counters.retrieves++;
    const known = this.store.peek(id);
    if (known) known.polls++;
    if (this.faulted('retrieve', id, req, res)) return;
    const record = this.store.find(id);
    if (url.searchParams.get('stream') === 'true') {
      if (!record.events) {
        throw invalidRequest(
          `Response '${id}' was not created with 'stream=true', so it cannot be streamed.`,
          'stream',
          'invalid_value',
        );
      }
      const after = Number(url.searchParams.get('starting_after') ?? '-1');
      this.hold(res);
      return serveStream(res, record, Number.isFinite(after) ? after : -1);
    }
    sendJson(res, 200, this.store.wire(record, Date.now(), pollInclude(url)));
  }

  private async cancel(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    this.store.counters.cancels++;
    if (this.faulted('cancel', id, req, res)) return;
    const record = this.store.cancel(this.store.find(id));
    sendJson(res, 200, this.store.wire(record));
  }

  private async delete(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    this.store.counters.deletes++;
    if (this.faulted('delete', id, req, res)) return;
    const record = this.store.find(id);
    this.store.delete(record);
    sendJson(res, 200, { id, object: 'response.deleted', deleted: true });
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const simulator = new Simulator(options);
  const server: Server = createServer((req, res) => simulator.handle(req, res));
  // Clients keep connections alive; nothing here should outlive close().
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    baseURL: `${url}/v1`,
    port,
    stats: () => simulator.store.stats(),
    configure: (patch) => simulator.configure(patch),
    reset: () => simulator.reset(),
    requestBody: (responseId) => simulator.store.peek(responseId)?.request.raw,
    receivedCreates: () => simulator.received.map((entry) => ({ ...entry })),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        simulator.reset();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
