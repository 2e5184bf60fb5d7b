import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { backgroundResponse, deepResearch, researchQuestion } from '../workflows';

/**
 * Replay safety: the histories of real runs, recorded by `npm run record-histories` into test/histories/,
 * replayed against the current workflow code. A change to workflows/ that would make runs in flight fail
 * on redeploy (a different sequence of commands) fails here. Change workflow code behind `patched()`;
 * see the README's "Replay safety".
 */

const HISTORIES_DIR = path.join(__dirname, 'histories');

/** `replay-full__q1.json` -> `replay-full/q1` (a child's id must match: its parent's commands name it). */
function workflowIdOf(file: string): string {
  return path.basename(file, '.json').replace(/__/g, '/');
}

function loadHistory(file: string): History {
  return historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
}

/** Every history under test/histories/, subdirectories included (histories of older code kept there). */
const files = readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();
const histories = files.map((file) => ({ file, workflowId: workflowIdOf(file), history: loadHistory(file) }));

/** The workflow type a history ran. */
function workflowType(history: History): string | null | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}

/** Replays `selected` on one replay worker, in order; the error (if any) per history file. */
async function replay(
  options: ReplayWorkerOptions,
  selected: typeof histories,
): Promise<Map<string, Error | undefined>> {
  const errors = new Map<string, Error | undefined>();
  const results = Worker.runReplayHistories(
    options,
    selected.map(({ workflowId, history }) => ({ workflowId, history })),
  );
  let i = 0;
  for await (const result of results) {
    const { file, workflowId } = selected[i++]!;
    expect(result.workflowId).toBe(workflowId);
    errors.set(file, result.error);
  }
  expect(i).toBe(selected.length);
  return errors;
}

const currentWorkflows: ReplayWorkerOptions = process.env.TEST_WORKFLOW_BUNDLE
  ? { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE } }
  : { workflowsPath: require.resolve('../workflows') };

let current: Map<string, Error | undefined>;

beforeAll(async () => {
  // Core reports each nondeterminism it finds as a warning; the tests below assert on them instead.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  current = await replay(currentWorkflows, histories);
});

test('the recorded histories include every workflow type, parents and children', () => {
  expect(histories.map((h) => h.workflowId)).toEqual(
    expect.arrayContaining(['replay-full', 'replay-full/q1', 'replay-full/q2']),
  );
  expect(new Set(histories.map((h) => workflowType(h.history)))).toEqual(
    new Set([deepResearch, researchQuestion, backgroundResponse].map((workflow) => workflow.name)),
  );
  expect(current.size).toBe(histories.length);
});

test.each(histories.map((h) => [h.workflowId, h.file] as const))(
  '%s (%s) replays against the current workflow code',
  (_workflowId, file) => {
    expect(current.has(file)).toBe(true);
    expect(current.get(file)).toBeUndefined();
  },
);

describe('the check catches a change that is not replay-safe', () => {
  const parents = histories.filter((h) => workflowType(h.history) === deepResearch.name);

  test('one extra activity call at the start of deepResearch: DeterminismViolationError', async () => {
    const full = histories.filter((h) => h.file === 'replay-full.json');
    expect(full).toHaveLength(1);
    const results = await replay(
      { workflowsPath: require.resolve('./fixtures/workflows-unsafe-change') },
      full,
    );
    const error = results.get('replay-full.json');
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect(error?.name).toBe('DeterminismViolationError');
    expect(error?.message).toMatch(/nondeterminism/i);
  });

  test('the same change behind patched() replays every recorded research', async () => {
    expect(parents.length).toBeGreaterThan(1);
    const results = await replay(
      { workflowsPath: require.resolve('./fixtures/workflows-patched-change') },
      parents,
    );
    for (const { file } of parents) {
      expect([file, results.get(file)]).toEqual([file, undefined]);
    }
  });
});
