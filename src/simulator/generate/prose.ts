import type { Rng } from '../random';
import type { RequestDigest } from './analysis';

/**
 * Sentence-level vocabulary shared by every generator: research facets (for questions, queries and titles)
 * and templated factual sentences about a subject. ASCII only, so string indices equal character counts.
 */

export interface Facet {
  question: string;
  /** Search queries for this facet, most direct first. */
  queries: string[];
  title: string;
  rationale: string;
}

export const FACETS: readonly Facet[] = [
  {
    question: 'What is the current state of {subject}, and how did it develop?',
    queries: [
      '{subject} overview {year}',
      '{subject} history and milestones',
      '{subject} market size {year}',
    ],
    title: 'Current state of {subject}',
    rationale: 'Establishes the baseline the rest of the research builds on.',
  },
  {
    question: 'What measurable benefits come from {subject}, and how strong is the evidence?',
    queries: [
      '{subject} measured benefits study',
      '{subject} randomized trial results',
      '{subject} meta-analysis outcomes',
    ],
    title: 'Evidence of benefits',
    rationale: 'Separates measured outcomes from claims, so the report can weigh them.',
  },
  {
    question: 'What are the main costs, risks and limitations of {subject}?',
    queries: [
      '{subject} risks limitations costs',
      '{subject} failure cases',
      '{subject} total cost of ownership',
    ],
    title: 'Costs, risks and limitations',
    rationale: 'A balanced answer needs the downsides as well as the benefits.',
  },
  {
    question: 'How does {subject} compare with {related}?',
    queries: [
      '{subject} vs {related}',
      '{subject} alternatives comparison',
      '{related} advantages over {subject}',
    ],
    title: '{Subject} compared with {related}',
    rationale: 'Comparison with alternatives shows whether {subject} is the right choice.',
  },
  {
    question: 'Which organisations and researchers are driving work on {subject}?',
    queries: [
      '{subject} leading organisations researchers',
      '{subject} top companies {year}',
      '{subject} research groups funding',
    ],
    title: 'Key players',
    rationale: 'Knowing who drives the field helps judge the sources and their incentives.',
  },
  {
    question: 'What do regulators and standards bodies say about {subject}?',
    queries: ['{subject} regulation standards {year}', '{subject} EU policy', '{subject} ISO NIST standard'],
    title: 'Regulation and standards',
    rationale: 'Rules and standards constrain how {subject} can be used in practice.',
  },
  {
    question: 'How is {subject} expected to develop over the next five years?',
    queries: ['{subject} outlook forecast {year}', '{subject} roadmap 2030', '{subject} expert predictions'],
    title: 'Outlook',
    rationale: 'Readers need to know where {subject} is heading, not only where it is.',
  },
  {
    question: 'Which open questions about {subject} remain unresolved?',
    queries: [
      '{subject} open problems research gaps',
      '{subject} unresolved questions',
      '{subject} evidence gaps review',
    ],
    title: 'Open questions',
    rationale: 'Gaps in the evidence mark the limits of any conclusion.',
  },
  // Twelve facets in all, so a plan of up to 12 questions (the project's maximum) has no duplicates.
  {
    question: 'How is {subject} implemented in practice, and what typically goes wrong?',
    queries: [
      '{subject} implementation lessons learned',
      '{subject} case study deployment',
      '{subject} pitfalls',
    ],
    title: 'Practice and pitfalls',
    rationale: 'Practice shows where theory and reality part ways.',
  },
  {
    question: 'What are the environmental and social impacts of {subject}?',
    queries: [
      '{subject} environmental impact',
      '{subject} social impact study',
      '{subject} lifecycle assessment',
    ],
    title: 'Environmental and social impact',
    rationale: 'Impacts beyond cost decide public acceptance of {subject}.',
  },
  {
    question: 'Which technical breakthroughs could change the prospects of {subject}?',
    queries: ['{subject} breakthrough {year}', '{subject} new research results', '{subject} next generation'],
    title: 'Breakthroughs to watch',
    rationale: 'Breakthroughs can overturn the trade-offs of today.',
  },
  {
    question: 'How have expert and public opinion about {subject} shifted in recent years?',
    queries: [
      '{subject} public opinion survey',
      '{subject} expert survey {year}',
      '{subject} perception trends',
    ],
    title: 'Opinion and perception',
    rationale: 'Shifts in opinion often precede shifts in policy and investment.',
  },
];

// Subject-verb agreement is avoided on purpose: subjects may be singular or plural ("solid-state batteries").
const FACT_TEMPLATES: readonly string[] = [
  'Interest in {subject} has moved from niche to mainstream since {y1}, and reported adoption roughly {mult} between {y1} and {y2}.',
  'A {y2} survey of {n} organisations found that {pct}% already use {subject} in some form, while another {pct2}% are still evaluating the option.',
  'The most cited drivers are {dim1} and {dim3}, which together account for most of the measurable gains attributed to {subject}.',
  'Published case studies put the typical saving from {subject} at {pct}% to {pct3}%, depending mostly on {dim1}.',
  'Much of the evidence on {subject} comes from vendor-funded studies, and independent replications remain scarce.',
  'Peer-reviewed work from {y2} suggests that {dim1} matters more than {dim2} for the long-term outcomes of {subject}.',
  'Regulators in the EU and the United States have begun to issue guidance on {subject}, with a focus on transparency and {dim3}.',
  'Compared with {related}, the case for {subject} is stronger on {dim1} but weaker on upfront cost and complexity.',
  'Experts expect {dim2} and {dim3} to be the main open problems for {subject} over the next {n2} years.',
  'The largest deployments of {subject} to date involve more than {big} users, mostly in North America, Europe and East Asia.',
  'Failure analyses point to weak {dim2} and unclear ownership as the most common reasons that projects involving {subject} stall.',
  'Standards bodies such as ISO and NIST have published or drafted frameworks that touch on {subject}, although none is binding yet.',
  'Benchmarks published in {y2} show a median improvement of {pct}% in {dim1} for {subject}, with large variance between settings.',
  'Market estimates put spending related to {subject} at about {money} billion US dollars in {y2}, growing {pct4}% a year.',
  'Practitioners report that {dim1} is the hardest part of adopting {subject}, more than the technology itself.',
  'Long-term data on {subject} are limited, as most studies follow outcomes for less than {n2} years.',
  'Recent work on {kw1} has changed how analysts assess {subject}, especially where {dim2} is concerned.',
];

/** Qualities any subject can be judged on; they read well in every slot that asks for a dimension. */
const DIMENSIONS: readonly string[] = [
  'cost control',
  'reliability',
  'data quality',
  'integration effort',
  'safety testing',
  'scalability',
  'governance',
  'energy efficiency',
  'skills and training',
  'interoperability',
  'regulatory clarity',
  'user adoption',
];

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const SMALL_WORDS = new Set([
  'a',
  'an',
  'and',
  'as',
  'at',
  'but',
  'by',
  'for',
  'in',
  'of',
  'on',
  'or',
  'the',
  'to',
  'vs',
  'with',
]);

export function titleCase(text: string): string {
  return text
    .split(/\s+/)
    .map((word, i) => (i > 0 && SMALL_WORDS.has(word.toLowerCase()) ? word.toLowerCase() : capitalise(word)))
    .join(' ');
}

/** Key phrase i of the request, or a generic dimension when the request has too few. */
export function keyword(digest: RequestDigest, index: number): string {
  // Single words cut from a sentence ("twice", "plans") read badly in templates: only phrases are used.
  const phrases = digest.keywords.filter((k) => k.includes(' '));
  const pool = [...phrases, ...DIMENSIONS.filter((d) => !phrases.includes(d))];
  return pool[index % pool.length] ?? 'cost control';
}

/** Dimension i, in a request-specific order. */
function dimension(digest: RequestDigest, index: number): string {
  const start = digest.subject.length + digest.topic.length;
  return DIMENSIONS[(start + index) % DIMENSIONS.length] ?? 'reliability';
}

export function relatedTerm(digest: RequestDigest): string {
  return digest.related[0] ?? 'the main alternatives';
}

/** Fills `{subject}`, `{Subject}`, `{related}`, `{year}`, `{kwN}` and numeric placeholders. */
export function fill(template: string, digest: RequestDigest, rng: Rng, offset = 0): string {
  const y2 = rng.int(2023, 2025);
  const values: Record<string, string> = {
    subject: digest.subject,
    Subject: capitalise(digest.subject),
    related: relatedTerm(digest),
    year: String(y2),
    y1: String(y2 - rng.int(3, 8)),
    y2: String(y2),
    n: String(rng.int(120, 2400)),
    n2: String(rng.int(3, 10)),
    pct: String(rng.int(12, 64)),
    pct2: String(rng.int(8, 30)),
    pct3: String(rng.int(65, 85)),
    pct4: String(rng.int(6, 28)),
    mult: rng.pick(['doubled', 'tripled', 'grew fourfold', 'grew by half']),
    big: rng.pick(['10,000', '50,000', '250,000', '1 million', '5 million']),
    money: String(rng.int(2, 90)),
    kw1: keyword(digest, offset),
    kw2: keyword(digest, offset + 1),
    kw3: keyword(digest, offset + 2),
    dim1: dimension(digest, offset),
    dim2: dimension(digest, offset + 1),
    dim3: dimension(digest, offset + 2),
  };
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** `count` distinct factual sentences about the digest's subject. */
export function factSentences(digest: RequestDigest, rng: Rng, count: number): string[] {
  const templates = rng.shuffle(FACT_TEMPLATES);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const template = templates[i % templates.length] ?? FACT_TEMPLATES[0] ?? '';
    out.push(fill(template, digest, rng, i));
  }
  return out;
}

/** Facets in a request-specific order, so different topics get different plans. */
export function facetOrder(rng: Rng): Facet[] {
  const [first, ...rest] = FACETS;
  return first ? [first, ...rng.shuffle(rest)] : [];
}

/** A search query for the subject: the topic itself first, then facet-specific ones. */
export function searchQuery(digest: RequestDigest, rng: Rng, index: number): string {
  if (index === 0) {
    const plain = digest.topic
      .replace(/[?!.]+$/, '')
      .replace(
        /^(what|how|why|which|who|when|where|is|are|does|do|can|should)\s+(is|are|do|does|did|has|have|can|will)?\s*/i,
        '',
      )
      .trim();
    return plain.length >= 3 ? plain.toLowerCase() : digest.subject;
  }
  const facets = facetOrder(rng);
  const facet = facets[index % facets.length] ?? FACETS[0];
  return facet ? fill(facet.queries[0] ?? '{subject}', digest, rng).toLowerCase() : digest.subject;
}

export function reasoningSummary(digest: RequestDigest, rng: Rng): string {
  const heading = rng.pick([
    'Planning the answer',
    'Weighing the evidence',
    'Structuring the response',
    'Scoping the request',
  ]);
  return `**${heading}**\n\nI'm looking at ${digest.subject}, weighing ${keyword(digest, 0)} against ${dimension(digest, 1)} before writing the response.`;
}
