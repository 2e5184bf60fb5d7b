import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FinishEarlyResult, Progress, QuestionUpdate, StopResearch } from '../src/schemas/boundary';

/**
 * Every message the research workflows exchange, with each other and with clients. The names are in
 * histories and in clients' calls; the payloads' shapes live in src/schemas/boundary.ts.
 */

/** Phase, each question's status and round, usage and cost so far: `temporal workflow query --name progress`. */
export const progressQuery = defineQuery<Progress>('progress');

/** Stop researching, write the report from what has been found: `deep-research finish <id>`. */
export const finishEarlyUpdate = defineUpdate<FinishEarlyResult>('finishEarly');

/** Child -> parent: a question's state after each step, with what the step cost. */
export const questionUpdateSignal = defineSignal<[QuestionUpdate]>('questionUpdate');

/** Parent -> child: finish the current step, start no new one, return what was found. */
export const stopResearchSignal = defineSignal<[StopResearch]>('stopResearch');
