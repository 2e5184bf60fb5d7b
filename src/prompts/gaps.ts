/** The follow-up step: what is still missing from a question's finding, as search queries. */
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
