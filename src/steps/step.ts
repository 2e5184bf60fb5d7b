import { zodTextFormat } from 'openai/helpers/zod';
import type { z } from 'zod';
import type { BudgetedStep, StepAllowance } from '../budget';
import type { ModelCapabilities } from '../openai/models';
import type { BackgroundRequest, BackgroundResult, ReasoningEffort } from '../schemas/background-response';
import { describeIssues } from '../schemas/issues';
import type { ResearchRole, StepOutcome } from '../schemas/research';

/**
 * A research step is one background response asked of one role's model: what to ask (`request`) and
 * what the answer means (`interpret`), next to the step's prompt and output schema in its own module
 * (plan.ts, search.ts, gaps.ts, report.ts). Steps are pure: the driver in activities/steps.ts settles
 * the model, effort and budget limits (settle.ts), runs the response, prices it and hands the answer back.
 * A step's input and output are recorded in workflow histories: changing their shape is a replay concern.
 */

/** What a run may choose for any step; part of every step's input. */
export interface ModelChoice {
  model?: string;
  reasoningEffort?: ReasoningEffort;
  /** Bounds on one step's spending (visible plus reasoning tokens; built-in tool calls): `npm run smoke:openai`. */
  maxOutputTokens?: number;
  maxToolCalls?: number;
  /** Set in budgeted runs: the most this step may cost. Turned into hard request limits. */
  allowance?: StepAllowance;
}

/** What a step asks the provider for; the model, effort, limits and metadata are settled by the driver. */
export interface StepRequest {
  /** The label in logs, errors and the Web UI; the step's name when absent. */
  label?: string;
  instructions: string;
  input: BackgroundRequest['input'];
  previousResponseId?: string;
  tools?: NonNullable<BackgroundRequest['tools']>;
  /** The effort sent when the run chose none, moved to the nearest one the model takes. */
  preferredEffort: ReasoningEffort;
  outputSchema?: BackgroundRequest['outputSchema'];
}

/** What a step may know of the worker: facts, no clients. */
export interface StepContext {
  /** Models used when the run does not choose one. */
  models: Record<ResearchRole, string>;
  modelCapabilities?: ModelCapabilities;
  /** True when the provider is the built-in simulator: the report says so. */
  simulated: boolean;
  /** Whether a request with this prompt fits the step's allowance with its model (always, without one). */
  fits(prompt: Pick<StepRequest, 'instructions' | 'input' | 'tools' | 'outputSchema'>): boolean;
}

/** The provider's answer to a step's request, with what it cost. */
export interface StepReply<R extends StepRequest> {
  answer: BackgroundResult;
  step: StepOutcome;
  request: R;
}

export interface ResearchStep<I extends ModelChoice, O, R extends StepRequest = StepRequest> {
  name: string;
  role: ResearchRole;
  /** Which limits a budgeted run's allowance turns into (src/budget.ts). */
  budgetKind: BudgetedStep;
  /** Problems with the input that fail the step as InvalidResearchInput before anything is spent. */
  check?(input: I, context: StepContext): string[];
  /** The request, or `{ answered }` when the step can answer without a model. */
  request(input: I, context: StepContext): R | { answered: O };
  interpret(reply: StepReply<R>, input: I, context: StepContext): O;
}

export function defineStep<I extends ModelChoice, O, R extends StepRequest = StepRequest>(
  step: ResearchStep<I, O, R>,
): ResearchStep<I, O, R> {
  return step;
}

/**
 * A strict structured-output format built by openai-node's own converter, which throws for what strict
 * mode refuses (optional fields without nullable, allOf that cannot be merged, a non-object root) and
 * turns discriminated unions into anyOf. Steps build theirs when their module loads: an unsupported
 * schema stops the worker at start instead of becoming a 400 in production.
 */
export function structuredFormat(
  name: string,
  schema: z.ZodType,
): { name: string; schema: Record<string, unknown> } {
  const format = zodTextFormat(schema, name);
  return { name: format.name, schema: format.schema };
}

/** Parses structured output with its zod schema; a reason instead of a value when it does not fit. */
export function parseStructured<T>(
  schema: z.ZodType<T>,
  answer: BackgroundResult,
): { value?: T; invalid?: string } {
  if (answer.status === 'incomplete')
    return { invalid: `the answer was cut off (${answer.incompleteReason})` };
  if (answer.parseError) return { invalid: answer.parseError };
  // With the input in each issue, a wrong type reads "must be an array (got number)", not "is required".
  const parsed = schema.safeParse(answer.parsed, { reportInput: true });
  return parsed.success
    ? { value: parsed.data }
    : { invalid: describeIssues(parsed.error).slice(0, 5).join('; ') };
}
