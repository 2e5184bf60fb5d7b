/**
 * Reads a request the way a model would skim it: what is the topic, which words matter, which numbered
 * sources and tool results were handed over. Every generator works from this digest.
 */

export interface FunctionOutput {
  callId: string;
  output: string;
}

export interface NumberedSource {
  n: number;
  title: string;
  url: string;
}

export interface RequestDigest {
  instructions: string;
  /** Text of user/developer messages (the part that carries the task). */
  userText: string;
  /** A one-line statement of what is asked (a question or topic). */
  topic: string;
  /** The main noun phrase of the topic, e.g. "solid-state batteries". */
  subject: string;
  /** What the topic compares the subject with, e.g. "lithium-ion cells". */
  related: string[];
  /** Content words ranked by weight, lower-case, distinct from the subject's words. */
  keywords: string[];
  sources: NumberedSource[];
  /** URLs found in the input, in order of appearance. */
  urls: string[];
  /** Queries the request asks to search for (`Search for: "a", "b"`). */
  suggestedQueries: string[];
  /** "At most N questions": how many questions the request wants, when it says. */
  questionLimit: number | undefined;
  functionOutputs: FunctionOutput[];
  /** Sentences from the input that read like findings (reused by reports). */
  statements: Statement[];
}

const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her here ' +
    'hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other ' +
    'our ours out over own same she should so some such than that the their theirs them then there these they this ' +
    'those through to too under until up very was we were what when where which while who whom why will with would ' +
    'you your yours yourself within without via per across among upon whether etc e.g i.e may might must shall ' +
    'one two three many much several new recent recently current currently today year years based using used use ' +
    'please write give provide include including return answer question questions report research researching ' +
    'topic summary summarise summarize detailed detail details concise brief short long list explain describe ' +
    'following follow find make made making get gets find need needs want wants user users assistant output json ' +
    'format respond response responses cite citation citations source sources numbered markdown section sections ' +
    'paragraph paragraphs sentence sentences word words thing things way ways lot kind sort part parts step steps ' +
    'plan planning task tasks context instructions instruction note notes example examples item items result results ' +
    'each every well like good best better main key important overall general specific certain various different ' +
    'compare compared compares comparison affect affects affected impact impacts role roles does done work works ' +
    'working change changes changed improve improves improved handle handles handled differ differs help helps ' +
    'is are be exist exists know known think say says said see seen show shows shown tell telling look looking ' +
    'state status aspects aspect factors factor issues issue evidence effect effects future history trend trends ' +
    'research-question finding findings search queries query web online internet site sites page pages url urls ' +
    'http https www com org'
  ).split(/\s+/),
);

const MESSAGE_ROLES_WITH_TASK = new Set(['user', 'developer', 'system']);

function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      if (part && typeof part === 'object') {
        const record = part as Record<string, unknown>;
        if (typeof record['text'] === 'string') return record['text'];
      }
      return '';
    })
    .filter(Boolean)
    .join('\n');
}

/** Splits a request's input into task text and function outputs. */
export function readInput(input: string | Record<string, unknown>[]): {
  userText: string;
  functionOutputs: FunctionOutput[];
} {
  if (typeof input === 'string') return { userText: input, functionOutputs: [] };
  const texts: string[] = [];
  const functionOutputs: FunctionOutput[] = [];
  for (const item of input) {
    const type = item['type'];
    if (type === 'function_call_output') {
      const output = item['output'];
      functionOutputs.push({
        callId: typeof item['call_id'] === 'string' ? item['call_id'] : '',
        output: typeof output === 'string' ? output : textOfContent(output),
      });
    } else if (type === undefined || type === 'message') {
      const role = typeof item['role'] === 'string' ? item['role'] : 'user';
      if (MESSAGE_ROLES_WITH_TASK.has(role)) texts.push(textOfContent(item['content']));
    }
  }
  return { userText: texts.filter(Boolean).join('\n\n'), functionOutputs };
}

const SOURCE_LINE_PATTERNS: RegExp[] = [
  // [3] Title — https://example.com/x   (em dash, en dash, hyphen or colon as separator); private sources
  // have their own schemes, e.g. `[4] leave.md — docs:handbook/leave.md#L12-L30`
  /^\s*(?:[-*]\s*)?\[(\d{1,4})\]:?\s+(.*?)\s*(?:\u2014|\u2013|-|:|\|)\s*<?((?:https?:\/\/|[a-z][a-z0-9-]*:[a-z0-9])[^\s>]+)>?\s*$/,
  // [3] Title (https://example.com/x)
  /^\s*(?:[-*]\s*)?\[(\d{1,4})\]:?\s+(.*?)\s*\(<?(https?:\/\/[^\s)>]+)>?\)\s*$/,
  // [3] https://example.com/x
  /^\s*(?:[-*]\s*)?\[(\d{1,4})\]:?\s+()<?(https?:\/\/[^\s>]+)>?\s*$/,
];

/** Numbered source lines like `[3] Some title — https://…`; the first occurrence of each number wins. */
export function parseNumberedSources(text: string): NumberedSource[] {
  const seen = new Map<number, NumberedSource>();
  for (const line of text.split('\n')) {
    for (const pattern of SOURCE_LINE_PATTERNS) {
      const match = pattern.exec(line);
      if (!match) continue;
      const n = Number(match[1]);
      const url = (match[3] ?? '').replace(/[.,;]+$/, '');
      if (!seen.has(n)) seen.set(n, { n, title: (match[2] ?? '').trim() || url, url });
      break;
    }
  }
  return [...seen.values()].sort((a, b) => a.n - b.n);
}

function isSourceLine(line: string): boolean {
  return SOURCE_LINE_PATTERNS.some((pattern) => pattern.test(line));
}

/** `Question: …`, `Research question:`, `Overall research topic: …` and the like. */
const LABELLED_LINE = /^\s*(?:#+\s*)?(?:\*\*)?([A-Za-z][A-Za-z ]{0,40}?)(?:\*\*)?\s*:\s*(.*)$/;
const TASK_LABEL = /\b(question|topic|subject|query|request|task|goal)\b/i;

/** Labels naming the specific question outrank those naming the overall topic. */
function labelPriority(label: string): number {
  if (!TASK_LABEL.test(label)) return 0;
  const overall = /\b(overall|original|main|broader|parent)\b/i.test(label);
  const question = /\bquestion\b/i.test(label);
  return (question ? 2 : 1) + (overall ? 0 : 2);
}

function cleanLine(line: string): string {
  return line
    .replace(/^\s*(?:#+|[-*>]|\d+[.)])\s*/, '')
    .replace(/\*\*|__|`/g, '')
    .trim();
}

/**
 * The line that states the task: a labelled question/topic, else the first question, else the first line.
 * `strong` says whether it was stated (labelled or a question) rather than guessed from the first line.
 */
export function findTopic(userText: string, instructions: string): { topic: string; strong: boolean } {
  const text = userText.trim() || instructions.trim();
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !isSourceLine(line));
  let topic = '';
  let best = 0;
  lines.forEach((line, index) => {
    const match = LABELLED_LINE.exec(line);
    if (!match?.[1]) return;
    const priority = labelPriority(match[1]);
    // A label alone on its line ("Research question:") introduces the next line.
    const value = (match[2] ?? '').trim() || (lines[index + 1] ?? '');
    if (priority > best && value.length > 3) {
      best = priority;
      topic = value;
    }
  });
  if (!topic) topic = lines.find((line) => /\?\s*$/.test(line) && line.length > 8) ?? '';
  const strong = topic !== '';
  if (!topic) topic = lines[0] ?? '';
  topic = cleanLine(topic);
  if (topic.length > 200) {
    const firstSentence = /^(.{20,200}?[.?!])\s/.exec(topic);
    topic = firstSentence?.[1] ?? `${topic.slice(0, 200).replace(/\s+\S*$/, '')}`;
  }
  return { topic: topic || 'the requested topic', strong };
}

interface Token {
  word: string;
  content: boolean;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(/[A-Za-z0-9][A-Za-z0-9'+&.-]*[A-Za-z0-9+]|[A-Za-z0-9]|[,;:?!()"]/g)) {
    const word = match[0];
    const lower = word.toLowerCase();
    const content =
      /[a-z]/i.test(word) &&
      !STOPWORDS.has(lower) &&
      !STOPWORDS.has(lower.replace(/'s$/, '')) &&
      (word.length > 2 || /^[A-Z0-9]{2}$/.test(word));
    tokens.push({ word: word.replace(/'s$/, ''), content });
  }
  return tokens;
}

/** Acronyms and mid-sentence proper nouns keep their case; everything else is lower-cased. */
function displayCase(word: string, sentenceInitial: boolean): string {
  if (/[A-Z].*[A-Z]/.test(word) || /\d/.test(word)) return word;
  if (/^[A-Z]/.test(word) && !sentenceInitial) return word;
  return word.toLowerCase();
}

/** Runs of consecutive content words: the noun phrases of a line, roughly. */
function phrases(line: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.length) out.push(current.slice(0, 4).join(' '));
    current = [];
  };
  const tokens = tokenize(line);
  tokens.forEach((token, index) => {
    if (!token.content) return flush();
    current.push(displayCase(token.word, index === 0));
  });
  flush();
  return out;
}

/** Noun phrases of the text other than the subject, most frequent first (multi-word ones win ties). */
function rankPhrases(text: string, subject: string): string[] {
  const subjectLower = subject.toLowerCase();
  const counts = new Map<string, { phrase: string; score: number; first: number }>();
  let position = 0;
  for (const line of text.split('\n')) {
    for (const phrase of phrases(line)) {
      position++;
      const key = phrase.toLowerCase();
      if (
        subjectLower.includes(key) ||
        key.includes(subjectLower) ||
        /^\d/.test(key) ||
        key.split(' ').length > 3
      ) {
        continue;
      }
      const entry = counts.get(key);
      const weight = phrase.includes(' ') ? 1.5 : 1;
      if (entry) entry.score += weight;
      else counts.set(key, { phrase, score: weight, first: position });
    }
  }
  return [...counts.values()]
    .sort((a, b) => b.score - a.score || a.first - b.first)
    .map((entry) => entry.phrase);
}

export interface Statement {
  /** The sentence without citation markers, ending in punctuation. */
  text: string;
  /** The `[n]` numbers it carried in the input. */
  cites: number[];
}

const MARKER = /\[(\d+(?:\s*[,\u2013-]\s*\d+)*)\]/g;
const NOT_A_FINDING =
  /^(you|your|write|use|cite|do not|don't|please|return|answer|respond|include|make sure|keep|only|each|the report|the answer|research was stopped)\b/i;

/** Sentences that read like statements of fact (reports reuse them), with the markers they carried. */
function findStatements(text: string): Statement[] {
  const out: Statement[] = [];
  for (const line of text.split('\n')) {
    if (isSourceLine(line) || /^\s*#/.test(line)) continue;
    const cleaned = line
      .replace(/\s*\(\[[^\]]*\]\([^)]*\)\)/g, '')
      .replace(/\[([^\]]*)\]\((https?:[^)]*)\)/g, '$1')
      .replace(/https?:\/\/\S+/g, '')
      .replace(/^\s*(?:[-*]|\d+[.)])\s*/, '')
      .replace(/\*\*|__|`/g, '');
    let previous: Statement | undefined;
    for (const part of cleaned.split(/(?<=[.!?])\s+/)) {
      const cites = [...part.matchAll(MARKER)].flatMap((m) =>
        (m[1] ?? '').split(/\D+/).filter(Boolean).map(Number),
      );
      let sentence = part
        .replace(MARKER, '')
        .replace(/\s+([.!?,;:])/g, '$1')
        .replace(/\s{2,}/g, ' ')
        .trim();
      if (!/[A-Za-z]{2}/.test(sentence)) {
        // Markers after the full stop ("… in 2024. [3]") belong to the sentence before.
        previous?.cites.push(...cites);
        continue;
      }
      if (!/[.!?]$/.test(sentence)) sentence += '.';
      previous = undefined;
      if (
        sentence.length < 30 ||
        sentence.length > 320 ||
        sentence.endsWith('?') ||
        NOT_A_FINDING.test(sentence)
      )
        continue;
      if (out.some((s) => s.text === sentence)) continue;
      previous = { text: sentence, cites };
      out.push(previous);
    }
  }
  return out;
}

function findQuestionLimit(text: string): number | undefined {
  const match = /\b(?:at most|up to|no more than)\s+(\d{1,2})\s+(?:\w+\s+)?questions\b/i.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Quoted strings on lines that ask for searches, e.g. `Search for: "x", "y"`. */
function findSuggestedQueries(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!/\b(search|queries|query)\b[^:]*:/i.test(line)) continue;
    for (const match of line.matchAll(/["\u201c]([^"\u201d]{3,200})["\u201d]/g))
      if (match[1]) out.push(match[1].trim());
  }
  return [...new Set(out)];
}

/** `contextText` is the user text earlier in a `previous_response_id` chain: it supplies the topic of a follow-up. */
export function analyse(
  instructions: string | null,
  input: string | Record<string, unknown>[],
  contextText = '',
): RequestDigest {
  const { userText, functionOutputs } = readInput(input);
  const instructionText = instructions ?? '';
  const own = findTopic(userText, instructionText);
  const topic = !own.strong && contextText.trim() ? findTopic(contextText, '').topic : own.topic;
  const topicPhrases = phrases(topic);
  const subject = topicPhrases.find((phrase) => phrase.includes(' ')) ?? topicPhrases[0] ?? 'the topic';
  // Only a phrase the topic sets against the subject ("compared with X", "X or Y") is an alternative to it.
  const contrast =
    /\b(?:compared? (?:with|to)|versus|vs\.?|against|instead of|rather than|or)\s+([^?.,;]+)/i.exec(topic);
  const related = contrast?.[1] ? phrases(contrast[1]).filter((phrase) => phrase !== subject) : [];
  const all = `${topic}\n${topic}\n${userText}\n${functionOutputs.map((o) => o.output).join('\n')}`;
  const keywords = rankPhrases(all, subject).slice(0, 12);
  const urls = [
    ...new Set(
      [...`${instructionText}\n${userText}`.matchAll(/https?:\/\/[^\s)\]>"']+/g)].map((m) =>
        m[0].replace(/[.,;]+$/, ''),
      ),
    ),
  ];
  return {
    instructions: instructionText,
    userText,
    topic,
    subject,
    related,
    keywords,
    sources: parseNumberedSources(`${instructionText}\n${userText}`),
    urls,
    suggestedQueries: findSuggestedQueries(userText),
    questionLimit: findQuestionLimit(`${instructionText}\n${userText}`),
    functionOutputs,
    statements: findStatements(`${userText}\n${functionOutputs.map((o) => o.output).join('\n')}`),
  };
}
