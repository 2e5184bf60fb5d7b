import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { runResearchStep, type ResearchDeps } from '../activities/steps';
import { ConfigError, loadWorkerSettings } from '../src/config';
import {
  capabilitiesOf,
  DEFAULT_MODEL_CAPABILITIES,
  effortFor,
  effortProblem,
  toolsProblem,
} from '../src/openai/models';
import { OpenAIGateway } from '../src/openai/gateway';
import { DEFAULT_PRICES } from '../src/pricing';
import type { ResearchInput } from '../src/schemas/research';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { gapsStep } from '../src/steps/gaps';
import { planStep } from '../src/steps/plan';
import { reportStep } from '../src/steps/report';
import { searchStep } from '../src/steps/search';
import { runModelProblems } from '../src/steps/settle';
import type { ModelChoice, ResearchStep, StepRequest } from '../src/steps/step';
import { SourceRegistry } from '../src/tools/registry';
import { useResearchWorker } from './helpers/temporal';
import { deepResearch } from '../workflows';

/**
 * Model capabilities (src/openai/models.ts): an impossible model / effort / tools combination is
 * InvalidResearchInput naming the field before anything is spent, and the per-step default efforts
 * never make an impossible request.
 */

const caps = (model: string) => capabilitiesOf(DEFAULT_MODEL_CAPABILITIES, model);

describe('the table', () => {
  test.each([
    ['gpt-5.2', 'minimal', [], /"minimal" is not supported with model "gpt-5.2"/],
    ['gpt-5.5-pro', 'low', [], /"low" is not supported with model "gpt-5.5-pro"/],
    ['gpt-5-pro', 'medium', [], /supported values are: "high"/],
    ['gpt-4.1', 'low', [], /does not accept a reasoning effort/],
    ['gpt-4o-2024-08-06', 'high', [], /does not accept a reasoning effort/],
    ['gpt-5', 'minimal', ['web_search'], /cannot use web_search with reasoning effort "minimal"/],
    ['gpt-5-mini-2025-08-07', 'minimal', ['web_search'], /gpt-5-mini-2025-08-07/],
  ] as const)('%s refuses %s with tools %j', (model, effort, tools, message) => {
    expect(effortProblem(model, caps(model), effort, [...tools])).toMatch(message);
  });

  test.each([
    ['gpt-5.2', 'none', ['web_search']],
    ['gpt-5.4', 'xhigh', ['web_search', 'function']],
    ['gpt-5.1', 'none', []],
    ['gpt-5.1', 'minimal', ['web_search']],
    ['gpt-5.6-sol', 'xhigh', ['web_search']],
    ['o1', 'high', []],
    ['gpt-5', 'minimal', []],
    ['gpt-5-pro-2025-10-06', 'high', []],
  ] as const)('%s takes %s with tools %j', (model, effort, tools) => {
    expect(effortProblem(model, caps(model), effort, [...tools])).toBeUndefined();
  });

  test('a model it does not know is left to the provider; a typo is not a snapshot', () => {
    expect(caps('gpt-5.4-pro')).toBeUndefined();
    expect(caps('gpt-5.2-proo')).toBeUndefined();
    expect(effortProblem('x', undefined, 'max', ['web_search'])).toBeUndefined();
  });

  test('deep-research models are refused with every tool the project sends: retired, and they need web_search_preview, mcp or file_search', () => {
    for (const model of ['o3-deep-research', 'o4-mini-deep-research-2025-06-26']) {
      for (const tools of [[], ['function'], ['web_search'], ['web_search', 'function']] as const) {
        const problem = toolsProblem(model, caps(model), [...tools]);
        expect(problem).toContain(`model "${model}" was shut down by OpenAI on 2026-07-23`);
        expect(problem).toMatch(
          /needs one of the tools web_search_preview, mcp, file_search, which this project never sends/,
        );
      }
    }
    // The recorded requirement itself: a tool it accepts satisfies it (only the retirement remains).
    expect(toolsProblem('o3-deep-research', caps('o3-deep-research'), ['web_search_preview'])).not.toMatch(
      /needs one of/,
    );
    expect(toolsProblem('gpt-5.4', caps('gpt-5.4'), [])).toBeUndefined();
  });

  test('default efforts move to the nearest one the model takes (ties go up), none for non-reasoning models', () => {
    expect(effortFor(caps('gpt-5-pro'), 'medium', [])).toBe('high');
    expect(effortFor(caps('gpt-5.5-pro'), 'low', [])).toBe('medium');
    expect(effortFor(caps('gpt-5.2'), 'low', [])).toBe('low');
    expect(effortFor(caps('gpt-5'), 'minimal', ['web_search'])).toBe('low');
    expect(effortFor(caps('gpt-4.1'), 'high', ['web_search'])).toBeUndefined();
    expect(effortFor(undefined, 'high', [])).toBe('high');
    // No step default can be refused by any model in the table.
    for (const [model, capability] of Object.entries(DEFAULT_MODEL_CAPABILITIES)) {
      for (const preferred of ['high', 'medium', 'low'] as const) {
        for (const tools of [[], ['web_search'], ['web_search', 'function']] as const) {
          const effort = effortFor(capability, preferred, [...tools]);
          if (effort)
            expect([model, effortProblem(model, capability, effort, [...tools])]).toEqual([model, undefined]);
          else expect(capability.efforts).toEqual([]);
        }
      }
    }
  });
});

describe('a run checked before its first paid step', () => {
  const models = { planner: 'gpt-5.4', researcher: 'gpt-5.4-mini', writer: 'gpt-5.4' };
  const deps = { models, modelCapabilities: DEFAULT_MODEL_CAPABILITIES };
  const run = { sources: ['web'], depth: 1, mode: 'standard' as const };

  test('problems name the field to change', () => {
    expect(runModelProblems(deps, run, undefined)).toEqual([]);
    const minimal = runModelProblems(deps, { ...run, models: { researcher: 'gpt-5.2' } }, 'minimal');
    expect(minimal).toHaveLength(3);
    expect(minimal.every((p) => p.startsWith('reasoningEffort: "minimal" is not supported'))).toBe(true);
    expect(minimal.join('\n')).toMatch(/model "gpt-5\.2"[\s\S]*models\.researcher/);

    expect(runModelProblems(deps, { ...run, models: { planner: 'gpt-5.5-pro' } }, 'low')[0]).toMatch(
      /^reasoningEffort: "low" is not supported with model "gpt-5\.5-pro".*models\.planner/,
    );
    expect(runModelProblems(deps, { ...run, models: { writer: 'gpt-4.1' } }, 'high')).toEqual([
      expect.stringMatching(
        /^reasoningEffort: model "gpt-4\.1" does not accept a reasoning effort.*models\.writer/,
      ),
    ]);
    // Without an effort, a non-reasoning model is fine: the step simply sends none.
    expect(runModelProblems(deps, { ...run, models: { writer: 'gpt-4.1' } }, undefined)).toEqual([]);
  });

  test('a deep-research model in any role is refused before anything is spent, saying it was shut down and why its tools cannot work', () => {
    for (const role of ['planner', 'researcher', 'writer'] as const) {
      for (const sources of [['web'], ['docs:example'], ['web', 'docs:example']]) {
        for (const depth of [0, 1]) {
          const problems = runModelProblems(
            deps,
            { sources, depth, mode: 'standard', models: { [role]: 'o3-deep-research' } },
            undefined,
          );
          expect(problems).toEqual([
            expect.stringMatching(
              new RegExp(
                `^models\\.${role}: model "o3-deep-research" was shut down by OpenAI on 2026-07-23.*web_search_preview, mcp, file_search, which this project never sends`,
              ),
            ),
          ]);
        }
      }
    }
    expect(
      runModelProblems({ ...deps, models: { ...models, planner: 'o4-mini-deep-research' } }, run, undefined),
    ).toEqual([expect.stringMatching(/^DEEP_RESEARCH_PLANNER_MODEL \(or models\.planner\): .*shut down/)]);
  });
});

describe('the steps against the simulator', () => {
  let sim: RunningSimulator;
  let deps: ResearchDeps;
  beforeAll(async () => {
    sim = await startSimulator({ latencyMs: 20, jitter: 0 });
    deps = {
      gateway: new OpenAIGateway(
        new OpenAI({ apiKey: 'sim-key', baseURL: sim.baseURL, maxRetries: 0, timeout: 5_000 }),
      ),
      poll: { initialMs: 10, maxMs: 40, factor: 1.5, queuedDeadlineMs: 10_000 },
      models: { planner: 'gpt-5.2', researcher: 'gpt-5.2', writer: 'gpt-5.2' },
      prices: DEFAULT_PRICES,
      simulated: true,
      sources: new SourceRegistry({ dir: process.cwd(), sources: {} }),
    };
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.reset();
    sim.configure({ models: ['gpt-5.4', 'gpt-5.2', 'gpt-5-pro', 'gpt-4.1', 'gpt-5', 'o3-deep-research'] });
  });

  const env = () => new MockActivityEnvironment({ workflowExecution: { workflowId: 'w', runId: 'r' } });
  /** Runs one research step through the activities' driver, in an activity context. */
  const step = <I extends ModelChoice, O, R extends StepRequest>(
    s: ResearchStep<I, O, R>,
    d: ResearchDeps,
    input: I,
  ): Promise<O> => env().run(() => runResearchStep(d, s, input));
  const effortSent = (responseId: string) =>
    ((sim.requestBody(responseId) as { reasoning?: { effort?: string } }).reasoning ?? {}).effort;

  test('an impossible effort fails the plan as InvalidResearchInput naming reasoningEffort, and nothing is created', async () => {
    const error = await step(planStep, deps, {
      question: 'How do Raft and Paxos differ?',
      maxQuestions: 2,
      reasoningEffort: 'minimal',
      run: { sources: ['web'], depth: 1, mode: 'standard' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('InvalidResearchInput');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toMatch(
      /reasoningEffort: "minimal" is not supported with model "gpt-5\.2"/,
    );
    expect(sim.stats().created).toBe(0);
  });

  test('any step refuses an impossible effort before creating, even without the run check', async () => {
    const error = await step(
      searchStep,
      { ...deps, models: { ...deps.models, researcher: 'gpt-5' } },
      {
        overallQuestion: 'x',
        question: 'What is Raft?',
        queries: ['raft consensus'],
        round: 0,
        reasoningEffort: 'minimal',
      },
    ).catch((e: unknown) => e);
    expect((error as ApplicationFailure).type).toBe('InvalidResearchInput');
    expect((error as ApplicationFailure).message).toMatch(/web_search with reasoning effort "minimal"/);
    expect(sim.stats().created).toBe(0);
  });

  test('default efforts are clamped per model: gpt-5-pro gets high, gpt-4.1 no reasoning, gpt-5.2 the step default', async () => {
    const pro = await step(
      searchStep,
      { ...deps, models: { ...deps.models, researcher: 'gpt-5-pro' } },
      {
        overallQuestion: 'x',
        question: 'What is Raft?',
        queries: ['raft consensus'],
        round: 0,
      },
    );
    expect(effortSent(pro.step.responseId)).toBe('high');
    const plain = await step(
      gapsStep,
      { ...deps, models: { ...deps.models, researcher: 'gpt-4.1' } },
      {
        overallQuestion: 'x',
        question: 'What is Raft?',
        summary: 'Raft is a consensus algorithm.',
        keyFacts: [],
        roundsLeft: 1,
      },
    );
    expect(sim.requestBody(plain.step.responseId)).not.toHaveProperty('reasoning');
    const report = await step(reportStep, deps, {
      question: 'What is Raft?',
      findings: [
        {
          n: 1,
          question: 'What is Raft?',
          status: 'completed' as const,
          summary: 'Raft is a consensus algorithm.',
          keyFacts: [{ text: 'Raft elects a leader.', urls: ['https://raft.github.io'] }],
          sources: [{ url: 'https://raft.github.io', title: 'Raft' }],
          rounds: 1,
          usage: { inputTokens: 0, cachedTokens: 0, outputTokens: 0, reasoningTokens: 0, webSearchCalls: 0 },
          costUsd: 0,
        },
      ],
    });
    expect(effortSent(report.step!.responseId)).toBe('high');
  });
});

describe('a research run through Temporal', () => {
  const ctx = useResearchWorker({ latencyMs: 30, jitter: 0 });

  test.each<[Partial<ResearchInput>, RegExp]>([
    [{ reasoningEffort: 'minimal' }, /reasoningEffort: "minimal" is not supported with model "gpt-5\.2"/],
    [
      { models: { researcher: 'gpt-4.1' }, reasoningEffort: 'high' },
      /reasoningEffort: model "gpt-4\.1" does not accept.*models\.researcher/,
    ],
    [
      { models: { researcher: 'o3-deep-research' }, depth: 0 },
      /models\.researcher: model "o3-deep-research" was shut down by OpenAI on 2026-07-23.*web_search_preview, mcp, file_search/,
    ],
  ])('%j fails at once as InvalidResearchInput, with nothing created', async (extra, message) => {
    ctx.sim.reset();
    const error = await ctx.client.workflow
      .execute(deepResearch, {
        taskQueue: ctx.taskQueue,
        workflowId: `capabilities-${randomUUID()}`,
        args: [{ question: 'How do Raft and Paxos differ in leader election?', maxQuestions: 2, ...extra }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    let cause: unknown = (error as WorkflowFailedError).cause;
    while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
    expect((cause as ApplicationFailure).type).toBe('InvalidResearchInput');
    expect((cause as ApplicationFailure).message).toMatch(message);
    expect(ctx.sim.stats().created).toBe(0);
  });
});

describe('the default models', () => {
  const defaults = loadWorkerSettings({ OPENAI_API_KEY: 'k' }).models;

  test('are current models, not ones shut down or about to be (gpt-5 / o3 family 2026-12-11, deep research 2026-07-23)', () => {
    expect(defaults).toEqual({ planner: 'gpt-5.5', researcher: 'gpt-5.4', writer: 'gpt-5.5' });
    for (const model of Object.values(defaults)) {
      expect(model).not.toMatch(/^(gpt-5(-mini|-nano|-pro)?|o3.*|o4-mini.*)$/);
      expect(model).not.toMatch(/deep-research/);
    }
  });

  test('are priced and in the capability table, and every step default effort is one they take', () => {
    expect(
      runModelProblems({ models: defaults }, { sources: ['web', 'docs:example'], depth: 3 }, undefined),
    ).toEqual([]);
    for (const model of Object.values(defaults)) {
      expect(DEFAULT_PRICES.models[model]).toBeDefined();
      const capability = caps(model)!;
      expect(capability).toBeDefined();
      for (const preferred of ['high', 'medium', 'low'] as const)
        expect(effortFor(capability, preferred, ['web_search'])).toBe(preferred);
    }
  });
});

describe('DEEP_RESEARCH_MODELS_FILE', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'models-file-'));
  const env = (file: string) => ({ OPENAI_API_KEY: 'k', DEEP_RESEARCH_MODELS_FILE: file });

  test('entries are laid over the built-in table', () => {
    const file = path.join(dir, 'ok.json');
    writeFileSync(
      file,
      JSON.stringify({
        models: { 'gpt-5.6-sol': { efforts: ['low', 'high'] }, 'gpt-5.2': { efforts: ['minimal', 'high'] } },
      }),
    );
    const table = loadWorkerSettings(env(file)).modelCapabilities!;
    expect(table['gpt-5.6-sol']).toEqual({ efforts: ['low', 'high'] });
    expect(effortProblem('gpt-5.2', table['gpt-5.2'], 'minimal', [])).toBeUndefined();
    expect(table['gpt-5.4']).toEqual(DEFAULT_MODEL_CAPABILITIES['gpt-5.4']);
  });

  test('a bad file stops the worker naming the variable and the field', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ models: { 'gpt-5.2': { efforts: ['turbo'] } } }));
    expect(() => loadWorkerSettings(env(file))).toThrow(ConfigError);
    expect(() => loadWorkerSettings(env(file))).toThrow(
      /DEEP_RESEARCH_MODELS_FILE[\s\S]*models\.gpt-5\.2\.efforts\.0/,
    );
    writeFileSync(file, '{not json');
    expect(() => loadWorkerSettings(env(file))).toThrow(/DEEP_RESEARCH_MODELS_FILE: cannot read/);
  });
});
