import type { ResearchResult } from '../../src/schemas/research';

/** Every [n] marker in a report, as numbers. */
export function citedNumbers(markdown: string): number[] {
  const body = markdown.split(/^## Sources$/m)[0] ?? '';
  return [...body.matchAll(/\[(\d+)\](?!\()/g)].map((m) => Number(m[1]));
}

/** The report's citations all resolve to its Sources section, and that section lists exactly those. */
export function expectCitationsResolve(result: ResearchResult): void {
  const cited = new Set(citedNumbers(result.markdown));
  const listed = new Set(result.sources.map((s) => s.n));
  expect(cited.size).toBeGreaterThan(0);
  expect([...cited].sort()).toEqual([...listed].sort());
  const sourcesSection = result.markdown.split(/^## Sources$/m)[1] ?? '';
  for (const source of result.sources) expect(sourcesSection).toContain(`[${source.n}]`);
}
