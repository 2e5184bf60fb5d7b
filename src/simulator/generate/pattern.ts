import type { Rng } from '../random';

/**
 * Strings that match a JSON Schema `pattern`, for the simple regexes schemas use for codes and ids:
 * literals, escapes (\d \w \s …), character classes, groups with alternation and quantifiers.
 * Lookarounds and backreferences are not supported: `samplePattern` returns undefined for them.
 */

type Node =
  | { kind: 'chars'; chars: string }
  | { kind: 'alt'; options: Node[][] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const WORD = `${LOWER}${UPPER}${DIGITS}_`;
const PRINTABLE = `${LOWER}${UPPER}${DIGITS} -_.`;

class Unsupported extends Error {}

class Parser {
  private pos = 0;

  constructor(private readonly source: string) {}

  parse(): Node[][] {
    const options = this.alternatives();
    if (this.pos < this.source.length) throw new Unsupported('unbalanced');
    return options;
  }

  private peek(): string | undefined {
    return this.source[this.pos];
  }

  private alternatives(): Node[][] {
    const options: Node[][] = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.sequence());
    }
    return options;
  }

  private sequence(): Node[] {
    const nodes: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      const atom = this.atom();
      if (atom) nodes.push(this.quantified(atom));
    }
    return nodes;
  }

  private atom(): Node | undefined {
    const c = this.source[this.pos++];
    switch (c) {
      case '^':
      case '$':
        return undefined;
      case '.':
        return { kind: 'chars', chars: PRINTABLE };
      case '(': {
        if (this.peek() === '?') {
          if (this.source[this.pos + 1] !== ':') throw new Unsupported('lookaround');
          this.pos += 2;
        }
        const options = this.alternatives();
        if (this.source[this.pos++] !== ')') throw new Unsupported('unclosed group');
        return { kind: 'alt', options };
      }
      case '[':
        return { kind: 'chars', chars: this.charClass() };
      case '\\':
        return { kind: 'chars', chars: this.escape(false) };
      default:
        return { kind: 'chars', chars: c ?? '' };
    }
  }

  private escape(inClass: boolean): string {
    const c = this.source[this.pos++];
    switch (c) {
      case 'd':
        return DIGITS;
      case 'w':
        return WORD;
      case 's':
        return ' ';
      case 'b':
        if (inClass) return '\b';
        throw new Unsupported('word boundary');
      case 'D':
      case 'W':
      case 'S':
      case 'B':
        throw new Unsupported('negated escape');
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case undefined:
        throw new Unsupported('dangling escape');
      default:
        if (/[1-9]/.test(c)) throw new Unsupported('backreference');
        return c;
    }
  }

  private charClass(): string {
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    let chars = '';
    let first = true;
    while (this.pos < this.source.length && (this.peek() !== ']' || first)) {
      first = false;
      const c = this.source[this.pos++] ?? '';
      const start = c === '\\' ? this.escape(true) : c;
      if (
        start.length === 1 &&
        this.peek() === '-' &&
        this.source[this.pos + 1] !== ']' &&
        this.source[this.pos + 1] !== undefined
      ) {
        this.pos++;
        const endChar =
          this.source[this.pos++] === '\\' ? this.escape(true) : (this.source[this.pos - 1] ?? '');
        for (let code = start.charCodeAt(0); code <= endChar.charCodeAt(0); code++)
          chars += String.fromCharCode(code);
      } else {
        chars += start;
      }
    }
    if (this.source[this.pos++] !== ']') throw new Unsupported('unclosed class');
    if (!negated) return chars;
    const allowed = [...PRINTABLE].filter((ch) => !chars.includes(ch)).join('');
    if (!allowed) throw new Unsupported('empty negated class');
    return allowed;
  }

  private quantified(node: Node): Node {
    const bounds = this.bounds();
    if (!bounds) return node;
    if (this.peek() === '?') this.pos++; // lazy or greedy makes no difference to what matches
    return { kind: 'repeat', node, min: bounds[0], max: bounds[1] };
  }

  /** Reads a quantifier (`?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`) if there is one. */
  private bounds(): [number, number] | undefined {
    const c = this.peek();
    const simple: Record<string, [number, number]> = { '?': [0, 1], '*': [0, 3], '+': [1, 4] };
    if (c !== undefined && simple[c]) {
      this.pos++;
      return simple[c];
    }
    if (c !== '{') return undefined;
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.pos));
    if (!match) return undefined;
    this.pos += match[0].length;
    const min = Number(match[1]);
    return [min, match[2] === undefined ? min : match[3] ? Number(match[3]) : min + 3];
  }
}

function emit(nodes: Node[], rng: Rng): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'chars') out += node.chars ? rng.pick([...node.chars]) : '';
    else if (node.kind === 'alt') out += emit(rng.pick(node.options), rng);
    else {
      const count = rng.int(node.min, Math.min(node.max, node.min + 3));
      for (let i = 0; i < count; i++) out += emit([node.node], rng);
    }
  }
  return out;
}

export function samplePattern(pattern: string, rng: Rng): string | undefined {
  let options: Node[][];
  try {
    options = new Parser(pattern).parse();
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = emit([{ kind: 'alt', options }], rng);
    if (regex.test(candidate)) return candidate;
  }
  return undefined;
}
