import { getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { mergeFinding } from '../src/findings';
import type { BackgroundResponsePolicy } from '../src/policies';
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
import { researchActivities } from './activities';
import { questionUpdateSignal, stopResearchSignal } from './messages';

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
}

/**
 * One planned question: a web search, then up to `depth` follow-up rounds that ask what is still missing
 * and search for it. Returns a compact finding. Stops before its next step when the parent says so.
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
  const searchOptions = {
    overallQuestion: input.overallQuestion,
    question: input.planned.question,
    ...(input.searchContextSize ? { searchContextSize: input.searchContextSize } : {}),
    ...(input.allowedDomains ? { allowedDomains: input.allowedDomains } : {}),
    ...researcherModel,
    ...choice,
  };

  let usage = emptyUsage;
  let costUsd = 0;
  let finding = { summary: '', keyFacts: [] as Finding['keyFacts'], sources: [] as Finding['sources'] };
  let round = 0;
  let followUpRounds = 0;
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

  const queries = [input.planned.question, ...input.planned.searchHints].slice(0, 3);
  const first = await researchActivities(`search: ${queries[0]}`, input.policy).searchWeb({
    ...searchOptions,
    queries,
    round: 0,
  });
  finding = mergeFinding(finding, first);
  await account('researching', first.step);

  for (round = 1; round <= input.depth && !stoppedBy; round++) {
    const gaps = await researchActivities('follow-up', input.policy).findGaps({
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
    if (!followUps.length || stoppedBy) break;
    const more = await researchActivities(`search: ${followUps[0]}`, input.policy).searchWeb({
      ...searchOptions,
      queries: followUps,
      round,
      knownSoFar: finding.summary,
    });
    finding = mergeFinding(finding, more);
    followUpRounds = round;
    await account('researching', more.step);
  }

  return {
    n: input.n,
    question: input.planned.question,
    status: 'completed',
    ...finding,
    rounds: followUpRounds,
    usage,
    costUsd,
    ...(stoppedBy ? { stoppedBy } : {}),
  };
}
