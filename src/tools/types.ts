import type { z } from 'zod';
import type { SourceKind } from '../schemas/research';

export type { SourceKind };

/**
 * A tool the model can call during research: a name, a description, a zod schema for its arguments
 * (turned into the function's JSON schema) and an async function, run as its own Temporal activity.
 * Tools answer with text for the model and the sources that text came from, so private data is cited
 * like the web.
 */

export interface ToolSource {
  /** Stable and specific: a URL, or e.g. `docs:handbook/leave.md#L12-L30`, `db:sales#query-3f2a`. */
  url: string;
  title: string;
  kind: SourceKind;
  /** The passage or rows this source supports, cited as a fact of the finding. */
  excerpt?: string;
}

export interface ToolResult {
  /** What the model reads. Keep it bounded: tools cap rows, bytes and passages. */
  output: string;
  /** What the output came from; these become citable sources of the finding. */
  sources: ToolSource[];
  /**
   * Set by the registry when the call named a tool this run did not select: nothing ran, the output
   * says so to the model, and the workflow counts it (`refusedToolCalls`).
   */
  refused?: boolean;
}

export interface ToolContext {
  /** Aborted when the research is cancelled or the activity times out. */
  signal: AbortSignal;
}

export interface ResearchTool<Args extends z.ZodType = z.ZodType> {
  /** Function name the model sees: letters, digits, _ and -, at most 64. */
  name: string;
  description: string;
  parameters: Args;
  /** Which argument best describes a call, for the Web UI summary (e.g. "query"). */
  summaryArgument?: string;
  run(args: z.infer<Args>, ctx: ToolContext): Promise<ToolResult>;
}

/** A configured source (e.g. "docs:handbook") and the tools it offers; `close` releases connections. */
export interface ResearchSource {
  name: string;
  kind: SourceKind;
  tools: ResearchTool[];
  /** Sources whose tools are only known after connecting (MCP) list them here; awaited before `tools`. */
  init?(): Promise<void>;
  close?(): Promise<void>;
}

/** A tool's answer when it could not do what was asked: the model reads why and may call it again. */
export function toolError(message: string): ToolResult {
  return { output: `error: ${message}`, sources: [] };
}

export function defineTool<Args extends z.ZodType>(tool: ResearchTool<Args>): ResearchTool<Args> {
  return tool;
}
