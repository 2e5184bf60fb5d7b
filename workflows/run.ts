import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ResearchPhase, ResearchSettings, StoppedBy } from '../src/schemas/research';
import {
  ResearchPhase as PhaseAttribute,
  ResearchQuestion as QuestionAttribute,
} from '../src/temporal/search-attributes';
import { finishEarlyUpdate, progressQuery, questionUpdateSignal, stopResearchSignal } from './messages';
import { BUDGET_PATCH } from './patches';
import { ResearchRunState } from './run-state';

/**
 * A research run's state and what changing it shows outside the workflow: the ResearchPhase search
 * attribute, the Web UI's details, and the stop signal to running children. The decisions are the
 * state's (run-state.ts); this class only carries them out.
 */
export class Run {
  readonly workflowId: string;
  readonly state: ResearchRunState;

  constructor(settings: ResearchSettings) {
    const info = workflowInfo();
    this.workflowId = info.workflowId;
    this.state = new ResearchRunState(settings, info.startTime.getTime());
  }

  show(): void {
    setCurrentDetails(this.state.details());
  }

  setPhase(phase: ResearchPhase): void {
    this.state.enter(phase);
    upsertSearchAttributes([{ key: PhaseAttribute, value: phase }]);
    this.show();
  }

  /** Stops research: running children finish their current step and return what they have. */
  stop(reason: StoppedBy): void {
    if (!this.state.stop(reason)) return;
    for (const childId of this.state.runningChildren()) {
      // The child may have just finished; a failed signal changes nothing.
      getExternalWorkflowHandle(childId)
        .signal(stopResearchSignal, { reason })
        .catch(() => undefined);
    }
    this.show();
  }

  /** Runs that do not reserve: stop before a step that would leave no room for the report. */
  checkBudget(): void {
    if (this.state.overBudget()) this.stop('budget');
  }

  /** Ends the run as failed: the phase says so, and the failure is not retried. */
  fail(message: string, type: string): never {
    this.setPhase('failed');
    throw ApplicationFailure.nonRetryable(message, type);
  }
}

/**
 * Opens the run: its state, the handlers of its messages (one call on the state each), its search
 * attributes, and the deadline. A budgeted run started after the budget patch reserves.
 */
export function openRun(settings: ResearchSettings): Run {
  const run = new Run(settings);
  const { state } = run;
  setHandler(progressQuery, () => state.progress(Date.now()));
  upsertSearchAttributes([
    { key: QuestionAttribute, value: settings.question },
    { key: PhaseAttribute, value: state.phase },
  ]);
  run.show();
  state.reserving = state.budgeted && patched(BUDGET_PATCH);

  setHandler(questionUpdateSignal, (update) => {
    state.questionUpdate(update);
    run.checkBudget();
    run.show();
  });
  setHandler(finishEarlyUpdate, () => {
    run.stop('finish');
    return state.finishEarlyResult();
  });

  if (settings.budget?.deadlineMinutes !== undefined) {
    // Not awaited: when it fires during research, research stops and the report is written.
    sleep(settings.budget.deadlineMinutes * 60_000)
      .then(() => run.stop('deadline'))
      .catch(() => undefined);
  }
  return run;
}
