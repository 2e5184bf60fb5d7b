#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { InvalidResearchInputError } from '../client';
import { ConfigError, loadWorkerSettings } from '../config';
import { runSimulatorFromCli } from '../simulator';
import { runDevServerFromCli } from '../temporal/dev-server';
import { createWorker } from '../worker';
import {
  cancelCommand,
  finishCommand,
  listCommand,
  resultCommand,
  runCommand,
  startCommand,
  statusCommand,
} from './research-commands';
import { addResearchOptions } from './research-input';

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

addResearchOptions(
  program
    .command('run')
    .description('research a question end to end: live progress, then the cited report')
    .argument('[question]', 'what to research (or give it in --input)'),
)
  .option('--out <file>', 'write the Markdown report to this file')
  .option('--json', 'print the whole result as JSON on stdout')
  .option('--simulate', 'use the built-in Responses API simulator instead of OpenAI (no key, no cost)')
  .option(
    '--sim-latency-ms <ms>',
    'with --simulate: how long each simulated response takes',
    integer('--sim-latency-ms', 0),
  )
  .action(runCommand);

addResearchOptions(
  program
    .command('start')
    .description('start a research and return its workflow id at once (a worker must be running)')
    .argument('[question]', 'what to research (or give it in --input)'),
)
  .option('--json', 'print {"workflowId": …}')
  .action(startCommand);

program
  .command('status')
  .description('show a research run’s progress')
  .argument('<workflow-id>')
  .option('--json', 'print the progress as JSON')
  .action(statusCommand);

program
  .command('result')
  .description('wait for a research run’s report')
  .argument('<workflow-id>')
  .option('--out <file>', 'write the Markdown report to this file')
  .option('--json', 'print the whole result as JSON')
  .action(resultCommand);

program
  .command('cancel')
  .description('cancel a research run and every response it has in flight')
  .argument('<workflow-id>')
  .action(cancelCommand);

program
  .command('finish')
  .description('stop researching now and write the report from what has been found')
  .argument('<workflow-id>')
  .action(finishCommand);

program
  .command('list')
  .description('list recent research runs')
  .option('--limit <n>', 'how many', integer('--limit', 1, 1000), 20)
  .option('--json', 'print as JSON')
  .action(listCommand);

program
  .command('worker')
  .description('run a worker for the deep-research task queue (configured from the environment)')
  .action(async () => {
    const settings = loadWorkerSettings();
    const bundle = process.env.DEEP_RESEARCH_WORKFLOW_BUNDLE;
    const worker = await createWorker(settings, bundle ? { workflowBundle: { codePath: bundle } } : {});
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
    await runDevServerFromCli(opts);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof InvalidResearchInputError) {
    console.error(`Invalid research input:\n${error.problems.map((p) => `- ${p}`).join('\n')}`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof ConfigError || error instanceof InvalidArgumentError || error instanceof Error) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
});
