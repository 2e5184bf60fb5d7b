import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../schemas/issues';
import { expandEnv, SourcesConfigError, WEB_SOURCE, type SourceConfig, type SourcesFile } from './config';
import { documentsSource } from './documents';
import { httpFetchSource } from './http-fetch';
import { mcpSource } from './mcp';
import { postgresSource, sqliteSource } from './sql';
import { boundToolResult, clipChars, MAX_DESCRIPTION_CHARS } from './bounds';
import type { ResearchSource, ResearchTool, ToolResult } from './types';

/**
 * The configured sources, opened on first use, and their tools as function definitions for the model.
 * Function names carry their source (`docs_handbook__search_documents`), so any worker can route a call.
 */

export interface FunctionToolDefinition {
  /** What the model calls: `<source>__<tool>`, at most 64 characters. */
  name: string;
  source: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  /** The argument that best describes a call, for the Web UI summary. */
  summaryArgument?: string;
}

/** A function call's arguments, as JSON text, at most: no tool needs more, and parsing is bounded. */
const MAX_ARGUMENTS_CHARS = 100_000;

const functionPrefix = (source: string) => source.replace(/[^a-zA-Z0-9_-]/g, '_');

export class SourceRegistry {
  private readonly opened = new Map<string, Promise<ResearchSource>>();

  constructor(
    private readonly config: SourcesFile,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Every configured source name, `web` first. */
  names(): string[] {
    return [WEB_SOURCE, ...Object.keys(this.config.sources)];
  }

  /** Unknown names, with a message that says what is configured and where. */
  check(names: string[]): string | undefined {
    const unknown = names.filter((n) => n !== WEB_SOURCE && !(n in this.config.sources));
    if (!unknown.length) return undefined;
    return (
      `unknown source${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}: ` +
      `the worker's sources are ${this.names().join(', ')}` +
      (this.config.file ? ` (from ${this.config.file})` : ' (set DEEP_RESEARCH_SOURCES_FILE to add more)')
    );
  }

  private open(name: string): Promise<ResearchSource> {
    let source = this.opened.get(name);
    if (!source) {
      const config = this.config.sources[name];
      if (!config) throw new SourcesConfigError(`no source named "${name}"`);
      source = this.build(name, config);
      // A failed open is retried on the next use rather than remembered.
      source.catch(() => this.opened.delete(name));
      this.opened.set(name, source);
    }
    return source;
  }

  private async build(name: string, config: SourceConfig): Promise<ResearchSource> {
    const resolve = (p: string) => path.resolve(this.config.dir, p);
    const where = `source "${name}"`;
    switch (config.type) {
      case 'documents':
        return documentsSource(name, {
          path: resolve(config.path),
          ...pick(config, ['maxFileBytes', 'fileTimeoutMs', 'maxMemoryMb']),
        });
      case 'sqlite':
        return sqliteSource(name, {
          path: resolve(config.path),
          ...pick(config, ['maxRows', 'maxBytes', 'statementTimeoutMs']),
        });
      case 'postgres': {
        const connectionString = this.env[config.connectionStringEnv];
        if (!connectionString) {
          throw new SourcesConfigError(
            `${where} needs ${config.connectionStringEnv}, which is not set on the worker`,
          );
        }
        return postgresSource(name, {
          connectionString,
          ...pick(config, ['maxRows', 'maxBytes', 'statementTimeoutMs']),
        });
      }
      case 'http-fetch':
        return httpFetchSource(
          name,
          pick(config, ['allowPrivateNetworks', 'allowedHosts', 'maxBytes', 'timeoutMs']),
        );
      case 'mcp': {
        const more = pick(config, ['timeoutMs']);
        const source =
          config.transport === 'stdio'
            ? mcpSource(
                name,
                {
                  transport: 'stdio',
                  command: config.command,
                  ...(config.args ? { args: config.args } : {}),
                  ...(config.cwd ? { cwd: resolve(config.cwd) } : {}),
                  ...(config.env ? { env: expandAll(config.env, this.env, where) } : {}),
                },
                more,
              )
            : mcpSource(
                name,
                {
                  transport: 'http',
                  url: config.url,
                  ...(config.headers ? { headers: expandAll(config.headers, this.env, where) } : {}),
                },
                more,
              );
        await source.init();
        return source;
      }
    }
  }

  /** The function definitions the model is offered for these sources (web is a hosted tool, not here). */
  async definitions(names: string[]): Promise<FunctionToolDefinition[]> {
    const definitions: FunctionToolDefinition[] = [];
    for (const name of names.filter((n) => n !== WEB_SOURCE)) {
      const source = await this.open(name);
      for (const tool of source.tools) {
        definitions.push({
          name: `${functionPrefix(name)}__${tool.name}`.slice(0, 64),
          source: name,
          description: clipChars(`[${name}] ${tool.description}`, MAX_DESCRIPTION_CHARS),
          parameters: jsonSchemaOf(tool),
          ...(tool.summaryArgument ? { summaryArgument: tool.summaryArgument } : {}),
        });
      }
    }
    return definitions;
  }

  /**
   * Runs the tool a function name refers to. `allowed` is the run's function names, fixed when the run
   * started (`definitions` of the sources it selected): a call naming any other tool, even one of
   * another configured source, is refused back to the model and marked `refused`; nothing runs. Arguments
   * the model got wrong come back as an error text for the model to correct, never as a crash. Whatever
   * the tool answers is bounded (`boundToolResult`) before it leaves.
   */
  async run(
    functionName: string,
    argumentsJson: string,
    signal: AbortSignal,
    allowed?: readonly string[],
  ): Promise<ToolResult> {
    if (allowed && !allowed.includes(functionName)) {
      return {
        output:
          `error: the tool ${clipChars(String(functionName), 80)} is not available in this run; ` +
          `use only the tools offered${allowed.length ? ` (${allowed.join(', ')})` : ' (none)'}`,
        sources: [],
        refused: true,
      };
    }
    const [prefix, toolName] = functionName.split('__');
    const sourceName = Object.keys(this.config.sources).find((n) => functionPrefix(n) === prefix);
    const source = sourceName ? await this.open(sourceName) : undefined;
    const tool =
      source?.tools.find((t) => `${functionPrefix(source.name)}__${t.name}`.slice(0, 64) === functionName) ??
      source?.tools.find((t) => t.name === toolName);
    if (!tool)
      return {
        output: `error: there is no tool named ${clipChars(functionName, 80)}; use one of the tools offered`,
        sources: [],
      };
    if (argumentsJson.length > MAX_ARGUMENTS_CHARS) {
      return {
        output: `error: the arguments of ${functionName} are longer than ${MAX_ARGUMENTS_CHARS} characters; call it with shorter ones`,
        sources: [],
      };
    }
    let args: unknown;
    try {
      args = JSON.parse(argumentsJson || '{}');
    } catch (error) {
      return {
        output: `error: the arguments of ${functionName} are not JSON (${clipChars((error as Error).message, 200)})`,
        sources: [],
      };
    }
    const parsed = tool.parameters.safeParse(args, { reportInput: true });
    if (!parsed.success) {
      return boundToolResult({
        output: `error: invalid arguments for ${functionName}: ${describeIssues(parsed.error).join('; ')}. Call it again with corrected arguments.`,
        sources: [],
      });
    }
    const { refused: _ignored, ...result } = await tool.run(parsed.data, { signal });
    return boundToolResult(result);
  }

  async close(): Promise<void> {
    const sources = await Promise.allSettled(this.opened.values());
    this.opened.clear();
    for (const s of sources) if (s.status === 'fulfilled') await s.value.close?.().catch(() => undefined);
  }
}

function jsonSchemaOf(tool: ResearchTool): Record<string, unknown> {
  // MCP tools keep the server's own JSON Schema, exact; ours come from their zod schema.
  const own = (tool as { jsonSchema?: Record<string, unknown> }).jsonSchema;
  if (own) return own;
  const schema = z.toJSONSchema(tool.parameters, { target: 'draft-7', io: 'input' }) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  return schema;
}

function pick<T extends object, K extends keyof T>(object: T, keys: K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (object[key] !== undefined) picked[key] = object[key];
  return picked;
}

function expandAll(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv,
  where: string,
): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, expandEnv(v, env, where)]));
}
