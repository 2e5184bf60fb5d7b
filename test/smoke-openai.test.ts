import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSimulator, type RunningSimulator } from '../src/simulator';

/**
 * `npm run smoke:openai` run the way a user runs it (a subprocess), pointed at the simulator with
 * OPENAI_BASE_URL, so the script itself is exercised in CI without spending anything.
 */

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);

let sim: RunningSimulator;
/** Every request the script sent, as the provider received it (a recording proxy in front of the simulator). */
let sent: Array<{ method: string; path: string; body: Record<string, unknown> | undefined }> = [];
let proxy: Server;
let proxyURL: string;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 100, jitter: 0 });
  proxy = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const target = new URL(`${sim.baseURL}${req.url!.replace(/^\/v1/, '')}`);
      sent.push({
        method: req.method!,
        path: target.pathname,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      });
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      const answer = await fetch(target, { method: req.method, headers, ...(text ? { body: text } : {}) });
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(Buffer.from(await answer.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyURL = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    proxy.closeAllConnections();
    proxy.close(() => resolve());
  });
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  sim.configure({ models: ['gpt-5.4-mini'] });
  sent = [];
});

/** The per-feature lines: status, cost, feature, detail. */
function featureLines(stdout: string) {
  return stdout.split('\n').flatMap((line) => {
    const m = /^(PASS|FAIL|SKIP) +\$([\d.]+) +([^:]+): (.*)$/.exec(line);
    return m ? [{ status: m[1]!, usd: Number(m[2]), feature: m[3]!, detail: m[4]! }] : [];
  });
}

const env = (extra: Record<string, string>) => {
  // Nothing of the caller's provider settings leaks in.
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('OPENAI_') && !k.startsWith('DEEP_RESEARCH_')),
  );
  return { ...clean, ...extra };
};

async function smoke(args: string[], extra: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/smoke-openai.ts', ...args], {
    cwd: ROOT,
    env: env(extra),
    timeout: 120_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

test('every feature passes against the simulator, each with its cost, within the default $0.10 cap', async () => {
  // The response the script cancels stays queued until cancelled: a fast simulator would otherwise finish
  // it before the cancel lands (which the script accepts, as cancellation is best effort).
  sim.configure({ faults: { script: [{ fault: 'stuckQueued', on: 'create', match: 'printing press' }] } });
  const { code, stdout, stderr } = await smoke([], {
    OPENAI_API_KEY: 'sim-key',
    OPENAI_BASE_URL: proxyURL,
  });
  if (code !== 0) console.log(stdout);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.split('\n').filter((l) => /^(PASS|FAIL|SKIP) /.test(l));
  expect(lines.map((l) => l.replace(/ +\$[\d.]+ +/, ' ').split(':')[0])).toEqual([
    'PASS background create + poll to completed',
    'PASS background cancel at the provider',
    'PASS web search with sources and citations',
    'PASS structured output with the real plan schema',
    'PASS function call round trip (previous_response_id)',
    'PASS one-question research (plan, search, cited report)',
  ]);
  const total = Number(/total \$([\d.]+) of the \$0\.10 cap/.exec(stdout)?.[1]);
  expect(total).toBeGreaterThan(0);
  expect(total).toBeLessThanOrEqual(0.1);
  // The total is what the lines cost, each line more than nothing.
  const features = featureLines(stdout);
  expect(features.every((f) => f.usd > 0)).toBe(true);
  expect(total).toBeCloseTo(
    features.reduce((sum, f) => sum + f.usd, 0),
    3,
  );
  // A cancelled response reports no usage: it is charged its worst case, and the line says so.
  const cancel = features.find((f) => f.feature === 'background cancel at the provider')!;
  expect(cancel.detail).toMatch(/\$[\d.]+ of the cost is a worst case \(usage not reported\)/);
  // Every create was bounded: max_output_tokens always, max_tool_calls with web search.
  const creates = sent.filter((r) => r.method === 'POST' && r.path === '/v1/responses');
  expect(creates.length).toBe(Object.keys(sim.stats().responses).length);
  expect(creates.length).toBeGreaterThanOrEqual(9);
  for (const { body } of creates) {
    expect(body?.max_output_tokens).toEqual(expect.any(Number));
    const tools = (body?.tools ?? []) as Array<{ type: string }>;
    if (tools.some((t) => t.type === 'web_search')) expect(body?.max_tool_calls).toEqual(expect.any(Number));
  }
  // What the provider was asked for: background responses, one cancelled, searches, a plan schema.
  const stats = sim.stats();
  const responses = Object.values(stats.responses);
  expect(responses.every((r) => r.background)).toBe(true);
  expect(stats.cancelled).toBe(1);
  expect(responses.some((r) => r.tools.includes('web_search'))).toBe(true);
  expect(responses.some((r) => r.formatName === 'research_plan')).toBe(true);
  expect(responses.some((r) => r.previousResponseId)).toBe(true);
});

test('a feature that fails after its response was paid is still charged for it, and leaves nothing running', async () => {
  // The first feature's polls fail (the client's two retries too), while its response finishes at the
  // provider: paid for, although the feature never saw its answer.
  sim.configure({
    faults: {
      script: [
        { fault: 'serverError', on: 'retrieve' },
        { fault: 'serverError', on: 'retrieve' },
        { fault: 'serverError', on: 'retrieve' },
      ],
    },
  });
  const { code, stdout } = await smoke(['--max-cost', '0.02'], {
    OPENAI_API_KEY: 'sim-key',
    OPENAI_BASE_URL: sim.baseURL,
  });
  expect(code).toBe(1);
  const first = featureLines(stdout)[0]!;
  expect(first).toMatchObject({ status: 'FAIL', feature: 'background create + poll to completed' });
  // Charged what the provider reports for it: the response it created, finished with its usage.
  const [created] = Object.values(sim.stats().responses);
  expect(created?.status).toMatch(/^(completed|incomplete|cancelled)$/);
  expect(first.usd).toBeGreaterThan(0);
  // Nothing of any feature is left running at the provider, and the total counts the failed feature.
  expect(sim.stats().inFlight).toBe(0);
  const total = Number(/total \$([\d.]+) of the \$0\.02 cap/.exec(stdout)?.[1]);
  expect(total).toBeGreaterThanOrEqual(first.usd);
  expect(total).toBeLessThanOrEqual(0.02);
});

test('a create that could pass the cap is never sent, even when its feature looked cheap enough to start', async () => {
  // The first feature's estimate (100 input tokens, 300 output) fits $0.0015 at gpt-5.4-mini's rates; its
  // real request (a body of some hundred bytes, max_output_tokens 300) does not: the meter refuses it.
  const { code, stdout } = await smoke(['--max-cost', '0.0015'], {
    OPENAI_API_KEY: 'sim-key',
    OPENAI_BASE_URL: sim.baseURL,
  });
  expect(code).toBe(1);
  const [first, ...rest] = featureLines(stdout);
  expect(first).toMatchObject({ status: 'FAIL', usd: 0, feature: 'background create + poll to completed' });
  expect(first!.detail).toMatch(/^refused a create that could cost \$[\d.]+: over the \$0\.0015 cap/);
  expect(rest.map((f) => f.status)).toEqual(['SKIP', 'SKIP', 'SKIP', 'SKIP', 'SKIP']);
  expect(sim.stats().created).toBe(0);
  expect(sim.stats().requests).toBe(0);
});

test('a cap too small for a feature skips it: nothing is created, and the run says it did not pass', async () => {
  const { code, stdout } = await smoke(['--max-cost', '0.0001'], {
    OPENAI_API_KEY: 'sim-key',
    OPENAI_BASE_URL: sim.baseURL,
  });
  expect(code).toBe(1);
  expect(stdout.split('\n').filter((l) => l.startsWith('SKIP '))).toHaveLength(6);
  expect(stdout).toContain('0/6 passed, total $0.0000 of the $0.0001 cap');
  expect(sim.stats().created).toBe(0);
});

test('without OPENAI_API_KEY it refuses to run and says how to start it', async () => {
  const { code, stdout, stderr } = await smoke([], { OPENAI_BASE_URL: sim.baseURL });
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toMatch(/set OPENAI_API_KEY.*npm run smoke:openai/);
  expect(sim.stats().created).toBe(0);
});

test('a bad flag is refused naming it', async () => {
  const { code, stderr } = await smoke(['--max-cost', 'lots'], {
    OPENAI_API_KEY: 'sim-key',
    OPENAI_BASE_URL: sim.baseURL,
  });
  expect(code).toBe(2);
  expect(stderr).toContain('--max-cost must be a number');
});
