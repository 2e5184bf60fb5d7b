import { execFile } from 'node:child_process';
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
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 100, jitter: 0 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.configure({ models: ['gpt-5.4-mini'] });
});

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
    OPENAI_BASE_URL: sim.baseURL,
  });
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
  // What the provider was asked for: background responses, one cancelled, searches, a plan schema.
  const stats = sim.stats();
  const responses = Object.values(stats.responses);
  expect(responses.every((r) => r.background)).toBe(true);
  expect(stats.cancelled).toBe(1);
  expect(responses.some((r) => r.tools.includes('web_search'))).toBe(true);
  expect(responses.some((r) => r.formatName === 'research_plan')).toBe(true);
  expect(responses.some((r) => r.previousResponseId)).toBe(true);
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
