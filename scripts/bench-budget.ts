/**
 * `npm run bench:budget`: does the budget hold at every concurrency? One research per cell of
 * maxCostUsd 0.05 / 0.08 / 0.12 / 0.2 x concurrency 1 / 2 / 4, on the simulator with its default
 * settings (2 s latency ±20%) and the default question count and depth, on a real dev server and worker.
 * Prints, per cell, what was spent against the budget, whether the research stopped early, how many
 * questions were researched, and the responses created. Exits 1 if any cell spent more than its budget.
 *
 * `BENCH_BUDGETS=0.05,0.1` and `BENCH_CONCURRENCY=1,4` choose other cells.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { failureReason } from '../src/client';
import { loadWorkerSettings } from '../src/config';
import { LocalStack } from '../src/local-stack';
import { deepResearch } from '../workflows';

const QUESTION = 'How do Raft and Paxos differ in leader election, log replication and failure handling?';
const list = (value: string | undefined, fallback: number[]) =>
  value ? value.split(',').map(Number) : fallback;
const BUDGETS = list(process.env.BENCH_BUDGETS, [0.05, 0.08, 0.12, 0.2]);
const CONCURRENCY = list(process.env.BENCH_CONCURRENCY, [1, 2, 4]);

interface Cell {
  budget: number;
  concurrency: number;
  costUsd: number;
  outcome: string;
  researched: number;
  questions: number;
  created: number;
}

async function main(): Promise<void> {
  // Failed cells are part of the table; the worker's warning about each would only repeat it.
  const stack = new LocalStack({ logLevel: 'ERROR' });
  const cells: Cell[] = [];
  const messages = new Set<string>();
  try {
    const server = await stack.startDevServer();
    // One simulator per concurrency column, so each cell's responses can be counted on their own.
    const sims = await Promise.all(CONCURRENCY.map(() => stack.startSimulator({})));
    const taskQueue = 'bench-budget';
    const settings = loadWorkerSettings({
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      OPENAI_BASE_URL: sims[0]!.baseURL,
      OPENAI_API_KEY: 'sim-key',
      DEEP_RESEARCH_TASK_QUEUE: taskQueue,
    });
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const workers = await Promise.all(
      sims.map((sim, i) =>
        stack.createWorker(
          {
            ...settings,
            temporal: { ...settings.temporal, taskQueue: `${taskQueue}-${i}` },
            openai: { ...settings.openai, baseURL: sim.baseURL },
          },
          { workflowBundle },
        ),
      ),
    );
    const client = await stack.connectClient({ address: server.address });
    await Promise.all(
      workers.map((worker, i) =>
        stack.runUntil(worker, async () => {
          const concurrency = CONCURRENCY[i]!;
          const sim = sims[i]!;
          for (const budget of BUDGETS) {
            sim.reset();
            const cell: Cell = {
              budget,
              concurrency,
              costUsd: 0,
              outcome: '',
              researched: 0,
              questions: 0,
              created: 0,
            };
            try {
              const result = await client.workflow.execute(deepResearch, {
                taskQueue: `${taskQueue}-${i}`,
                workflowId: `bench-budget-${budget}-${concurrency}-${Date.now()}`,
                args: [{ question: QUESTION, concurrency, budget: { maxCostUsd: budget } }],
              });
              cell.costUsd = result.costUsd;
              cell.outcome = result.stoppedBy ? `stopped early (${result.stoppedBy})` : 'completed';
              cell.researched = result.questions.filter((q) => q.status === 'completed').length;
              cell.questions = result.questions.length;
            } catch (error) {
              if (!(error instanceof WorkflowFailedError)) throw error;
              const reason = failureReason(error);
              messages.add(reason);
              cell.outcome = `failed before planning: see (${[...messages].indexOf(reason) + 1}) below`;
            }
            cell.created = sim.stats().created;
            cells.push(cell);
          }
        }),
      ),
    );
  } finally {
    await stack.close();
  }

  cells.sort((a, b) => a.budget - b.budget || a.concurrency - b.concurrency);
  console.log(
    `bench:budget: "${QUESTION}", default question count and depth, simulator defaults (2 s latency ±20%)`,
  );
  console.log('| maxCostUsd | concurrency | spent | within | outcome | questions researched | responses |');
  console.log('|---|---|---|---|---|---|---|');
  for (const c of cells) {
    console.log(
      `| ${c.budget} | ${c.concurrency} | $${c.costUsd.toFixed(4)} | ${c.costUsd <= c.budget ? 'yes' : 'NO'} | ` +
        `${c.outcome} | ${c.researched} of ${c.questions} | ${c.created} |`,
    );
  }
  [...messages].forEach((m, i) => console.log(`(${i + 1}) ${m}`));
  const over = cells.filter((c) => c.costUsd > c.budget);
  if (over.length) {
    console.error(`${over.length} cell(s) spent more than their budget`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
