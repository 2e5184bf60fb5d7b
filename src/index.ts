// The package's public API: the client other services use, the worker, and the shared data shapes.
export {
  ResearchClient,
  ResearchHandle,
  InvalidResearchInputError,
  validateResearchInput,
  failureReason,
  WORKFLOW_TYPE,
  type ResearchSummary,
} from './client';
export { createWorker, type CreateWorkerOptions } from './worker';
export { loadWorkerSettings, loadTemporalSettings, ConfigError, type WorkerSettings } from './config';
export * from './schemas/research';
export * from './schemas/background-response';
