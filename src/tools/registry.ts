import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../schemas/issues';
import { sourceKindSchema } from '../schemas/research';
import { clip } from '../text';
import { boundToolResult, MAX_DESCRIPTION_CHARS } from './bounds';
import { BUILTIN_SOURCE_TYPES } from './builtin-types';
import {
  functionNameStart,
  functionPrefix,
  MODULE_TYPE,
  SourcesConfigError,
  sourcesFileSchema,
  WEB_SOURCE,
  type SourceConfig,
  type SourcesFile,
} from './config';
import { ownPrefix } from './mcp/convert';
import { loadSourceModule } from './source-module';
import type { SourceContext, SourceType } from './source-type';
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

export class SourceRegistry {
  private readonly opened = new Map<string, Promise<ResearchSource>>();
  private readonly types = new Map<string, SourceType>();

  /**
   * `sourceTypes` adds source types in code (an embedding service's own, see `createWorker`) to the
   * built-in ones; a sources-file entry may use them by `type`. Every entry is checked here against
   * the types' option schemas, so a bad entry fails when the worker is created, not when first used.
   */
  constructor(
    private readonly config: SourcesFile,
    private readonly env: NodeJS.ProcessEnv = process.env,
    sourceTypes: readonly SourceType[] = [],
  ) {
    for (const type of [...BUILTIN_SOURCE_TYPES, ...sourceTypes]) {
      if (this.types.has(type.type) || type.type === MODULE_TYPE) {
        throw new SourcesConfigError(`source type "${type.type}" is defined twice (or is a built-in name)`);
      }
      this.types.set(type.type, type);
    }
    const parsed = sourcesFileSchema([...this.types.values()], false).safeParse(
      { sources: config.sources },
      { reportInput: true },
    );
    if (!parsed.success) {
      throw new SourcesConfigError(
        `Invalid sources file ${config.file ?? '(in code)'}:\n- ${describeIssues(parsed.error).join('\n- ')}`,
      );
    }
  }

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
    const context: SourceContext = { resolve: (p) => path.resolve(this.config.dir, p), env: this.env };
    let type: SourceType;
    let options: unknown;
    if (config.type === MODULE_TYPE) {
      type = await loadSourceModule(context.resolve(String(config.module)), name);
      options = config.options ?? {};
    } else {
      const known = this.types.get(config.type);
      if (!known) throw new SourcesConfigError(`source "${name}": unknown source type "${config.type}"`);
      type = known;
      const { type: _type, ...rest } = config;
      options = rest;
    }
    const parsed = type.options.safeParse(options, { reportInput: true });
    if (!parsed.success) {
      const field = config.type === MODULE_TYPE ? 'options' : '';
      throw new SourcesConfigError(
        `source "${name}" (type ${type.type}): ${describeIssues(parsed.error)
          .map((line) => (field ? `${field}.${line}` : line))
          .join('; ')}`,
      );
    }
    const source = await type.open(name, parsed.data, context);
    checkSource(name, type.type, source);
    await source.init?.();
    return source;
  }

  /**
   * Every tool of a source by the function name it is offered under. Two tools under one name (long
   * names cut to 64 characters) are refused: a call to that name could run either.
   */
  private toolsByFunctionName(name: string, source: ResearchSource): Map<string, ResearchTool> {
    const byName = new Map<string, ResearchTool>();
    for (const tool of source.tools) {
      // The configured name, not the one the source calls itself: a user's module may return any.
      const functionName = `${functionPrefix(name)}__${tool.name}`.slice(0, 64);
      const other = byName.get(functionName);
      if (other) {
        throw new SourcesConfigError(
          `source "${name}": the tools ${other.name} and ${tool.name} would both be offered as ` +
            `${functionName} (function names are cut to 64 characters); rename one of them`,
        );
      }
      byName.set(functionName, tool);
    }
    return byName;
  }

  /** The function definitions the model is offered for these sources (web is a hosted tool, not here). */
  async definitions(names: string[]): Promise<FunctionToolDefinition[]> {
    const definitions: FunctionToolDefinition[] = [];
    for (const name of names.filter((n) => n !== WEB_SOURCE)) {
      const source = await this.open(name);
      for (const [functionName, tool] of this.toolsByFunctionName(name, source)) {
        definitions.push({
          name: functionName,
          source: name,
          description: clip(`[${name}] ${tool.description}`, MAX_DESCRIPTION_CHARS),
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
   * another configured source, is refused back to the model and marked `refused`; nothing runs. A name
   * is routed exactly: to the one source whose function names start as it does (the sources file
   * refuses names that could share a start) and its tool of exactly that function name. Arguments
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
          `error: the tool ${clip(String(functionName), 80)} is not available in this run; ` +
          `use only the tools offered (${namesList(allowed)})`,
        sources: [],
        refused: true,
      };
    }
    const sourceName = Object.keys(this.config.sources).find((n) =>
      String(functionName).startsWith(functionNameStart(n)),
    );
    const source = sourceName ? await this.open(sourceName) : undefined;
    const tool =
      source && sourceName ? this.toolsByFunctionName(sourceName, source).get(functionName) : undefined;
    if (!tool)
      return {
        output: `error: there is no tool named ${clip(String(functionName), 80)}; use one of the tools offered`,
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
        output: `error: the arguments of ${functionName} are not JSON (${clip((error as Error).message, 200)})`,
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
    return boundToolResult(result, this.citationNamespaces(sourceName!));
  }

  /**
   * Where a source's citations may point besides http(s): its own name (`docs:handbook/…`,
   * `db:sales#…`), and for an MCP source `mcp:<name>/…` (an MCP source named `crm` cites `mcp:crm/…`).
   */
  private citationNamespaces(name: string): string[] {
    return this.config.sources[name]?.type === 'mcp' ? [ownPrefix(name), name] : [name];
  }

  async close(): Promise<void> {
    const sources = await Promise.allSettled(this.opened.values());
    this.opened.clear();
    for (const s of sources) if (s.status === 'fulfilled') await s.value.close?.().catch(() => undefined);
  }
}

/** Names listed in a refusal, at most: a run may offer hundreds of tools (MCP servers list up to 64 each). */
const MAX_LISTED_NAMES = 20;

/** The run's tool names for a refusal message: the first `MAX_LISTED_NAMES`, then how many more. */
function namesList(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const listed = names.slice(0, MAX_LISTED_NAMES).map((n) => clip(String(n), 64));
  const more = names.length - listed.length;
  return `${listed.join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
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

/** A source a type opened, checked before it is used: a user's module may return anything. */
function checkSource(name: string, type: string, source: ResearchSource): void {
  const where = `source "${name}" (type ${type})`;
  if (!source || typeof source !== 'object')
    throw new SourcesConfigError(`${where}: open returned no source`);
  if (!sourceKindSchema.safeParse(source.kind).success) {
    const kinds = sourceKindSchema.options.map((kind) => `"${kind}"`);
    throw new SourcesConfigError(
      `${where}: kind must be ${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`,
    );
  }
  // MCP sources list their tools on init: checked when they are offered.
  if (source.init) return;
  if (!Array.isArray(source.tools) || source.tools.length === 0) {
    throw new SourcesConfigError(`${where}: tools must be a non-empty list (defineTool({ … }))`);
  }
  for (const tool of source.tools) {
    if (typeof tool?.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
      throw new SourcesConfigError(
        `${where}: tool name ${JSON.stringify(tool?.name)} must match [a-zA-Z0-9_-]{1,64}`,
      );
    }
    if (typeof tool.run !== 'function' || typeof tool.parameters?.safeParse !== 'function') {
      throw new SourcesConfigError(`${where}: tool ${tool.name} needs parameters (a zod schema) and run`);
    }
  }
}
