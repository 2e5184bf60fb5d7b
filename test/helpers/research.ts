import type { Client } from '@temporalio/client';
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

/**
 * Waits until Temporal's visibility store lists the run under `ResearchPhase='<phase>'`, the query the
 * README documents (visibility is eventually consistent, so this waits for the listing, not a clock).
 */
export async function waitForPhaseListing(
  client: Client,
  workflowId: string,
  phase: string,
  timeoutMs = 30_000,
): Promise<void> {
  const query = `ResearchPhase='${phase}' AND WorkflowId='${workflowId}'`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed: string[] = [];
    for await (const run of client.workflow.list({ query })) listed.push(run.workflowId);
    if (listed.includes(workflowId)) return;
    if (Date.now() > deadline) {
      const attributes = (await client.workflow.getHandle(workflowId).describe()).typedSearchAttributes;
      throw new Error(
        `${workflowId} is not listed by ${query} after ${timeoutMs} ms; its search attributes: ${JSON.stringify(attributes)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
