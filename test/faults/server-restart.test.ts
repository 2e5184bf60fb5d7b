import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator } from '../../src/simulator';
import { freePort, startDevServer } from '../../src/temporal/dev-server';
import { expectCitationsResolve } from '../helpers/research';
import { deepResearch } from '../../workflows';
import { FAST_POLICY, inFlight, newTaskQueue, spawnWorker, waitFor } from './harness';

/** The Temporal server (SQLite file) stopped and restarted mid-run: the run completes. */

test('a research survives a Temporal server restart in the middle of its fan-out', async () => {
  const port = await freePort();
  const dbFile = path.join(os.tmpdir(), `deep-research-restart-${port}.db`);
  const serverOptions = { port, ui: false, dbFile, log: () => undefined };
  let server = await startDevServer(serverOptions);
  const sim = await startSimulator({ latencyMs: 1_500, jitter: 0 });
  const taskQueue = newTaskQueue();
  const worker = spawnWorker(sim, taskQueue, { TEMPORAL_ADDRESS: server.address });
  const connect = async () =>
    new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    await worker.ready;
    let client = await connect();
    const input = {
      question: 'How do solid-state batteries differ from lithium-ion?',
      maxQuestions: 3,
      depth: 1,
    };
    // The same research without a restart, for how many responses it should take.
    await client.workflow.execute(deepResearch, {
      taskQueue,
      workflowId: `baseline-${port}`,
      args: [input, FAST_POLICY],
    });
    const baseline = sim.stats().created;
    sim.reset();
    const handle = await client.workflow.start(deepResearch, {
      taskQueue,
      workflowId: `research-restart-${port}`,
      args: [input, FAST_POLICY],
    });
    await waitFor('searches in flight', () => inFlight(sim, 'search').length >= 2);
    await client.connection.close();

    const downAt = Date.now();
    await server.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    server = await startDevServer(serverOptions);
    const downSeconds = (Date.now() - downAt) / 1000;

    client = await connect();
    const research = await client.workflow.getHandle<typeof deepResearch>(handle.workflowId).result();
    await client.connection.close();
    expect(research.questions.every((q) => q.status === 'completed')).toBe(true);
    expectCitationsResolve(research);
    expect(sim.stats().created).toBe(baseline);
    console.log(
      `server restart: down ${downSeconds.toFixed(1)} s mid fan-out; run completed with ${sim.stats().created} responses created (uninterrupted: ${baseline}), ` +
        `${sim.stats().cancelled} cancelled`,
    );
  } finally {
    await worker.kill();
    await sim.close();
    await server.stop();
    fs.rmSync(dbFile, { force: true });
  }
});
