/** The OpenAI Responses API simulator: a local HTTP server that the real `openai` client can talk to. */
export { startSimulator, type RunningSimulator, type SimulatorOptions } from './server';
export { runSimulatorFromCli } from './cli';
export {
  applyConfigPatch,
  defaultConfig,
  DEFAULT_MODELS,
  faultConfigSchema,
  faultNameSchema,
  faultTargetSchema,
  scriptedFaultSchema,
  simulatorConfigPatchSchema,
  simulatorConfigSchema,
  simulatorStatsSchema,
  SimulatorConfigError,
  type FaultConfig,
  type FaultName,
  type FaultTarget,
  type ResponseStats,
  type ScriptedFault,
  type SimulatorConfig,
  type SimulatorConfigPatch,
  type SimulatorStats,
} from './config';
export { generateFromSchema } from './generate/structured';
export { analyse, parseNumberedSources, type NumberedSource, type RequestDigest } from './generate/analysis';
