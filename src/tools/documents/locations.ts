/**
 * Where a passage sits in its file: a line range for text-like files (lines of the extracted text, which
 * for Markdown and plain text are the file's own lines) or a page for PDFs. Shown to the model as
 * `L12-L30` / `page 3`, and in source URLs as `#L12-L30` / `#page=3`, the fragments code hosts and PDF
 * viewers understand.
 */
export type Location = { kind: 'lines'; start: number; end: number } | { kind: 'page'; page: number };

export function describeLocation(location: Location): string {
  if (location.kind === 'page') return `page ${location.page}`;
  return location.start === location.end ? `L${location.start}` : `L${location.start}-L${location.end}`;
}

export function locationFragment(location: Location): string {
  return location.kind === 'page' ? `page=${location.page}` : describeLocation(location);
}

/** `docs:handbook/leave-policy.md#L12-L30`: the source, the file and the location, stable across runs. */
export function sourceUrl(sourceName: string, file: string, location: Location): string {
  // encodeURI keeps `/` and readable names, but a space or `#` in a file name cannot break the URL.
  return `${sourceName}/${encodeURI(file).replace(/#/g, '%23')}#${locationFragment(location)}`;
}

/**
 * Reads a location the way a model may write it: `L12-L30`, `L12`, `12-30`, `lines 12-30`, `page 3`,
 * `page=3`, `p. 3`, with or without a leading `#`. Undefined when it is none of these.
 */
export function parseLocation(text: string): Location | undefined {
  const trimmed = text.trim().replace(/^#/, '').trim();
  const page = /^(?:page|p\.?)\s*[=:]?\s*(\d+)$/i.exec(trimmed);
  if (page) return positive(Number(page[1])) ? { kind: 'page', page: Number(page[1]) } : undefined;
  const lines = /^(?:lines?\s*)?L?(\d+)(?:\s*[-–]\s*L?(\d+))?$/i.exec(trimmed);
  if (!lines) return undefined;
  const start = Number(lines[1]);
  const end = lines[2] === undefined ? start : Number(lines[2]);
  return positive(start) && end >= start ? { kind: 'lines', start, end } : undefined;
}

function positive(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1;
}
