/** The OpenAI Responses API simulator: a local HTTP server that the real `openai` client can talk to. */
export { startSimulator, type ReceivedCreate, type RunningSimulator, type SimulatorOptions } from './server';
export { runSimulatorFromCli } from './cli';
export {
  applyConfigPatch,
  defaultConfig,
  DEFAULT_MODELS,
  faultConfigSchema,
  faultNameSchema,
  faultTargetSchema,
  LIFECYCLE_FAULTS,
  OUTPUT_FAULTS,
  REFUSAL_TEXT,
  REQUEST_FAULTS,
  RESPONSE_FAULTS,
  scriptedFaultSchema,
  simulatorConfigPatchSchema,
  simulatorConfigSchema,
  simulatorStatsSchema,
  SimulatorConfigError,
  type FaultConfig,
  type FaultName,
  type FaultTarget,
  type OutputFaultName,
  type ResponseStats,
  type ScriptedFault,
  type SimulatorConfig,
  type SimulatorConfigPatch,
  type SimulatorStats,
} from './config';
export { generateFromSchema } from './generate/structured';
export { analyse, parseNumberedSources, type NumberedSource, type RequestDigest } from './generate/analysis';
