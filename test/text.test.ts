import {
  clip,
  clipAtWord,
  excerpt,
  hostname,
  MAX_TITLE_CHARS,
  oneLine,
  oneLineBounded,
  siteName,
} from '../src/text';

/** The text helpers every part shares: what a cut keeps, where it cuts, what a title falls back to. */

describe('oneLine', () => {
  test('line breaks and runs of white space become one space, ends trimmed', () => {
    expect(oneLine('  Tides\n\n  and\tthe   moon \r\n')).toBe('Tides and the moon');
  });
});

describe('clip', () => {
  test('text that fits is returned as it is', () => {
    expect(clip('abcde', 5)).toBe('abcde');
  });

  test('longer text is cut to max characters, the last an ellipsis', () => {
    expect(clip('abcdefgh', 5)).toBe('abcd…');
    expect(clip('abcdefgh', 5)).toHaveLength(5);
  });

  test('a cut never leaves half of a surrogate pair', () => {
    // The 4th and 5th UTF-16 units are one emoji: the cut at 4 units drops it whole.
    const cut = clip('abc😀defg', 5);
    expect(cut).toBe('abc…');
    expect(/[\uD800-\uDFFF]/.test(cut)).toBe(false);
  });

  test('keeps the white space before the ellipsis unless trimEnd is asked for', () => {
    expect(clip('one two three', 5)).toBe('one …');
    expect(clip('one two three', 5, { trimEnd: true })).toBe('one…');
    expect(clip('one\n\ntwo three', 6, { trimEnd: true })).toBe('one…');
  });
});

describe('clipAtWord', () => {
  test('cuts after the last word when that keeps more than 60% of max', () => {
    expect(clipAtWord('alpha beta gamma delta', 15)).toBe('alpha beta…');
    expect(clipAtWord('alpha beta gamma delta', 15).length).toBeLessThanOrEqual(15);
  });

  test('cuts mid-word when the last word break comes too early', () => {
    expect(clipAtWord('ab cdefghijklmnop', 10)).toBe('ab cdefgh…');
  });

  test('text that fits is returned as it is', () => {
    expect(clipAtWord('alpha beta', 10)).toBe('alpha beta');
  });
});

describe('excerpt', () => {
  test('one line of at most max characters, cut after a word', () => {
    const text = `${'word '.repeat(200)}\n\nend`;
    const cut = excerpt(text, 50);
    expect(cut.length).toBeLessThanOrEqual(50);
    expect(cut).toMatch(/^(word )+word…$/);
  });

  test('reads only the first max * 4 characters', () => {
    // Past the first 40 characters there is only white space before more text: it is never reached.
    expect(excerpt(`short${' '.repeat(100)}later text`, 10)).toBe('short');
  });
});

describe('oneLineBounded', () => {
  test('control characters, line separators and white space become one space', () => {
    expect(oneLineBounded('a\u0000b\u2028c\n\n d\u0085e', 100)).toBe('a b c d e');
  });

  test('a title of megabytes becomes MAX_TITLE_CHARS characters', () => {
    const title = oneLineBounded('x'.repeat(2_000_000), MAX_TITLE_CHARS);
    expect(title).toHaveLength(MAX_TITLE_CHARS);
    expect(title.endsWith('…')).toBe(true);
  });
});

describe('hostname and siteName', () => {
  test('hostname: the host as it is, or the text when there is none', () => {
    expect(hostname('https://www.nature.com/articles/x')).toBe('www.nature.com');
    expect(hostname('docs:handbook/leave.md')).toBe('docs:handbook/leave.md');
    expect(hostname('not a url')).toBe('not a url');
  });

  test('siteName: the host without www., or the text when it is not a URL', () => {
    expect(siteName('https://www.nature.com/articles/x')).toBe('nature.com');
    expect(siteName('https://en.wikipedia.org/wiki/Tide')).toBe('en.wikipedia.org');
    expect(siteName('not a url')).toBe('not a url');
  });
});
