import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { loadTemporalSettings, type TemporalSettings } from './config';
import type { FinishEarlyResult } from './schemas/boundary';
import { describeIssues } from './schemas/issues';
import {
  researchInputSchema,
  type Progress,
  type ResearchInput,
  type ResearchResult,
} from './schemas/research';
import { researchWorkflowId } from './research-id';
import { connectClient } from './temporal/connection';
import { ResearchPhase, ResearchQuestion } from './temporal/search-attributes';

/**
 * The API other services use: start a research, get a handle, watch its progress, await its report.
 *
 *   const research = await ResearchClient.connect();            // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE
 *   const handle = await research.start({ question: 'How do CRDTs compare to OT?' });
 *   console.log(await handle.progress());
 *   const { markdown } = await handle.result();
 */

export const WORKFLOW_TYPE = 'deepResearch';

/** The input did not validate; nothing was started. `problems` names each field and what to do. */
export class InvalidResearchInputError extends Error {
  override name = 'InvalidResearchInputError';
  constructor(readonly problems: string[]) {
    super(`Invalid research input: ${problems.join('; ')}`);
  }
}

/** Validates research input exactly as the workflow will, with messages that name each field. */
export function validateResearchInput(input: unknown): ResearchInput {
  const parsed = researchInputSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidResearchInputError(describeIssues(parsed.error));
  }
  return input as ResearchInput;
}

export class ResearchHandle {
  constructor(readonly workflow: WorkflowHandle) {}

  get workflowId(): string {
    return this.workflow.workflowId;
  }

  /** Phase, each question's status, usage and cost so far. */
  progress(): Promise<Progress> {
    return this.workflow.query<Progress>('progress');
  }

  /** Waits for the report. A failed run throws WorkflowFailedError whose cause says why. */
  result(): Promise<ResearchResult> {
    return this.workflow.result() as Promise<ResearchResult>;
  }

  /** Stops the run and cancels every response in flight at the provider. */
  async cancel(): Promise<void> {
    await this.workflow.cancel();
  }

  /** Stops researching and writes the report from what has been found. */
  finishEarly(): Promise<FinishEarlyResult> {
    return this.workflow.executeUpdate('finishEarly');
  }
}

export interface ResearchSummary {
  workflowId: string;
  status: string;
  phase?: string;
  question?: string;
  startTime: Date;
  closeTime?: Date;
}

export class ResearchClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string = 'deep-research',
  ) {}

  /** Connects with TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_API_KEY, or the settings given. */
  static async connect(settings: Partial<TemporalSettings> = {}): Promise<ResearchClient> {
    const resolved = { ...loadTemporalSettings(), ...settings };
    return new ResearchClient(await connectClient(resolved), resolved.taskQueue);
  }

  /** Validates the input (throwing InvalidResearchInputError before anything starts), then starts the run. */
  async start(
    input: ResearchInput,
    options: { workflowId?: string; taskQueue?: string } = {},
  ): Promise<ResearchHandle> {
    const valid = validateResearchInput(input);
    const workflow = await this.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: options.taskQueue ?? this.taskQueue,
      workflowId: options.workflowId ?? researchWorkflowId(valid.question),
      args: [valid],
      staticSummary: `Research: ${valid.question}`.slice(0, 400),
      typedSearchAttributes: [
        { key: ResearchQuestion, value: valid.question },
        { key: ResearchPhase, value: 'planning' },
      ],
    });
    return new ResearchHandle(workflow);
  }

  getHandle(workflowId: string): ResearchHandle {
    return new ResearchHandle(this.client.workflow.getHandle(workflowId));
  }

  /** The latest research runs, newest first. */
  async list(limit = 20): Promise<ResearchSummary[]> {
    const runs: ResearchSummary[] = [];
    for await (const run of this.client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPE}'` })) {
      const phase = run.typedSearchAttributes.get(ResearchPhase);
      const question = run.typedSearchAttributes.get(ResearchQuestion);
      runs.push({
        workflowId: run.workflowId,
        status: run.status.name,
        startTime: run.startTime,
        ...(phase ? { phase } : {}),
        ...(question ? { question } : {}),
        ...(run.closeTime ? { closeTime: run.closeTime } : {}),
      });
      if (runs.length >= limit) break;
    }
    return runs;
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}

/** The innermost message of a failed run: the reason a user can act on. */
export function failureReason(error: unknown): string {
  let current: unknown = error instanceof WorkflowFailedError ? error.cause : error;
  while (current instanceof Error && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
