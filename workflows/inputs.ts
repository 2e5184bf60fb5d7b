import type { Allowance, BudgetEstimates, StepAllowance } from '../src/budget';
import type { BackgroundResponsePolicy } from '../src/policies';
import type {
  EstimateBudgetInput,
  GapsInput,
  PlanInput,
  PrepareSourcesOutput,
  ReportInput,
  ResearchQuestionInput,
  SearchInput,
} from '../src/schemas/boundary';
import type {
  Finding,
  PlannedQuestion,
  ResearchRole,
  ResearchSettings,
  StoppedBy,
} from '../src/schemas/research';
import type { FindingParts } from './question-state';

/**
 * Every input a workflow hands on (to a step activity or a child), derived from the run's settings in
 * one place. The shapes are recorded in histories (src/schemas/boundary.ts); the fields are built in the
 * order they always were, so new histories read like old ones.
 */

/** A role's model and the run's effort, when the run chose them (the worker's defaults otherwise). */
function modelChoice(
  settings: Pick<ResearchSettings, 'models' | 'reasoningEffort'>,
  role: ResearchRole,
): Pick<PlanInput, 'model' | 'reasoningEffort'> {
  return {
    ...(settings.models?.[role] ? { model: settings.models[role] } : {}),
    ...(settings.reasoningEffort ? { reasoningEffort: settings.reasoningEffort } : {}),
  };
}

// ---- the run (deepResearch) ----

export function estimateBudgetInput(settings: ResearchSettings): EstimateBudgetInput {
  return {
    question: settings.question,
    maxQuestions: settings.maxQuestions,
    depth: settings.depth,
    ...(settings.models ? { models: settings.models } : {}),
  };
}

/** A plan, or a repair of the last one (`repair`); `allowance` in runs that reserve. */
export function planInput(
  settings: ResearchSettings,
  repair: { responseId: string; problem: string } | undefined,
  allowance: StepAllowance | undefined,
): PlanInput {
  return {
    question: settings.question,
    maxQuestions: settings.maxQuestions,
    ...modelChoice(settings, 'planner'),
    // Every role's model and effort checked against what the models accept, before the first paid step.
    run: {
      ...(settings.models ? { models: settings.models } : {}),
      sources: settings.sources,
      depth: settings.depth,
      mode: settings.mode,
    },
    ...(repair ? { repair: { responseId: repair.responseId, problem: repair.problem } } : {}),
    ...(allowance ? { allowance } : {}),
  };
}

/** What the child researching one question gets: the run's settings for it, and its slice of the budget. */
export function childInput(
  settings: ResearchSettings,
  question: { n: number; planned: PlannedQuestion },
  run: {
    workflowId: string;
    policy: Partial<BackgroundResponsePolicy> | undefined;
    sources: PrepareSourcesOutput | undefined;
    slice: Allowance | undefined;
    estimates: BudgetEstimates | undefined;
  },
): ResearchQuestionInput {
  return {
    n: question.n,
    overallQuestion: settings.question,
    planned: question.planned,
    depth: settings.depth,
    ...(settings.models ? { models: settings.models } : {}),
    ...(settings.reasoningEffort ? { reasoningEffort: settings.reasoningEffort } : {}),
    ...(settings.searchContextSize ? { searchContextSize: settings.searchContextSize } : {}),
    ...(settings.allowedDomains ? { allowedDomains: settings.allowedDomains } : {}),
    reportTo: run.workflowId,
    ...(run.policy ? { policy: run.policy } : {}),
    ...(run.sources ? { web: run.sources.web, functionTools: run.sources.tools, mode: settings.mode } : {}),
    ...(run.slice && run.estimates
      ? { allowance: run.slice, roundMin: run.estimates.roundMin, searchMin: run.estimates.questionMin }
      : {}),
  };
}

export function reportInput(
  settings: ResearchSettings,
  findings: Finding[],
  stoppedBy: StoppedBy | undefined,
  budget: { allowance: Allowance; findingChars: number } | undefined,
): ReportInput {
  return {
    question: settings.question,
    findings,
    ...modelChoice(settings, 'writer'),
    ...(stoppedBy ? { stoppedBy } : {}),
    ...(budget ? { allowance: budget.allowance, findingChars: budget.findingChars } : {}),
  };
}

// ---- one question (researchQuestion) ----

/** The private sources' tools the child may call. */
export function privateTools(input: ResearchQuestionInput) {
  return input.functionTools ?? [];
}

/** What every search of the question sends, whichever round. */
function searchSettings(input: ResearchQuestionInput) {
  const tools = privateTools(input);
  return {
    overallQuestion: input.overallQuestion,
    question: input.planned.question,
    ...(input.searchContextSize ? { searchContextSize: input.searchContextSize } : {}),
    ...(input.allowedDomains ? { allowedDomains: input.allowedDomains } : {}),
    ...(input.web === false ? { web: false } : {}),
    // In hybrid mode the web comes first on its own; the private tools get a round of their own.
    ...(tools.length && input.mode !== 'hybrid' ? { functionTools: tools } : {}),
    ...modelChoice(input, 'researcher'),
  };
}

/** The first search: the planned question and its hints, at most three queries. */
export function firstSearchInput(input: ResearchQuestionInput): SearchInput {
  const queries = [input.planned.question, ...input.planned.searchHints].slice(0, 3);
  return { ...searchSettings(input), queries, round: 0 };
}

export function followUpSearchInput(
  input: ResearchQuestionInput,
  queries: string[],
  round: number,
  finding: FindingParts,
): SearchInput {
  return { ...searchSettings(input), queries, round, knownSoFar: finding.summary };
}

/** Hybrid mode's last round: the finding checked against the private sources, without the web. */
export function privateAnalysisInput(
  input: ResearchQuestionInput,
  round: number,
  finding: FindingParts,
): SearchInput {
  return {
    ...searchSettings(input),
    web: false,
    functionTools: privateTools(input),
    purpose: 'private-analysis',
    queries: [input.planned.question],
    round,
    knownSoFar: finding.summary,
  };
}

/** The search continued after its function calls: their outputs, answered on the same response. */
export function toolAnswerInput(
  request: SearchInput,
  allowance: { allowance?: StepAllowance },
  previousResponseId: string,
  calls: Array<{ callId: string }>,
  results: Array<{ output: string }>,
): SearchInput {
  return {
    ...request,
    ...allowance,
    continuation: {
      previousResponseId,
      outputs: calls.map((call, i) => ({ callId: call.callId, output: results[i]!.output })),
    },
  };
}

export function gapsInput(
  input: ResearchQuestionInput,
  allowance: { allowance?: StepAllowance },
  finding: FindingParts,
  round: number,
): GapsInput {
  return {
    ...allowance,
    overallQuestion: input.overallQuestion,
    question: input.planned.question,
    summary: finding.summary,
    keyFacts: finding.keyFacts,
    roundsLeft: input.depth - round + 1,
    ...modelChoice(input, 'researcher'),
  };
}
