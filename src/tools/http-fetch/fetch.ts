import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addAbortSignal, pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { checkTarget, FetchRefused, type GuardOptions, type ResolvedAddress } from './guard';

/** An HTTP-level failure (status, timeout, bad redirect); the tool turns it into an "error:" output. */
export class FetchFailed extends Error {
  override name = 'FetchFailed';
}

export interface FetchPageOptions extends GuardOptions {
  /** Bytes of (decompressed) body read at most; the rest is not downloaded. */
  maxBytes: number;
  /** For the whole fetch: DNS, connecting, every redirect and the body. */
  timeoutMs: number;
  maxRedirects: number;
  userAgent: string;
  /** Media types (lower case, no parameters) accepted; anything else is refused before the body is read. */
  acceptedTypes: readonly string[];
  /** Cancellation from the caller: rethrown as is, not turned into a FetchFailed. */
  signal?: AbortSignal;
}

export interface FetchedPage {
  /** After redirects. */
  url: string;
  status: number;
  /** Media type, lower case, e.g. `text/html`. */
  mediaType: string;
  /** The `charset` parameter of Content-Type, if any. */
  charset: string | undefined;
  body: Buffer;
  /** The body was longer than `maxBytes` and was cut there. */
  truncated: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET a URL with the SSRF guard on every hop, redirects followed by hand (each target checked again),
 * the body streamed and cut at `maxBytes`, and one deadline for all of it.
 *
 * Why node:http with a custom `lookup` rather than fetch/undici: the guard resolves the host and checks
 * every address; the request must then connect to exactly the address checked, or a DNS server that
 * answers "public" to the check and "127.0.0.1" to the connect (DNS rebinding) defeats the guard. The
 * `lookup` option of `http.request` replaces the resolver for this one request, so the socket connects
 * to the checked address while the URL keeps its host name: the Host header, TLS SNI and certificate
 * verification stay those of the name, which connecting to a bare IP would break. (A host given as an IP
 * literal is connected to directly; Node does not call `lookup` for it.) `agent: false` gives
 * each request its own agent: no kept-alive socket from another host or address is reused and no
 * environment proxy is applied (a proxy would do its own resolving, beyond the guard). undici's
 * `Agent({ connect: { lookup } })` would work too, but would add a dependency on undici's own
 * version and its connection pool to a path that needs neither.
 */
export async function fetchPage(url: string, options: FetchPageOptions): Promise<FetchedPage> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  try {
    return await follow(url, options, signal);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.aborted) throw new FetchFailed(`timed out after ${options.timeoutMs} ms`);
    throw error;
  }
}

async function follow(url: string, options: FetchPageOptions, signal: AbortSignal): Promise<FetchedPage> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new FetchRefused(`not a valid absolute URL: ${url}`);
  }
  for (let redirects = 0; ; redirects++) {
    const addresses = await abortable(checkTarget(current, options), signal);
    const response = await request(current, addresses, options.userAgent, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECTS.has(status) && location) {
      response.destroy();
      if (redirects >= options.maxRedirects) {
        throw new FetchFailed(`too many redirects (more than ${options.maxRedirects})`);
      }
      try {
        current = new URL(location, current);
      } catch {
        throw new FetchFailed(`redirect to an invalid URL: ${location}`);
      }
      continue;
    }
    if (status < 200 || status >= 300) {
      response.destroy();
      throw new FetchFailed(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`);
    }
    const { mediaType, charset } = parseContentType(response.headers['content-type']);
    if (!options.acceptedTypes.includes(mediaType)) {
      response.destroy();
      throw new FetchRefused(
        `unsupported content type ${mediaType || '(none)'}: only ${options.acceptedTypes.join(', ')} pages are read`,
      );
    }
    const { body, truncated } = await readBody(response, options.maxBytes, signal);
    return { url: current.href, status, mediaType, charset, body, truncated };
  }
}

function request(url: URL, addresses: ResolvedAddress[], userAgent: string, signal: AbortSignal) {
  // Connect to the addresses the guard checked, whatever DNS would answer now (see fetchPage). Node asks
  // for all of them (`all: true`) when it tries IPv6 and IPv4 in turn (autoSelectFamily); else the first.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    const [first] = addresses;
    if (lookupOptions.all) callback(null, addresses);
    else if (first) callback(null, first.address, first.family);
    else callback(new Error('no address to connect to') as NodeJS.ErrnoException, '', 4);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      agent: false,
      lookup: pinned,
      signal,
      headers: {
        'user-agent': userAgent,
        accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1',
        'accept-encoding': 'gzip, deflate, br',
      },
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

async function readBody(
  response: http.IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ body: Buffer; truncated: boolean }> {
  const encoding = String(response.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  let stream: Readable = response;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = pipeline(response, zlib.createGunzip(), noop);
  else if (encoding === 'deflate') stream = pipeline(response, zlib.createInflate(), noop);
  else if (encoding === 'br') stream = pipeline(response, zlib.createBrotliDecompress(), noop);
  else if (encoding !== 'identity' && encoding !== '') {
    response.destroy();
    throw new FetchFailed(`unsupported content encoding ${encoding}`);
  }
  addAbortSignal(signal, stream);
  // The limit counts decompressed bytes: a small compressed body cannot expand past it.
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    // Stop downloading: closes the connection if the body was cut short.
    stream.destroy();
    response.destroy();
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

export function parseContentType(header: string | undefined): {
  mediaType: string;
  charset: string | undefined;
} {
  if (!header) return { mediaType: '', charset: undefined };
  const [type = '', ...params] = header.split(';');
  let charset: string | undefined;
  for (const param of params) {
    const match = /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(param);
    if (match?.[1]) charset = match[1].toLowerCase();
  }
  return { mediaType: type.trim().toLowerCase(), charset };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function noop(): void {}
