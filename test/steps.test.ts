import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { estimateTokens, limitsFor } from '../src/budget';
import { DEFAULT_PRICES } from '../src/pricing';
import {
  emptyUsage,
  type BackgroundRequest,
  type BackgroundResult,
} from '../src/schemas/background-response';
import type { Finding, StepOutcome } from '../src/schemas/research';
import { GAPS_FORMAT, gapsStep } from '../src/steps/gaps';
import { PLAN_FORMAT, planPrompt, planStep } from '../src/steps/plan';
import { reportStep, type ReportInput } from '../src/steps/report';
import { searchStep, type SearchInput } from '../src/steps/search';
import { prepareStep, promptChars, type SettleSettings } from '../src/steps/settle';
import type { ModelChoice, ResearchStep, StepRequest } from '../src/steps/step';

/**
 * The research steps without Temporal or a provider: what each asks the provider to do for a given
 * input (the request the driver in activities/steps.ts sends, model and effort settled, limits applied),
 * and what each makes of a given answer.
 */

const settings: SettleSettings = {
  models: { planner: 'gpt-5.2', researcher: 'gpt-5.4-mini', writer: 'gpt-5.2' },
  prices: DEFAULT_PRICES,
  simulated: true,
};

/** What the driver (activities/steps.ts) does before it calls the provider, for this input. */
function prepared<I extends ModelChoice, O, R extends StepRequest>(step: ResearchStep<I, O, R>, input: I) {
  return prepareStep(settings, step, input, 'research-1');
}

/** The request the provider is sent for this input. */
function sent<I extends ModelChoice, O, R extends StepRequest>(
  step: ResearchStep<I, O, R>,
  input: I,
): BackgroundRequest {
  const ready = prepared(step, input);
  if (!('request' in ready)) throw new Error(`not sent: ${JSON.stringify(ready)}`);
  return ready.request;
}

function answer(over: Partial<BackgroundResult> = {}): BackgroundResult {
  return {
    responseId: 'resp_1',
    status: 'completed',
    outputText: '',
    citations: [],
    webSearches: [],
    functionCalls: [],
    usage: emptyUsage,
    timings: { createdAtMs: 0, finishedAtMs: 0, polls: 1, resumed: false },
    ...over,
  };
}

const outcome: StepOutcome = {
  responseId: 'resp_1',
  model: 'gpt-5.2',
  usage: emptyUsage,
  costUsd: 0,
  priced: true,
};

/** What the step makes of this answer to its request for this input. */
function interpret<I extends ModelChoice, O, R extends StepRequest>(
  step: ResearchStep<I, O, R>,
  input: I,
  reply: Partial<BackgroundResult>,
): O {
  const ready = prepared(step, input);
  if (!('request' in ready)) throw new Error(`not sent: ${JSON.stringify(ready)}`);
  return step.interpret({ answer: answer(reply), step: outcome, request: ready.asked }, input, ready.context);
}

const question = 'How do Raft and Paxos differ in leader election?';
const search: SearchInput = {
  overallQuestion: question,
  question: 'How does Raft elect a leader?',
  queries: ['raft leader election'],
  round: 0,
};

describe('what each step asks the provider for', () => {
  test('the plan: the planner model, its prompt, the plan schema, high effort, the run in the metadata', () => {
    const prompt = planPrompt(question, 3);
    expect(sent(planStep, { question, maxQuestions: 3 })).toEqual({
      step: 'plan',
      instructions: prompt.instructions,
      input: prompt.input,
      outputSchema: PLAN_FORMAT,
      model: 'gpt-5.2',
      modelSetting: 'DEEP_RESEARCH_PLANNER_MODEL on the worker (or models.planner in the research input)',
      metadata: { temporal_workflow_id: 'research-1', research_role: 'planner' },
      reasoningEffort: 'high',
    });
  });

  test('a plan repair continues the previous response with the problem', () => {
    const request = sent(planStep, {
      question,
      maxQuestions: 3,
      model: 'gpt-5.4',
      repair: { responseId: 'resp_0', problem: 'questions is required (array)' },
    });
    expect(request).toMatchObject({
      step: 'plan (repair)',
      previousResponseId: 'resp_0',
      model: 'gpt-5.4',
      modelSetting: 'models.planner in the research input',
    });
    expect(request.input).toBe(
      'Your plan could not be used: questions is required (array)\n' +
        'Answer again with a plan that follows the JSON schema exactly, with 1 to 3 questions.',
    );
  });

  test('a search: web search with the run options, private tools not strict, medium effort', () => {
    const request = sent(searchStep, {
      ...search,
      searchContextSize: 'high',
      allowedDomains: ['raft.github.io'],
      functionTools: [
        {
          name: 'docs_example__search',
          source: 'docs:example',
          description: 'Search the docs',
          parameters: { type: 'object', properties: { query: { type: 'string' } } },
        },
      ],
    });
    expect(request).toMatchObject({
      step: 'search: raft leader election',
      model: 'gpt-5.4-mini',
      reasoningEffort: 'medium',
      tools: [
        { type: 'web_search', searchContextSize: 'high', allowedDomains: ['raft.github.io'] },
        {
          type: 'function',
          name: 'docs_example__search',
          description: 'Search the docs',
          parameters: { type: 'object', properties: { query: { type: 'string' } } },
          strict: false,
        },
      ],
    });
    expect(request.instructions).toContain('the tools of our private sources (docs:example)');
    expect(request).not.toHaveProperty('outputSchema');
  });

  test('a search continued after function calls sends their outputs to the previous response', () => {
    const request = sent(searchStep, {
      ...search,
      web: false,
      continuation: { previousResponseId: 'resp_0', outputs: [{ callId: 'call_1', output: '{"rows":[]}' }] },
    });
    expect(request).toMatchObject({
      step: 'tool answer',
      previousResponseId: 'resp_0',
      input: [{ type: 'function_call_output', callId: 'call_1', output: '{"rows":[]}' }],
    });
    expect(request).not.toHaveProperty('tools');
  });

  test('the follow-up: the gaps schema at low effort', () => {
    const request = sent(gapsStep, {
      overallQuestion: question,
      question: search.question,
      summary: 'Raft elects a leader with randomized timeouts.',
      keyFacts: [{ text: 'Terms are numbered.', urls: [] }],
      roundsLeft: 1,
    });
    expect(request).toMatchObject({ step: 'follow-up', reasoningEffort: 'low', outputSchema: GAPS_FORMAT });
    expect(request.input).toContain('Facts with sources:\n- Terms are numbered.');
    expect(request.instructions).toContain('There is 1 search round left');
  });
});

describe('model and effort, settled once for every step', () => {
  test("the step's preferred effort moves to what the model takes, and none for a non-reasoning model", () => {
    expect(sent(searchStep, { ...search, model: 'gpt-5-pro' }).reasoningEffort).toBe('high');
    expect(sent(searchStep, { ...search, model: 'gpt-4.1' })).not.toHaveProperty('reasoningEffort');
    expect(sent(searchStep, { ...search, model: 'brand-new-model' }).reasoningEffort).toBe('medium');
  });

  test("the run's effort wins when the model takes it", () => {
    expect(sent(planStep, { question, maxQuestions: 2, reasoningEffort: 'low' }).reasoningEffort).toBe('low');
  });

  test('an impossible effort is named as reasoningEffort, an unusable model by the setting that chose it', () => {
    expect(prepared(planStep, { question, maxQuestions: 2, reasoningEffort: 'minimal' })).toEqual({
      invalid: [
        'reasoningEffort: "minimal" is not supported with model "gpt-5.2"; supported values are: "none", "low", "medium", "high", "xhigh"',
      ],
    });
    expect(prepared(searchStep, { ...search, model: 'gpt-5', reasoningEffort: 'minimal' })).toEqual({
      invalid: ['reasoningEffort: model "gpt-5" cannot use web_search with reasoning effort "minimal"'],
    });
    const retired = prepared(gapsStep, {
      overallQuestion: question,
      question: search.question,
      summary: 'x',
      keyFacts: [],
      roundsLeft: 1,
      model: 'o4-mini-deep-research',
    });
    expect(retired).toEqual({
      invalid: [
        expect.stringMatching(
          /^models\.researcher in the research input: model "o4-mini-deep-research" was shut down/,
        ),
      ],
    });
  });

  test('the plan checks every role of the run before its first paid step', () => {
    const run = { sources: ['web'], depth: 1, models: { writer: 'gpt-4.1' } };
    expect(prepared(planStep, { question, maxQuestions: 2, reasoningEffort: 'minimal', run })).toEqual({
      invalid: [
        expect.stringMatching(
          /^reasoningEffort: "minimal" is not supported with model "gpt-5\.2".*DEEP_RESEARCH_PLANNER_MODEL/,
        ),
        expect.stringMatching(
          /^reasoningEffort: "minimal" is not supported with model "gpt-5\.4-mini".*RESEARCHER/,
        ),
        'reasoningEffort: model "gpt-4.1" does not accept a reasoning effort (it is not a reasoning model); leave reasoningEffort unset (models.writer)',
      ],
    });
    expect(prepared(planStep, { question, maxQuestions: 2, run })).toHaveProperty('request');
  });
});

describe('budget allowances become request limits', () => {
  test("a budgeted search gets the limits that fit its allowance, the tighter of them and the run's own", () => {
    const allowance = { usd: 0.02, priorTokens: 300 };
    const request = sent(searchStep, { ...search, allowance, maxOutputTokens: 700 });
    const prompt = { instructions: request.instructions!, input: request.input, tools: request.tools! };
    const limits = limitsFor(
      DEFAULT_PRICES,
      'gpt-5.4-mini',
      'search',
      estimateTokens(promptChars(prompt)) + 300,
      allowance,
    )!;
    expect(limits.maxOutputTokens).toBeGreaterThan(700);
    expect(request.maxOutputTokens).toBe(700);
    expect(request.maxToolCalls).toBe(Math.max(1, limits.maxToolCalls));
  });

  test('tool calls are limited only in a step that searches the web', () => {
    const request = sent(gapsStep, {
      overallQuestion: question,
      question: search.question,
      summary: 'x',
      keyFacts: [],
      roundsLeft: 1,
      allowance: { usd: 1 },
      maxToolCalls: 2,
    });
    expect(request.maxOutputTokens).toBeGreaterThan(0);
    expect(request).not.toHaveProperty('maxToolCalls');
  });

  test('an allowance that cannot pay the smallest useful request is refused with the step label', () => {
    expect(prepared(searchStep, { ...search, allowance: { usd: 0.0000001 } })).toEqual({
      overBudget: { label: 'search: raft leader election', allowance: { usd: 0.0000001 } },
    });
  });
});

describe('what each step makes of the answer', () => {
  test('a plan is cut to the questions asked for, without duplicates', () => {
    const q = (question: string) => ({ question, rationale: 'r', searchHints: [] });
    const out = interpret(
      planStep,
      { question, maxQuestions: 2 },
      {
        parsed: {
          questions: [q('What is Raft?'), q(' what is raft? '), q('What is Paxos?'), q('What is Zab?')],
        },
      },
    );
    expect(out).toEqual({ plan: { questions: [q('What is Raft?'), q('What is Paxos?')] }, step: outcome });
  });

  test("a plan that breaks its schema comes back invalid, worded for the planner's repair", () => {
    expect(
      interpret(planStep, { question, maxQuestions: 2 }, { parsed: { questions: 3, note: 'x' } }),
    ).toEqual({
      invalid: 'questions must be an array (got number); unknown field note: remove it',
      step: outcome,
    });
    expect(
      interpret(
        planStep,
        { question, maxQuestions: 2 },
        { status: 'incomplete', incompleteReason: 'max_output_tokens' },
      ),
    ).toEqual({ invalid: 'the answer was cut off (max_output_tokens)', step: outcome });
  });

  test('a follow-up analysis is parsed with its schema', () => {
    const input = { overallQuestion: question, question: 'q', summary: 's', keyFacts: [], roundsLeft: 1 };
    const analysis = { done: false, missing: ['dates'], followUpQueries: ['raft paper date'] };
    expect(interpret(gapsStep, input, { parsed: analysis })).toEqual({ analysis, step: outcome });
    expect(interpret(gapsStep, input, { parseError: 'not JSON' })).toEqual({
      invalid: 'not JSON',
      step: outcome,
    });
  });

  test('a search answer becomes a bounded finding, with each function call summarised for the Web UI', () => {
    const out = interpret(
      searchStep,
      {
        ...search,
        functionTools: [
          { name: 'db__query', source: 'db:x', description: 'SQL', parameters: {}, summaryArgument: 'sql' },
        ],
      },
      {
        status: 'incomplete',
        incompleteReason: 'max_output_tokens',
        functionCalls: [{ callId: 'call_1', name: 'db__query', arguments: '{"limit":3,"sql":"select 1"}' }],
      },
    );
    expect(out).toEqual({
      summary: '',
      keyFacts: [],
      sources: [],
      incomplete: 'max_output_tokens',
      functionCalls: [
        {
          callId: 'call_1',
          name: 'db__query',
          arguments: '{"limit":3,"sql":"select 1"}',
          summary: 'tool: db__query select 1',
        },
      ],
      step: outcome,
    });
  });

  const finding = (n: number, over: Partial<Finding> = {}): Finding => ({
    n,
    question: `Question ${n}?`,
    status: 'completed',
    summary: `Summary ${n}.`,
    keyFacts: [{ text: `Fact ${n}.`, urls: [`https://e${n}.example`] }],
    sources: [{ url: `https://e${n}.example`, title: `E${n}` }],
    rounds: 1,
    usage: emptyUsage,
    costUsd: 0,
    ...over,
  });

  test('a report is written from numbered sources; an empty answer still yields the findings, cited', () => {
    const input: ReportInput = {
      question,
      findings: [finding(1), finding(2, { status: 'failed', summary: '' })],
    };
    expect(sent(reportStep, input)).toMatchObject({ step: 'synthesize', reasoningEffort: 'high' });
    expect(sent(reportStep, input).input).toContain('[1] E1 — https://e1.example');
    expect(sent(reportStep, input).input).not.toContain('Question 2?');
    const out = interpret(reportStep, input, { outputText: ' ' });
    expect(out.markdown).toContain(
      '_The writer model returned no report; these are the findings as researched._',
    );
    expect(out.markdown).toContain('Fact 1. [1]');
    expect(out.markdown).toContain('Question 2?');
    expect(out).toMatchObject({
      sources: [{ n: 1, url: 'https://e1.example' }],
      simulated: true,
      step: outcome,
    });
  });

  test('a report answers without a writer when nothing was found or the budget cannot pay one', () => {
    expect(prepared(reportStep, { question, findings: [] })).toMatchObject({
      answered: {
        markdown: expect.stringContaining('No research question was completed'),
        invalidCitationsRemoved: 0,
      },
    });
    const broke = prepared(reportStep, { question, findings: [finding(1)], allowance: { usd: 0.00001 } });
    expect(broke).toMatchObject({
      answered: { markdown: expect.stringContaining('The budget left could not pay for a written report') },
    });
    expect(broke).not.toHaveProperty('answered.step');
  });
});

test('the steps stay pure: no Temporal, no Node built-ins, no activities', () => {
  const dir = path.join(__dirname, '..', 'src', 'steps');
  for (const file of readdirSync(dir)) {
    const imports = [...readFileSync(path.join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map(
      (m) => m[1],
    );
    expect({
      file,
      impure: imports.filter((i) => /^(@temporalio\/|node:|openai$)|activities/.test(i!)),
    }).toEqual({
      file,
      impure: [],
    });
  }
});
