import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Progress, QuestionStatus, StepOutcome, StoppedBy } from '../src/schemas/research';

/** Every message the research workflows exchange, with each other and with clients. */

/** Phase, each question's status and round, usage and cost so far: `temporal workflow query --name progress`. */
export const progressQuery = defineQuery<Progress>('progress');

/** Stop researching, write the report from what has been found: `deep-research finish <id>`. */
export const finishEarlyUpdate = defineUpdate<{ accepted: boolean; phase: Progress['phase'] }>('finishEarly');

/** Child -> parent: a question's state after each step, with what the step cost. */
export interface QuestionUpdate {
  n: number;
  status: QuestionStatus;
  round: number;
  sources: number;
  step?: StepOutcome;
}
export const questionUpdateSignal = defineSignal<[QuestionUpdate]>('questionUpdate');

/** Parent -> child: finish the current step, start no new one, return what was found. */
export const stopResearchSignal = defineSignal<[{ reason: StoppedBy }]>('stopResearch');
