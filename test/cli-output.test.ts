import { finalProgress, summaryLine } from '../src/cli/research-commands';
import type { ResearchResult } from '../src/schemas/research';
import { cliEnv, deepResearch, killLeftovers } from './helpers/cli';

/** What `run` prints at the end: the live display's last figures are the result's, and Done counts truly. */

jest.setTimeout(120_000);
afterEach(killLeftovers);

test('the live display ends on the final cost, and Done states the same figures', async () => {
  const cli = deepResearch(
    [
      'run',
      '--simulate',
      '--sim-latency-ms',
      '50',
      '--questions',
      '2',
      '--depth',
      '0',
      'How do Raft and Paxos differ?',
    ],
    cliEnv(),
  );
  expect(await cli.exited).toBe(0);
  const phaseLines = [...cli.stderr.matchAll(/^\[(\w+)\] \$(\d+\.\d{4})/gm)];
  const last = phaseLines.at(-1)!;
  const done = /^Done: 2 of 2 questions researched, \d+ sources cited, \$(\d+\.\d{4})/m.exec(cli.stderr);
  expect(done).not.toBeNull();
  expect(last[1]).toBe('completed');
  expect(last[2]).toBe(done![1]);
  // Costs only grow: no line shows more than the end.
  for (const line of phaseLines) expect(Number(line[2])).toBeLessThanOrEqual(Number(done![1]));
});

const result = (statuses: ResearchResult['questions'][number]['status'][]): ResearchResult => ({
  question: 'q',
  markdown: '# r',
  sources: [],
  questions: statuses.map((status, i) => ({ question: `q${i + 1}`, status, summary: '', sources: [] })),
  usage: { inputTokens: 10, cachedTokens: 0, outputTokens: 5, reasoningTokens: 0, webSearchCalls: 0 },
  costUsd: 0.0123,
  startedAt: '2026-12-01T00:00:00.000Z',
  finishedAt: '2026-12-01T00:00:42.000Z',
  stoppedBy: 'budget',
  invalidCitationsRemoved: 0,
});

test('Done counts what was researched, skipped and failed, not what was planned', () => {
  expect(summaryLine(result(['completed', 'skipped', 'skipped', 'skipped']))).toBe(
    'Done: 1 of 4 questions researched, 3 skipped, 0 sources cited, $0.0123, 15 tokens, stopped early (budget)',
  );
  expect(summaryLine(result(['completed', 'failed']))).toMatch(
    /^Done: 1 of 2 questions researched, 1 failed,/,
  );
});

test('the final display carries the result figures and keeps the rounds last seen', () => {
  const final = finalProgress(
    {
      phase: 'synthesizing',
      question: 'q',
      questions: [{ n: 1, question: 'q1', status: 'completed', round: 2, sources: 3 }],
      usage: { inputTokens: 1, cachedTokens: 0, outputTokens: 1, reasoningTokens: 0, webSearchCalls: 0 },
      costUsd: 0.001,
      elapsedSeconds: 30,
    },
    result(['completed']),
  );
  expect(final).toMatchObject({
    phase: 'completed',
    costUsd: 0.0123,
    elapsedSeconds: 42,
    stoppedBy: 'budget',
  });
  expect(final.questions[0]).toMatchObject({ n: 1, round: 2, status: 'completed' });
});
