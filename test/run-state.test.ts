import type { BudgetEstimates } from '../src/budget';
import { emptyUsage } from '../src/schemas/background-response';
import type { Finding, StepOutcome } from '../src/schemas/research';
import { ResearchRunState } from '../workflows/run-state';

/**
 * The run's state without Temporal: what the progress query and the Web UI show, when research stops
 * and why, how a budget is handed out to steps and children, and each question's status.
 */

const START = Date.UTC(2025, 0, 2, 3, 4, 5);

function step(costUsd: number, tokens = 100): StepOutcome {
  return {
    responseId: `resp_${costUsd}_${tokens}`,
    model: 'gpt-5-mini',
    usage: { ...emptyUsage, inputTokens: tokens - 10, outputTokens: 10 },
    costUsd,
    priced: true,
  };
}

/** Amounts that are exact in binary, so the arithmetic below is exact too. */
const estimates: BudgetEstimates = {
  planMin: { usd: 0.125, tokens: 2_000 },
  reportReserve: { usd: 0.25, tokens: 3_000 },
  questionMin: { usd: 0.125, tokens: 1_500 },
  questionNatural: { usd: 0.5, tokens: 6_000 },
  roundMin: { usd: 0.25, tokens: 2_000 },
  reportFindingChars: 3_000,
  models: { planner: 'gpt-5-mini', researcher: 'gpt-5-mini', writer: 'gpt-5' },
};

function planned(...questions: string[]) {
  return questions.map((question) => ({ question, rationale: 'why', searchHints: [] }));
}

function finding(n: number, over: Partial<Finding> = {}): Finding {
  return {
    n,
    question: `q${n}?`,
    status: 'completed',
    summary: `summary ${n}`,
    keyFacts: [],
    sources: [{ url: `https://example.org/${n}`, title: `source ${n}` }],
    rounds: 1,
    usage: emptyUsage,
    costUsd: 0,
    ...over,
  };
}

/** A budgeted run that reserves, with the plan paid for and three questions planned. */
function reservingRun(maxCostUsd: number) {
  const state = new ResearchRunState({ question: 'What is Raft?', budget: { maxCostUsd } }, START);
  state.reserving = true;
  expect(state.reserveWith(estimates)).toBeUndefined();
  state.account(step(0.125));
  state.planned(planned('q1?', 'q2?', 'q3?', 'q4?'));
  state.enter('researching');
  return state;
}

describe('progress and the Web UI details', () => {
  test('the progress query reports phase, questions, usage, cost (to 6 places) and elapsed seconds', () => {
    const state = new ResearchRunState({ question: 'What is Raft?' }, START);
    state.account(step(0.1234567, 500));
    state.planned(planned('How are leaders elected?'));
    expect(state.progress(START + 12_600)).toEqual({
      phase: 'planning',
      question: 'What is Raft?',
      questions: [{ n: 1, question: 'How are leaders elected?', status: 'pending', round: 0, sources: 0 }],
      usage: { ...emptyUsage, inputTokens: 490, outputTokens: 10 },
      costUsd: 0.123457,
      elapsedSeconds: 13,
    });
  });

  test('the details show phase, cost, tokens, why research stopped, and a table of the questions', () => {
    const state = new ResearchRunState({ question: 'What is Raft?' }, START);
    expect(state.details()).toBe('**planning** · $0.0000 · 0 tokens\n');
    state.account(step(0.5, 1_200));
    state.planned(planned('Raft | Paxos?', 'Who uses it?'));
    state.enter('researching');
    state.started(1, 'run/q1');
    state.stop('deadline');
    expect(state.details()).toBe(
      [
        '**researching** · $0.5000 · 1200 tokens · stopped by deadline',
        '',
        '| # | question | status | round | sources |',
        '|---|---|---|---|---|',
        '| 1 | Raft / Paxos? | researching | 0 | 0 |',
        '| 2 | Who uses it? | pending | 0 | 0 |',
      ].join('\n'),
    );
    expect(state.progress(START).stoppedBy).toBe('deadline');
  });
});

describe('stop reasons', () => {
  test('the first reason stands; finishEarly is accepted only when it was the reason', () => {
    const state = new ResearchRunState({ question: 'What is Raft?' }, START);
    expect(state.stop('finish')).toBe(true);
    expect(state.finishEarlyResult()).toEqual({ accepted: true, phase: 'planning' });
    expect(state.stop('deadline')).toBe(false);
    expect(state.stoppedBy).toBe('finish');

    const late = new ResearchRunState({ question: 'What is Raft?' }, START);
    late.enter('researching');
    expect(late.stop('deadline')).toBe(true);
    expect(late.finishEarlyResult()).toEqual({ accepted: false, phase: 'researching' });
  });

  test('once research is over (synthesizing, completed, failed, cancelled) nothing stops and finishEarly is refused', () => {
    for (const phase of ['synthesizing', 'completed', 'failed', 'cancelled'] as const) {
      const state = new ResearchRunState({ question: 'What is Raft?' }, START);
      state.enter(phase);
      expect(state.stop('finish')).toBe(false);
      expect(state.finishEarlyResult()).toEqual({ accepted: false, phase });
      expect(state.progress(START).phase).toBe(phase);
      expect(state.details()).toMatch(new RegExp(`^\\*\\*${phase}\\*\\*`));
    }
  });

  test('the running children are the ones to tell, in the order they started', () => {
    const state = new ResearchRunState({ question: 'What is Raft?' }, START);
    state.planned(planned('q1?', 'q2?', 'q3?'));
    state.started(1, 'run/q1');
    state.started(3, 'run/q3');
    state.started(2, 'run/q2');
    state.ended(3);
    expect(state.runningChildren()).toEqual(['run/q1', 'run/q2']);
  });
});

describe('a budget without reservations (runs started before the budget patch)', () => {
  test('stops before a step when the spend plus three of the largest step would pass maxCostUsd', () => {
    const state = new ResearchRunState({ question: 'What is Raft?', budget: { maxCostUsd: 1 } }, START);
    expect(state.overBudget()).toBe(false);
    state.account(step(0.25));
    expect(state.overBudget()).toBe(false); // 0.25 + 3 * 0.25 = 1: not over
    state.account(step(0.0625));
    expect(state.overBudget()).toBe(true); // 0.3125 + 3 * 0.25 > 1
  });

  test('the same for maxTokens; and a run that reserves never estimates', () => {
    const state = new ResearchRunState({ question: 'What is Raft?', budget: { maxTokens: 1_000 } }, START);
    state.account(step(0, 300));
    expect(state.overBudget()).toBe(true); // 300 + 3 * 300 > 1000
    state.reserving = true;
    expect(state.overBudget()).toBe(false);
    expect(new ResearchRunState({ question: 'x?' }, START).overBudget()).toBe(false);
  });
});

describe('budget reservations', () => {
  test('only a limit on cost or tokens reserves; a deadline alone does not', () => {
    expect(new ResearchRunState({ question: 'x?', budget: { deadlineMinutes: 5 } }, START).budgeted).toBe(
      false,
    );
    expect(new ResearchRunState({ question: 'x?', budget: { maxTokens: 5_000 } }, START).budgeted).toBe(true);
  });

  test('a budget that cannot pay for a plan, one question and a report is refused before anything is spent', () => {
    const state = new ResearchRunState(
      { question: 'x?', budget: { maxCostUsd: 0.25, maxTokens: 9_000 } },
      START,
    );
    expect(state.reserveWith(estimates)).toBe(
      'The budget is too small to research: budget.maxCostUsd 0.25 cannot pay for a plan (at least $0.125 with ' +
        'gpt-5-mini), one question researched (at least $0.125 with gpt-5-mini) and a report (at least $0.250 ' +
        'with gpt-5): raise budget.maxCostUsd (--max-cost) to at least $0.500 (each further question takes ' +
        '$0.125 to $0.500), or choose cheaper models.',
    );
    const enough = new ResearchRunState({ question: 'x?', budget: { maxCostUsd: 0.5 } }, START);
    expect(enough.reserveWith(estimates)).toBeUndefined();
  });

  test('a plan (or its repair) is started only while its least fits beside the report reserve', () => {
    const state = new ResearchRunState(
      { question: 'x?', budget: { maxCostUsd: 0.5, maxTokens: 10_000 } },
      START,
    );
    state.reserveWith(estimates);
    expect(state.affordsPlan()).toBe(true);
    expect(state.planAllowance(undefined)).toEqual({ usd: 0.25, tokens: 7_000 });
    state.account(step(0.125, 1_000.5));
    // A repair is billed the tokens of the response it continues.
    expect(state.planAllowance(1_000)).toEqual({ usd: 0.125, tokens: 5_999, priorTokens: 1_000 });
    state.account(step(0.0625));
    expect(state.affordsPlan()).toBe(false); // 0.5 - 0.1875 - 0.25 = 0.0625 < 0.125
    state.account(step(0.125));
    expect(state.planAllowance(undefined)).toEqual({ usd: 0, tokens: 5_799 }); // never negative
  });

  test('children get slices of what is left; another waits while they may give back, and runs when one ends', () => {
    const state = reservingRun(1);
    // 1 - 0.125 spent - 0.25 report reserve = 0.625 to hand out.
    expect(state.admission()).toBe('start');
    expect(state.reserveQuestion(1)).toEqual({ usd: 0.5 }); // what a question takes naturally
    expect(state.admission()).toBe('start');
    expect(state.reserveQuestion(2)).toEqual({ usd: 0.125 }); // the rest
    expect(state.room()).toEqual({ usd: 0 });
    expect(state.admission()).toBe('wait');

    // What q1 spends counts against the run and against its own slice: nothing is freed yet.
    state.questionUpdate({ n: 1, status: 'researching', round: 0, sources: 2, step: step(0.25) });
    expect(state.costUsd).toBe(0.375);
    expect(state.room()).toEqual({ usd: 0 });
    expect(state.admission()).toBe('wait');

    // q1 ends: the 0.25 it held and did not spend is free again.
    state.completed(1, finding(1, { costUsd: 0.25 }));
    state.ended(1);
    expect(state.room()).toEqual({ usd: 0.25 });
    expect(state.admission()).toBe('start');
    expect(state.reserveQuestion(3)).toEqual({ usd: 0.25 });
  });

  test('when a question does not fit and nothing runs that could give back, the budget is exhausted', () => {
    const state = reservingRun(1);
    state.reserveQuestion(1);
    state.questionUpdate({ n: 1, status: 'researching', round: 0, sources: 1, step: step(0.5) });
    state.completed(1, finding(1));
    state.ended(1);
    state.reserveQuestion(2);
    state.questionUpdate({ n: 2, status: 'researching', round: 0, sources: 1, step: step(0.0625) });
    expect(state.admission()).toBe('wait'); // q2 still holds 0.0625
    state.completed(2, finding(2));
    state.ended(2);
    // 1 - 0.6875 spent - 0.25 reserve = 0.0625: less than one search, and nobody holds anything.
    expect(state.admission()).toBe('exhausted');
    expect(state.stop('budget')).toBe(true);
    // Stopped: the rest start only to be skipped, with no slice.
    expect(state.admission()).toBe('start');
    expect(state.reserveQuestion(3)).toBeUndefined();
    // The report gets everything left, the reserve included.
    expect(state.reportBudget()).toEqual({ allowance: { usd: 0.3125 }, findingChars: 3_000 });
  });

  test('a run that does not reserve hands out no allowances', () => {
    const state = new ResearchRunState({ question: 'x?' }, START);
    state.planned(planned('q1?'));
    expect(state.affordsPlan()).toBe(true);
    expect(state.planAllowance(500)).toBeUndefined();
    expect(state.reserveQuestion(1)).toBeUndefined();
    expect(state.reportBudget()).toBeUndefined();
    expect(state.room()).toEqual({});
  });
});

describe('question status', () => {
  test('pending, researching, then what the child reports, until it completes or fails', () => {
    const state = new ResearchRunState({ question: 'x?' }, START);
    state.planned(planned('q1?', 'q2?', 'q3?'));
    state.enter('researching');
    state.started(1, 'run/q1');
    state.started(2, 'run/q2');
    state.questionUpdate({ n: 1, status: 'researching', round: 1, sources: 3, step: step(0.25) });
    expect(state.questions[0]).toEqual({
      n: 1,
      question: 'q1?',
      status: 'researching',
      round: 1,
      sources: 3,
    });

    state.completed(1, finding(1, { rounds: 2, sources: [{ url: 'https://a.org', title: 'a' }] }));
    state.failed(2, 'rate limited');
    state.stop('finish');
    state.skipped(3);
    // Late updates from children that have ended change nothing shown, but their cost still counts.
    state.questionUpdate({ n: 1, status: 'researching', round: 3, sources: 9, step: step(0.125) });
    state.questionUpdate({ n: 2, status: 'researching', round: 1, sources: 4, step: step(0.125) });
    expect(state.questions.map((q) => [q.status, q.round, q.sources])).toEqual([
      ['completed', 2, 1],
      ['failed', 0, 0],
      ['skipped', 0, 0],
    ]);
    expect(state.costUsd).toBe(0.5);
    expect(state.findings.map((f) => [f.n, f.status, f.error])).toEqual([
      [1, 'completed', undefined],
      [2, 'failed', 'rate limited'],
      [3, 'skipped', undefined],
    ]);
  });

  test('every question failed: nothing to report, with the first errors', () => {
    const state = new ResearchRunState({ question: 'x?' }, START);
    state.planned(planned('q1?', 'q2?', 'q3?', 'q4?'));
    for (const n of [1, 2, 3, 4]) state.failed(n, `error ${n}`);
    expect(state.researchEnded()).toBe(
      'Every research question failed, so there is nothing to report. q1: error 1 | q2: error 2 | q3: error 3',
    );
  });

  test('a stopped run reports what it has, even with nothing completed', () => {
    const state = new ResearchRunState({ question: 'x?' }, START);
    state.planned(planned('q1?'));
    state.stop('finish');
    state.skipped(1);
    expect(state.researchEnded()).toBeUndefined();
  });

  test('a child stopped by its slice makes the run stopped by budget, unless it was stopped otherwise', () => {
    const cut = new ResearchRunState({ question: 'x?' }, START);
    cut.planned(planned('q1?'));
    cut.completed(1, finding(1, { stoppedBy: 'budget' }));
    expect(cut.researchEnded()).toBeUndefined();
    expect(cut.stoppedBy).toBe('budget');

    const finished = new ResearchRunState({ question: 'x?' }, START);
    finished.planned(planned('q1?'));
    finished.stop('finish');
    finished.completed(1, finding(1, { stoppedBy: 'budget' }));
    finished.researchEnded();
    expect(finished.stoppedBy).toBe('finish');
  });
});

test('the result lists the questions in order, with the report, cost and times', () => {
  const state = new ResearchRunState({ question: 'What is Raft?' }, START);
  state.planned(planned('q1?', 'q2?'));
  state.enter('researching');
  state.completed(2, finding(2, { refusedToolCalls: 1 }));
  state.completed(1, finding(1));
  state.account(step(0.25));
  expect(state.findingsInOrder().map((f) => f.n)).toEqual([1, 2]);
  const report = {
    markdown: '# Raft',
    sources: [{ n: 1, url: 'https://example.org/1', title: 'source 1' }],
    invalidCitationsRemoved: 2,
    simulated: true,
  };
  expect(state.result(report, START + 90_000)).toEqual({
    question: 'What is Raft?',
    markdown: '# Raft',
    sources: report.sources,
    questions: [
      { question: 'q1?', status: 'completed', summary: 'summary 1', sources: finding(1).sources },
      {
        question: 'q2?',
        status: 'completed',
        summary: 'summary 2',
        sources: finding(2).sources,
        refusedToolCalls: 1,
      },
    ],
    usage: { ...emptyUsage, inputTokens: 90, outputTokens: 10 },
    costUsd: 0.25,
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: '2025-01-02T03:05:35.000Z',
    invalidCitationsRemoved: 2,
    simulated: true,
  });
});
