import {
  ActivityFailure,
  ApplicationFailure,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  type ExternalWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { mergeFinding } from '../src/findings';
import { FailureType, toolActivityOptions } from '../src/policies';
import type { ResearchQuestionInput, SearchInput, SearchOutput, ToolResult } from '../src/schemas/boundary';
import type { Finding, StepOutcome } from '../src/schemas/research';
import { researchActivities } from './activities';
import {
  firstSearchInput,
  followUpSearchInput,
  gapsInput,
  privateAnalysisInput,
  privateTools,
  toolAnswerInput,
} from './inputs';
import { questionUpdateSignal, stopResearchSignal } from './messages';
import { emptyParts, QuestionState, toolFinding, type FindingParts } from './question-state';

/** Rounds of function calls one search step may make before it must answer. */
export const MAX_TOOL_ROUNDS = 4;

/** The child's input, its state, and the parent it reports to after every step. */
interface Question {
  input: ResearchQuestionInput;
  state: QuestionState;
  parent: ExternalWorkflowHandle | undefined;
}

/**
 * One planned question: a search (web, private tools, or both), then up to `depth` follow-up rounds that
 * ask what is still missing and search for it, then (hybrid mode) a round on the private sources alone.
 * Function calls the model makes are each run as their own activity and answered, a bounded number of
 * rounds. Returns a compact finding. Stops before its next step when the parent says so.
 */
export async function researchQuestion(input: ResearchQuestionInput): Promise<Finding> {
  const state = new QuestionState(input);
  setHandler(stopResearchSignal, ({ reason }) => state.stop(reason));
  const parent = input.reportTo ? getExternalWorkflowHandle(input.reportTo) : undefined;
  const question: Question = { input, state, parent };
  try {
    await firstSearch(question);
    await followUps(question);
    await privateAnalysis(question);
  } catch (error) {
    // A step the slice could not pay for was refused before anything was created: keep what was found.
    if (!isBudgetExhausted(error)) throw error;
    state.refusedByBudget();
  }
  return state.result();
}

async function firstSearch(question: Question): Promise<void> {
  const request = firstSearchInput(question.input);
  const first = await search(question, `search: ${request.queries[0]}`, request);
  question.state.found(first.parts);
  await accountStep(question, first.step);
}

/** Up to `depth` rounds: what is still missing, then a search for it. */
async function followUps(question: Question): Promise<void> {
  const { input, state } = question;
  for (state.round = 1; state.round <= input.depth && !state.stoppedBy; state.round++) {
    if (!state.affords(input.roundMin)) break;
    const gaps = await researchActivities('follow-up', input.policy).findGaps(
      gapsInput(input, state.allowance(), state.finding, state.round),
    );
    await accountStep(question, gaps.step);
    // An analysis that does not validate ends the follow-ups: what was found so far still stands.
    const queries = gaps.analysis && !gaps.analysis.done ? gaps.analysis.followUpQueries : [];
    if (!queries.length || state.stoppedBy || !state.affords(input.searchMin)) break;
    const request = followUpSearchInput(input, queries, state.round, state.finding);
    const more = await search(question, `search: ${queries[0]}`, request);
    state.found(more.parts);
    state.followUpRounds = state.round;
    await accountStep(question, more.step);
  }
}

/** Hybrid mode: the finding checked against the private sources, in a round of their own. */
async function privateAnalysis(question: Question): Promise<void> {
  const { input, state } = question;
  if (input.mode !== 'hybrid' || !privateTools(input).length) return;
  if (state.stoppedBy || !state.affords(input.searchMin)) return;
  const request = privateAnalysisInput(input, state.round, state.finding);
  const analysis = await search(question, 'private analysis', request);
  state.found(analysis.parts);
  await accountStep(question, analysis.step);
}

/** One search step: ask, run the function calls it makes (each its own activity), answer them, repeat. */
async function search(
  question: Question,
  summary: string,
  request: SearchInput,
): Promise<{ parts: FindingParts; step: StepOutcome }> {
  const { input, state } = question;
  let answer = await researchActivities(summary, input.policy).searchWeb({
    ...request,
    ...state.allowance(),
  });
  let gathered = emptyParts();
  for (let toolRound = 1; callsOf(answer).length && toolRound <= MAX_TOOL_ROUNDS; toolRound++) {
    await accountStep(question, answer.step);
    const calls = callsOf(answer);
    const results = await runTools(input, calls);
    state.ranTools(results);
    gathered = mergeFinding(gathered, toolFinding(results));
    if (state.stoppedBy || !state.affords(input.searchMin)) break;
    const prior = answer.step.usage.inputTokens + answer.step.usage.outputTokens;
    answer = await researchActivities('tool answer', input.policy).searchWeb(
      toolAnswerInput(request, state.allowance(prior), answer.step.responseId, calls, results),
    );
  }
  return { parts: mergeFinding(gathered, answer), step: answer.step };
}

/** Results recorded before private sources existed have no functionCalls: runs in flight replay them. */
function callsOf(output: SearchOutput): NonNullable<SearchOutput['functionCalls']> {
  return output.functionCalls ?? [];
}

/** The function calls of one answer, each its own activity, at once. */
function runTools(
  input: ResearchQuestionInput,
  calls: NonNullable<SearchOutput['functionCalls']>,
): Promise<ToolResult[]> {
  return Promise.all(
    calls.map((call) =>
      proxyActivities<Activities>({ ...toolActivityOptions(), summary: call.summary }).runTool({
        name: call.name,
        arguments: call.arguments,
        // The run's tools, fixed when it started: any other name is refused where the call runs.
        allowedTools: privateTools(input).map((t) => t.name),
      }),
    ),
  );
}

/** A step's cost counted, and the parent told the question's state. */
async function accountStep(question: Question, step: StepOutcome): Promise<void> {
  const update = question.state.account('researching', step);
  await question.parent?.signal(questionUpdateSignal, update);
}

/** The activity refused a step because its allowance cannot pay for it (nothing was created). */
function isBudgetExhausted(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === FailureType.budgetExhausted
  );
}
