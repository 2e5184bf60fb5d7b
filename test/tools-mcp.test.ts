import path from 'node:path';
import {
  mcpSource,
  sanitizeToolName,
  type McpSource,
  type McpTool,
  type McpTransportOptions,
} from '../src/tools/mcp';
import type { ToolResult } from '../src/tools/types';
import { startHttpFixture, type HttpFixture } from './fixtures/mcp-server';

/** MCP sources against test/fixtures/mcp-server.ts: over stdio (a child process) and Streamable HTTP. */

const ROOT = path.resolve(__dirname, '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'mcp-server.ts');
const SECRET = 'DR_TEST_WORKER_SECRET';

const stdio: McpTransportOptions = {
  transport: 'stdio',
  command: process.execPath,
  args: ['--import', 'tsx', FIXTURE],
  cwd: ROOT,
  env: { FIXTURE_GREETING: 'hello' },
};

const EXPECTED_TOOLS = [
  'lookup_customer',
  'get_contract',
  'count_tickets',
  'failing_tool',
  'slow_tool',
  'crm_search_notes',
  'server_info',
];

function toolOf(source: McpSource, name: string): McpTool {
  const tool = source.tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name} in ${source.tools.map((t) => t.name).join(', ')}`);
  return tool;
}

async function call(
  source: McpSource,
  name: string,
  args: Record<string, unknown> = {},
  signal = new AbortController().signal,
): Promise<ToolResult> {
  const tool = toolOf(source, name);
  return tool.run(tool.parameters.parse(args), { signal });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('mcpSource over stdio', () => {
  let source: McpSource;

  beforeAll(async () => {
    process.env[SECRET] = 'sk-must-not-reach-the-server';
    source = mcpSource('crm', stdio, { timeoutMs: 1500 });
    await source.init();
  });

  afterAll(async () => {
    delete process.env[SECRET];
    await source.close();
  });

  test('tools are read after init; before, reading them says so', () => {
    const idle = mcpSource('idle', stdio);
    expect(idle.kind).toBe('api');
    expect(() => idle.tools).toThrow(/await source\.init\(\)/);
  });

  test("lists the server's tools, names sanitized, with their exact JSON Schema", async () => {
    expect(source.name).toBe('crm');
    expect(source.tools.map((t) => t.name)).toEqual(EXPECTED_TOOLS);
    await source.init(); // again: nothing changes
    expect(source.tools.map((t) => t.name)).toEqual(EXPECTED_TOOLS);

    const lookup = toolOf(source, 'lookup_customer');
    expect(lookup.description).toBe('Look up a customer by id in the CRM.');
    expect(lookup.serverToolName).toBe('lookup_customer');
    expect(lookup.summaryArgument).toBe('id');
    expect(lookup.jsonSchema).toMatchObject({
      type: 'object',
      properties: { id: { type: 'string', description: 'Customer id, e.g. C-42' } },
      required: ['id'],
    });
    expect(lookup.jsonSchema).not.toHaveProperty('$schema');
    // parameters: zod, from the JSON Schema
    expect(lookup.parameters.safeParse({ id: 'C-42' }).success).toBe(true);
    expect(lookup.parameters.safeParse({}).success).toBe(false);
    expect(lookup.parameters.safeParse({ id: 42 }).success).toBe(false);
    const count = toolOf(source, 'count_tickets');
    expect(count.parameters.safeParse({ id: 'C-42', status: 'pending' }).success).toBe(false);
    expect(count.parameters.safeParse({ id: 'C-42', status: 'closed' }).success).toBe(true);

    const search = toolOf(source, 'crm_search_notes');
    expect(search.serverToolName).toBe('crm.search_notes');
    expect(search.summaryArgument).toBe('query');
  });

  test('a call: text output, resource links as sources', async () => {
    const result = await call(source, 'lookup_customer', { id: 'C-42' });
    expect(result.output).toContain('Customer C-42: Ada Lovelace, plan Enterprise');
    expect(result.output).toContain('Resource: Customer C-42 <mcp:crm/crm://customers/C-42>');
    expect(result.sources).toEqual([
      {
        url: 'mcp:crm/crm://customers/C-42',
        title: 'Customer C-42',
        kind: 'api',
        excerpt: 'CRM record of customer C-42',
      },
    ]);
  });

  test('embedded resources are text and sources', async () => {
    const result = await call(source, 'get_contract', { id: 'C-7' });
    expect(result.output).toContain('Contract for C-7: 24 months');
    expect(result.sources).toEqual([
      {
        url: 'mcp:crm/crm://contracts/C-7.txt',
        title: 'C-7.txt',
        kind: 'api',
        excerpt: 'Contract for C-7: 24 months, renews on 2026-01-01, 99.9% uptime SLA.',
      },
    ]);
  });

  test('without resources, the call itself is the source; structured content is shown as JSON', async () => {
    const result = await call(source, 'count_tickets', { id: 'C-42' });
    expect(JSON.parse(result.output)).toEqual({ id: 'C-42', status: 'open', count: 12 });
    expect(result.sources).toHaveLength(1);
    expect(result.sources[0]).toMatchObject({
      url: 'mcp:crm/count_tickets',
      title: 'crm count_tickets',
      kind: 'api',
    });
    expect(result.sources[0]?.excerpt).toContain('"count": 12');

    const notes = await call(source, 'crm_search_notes', { query: 'renewal' });
    expect(notes.output).toBe('no notes match renewal');
    expect(notes.sources).toEqual([
      {
        url: 'mcp:crm/crm.search_notes',
        title: 'crm crm.search_notes',
        kind: 'api',
        excerpt: 'no notes match renewal',
      },
    ]);
  });

  test('isError results become "error:" output', async () => {
    const failing = await call(source, 'failing_tool');
    expect(failing).toEqual({ output: 'error: the CRM is down for maintenance', sources: [] });
    const unknown = await call(source, 'lookup_customer', { id: 'C-999' });
    expect(unknown).toEqual({ output: 'error: no customer C-999', sources: [] });
  });

  test('a call that outlives timeoutMs is an "error:", and the connection stays usable', async () => {
    const started = Date.now();
    const slow = await call(source, 'slow_tool', { ms: 10_000 });
    expect(slow).toEqual({ output: 'error: slow_tool timed out after 1500 ms', sources: [] });
    expect(Date.now() - started).toBeLessThan(4000);
    expect((await call(source, 'slow_tool', { ms: 10 })).output).toBe('done after 10 ms');
  });

  test('cancellation by the caller is thrown, not reported to the model', async () => {
    const controller = new AbortController();
    const running = call(source, 'slow_tool', { ms: 10_000 }, controller.signal);
    setTimeout(() => controller.abort(new Error('research cancelled')), 100);
    await expect(running).rejects.toThrow('research cancelled');
  });

  test("the server's environment: what is configured plus PATH, not the worker's", async () => {
    const info = JSON.parse((await call(source, 'server_info')).output) as {
      envKeys: string[];
      greeting: string | null;
      cwd: string;
    };
    expect(info.greeting).toBe('hello');
    expect(info.cwd).toBe(ROOT);
    expect(info.envKeys).toContain('PATH');
    expect(info.envKeys).not.toContain(SECRET);
    // The SDK's own fixed list (HOME, LOGNAME, SHELL, TERM, USER) is all that may come besides.
    const sdkDefaults = ['HOME', 'LOGNAME', 'SHELL', 'TERM', 'USER'];
    expect(info.envKeys.filter((k) => !['PATH', 'FIXTURE_GREETING', ...sdkDefaults].includes(k))).toEqual([]);
  });
});

describe('mcpSource lifecycle', () => {
  test('close() ends the stdio server process; the source is unusable after', async () => {
    const source = mcpSource('crm', stdio);
    await source.init();
    const { pid } = JSON.parse((await call(source, 'server_info')).output) as { pid: number };
    expect(isRunning(pid)).toBe(true);
    await source.close();
    expect(isRunning(pid)).toBe(false);
    const after = await call(source, 'server_info');
    expect(after.output).toMatch(/^error: .*closed/);
    await expect(source.init()).resolves.toBeUndefined(); // tools stay listed
  });

  test('a server that cannot start makes init() throw, naming the source', async () => {
    const source = mcpSource('broken', { transport: 'stdio', command: '/nonexistent/mcp-server' });
    await expect(source.init()).rejects.toThrow(/MCP source "broken": could not connect to the stdio server/);
    await source.close();
  });

  test('a server that exits at once: its stderr is in the error', async () => {
    const source = mcpSource('crashing', {
      transport: 'stdio',
      command: process.execPath,
      args: ['-e', 'console.error("missing CRM_TOKEN"); process.exit(3)'],
    });
    await expect(source.init()).rejects.toThrow(/missing CRM_TOKEN/);
    await source.close();
  });

  test.each([
    [{ transport: 'stdio', command: '' }, {}, /command/],
    [{ transport: 'http', url: 'not a url' }, {}, /url/],
    [{ transport: 'http', url: 'ftp://example.com/mcp' }, {}, /url/],
    [{ transport: 'http', url: 'http://127.0.0.1:1/mcp' }, { timeoutMs: 0 }, /timeoutMs/],
    [{ transport: 'http', url: 'http://127.0.0.1:1/mcp' }, { maxOutputChars: 1.5 }, /maxOutputChars/],
  ] as const)('configuration error %j %j', (options, more, message) => {
    expect(() => mcpSource('bad', options as McpTransportOptions, more)).toThrow(message);
  });

  test('sanitizeToolName', () => {
    expect(sanitizeToolName('search')).toBe('search');
    expect(sanitizeToolName('crm.search/v2 beta')).toBe('crm_search_v2_beta');
    expect(sanitizeToolName('x'.repeat(80))).toHaveLength(64);
    expect(sanitizeToolName('')).toBe('tool');
    expect(sanitizeToolName('a.b', new Set(['a_b']))).toBe('a_b_2');
    expect(sanitizeToolName('y'.repeat(70), new Set(['y'.repeat(64)]))).toBe(`${'y'.repeat(62)}_2`);
  });
});

describe('mcpSource over Streamable HTTP', () => {
  let fixture: HttpFixture;
  let source: McpSource;

  beforeAll(async () => {
    fixture = await startHttpFixture();
    source = mcpSource('crm-http', {
      transport: 'http',
      url: fixture.url,
      headers: { authorization: 'Bearer t' },
    });
    await source.init();
  });

  afterAll(async () => {
    await source.close();
    await fixture.close();
  });

  test('lists and calls tools', async () => {
    expect(source.tools.map((t) => t.name)).toEqual(EXPECTED_TOOLS);
    const result = await call(source, 'lookup_customer', { id: 'C-7' });
    expect(result.output).toContain('Grace Hopper');
    expect(result.sources).toEqual([
      {
        url: 'mcp:crm-http/crm://customers/C-7',
        title: 'Customer C-7',
        kind: 'api',
        excerpt: 'CRM record of customer C-7',
      },
    ]);
    expect((await call(source, 'failing_tool')).output).toBe('error: the CRM is down for maintenance');
    expect(fixture.authorizations.length).toBeGreaterThan(0);
    expect(new Set(fixture.authorizations)).toEqual(new Set(['Bearer t']));
  });

  test('an unreachable server makes init() throw', async () => {
    const gone = mcpSource('gone', { transport: 'http', url: 'http://127.0.0.1:9/mcp' });
    await expect(gone.init()).rejects.toThrow(/MCP source "gone": could not connect to the HTTP server/);
    await gone.close();
  });
});
