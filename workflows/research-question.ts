import {
  ActivityFailure,
  ApplicationFailure,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SearchInput, SearchOutput } from '../activities/research';
import { mergeFinding } from '../src/findings';
import { fits, type Allowance } from '../src/budget';
import { FailureType, toolActivityOptions, type BackgroundResponsePolicy } from '../src/policies';
import type { ReasoningEffort } from '../src/schemas/background-response';
import { emptyUsage, addUsage } from '../src/schemas/background-response';
import type {
  Finding,
  PlannedQuestion,
  QuestionStatus,
  ResearchSettings,
  StepOutcome,
  StoppedBy,
} from '../src/schemas/research';
import type { FunctionToolDefinition } from '../src/tools/registry';
import { researchActivities } from './activities';
import { questionUpdateSignal, stopResearchSignal } from './messages';

/** Rounds of function calls one search step may make before it must answer. */
export const MAX_TOOL_ROUNDS = 4;

export interface ResearchQuestionInput {
  n: number;
  overallQuestion: string;
  planned: PlannedQuestion;
  depth: number;
  models?: ResearchSettings['models'];
  reasoningEffort?: ReasoningEffort;
  searchContextSize?: ResearchSettings['searchContextSize'];
  allowedDomains?: string[];
  /** The parent's workflow id: progress and cost go there after every step. */
  reportTo?: string;
  policy?: Partial<BackgroundResponsePolicy>;
  /** Hosted web search on (default) or off. */
  web?: boolean;
  /** Tools of the private sources this run may use. */
  functionTools?: FunctionToolDefinition[];
  /** hybrid: research on the web, then one round that checks the finding against the private sources. */
  mode?: ResearchSettings['mode'];
  /**
   * Budgeted runs: the slice of the budget this question may spend (the parent holds it for us), and the
   * least a follow-up round and a search need. A step is started only if its least fits what is left.
   */
  allowance?: Allowance;
  roundMin?: { usd: number; tokens: number };
  searchMin?: { usd: number; tokens: number };
}

/** The activity refused a step because its allowance cannot pay for it (nothing was created). */
function isBudgetExhausted(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === FailureType.budgetExhausted
  );
}

type FindingParts = Pick<Finding, 'summary' | 'keyFacts' | 'sources'>;

/**
 * One planned question: a search (web, private tools, or both), then up to `depth` follow-up rounds that
 * ask what is still missing and search for it. Function calls the model makes are each run as their own
 * activity and answered, a bounded number of rounds. Returns a compact finding. Stops before its next
 * step when the parent says so.
 */
export async function researchQuestion(input: ResearchQuestionInput): Promise<Finding> {
  let stoppedBy: StoppedBy | undefined;
  setHandler(stopResearchSignal, ({ reason }) => {
    stoppedBy ??= reason;
  });
  const parent = input.reportTo ? getExternalWorkflowHandle(input.reportTo) : undefined;
  const choice = {
    ...(input.reasoningEffort ? { reasoningEffort: input.reasoningEffort } : {}),
  };
  const researcherModel = input.models?.researcher ? { model: input.models.researcher } : {};
  const hybrid = input.mode === 'hybrid';
  const privateTools = input.functionTools ?? [];
  const searchOptions = {
    overallQuestion: input.overallQuestion,
    question: input.planned.question,
    ...(input.searchContextSize ? { searchContextSize: input.searchContextSize } : {}),
    ...(input.allowedDomains ? { allowedDomains: input.allowedDomains } : {}),
    ...(input.web === false ? { web: false } : {}),
    // In hybrid mode the web comes first on its own; the private tools get a round of their own.
    ...(privateTools.length && !hybrid ? { functionTools: privateTools } : {}),
    ...researcherModel,
    ...choice,
  };

  let usage = emptyUsage;
  let costUsd = 0;
  let finding: FindingParts = { summary: '', keyFacts: [], sources: [] };
  let round = 0;
  let followUpRounds = 0;
  let refusedToolCalls = 0;
  let budgetStopped = false;
  const slice = input.allowance;
  /** What is left of this question's slice. */
  const left = (): Allowance => {
    const tokens = usage.inputTokens + usage.outputTokens;
    return {
      ...(slice?.usd !== undefined ? { usd: Math.max(0, slice.usd - costUsd) } : {}),
      ...(slice?.tokens !== undefined ? { tokens: Math.max(0, Math.floor(slice.tokens - tokens)) } : {}),
    };
  };
  const affords = (need: { usd: number; tokens: number } | undefined): boolean => {
    if (!slice || !need) return true;
    if (fits(need, left())) return true;
    budgetStopped = true;
    return false;
  };
  /** The step's allowance (all that is left of the slice; the step takes what it needs of it). */
  const allowance = (priorTokens?: number) =>
    slice ? { allowance: { ...left(), ...(priorTokens ? { priorTokens } : {}) } } : {};
  const account = async (status: QuestionStatus, step: StepOutcome) => {
    usage = addUsage(usage, step.usage);
    costUsd += step.costUsd;
    await parent?.signal(questionUpdateSignal, {
      n: input.n,
      status,
      round,
      sources: finding.sources.length,
      step,
    });
  };

  /** One search step: ask, run the function calls it makes (each its own activity), answer them, repeat. */
  const search = async (
    summary: string,
    request: SearchInput,
  ): Promise<{ parts: FindingParts; step: StepOutcome }> => {
    let answer: SearchOutput = await researchActivities(summary, input.policy).searchWeb({
      ...request,
      ...allowance(),
    });
    let gathered: FindingParts = { summary: '', keyFacts: [], sources: [] };
    // Results recorded before private sources existed have no functionCalls: runs in flight replay them.
    const callsOf = (output: SearchOutput) => output.functionCalls ?? [];
    for (let toolRound = 1; callsOf(answer).length && toolRound <= MAX_TOOL_ROUNDS; toolRound++) {
      await account('researching', answer.step);
      const calls = callsOf(answer);
      const results = await Promise.all(
        calls.map((call) =>
          proxyActivities<Activities>({ ...toolActivityOptions(), summary: call.summary }).runTool({
            name: call.name,
            arguments: call.arguments,
            // The run's tools, fixed when it started: any other name is refused where the call runs.
            allowedTools: privateTools.map((t) => t.name),
          }),
        ),
      );
      refusedToolCalls += results.filter((r) => r.refused).length;
      // What the tools returned is cited like web pages: each source, and its passage as a fact.
      gathered = mergeFinding(gathered, {
        summary: '',
        sources: results.flatMap((r) => r.sources.map(({ url, title, kind }) => ({ url, title, kind }))),
        keyFacts: results.flatMap((r) =>
          r.sources.flatMap((s) => (s.excerpt ? [{ text: s.excerpt, urls: [s.url] }] : [])),
        ),
      });
      if (stoppedBy || !affords(input.searchMin)) break;
      const prior = answer.step.usage.inputTokens + answer.step.usage.outputTokens;
      answer = await researchActivities('tool answer', input.policy).searchWeb({
        ...request,
        ...allowance(prior),
        continuation: {
          previousResponseId: answer.step.responseId,
          outputs: calls.map((call, i) => ({ callId: call.callId, output: results[i]!.output })),
        },
      });
    }
    return { parts: mergeFinding(gathered, answer), step: answer.step };
  };

  const queries = [input.planned.question, ...input.planned.searchHints].slice(0, 3);
  try {
    await researchSteps();
  } catch (error) {
    // A step the slice could not pay for was refused before anything was created: keep what was found.
    if (!isBudgetExhausted(error)) throw error;
    budgetStopped = true;
  }

  return {
    n: input.n,
    question: input.planned.question,
    status: 'completed',
    ...finding,
    rounds: followUpRounds,
    usage,
    costUsd,
    ...(stoppedBy ? { stoppedBy } : budgetStopped ? { stoppedBy: 'budget' as const } : {}),
    ...(refusedToolCalls ? { refusedToolCalls } : {}),
  };

  async function researchSteps(): Promise<void> {
    const first = await search(`search: ${queries[0]}`, { ...searchOptions, queries, round: 0 });
    finding = mergeFinding(finding, first.parts);
    await account('researching', first.step);

    for (round = 1; round <= input.depth && !stoppedBy; round++) {
      if (!affords(input.roundMin)) break;
      const gaps = await researchActivities('follow-up', input.policy).findGaps({
        ...allowance(),
        overallQuestion: input.overallQuestion,
        question: input.planned.question,
        summary: finding.summary,
        keyFacts: finding.keyFacts,
        roundsLeft: input.depth - round + 1,
        ...researcherModel,
        ...choice,
      });
      await account('researching', gaps.step);
      // An analysis that does not validate ends the follow-ups: what was found so far still stands.
      const followUps = gaps.analysis && !gaps.analysis.done ? gaps.analysis.followUpQueries : [];
      if (!followUps.length || stoppedBy || !affords(input.searchMin)) break;
      const more = await search(`search: ${followUps[0]}`, {
        ...searchOptions,
        queries: followUps,
        round,
        knownSoFar: finding.summary,
      });
      finding = mergeFinding(finding, more.parts);
      followUpRounds = round;
      await account('researching', more.step);
    }

    if (hybrid && privateTools.length && !stoppedBy && affords(input.searchMin)) {
      const analysis = await search('private analysis', {
        ...searchOptions,
        web: false,
        functionTools: privateTools,
        purpose: 'private-analysis',
        queries: [input.planned.question],
        round,
        knownSoFar: finding.summary,
      });
      finding = mergeFinding(finding, analysis.parts);
      await account('researching', analysis.step);
    }
  }
}
