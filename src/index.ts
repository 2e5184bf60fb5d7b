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
// Your own sources: a source type for the sources file ("type": "module") or for createWorker's
// sourceTypes, and the tools it offers.
export { defineSourceType, type SourceType, type SourceContext } from './tools/source-type';
export {
  defineTool,
  toolError,
  type ResearchSource,
  type ResearchTool,
  type ToolResult,
  type ToolSource,
  type ToolContext,
} from './tools/types';
