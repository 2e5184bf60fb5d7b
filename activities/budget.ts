import { budgetEstimates, type BudgetEstimates } from '../src/budget';
import { planPrompt } from '../src/steps/plan';
import { modelFor } from '../src/steps/settle';
import type { EstimateBudgetInput } from '../src/schemas/boundary';
import type { ResearchDeps } from './research';

export type { EstimateBudgetInput } from '../src/schemas/boundary';

/**
 * What a budgeted run reserves with: the least a plan, a question, a follow-up round and the report
 * need, priced with this worker's price table and the run's models. No I/O, no spending: the run can
 * tell before planning whether its budget can pay for a plan and a report at all.
 */
export function estimateBudget(deps: ResearchDeps, input: EstimateBudgetInput): Promise<BudgetEstimates> {
  const models = {
    planner: modelFor(deps, 'planner', input.models?.planner),
    researcher: modelFor(deps, 'researcher', input.models?.researcher),
    writer: modelFor(deps, 'writer', input.models?.writer),
  };
  const plan = planPrompt(input.question, input.maxQuestions);
  return Promise.resolve(
    budgetEstimates(deps.prices, models, {
      maxQuestions: input.maxQuestions,
      depth: input.depth,
      // The prompt and the plan's JSON schema, as the plan step sends them.
      planInputChars: plan.instructions.length + plan.input.length + 2_000,
    }),
  );
}
