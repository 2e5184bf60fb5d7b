import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createActivities } from '../activities';
import {
  runTool,
  type ResearchDeps,
  type SearchInput,
  type SearchOutput,
  type ToolCallInput,
} from '../activities/research';
import { deepResearch, researchQuestion } from '../workflows';
import { failureReason } from '../src/client';
import { emptyUsage } from '../src/schemas/background-response';
import { createProviderGateway } from '../src/openai/client';
import { DEFAULT_PRICES } from '../src/pricing';
import { researchResultSchema, type ResearchInput, type ResearchResult } from '../src/schemas/research';
import { loadSourcesFile } from '../src/tools/config';
import { SourceRegistry } from '../src/tools/registry';
import { startPostgres, type TestPostgres } from './helpers/postgres';
import { expectCitationsResolve } from './helpers/research';
import { testAddress, useResearchWorker } from './helpers/temporal';

/**
 * Private sources in real research runs: the example documents and database, an MCP server over stdio,
 * function calls driven by the simulator, cited like the web; a run with only private sources never
 * touches the web.
 */

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
let sourcesFile: string;
let postgres: TestPostgres;

beforeAll(async () => {
  // The project's example sources, plus an MCP server written for the test.
  postgres = await startPostgres();
  // The worker reads the connection string from its environment, never from the sources file.
  // As README tells operators: the source logs in as the read-only role, never as a superuser.
  await postgres.createDatabase('sales', fs.readFileSync(path.join(ROOT, 'examples/example.sql'), 'utf8'));
  process.env.TEST_SALES_DATABASE_URL = await postgres.createReadOnlyRole('sales');
  sourcesFile = path.join(os.tmpdir(), `deep-research-sources-${process.pid}.json`);
  fs.writeFileSync(
    sourcesFile,
    JSON.stringify({
      sources: {
        'docs:example': { type: 'documents', path: path.join(ROOT, 'examples/docs') },
        'db:example': { type: 'sqlite', path: path.join(ROOT, 'examples/example.db') },
        'db:sales': { type: 'postgres', connectionStringEnv: 'TEST_SALES_DATABASE_URL' },
        'mcp:crm': {
          type: 'mcp',
          transport: 'stdio',
          command: process.execPath,
          args: ['--import', 'tsx', path.join(ROOT, 'test/fixtures/mcp-server.ts')],
          cwd: ROOT,
        },
      },
    }),
  );
});
// After the set-up above, which wrote the sources file; taken down before the database stops.
const ctx = useResearchWorker({ latencyMs: 60, jitter: 0.2 }, () => ({
  sources: loadSourcesFile(sourcesFile, ''),
}));
afterAll(async () => {
  await postgres.stop();
  fs.rmSync(sourcesFile, { force: true });
});
beforeEach(() => ctx.sim.reset());

async function research(input: ResearchInput): Promise<ResearchResult> {
  return ctx.client.workflow.execute(deepResearch, {
    taskQueue: ctx.taskQueue,
    workflowId: `private-${Math.random().toString(16).slice(2)}`,
    args: [input],
  });
}

function asked() {
  return Object.entries(ctx.sim.stats().responses).map(([id, r]) => ({
    id,
    ...r,
    body: ctx.sim.requestBody(id),
  }));
}

test('documents only: cited by file, and the web is never searched', async () => {
  const result = await research({
    question: 'What is the parental leave policy at Northwind Robotics?',
    maxQuestions: 2,
    depth: 0,
    sources: ['docs:example'],
  });
  expectCitationsResolve(result);
  const documents = result.sources.filter((s) => s.kind === 'document');
  expect(documents.length).toBeGreaterThan(0);
  for (const d of documents) expect(d.url).toMatch(/^docs:example\/[\w./-]+\.(md|txt|html?|pdf)#/);
  expect(result.markdown).toMatch(/\(document\)/);
  // Nothing went to the web: no web_search tool offered, no web_search call made.
  expect(ctx.sim.stats().webSearchCalls).toBe(0);
  expect(asked().some((r) => r.tools.includes('web_search'))).toBe(false);
  // The model was offered the documents' tools and called them.
  expect(asked().some((r) => JSON.stringify(r.body).includes('docs_example__search_documents'))).toBe(true);
  expect(ctx.sim.stats().functionCalls).toBeGreaterThan(0);
});

test('a SQLite database answers through read-only queries, cited as a database', async () => {
  const result = await research({
    question: 'Which Northwind Robotics product line grew fastest in 2025?',
    maxQuestions: 1,
    depth: 0,
    sources: ['db:example'],
  });
  expectCitationsResolve(result);
  expect(result.sources.some((s) => s.kind === 'database' && s.url.startsWith('db:example#'))).toBe(true);
  expect(ctx.sim.stats().webSearchCalls).toBe(0);
});

test('a PostgreSQL database is queried inside read-only transactions, cited as a database', async () => {
  const result = await research({
    question: 'Which customers opened the most support tickets?',
    maxQuestions: 1,
    depth: 0,
    sources: ['db:sales'],
  });
  expectCitationsResolve(result);
  expect(
    result.questions[0]!.sources.some((s) => s.kind === 'database' && s.url.startsWith('db:sales#')),
  ).toBe(true);
  // The connection string (and so any password) is nowhere in what the run produced.
  expect(JSON.stringify(result)).not.toContain(process.env.TEST_SALES_DATABASE_URL);
});

test('an MCP server over stdio offers its tools to the model', async () => {
  const result = await research({
    question: 'What do we know about our largest customer?',
    maxQuestions: 1,
    depth: 0,
    sources: ['mcp:crm'],
  });
  expect(result.questions[0]!.status).toBe('completed');
  // The model was offered the server's tools, called them, and got their outputs back.
  const bodies = asked().map((r) => JSON.stringify(r.body));
  expect(bodies.some((b) => b.includes('mcp_crm__lookup_customer'))).toBe(true);
  expect(ctx.sim.stats().functionCalls).toBeGreaterThan(0);
  expect(bodies.some((b) => b.includes('"function_call_output"'))).toBe(true);
  expect(ctx.sim.stats().webSearchCalls).toBe(0);
});

test('hybrid: the web first, then the private sources, in one report that tells them apart', async () => {
  const result = await research({
    question: 'How does our parental leave compare with common practice?',
    maxQuestions: 2,
    depth: 0,
    sources: ['web', 'docs:example'],
    mode: 'hybrid',
  });
  expectCitationsResolve(result);
  const kinds = new Set(result.questions.flatMap((q) => q.sources.map((s) => s.kind ?? 'web')));
  expect(kinds).toEqual(new Set(['web', 'document']));
  expect(ctx.sim.stats().webSearchCalls).toBeGreaterThan(0);
  // The web rounds offer no private tools; the analysis rounds offer no web search.
  const bodies = asked().map((r) => JSON.stringify(r.body));
  expect(bodies.some((b) => b.includes('"web_search"') && b.includes('docs_example__'))).toBe(false);
});

test('an unknown source fails the run as invalid input, before anything is spent', async () => {
  const error = await research({ question: 'What is our travel policy?', sources: ['docs:nope'] }).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(failureReason(error)).toMatch(/unknown source "docs:nope"[\s\S]*docs:example/);
  expect(ctx.sim.stats().created).toBe(0);
});

test('a call with bad arguments gets an error the model can act on, not a crash', async () => {
  const registry = new SourceRegistry(loadSourcesFile(sourcesFile, ''));
  try {
    const bad = await registry.run(
      'docs_example__search_documents',
      '{"limit": 99}',
      new AbortController().signal,
    );
    expect(bad.output).toMatch(/^error: invalid arguments for docs_example__search_documents: .*query/);
    const notJson = await registry.run(
      'docs_example__search_documents',
      '{query:',
      new AbortController().signal,
    );
    expect(notJson.output).toMatch(/^error: .*not JSON/);
    const unknown = await registry.run('docs_example__drop_tables', '{}', new AbortController().signal);
    expect(unknown.output).toMatch(/^error: there is no tool named/);
  } finally {
    await registry.close();
  }
});

test('`deep-research run --simulate --sources docs:example` cites the documents by file', async () => {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'run',
      '--simulate',
      '--json',
      '--sources',
      'docs:example',
      '--questions',
      '1',
      '--depth',
      '0',
      '--sim-latency-ms',
      '50',
      'How many days of parental leave do we offer?',
    ],
    { cwd: ROOT, env: { ...process.env, TEMPORAL_ADDRESS: testAddress() }, timeout: 120_000 },
  );
  const result = JSON.parse(stdout) as ResearchResult;
  expectCitationsResolve(result);
  expect(result.sources.some((s) => s.kind === 'document' && /^docs:example\//.test(s.url))).toBe(true);
});

test('a function call naming an unselected source is refused where it runs, and counted in the finding', async () => {
  // The real researchQuestion workflow and the real runTool activity; only the model's step is scripted,
  // because the simulator (like the real API) only calls the tools it was offered. This one calls the
  // tool of db:example, which the run did not select, and then a tool it did select.
  const registry = new SourceRegistry(loadSourcesFile(sourcesFile, ''));
  const functionTools = await registry.definitions(['docs:example']);
  const step = { responseId: 'resp_1', model: 'scripted', usage: emptyUsage, costUsd: 0, priced: true };
  const searches: SearchInput[] = [];
  const outputs: string[] = [];
  const activities = {
    runTool: (call: ToolCallInput) => runTool({ sources: registry } as unknown as ResearchDeps, call),
    searchWeb: async (input: SearchInput): Promise<SearchOutput> => {
      searches.push(input);
      if (input.continuation) {
        outputs.push(...input.continuation.outputs.map((o) => o.output));
        return { summary: 'Done.', keyFacts: [], sources: [], step: { ...step, responseId: 'resp_2' } };
      }
      const call = (name: string, args: object, n: number) => ({
        callId: `call_${n}`,
        name,
        arguments: JSON.stringify(args),
        summary: name,
      });
      return {
        summary: '',
        keyFacts: [],
        sources: [],
        functionCalls: [
          call('db_example__query_database', { sql: 'SELECT * FROM sqlite_master' }, 1),
          call('docs_example__search_documents', { query: 'parental leave' }, 2),
        ],
        step,
      };
    },
  };
  const scriptedQueue = `${ctx.taskQueue}-scripted`;
  const scripted = await Worker.create({
    connection: await ctx.stack.workerConnection(ctx.settings.temporal),
    taskQueue: scriptedQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities,
  });
  try {
    const finding = await scripted.runUntil(
      ctx.client.workflow.execute(researchQuestion, {
        taskQueue: scriptedQueue,
        workflowId: `refused-${Math.random().toString(16).slice(2)}`,
        args: [
          {
            n: 1,
            overallQuestion: 'What is our leave policy?',
            planned: { question: 'What is our leave policy?', rationale: 'test', searchHints: [] },
            depth: 0,
            web: false,
            functionTools,
          },
        ],
      }),
    );
    expect(finding.refusedToolCalls).toBe(1);
    expect(outputs[0]).toMatch(/^error: the tool db_example__query_database is not available in this run/);
    expect(outputs[0]).not.toMatch(/CREATE TABLE/i);
    // The selected tool ran and its passages are the finding's sources.
    expect(finding.sources.some((s) => s.url.startsWith('docs:example/'))).toBe(true);
    expect(finding.sources.some((s) => s.url.startsWith('db:'))).toBe(false);
  } finally {
    await registry.close();
  }
});

test('refused function calls are counted in the research result, per question', async () => {
  // The whole deepResearch workflow with the worker's real activities on the simulator; only the
  // researcher's step is scripted, to call the tool of db:example, which the run did not select.
  const registry = new SourceRegistry(loadSourcesFile(sourcesFile, ''));
  const real = createActivities({
    gateway: createProviderGateway({ apiKey: 'sim-key', baseURL: ctx.sim.baseURL, requestTimeoutMs: 5_000 }),
    poll: { initialMs: 20, maxMs: 100, factor: 1.5, queuedDeadlineMs: 10_000 },
    models: { planner: 'gpt-5.2', researcher: 'gpt-5-mini', writer: 'gpt-5.2' },
    prices: DEFAULT_PRICES,
    simulated: true,
    sources: registry,
  });
  const step = { responseId: 'resp_1', model: 'scripted', usage: emptyUsage, costUsd: 0, priced: true };
  const activities = {
    ...real,
    searchWeb: async (input: SearchInput): Promise<SearchOutput> => {
      if (input.continuation) {
        return { summary: 'Done.', keyFacts: [], sources: [], step: { ...step, responseId: 'resp_2' } };
      }
      return {
        summary: '',
        keyFacts: [],
        sources: [],
        functionCalls: [
          {
            callId: 'call_1',
            name: 'db_example__query_database',
            arguments: JSON.stringify({ sql: 'SELECT 1' }),
            summary: 'query',
          },
        ],
        step,
      };
    },
  };
  const scriptedQueue = `${ctx.taskQueue}-scripted-result`;
  const scripted = await Worker.create({
    connection: await ctx.stack.workerConnection(ctx.settings.temporal),
    taskQueue: scriptedQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities,
  });
  try {
    const result: ResearchResult = await scripted.runUntil(
      ctx.client.workflow.execute(deepResearch, {
        taskQueue: scriptedQueue,
        workflowId: `refused-result-${Math.random().toString(16).slice(2)}`,
        args: [
          { question: 'What is our leave policy?', sources: ['docs:example'], maxQuestions: 1, depth: 0 },
        ],
      }),
    );
    expect(result.questions.length).toBeGreaterThan(0);
    for (const q of result.questions) expect(q.refusedToolCalls).toBe(1);
    // The result as a client (or --json) gets it: the strict result schema keeps the field.
    expect(researchResultSchema.parse(result).questions[0]!.refusedToolCalls).toBe(1);
  } finally {
    await registry.close();
  }
});
