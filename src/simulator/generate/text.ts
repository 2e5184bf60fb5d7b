import type { Rng } from '../random';
import type { RequestDigest } from './analysis';
import { capitalise, factSentences, facetOrder, fill, titleCase } from './prose';
import { citedUrl, type WebSource } from './sources';

/** Prose answers: web-search answers with URL citations, Markdown reports with [n] markers, tool summaries. */

export interface UrlCitation {
  type: 'url_citation';
  url: string;
  title: string;
  start_index: number;
  end_index: number;
}

export interface CitedText {
  text: string;
  annotations: UrlCitation[];
}

/** Builds text piece by piece, recording the exact span of each citation parenthetical. */
class CitedTextBuilder {
  private text = '';
  private readonly annotations: UrlCitation[] = [];

  append(piece: string): this {
    this.text += piece;
    return this;
  }

  /** Appends ` ([domain](url))` and an annotation covering exactly the parenthetical. */
  cite(source: WebSource): this {
    const url = citedUrl(source.url);
    const parenthetical = `([${source.domain}](${url}))`;
    this.text += ' ';
    const start = this.text.length;
    this.text += parenthetical;
    this.annotations.push({
      type: 'url_citation',
      url,
      title: source.title,
      start_index: start,
      end_index: this.text.length,
    });
    return this;
  }

  build(): CitedText {
    return { text: this.text, annotations: this.annotations };
  }
}

/** A few paragraphs about the digest's subject; each factual sentence cites one of `cited` (all are used). */
export function webSearchAnswer(digest: RequestDigest, rng: Rng, cited: WebSource[]): CitedText {
  const builder = new CitedTextBuilder();
  const count = Math.max(cited.length, rng.int(5, 7));
  const sentences = factSentences(digest, rng.fork('facts'), count);
  builder.append(`Here is a summary of recent reporting and research on ${digest.subject}.\n\n`);
  const bulletBlock = rng.chance(0.5) ? 1 : -1;
  let sentenceIndex = 0;
  const blocks = [2, Math.max(2, count - 4), 2];
  blocks.forEach((size, blockIndex) => {
    const asBullets = blockIndex === bulletBlock;
    for (let i = 0; i < size && sentenceIndex < sentences.length; i++, sentenceIndex++) {
      const source = cited[sentenceIndex % cited.length];
      if (asBullets) builder.append('- ');
      else if (i > 0) builder.append(' ');
      builder.append(sentences[sentenceIndex] ?? '');
      if (source) builder.cite(source);
      if (asBullets) builder.append('\n');
    }
    builder.append(asBullets ? '\n' : '\n\n');
  });
  builder.append(
    fill(
      'Overall, the sources agree on the direction of travel for {subject}, but the evidence on {dim2} is still thin and mostly short-term.',
      digest,
      rng,
    ),
  );
  return builder.build();
}

function withMarkers(sentence: string, markers: string): string {
  if (!markers) return sentence;
  const match = /^(.*?)([.!?]+)?$/s.exec(sentence.trim());
  return `${match?.[1] ?? sentence} ${markers}${match?.[2] ?? '.'}`;
}

/** The numbers a report cites: a fair subset of the listed ones (at least three, about 70%). */
export function chooseCitedNumbers(listed: number[], rng: Rng): number[] {
  if (listed.length <= 3) return [...listed];
  const count = Math.max(3, Math.ceil(listed.length * 0.7));
  return rng
    .shuffle(listed)
    .slice(0, count)
    .sort((a, b) => a - b);
}

/** Numbers that are not in the source list (97, 98, …), for tests of citation checking. */
export function inventedNumbers(listed: number[], count: number): number[] {
  const taken = new Set(listed);
  const out: number[] = [];
  for (let n = 97; out.length < count; n++) if (!taken.has(n)) out.push(n);
  return out;
}

/** A Markdown research report; with a numbered source list in the input it cites `[n]` markers from it. */
export function reportMarkdown(digest: RequestDigest, rng: Rng, inventedCitations: number): string {
  const listed = digest.sources.map((source) => source.n);
  const listedSet = new Set(listed);
  const reused = digest.statements.slice(0, 8);
  // Numbers the findings already tie to a statement stay with it; others are spread over the rest.
  const carried = new Set(reused.flatMap((s) => s.cites.filter((n) => listedSet.has(n))));
  const cited = [...new Set([...chooseCitedNumbers(listed, rng.fork('cited')), ...carried])].sort(
    (a, b) => a - b,
  );
  const needed = Math.max(10, cited.length + 4);
  const entries = [
    ...reused.map((s) => ({ text: s.text, cites: [...new Set(s.cites.filter((n) => listedSet.has(n)))] })),
    ...factSentences(digest, rng.fork('facts'), Math.max(0, needed - reused.length)).map((text) => ({
      text,
      cites: [] as number[],
    })),
  ];
  if (cited.length > 0) {
    const unused = cited.filter((n) => !carried.has(n));
    let cursor = 0;
    for (const entry of entries) {
      if (entry.cites.length > 0) continue;
      entry.cites.push(unused.shift() ?? cited[cursor++ % cited.length] ?? 0);
    }
    for (let i = 0; unused.length > 0; i++) entries[i % entries.length]?.cites.push(unused.shift() ?? 0);
  }
  const invented = listed.length > 0 ? inventedNumbers(listed, inventedCitations) : [];
  invented.forEach((n, i) => entries[3 + (i % Math.max(1, entries.length - 3))]?.cites.push(n));
  const sentences = entries.map((entry) =>
    withMarkers(entry.text, entry.cites.map((n) => `[${n}]`).join('')),
  );

  const facets = facetOrder(rng.fork('facets'));
  const lines: string[] = [];
  lines.push(
    `# ${titleCase(digest.subject)}: ${capitalise(rng.pick(['what the evidence shows', 'a research report', 'the state of the evidence']))}`,
  );
  lines.push('', '## Summary', '', sentences.slice(0, 3).join(' '));
  lines.push('', '## Key findings', '');
  for (const sentence of sentences.slice(3, 7)) lines.push(`- ${sentence}`);
  const rest = sentences.slice(7);
  const sectionCount = Math.max(1, Math.ceil(rest.length / 3));
  for (let s = 0; s < sectionCount; s++) {
    const facet = facets[(s + 1) % facets.length];
    lines.push(
      '',
      `## ${capitalise(facet ? fill(facet.title, digest, rng) : 'Details')}`,
      '',
      rest.slice(s * 3, s * 3 + 3).join(' '),
    );
  }
  lines.push('', '## Limitations and open questions', '');
  lines.push(
    `- ${fill('Independent, long-term data on {dim1} for {subject} are still limited.', digest, rng)}`,
  );
  lines.push(
    `- ${fill('Sources differ on how to measure {dim2}, which makes direct comparison difficult.', digest, rng, 1)}`,
  );
  lines.push('', '## Conclusion', '');
  lines.push(
    fill(
      'Taken together, the findings suggest that work on {subject} is maturing quickly, but decisions should weigh {dim1} and {dim2} against the still limited long-term evidence.',
      digest,
      rng,
    ),
  );
  return lines.join('\n');
}

function describeOutput(output: string): string {
  const trimmed = output.trim();
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (Array.isArray(parsed)) return `a list of ${parsed.length} item${parsed.length === 1 ? '' : 's'}`;
    if (parsed && typeof parsed === 'object') {
      const entries = Object.entries(parsed as Record<string, unknown>).slice(0, 4);
      return entries
        .map(
          ([key, value]) =>
            `${key}: ${typeof value === 'object' ? JSON.stringify(value).slice(0, 80) : String(value)}`,
        )
        .join('; ');
    }
  } catch {
    // Not JSON: quote it instead.
  }
  const quoted = trimmed.length > 200 ? `${trimmed.slice(0, 200).replace(/\s+\S*$/, '')}...` : trimmed;
  return `"${quoted.replace(/\s+/g, ' ')}"`;
}

/** An answer that uses the results of earlier function calls. */
export function functionAnswer(
  digest: RequestDigest,
  rng: Rng,
  results: { name: string; output: string }[],
): string {
  const lines = ['Here is what the tool results show.', ''];
  for (const result of results) lines.push(`- \`${result.name}\` returned ${describeOutput(result.output)}`);
  lines.push('', factSentences(digest, rng, 2).join(' '));
  return lines.join('\n');
}

/** A plain Markdown answer (no sources to cite). */
export function markdownAnswer(digest: RequestDigest, rng: Rng): string {
  const sentences = factSentences(digest, rng.fork('facts'), 7);
  const lines = [
    `# ${titleCase(digest.subject)}`,
    '',
    sentences.slice(0, 2).join(' '),
    '',
    '## Key points',
    '',
    ...sentences.slice(2, 6).map((sentence) => `- ${sentence}`),
    '',
    '## Next steps',
    '',
    `- ${fill('Check the latest primary sources on {dim1} before relying on these figures.', digest, rng)}`,
    `- ${fill('Compare {subject} with {related} on the criteria that matter most to you.', digest, rng)}`,
  ];
  return lines.join('\n');
}

/** A JSON object answer for `text.format: json_object`. */
export function jsonObjectAnswer(digest: RequestDigest, rng: Rng): string {
  return JSON.stringify({
    topic: digest.subject,
    summary: factSentences(digest, rng.fork('facts'), 2).join(' '),
    key_points: factSentences(digest, rng.fork('points'), 3),
  });
}
