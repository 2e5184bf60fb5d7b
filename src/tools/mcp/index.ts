import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { deserializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { clip } from '../../text';
import { MAX_DESCRIPTION_CHARS } from '../bounds';
import {
  toolError,
  type ResearchSource,
  type ResearchTool,
  type ToolContext,
  type ToolResult,
} from '../types';
import {
  argumentsSchema,
  exactJsonSchema,
  sanitizeToolName,
  summaryArgumentOf,
  toToolResult,
  type CallResult,
} from './convert';
import { SafeJsonSchemaValidator } from './validator';

export { sanitizeToolName, toToolResult, argumentsSchema } from './convert';

export type McpTransportOptions =
  | {
      transport: 'stdio';
      /** The server's executable, e.g. `npx` or `/usr/local/bin/crm-mcp`. */
      command: string;
      args?: string[];
      /**
       * The child's whole environment, besides PATH: the worker's own environment (API keys, database
       * URLs) is not passed on. Put here what the server needs, e.g. its own token.
       */
      env?: Record<string, string>;
      cwd?: string;
    }
  | {
      transport: 'http';
      /** The server's Streamable HTTP endpoint, e.g. `https://mcp.example.com/mcp`. */
      url: string;
      /** Sent with every request, e.g. `{ Authorization: 'Bearer …' }`. */
      headers?: Record<string, string>;
    };

export interface McpSourceOptions {
  /** Per tool call; the call is cancelled on the server when it runs out. Default 30 s. */
  timeoutMs?: number;
  /** Characters of tool output passed to the model at most. Default 12,000. */
  maxOutputChars?: number;
}

/** An MCP server's tool as a research tool, with the server's own JSON Schema. */
export type McpTool = ResearchTool & McpToolSchema;

export interface McpToolSchema {
  /**
   * The server's JSON Schema for the arguments, as sent (minus `$schema`): use this, not a conversion of
   * `parameters`, as the function's parameters, so the model sees exactly what the server declared.
   */
  jsonSchema: Record<string, unknown>;
  /** The tool's name on the server; `name` is this, sanitized to `[a-zA-Z0-9_-]{1,64}`. */
  serverToolName: string;
}

/**
 * A source backed by an MCP server. Its tools are whatever the server lists, so they are only known
 * after connecting: **`await source.init()` before reading `source.tools`** (reading them earlier
 * throws). `init` connects, lists the tools once and can be called any number of times; the tools do not
 * change afterwards (a server's `tools/list_changed` is not followed). Calls reconnect by themselves if
 * the connection was lost. `close()` closes the client and its transport, ending a stdio server's
 * process; the source cannot be used after it.
 */
export interface McpSource extends ResearchSource {
  kind: 'api';
  init(): Promise<void>;
  readonly tools: McpTool[];
  /**
   * What the operator should know about the server's tools after `init()`: tools not offered (too
   * many, a schema too large) and argument patterns left to the server to check. Each is also emitted
   * as a process warning (code DEEP_RESEARCH_MCP).
   */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_OUTPUT_CHARS = 12_000;
/** Starting the server (a stdio server may be fetched by `npx` first) and listing its tools. */
const CONNECT_TIMEOUT_MS = 60_000;
const STDERR_TAIL_CHARS = 2000;
/** Tools offered from one server at most, and the size of one tool's input schema. */
const MAX_TOOLS = 64;
const MAX_SCHEMA_CHARS = 32_000;
const CLIENT_INFO = { name: 'durable-deep-research', version: '0.1.0' };

interface Connection {
  client: Client;
  /** For a stdio server: its last words on stderr, for error messages. */
  stderrTail: () => string;
}

/**
 * An MCP server as a research source (kind `api`), through the official SDK client: stdio
 * (`StdioClientTransport`, the server runs as a child process) or Streamable HTTP
 * (`StreamableHTTPClientTransport`). Nothing is started until `init()` or a tool call.
 *
 * Environment of a stdio server: the configured `env` plus PATH, never the worker's environment, which
 * holds the worker's own secrets. (The SDK adds its fixed list of harmless variables, on POSIX HOME,
 * LOGNAME, SHELL, TERM and USER; a configured value wins over those.)
 *
 * Tool results: see `toToolResult`. Failures of a call (server error, timeout, lost connection) come
 * back as "error: …" output; configuration errors throw here, a server that cannot be started or
 * reached makes `init()` throw.
 */
export function mcpSource(
  name: string,
  options: McpTransportOptions,
  more: McpSourceOptions = {},
): McpSource {
  const settings = validate(name, options, more);
  const where = `MCP source "${name}"`;
  let connection: Promise<Connection> | undefined;
  let listed: McpTool[] | undefined;
  let initializing: Promise<void> | undefined;
  let closed = false;
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    process.emitWarning(message, { code: 'DEEP_RESEARCH_MCP' });
  };

  const connect = (): Promise<Connection> => {
    if (closed) return Promise.reject(new Error(`${where} is closed`));
    if (!connection) {
      const attempt = open(options, settings.env, CONNECT_TIMEOUT_MS, () => {
        // Lost (the server exited, the HTTP session ended): the next call connects again.
        if (connection === attempt) connection = undefined;
      });
      connection = attempt;
      attempt.then(
        (opened) => {
          if (closed) void opened.client.close().catch(() => undefined);
        },
        () => {
          if (connection === attempt) connection = undefined;
        },
      );
    }
    return connection;
  };

  const list = async (): Promise<void> => {
    let opened: Connection;
    try {
      opened = await connect();
    } catch (error) {
      throw new Error(`${where}: could not connect to ${describe(options)}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const tools: McpTool[] = [];
    const taken = new Set<string>();
    let cursor: string | undefined;
    try {
      do {
        const page = await opened.client.listTools(cursor ? { cursor } : {}, {
          timeout: CONNECT_TIMEOUT_MS,
        });
        for (const tool of page.tools) {
          if (tools.length >= MAX_TOOLS) {
            warn(`${where}: the server lists more than ${MAX_TOOLS} tools; the rest are not offered`);
            break;
          }
          const size = JSON.stringify(tool.inputSchema ?? {}).length;
          if (size > MAX_SCHEMA_CHARS) {
            warn(
              `${where}: tool ${JSON.stringify(tool.name.slice(0, 64))} is not offered: its input schema ` +
                `has ${size} characters (at most ${MAX_SCHEMA_CHARS})`,
            );
            continue;
          }
          const toolName = sanitizeToolName(tool.name, taken);
          taken.add(toolName);
          tools.push(makeTool(tool, toolName));
        }
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      throw new Error(
        `${where}: could not list the server's tools: ${messageOf(error)}${opened.stderrTail()}`,
        {
          cause: error,
        },
      );
    }
    listed = tools;
  };

  const makeTool = (
    tool: { name: string; description?: string; title?: string; inputSchema: Record<string, unknown> },
    toolName: string,
  ): McpTool => {
    const summaryArgument = summaryArgumentOf(tool.inputSchema);
    const unchecked: string[] = [];
    const parameters = argumentsSchema(tool.inputSchema, unchecked);
    if (unchecked.length) {
      warn(
        `${where}: tool ${toolName}: argument patterns left to the server to check: ${unchecked.slice(0, 5).join('; ')}`,
      );
    }
    const description =
      (typeof tool.description === 'string' && tool.description) ||
      (typeof tool.title === 'string' && tool.title) ||
      `The ${toolName} tool of the ${name} MCP server.`;
    const built: ResearchTool<z.ZodType<Record<string, unknown>>> & McpToolSchema = {
      name: toolName,
      serverToolName: tool.name,
      // Descriptions are the server's words to the model: bounded, like everything it sends.
      description: clip(description, MAX_DESCRIPTION_CHARS),
      parameters,
      jsonSchema: exactJsonSchema(tool.inputSchema),
      ...(summaryArgument ? { summaryArgument } : {}),
      run: (args, ctx) => call(tool.name, args, ctx),
    };
    // `ResearchTool` (of any schema) types `summaryArgument` as a key of `unknown`, i.e. never; the
    // arguments here are a record, whose keys are strings.
    return built as McpTool;
  };

  const call = async (tool: string, args: unknown, ctx: ToolContext): Promise<ToolResult> => {
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return toolError(`the arguments of ${tool} must be an object`);
    }
    let opened: Connection;
    try {
      opened = await connect();
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      return toolError(`the ${name} MCP server could not be reached: ${messageOf(error)}`);
    }
    try {
      const result = await opened.client.callTool(
        { name: tool, arguments: args as Record<string, unknown> },
        undefined,
        { signal: ctx.signal, timeout: settings.timeoutMs, maxTotalTimeout: settings.timeoutMs },
      );
      return toToolResult(result as CallResult, {
        source: name,
        tool,
        maxOutputChars: settings.maxOutputChars,
      });
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        return toolError(`${tool} timed out after ${settings.timeoutMs} ms`);
      }
      if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
        return toolError(`the ${name} MCP server closed the connection during ${tool}${opened.stderrTail()}`);
      }
      return toolError(`${tool} failed: ${messageOf(error)}`);
    }
  };

  return {
    name,
    kind: 'api',
    warnings,
    get tools(): McpTool[] {
      if (!listed) {
        throw new Error(
          `${where}: its tools are listed by the server on connect; await source.init() before reading source.tools`,
        );
      }
      return listed;
    },
    init(): Promise<void> {
      if (listed) return Promise.resolve();
      if (closed) return Promise.reject(new Error(`${where} is closed`));
      initializing ??= list().finally(() => {
        initializing = undefined;
      });
      return initializing;
    },
    async close(): Promise<void> {
      closed = true;
      const current = connection;
      connection = undefined;
      if (!current) return;
      const opened = await current.catch(() => undefined);
      // Closes the transport: a stdio server's stdin is closed, then SIGTERM, then SIGKILL.
      await opened?.client.close().catch(() => undefined);
    },
  };
}

async function open(
  options: McpTransportOptions,
  env: Record<string, string>,
  timeoutMs: number,
  onClose: () => void,
): Promise<Connection> {
  let transport: Transport;
  let stderr = '';
  let oversize = false;
  const tooLarge = () => {
    oversize = true;
    return new Error(`the server sent a message larger than ${MAX_MESSAGE_BYTES / 2 ** 20} MB`);
  };
  if (options.transport === 'stdio') {
    const stdio = new BoundedStdioTransport(tooLarge, {
      command: options.command,
      ...(options.args ? { args: options.args } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env,
      // Piped, not inherited: kept (the tail) for error messages instead of mixing into the worker's log.
      stderr: 'pipe',
    });
    stdio.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    transport = stdio;
  } else {
    transport = new StreamableHTTPClientTransport(new URL(options.url), {
      requestInit: { headers: { ...options.headers } },
      fetch: boundedFetch(tooLarge),
    });
  }
  const client = new Client(CLIENT_INFO, {
    capabilities: {},
    jsonSchemaValidator: new SafeJsonSchemaValidator(),
  });
  client.onclose = onClose;
  client.onerror = () => undefined;
  const stderrTail = () =>
    (oversize ? ` (${tooLarge().message}; the connection was closed)` : '') +
    (stderr.trim() ? ` (server stderr: ${stderr.trim()})` : '');
  try {
    await client.connect(transport, { timeout: timeoutMs });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(`${messageOf(error)}${stderrTail()}`, { cause: error });
  }
  return { client, stderrTail };
}

/**
 * The SDK reads a whole JSON-RPC message into memory and parses it on the main thread, so a server's
 * message size is what it costs the worker: at most 8 MB, the connection is closed beyond that.
 */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * A stdio transport that reads messages in linear time and ends the server when one message outgrows
 * MAX_MESSAGE_BYTES. The SDK's own read buffer concatenates every chunk onto what it holds (quadratic:
 * an 8 MB message leaves half a gigabyte of garbage) and, past its size limit, drops the buffer but keeps
 * the connection, so the rest of the message arrives as garbage and the call waits for its timeout.
 */
class BoundedStdioTransport extends StdioClientTransport {
  constructor(tooLarge: () => Error, ...params: ConstructorParameters<typeof StdioClientTransport>) {
    super(...params);
    // The SDK keeps its read buffer private; it is only used through append, readMessage and clear.
    (this as unknown as { _readBuffer: LineBuffer })._readBuffer = new LineBuffer(() => {
      this.onerror?.(tooLarge());
      void this.close();
    });
  }
}

/** Newline-delimited JSON-RPC messages from a stream of chunks, each chunk looked at once. */
class LineBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Chunks already searched for a newline (none found in them). */
  private searched = 0;
  private overflowed = false;

  constructor(private readonly onOverflow: () => void) {}

  append(chunk: Buffer): void {
    if (this.overflowed) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > MAX_MESSAGE_BYTES && !this.chunks.slice(this.searched).some((c) => c.includes(10))) {
      this.overflowed = true;
      this.clear();
      this.onOverflow();
    }
  }

  readMessage(): ReturnType<typeof deserializeMessage> | null {
    for (let i = this.searched; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      const newline = chunk.indexOf(10);
      if (newline === -1) continue;
      const line = Buffer.concat([...this.chunks.slice(0, i), chunk.subarray(0, newline)]);
      const rest = chunk.subarray(newline + 1);
      this.chunks = [...(rest.length ? [rest] : []), ...this.chunks.slice(i + 1)];
      this.size = this.chunks.reduce((n, c) => n + c.length, 0);
      this.searched = 0;
      return deserializeMessage(line.toString('utf8').replace(/\r$/, ''));
    }
    this.searched = this.chunks.length;
    return null;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.searched = 0;
  }
}

/** fetch for the HTTP transport whose response bodies end with an error past MAX_MESSAGE_BYTES. */
function boundedFetch(tooLarge: () => Error): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body) return response;
    let seen = 0;
    const limit = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > MAX_MESSAGE_BYTES) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(limit), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function validate(name: string, options: McpTransportOptions, more: McpSourceOptions) {
  if (!name.trim()) throw new Error('MCP source: name must not be empty');
  const where = `MCP source "${name}"`;
  const timeoutMs = more.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new Error(`${where}: timeoutMs must be a positive number, got ${more.timeoutMs}`);
  }
  const maxOutputChars = more.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  if (!Number.isSafeInteger(maxOutputChars) || maxOutputChars <= 0) {
    throw new Error(`${where}: maxOutputChars must be a positive integer, got ${more.maxOutputChars}`);
  }
  const env: Record<string, string> = {};
  if (options.transport === 'stdio') {
    if (typeof options.command !== 'string' || !options.command.trim()) {
      throw new Error(`${where}: command must be a non-empty string`);
    }
    if (options.args !== undefined && !options.args.every((a) => typeof a === 'string')) {
      throw new Error(`${where}: args must be a list of strings`);
    }
    if (process.env.PATH !== undefined) env.PATH = process.env.PATH;
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (typeof value !== 'string') throw new Error(`${where}: env.${key} must be a string`);
      env[key] = value;
    }
  } else if (options.transport === 'http') {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new Error(`${where}: url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`${where}: url must be an http or https URL, got ${url.protocol}`);
    }
    for (const [key, value] of Object.entries(options.headers ?? {})) {
      if (typeof value !== 'string') throw new Error(`${where}: headers.${key} must be a string`);
    }
  } else {
    throw new Error(`${where}: transport must be "stdio" or "http"`);
  }
  return { timeoutMs, maxOutputChars, env };
}

function describe(options: McpTransportOptions): string {
  return options.transport === 'stdio'
    ? `the stdio server \`${[options.command, ...(options.args ?? [])].join(' ')}\``
    : `the HTTP server ${redactUrl(options.url)}`;
}

/** Without credentials or query (which may hold a token). */
function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
