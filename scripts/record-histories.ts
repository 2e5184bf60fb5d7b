/**
 * `npm run record-histories`: records the event histories that test/replay.test.ts replays against the
 * current workflow code, so that a change which is not replay-safe fails `npm test` instead of breaking
 * the runs in flight when workers are redeployed.
 *
 * Starts an in-memory dev server, the simulator (50 ms latency, no jitter, fixed seed) and an in-process
 * worker, runs a few representative executions one after another, and writes each closed workflow's
 * history (parents and their child `researchQuestion`s) to test/histories/<workflowId>.json, in the JSON
 * of `temporal workflow show --output json`. A `/` in a workflow id becomes `__` in the file name.
 *
 * Run it after an intended change of workflow code (made safe with `patched()`), and commit the files.
 * It replaces the `replay-*.json` files at the top of test/histories/ only: to keep checking the histories
 * of older code while runs of it may still be in flight, move them into a subdirectory first (e.g.
 * test/histories/v1/), keeping their file names, since the test takes the workflow id from the name.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadWorkerSettings } from '../src/config';
import { LocalStack } from '../src/local-stack';
import type { BackgroundResponsePolicy } from '../src/policies';
import type { BackgroundRequest } from '../src/schemas/background-response';
import type { Progress, ResearchInput, ResearchResult } from '../src/schemas/research';
import type { RunningSimulator } from '../src/simulator';
import { backgroundResponse, deepResearch } from '../workflows';

const HISTORIES_DIR = path.join(__dirname, '..', 'test', 'histories');
/** Files this script owns (and replaces on every run); anything else in the directory is left alone. */
const PREFIX = 'replay-';
const TASK_QUEUE = 'record-histories';
const QUESTION = 'How do Raft and Paxos differ in leader election and log replication?';
/**
 * Stops the budget run during its first question (its slice of the budget does not cover a follow-up
 * round, and no room is left for the second question, which is skipped). The simulator's usage and our prices are fixed, so this holds
 * from run to run; the script checks `stoppedBy: 'budget'` and fails otherwise.
 */
const BUDGET_USD = Number(process.env.RECORD_BUDGET_USD ?? 0.1);

/** Workflow id -> file name: `replay-full/q1` -> `replay-full__q1.json`. */
function historyFileName(workflowId: string): string {
  return `${workflowId.replace(/\//g, '__')}.json`;
}

interface Context {
  client: Client;
  sim: RunningSimulator;
}

interface Scenario {
  /** The top-level workflow id; children are found in its history. */
  id: string;
  what: string;
  run(ctx: Context): Promise<string>;
}

/** `input` may be what a ResearchInput is not (the invalid-input scenario): the workflow checks it. */
function startResearch(
  ctx: Context,
  id: string,
  input: unknown,
  policy?: Partial<BackgroundResponsePolicy>,
): Promise<WorkflowHandle<typeof deepResearch>> {
  const sent = input as ResearchInput;
  return ctx.client.workflow.start(deepResearch, {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: policy ? [sent, policy] : [sent],
  });
}

async function research(
  ctx: Context,
  id: string,
  input: ResearchInput,
  policy?: Partial<BackgroundResponsePolicy>,
): Promise<ResearchResult> {
  const handle = await startResearch(ctx, id, input, policy);
  return handle.result();
}

/** The error a run ended with (it must end with one). */
async function failureOf(handle: WorkflowHandle): Promise<WorkflowFailedError> {
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WorkflowFailedError)) {
    throw new Error(`${handle.workflowId} was expected to fail, got ${String(error ?? 'a result')}`);
  }
  return error;
}

async function waitForPhase(handle: WorkflowHandle, phase: Progress['phase']): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const progress = await handle.query<Progress>('progress');
    if (progress.phase === phase) return;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} never reached phase ${phase}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`Recording is not what it should be: ${message}`);
}

const scenarios: Scenario[] = [
  {
    id: 'replay-full',
    what: 'a full research: plan, 2 questions in parallel with a follow-up round each, report',
    async run(ctx) {
      const result = await research(ctx, this.id, { question: QUESTION, maxQuestions: 2, depth: 1 });
      check(
        result.questions.length === 2 && result.questions.every((q) => q.status === 'completed'),
        'replay-full: every question completed',
      );
      return `completed, ${result.questions.length} questions, $${result.costUsd}`;
    },
  },
  {
    id: 'replay-private-sources',
    what: 'private sources only: the example documents and database, function calls as activities, no web',
    async run(ctx) {
      const result = await research(ctx, this.id, {
        question: 'What is the parental leave policy at Northwind Robotics?',
        maxQuestions: 1,
        depth: 0,
        sources: ['docs:example', 'db:example'],
      });
      check(
        result.questions.every(
          (q) => q.status === 'completed' && q.sources.some((s) => s.kind && s.kind !== 'web'),
        ),
        'replay-private-sources: private sources were cited',
      );
      return `completed, ${result.sources.length} sources cited`;
    },
  },
  {
    id: 'replay-hybrid',
    what: 'hybrid mode: web research, then a private analysis round per question',
    async run(ctx) {
      const result = await research(ctx, this.id, {
        question: 'How does our parental leave compare with common practice?',
        maxQuestions: 1,
        depth: 0,
        sources: ['web', 'docs:example'],
        mode: 'hybrid',
      });
      check(
        result.questions.every((q) => q.status === 'completed'),
        'replay-hybrid: completed',
      );
      return `completed, ${result.sources.length} sources cited`;
    },
  },
  {
    id: 'replay-budget',
    what: 'stopped by its budget during the first question (and a deadline timer that never fires)',
    async run(ctx) {
      const result = await research(ctx, this.id, {
        question: QUESTION,
        maxQuestions: 2,
        depth: 1,
        concurrency: 1,
        budget: { maxCostUsd: BUDGET_USD, deadlineMinutes: 60 },
      });
      check(
        result.stoppedBy === 'budget',
        `replay-budget: stoppedBy ${result.stoppedBy} with maxCostUsd ${BUDGET_USD}; try another RECORD_BUDGET_USD`,
      );
      return `stoppedBy ${result.stoppedBy}, questions ${result.questions.map((q) => q.status).join('/')}, $${result.costUsd}`;
    },
  },
  {
    id: 'replay-invalid-input',
    what: 'invalid input: fails at once',
    async run(ctx) {
      const handle = await startResearch(ctx, this.id, { question: 'ok?', maxQuestions: 40, colour: 'blue' });
      const error = await failureOf(handle);
      return `failed: ${(error.cause as Error).message.slice(0, 80)}…`;
    },
  },
  {
    id: 'replay-question-fails',
    what: 'the first question fails (both attempts of its search), the second completes',
    async run(ctx) {
      ctx.sim.configure({
        faults: {
          script: [
            { fault: 'none', on: 'create' },
            { fault: 'failed', on: 'create' },
            { fault: 'failed', on: 'create' },
          ],
        },
      });
      const result = await research(
        ctx,
        this.id,
        { question: QUESTION, maxQuestions: 2, depth: 0, concurrency: 1 },
        { maximumAttempts: 2, retryInitialIntervalSeconds: 1 },
      );
      const statuses = result.questions.map((q) => q.status);
      check(statuses.join() === 'failed,completed', `replay-question-fails: statuses ${statuses.join()}`);
      return `completed, questions ${statuses.join('/')}`;
    },
  },
  {
    id: 'replay-finish-early',
    what: 'a finishEarly update while researching',
    async run(ctx) {
      ctx.sim.configure({ latencyMs: 300 });
      const handle = await startResearch(ctx, this.id, {
        question: QUESTION,
        maxQuestions: 2,
        depth: 1,
        concurrency: 1,
      });
      await waitForPhase(handle, 'researching');
      const answer = await handle.executeUpdate<{ accepted: boolean; phase: string }, []>('finishEarly');
      check(answer.accepted, `replay-finish-early: update not accepted (phase ${answer.phase})`);
      const result = await handle.result();
      check(result.stoppedBy === 'finish', `replay-finish-early: stoppedBy ${result.stoppedBy}`);
      return `stoppedBy ${result.stoppedBy}, questions ${result.questions.map((q) => q.status).join('/')}`;
    },
  },
  {
    id: 'replay-cancelled',
    what: 'cancelled while researching (children and their responses are cancelled too)',
    async run(ctx) {
      ctx.sim.configure({ latencyMs: 2_000 });
      const handle = await startResearch(
        ctx,
        this.id,
        { question: QUESTION, maxQuestions: 2, depth: 1 },
        // Heartbeats at most every 0.8 s, so the activities hear of the cancellation within a second.
        { heartbeatTimeoutSeconds: 1 },
      );
      await waitForPhase(handle, 'researching');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await handle.cancel();
      const error = await failureOf(handle);
      check(error.cause instanceof CancelledFailure, `replay-cancelled: ended with ${String(error.cause)}`);
      return 'cancelled';
    },
  },
  {
    id: 'replay-background-response',
    what: 'one backgroundResponse workflow',
    async run(ctx) {
      const request: BackgroundRequest = {
        step: 'replay recording',
        model: 'gpt-5-mini',
        modelSetting: 'model',
        input: 'Summarise how Raft elects a leader in three sentences.',
        reasoningEffort: 'low',
      };
      const result = await ctx.client.workflow.execute(backgroundResponse, {
        taskQueue: TASK_QUEUE,
        workflowId: this.id,
        args: [request],
      });
      return `status ${result.status}`;
    },
  },
];

/**
 * Takes out what is specific to this machine and that replay never reads: worker identities and sticky
 * task queue names (pid@host) and the project's absolute path in failures' stack traces.
 */
function anonymise(json: string): string {
  const root = JSON.stringify(path.resolve(__dirname, '..')).slice(1, -1);
  return json
    .split(root)
    .join('.')
    .replace(/"identity": "[^"]*"/g, (field) =>
      field === '"identity": "history-service"' ? field : '"identity": "record-histories"',
    )
    .replace(/"name": "[^"]*"(,\s*"kind": "TASK_QUEUE_KIND_STICKY")/g, '"name": "record-histories-sticky"$1');
}

/** Ids of the child workflows a history started. */
function childIds(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return id ? [id] : [];
  });
}

async function main(): Promise<void> {
  // The runs that fail on purpose would each log a warning with a stack; real problems throw.
  const stack = new LocalStack({ logLevel: 'ERROR' });
  try {
    const server = await stack.startDevServer();
    const sim = await stack.startSimulator({ latencyMs: 50, jitter: 0 });
    const client = await stack.connectClient({ address: server.address });
    // Only what the recording needs; nothing from the caller's environment.
    const settings = loadWorkerSettings({
      TEMPORAL_ADDRESS: server.address,
      DEEP_RESEARCH_TASK_QUEUE: TASK_QUEUE,
      OPENAI_BASE_URL: sim.baseURL,
      OPENAI_API_KEY: 'sim-key',
      DEEP_RESEARCH_POLL_INITIAL_MS: '20',
      DEEP_RESEARCH_POLL_MAX_MS: '100',
      DEEP_RESEARCH_REQUEST_TIMEOUT_MS: '5000',
      // Fixed models, so the budget run stops where BUDGET_USD was chosen for, whatever the defaults become.
      DEEP_RESEARCH_PLANNER_MODEL: 'gpt-5.2',
      DEEP_RESEARCH_RESEARCHER_MODEL: 'gpt-5.2',
      DEEP_RESEARCH_WRITER_MODEL: 'gpt-5.2',
    });
    const worker = await stack.createWorker(settings, { simulated: true });

    const histories = new Map<string, History>();
    await stack.runUntil(worker, async () => {
      for (const scenario of scenarios) {
        sim.reset();
        sim.configure({ seed: 1 });
        const started = Date.now();
        const outcome = await scenario.run({ client, sim });
        // The parent, then each child once it has closed too (a cancelled parent may close first).
        const pending = [scenario.id];
        while (pending.length) {
          const id = pending.shift()!;
          const handle = client.workflow.getHandle(id);
          await handle.result().catch(() => undefined);
          const history = await handle.fetchHistory();
          histories.set(id, history);
          pending.push(...childIds(history));
        }
        console.log(`${scenario.id}: ${scenario.what} -> ${outcome} (${Date.now() - started} ms)`);
      }
    });

    mkdirSync(HISTORIES_DIR, { recursive: true });
    for (const file of readdirSync(HISTORIES_DIR)) {
      if (file.startsWith(PREFIX) && file.endsWith('.json')) rmSync(path.join(HISTORIES_DIR, file));
    }
    let total = 0;
    console.log(`\nwrote ${path.relative(process.cwd(), HISTORIES_DIR)}/:`);
    for (const [id, history] of histories) {
      const json = anonymise(historyToJSON(history));
      writeFileSync(path.join(HISTORIES_DIR, historyFileName(id)), `${json}\n`);
      total += json.length + 1;
      const events = history.events?.length ?? 0;
      console.log(
        `  ${historyFileName(id).padEnd(40)} ${String(events).padStart(4)} events  ${kb(json.length + 1)}`,
      );
    }
    console.log(`  ${histories.size} histories, ${kb(total)} in all`);
  } finally {
    await stack.close();
  }
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
