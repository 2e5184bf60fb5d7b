import { Connection, type Client } from '@temporalio/client';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../src/temporal/ports';
import {
  cliEnv,
  deepResearch,
  deepResearchDirect,
  killLeftovers,
  until,
  type CliProcess,
} from './helpers/cli';
import { testClient } from './helpers/temporal';

/**
 * Invalid input or settings fail before anything starts (no dev server, no workflow): exit status 2, one
 * line per problem naming the flag, field or variable and the fix, and no stack trace. And with no key
 * and no live worker, `run` says how to go on instead of waiting silently.
 */

jest.setTimeout(120_000);

const dir = mkdtempSync(path.join(tmpdir(), 'cli-errors-'));
let noServer: string;
let client: Client;
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 100 });
  // Nothing listens here: a `run` that got as far as starting things would start a dev server on it.
  noServer = `127.0.0.1:${await freePort()}`;
  client = await testClient();
});
afterEach(killLeftovers);
afterAll(async () => {
  await client.connection.close();
  await sim.close();
});

/** An env in which `run` would have to start a dev server (and so shows it if it tried). */
function beforeAnythingEnv(extra: Record<string, string | undefined> = {}) {
  return cliEnv({
    TEMPORAL_ADDRESS: noServer,
    DEEP_RESEARCH_DEV_DB: path.join(dir, `${randomUUID()}.db`),
    ...extra,
  });
}

async function expectInvalid(cli: CliProcess, ...mentions: (string | RegExp)[]): Promise<string> {
  const code = await cli.exited;
  const output = cli.stderr;
  expect({ code, output }).toMatchObject({ code: 2 });
  for (const mention of mentions) expect(output).toMatch(mention);
  expect(output).not.toMatch(/\n\s+at \S+ \(/); // no stack trace
  expect(output).not.toMatch(/starting the project's dev server|Research \S+ started/);
  return output;
}

describe('invalid input fails before anything starts, exit 2', () => {
  test('--sources nosuch:thing names the source and the sources the file has', async () => {
    const env = beforeAnythingEnv();
    const cli = deepResearch(
      ['run', '--simulate', '--sources', 'nosuch:thing', 'What is our leave policy?'],
      env,
    );
    await expectInvalid(cli, /--sources.*"nosuch:thing"/, /web, docs:example, db:example, fetch/);
    expect(existsSync(env.DEEP_RESEARCH_DEV_DB!)).toBe(false);
  });

  test('DEEP_RESEARCH_POLL_MAX_MS=abc is reported before a dev server starts', async () => {
    const env = beforeAnythingEnv({ DEEP_RESEARCH_POLL_MAX_MS: 'abc' });
    const cli = deepResearch(['run', '--simulate', 'How do Raft and Paxos differ?'], env);
    await expectInvalid(cli, /DEEP_RESEARCH_POLL_MAX_MS/);
    expect(existsSync(env.DEEP_RESEARCH_DEV_DB!)).toBe(false);
  });

  test('a bad key in the sources file names the key and the allowed pattern', async () => {
    const file = path.join(dir, 'bad-sources.json');
    writeFileSync(file, JSON.stringify({ sources: { 'Docs Handbook': { type: 'documents', path: '.' } } }));
    const cli = deepResearch(
      ['run', '--simulate', 'What is our leave policy?'],
      beforeAnythingEnv({ DEEP_RESEARCH_SOURCES_FILE: file }),
    );
    const output = await expectInvalid(cli, /"Docs Handbook"/, /docs:handbook/, /pattern \/\^\[a-z\]/);
    expect(output).not.toContain('Invalid key in record');
  });

  test('a source type nothing provides, in the sources file: run and worker name the entry and the types', async () => {
    const file = path.join(dir, 'unknown-type-sources.json');
    writeFileSync(file, JSON.stringify({ sources: { 'crm:main': { type: 'salesforce' } } }));
    const run = deepResearch(
      ['run', '--simulate', 'What is our leave policy?'],
      beforeAnythingEnv({ DEEP_RESEARCH_SOURCES_FILE: file }),
    );
    await expectInvalid(run, /crm:main/, /unknown source type "salesforce"/, /documents, sqlite/);
    // The worker says so before it connects anywhere (no server answers at this address).
    const worker = deepResearchDirect(
      ['worker'],
      cliEnv({
        DEEP_RESEARCH_SOURCES_FILE: file,
        OPENAI_API_KEY: 'sim-key',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      }),
    );
    const output = await expectInvalid(worker, /crm:main/, /unknown source type "salesforce"/);
    expect(output).not.toMatch(/Cannot reach a Temporal server/);
  });

  test.each([
    ['a missing question', ['run', '--simulate'], /question is required/],
    [
      '--questions abc',
      ['run', '--simulate', '--questions', 'abc', 'How do Raft and Paxos differ?'],
      /--questions/,
    ],
    [
      '--questions 99',
      ['run', '--simulate', '--questions', '99', 'How do Raft and Paxos differ?'],
      /maxQuestions/,
    ],
    ['bad --input JSON', ['run', '--simulate', '--input', '{"question": '], /--input is not valid JSON/],
    [
      'an unknown flag',
      ['run', '--simulate', '--no-such-flag', 'How do Raft and Paxos differ?'],
      /--no-such-flag/,
    ],
    [
      'start with a bad field',
      ['start', '--input', '{"question":"How do Raft and Paxos differ?","depth":9}'],
      /depth/,
    ],
  ])('%s', async (_what, args, mention) => {
    await expectInvalid(deepResearch(args, beforeAnythingEnv()), mention);
  });

  test('TEMPORAL_ADDRESS=nonsense on the worker names the variable and the form it takes', async () => {
    const cli = deepResearchDirect(
      ['worker'],
      cliEnv({ TEMPORAL_ADDRESS: 'nonsense', OPENAI_API_KEY: 'sim-key' }),
    );
    const output = await expectInvalid(cli, /TEMPORAL_ADDRESS=nonsense/, /host:port/);
    expect(output).not.toMatch(/tonic|transport error/i);
  });

  test('every problem at once, one line each: the worker without a key and with a bad address', async () => {
    const cli = deepResearchDirect(['worker'], cliEnv({ TEMPORAL_ADDRESS: 'nonsense' }));
    const output = await expectInvalid(cli, /TEMPORAL_ADDRESS/, /OPENAI_API_KEY/);
    expect(
      output
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('- ')),
    ).toHaveLength(2);
  });
});

describe('`run` with no key and no --simulate', () => {
  test('no worker polls the task queue: says how to go on, starts nothing', async () => {
    const taskQueue = `no-worker-${randomUUID()}`;
    const question = `No worker here ${randomUUID()}`;
    const cli = deepResearch(['run', question], cliEnv({ DEEP_RESEARCH_TASK_QUEUE: taskQueue }));
    const output = await expectInvalid(cli, /OPENAI_API_KEY is not set/, /start a worker/, /--simulate/);
    expect(output).toContain(taskQueue);
    const started = await client.workflow.count(`ResearchQuestion = "${question}"`);
    expect(started.count).toBe(0);
  });

  test('a worker that polled moments ago but is gone: the research waits, and the CLI says why and how to go on', async () => {
    const taskQueue = `dead-worker-${randomUUID()}`;
    const env = cliEnv({ DEEP_RESEARCH_TASK_QUEUE: taskQueue });
    // A real worker polls the queue, then dies without a word (SIGKILL): the server still lists it.
    const worker = deepResearchDirect(['worker'], {
      ...env,
      OPENAI_API_KEY: 'sim-key',
      OPENAI_BASE_URL: sim.baseURL,
    });
    await worker.waitFor(/worker on task queue/);
    await waitForPoller(taskQueue);
    worker.crash();
    await worker.exited;

    const cli = deepResearch(['run', 'What limits the range of electric aircraft?'], env);
    const [, id] = await cli.waitFor(/Research (\S+) started\./);
    await cli.waitFor(/No worker has picked up/);
    expect(cli.stderr).toMatch(/start a worker/);
    expect(cli.stderr).toMatch(/--simulate/);
    cli.interrupt('SIGINT');
    // Nothing ran it, so nothing can carry out the cancel: a second Ctrl-C leaves.
    await cli.waitFor(/Cancelling the research/);
    const firstAt = Date.now();
    await until('a second press', () => Date.now() - firstAt > 600);
    cli.interrupt('SIGINT');
    expect(await cli.exited).toBe(130);
    await client.workflow.getHandle(id!).terminate('test cleanup');
  });
});

async function waitForPoller(taskQueue: string): Promise<void> {
  const connection = await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
  try {
    for (;;) {
      const answer = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: 1,
      });
      if ((answer.pollers ?? []).length > 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await connection.close();
  }
}
