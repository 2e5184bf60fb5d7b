import { WorkflowNotFoundError } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import { ResearchClient, failureReason, validateResearchInput, type ResearchHandle } from '../client';
import { loadTemporalSettings } from '../config';
import type { Progress, ResearchResult } from '../schemas/research';
import { ProgressDisplay, render } from './progress-display';
import { researchInputFrom, type ResearchOptions } from './research-input';
import { CliExit, EXIT_FAILED, EXIT_INTERRUPTED } from './exit';
import { noWorkerAdvice, openSession, webUiUrl, workflowUrl, type Session } from './session';

/** `run`, `start`, `status`, `result`, `cancel`, `finish`, `list`: each a thin layer over ResearchClient. */

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

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

/** What was actually researched, skipped and failed, not just how many questions were planned. */
export function summaryLine(result: ResearchResult): string {
  const count = (status: string) => result.questions.filter((q) => q.status === status).length;
  const planned = result.questions.length;
  const parts = [
    `${count('completed')} of ${planned} question${planned === 1 ? '' : 's'} researched`,
    ...(['skipped', 'failed', 'cancelled'] as const)
      .filter((status) => count(status) > 0)
      .map((status) => `${count(status)} ${status}`),
  ];
  return (
    `Done: ${parts.join(', ')}, ${result.sources.length} sources cited, ` +
    `$${result.costUsd.toFixed(4)}, ${result.usage.inputTokens + result.usage.outputTokens} tokens` +
    (result.stoppedBy ? `, stopped early (${result.stoppedBy})` : '') +
    (result.invalidCitationsRemoved ? `, ${result.invalidCitationsRemoved} invalid citation(s) removed` : '')
  );
}

/** The last progress drawn, brought up to the result's final figures (the report step's cost included). */
export function finalProgress(last: Progress | undefined, result: ResearchResult): Progress {
  const elapsed = Math.max(
    0,
    Math.round((Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 1000),
  );
  return {
    phase: 'completed',
    question: result.question,
    questions: result.questions.map((q, i) => ({
      n: last?.questions[i]?.n ?? i + 1,
      question: q.question,
      status: q.status,
      round: last?.questions[i]?.round ?? 0,
      sources: q.sources.length,
    })),
    usage: result.usage,
    costUsd: result.costUsd,
    elapsedSeconds: Number.isFinite(elapsed) ? elapsed : (last?.elapsedSeconds ?? 0),
    ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
  };
}

/** Polls the progress query and draws it until the run ends, then draws the final figures. */
async function watch(handle: ResearchHandle): Promise<ResearchResult> {
  const display = new ProgressDisplay();
  let finished = false;
  let last: Progress | undefined;
  const result = handle.result().finally(() => {
    finished = true;
  });
  const drawing = (async () => {
    while (!finished) {
      try {
        last = await handle.progress();
        if (!finished) display.show(last);
      } catch {
        // Not answerable yet (no workflow task processed) or already closed: try again shortly.
      }
      await new Promise((r) => setTimeout(r, 700));
    }
  })();
  try {
    const done = await result;
    await drawing;
    display.show(finalProgress(last, done));
    return done;
  } finally {
    await drawing;
    display.done();
  }
}

/** A first workflow task nobody takes means no worker serves the queue: say so, once, and keep waiting. */
const NO_PICKUP_MS = 10_000;

function warnIfNobodyPicksUp(handle: ResearchHandle, session: Session): () => void {
  const timer = setTimeout(() => {
    handle.workflow
      .describe()
      .then((description) => {
        // WorkflowExecutionStarted and WorkflowTaskScheduled only: no worker has started its first task.
        if (description.status.name === 'RUNNING' && (description.historyLength ?? 0) <= 2) {
          log(
            `No worker has picked up ${handle.workflowId} in ${NO_PICKUP_MS / 1000} s: the workers last seen on ` +
              `task queue "${session.taskQueue}" seem to be gone. The research waits in the queue until one ` +
              `polls it; to go on:\n${noWorkerAdvice(session.taskQueue)
                .map((line) => `- ${line}`)
                .join('\n')}\n(Ctrl-C cancels it.)`,
          );
        }
      })
      .catch(() => undefined);
  }, NO_PICKUP_MS);
  timer.unref();
  return () => clearTimeout(timer);
}

const SAME_INTERRUPTION_MS = 400;

/**
 * Ctrl-C and SIGTERM during `run`. The first cancels the research and waits until every response in flight
 * is cancelled at the provider (the workflow waits for its activities' cancellation); the second leaves at
 * once. The SDK's own signal handling is off (session.ts), so the in-process worker keeps running until
 * the cancel is carried out.
 */
class Interrupts {
  private count = 0;
  private firstAt = 0;
  private handle: ResearchHandle | undefined;
  private session: Session | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => this.interrupt(signal);

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get interrupted(): boolean {
    return this.count > 0;
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }

  /** The research exists: an interruption from now on cancels it (one that came earlier does so now). */
  started(handle: ResearchHandle, session: Session): void {
    this.handle = handle;
    this.session = session;
    if (this.count > 0) this.cancel();
  }

  private interrupt(signal: NodeJS.Signals): void {
    // One Ctrl-C can arrive more than once: the terminal signals every process of the group, and npm and
    // tsx relay it to their child as well, a few milliseconds later. A person's second press is slower.
    if (this.count === 1 && Date.now() - this.firstAt < SAME_INTERRUPTION_MS) return;
    if (this.count === 0) this.firstAt = Date.now();
    this.count += 1;
    if (this.count > 1) {
      this.leave();
      return;
    }
    if (!this.handle) {
      log(`\n${signal}: stopping before the research starts (again to leave at once)…`);
      return;
    }
    this.cancel();
  }

  private cancel(): void {
    log(
      '\nCancelling the research and every response in flight at the provider ' +
        '(Ctrl-C again to leave without waiting)…',
    );
    this.handle!.cancel().catch((error: unknown) => log(`Could not cancel: ${failureReason(error)}`));
  }

  private leave(): never {
    const id = this.handle?.workflowId;
    if (!id) {
      log('Leaving now: no research was started.');
    } else {
      const where =
        this.session?.worker === 'in-process'
          ? this.session.simulated
            ? ' It was simulated: the simulator stopped with this process, so nothing is billed.'
            : ' This process was its worker: its cancellation is carried out when a worker runs it again ' +
              '(`scripts/npm run worker`).'
          : ' Its worker carries out the cancellation.';
      log(
        `Leaving without waiting. Research ${id} goes on, cancel requested, on the Temporal server.${where}` +
          ` Follow it with: deep-research status ${id}`,
      );
    }
    process.exit(EXIT_INTERRUPTED);
  }
}

export async function runCommand(
  question: string | undefined,
  options: ResearchOptions & OutputOptions & { simulate?: boolean; simLatencyMs?: number },
): Promise<void> {
  const input = validateResearchInput(researchInputFrom(question, options));
  const interrupts = new Interrupts();
  try {
    const session = await openSession(input, {
      simulate: Boolean(options.simulate),
      ...(options.simLatencyMs !== undefined ? { simulatorLatencyMs: options.simLatencyMs } : {}),
      log,
    });
    try {
      if (interrupts.interrupted) {
        throw new CliExit('Interrupted before the research started: nothing was started.', EXIT_INTERRUPTED);
      }
      session.notes.forEach(log);
      const handle = await session.research.start(input, { taskQueue: session.taskQueue });
      const namespace = session.research.client.options.namespace;
      log(`Research ${handle.workflowId} started.`);
      const link = workflowUrl(session.webUiUrl, namespace, handle.workflowId);
      if (link) log(`Watch it in the Temporal Web UI: ${link}`);
      interrupts.started(handle, session);
      const stopWarning =
        session.worker === 'external' ? warnIfNobodyPicksUp(handle, session) : () => undefined;
      let result: ResearchResult;
      try {
        result = await watch(handle);
      } catch (error) {
        if (interrupts.interrupted) {
          throw new CliExit(
            `Research ${handle.workflowId} cancelled: every response it had in flight was cancelled at the provider.`,
            EXIT_INTERRUPTED,
            { cause: error },
          );
        }
        throw new CliExit(`Research failed: ${failureReason(error)}`, EXIT_FAILED, { cause: error });
      } finally {
        stopWarning();
      }
      log(summaryLine(result));
      writeResult(result, options);
    } finally {
      await session.close();
    }
  } finally {
    interrupts.dispose();
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

/** The run's Temporal status, or a clear exit when there is no such run. */
async function statusOf(handle: ResearchHandle): Promise<string> {
  try {
    return (await handle.workflow.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new CliExit(
        `No research run with id ${handle.workflowId} (\`deep-research list\` shows the runs).`,
        EXIT_FAILED,
      );
    }
    throw error;
  }
}

const ended = (status: string) => status !== 'RUNNING';

export function statusCommand(id: string, options: { json?: boolean }): Promise<void> {
  return withClient(async (research) => {
    const handle = research.getHandle(id);
    let progress: Progress;
    try {
      progress = await handle.progress();
    } catch (error) {
      // A query needs a worker to answer it. An ended run answers from its result instead.
      const status = await statusOf(handle);
      if (status === 'COMPLETED') {
        progress = finalProgress(undefined, await handle.result());
      } else if (ended(status)) {
        throw new CliExit(`${id} ended ${status.toLowerCase()}: ${await endReason(handle)}`, EXIT_FAILED);
      } else {
        throw new CliExit(
          `${id} is running, but no worker answers for it (${failureReason(error)}): start one with ` +
            '`scripts/npm run worker`.',
          EXIT_FAILED,
          { cause: error },
        );
      }
    }
    process.stdout.write(
      options.json ? `${JSON.stringify(progress, null, 2)}\n` : `${render(progress).join('\n')}\n`,
    );
  });
}

async function endReason(handle: ResearchHandle): Promise<string> {
  try {
    await handle.result();
    return 'completed';
  } catch (error) {
    return failureReason(error);
  }
}

export function resultCommand(id: string, options: OutputOptions): Promise<void> {
  return withClient(async (research) => {
    const handle = research.getHandle(id);
    await statusOf(handle);
    try {
      writeResult(await handle.result(), options);
    } catch (error) {
      throw new CliExit(`Research ${id} did not complete: ${failureReason(error)}`, EXIT_FAILED, {
        cause: error,
      });
    }
  });
}

export function cancelCommand(id: string): Promise<void> {
  return withClient(async (research) => {
    const handle = research.getHandle(id);
    const status = await statusOf(handle);
    if (ended(status)) {
      log(`${id} has already ended (${status.toLowerCase()}): nothing to cancel.`);
      return;
    }
    await handle.cancel();
    log(`Cancellation requested for ${id}: responses in flight are being cancelled at the provider.`);
  });
}

export function finishCommand(id: string): Promise<void> {
  return withClient(async (research) => {
    const handle = research.getHandle(id);
    const alreadyEnded = (status: string): void => {
      log(
        `${id} has already ended (${status.toLowerCase()}): nothing to stop.` +
          (status === 'COMPLETED' ? ` Its report: deep-research result ${id}` : ''),
      );
    };
    const status = await statusOf(handle);
    if (ended(status)) return alreadyEnded(status);
    let answer: { accepted: boolean; phase: Progress['phase'] };
    try {
      answer = await handle.finishEarly();
    } catch (error) {
      // It may have ended between the two calls.
      const now = await statusOf(handle);
      if (ended(now)) return alreadyEnded(now);
      throw new CliExit(`Could not finish ${id} early: ${failureReason(error)}`, EXIT_FAILED, {
        cause: error,
      });
    }
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
