import { WorkflowFailedError } from '@temporalio/client';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { failureReason, InvalidResearchInputError, ResearchClient } from '../../src';
import type { ResearchInput } from '../../src/schemas/research';
import { findTemporalCli } from '../../src/temporal/cli';
import { testAddress, useResearchWorker } from '../helpers/temporal';
import { deepResearch } from '../../workflows';

/**
 * Bad input, through every entry point (our CLI, the client API, `temporal workflow start`): each gets a
 * clear error that names the field, and no response is ever created.
 */

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const ok = 'How do tides work?';

/** [what is wrong, the input, a word the error must contain] */
const BAD_INPUTS: Array<[string, unknown, string | RegExp]> = [
  ['no question', { maxQuestions: 2 }, 'question is required'],
  ['empty question', { question: '' }, 'question is too short'],
  ['huge question', { question: 'why '.repeat(1200) }, 'question is too long'],
  ['question not a string', { question: 42 }, 'question must be a string'],
  ['zero questions', { question: ok, maxQuestions: 0 }, 'maxQuestions must be at least 1'],
  ['too many questions', { question: ok, maxQuestions: 13 }, 'maxQuestions must be at most 12'],
  ['fractional questions', { question: ok, maxQuestions: 2.5 }, 'maxQuestions'],
  ['negative depth', { question: ok, depth: -1 }, 'depth must be at least 0'],
  ['depth too deep', { question: ok, depth: 4 }, 'depth must be at most 3'],
  ['depth as text', { question: ok, depth: 'deep' }, 'depth must be a number (got string)'],
  ['empty planner model', { question: ok, models: { planner: '' } }, 'models.planner'],
  ['model id with spaces', { question: ok, models: { writer: 'gpt 5' } }, 'models.writer'],
  ['models as a string', { question: ok, models: 'gpt-5' }, 'models must be an object'],
  ['unknown role', { question: ok, models: { critic: 'gpt-5' } }, 'unknown field critic in models'],
  ['unknown effort', { question: ok, reasoningEffort: 'extreme' }, 'reasoningEffort must be one of'],
  ['negative budget', { question: ok, budget: { maxCostUsd: -1 } }, 'budget.maxCostUsd must be more than 0'],
  ['zero deadline', { question: ok, budget: { deadlineMinutes: 0 } }, 'budget.deadlineMinutes'],
  ['misspelt budget field', { question: ok, budget: { maxCost: 1 } }, 'unknown field maxCost in budget'],
  ['unknown context size', { question: ok, searchContextSize: 'huge' }, 'searchContextSize must be one of'],
  ['not a domain', { question: ok, allowedDomains: ['not a domain'] }, 'allowedDomains.0'],
  ['zero concurrency', { question: ok, concurrency: 0 }, 'concurrency must be at least 1'],
  ['unknown field', { question: ok, colour: 'blue' }, 'unknown field colour'],
  ['not an object', ['How do tides work?'], /\(input\) must be an object|--input must be a JSON object/],
];

const matches = (text: string, expected: string | RegExp) =>
  typeof expected === 'string' ? text.includes(expected) : expected.test(text);

const ctx = useResearchWorker({ latencyMs: 50, jitter: 0 });
afterAll(async () => {
  // Not one response was created for any bad input, whichever way it came in.
  expect(ctx.sim.stats().created).toBe(0);
  console.log(
    `bad input: ${BAD_INPUTS.length} inputs x 3 entry points (+ malformed JSON x 2), 0 responses created`,
  );
});

test.each(BAD_INPUTS)('client API: %s', async (_what, input, expected) => {
  const research = new ResearchClient(ctx.client, ctx.taskQueue);
  const error = await research.start(input as never).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidResearchInputError);
  expect((error as Error).message).toMatch(expected);
});

test.each(BAD_INPUTS)('temporal workflow start: %s', async (_what, input, expected) => {
  // The Temporal CLI starts the run; the workflow refuses the input at once, non-retryable.
  const handle = await ctx.client.workflow.start(deepResearch, {
    taskQueue: ctx.taskQueue,
    workflowId: `bad-input-${Math.random().toString(16).slice(2)}`,
    args: [input as ResearchInput],
  });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(failureReason(error)).toMatch(expected);
  expect(failureReason(error)).toMatch(/^Invalid research input: /);
});

test('the same inputs through the Temporal CLI binary and through our CLI', async () => {
  const temporal = await findTemporalCli({ log: () => undefined });
  const cliEnv = { ...process.env, TEMPORAL_ADDRESS: testAddress(), DEEP_RESEARCH_TASK_QUEUE: ctx.taskQueue };
  const failures: string[] = [];
  // A few at a time: each is a process.
  for (let i = 0; i < BAD_INPUTS.length; i += 6) {
    await Promise.all(
      BAD_INPUTS.slice(i, i + 6).map(async ([what, input, expected]) => {
        const ours = await run(
          process.execPath,
          ['--import', 'tsx', 'src/cli/main.ts', 'start', '--input', JSON.stringify(input)],
          {
            cwd: ROOT,
            env: cliEnv,
          },
        ).catch((e: { code: number; stderr: string }) => e);
        if (!('code' in ours) || ours.code === 0 || !matches(ours.stderr, expected)) {
          failures.push(`deep-research: ${what}`);
        }

        const theirs = await run(temporal, [
          'workflow',
          'execute',
          '--type',
          'deepResearch',
          '--task-queue',
          ctx.taskQueue,
          '--input',
          JSON.stringify(input),
          '--address',
          testAddress(),
        ]).catch((e: { code: number; stdout: string; stderr: string }) => e);
        const output = 'stdout' in theirs ? `${theirs.stdout}${theirs.stderr ?? ''}` : '';
        if (!('code' in theirs) || !output.includes('Invalid research input') || !matches(output, expected)) {
          failures.push(`temporal: ${what}: ${output.slice(0, 300)}`);
        }
      }),
    );
  }
  expect(failures).toEqual([]);
});

test('malformed JSON is refused before anything starts, by both CLIs', async () => {
  const ours = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'start', '--input', '{"question": "x",'],
    {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: testAddress() },
    },
  ).catch((e: { code: number; stderr: string }) => e);
  // Invalid input: status 2, like every invalid input or setting (README, "From our CLI").
  expect(ours).toMatchObject({ code: 2 });
  expect((ours as { stderr: string }).stderr).toContain('--input is not valid JSON');

  const temporal = await findTemporalCli({ log: () => undefined });
  const theirs = await run(temporal, [
    'workflow',
    'start',
    '--type',
    'deepResearch',
    '--task-queue',
    ctx.taskQueue,
    '--input',
    '{"question": "x",',
    '--address',
    testAddress(),
  ]).catch((e: { code: number; stderr: string }) => e);
  expect(theirs).toMatchObject({ code: 1 });
  expect((theirs as { stderr: string }).stderr).toMatch(/json|JSON/);
});
