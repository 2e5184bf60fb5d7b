#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadWorkerSettings } from '../config';
import { createWorker } from '../worker';

/** `deep-research`: the project's command line. Each command is a few lines that call into src/. */

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

const program = new Command('deep-research')
  .description('Deep research on Temporal with the OpenAI Responses API in background mode')
  .showHelpAfterError();

program
  .command('worker')
  .description('run a worker for the deep-research task queue (configured from the environment)')
  .action(async () => {
    const settings = loadWorkerSettings();
    const worker = await createWorker(settings);
    console.error(
      `worker on task queue "${settings.temporal.taskQueue}" at ${settings.temporal.address} ` +
        `(namespace ${settings.temporal.namespace}); Responses API at ${settings.openai.baseURL}`,
    );
    // run() resolves after SIGINT/SIGTERM once in-flight tasks are handed back.
    await worker.run();
  });

program
  .command('simulator')
  .description('run the Responses API simulator (for tests, benchmarks and demos without OpenAI)')
  .option('--port <port>', 'port on 127.0.0.1', integer('--port', 0, 65535), 8787)
  .option('--latency-ms <ms>', 'how long each response takes', integer('--latency-ms', 0), 2000)
  .option('--jitter <fraction>', 'latency varies by ± this fraction', fraction, 0.2)
  .option('--api-key <key>', 'accept only this bearer key (default: any non-empty key)')
  .action(async (opts: { port: number; latencyMs: number; jitter: number; apiKey?: string }) => {
    const { runSimulatorFromCli } = await import('../simulator');
    await runSimulatorFromCli(opts);
  });

program
  .command('dev-server')
  .description('run a local Temporal dev server with the Web UI and the project’s search attributes')
  .option('--port <port>', 'gRPC port on 127.0.0.1', integer('--port', 1, 65535), 7233)
  .option('--ui-port <port>', 'Web UI port (default: port + 1000)', integer('--ui-port', 1, 65535))
  .option('--db <file>', 'SQLite file that keeps runs across restarts (default .data/temporal.db)')
  .option('--memory', 'keep nothing: an in-memory server')
  .action(async (opts: { port: number; uiPort?: number; db?: string; memory?: boolean }) => {
    if (opts.db && opts.memory) throw new InvalidArgumentError('choose --db FILE or --memory, not both');
    const { runDevServerFromCli } = await import('../temporal/dev-server');
    await runDevServerFromCli(opts);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof InvalidArgumentError) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
});
