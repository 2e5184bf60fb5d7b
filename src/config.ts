import path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from './json-file';
import {
  DEFAULT_MODEL_CAPABILITIES,
  mergeModelCapabilities,
  modelCapabilitiesFileSchema,
  type ModelCapabilities,
} from './openai/models';
import { DEFAULT_PRICES, mergePrices, type PriceOverride, type PriceTable } from './pricing';
import { describeIssues } from './schemas/issues';
import type { ResearchRole } from './schemas/research';
import { projectRoot } from './temporal/tools-dir';
import { loadSourcesFile, SourcesConfigError, type SourcesFile } from './tools/config';

/**
 * Settings from the environment, validated once at start. The schema is keyed by the variable names
 * themselves, so every error names the variable to fix.
 */

/**
 * Models used when a research input does not choose one. The planner and the writer make one call each
 * per run, and their quality shapes the whole report: the flagship gpt-5.5. The researcher makes most of
 * the calls and reads most of the tokens (every search round): gpt-5.4, half the price. Not gpt-5 / o3
 * (shut down 2026-12-11) nor the deep-research models (shut down 2026-07-23).
 */
export const DEFAULT_MODELS = { planner: 'gpt-5.5', researcher: 'gpt-5.4', writer: 'gpt-5.5' } as const;

const intFromEnv = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Temporal Cloud (or any server behind API keys): turns on TLS too. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  DEEP_RESEARCH_TASK_QUEUE: z.string().min(1).default('deep-research'),
  /** Polling activities hold a slot while they wait, so this bounds responses in flight per worker. */
  DEEP_RESEARCH_MAX_CONCURRENT_ACTIVITIES: intFromEnv(200, 1),
  OPENAI_API_KEY: z
    .string({
      error:
        'OPENAI_API_KEY is not set. Set it to an OpenAI API key, or point the worker at the simulator: ' +
        'OPENAI_BASE_URL=http://127.0.0.1:8787/v1 OPENAI_API_KEY=sim-key (start it with `deep-research simulator`).',
    })
    .min(1, 'OPENAI_API_KEY is empty'),
  OPENAI_BASE_URL: z
    .url({ error: 'OPENAI_BASE_URL must be a URL such as https://api.openai.com/v1' })
    .optional(),
  OPENAI_ORG_ID: z.string().min(1).optional(),
  OPENAI_PROJECT_ID: z.string().min(1).optional(),
  /**
   * Heartbeats carry cancellation back to a polling activity, so they must reach the server soon: by
   * default the SDK would hold them for 0.8 x the heartbeat timeout (24 s).
   */
  DEEP_RESEARCH_HEARTBEAT_THROTTLE_MS: intFromEnv(2_000, 100),
  /** How long a dead worker's cached runs wait on its sticky queue before any worker takes them. */
  DEEP_RESEARCH_STICKY_TIMEOUT_MS: intFromEnv(10_000, 100),
  /** Per HTTP request to the provider; polls are short, so a hung request is cut long before a heartbeat times out. */
  DEEP_RESEARCH_REQUEST_TIMEOUT_MS: intFromEnv(20_000, 100),
  DEEP_RESEARCH_POLL_INITIAL_MS: intFromEnv(500, 10),
  DEEP_RESEARCH_POLL_MAX_MS: intFromEnv(5_000, 10),
  DEEP_RESEARCH_POLL_FACTOR: z.coerce.number().min(1).max(4).default(1.4),
  /** A response still queued after this long is cancelled and the attempt retried with a fresh one. */
  DEEP_RESEARCH_QUEUED_DEADLINE_MS: intFromEnv(10 * 60_000, 100),
  /** Models used when a research input does not choose one. */
  DEEP_RESEARCH_PLANNER_MODEL: z.string().min(1).default(DEFAULT_MODELS.planner),
  DEEP_RESEARCH_RESEARCHER_MODEL: z.string().min(1).default(DEFAULT_MODELS.researcher),
  DEEP_RESEARCH_WRITER_MODEL: z.string().min(1).default(DEFAULT_MODELS.writer),
  /** Private sources a run may name (default: deep-research.sources.json in the project, the examples). */
  DEEP_RESEARCH_SOURCES_FILE: z.string().min(1).optional(),
  /** A JSON price table merged over the built-in one (src/pricing.ts), for new models or new prices. */
  DEEP_RESEARCH_PRICES_FILE: z.string().min(1).optional(),
  /** A JSON table of model capabilities merged over the built-in one (src/openai/models.ts). */
  DEEP_RESEARCH_MODELS_FILE: z.string().min(1).optional(),
});

export interface OpenAISettings {
  apiKey: string;
  baseURL: string;
  organization?: string;
  project?: string;
  requestTimeoutMs: number;
}

export interface PollSettings {
  initialMs: number;
  maxMs: number;
  factor: number;
  queuedDeadlineMs: number;
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  taskQueue: string;
}

export interface WorkerSettings {
  temporal: TemporalSettings;
  openai: OpenAISettings;
  poll: PollSettings;
  maxConcurrentActivities: number;
  heartbeatThrottleMs: number;
  stickyTimeoutMs: number;
  models: Record<ResearchRole, string>;
  prices: PriceTable;
  /** What each model accepts (efforts, tools), checked when a run starts. */
  modelCapabilities?: ModelCapabilities;
  sources: SourcesFile;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  // Empty strings count as unset, as most shells and .env files mean them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n- ${describeIssues(parsed.error).join('\n- ')}`);
  }
  return parsed.data;
}

/** Temporal connection settings only: what a client (CLI, another service) needs. */
export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const e = parseEnv(
    envSchema.pick({
      TEMPORAL_ADDRESS: true,
      TEMPORAL_NAMESPACE: true,
      TEMPORAL_API_KEY: true,
      DEEP_RESEARCH_TASK_QUEUE: true,
    }),
    env,
  );
  return {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.DEEP_RESEARCH_TASK_QUEUE,
    ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
  };
}

/** Everything a worker needs. Throws ConfigError naming each variable to fix. */
export function loadWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const e = parseEnv(envSchema, env);
  if (e.DEEP_RESEARCH_POLL_MAX_MS < e.DEEP_RESEARCH_POLL_INITIAL_MS) {
    throw new ConfigError(
      'Invalid configuration:\n- DEEP_RESEARCH_POLL_MAX_MS must be at least DEEP_RESEARCH_POLL_INITIAL_MS',
    );
  }
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.DEEP_RESEARCH_TASK_QUEUE,
      ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      baseURL: e.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
      ...(e.OPENAI_ORG_ID ? { organization: e.OPENAI_ORG_ID } : {}),
      ...(e.OPENAI_PROJECT_ID ? { project: e.OPENAI_PROJECT_ID } : {}),
      requestTimeoutMs: e.DEEP_RESEARCH_REQUEST_TIMEOUT_MS,
    },
    poll: {
      initialMs: e.DEEP_RESEARCH_POLL_INITIAL_MS,
      maxMs: e.DEEP_RESEARCH_POLL_MAX_MS,
      factor: e.DEEP_RESEARCH_POLL_FACTOR,
      queuedDeadlineMs: e.DEEP_RESEARCH_QUEUED_DEADLINE_MS,
    },
    maxConcurrentActivities: e.DEEP_RESEARCH_MAX_CONCURRENT_ACTIVITIES,
    heartbeatThrottleMs: e.DEEP_RESEARCH_HEARTBEAT_THROTTLE_MS,
    stickyTimeoutMs: e.DEEP_RESEARCH_STICKY_TIMEOUT_MS,
    models: {
      planner: e.DEEP_RESEARCH_PLANNER_MODEL,
      researcher: e.DEEP_RESEARCH_RESEARCHER_MODEL,
      writer: e.DEEP_RESEARCH_WRITER_MODEL,
    },
    prices: e.DEEP_RESEARCH_PRICES_FILE ? loadPrices(e.DEEP_RESEARCH_PRICES_FILE) : DEFAULT_PRICES,
    modelCapabilities: e.DEEP_RESEARCH_MODELS_FILE
      ? loadModelCapabilities(e.DEEP_RESEARCH_MODELS_FILE)
      : DEFAULT_MODEL_CAPABILITIES,
    sources: loadSources(e.DEEP_RESEARCH_SOURCES_FILE),
  };
}

function loadSources(file: string | undefined): SourcesFile {
  try {
    return loadSourcesFile(file, path.join(projectRoot(), 'deep-research.sources.json'));
  } catch (error) {
    if (error instanceof SourcesConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function loadPrices(file: string): PriceTable {
  const raw = readJsonFile(file, 'DEEP_RESEARCH_PRICES_FILE', ConfigError);
  try {
    return mergePrices(DEFAULT_PRICES, raw as PriceOverride);
  } catch (error) {
    throw new ConfigError(`DEEP_RESEARCH_PRICES_FILE (${file}): ${(error as Error).message}`);
  }
}

/** DEEP_RESEARCH_MODELS_FILE: `{"models":{"<id>":{"efforts":[…],"toolsRefusedAt":{…},"requiresOneOfTools":[…]}}}`. */
export function loadModelCapabilities(file: string): ModelCapabilities {
  const raw = readJsonFile(file, 'DEEP_RESEARCH_MODELS_FILE', ConfigError);
  const parsed = modelCapabilitiesFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(
      `DEEP_RESEARCH_MODELS_FILE (${file}): invalid model table:\n- ${describeIssues(parsed.error).join('\n- ')}`,
    );
  }
  return mergeModelCapabilities(DEFAULT_MODEL_CAPABILITIES, parsed.data.models);
}
