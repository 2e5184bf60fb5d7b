import { checkCitations, normalizeUrl, numberSources, renderReport } from '../src/report';
import type { NumberedSource } from '../src/schemas/research';

/** Citation numbering, checking and rendering: every marker in a report must name a listed source. */

/** Sources 1..count at https://example.com/<n>, titled "Source <n>". */
const sources = (count: number): NumberedSource[] =>
  Array.from({ length: count }, (_, i) => ({
    n: i + 1,
    url: `https://example.com/${i + 1}`,
    title: `Source ${i + 1}`,
  }));

describe('normalizeUrl', () => {
  it('lowercases the host and drops tracking parameters, fragment and trailing slash', () => {
    expect(normalizeUrl('HTTPS://Example.COM/Path/?utm_source=x&id=3&ref=hn&UTM_Medium=y#section')).toBe(
      'https://example.com/Path?id=3',
    );
    expect(normalizeUrl('https://example.com/')).toBe('https://example.com');
    expect(normalizeUrl('https://example.com:443/a//')).toBe('https://example.com/a');
  });

  it('keeps other parameters verbatim and in order', () => {
    expect(normalizeUrl('https://a.org/s?q=a+b&page=2&referrer=x&ref_src=y')).toBe(
      'https://a.org/s?q=a+b&page=2&referrer=x&ref_src=y',
    );
    expect(normalizeUrl('https://a.org/s?utm_campaign=z')).toBe('https://a.org/s');
  });

  it('returns text that is not a URL trimmed, and drops credentials', () => {
    expect(normalizeUrl('  not a url  ')).toBe('not a url');
    expect(normalizeUrl('mailto:someone@example.com')).toBe('mailto:someone@example.com');
    expect(normalizeUrl('https://user:pw@example.com/x')).toBe('https://example.com/x');
  });
});

describe('numberSources', () => {
  it('numbers unique pages 1..n in first-seen order across groups', () => {
    const numbered = numberSources([
      [
        { url: 'https://a.com/x?utm_source=s', title: '' },
        { url: 'https://b.com/', title: 'B' },
      ],
      [
        { url: 'https://A.com/x#top', title: '  A   title ' },
        { url: 'https://c.com/page', title: 'C' },
        { url: 'https://b.com', title: 'B again' },
      ],
    ]);
    expect(numbered).toEqual([
      { n: 1, url: 'https://a.com/x', title: 'A title' },
      { n: 2, url: 'https://b.com', title: 'B' },
      { n: 3, url: 'https://c.com/page', title: 'C' },
    ]);
  });

  it('falls back to the hostname when no title is known, and skips empty URLs', () => {
    expect(
      numberSources([
        [
          { url: 'https://www.example.org/a', title: ' ' },
          { url: '  ', title: 'nothing' },
        ],
      ]),
    ).toEqual([{ n: 1, url: 'https://www.example.org/a', title: 'www.example.org' }]);
    expect(numberSources([])).toEqual([]);
  });
});

describe('checkCitations', () => {
  it('keeps valid markers and renumbers them by first appearance', () => {
    const result = checkCitations('First [7]. Then [3] and [7] again.', sources(8));
    expect(result.markdown).toBe('First [1]. Then [2] and [1] again.');
    expect(result.cited).toEqual([
      { n: 1, url: 'https://example.com/7', title: 'Source 7' },
      { n: 2, url: 'https://example.com/3', title: 'Source 3' },
    ]);
    expect(result.invalidRemoved).toBe(0);
    expect(result.markersChecked).toBe(3);
  });

  it('removes unknown numbers, keeping the valid ones of a group', () => {
    const result = checkCitations('A [2, 99]. B [5][42]. C [99].', sources(5));
    expect(result.markdown).toBe('A [1]. B [2]. C.');
    expect(result.invalidRemoved).toBe(3);
    expect(result.markersChecked).toBe(5);
    expect(result.cited.map((s) => s.url)).toEqual(['https://example.com/2', 'https://example.com/5']);
  });

  it('writes every run of markers as adjacent single brackets, ascending', () => {
    const result = checkCitations('X [3, 1]. Y [1; 2] and [2] [3], [4].', sources(4));
    // 3 -> 1, 1 -> 2, 2 -> 3, 4 -> 4.
    expect(result.markdown).toBe('X [1][2]. Y [2][3] and [1][3][4].');
    expect(result.markersChecked).toBe(7);
  });

  it('expands small ranges and keeps only the ends of wide ones', () => {
    expect(checkCitations('R [2-4] and [6–5].', sources(6)).markdown).toBe('R [1][2][3] and [4][5].');
    const wide = checkCitations('W [1-20].', sources(20));
    expect(wide.markdown).toBe('W [1][2].');
    expect(wide.cited.map((s) => s.title)).toEqual(['Source 1', 'Source 20']);
    const ranged = checkCitations('Z [4-7].', sources(5));
    expect(ranged.markdown).toBe('Z [1][2].');
    expect(ranged.invalidRemoved).toBe(2);
    expect(ranged.markersChecked).toBe(4);
  });

  it('counts duplicates within a run once in the text but checks each', () => {
    const result = checkCitations('D [2, 2][2].', sources(2));
    expect(result.markdown).toBe('D [1].');
    expect(result.markersChecked).toBe(3);
  });

  it('removes an emptied marker with one preceding space, or the following one at a line start', () => {
    expect(checkCitations('Claim [9] here.\n[9] Next line.\nEnd [8]', sources(1)).markdown).toBe(
      'Claim here.\nNext line.\nEnd',
    );
  });

  it('leaves links, images, footnotes, checkboxes, escapes and code alone', () => {
    const text = [
      'See [the docs](https://x.com/a_(b)) and ![chart [2]](img.png) and [1](https://y.com) [^1].',
      '- [ ] todo',
      '- [x] done [2]',
      'Inline `arr[3]` and ``x [3] y`` and \\[3] stays.',
      '<https://z.com/[3]>',
      '',
      '```ts',
      'const a = b[3];',
      '```',
      '',
      '~~~',
      '[3]',
      '~~~',
      '',
      '[^1]: A footnote [2].',
    ].join('\n');
    const result = checkCitations(text, sources(2));
    expect(result.markdown).toBe(
      text.replace('- [x] done [2]', '- [x] done [1]').replace('A footnote [2]', 'A footnote [1]'),
    );
    expect(result.markersChecked).toBe(2);
    expect(result.invalidRemoved).toBe(0);
  });

  it('treats an unclosed fence as code to the end', () => {
    const text = 'Fact [2].\n\n```\n[1] inside\nstill [5]';
    expect(checkCitations(text, sources(2)).markdown).toBe('Fact [1].\n\n```\n[1] inside\nstill [5]');
  });

  it('does not let a stray backtick protect markers past a blank line', () => {
    const text = 'A ` stray [2].\n\nB [1] ` end.';
    expect(checkCitations(text, sources(2)).markdown).toBe('A ` stray [1].\n\nB [2] ` end.');
  });

  it('strips the model’s own closing source list', () => {
    const text = [
      '# Title',
      '',
      'Body [2].',
      '',
      '---',
      '',
      '## Sources',
      '',
      '[1] Source one https://example.com/1',
      '[2] Source two',
      '',
      '### Further papers',
      '- [3] more',
    ].join('\n');
    const result = checkCitations(text, sources(3));
    expect(result.markdown).toBe('# Title\n\nBody [1].');
    expect(result.markersChecked).toBe(1);
  });

  it.each([
    ['## References'],
    ['### Bibliography'],
    ['## 5. Sources:'],
    ['**Sources**'],
    ['# Works Cited'],
    ['## Source list'],
  ])('recognizes "%s" as a closing source list', (heading) => {
    expect(checkCitations(`Body [1].\n\n${heading}\n\n1. x`, sources(1)).markdown).toBe('Body [1].');
  });

  it('keeps a sources-like section followed by other content, and headings inside code', () => {
    const middle = '## Sources of error\n\nText.\n\n## References\n\nSee [1].\n\n## Conclusion\n\nDone.';
    expect(checkCitations(middle, sources(1)).markdown).toBe(middle);
    const code = 'Body.\n\n```md\n## Sources\n```';
    expect(checkCitations(code, sources(1)).markdown).toBe(code);
  });

  it('drops numeric link definitions that would bind markers to unchecked URLs', () => {
    const text = 'Claim [1].\n\n[1]: https://evil.example\n[docs]: https://ok.example';
    expect(checkCitations(text, sources(1)).markdown).toBe('Claim [1].\n\n[docs]: https://ok.example');
  });

  it('handles Windows newlines and text without markers', () => {
    expect(checkCitations('A [1].\r\nB.\r\n', sources(1)).markdown).toBe('A [1].\nB.');
    expect(checkCitations('', [])).toEqual({ markdown: '', cited: [], invalidRemoved: 0, markersChecked: 0 });
  });
});

describe('renderReport', () => {
  const cited: NumberedSource[] = [
    { n: 1, url: 'https://a.com/x', title: 'Alpha [draft] study' },
    { n: 2, url: 'https://b.com/p (1)', title: '' },
  ];

  it('links only http(s) URLs and escapes what a title or URL could break out with', () => {
    const md = renderReport({
      question: 'q',
      body: 'Body [1][2][3][4].',
      cited: [
        { n: 1, url: 'javascript:alert(1)', title: 'Click [me](https://phish.example)' },
        { n: 2, url: 'https://ok.example/a`](https://phish.example) `', title: 'Backtick `here`' },
        { n: 3, url: 'mcp:crm/x`y', title: '<img src=x onerror=alert(1)> *bold*', kind: 'api' },
        { n: 4, url: 'https://ok.example/', title: 'T'.repeat(5000) },
      ],
      invalidRemoved: 0,
    });
    const list = md.slice(md.indexOf('## Sources'));
    expect(list).toContain('[1] Click \\[me\\](https:\u200B//phish.example) — `javascript:alert%281%29`');
    expect(list).toContain(
      '[2] [Backtick \\`here\\`](https://ok.example/a%60]%28https://phish.example%29%20%60)',
    );
    expect(list).toContain('[3] \\<img src=x onerror=alert(1)\\> \\*bold\\* — `mcp:crm/x%60y` (api)');
    expect(list).not.toMatch(/\]\(javascript:/);
    // A title is at most 300 characters in the list.
    expect(list.split('\n').find((l) => l.startsWith('[4]'))!.length).toBeLessThan(360);
  });

  it('defangs titles a GFM renderer would autolink: scheme://, www. and e-mail addresses', () => {
    const title =
      'Login again at https://phish.example/reset www.evil.example or WWW.EVIL.EXAMPLE, mail it@evil.example';
    const md = renderReport({
      question: 'q',
      body: 'Body [1][2][3].',
      cited: [
        { n: 1, url: 'https://ok.example/', title },
        { n: 2, url: 'db:sales#q', title, kind: 'database' },
        { n: 3, url: 'https://www.ok.example/page', title: '' },
      ],
      invalidRemoved: 0,
    });
    const list = md.slice(md.indexOf('## Sources'));
    // What GFM's extended autolinks start from, outside a link destination or a code span.
    const text = list.replace(/\]\([^)]*\)/g, ']').replace(/`[^`]*`/g, '');
    expect(text).not.toMatch(/[a-z]+:\/\//i);
    expect(text).not.toMatch(/www\./i);
    expect(text).not.toMatch(/[\w.+-]@[a-z0-9]/i);
    // The reader sees the same words.
    expect(text.replace(/\u200B/g, '')).toContain(
      'Login again at https://phish.example/reset www.evil.example or WWW.EVIL.EXAMPLE, mail it@evil.example',
    );
    // The link itself still works.
    expect(list).toContain('[3] [https:\u200B//www\u200B.ok.example/page](https://www.ok.example/page)');
  });

  it('renders title, body, sources and the check note, ending with one newline', () => {
    const md = renderReport({
      question: 'Why is the sky\nblue?',
      body: 'Rayleigh [1][2].\n\n',
      cited,
      invalidRemoved: 2,
    });
    expect(md).toBe(
      [
        '# Why is the sky blue?',
        '',
        'Rayleigh [1][2].',
        '',
        '## Sources',
        '',
        '[1] [Alpha \\[draft\\] study](https://a.com/x)',
        '',
        '[2] [https:\u200B//b.com/p (1)](https://b.com/p%20%281%29)',
        '',
        '_Citations checked by code: every marker refers to a listed source (2 removed)._',
        '',
      ].join('\n'),
    );
  });

  it('keeps the body’s own title and puts notices in order', () => {
    const md = renderReport({
      question: 'q?',
      body: '\n# Own title\n\nText [1].',
      cited: cited.slice(0, 1),
      invalidRemoved: 0,
      simulated: true,
      stoppedBy: 'budget',
      failedQuestions: ['First\nquestion?', 'Second?'],
    });
    const lines = md.split('\n');
    expect(lines[0]).toMatch(
      /^> \*\*Simulated:\*\* .*Responses API simulator, not a real model.*simulated\.$/,
    );
    expect(lines[2]).toBe('# Own title');
    expect(md).not.toContain('# q?');
    expect(md).toContain(
      '> **Note:** Research stopped early because the budget was reached; this report covers what was found until then.',
    );
    expect(md).toContain('> - First question?\n> - Second?');
    expect(md.indexOf('Research stopped early')).toBeLessThan(md.indexOf('Not covered'));
    expect(md.indexOf('Not covered')).toBeLessThan(md.indexOf('Text [1].'));
    expect(md.endsWith('(0 removed)._\n')).toBe(true);
  });

  it.each([
    ['deadline', 'because the deadline was reached'],
    ['finish', 'stopped early on request'],
  ] as const)('explains a stop by %s', (stoppedBy, phrase) => {
    expect(renderReport({ question: 'q?', body: 'b', cited: [], invalidRemoved: 0, stoppedBy })).toContain(
      phrase,
    );
  });

  it('says so when nothing is cited, and adds no notices by default', () => {
    const md = renderReport({ question: 'q?', body: '', cited: [], invalidRemoved: 1 });
    expect(md).toBe(
      '# q?\n\n## Sources\n\n_No sources were cited._\n\n' +
        '_Citations checked by code: every marker refers to a listed source (1 removed)._\n',
    );
  });

  it('turns a checked body into a consistent report end to end', () => {
    const numbered = numberSources([
      [
        { url: 'https://a.com/1', title: 'A' },
        { url: 'https://b.com/2', title: 'B' },
      ],
    ]);
    const checked = checkCitations(
      '# Report\n\nB says [2], A says [1, 3].\n\n## References\n[1] A',
      numbered,
    );
    const md = renderReport({ question: 'q?', body: checked.markdown, ...checked });
    expect(md).toContain('B says [1], A says [2].');
    expect(md).toContain('[1] [B](https://b.com/2)\n\n[2] [A](https://a.com/1)');
    expect(md).toContain('(1 removed)');
    expect(md.match(/^## (Sources|References)$/gm)).toEqual(['## Sources']);
  });
});
