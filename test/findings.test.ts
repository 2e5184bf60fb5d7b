import { factsFromAnswer, mergeFinding, sourcesFromAnswer, stripCitations } from '../src/findings';

/** From a web-search answer to a compact finding: facts with their URLs, sources, bounded merges. */

function answer(parts: Array<string | { cite: string; title?: string }>) {
  let outputText = '';
  const citations = [];
  for (const part of parts) {
    if (typeof part === 'string') outputText += part;
    else {
      const span = ` ([${new URL(part.cite).hostname}](${part.cite}))`;
      citations.push({
        url: part.cite,
        title: part.title ?? '',
        startIndex: outputText.length,
        endIndex: outputText.length + span.length,
      });
      outputText += span;
    }
  }
  return { outputText, citations, webSearches: [] };
}

test('a citation after the full stop and one before it both attach to their own sentence', () => {
  const a = answer([
    'Raft elects a leader with randomized timeouts.',
    { cite: 'https://raft.github.io/?utm_source=openai', title: 'Raft' },
    ' Paxos separates proposers and acceptors',
    { cite: 'https://en.wikipedia.org/wiki/Paxos_(computer_science)' },
    '.\n\n- Both tolerate f failures among 2f+1 nodes.',
    { cite: 'https://example.org/quorum' },
  ]);
  expect(factsFromAnswer(a)).toEqual([
    { text: 'Raft elects a leader with randomized timeouts.', urls: ['https://raft.github.io'] },
    {
      text: 'Paxos separates proposers and acceptors.',
      urls: ['https://en.wikipedia.org/wiki/Paxos_(computer_science)'],
    },
    { text: 'Both tolerate f failures among 2f+1 nodes.', urls: ['https://example.org/quorum'] },
  ]);
  expect(stripCitations(a)).toBe(
    'Raft elects a leader with randomized timeouts. Paxos separates proposers and acceptors.\n\n- Both tolerate f failures among 2f+1 nodes.',
  );
});

test('sources: cited pages with titles first, then consulted pages, tracking parameters dropped, no duplicates', () => {
  const a = {
    ...answer(['Fact one is here.', { cite: 'https://a.example.com/x?utm_source=openai', title: 'A' }]),
    webSearches: [{ queries: ['q'], sources: ['https://a.example.com/x', 'https://www.b.example.com/y'] }],
  };
  expect(sourcesFromAnswer(a)).toEqual([
    { url: 'https://a.example.com/x', title: 'A' },
    { url: 'https://www.b.example.com/y', title: 'b.example.com' },
  ]);
});

test('merging rounds keeps findings bounded', () => {
  const many = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({
      text: `${prefix} fact ${i}`,
      urls: [`https://x.org/${prefix}${i}`],
    }));
  const sources = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({ url: `https://x.org/${prefix}${i}`, title: 't' }));
  const merged = mergeFinding(
    { summary: 'a'.repeat(1500), keyFacts: many(10, 'a'), sources: sources(15, 'a') },
    { summary: 'b'.repeat(1500), keyFacts: many(10, 'b'), sources: sources(15, 'b') },
  );
  expect(merged.summary.length).toBeLessThanOrEqual(2000);
  expect(merged.keyFacts).toHaveLength(12);
  expect(merged.sources).toHaveLength(20);
});

test('facts are whole sentences: abbreviations, initials, decimals and URLs do not end a sentence', () => {
  const a = answer([
    'Exports fell in 2025. Tariffs rose sharply following U.S. calls to cut imports',
    { cite: 'https://www.reuters.com/markets/a' },
    '. Some regulators, e.g. the FCA in the U.K., object to the plan',
    { cite: 'https://www.ft.com/b' },
    '. The index rose 3.5 percent, said Dr. J. Smith of example.org/report.v2 on Monday.',
    { cite: 'https://example.org/report.v2' },
    ' Growth was strongest in the U.S.',
    { cite: 'https://www.bea.gov/c' },
  ]);
  expect(factsFromAnswer(a).map((f) => f.text)).toEqual([
    'Tariffs rose sharply following U.S. calls to cut imports.',
    'Some regulators, e.g. the FCA in the U.K., object to the plan.',
    'The index rose 3.5 percent, said Dr. J. Smith of example.org/report.v2 on Monday.',
    'Growth was strongest in the U.S.',
  ]);
});

test('sources: a search source without a url (an API such as oai-weather) is no page and never crashes', () => {
  const a = {
    ...answer(['It is 15 degrees in San Francisco today.', { cite: 'https://weather.example.com/sf' }]),
    webSearches: [
      {
        action: 'search' as const,
        queries: ['weather: San Francisco, CA'],
        sources: [],
        namedSources: ['oai-weather'],
      },
      { action: 'search' as const, queries: ['query only'], sources: [] },
      { action: 'open_page' as const, queries: [], sources: ['https://en.wikipedia.org/wiki/San_Francisco'] },
      // What extraction produced before url-less sources were handled, still in older histories.
      { queries: ['legacy'], sources: [undefined as unknown as string, ''] },
    ],
  };
  expect(sourcesFromAnswer(a)).toEqual([
    { url: 'https://weather.example.com/sf', title: 'weather.example.com' },
    { url: 'https://en.wikipedia.org/wiki/San_Francisco', title: 'en.wikipedia.org' },
  ]);
});
