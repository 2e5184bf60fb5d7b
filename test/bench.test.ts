import { cliEnv, shell } from './helpers/cli';

/**
 * The benchmarks as README tells a user to run them (`scripts/npm run bench…`), with small settings so
 * they fit in a test. Only that each one runs to the end and prints its figures is asserted: the figures
 * themselves are timings, for a person to read, never a pass/fail on a clock. `npm run bench` was once
 * broken for a whole session (its seed loop was refused by the simulator) while every test passed.
 */

/** The bench scripts start their own dev server and simulator; none of the test run's settings apply. */
function benchEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return cliEnv({ TEMPORAL_ADDRESS: undefined, DEEP_RESEARCH_WORKFLOW_BUNDLE: undefined, ...extra });
}

async function runBench(script: string, env: Record<string, string>): Promise<string> {
  const bench = shell(`scripts/npm run --silent ${script}`, benchEnv(env));
  const status = await bench.exited;
  if (status !== 0) throw new Error(`${script} exited ${status}:\n${bench.stdout}\n${bench.stderr}`);
  return bench.stdout;
}

const number = (text: string, pattern: RegExp): number => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`no ${pattern} in:\n${text}`);
  return Number(match[1]);
};

test('npm run bench: the research and the seed loop both run to the end and print their figures', async () => {
  const out = await runBench('bench', { BENCH_LATENCY_MS: '300' });
  const [ours, seed] = out.split('seed three-step loop');
  // 5 questions, depth 1: a plan, at least a search and a gap check per question, a report.
  expect(number(ours!, /responses created (\d+)/)).toBeGreaterThanOrEqual(12);
  expect(number(ours!, /(\d+) sources cited/)).toBeGreaterThan(0);
  expect(number(ours!, /(\d+) questions/)).toBe(5);
  expect(number(ours!, /overhead ratio ([\d.]+)/)).toBeGreaterThan(0);
  expect(number(seed!, /responses created (\d+)/)).toBe(3);
  expect(number(seed!, /overhead ratio ([\d.]+)/)).toBeGreaterThan(0);
});

test('npm run bench:poll: every response completes and the delays and polls are reported', async () => {
  const out = await runBench('bench:poll', { BENCH_RESPONSES: '10', BENCH_LATENCY_MS: '300' });
  expect(out).toMatch(/responses created\s+10 \(completed 10\)/);
  expect(number(out, /finish -> activity done\s+median (-?\d+) ms/)).toBeGreaterThanOrEqual(0);
  expect(number(out, /polls per response\s+mean ([\d.]+)/)).toBeGreaterThanOrEqual(1);
  expect(number(out, /worker peak RSS\s+(\d+) MiB/)).toBeGreaterThan(0);
});

test('npm run bench:budget: a cell spends within its budget and says how the research ended', async () => {
  const out = await runBench('bench:budget', { BENCH_BUDGETS: '0.2', BENCH_CONCURRENCY: '2' });
  const row = /^\| 0\.2 \| 2 \| \$([\d.]+) \| (yes|NO) \| ([^|]+) \| (\d+) of (\d+) \| (\d+) \|$/m.exec(out);
  expect(row).not.toBeNull();
  const [, spent, within, outcome, , , created] = row!;
  expect(Number(spent)).toBeLessThanOrEqual(0.2);
  expect(within).toBe('yes');
  expect(outcome).toMatch(/completed|stopped early/);
  expect(Number(created)).toBeGreaterThan(0);
});
