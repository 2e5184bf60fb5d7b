import { boundToolResult } from '../bounds';
import { localDocumentsTools } from './local';

/**
 * The documents reader process: `DocumentsReader` (reader.ts) forks this file with a heap limit, sends
 * one `init` and then one message per tool call, and answers each with the tool's bounded result. Before
 * each file it reads it says which, so the parent knows the culprit when it has to stop this process
 * (too slow, too much memory) and can skip that file in the next one. It exits when the parent goes.
 */

export type ReaderRequest =
  | {
      type: 'init';
      sourceName: string;
      root: string;
      maxFileBytes: number;
      fileTimeoutMs: number;
      skipped: Record<string, string>;
    }
  | { type: 'call'; id: number; tool: string; args: unknown };

export type ReaderReply =
  | { type: 'file'; file: string | null }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; message: string };

function send(reply: ReaderReply): void {
  process.send?.(reply);
}

if (process.send) {
  let tools: ReturnType<typeof localDocumentsTools> | undefined;
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: ReaderRequest) => {
    if (request.type === 'init') {
      tools = localDocumentsTools(request.sourceName, request.root, request.maxFileBytes, {
        skipped: new Map(Object.entries(request.skipped)),
        fileTimeoutMs: request.fileTimeoutMs,
        onFile: (file) => send({ type: 'file', file: file ?? null }),
      });
      return;
    }
    const tool = tools?.find((t) => t.name === request.tool);
    if (!tool) {
      send({ type: 'error', id: request.id, message: `no tool ${request.tool}` });
      return;
    }
    const parsed = tool.parameters.safeParse(request.args);
    if (!parsed.success) {
      send({ type: 'error', id: request.id, message: `invalid arguments for ${request.tool}` });
      return;
    }
    tool.run(parsed.data, { signal: new AbortController().signal }).then(
      (result) => send({ type: 'result', id: request.id, result: boundToolResult(result) }),
      (error: unknown) =>
        send({
          type: 'error',
          id: request.id,
          message: error instanceof Error ? error.message : String(error),
        }),
    );
  });
}
