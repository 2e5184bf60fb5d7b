import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { InvalidResearchInputError } from '../client';
import { ConfigError, loadWorkerSettings, type WorkerSettings } from '../config';
import { runSimulatorFromCli } from '../simulator';
import { addressProblem } from '../temporal/connection';
import { runDevServerFromCli } from '../temporal/dev-server';
import { createWorker } from '../worker';
import { CliExit, EXIT_FAILED, EXIT_INVALID, invalid } from './exit';
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
import { sourcesProblems } from './session';

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
  .showHelpAfterError()
  // Usage errors (an unknown flag, `--questions abc`) are invalid input: exit 2, like every other.
  // Subcommands inherit this, as they are created after it.
  .exitOverride();

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
    const settings = workerSettingsOrExit();
    const bundle = process.env.DEEP_RESEARCH_WORKFLOW_BUNDLE;
    const worker = await createWorker(settings, bundle ? { workflowBundle: { codePath: bundle } } : {});
    console.error(
      `worker on task queue "${settings.temporal.taskQueue}" at ${settings.temporal.address} ` +
        `(namespace ${settings.temporal.namespace}); Responses API at ${settings.openai.baseURL}`,
    );
    // The SDK's runtime shuts the worker down on SIGINT/SIGTERM; run() resolves once its tasks are
    // handed back and its sources are closed, and then nothing is left to keep the process alive.
    await worker.run();
    console.error('worker stopped');
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

/** Every problem of the worker's settings at once, one line each, before anything connects. */
function workerSettingsOrExit(): WorkerSettings {
  const problems: string[] = [];
  const address = addressProblem(process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233');
  if (address) problems.push(address);
  let settings: WorkerSettings | undefined;
  try {
    settings = loadWorkerSettings();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = error.message.split('\n').filter((l) => l.startsWith('- '));
    problems.push(...(lines.length ? lines.map((l) => l.slice(2)) : [error.message]));
  }
  if (settings) problems.push(...sourcesProblems(settings.sources));
  if (problems.length || !settings) throw invalid(problems, 'Invalid configuration:');
  return settings;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CliExit) return error.exitCode;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_INVALID;
  if (
    error instanceof InvalidResearchInputError ||
    error instanceof ConfigError ||
    error instanceof InvalidArgumentError
  )
    return EXIT_INVALID;
  return EXIT_FAILED;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = exitCodeOf(error);
  // Commander has already printed its own message (and the help) for usage errors; an
  // InvalidArgumentError thrown by our own code (not an option parser) has not been printed.
  if (error instanceof CommanderError && !(error instanceof InvalidArgumentError)) return;
  if (error instanceof InvalidResearchInputError) {
    console.error(`Invalid research input:\n${error.problems.map((p) => `- ${p}`).join('\n')}`);
  } else if (error instanceof Error) {
    // Expected failures carry a message a user can act on; a stack trace would only bury it.
    console.error(error.message);
    if (process.env.DEEP_RESEARCH_DEBUG && error.stack) console.error(error.stack);
  } else {
    console.error(String(error));
  }
});
