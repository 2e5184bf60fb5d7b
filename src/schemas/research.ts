import { z } from 'zod';
import { reasoningEffortSchema, searchContextSizeSchema, usageSchema } from './background-response';

/**
 * The research's data shapes, one source of truth for workflows, activities, the CLI and the client.
 * Pure (no I/O): safe inside workflow code.
 */

const modelId = z
  .string()
  .trim()
  .min(1, 'must be a model id such as "gpt-5.2"')
  .max(100)
  .regex(/^[\w.:/-]+$/, 'must be a model id such as "gpt-5.2"');

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'must be a domain name such as "arxiv.org"');

/** A source's name: `web`, or a private source of the sources file such as `docs:handbook` or `db:sales`. */
export const SOURCE_NAME = /^[a-z][a-z0-9-]*(:[a-z0-9][a-z0-9._-]*)?$/;

export const researchInputSchema = z
  .strictObject({
    question: z
      .string({
        // Only for a missing question: one of another type is named as such ("must be a string").
        error: (issue) =>
          issue.input === undefined ? 'question is required: the topic or question to research' : undefined,
      })
      .trim()
      .min(3, 'question is too short: ask a real question of 3 to 4000 characters')
      .max(4000, 'question is too long: at most 4000 characters; summarise the background'),
    maxQuestions: z.number().int().min(1).max(12).default(4),
    depth: z.number().int().min(0).max(3).default(1),
    models: z
      .strictObject({
        planner: modelId.optional(),
        researcher: modelId.optional(),
        writer: modelId.optional(),
      })
      .optional(),
    reasoningEffort: reasoningEffortSchema.optional(),
    budget: z
      .strictObject({
        maxCostUsd: z.number().positive().max(10_000).optional(),
        maxTokens: z.number().int().positive().optional(),
        deadlineMinutes: z
          .number()
          .positive()
          .max(7 * 24 * 60)
          .optional(),
      })
      .optional(),
    searchContextSize: searchContextSizeSchema.optional(),
    allowedDomains: z.array(domain).min(1).max(100).optional(),
    /** How many questions are researched at once. */
    concurrency: z.number().int().min(1).max(12).default(4),
    /**
     * Where to look: "web" (hosted web search) and private sources named in the worker's sources file,
     * e.g. ["web", "docs:handbook", "db:sales"]. A run without "web" never searches the web.
     */
    sources: z
      .array(z.string().regex(SOURCE_NAME, 'must be "web" or a source name such as "docs:handbook"'))
      .min(1)
      .max(20)
      .refine((names) => new Set(names).size === names.length, 'lists a source twice')
      .default(['web']),
    /** hybrid: research the web first, then check each finding against the private sources. */
    mode: z.enum(['standard', 'hybrid']).default('standard'),
  })
  .refine(
    (input) =>
      input.mode !== 'hybrid' || (input.sources.includes('web') && input.sources.some((s) => s !== 'web')),
    { path: ['mode'], message: 'mode "hybrid" needs "web" and at least one private source in sources' },
  );
export type ResearchInput = z.input<typeof researchInputSchema>;
export type ResearchSettings = z.infer<typeof researchInputSchema>;

export const researchRoleSchema = z.enum(['planner', 'researcher', 'writer']);
export type ResearchRole = z.infer<typeof researchRoleSchema>;

/** The planner's and the follow-up's output schemas live with their steps (src/steps/). */
export type { PlannedQuestion, ResearchPlan } from '../steps/plan';
export type { GapAnalysis } from '../steps/gaps';

/** Where a source came from: the web, or a private source (documents, a database, an API or MCP tool). */
export const sourceKindSchema = z.enum(['web', 'document', 'database', 'api']);
export type SourceKind = z.infer<typeof sourceKindSchema>;

export const sourceSchema = z.strictObject({
  url: z.string().min(1),
  title: z.string(),
  /** Absent means web. */
  kind: sourceKindSchema.optional(),
});
export type Source = z.infer<typeof sourceSchema>;

export const numberedSourceSchema = sourceSchema.extend({ n: z.number().int().positive() });
export type NumberedSource = z.infer<typeof numberedSourceSchema>;

export const questionStatusSchema = z.enum([
  'pending',
  'researching',
  'completed',
  'failed',
  'cancelled',
  'skipped',
]);
export type QuestionStatus = z.infer<typeof questionStatusSchema>;

/** Why research stopped before it was done: the budget, the deadline, or a request to finish. */
export const stoppedBySchema = z.enum(['budget', 'deadline', 'finish']);
export type StoppedBy = z.infer<typeof stoppedBySchema>;

/** A fact a search turned up, with the URLs that support it. */
export const keyFactSchema = z.strictObject({ text: z.string(), urls: z.array(z.string()) });
export type KeyFact = z.infer<typeof keyFactSchema>;

/** One question's compact finding: what the child workflow returns. */
export const findingSchema = z.strictObject({
  n: z.number().int().positive(),
  question: z.string(),
  status: questionStatusSchema,
  summary: z.string(),
  keyFacts: z.array(keyFactSchema),
  sources: z.array(sourceSchema),
  rounds: z.number().int().nonnegative(),
  usage: usageSchema,
  costUsd: z.number().nonnegative(),
  error: z.string().optional(),
  stoppedBy: stoppedBySchema.optional(),
  /** Function calls naming a tool this run did not select: refused, not run. */
  refusedToolCalls: z.number().int().nonnegative().optional(),
});
export type Finding = z.infer<typeof findingSchema>;

export const researchResultSchema = z.strictObject({
  question: z.string(),
  markdown: z.string(),
  sources: z.array(numberedSourceSchema),
  questions: z.array(
    z.strictObject({
      question: z.string(),
      status: questionStatusSchema,
      summary: z.string(),
      sources: z.array(sourceSchema),
      /** Function calls naming a tool the run did not select: refused back to the model, not run. */
      refusedToolCalls: z.number().int().nonnegative().optional(),
    }),
  ),
  usage: usageSchema,
  costUsd: z.number(),
  startedAt: z.string(),
  finishedAt: z.string(),
  stoppedBy: stoppedBySchema.optional(),
  invalidCitationsRemoved: z.number().int().nonnegative(),
  simulated: z.boolean().optional(),
});
export type ResearchResult = z.infer<typeof researchResultSchema>;

export const researchPhaseSchema = z.enum([
  'planning',
  'researching',
  'synthesizing',
  'completed',
  'failed',
  'cancelled',
]);
export type ResearchPhase = z.infer<typeof researchPhaseSchema>;

/** Answer of the `progress` query. */
export const progressSchema = z.strictObject({
  phase: researchPhaseSchema,
  question: z.string(),
  questions: z.array(
    z.strictObject({
      n: z.number().int(),
      question: z.string(),
      status: questionStatusSchema,
      round: z.number().int().nonnegative(),
      sources: z.number().int().nonnegative(),
    }),
  ),
  usage: usageSchema,
  costUsd: z.number(),
  elapsedSeconds: z.number(),
  stoppedBy: stoppedBySchema.optional(),
});
export type Progress = z.infer<typeof progressSchema>;

/** What every research step reports besides its content: for cost, budgets and the Web UI. */
export const stepOutcomeSchema = z.strictObject({
  responseId: z.string(),
  model: z.string(),
  usage: usageSchema,
  costUsd: z.number().nonnegative(),
  /** False when the model is not in the price table and the cost is a conservative estimate. */
  priced: z.boolean(),
});
export type StepOutcome = z.infer<typeof stepOutcomeSchema>;
