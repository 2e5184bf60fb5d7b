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
