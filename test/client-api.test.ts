import type { NativeConnection, Worker } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
// Exactly what another Node service imports: the package's entry point.
import { InvalidResearchInputError, ResearchClient, type Progress, type ResearchResult } from '../src';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { findTemporalCli } from '../src/temporal/cli';
import { expectCitationsResolve } from './helpers/research';
import { testAddress, testWorker, testWorkerSettings } from './helpers/temporal';

/** The three ways in: the client API, the Temporal CLI, and our own CLI as a subprocess. */

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
let sim: RunningSimulator;
let worker: Worker;
let connection: NativeConnection;
let running: Promise<void>;
let taskQueue: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 100, jitter: 0.2 });
  const settings = testWorkerSettings(sim.baseURL);
  taskQueue = settings.temporal.taskQueue;
  ({ worker, connection } = await testWorker(settings));
  running = worker.run();
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await connection.close();
  await sim.close();
});

test('another service starts a research, watches its progress and awaits the report', async () => {
  const research = await ResearchClient.connect({ address: testAddress(), taskQueue });
  try {
    const handle = await research.start({
      question: 'What limits the range of electric aircraft?',
      maxQuestions: 2,
    });
    expect(handle.workflowId).toMatch(/^research-what-limits-the-range-of-electric-[0-9a-f]{8}$/);

    // Poll progress the way a dashboard would, one query at a time, until the report arrives.
    const seen = new Set<Progress['phase']>();
    let finished = false;
    const pending = handle.result().finally(() => {
      finished = true;
    });
    while (!finished) {
      seen.add((await handle.progress()).phase);
      await new Promise((r) => setTimeout(r, 50));
    }
    const result: ResearchResult = await pending;
    expect(result.questions).toHaveLength(2);
    expectCitationsResolve(result);
    const final = await handle.progress();
    expect(final).toMatchObject({
      phase: 'completed',
      questions: [{ status: 'completed' }, { status: 'completed' }],
    });
    expect(final.costUsd).toBe(result.costUsd);
    expect(seen.has('researching')).toBe(true);

    const listed = await research.list(50);
    expect(listed.find((r) => r.workflowId === handle.workflowId)).toMatchObject({
      status: 'COMPLETED',
      phase: 'completed',
      question: 'What limits the range of electric aircraft?',
    });
  } finally {
    await research.close();
  }
});

test('the client API rejects invalid input before starting anything', async () => {
  const research = await ResearchClient.connect({ address: testAddress(), taskQueue });
  try {
    const before = sim.stats().created;
    const error = await research.start({ question: '', depth: 9 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResearchInputError);
    expect((error as InvalidResearchInputError).problems.join(' ')).toMatch(
      /question.*depth|depth.*question/s,
    );
    expect(sim.stats().created).toBe(before);
  } finally {
    await research.close();
  }
});

test('the Temporal CLI starts a research, queries its progress and gets its result', async () => {
  const temporal = await findTemporalCli({ log: () => undefined });
  const address = ['--address', testAddress()];
  const id = `research-temporal-cli-${Date.now()}`;
  await run(temporal, [
    'workflow',
    'start',
    '--type',
    'deepResearch',
    '--task-queue',
    taskQueue,
    '--workflow-id',
    id,
    '--input',
    JSON.stringify({ question: 'Why is the sky blue at noon and red at sunset?', maxQuestions: 2, depth: 0 }),
    ...address,
  ]);
  const { stdout: resultJson } = await run(temporal, [
    'workflow',
    'result',
    '-w',
    id,
    '--output',
    'json',
    ...address,
  ]);
  const { stdout: progressJson } = await run(temporal, [
    'workflow',
    'query',
    '-w',
    id,
    '--name',
    'progress',
    '--output',
    'json',
    ...address,
  ]);
  expect(resultJson).toContain('## Sources');
  expect(JSON.parse(progressJson)).toMatchObject({ queryResult: [{ phase: 'completed' }] });
});

test('`deep-research run --simulate --json` researches end to end as a subprocess', async () => {
  const { stdout, stderr } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'run',
      '--simulate',
      '--json',
      '--questions',
      '2',
      '--depth',
      '0',
      '--sim-latency-ms',
      '100',
      'What is the CAP theorem?',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: testAddress(), OPENAI_API_KEY: '' },
      timeout: 120_000,
    },
  );
  const result = JSON.parse(stdout) as ResearchResult;
  expect(result.simulated).toBe(true);
  expect(result.markdown.split('\n')[0]).toMatch(/simulat/i);
  expectCitationsResolve(result);
  expect(stderr).toContain('Simulated');
});

test('`deep-research run` without OPENAI_API_KEY or --simulate names both ways forward', async () => {
  const error = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'run', 'What is the CAP theorem?'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: testAddress(),
        OPENAI_API_KEY: '',
        DEEP_RESEARCH_TASK_QUEUE: 'nobody-polls-this',
      },
    },
  ).catch((e: { code: number; stderr: string }) => e);
  expect(error).toMatchObject({ code: 1 });
  expect((error as { stderr: string }).stderr).toMatch(/OPENAI_API_KEY[\s\S]*--simulate/);
});
