import type OpenAI from 'openai';
import type { BackgroundResult, ParsedBackgroundRequest, Usage } from '../schemas/background-response';
import { toProviderError, type ProviderError } from './errors';
import { includeFor, snapshotOf, toCreateParams } from './wire';

/**
 * What the project asks of a provider, and the only way activities talk to one: start a background
 * response, look at it, cancel it. Answers come back as extracted, typed data (src/openai/wire.ts reads
 * the wire format); failures as ProviderError (src/openai/errors.ts), never as the SDK's errors.
 */
export interface ProviderGateway {
  /** Where requests go, e.g. https://api.openai.com/v1 (an auth error names it). */
  readonly baseURL: string;
  /** Starts a background response. Never retried: a retried create can start a second paid run. */
  create(request: ParsedBackgroundRequest): Promise<ResponseSnapshot>;
  /**
   * Where the response `id` is now. `asked` is what it was created for: a poll asks for the output
   * fields the create asked for (they are not carried over), and a structured answer comes back parsed.
   */
  retrieve(id: string, asked: ResponseAsked, options?: { signal?: AbortSignal }): Promise<ResponseSnapshot>;
  /** Asks the provider to stop the response. Takes no signal: it must go out after a cancellation. */
  cancel(id: string): Promise<void>;
  /**
   * Room for streamed completion: the response's events from `after` (a sequence number the caller has
   * seen) on, ending with its final snapshot, so a reader can show text while it is written and a
   * resumed attempt can pick up where the stream broke. A gateway without it is polled; none streams yet.
   */
  stream?(id: string, asked: ResponseAsked, options?: StreamOptions): AsyncIterable<ResponseStreamEvent>;
}

/** What a response was created for, as far as reading it goes. */
export type ResponseAsked = Pick<ParsedBackgroundRequest, 'tools' | 'outputSchema'>;

/** The text, citations, searches and function calls of a finished response. */
export type ResponseOutput = Pick<
  BackgroundResult,
  'outputText' | 'refusal' | 'citations' | 'webSearches' | 'functionCalls' | 'parsed' | 'parseError'
>;

/** A background response as one look at it found it. */
export type ResponseSnapshot =
  | { id: string; status: 'queued' }
  /** Running; also any non-final status the API may add. */
  | { id: string; status: 'in_progress' }
  | {
      id: string;
      status: 'completed' | 'incomplete';
      /** Why an incomplete response stopped, e.g. max_output_tokens. */
      incompleteReason?: string;
      output: ResponseOutput;
      usage: Usage;
    }
  /** Failed at the provider: `error` says whether a fresh response would fail the same way. */
  | { id: string; status: 'failed'; error: ProviderError }
  | { id: string; status: 'cancelled' };

export interface StreamOptions {
  /** The sequence number of the last event the caller has seen: the stream resumes after it. */
  after?: number;
  signal?: AbortSignal;
}

/** One event of a streamed response: text as it is written, then the response as it ended. */
export type ResponseStreamEvent =
  | { type: 'text_delta'; sequenceNumber: number; delta: string }
  | { type: 'done'; sequenceNumber: number; snapshot: ResponseSnapshot };

/**
 * The gateway over the `openai` client, pointed at OpenAI or at the simulator (OPENAI_BASE_URL). The
 * client's own retries are off (src/openai/client.ts); each call says how often it may be retried:
 * a create never, a poll twice, a cancel three times.
 */
export class OpenAIGateway implements ProviderGateway {
  constructor(private readonly client: OpenAI) {}

  get baseURL(): string {
    return this.client.baseURL;
  }

  async create(request: ParsedBackgroundRequest): Promise<ResponseSnapshot> {
    const params = toCreateParams(request);
    const created = await call(() => this.client.responses.create(params, { maxRetries: 0 }));
    return snapshotOf(created, request);
  }

  async retrieve(
    id: string,
    asked: ResponseAsked,
    options: { signal?: AbortSignal } = {},
  ): Promise<ResponseSnapshot> {
    // GET /responses/{id} has its own include: without it a search comes back without its sources.
    const include = includeFor(asked);
    const response = await call(() =>
      this.client.responses.retrieve(id, include.length ? { include } : {}, {
        ...(options.signal ? { signal: options.signal } : {}),
        maxRetries: 2,
      }),
    );
    return snapshotOf(response, asked);
  }

  async cancel(id: string): Promise<void> {
    await call(() => this.client.responses.cancel(id, { maxRetries: 3, timeout: 10_000 }));
  }
}

/** One client call, its failure as a ProviderError. */
async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw toProviderError(error);
  }
}
