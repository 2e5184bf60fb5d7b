import { z } from 'zod';
import type { KeyFact, StepOutcome } from '../schemas/research';
import { defineStep, parseStructured, structuredFormat, type ModelChoice } from './step';

/** The follow-up: what is still missing from a question's finding, as search queries. */

/** What a follow-up round must return: what is still missing and the queries to fill it. */
export const gapAnalysisSchema = z.strictObject({
  done: z.boolean(),
  missing: z.array(z.string().min(1).max(300)).max(5),
  followUpQueries: z.array(z.string().min(3).max(300)).max(3),
});
export type GapAnalysis = z.infer<typeof gapAnalysisSchema>;

export const GAPS_FORMAT = structuredFormat('research_gaps', gapAnalysisSchema);

export interface GapsInput extends ModelChoice {
  overallQuestion: string;
  question: string;
  summary: string;
  keyFacts: KeyFact[];
  roundsLeft: number;
}

export interface GapsOutput {
  analysis?: GapAnalysis;
  invalid?: string;
  step: StepOutcome;
}

export function gapsPrompt(opts: {
  question: string;
  overallQuestion: string;
  summary: string;
  facts: string[];
  roundsLeft: number;
}): { instructions: string; input: string } {
  return {
    instructions: [
      'You review research notes for gaps. Decide whether the notes answer the question well enough.',
      'If they do, set done to true and leave the lists empty.',
      'Otherwise list what is missing (at most 5 points) and up to 3 web search queries that would fill it.',
      `There ${opts.roundsLeft === 1 ? 'is 1 search round' : `are ${opts.roundsLeft} search rounds`} left: ask for what matters most.`,
    ].join('\n'),
    input: [
      `Overall research topic: ${opts.overallQuestion}`,
      `Question: ${opts.question}`,
      `Notes so far:\n${opts.summary}`,
      opts.facts.length ? `Facts with sources:\n${opts.facts.map((f) => `- ${f}`).join('\n')}` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  };
}

export const gapsStep = defineStep<GapsInput, GapsOutput>({
  name: 'follow-up',
  role: 'researcher',
  budgetKind: 'followUp',
  request(input) {
    const prompt = gapsPrompt({ ...input, facts: input.keyFacts.map((f) => f.text) });
    return {
      instructions: prompt.instructions,
      input: prompt.input,
      preferredEffort: 'low',
      outputSchema: GAPS_FORMAT,
    };
  },
  interpret({ answer, step }) {
    const { value, invalid } = parseStructured(gapAnalysisSchema, answer);
    return value ? { analysis: value, step } : { invalid: invalid ?? 'no analysis', step };
  },
});
