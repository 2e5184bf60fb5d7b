import MiniSearch from 'minisearch';
import type { Passage } from './passages';

/**
 * Full-text search over passages with MiniSearch (BM25): text, headings and file names, with prefix and
 * fuzzy matching so "reimburse" finds "reimbursed" and a typo still finds its word.
 */

interface IndexedPassage {
  id: number;
  text: string;
  heading: string;
  file: string;
}

// Question words that every passage matches would only add noise to BM25 on questions like
// "What is our parental leave policy and how does it compare to the law?".
const STOP_WORDS = new Set(
  (
    'a an and are as at be but by can do does for from has have how i if in into is it its of on or our ' +
    's so than that the their them then there these they this to us was we were what when where which who ' +
    'why will with you your'
  ).split(' '),
);

function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  return STOP_WORDS.has(lower) ? null : lower;
}

export class PassageIndex {
  private readonly search: MiniSearch<IndexedPassage>;

  private readonly passages: Passage[] = [];

  constructor(passages: Passage[] = []) {
    this.search = new MiniSearch<IndexedPassage>({
      fields: ['text', 'heading', 'file'],
      processTerm,
      searchOptions: {
        // A heading or file name that matches says more about a passage than one word in its body.
        boost: { heading: 2, file: 1.5 },
        // Prefix and fuzzy matching on one- or two-letter terms would match half the vocabulary.
        prefix: (term) => term.length >= 3,
        fuzzy: (term) => (term.length >= 4 ? 0.2 : false),
        combineWith: 'OR',
      },
    });
    this.add(passages);
  }

  /** Indexes more passages (one file's, so the reader knows which file the time and memory went to). */
  add(passages: Passage[]): void {
    const first = this.passages.length;
    this.passages.push(...passages);
    this.search.addAll(
      passages.map((p, i) => ({
        id: first + i,
        text: p.text,
        heading: p.headings.join(' '),
        // Words of the path and name: "benefits-summary-2025.pdf" is found by "benefits summary".
        file: p.file,
      })),
    );
  }

  get size(): number {
    return this.passages.length;
  }

  /** The best passages for the query, best first. */
  query(query: string, limit: number): Passage[] {
    return this.search
      .search(query)
      .slice(0, limit)
      .map((hit) => this.passages[hit.id as number])
      .filter((p): p is Passage => p !== undefined);
  }
}
