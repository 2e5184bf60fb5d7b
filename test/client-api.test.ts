import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
// Exactly what another Node service imports: the package's entry point.
import { InvalidResearchInputError, ResearchClient, type Progress, type ResearchResult } from '../src';
import { findTemporalCli } from '../src/temporal/cli';
import { freePort, startDevServer } from '../src/temporal/dev-server';
import { expectCitationsResolve } from './helpers/research';
import { testAddress, useResearchWorker } from './helpers/temporal';

/** The three ways in: the client API, the Temporal CLI, and our own CLI as a subprocess. */

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const ctx = useResearchWorker({ latencyMs: 100, jitter: 0.2 });

test('another service starts a research, watches its progress and awaits the report', async () => {
  const research = await ResearchClient.connect({ address: testAddress(), taskQueue: ctx.taskQueue });
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
  const research = await ResearchClient.connect({ address: testAddress(), taskQueue: ctx.taskQueue });
  try {
    const before = ctx.sim.stats().created;
    const error = await research.start({ question: '', depth: 9 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResearchInputError);
    expect((error as InvalidResearchInputError).problems.join(' ')).toMatch(
      /question.*depth|depth.*question/s,
    );
    expect(ctx.sim.stats().created).toBe(before);
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
    ctx.taskQueue,
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
  // A setting to fix (no key, no worker) found before anything starts: status 2.
  expect(error).toMatchObject({ code: 2 });
  expect((error as { stderr: string }).stderr).toMatch(/OPENAI_API_KEY[\s\S]*--simulate/);
});

describe('the deep-research CLI against a running worker', () => {
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: testAddress(), DEEP_RESEARCH_TASK_QUEUE: ctx.taskQueue },
    });

  test('start, status, result and list', async () => {
    const { stdout: started } = await cli(
      'start',
      '--json',
      '--questions',
      '1',
      '--depth',
      '0',
      'What is a CRDT?',
    );
    const { workflowId } = JSON.parse(started) as { workflowId: string };
    expect(workflowId).toMatch(/^research-what-is-a-crdt-/);

    const { stdout: report } = await cli('result', workflowId);
    expect(report).toContain('## Sources');
    const { stdout: status } = await cli('status', '--json', workflowId);
    expect(JSON.parse(status)).toMatchObject({ phase: 'completed', questions: [{ status: 'completed' }] });
    const { stdout: listed } = await cli('list', '--limit', '100');
    expect(listed).toContain(workflowId);
  });

  test('bad input is refused with every bad field named and nothing started', async () => {
    const before = ctx.sim.stats().created;
    const error = await cli('start', '--questions', '13', '--depth', 'deep', 'hi').catch((e: unknown) => e);
    // A usage error is invalid input too: status 2.
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toContain('--depth takes a number');
    const invalid = await cli('start', '--questions', '13', '--reasoning-effort', 'extreme', 'hi').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(invalid).toMatchObject({ code: 2 });
    const stderr = (invalid as { stderr: string }).stderr;
    expect(stderr).toMatch(/question/);
    expect(stderr).toMatch(/maxQuestions/);
    expect(stderr).toMatch(/reasoningEffort/);
    expect(ctx.sim.stats().created).toBe(before);
  });
});

test('`run` with no Temporal server starts the persisted dev server itself, and the run outlives it', async () => {
  const port = await freePort();
  const dbFile = path.join(os.tmpdir(), `deep-research-embedded-${port}.db`);
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
      '1',
      '--depth',
      '0',
      '--sim-latency-ms',
      '50',
      'What is a vector clock?',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, DEEP_RESEARCH_DEV_DB: dbFile },
      timeout: 120_000,
    },
  );
  expect(stderr).toContain(`Started a Temporal dev server at 127.0.0.1:${port}`);
  expect(stderr).toMatch(
    new RegExp(
      `Web UI: http://127\\.0\\.0\\.1:${port + 1000}/namespaces/default/workflows/research-what-is-a-vector-clock-`,
    ),
  );
  const result = JSON.parse(stdout) as ResearchResult;
  expectCitationsResolve(result);

  // The server is gone with the CLI; its SQLite file still holds the run.
  const server = await startDevServer({ port: 0, ui: false, dbFile, log: () => undefined });
  try {
    const research = await ResearchClient.connect({ address: server.address });
    const runs = await research.list(10);
    await research.close();
    expect(runs).toEqual([
      expect.objectContaining({ status: 'COMPLETED', question: 'What is a vector clock?' }),
    ]);
  } finally {
    await server.stop();
    fs.rmSync(dbFile, { force: true });
  }
});
