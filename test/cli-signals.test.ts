import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { cliEnv, deepResearch, deepResearchDirect, killLeftovers, until } from './helpers/cli';
import { testClient } from './helpers/temporal';
import * as workflows from '../workflows';

/**
 * Ctrl-C and SIGTERM on `deep-research run`, and SIGINT/SIGTERM on `deep-research worker`, sent for real
 * to the CLI running as a user runs it (`scripts/npm run deep-research -- …` in its own process group).
 *
 * Without --simulate, `run` with a key and no worker on the queue starts its in-process worker: pointed at
 * a simulator this test owns, so what reached "the provider" can be checked after the CLI has gone.
 */

jest.setTimeout(180_000);

let sim: RunningSimulator;
let client: Client;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 200, jitter: 0 });
  client = await testClient();
});

afterEach(() => {
  killLeftovers();
  sim.configure({ latencyMs: 200, faults: { script: [] } });
});

afterAll(async () => {
  await client.connection.close();
  await sim.close();
});

/** `run` with a key and its own empty task queue: this process becomes the worker, against `sim`. */
function keyedEnv() {
  return cliEnv({
    OPENAI_API_KEY: 'sim-key',
    OPENAI_BASE_URL: sim.baseURL,
    DEEP_RESEARCH_TASK_QUEUE: `cli-signals-${randomUUID()}`,
    DEEP_RESEARCH_POLL_INITIAL_MS: '50',
    DEEP_RESEARCH_POLL_MAX_MS: '200',
    DEEP_RESEARCH_HEARTBEAT_THROTTLE_MS: '200',
  });
}

/**
 * Every search (a create with the web_search tool) stays queued at the provider until cancelled, so the
 * research is reliably mid-flight when the signal is sent; the plan goes through at normal speed.
 */
const stuckSearches = (n: number) =>
  Array.from({ length: n }, () => ({
    fault: 'stuckQueued' as const,
    on: 'create' as const,
    match: '"web_search"',
  }));

async function workflowStatus(id: string): Promise<string> {
  return (await client.workflow.getHandle(id).describe()).status.name;
}

describe('Ctrl-C on `deep-research run`', () => {
  test('cancels the research and every response in flight at the provider, waits for that, exits 130', async () => {
    sim.reset();
    sim.configure({ faults: { script: stuckSearches(3) } });
    const cli = deepResearch(
      ['run', '--questions', '3', '--depth', '0', 'How do Raft and Paxos differ in practice?'],
      keyedEnv(),
    );
    const [, id] = await cli.waitFor(/Research (\S+) started\./);
    // The three questions' searches are in flight at the provider (a plan alone is one response).
    await until('the three searches in flight', () => sim.stats().inFlight >= 3, 90_000);
    const createdBefore = sim.stats().created;

    cli.interrupt('SIGINT');
    expect(await cli.exited).toBe(130);

    expect(cli.stderr).toMatch(/Cancelling the research and every response in flight at the provider/);
    expect(cli.stderr).toContain(`Research ${id} cancelled`);
    // Nothing of this run is left running or billing at the provider, and nothing new was created.
    const stats = sim.stats();
    expect(stats.inFlight).toBe(0);
    expect(stats.cancelled).toBe(3);
    expect(stats.created).toBe(createdBefore);
    expect(await workflowStatus(id!)).toBe('CANCELLED');
    for (const n of [1, 2, 3]) expect(await workflowStatus(`${id}/q${n}`)).toBe('CANCELLED');
    // No stack trace, no SDK noise: the user's lines only.
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });

  test('with --simulate: exits 130 and the run and its children end cancelled', async () => {
    const cli = deepResearch([
      'run',
      '--simulate',
      '--sim-latency-ms',
      '200',
      '--questions',
      '2',
      '--depth',
      '0',
      'What limits the range of electric aircraft?',
    ]);
    // Its simulator's admin endpoint, as README shows: hold both searches before the research starts.
    const [, baseURL] = await cli.waitFor(/simulator at (http:\S+)\/v1/);
    const configured = await fetch(`${baseURL}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ faults: { script: stuckSearches(2) } }),
    });
    expect(configured.status).toBe(200);
    const [, id] = await cli.waitFor(/Research (\S+) started\./);
    await until('both searches in flight', async () => {
      const stats = (await (await fetch(`${baseURL}/__sim/stats`)).json()) as { inFlight: number };
      return stats.inFlight >= 2;
    });
    cli.interrupt('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.stderr).toContain(`Research ${id} cancelled`);
    expect(await workflowStatus(id!)).toBe('CANCELLED');
    for (const n of [1, 2]) expect(await workflowStatus(`${id}/q${n}`)).toBe('CANCELLED');
  });

  test('SIGTERM does the same as Ctrl-C', async () => {
    sim.reset();
    sim.configure({ faults: { script: stuckSearches(2) } });
    const cli = deepResearchDirect(
      ['run', '--questions', '2', '--depth', '0', 'How do CRDTs compare to operational transformation?'],
      keyedEnv(),
    );
    const [, id] = await cli.waitFor(/Research (\S+) started\./);
    await until('both searches in flight', () => sim.stats().inFlight >= 2, 90_000);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(130);
    expect(sim.stats().inFlight).toBe(0);
    expect(sim.stats().cancelled).toBe(2);
    expect(await workflowStatus(id!)).toBe('CANCELLED');
  });

  test('a second Ctrl-C leaves at once and says the run goes on and how to follow it', async () => {
    sim.reset();
    // Cancels hang at the provider: the first Ctrl-C's cancellation cannot finish on its own.
    sim.configure({ faults: { script: [...stuckSearches(1), { fault: 'hang', on: 'cancel' }] } });
    const cli = deepResearch(
      ['run', '--questions', '1', '--depth', '0', 'Why do lithium batteries degrade?'],
      keyedEnv(),
    );
    const [, id] = await cli.waitFor(/Research (\S+) started\./);
    await until('the search in flight', () => sim.stats().inFlight >= 1 && sim.stats().created >= 2, 90_000);
    cli.interrupt('SIGINT');
    const firstAt = Date.now();
    await cli.waitFor(/Cancelling the research/);
    // A person's second press, not the same press relayed by npm/tsx (which the CLI folds into one).
    await until('a second press', () => Date.now() - firstAt > 600);
    cli.interrupt('SIGINT');
    expect(await cli.exited).toBe(130);
    // It left while the cancellation was still hanging at the provider.
    expect(sim.stats().inFlight).toBeGreaterThanOrEqual(1);
    expect(cli.stderr).toContain(`Research ${id} goes on`);
    expect(cli.stderr).toContain(`deep-research status ${id}`);
    expect(await workflowStatus(id!)).toBe('RUNNING');
  });
});

describe('`deep-research worker` on SIGINT/SIGTERM', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} with a research in flight that used a SQLite source: drains, exits 0 by itself, another worker finishes the run`, async () => {
      sim.reset();
      const taskQueue = `cli-worker-${randomUUID()}`;
      const env = cliEnv({
        OPENAI_API_KEY: 'sim-key',
        OPENAI_BASE_URL: sim.baseURL,
        DEEP_RESEARCH_TASK_QUEUE: taskQueue,
        DEEP_RESEARCH_POLL_INITIAL_MS: '50',
        DEEP_RESEARCH_POLL_MAX_MS: '200',
      });
      const first = deepResearchDirect(['worker'], env);
      await first.waitFor(/worker on task queue/);
      const handle = await client.workflow.start(workflows.deepResearch, {
        taskQueue,
        workflowId: `worker-signal-${randomUUID()}`,
        args: [
          {
            question: 'Which product line grew fastest in 2025?',
            maxQuestions: 1,
            depth: 1,
            sources: ['db:example'],
          },
        ],
      });
      // The model called a database tool (the source's SQLite child process now runs), and the response
      // that answers with the tool's output is in flight, held at the provider.
      await until('a database tool call', () => sim.stats().functionCalls >= 1);
      sim.configure({ latencyMs: 5_000 });
      const createdAfterCall = sim.stats().created;
      await until('a response in flight after the tool call', () => sim.stats().created > createdAfterCall);
      const held = Object.entries(sim.stats().responses).find(
        ([, r]) => r.status === 'queued' || r.status === 'in_progress',
      );
      expect(held).toBeDefined();
      first.child.kill(signal);
      expect(await first.exited).toBe(0);
      expect(first.stderr).toContain('worker stopped');

      sim.configure({ latencyMs: 200 });
      const createdBeforeSecond = sim.stats().created;
      const second = deepResearchDirect(['worker'], env);
      const result = (await handle.result()) as { markdown: string };
      expect(result.markdown).toMatch(/database/i);
      // Draining handed the response back to Temporal instead of cancelling it at the provider: the
      // second worker resumed polling it from the heartbeat, and it completed.
      expect(sim.stats().responses[held![0]]?.status).toBe('completed');
      expect(sim.stats().created).toBeGreaterThan(createdBeforeSecond);
      second.child.kill(signal);
      expect(await second.exited).toBe(0);
    });
  }
});
