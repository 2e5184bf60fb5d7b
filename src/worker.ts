import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { WorkerSettings } from './config';
import { createOpenAIClient } from './openai/client';
import { connectWorker } from './temporal/connection';

/**
 * A worker for the `deep-research` task queue: the research workflows plus the activities that talk to
 * the Responses API (OpenAI, or the simulator when OPENAI_BASE_URL points at it).
 */
export interface CreateWorkerOptions {
  /** Reuse a connection (tests, the CLI's embedded mode); otherwise one is opened from settings. */
  connection?: NativeConnection;
  /** A prebuilt workflow bundle (tests); otherwise workflows/ is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createWorker(settings: WorkerSettings, options: CreateWorkerOptions = {}): Promise<Worker> {
  const connection = options.connection ?? (await connectWorker(settings.temporal));
  const openai = createOpenAIClient(settings.openai);
  return Worker.create({
    connection,
    namespace: settings.temporal.namespace,
    taskQueue: settings.temporal.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({ openai, poll: settings.poll }),
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivities,
  });
}
