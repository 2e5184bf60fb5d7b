/**
 * `npm run bench:poll`: 200 background responses in flight at once on one worker, simulated latency 2 s.
 * Prints the delay between the simulator finishing a response and the activity returning it (median,
 * p95), polls per response and the worker process's peak RSS. The simulator runs in its own process so
 * the RSS is the worker's (plus the client starting the workflows).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadWorkerSettings } from '../src/config';
import { LocalStack } from '../src/local-stack';
import type { SimulatorStats } from '../src/simulator';
import { freePort } from '../src/temporal/dev-server';
import { backgroundResponse } from '../workflows';

const RESPONSES = Number(process.env.BENCH_RESPONSES ?? 200);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 2000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const stack = new LocalStack();
  const simPort = await freePort();
  const simProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, '../src/cli/main.ts'),
      'simulator',
      '--port',
      String(simPort),
      '--latency-ms',
      String(LATENCY_MS),
      '--jitter',
      '0.2',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const simURL = `http://127.0.0.1:${simPort}`;
  try {
    const server = await stack.startDevServer();
    await waitForHttp(`${simURL}/__sim/stats`);
    const settings = loadWorkerSettings({
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      OPENAI_BASE_URL: `${simURL}/v1`,
      OPENAI_API_KEY: 'sim-key',
      DEEP_RESEARCH_TASK_QUEUE: 'bench-poll',
      DEEP_RESEARCH_MAX_CONCURRENT_ACTIVITIES: String(RESPONSES + 50),
    });
    const worker = await stack.createWorker(settings);
    const client = await stack.connectClient({ address: server.address });

    // Bundling the workflows at Worker.create has its own (one-off) peak; sample the run itself too.
    const rssAtStart = process.memoryUsage().rss;
    let runPeakRss = 0;
    const sampler = setInterval(() => {
      runPeakRss = Math.max(runPeakRss, process.memoryUsage().rss);
    }, 50);
    const started = Date.now();
    const results = await stack.runUntil(worker, async () => {
      const handles = await Promise.all(
        Array.from({ length: RESPONSES }, (_, i) =>
          client.workflow.start(backgroundResponse, {
            taskQueue: 'bench-poll',
            workflowId: `bench-poll-${started}-${i}`,
            args: [{ step: `bench ${i}`, model: 'gpt-5-mini', input: `Benchmark question number ${i}` }],
          }),
        ),
      );
      return Promise.all(handles.map((h) => h.result()));
    });
    const wall = Date.now() - started;
    clearInterval(sampler);
    const stats = (await (await fetch(`${simURL}/__sim/stats`)).json()) as SimulatorStats;

    const delays = results
      .map((r) => Math.round(r.timings.finishedAtMs - (stats.responses[r.responseId]?.finishedAtMs ?? NaN)))
      .sort((a, b) => a - b);
    const polls = results.map((r) => stats.responses[r.responseId]?.polls ?? 0).sort((a, b) => a - b);
    const meanPolls = polls.reduce((a, b) => a + b, 0) / polls.length;
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;

    console.log(
      `bench:poll  ${RESPONSES} background responses in flight at once, one worker, latency ${LATENCY_MS} ms ±20%`,
    );
    console.log(
      `  poll schedule            initial ${settings.poll.initialMs} ms, x${settings.poll.factor}, cap ${settings.poll.maxMs} ms`,
    );
    console.log(`  responses created       ${stats.created} (completed ${stats.completed})`);
    console.log(
      `  finish -> activity done  median ${percentile(delays, 50)} ms, p95 ${percentile(delays, 95)} ms, max ${delays.at(-1)} ms`,
    );
    console.log(
      `  polls per response       mean ${meanPolls.toFixed(2)}, median ${percentile(polls, 50)}, max ${polls.at(-1)}`,
    );
    console.log(`  wall time                ${wall} ms for all ${RESPONSES}`);
    console.log(
      `  worker peak RSS          ${(runPeakRss / 2 ** 20).toFixed(0)} MiB while the responses were in flight, ` +
        `${peakRssMiB.toFixed(0)} MiB overall; ${(rssAtStart / 2 ** 20).toFixed(0)} MiB before the first workflow ` +
        '(after bundling the workflows)',
    );
  } finally {
    simProcess.kill();
    await stack.close();
  }
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`simulator did not start at ${url}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
