import { emptyUsage } from '../src/schemas/background-response';
import type { StepOutcome } from '../src/schemas/research';
import { QuestionState, toolFinding } from '../workflows/question-state';

/**
 * One question's state without Temporal: what the parent is told after each step, what is left of the
 * question's slice of the budget, and the finding the child returns however it stopped.
 */

const planned = { question: 'How does Raft elect a leader?', rationale: 'core', searchHints: [] };

function step(costUsd: number, tokens = 100): StepOutcome {
  return {
    responseId: `resp_${costUsd}`,
    model: 'gpt-5-mini',
    usage: { ...emptyUsage, inputTokens: tokens - 20, outputTokens: 20 },
    costUsd,
    priced: true,
  };
}

const source = (n: number) => ({ url: `https://example.org/${n}`, title: `page ${n}` });

test('after each step the parent is told the round, the sources found so far, and what the step cost', () => {
  const state = new QuestionState({ n: 2, planned });
  const first = step(0.25);
  expect(state.account('researching', first)).toEqual({
    n: 2,
    status: 'researching',
    round: 0,
    sources: 0,
    step: first,
  });
  state.found({ summary: 'Randomized timeouts.', keyFacts: [], sources: [source(1), source(2)] });
  state.round = 1;
  expect(state.account('researching', step(0.125))).toMatchObject({ round: 1, sources: 2 });
  expect(state.costUsd).toBe(0.375);
  expect(state.usage).toEqual({ ...emptyUsage, inputTokens: 160, outputTokens: 40 });
});

test('findings merge: the summaries join, a source found twice is listed once', () => {
  const state = new QuestionState({ n: 1, planned });
  state.found({ summary: 'One.', keyFacts: [{ text: 'a', urls: [] }], sources: [source(1)] });
  state.found({ summary: 'Two.', keyFacts: [{ text: 'a', urls: [] }], sources: [source(1), source(2)] });
  expect(state.finding).toEqual({
    summary: 'One.\n\nTwo.',
    keyFacts: [{ text: 'a', urls: [] }],
    sources: [source(1), source(2)],
  });
});

describe("the question's slice of the budget", () => {
  test('without a slice every step may start and carries no allowance', () => {
    const state = new QuestionState({ n: 1, planned });
    expect(state.affords({ usd: 1_000, tokens: 1e9 })).toBe(true);
    expect(state.allowance(500)).toEqual({});
    expect(state.result().stoppedBy).toBeUndefined();
  });

  test('each step is handed what is left (tokens whole), and the tokens of the response it continues', () => {
    const state = new QuestionState({ n: 1, planned, allowance: { usd: 0.5, tokens: 4_000 } });
    expect(state.allowance()).toEqual({ allowance: { usd: 0.5, tokens: 4_000 } });
    state.account('researching', step(0.125, 1_000.5));
    expect(state.allowance(1_000)).toEqual({ allowance: { usd: 0.375, tokens: 2_999, priorTokens: 1_000 } });
    expect(state.allowance(0)).toEqual({ allowance: { usd: 0.375, tokens: 2_999 } });
  });

  test('a step whose least does not fit what is left is not started, and the question stops by budget', () => {
    const state = new QuestionState({ n: 1, planned, allowance: { usd: 0.5 } });
    state.account('researching', step(0.375));
    expect(state.affords({ usd: 0.125, tokens: 1_000 })).toBe(true);
    expect(state.affords(undefined)).toBe(true);
    expect(state.result().stoppedBy).toBeUndefined();
    expect(state.affords({ usd: 0.25, tokens: 1_000 })).toBe(false);
    expect(state.result().stoppedBy).toBe('budget');
    state.account('researching', step(0.25));
    expect(state.left()).toEqual({ usd: 0 }); // overspent by an estimate: never negative
  });

  test('a step the activity refused for its allowance stops the question by budget too', () => {
    const state = new QuestionState({ n: 1, planned, allowance: { usd: 0.5 } });
    state.refusedByBudget();
    expect(state.result().stoppedBy).toBe('budget');
  });
});

test("the parent's stop reason wins over the budget, and the first one stands", () => {
  const state = new QuestionState({ n: 1, planned, allowance: { usd: 0 } });
  expect(state.affords({ usd: 0.125, tokens: 0 })).toBe(false);
  state.stop('deadline');
  state.stop('finish');
  expect(state.stoppedBy).toBe('deadline');
  expect(state.result().stoppedBy).toBe('deadline');
});

test('the finding returned: what was found, the follow-up rounds completed, cost, refused tool calls', () => {
  const state = new QuestionState({ n: 3, planned });
  state.found({ summary: 'Leaders by vote.', keyFacts: [], sources: [source(1)] });
  state.account('researching', step(0.25));
  state.round = 2;
  state.followUpRounds = 1;
  state.ranTools([
    { output: 'ok', sources: [] },
    { output: 'refused', sources: [], refused: true },
    { output: 'refused', sources: [], refused: true },
  ]);
  expect(state.result()).toEqual({
    n: 3,
    question: planned.question,
    status: 'completed',
    summary: 'Leaders by vote.',
    keyFacts: [],
    sources: [source(1)],
    rounds: 1,
    usage: { ...emptyUsage, inputTokens: 80, outputTokens: 20 },
    costUsd: 0.25,
    refusedToolCalls: 2,
  });
});

test("tools' results are cited like web pages: each source, and its passage as a fact", () => {
  expect(
    toolFinding([
      {
        output: 'two rows',
        sources: [
          { url: 'db:sales#q1', title: 'sales query', kind: 'database', excerpt: 'EMEA grew 12%' },
          { url: 'docs:handbook/leave.md', title: 'leave policy', kind: 'document' },
        ],
      },
    ]),
  ).toEqual({
    summary: '',
    sources: [
      { url: 'db:sales#q1', title: 'sales query', kind: 'database' },
      { url: 'docs:handbook/leave.md', title: 'leave policy', kind: 'document' },
    ],
    keyFacts: [{ text: 'EMEA grew 12%', urls: ['db:sales#q1'] }],
  });
});
