import { writeFileSync } from 'node:fs';
import { ResearchClient, failureReason, validateResearchInput, type ResearchHandle } from '../client';
import { loadTemporalSettings } from '../config';
import type { Progress, ResearchResult } from '../schemas/research';
import { ProgressDisplay, render } from './progress-display';
import { researchInputFrom, type ResearchOptions } from './research-input';
import { openSession, webUiUrl, workflowUrl } from './session';

/** `run`, `start`, `status`, `result`, `cancel`, `finish`, `list`: each a thin layer over ResearchClient. */

const log = (line: string) => process.stderr.write(`${line}\n`);

export interface OutputOptions {
  out?: string;
  json?: boolean;
}

function writeResult(result: ResearchResult, output: OutputOptions): void {
  if (output.out) {
    writeFileSync(output.out, result.markdown);
    log(`Report written to ${output.out}`);
  }
  if (output.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (!output.out) process.stdout.write(result.markdown);
}

function summaryLine(result: ResearchResult): string {
  return (
    `Done: ${result.questions.length} questions, ${result.sources.length} sources cited, ` +
    `$${result.costUsd.toFixed(4)}, ${result.usage.inputTokens + result.usage.outputTokens} tokens` +
    (result.stoppedBy ? `, stopped early (${result.stoppedBy})` : '') +
    (result.invalidCitationsRemoved ? `, ${result.invalidCitationsRemoved} invalid citation(s) removed` : '')
  );
}

/** Polls the progress query and draws it until the run ends. */
async function watch(handle: ResearchHandle): Promise<ResearchResult> {
  const display = new ProgressDisplay();
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  const drawing = (async () => {
    while (!finished) {
      try {
        display.show(await handle.progress());
      } catch {
        // Not answerable yet (no workflow task processed) or already closed: try again shortly.
      }
      await new Promise((r) => setTimeout(r, 700));
    }
  })();
  try {
    return await result;
  } finally {
    await drawing;
    display.done();
  }
}

export async function runCommand(
  question: string | undefined,
  options: ResearchOptions & OutputOptions & { simulate?: boolean; simLatencyMs?: number },
): Promise<void> {
  const input = validateResearchInput(researchInputFrom(question, options));
  const session = await openSession({
    simulate: Boolean(options.simulate),
    ...(options.simLatencyMs !== undefined ? { simulatorLatencyMs: options.simLatencyMs } : {}),
    log,
  });
  try {
    session.notes.forEach(log);
    const handle = await session.research.start(input, { taskQueue: session.taskQueue });
    const namespace = session.research.client.options.namespace;
    log(`Research ${handle.workflowId} started.`);
    const link = workflowUrl(session.webUiUrl, namespace, handle.workflowId);
    if (link) log(`Watch it in the Temporal Web UI: ${link}`);

    let interrupted = false;
    const onInterrupt = () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      log('\nCancelling the research (Ctrl-C again to leave without waiting)…');
      void handle.cancel().catch(() => undefined);
    };
    process.on('SIGINT', onInterrupt);
    try {
      const result = await watch(handle);
      log(summaryLine(result));
      writeResult(result, options);
    } catch (error) {
      throw new Error(interrupted ? 'Research cancelled.' : `Research failed: ${failureReason(error)}`, {
        cause: error,
      });
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  } finally {
    await session.close();
  }
}

async function withClient<T>(fn: (research: ResearchClient) => Promise<T>): Promise<T> {
  const research = await ResearchClient.connect();
  try {
    return await fn(research);
  } finally {
    await research.close();
  }
}

export function startCommand(
  question: string | undefined,
  options: ResearchOptions & { json?: boolean },
): Promise<void> {
  const input = validateResearchInput(researchInputFrom(question, options));
  return withClient(async (research) => {
    const handle = await research.start(input);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ workflowId: handle.workflowId })}\n`);
      return;
    }
    const settings = loadTemporalSettings();
    process.stdout.write(`${handle.workflowId}\n`);
    const link = workflowUrl(webUiUrl(settings), settings.namespace, handle.workflowId);
    log(`Started. Follow it with: deep-research status ${handle.workflowId}`);
    if (link) log(`Web UI: ${link}`);
  });
}

export function statusCommand(id: string, options: { json?: boolean }): Promise<void> {
  return withClient(async (research) => {
    const progress: Progress = await research.getHandle(id).progress();
    process.stdout.write(
      options.json ? `${JSON.stringify(progress, null, 2)}\n` : `${render(progress).join('\n')}\n`,
    );
  });
}

export function resultCommand(id: string, options: OutputOptions): Promise<void> {
  return withClient(async (research) => {
    try {
      writeResult(await research.getHandle(id).result(), options);
    } catch (error) {
      throw new Error(`Research ${id} did not complete: ${failureReason(error)}`, { cause: error });
    }
  });
}

export function cancelCommand(id: string): Promise<void> {
  return withClient(async (research) => {
    await research.getHandle(id).cancel();
    log(`Cancellation requested for ${id}: responses in flight are being cancelled at the provider.`);
  });
}

export function finishCommand(id: string): Promise<void> {
  return withClient(async (research) => {
    const answer = await research.getHandle(id).finishEarly();
    log(
      answer.accepted
        ? `${id}: research stops now; the report is being written from what was found.`
        : `${id}: already ${answer.phase}; nothing to stop.`,
    );
  });
}

export function listCommand(options: { limit: number; json?: boolean }): Promise<void> {
  return withClient(async (research) => {
    const runs = await research.list(options.limit);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      return;
    }
    for (const run of runs) {
      process.stdout.write(
        `${run.workflowId}  ${run.status.padEnd(10)} ${(run.phase ?? '').padEnd(12)} ${run.startTime.toISOString()}  ${run.question ?? ''}\n`,
      );
    }
    if (!runs.length) log('No research runs yet.');
  });
}
