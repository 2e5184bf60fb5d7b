import { Context } from '@temporalio/activity';
import type { ApplicationFailure } from '@temporalio/common';
import type { StepAllowance } from '../src/budget';
import type { ModelCapabilities } from '../src/openai/models';
import { costOfUsage, type PriceTable } from '../src/pricing';
import type { ResearchRole, StepOutcome } from '../src/schemas/research';
import { prepareStep } from '../src/steps/settle';
import type { ModelChoice, ResearchStep, StepRequest } from '../src/steps/step';
import type { SourceRegistry } from '../src/tools/registry';
import { runBackgroundResponse, type BackgroundResponseDeps } from './background-response';
import { failure } from './failures';

/**
 * The one driver of every research step (src/steps/): settle the request's model, effort and limits,
 * run it as a background response (durable, resumable: see background-response.ts), price it, and let
 * the step read the answer. Steps return extracted data only; what happens next is the workflow's decision.
 */

export interface ResearchDeps extends BackgroundResponseDeps {
  /** Models used when the run does not choose one: configuration, not code. */
  models: Record<ResearchRole, string>;
  prices: PriceTable;
  /** True when the provider is the built-in simulator: the report says so. */
  simulated: boolean;
  /** The private sources this worker is configured with. */
  sources: SourceRegistry;
  /** What each model accepts (src/openai/models.ts, DEEP_RESEARCH_MODELS_FILE); the built-in table when absent. */
  modelCapabilities?: ModelCapabilities;
}

export function invalidInput(problems: string[]): ApplicationFailure {
  return failure('invalidResearchInput', `Invalid research input: ${problems.join('; ')}`);
}

/** A step that cannot fit its allowance: refused before anything is created. */
export function budgetExhausted(label: string, allowance: StepAllowance): ApplicationFailure {
  const left = [
    allowance.usd !== undefined ? `$${allowance.usd.toFixed(4)}` : '',
    allowance.tokens !== undefined ? `${Math.floor(allowance.tokens)} tokens` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return failure(
    'budgetExhausted',
    `${label}: the budget left for this step (${left}) does not cover its smallest useful request`,
  );
}

export async function runResearchStep<I extends ModelChoice, O, R extends StepRequest>(
  deps: ResearchDeps,
  step: ResearchStep<I, O, R>,
  input: I,
): Promise<O> {
  const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
  const prepared = prepareStep(deps, step, input, workflowId);
  if ('answered' in prepared) return prepared.answered;
  if ('invalid' in prepared) throw invalidInput(prepared.invalid);
  if ('overBudget' in prepared)
    throw budgetExhausted(prepared.overBudget.label, prepared.overBudget.allowance);
  const { request, asked, context } = prepared;
  const answer = await runBackgroundResponse(deps, request);
  const cost = costOfUsage(deps.prices, request.model, answer.usage);
  const outcome: StepOutcome = {
    responseId: answer.responseId,
    model: request.model,
    usage: answer.usage,
    costUsd: cost.usd,
    priced: cost.priced,
  };
  return step.interpret({ answer, step: outcome, request: asked }, input, context);
}

/** A step as the activity the worker registers: its input in, its output out. */
export function stepActivity<I extends ModelChoice, O, R extends StepRequest>(
  deps: ResearchDeps,
  step: ResearchStep<I, O, R>,
): (input: I) => Promise<O> {
  return (input) => runResearchStep(deps, step, input);
}
