/**
 * Text helpers for everything that shows or bounds text: the report, the findings, the tools and the
 * CLI. Pure (no I/O, no node: modules; only the URL global, which Temporal's workflow sandbox
 * provides): safe inside workflow code.
 */

/** A title anywhere: a tool's source, the report's source list, the report's own title line. */
export const MAX_TITLE_CHARS = 300;

/** Runs of white space, line breaks included, as one space; trimmed. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * At most `max` characters, the last an ellipsis when cut; never splits a surrogate pair. With
 * `trimEnd`, white space before the ellipsis goes too (prose reads "ends here…", not "ends here …").
 */
export function clip(text: string, max: number, { trimEnd = false }: { trimEnd?: boolean } = {}): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${trimEnd ? cut.trimEnd() : cut}…`;
}

/** At most `max` characters, the last an ellipsis when cut; cut after a word when one ends past 60% of it. */
export function clipAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.search(/\s\S*$/);
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

/**
 * A source's excerpt: one line of at most `max` characters, cut after a word. Only the first `max * 4`
 * characters are read, so a page or a server's answer of megabytes costs what a short one does.
 */
export function excerpt(text: string, max: number): string {
  return clipAtWord(oneLine(text.slice(0, max * 4)), max);
}

/**
 * One line of plain text: control characters and runs of white space become one space, and at most
 * `max` characters are kept (`clip`). Only the first `max * 4` characters are looked at, so the
 * regular expressions never run over megabytes.
 */
export function oneLineBounded(text: string, max: number): string {
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  return clip(
    // eslint-disable-next-line no-control-regex
    head.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim(),
    max,
  );
}

/** A URL's host name, as a title for a page that has none; the text itself when it has no host. */
export function hostname(url: string): string {
  try {
    return new URL(url).hostname || url;
  } catch {
    return url;
  }
}

/** A URL's host name without `www.` ("nature.com"), as a cited page's title; the text when not a URL. */
export function siteName(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}
