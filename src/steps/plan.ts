import { z } from 'zod';
import type { StepOutcome } from '../schemas/research';
import { runModelProblems, type RunModelsInput } from './settle';
import { defineStep, parseStructured, structuredFormat, type ModelChoice } from './step';

/** The plan: the question broken into a handful of independent, searchable questions. */

/** What the planner must return (structured output). */
export const researchPlanSchema = z.strictObject({
  questions: z
    .array(
      z.strictObject({
        question: z.string().min(5).max(500),
        rationale: z.string().min(1).max(1000),
        searchHints: z.array(z.string().min(1).max(200)).max(5),
      }),
    )
    .min(1)
    .max(12),
});
export type ResearchPlan = z.infer<typeof researchPlanSchema>;
export type PlannedQuestion = ResearchPlan['questions'][number];

export const PLAN_FORMAT = structuredFormat('research_plan', researchPlanSchema);

export interface PlanInput extends ModelChoice {
  question: string;
  maxQuestions: number;
  /** Set by the workflow on the first plan: every role's model and effort are checked before it is paid for. */
  run?: RunModelsInput;
  /** Set when the previous plan did not validate: the planner is asked to repair it. */
  repair?: { responseId: string; problem: string };
}

export interface PlanOutput {
  plan?: ResearchPlan;
  invalid?: string;
  step: StepOutcome;
}

/** The planner's instructions: turn a question into a handful of independent, searchable questions. */
export function planPrompt(question: string, maxQuestions: number): { instructions: string; input: string } {
  return {
    instructions: [
      'You plan research. Break the user question into at most ' +
        `${maxQuestions} research questions that together answer it.`,
      'Each question must be answerable with web searches on its own, without the others.',
      'Prefer questions whose answers are facts, figures, dates and named sources over opinions.',
      'For each: why it matters to the overall question (rationale) and up to 3 concrete search queries (searchHints).',
      'Order them from most to least important. Do not answer the questions yourself.',
    ].join('\n'),
    input: `Research question:\n${question}`,
  };
}

/** Asked with previous_response_id when the plan did not validate: repair rather than start over. */
export function planRepairPrompt(problem: string, maxQuestions: number): string {
  return (
    `Your plan could not be used: ${problem}\n` +
    `Answer again with a plan that follows the JSON schema exactly, with 1 to ${maxQuestions} questions.`
  );
}

export const planStep = defineStep<PlanInput, PlanOutput>({
  name: 'plan',
  role: 'planner',
  budgetKind: 'plan',
  check: (input, context) => (input.run ? runModelProblems(context, input.run, input.reasoningEffort) : []),
  request(input) {
    const prompt = planPrompt(input.question, input.maxQuestions);
    return {
      ...(input.repair ? { label: 'plan (repair)' } : {}),
      instructions: prompt.instructions,
      input: input.repair ? planRepairPrompt(input.repair.problem, input.maxQuestions) : prompt.input,
      ...(input.repair ? { previousResponseId: input.repair.responseId } : {}),
      preferredEffort: 'high',
      outputSchema: PLAN_FORMAT,
    };
  },
  interpret({ answer, step }, input) {
    const { value, invalid } = parseStructured(researchPlanSchema, answer);
    if (!value) return { invalid: invalid ?? 'no plan', step };
    // Keep the plan within what the run asked for, without duplicates.
    const seen = new Set<string>();
    const questions = value.questions.filter((q) => {
      const key = q.question.trim().toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return { plan: { questions: questions.slice(0, input.maxQuestions) }, step };
  },
});
