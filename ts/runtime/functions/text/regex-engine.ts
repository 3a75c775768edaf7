/**
 * A regular-expression engine for Excel's REGEX functions, written for the runtime (no
 * native code, no JavaScript RegExp: the runtime must stay a plain bundle, and a
 * backtracking RegExp on `^(a+)+$` against thirty a's and a "!" runs for minutes inside a
 * synchronous run()).
 *
 * Syntax: the PCRE2 subset Excel documents and users write. Literals and escapes
 * (\t \n \r \f \v \e \a \0, \xhh, \x{h...}, \o{...}, \ddd octal, \cX, \Q...\E), classes
 * [...] with ranges, negation, escapes and POSIX names ([:alpha:] ...), \d \D \w \W \s \S
 * \h \H \N (ASCII meanings, as PCRE2 without UCP), . (not \n unless (?s)), anchors ^ $ \A
 * \z \Z \b \B \G, groups (capturing, (?:), named (?<n>) (?'n') (?P<n>)), alternation,
 * quantifiers * + ? {n} {n,} {n,m} {,m} with lazy (?) forms, inline flags (?i) (?m) (?s)
 * (?x) (?n) and (?flags:...), comments (?#...).
 *
 * Matching: the pattern compiles to a small program run by a backtracking machine with
 * Perl/PCRE's leftmost-first priorities (so captures and the chosen match are PCRE's).
 * For patterns without backreferences, lookaround, atomic groups or possessive
 * quantifiers, the machine memoises the (instruction, position) states it has already
 * tried (RE2's "bit-state" method): a state that failed once fails again, so each is tried
 * at most once and matching is linear in the text: `^(a+)+$` on 31 characters takes a few
 * hundred steps. Backreferences, lookahead, lookbehind (of fixed length per branch),
 * atomic groups and possessive quantifiers are also supported, by the same machine
 * without memoisation, under a step budget equal to PCRE2's default match limit
 * (10,000,000): past it the call is #CALC!, never a hang.
 *
 * Not supported (RegexUnsupported, so the caller reports #CALC! rather than guess):
 * recursion and subroutine calls ((?R), (?1), (?&name), \g<...>), conditionals (?(...)),
 * \K, \R, \X, \p{...} Unicode properties, backtracking verbs (*...), callouts (?C),
 * variable-length lookbehind.
 */

/** A pattern PCRE2 would reject: Excel's #VALUE!. */
export class RegexSyntaxError extends Error {}
/** A valid PCRE2 construct this engine does not run: reported as #CALC!. */
export class RegexUnsupported extends Error {}
/** The step budget ran out: #CALC!. */
export class RegexBudgetExceeded extends Error {}

// ------------------------------------------------------------------ AST

type Node =
  | { t: 'empty' }
  | { t: 'char'; c: number; ci: boolean }
  | { t: 'any'; dotall: boolean }
  | { t: 'class'; set: CharSet; ci: boolean }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; index: number; node: Node }
  | { t: 'repeat'; node: Node; min: number; max: number; greedy: boolean; possessive: boolean }
  | { t: 'assert'; kind: '^' | '$' | 'A' | 'z' | 'Z' | 'b' | 'B' | 'G'; multiline: boolean }
  | { t: 'backref'; index: number; name?: string; ci: boolean }
  | { t: 'look'; behind: boolean; negate: boolean; node: Node }
  | { t: 'atomic'; node: Node };

/** A set of code points: sorted inclusive ranges, possibly negated. */
interface CharSet {
  ranges: number[]; // [lo0, hi0, lo1, hi1, ...]
  negated: boolean;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  n: boolean;
}

const DIGIT = [48, 57];
const WORD = [48, 57, 65, 90, 95, 95, 97, 122];
const SPACE = [9, 13, 32, 32];
const HSPACE = [9, 9, 32, 32, 0xa0, 0xa0, 0x1680, 0x1680, 0x180e, 0x180e, 0x2000, 0x200a, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000];
const VSPACE = [10, 13, 0x85, 0x85, 0x2028, 0x2029];
const POSIX: Record<string, number[]> = {
  alpha: [65, 90, 97, 122],
  digit: DIGIT,
  alnum: [48, 57, 65, 90, 97, 122],
  upper: [65, 90],
  lower: [97, 122],
  space: [9, 13, 32, 32],
  blank: [9, 9, 32, 32],
  punct: [33, 47, 58, 64, 91, 96, 123, 126],
  word: WORD,
  xdigit: [48, 57, 65, 70, 97, 102],
  cntrl: [0, 31, 127, 127],
  print: [32, 126],
  graph: [33, 126],
  ascii: [0, 127],
};

function inRanges(r: number[], c: number): boolean {
  for (let k = 0; k < r.length; k += 2) if (c >= r[k]! && c <= r[k + 1]!) return true;
  return false;
}

/** The complement of a range list over all code points. */
function complement(r: number[]): number[] {
  const sorted = normalise(r);
  const out: number[] = [];
  let next = 0;
  for (let k = 0; k < sorted.length; k += 2) {
    if (sorted[k]! > next) out.push(next, sorted[k]! - 1);
    next = sorted[k + 1]! + 1;
  }
  if (next <= 0x10ffff) out.push(next, 0x10ffff);
  return out;
}

function normalise(r: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let k = 0; k < r.length; k += 2) pairs.push([r[k]!, r[k + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n && lo <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function lower(c: number): number {
  const s = String.fromCodePoint(c).toLowerCase();
  return s.length === (c > 0xffff ? 2 : 1) ? s.codePointAt(0)! : c;
}
function upper(c: number): number {
  const s = String.fromCodePoint(c).toUpperCase();
  return s.length === (c > 0xffff ? 2 : 1) ? s.codePointAt(0)! : c;
}

function setHas(set: CharSet, c: number, ci: boolean): boolean {
  let hit = inRanges(set.ranges, c);
  if (!hit && ci) hit = inRanges(set.ranges, lower(c)) || inRanges(set.ranges, upper(c));
  return hit !== set.negated;
}

// ------------------------------------------------------------------ parser

class Parser {
  private i = 0;
  groups = 0;
  readonly names = new Map<string, number>();
  /** Whether the pattern needs features outside the memoisable (linear) subset. */
  nonRegular = false;
  private readonly p: number[];
  constructor(pattern: string) {
    this.p = Array.from(pattern, (ch) => ch.codePointAt(0)!);
  }

  parse(flags: Flags): Node {
    const node = this.alternation(flags);
    if (this.i < this.p.length) throw new RegexSyntaxError('unmatched closing parenthesis');
    return node;
  }

  private peek(k = 0): number | undefined {
    return this.p[this.i + k];
  }
  private eat(c: string): boolean {
    if (this.p[this.i] === c.codePointAt(0)) {
      this.i++;
      return true;
    }
    return false;
  }
  private text(from: number, to: number): string {
    return String.fromCodePoint(...this.p.slice(from, to));
  }

  private alternation(flags: Flags): Node {
    const alts: Node[] = [this.sequence(flags)];
    while (this.eat('|')) alts.push(this.sequence(flags));
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  /** A sequence up to `|` or `)`; inline flags (?i) change `flags` for the rest of it. */
  private sequence(outer: Flags): Node {
    const flags = { ...outer };
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c /* | */ || c === 0x29 /* ) */) break;
      if (flags.x && (c === 0x20 || (c >= 9 && c <= 13))) {
        this.i++;
        continue;
      }
      if (flags.x && c === 0x23 /* # */) {
        while (this.i < this.p.length && this.p[this.i] !== 10) this.i++;
        continue;
      }
      const atom = this.atom(flags);
      if (atom === null) continue; // an inline flag setting or a comment
      items.push(this.quantified(atom, flags));
    }
    return items.length === 1 ? items[0]! : items.length === 0 ? { t: 'empty' } : { t: 'seq', items };
  }

  private quantified(atom: Node, flags: Flags): Node {
    for (;;) {
      if (flags.x) while (this.peek() === 0x20) this.i++;
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === 0x2a) [min, max] = [0, Infinity];
      else if (c === 0x2b) [min, max] = [1, Infinity];
      else if (c === 0x3f) [min, max] = [0, 1];
      else if (c === 0x7b) {
        const q = this.counted();
        if (!q) return atom;
        [min, max] = q;
      } else return atom;
      if (c !== 0x7b) this.i++;
      if (atom.t === 'assert' || atom.t === 'look') {
        // PCRE2 allows a quantifier on an assertion: {0,...} makes it optional, otherwise once.
        if (min === 0) atom = { t: 'empty' };
      }
      let greedy = true;
      let possessive = false;
      if (this.eat('?')) greedy = false;
      else if (this.eat('+')) possessive = true;
      if (possessive) this.nonRegular = true;
      if (min > 65535 || (max !== Infinity && max > 65535)) throw new RegexSyntaxError('number too big in {} quantifier');
      if (max < min) throw new RegexSyntaxError('numbers out of order in {} quantifier');
      atom = { t: 'repeat', node: atom, min, max, greedy, possessive };
    }
  }

  /** `{n}`, `{n,}`, `{n,m}`, `{,m}`; null when the brace is a literal (PCRE2's rule). */
  private counted(): [number, number] | null {
    const m = /^\{\s*(\d*)\s*(,\s*(\d*)\s*)?\}/.exec(this.text(this.i, Math.min(this.p.length, this.i + 40)));
    if (!m || (m[1] === '' && (m[3] === undefined || m[3] === ''))) return null;
    this.i += m[0].length;
    const min = m[1] === '' ? 0 : Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    return [min, max];
  }

  private atom(flags: Flags): Node | null {
    const c = this.p[this.i++]!;
    switch (c) {
      case 0x28: // (
        return this.group(flags);
      case 0x5b: // [
        return { t: 'class', set: this.classBody(), ci: flags.i };
      case 0x2e: // .
        return { t: 'any', dotall: flags.s };
      case 0x5e: // ^
        return { t: 'assert', kind: '^', multiline: flags.m };
      case 0x24: // $
        return { t: 'assert', kind: '$', multiline: flags.m };
      case 0x5c: // backslash
        return this.escape(flags);
      case 0x2a:
      case 0x2b:
      case 0x3f:
        throw new RegexSyntaxError('quantifier does not follow a repeatable item');
      default:
        return { t: 'char', c, ci: flags.i };
    }
  }

  private group(flags: Flags): Node | null {
    if (this.eat('?')) {
      const c = this.peek();
      if (c === 0x23 /* # comment */) {
        while (this.i < this.p.length && this.p[this.i] !== 0x29) this.i++;
        if (!this.eat(')')) throw new RegexSyntaxError('missing ) after comment');
        return null;
      }
      if (this.eat(':')) return this.closeGroup(this.alternation(flags));
      if (this.eat('>')) {
        this.nonRegular = true;
        return { t: 'atomic', node: this.closeGroup(this.alternation(flags)) };
      }
      if (this.eat('=') || this.eat('!')) {
        this.nonRegular = true;
        const negate = this.p[this.i - 1] === 0x21;
        return { t: 'look', behind: false, negate, node: this.closeGroup(this.alternation(flags)) };
      }
      if (c === 0x3c /* < */ && (this.peek(1) === 0x3d || this.peek(1) === 0x21)) {
        this.i++;
        this.nonRegular = true;
        const negate = this.p[this.i++] === 0x21;
        return { t: 'look', behind: true, negate, node: this.closeGroup(this.alternation(flags)) };
      }
      if (c === 0x3c || c === 0x27 || (c === 0x50 && this.peek(1) === 0x3c)) {
        // (?<name>...), (?'name'...), (?P<name>...)
        if (c === 0x50) this.i++;
        const close = this.p[this.i++] === 0x27 ? 0x27 : 0x3e;
        const start = this.i;
        while (this.i < this.p.length && this.p[this.i] !== close) this.i++;
        const name = this.text(start, this.i);
        if (!this.eat(String.fromCodePoint(close)) || !/^[A-Za-z_]\w*$/.test(name)) throw new RegexSyntaxError('bad group name');
        if (this.names.has(name)) throw new RegexSyntaxError('two named groups have the same name');
        const index = ++this.groups;
        this.names.set(name, index);
        return { t: 'group', index, node: this.closeGroup(this.alternation(flags)) };
      }
      if (c === 0x50 && this.peek(1) === 0x3d) {
        // (?P=name): a backreference by name.
        this.i += 2;
        const start = this.i;
        while (this.i < this.p.length && this.p[this.i] !== 0x29) this.i++;
        const name = this.text(start, this.i);
        if (!this.eat(')')) throw new RegexSyntaxError('missing )');
        this.nonRegular = true;
        return { t: 'backref', index: 0, name, ci: flags.i };
      }
      // (?-1) (?+1): relative recursion, not an option group ('-' is also an option letter).
      if ((c === 0x2d || c === 0x2b) && (this.peek(1) ?? 0) >= 0x30 && (this.peek(1) ?? 0) <= 0x39) {
        throw new RegexUnsupported('(?-n)/(?+n) relative recursion');
      }
      // Inline flags: (?imsx-imsx) or (?imsx-imsx:...)
      const start = this.i;
      while (this.i < this.p.length && /[imsxnJU^-]/.test(String.fromCodePoint(this.p[this.i]!))) this.i++;
      const spec = this.text(start, this.i);
      if (this.i === start && !(this.peek() === 0x29 || this.peek() === 0x3a)) {
        throw new RegexUnsupported(`(?${String.fromCodePoint(this.peek() ?? 0x3f)} groups (recursion, conditionals, callouts)`);
      }
      const next = { ...flags };
      let on = true;
      for (const ch of spec) {
        if (ch === '-') on = false;
        else if (ch === '^') Object.assign(next, { i: false, m: false, s: false, x: false, n: false });
        else if (ch === 'J' || ch === 'U') throw new RegexUnsupported(`the (?${ch}) option`);
        else (next as Record<string, boolean>)[ch] = on;
      }
      if (this.eat(')')) {
        Object.assign(flags, next); // applies to the rest of the enclosing group
        return null;
      }
      if (!this.eat(':')) throw new RegexSyntaxError('bad inline option');
      return this.closeGroup(this.alternation(next));
    }
    if (this.peek() === 0x2a /* (*VERB) */) throw new RegexUnsupported('backtracking control verbs');
    if (flags.n) return this.closeGroup(this.alternation(flags)); // (?n): plain groups do not capture
    const index = ++this.groups;
    return { t: 'group', index, node: this.closeGroup(this.alternation(flags)) };
  }

  private closeGroup(node: Node): Node {
    if (!this.eat(')')) throw new RegexSyntaxError('missing closing parenthesis');
    return node;
  }

  /** A code point from an escape usable both inside and outside classes, or null. */
  private charEscape(c: number): number | null {
    switch (c) {
      case 0x74: return 9; // \t
      case 0x6e: return 10; // \n
      case 0x72: return 13; // \r
      case 0x66: return 12; // \f
      case 0x65: return 27; // \e
      case 0x61: return 7; // \a
      case 0x78: { // \xhh or \x{h...}
        if (this.eat('{')) {
          const start = this.i;
          while (this.i < this.p.length && this.p[this.i] !== 0x7d) this.i++;
          const hex = this.text(start, this.i);
          if (!this.eat('}') || !/^[0-9a-fA-F]+$/.test(hex)) throw new RegexSyntaxError('bad \\x{...}');
          const v = parseInt(hex, 16);
          if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new RegexSyntaxError('character code point value in \\x{} is too large');
          return v;
        }
        let hex = '';
        while (hex.length < 2 && /[0-9a-fA-F]/.test(String.fromCodePoint(this.peek() ?? 0))) hex += String.fromCodePoint(this.p[this.i++]!);
        return hex ? parseInt(hex, 16) : 0;
      }
      case 0x6f: { // \o{ooo}
        if (!this.eat('{')) throw new RegexSyntaxError('missing opening brace after \\o');
        const start = this.i;
        while (this.i < this.p.length && this.p[this.i] !== 0x7d) this.i++;
        const oct = this.text(start, this.i);
        if (!this.eat('}') || !/^[0-7]+$/.test(oct)) throw new RegexSyntaxError('bad \\o{...}');
        return parseInt(oct, 8);
      }
      case 0x63: { // \cX
        const x = this.p[this.i++];
        if (x === undefined || x > 127) throw new RegexSyntaxError('\\c at end of pattern');
        return upper(x) ^ 0x40;
      }
      default:
        return null;
    }
  }

  /** The ranges of a shorthand class escape (\d \w \s \h \v and negations), or null. */
  private shorthand(c: number): number[] | null {
    switch (c) {
      case 0x64: return DIGIT;
      case 0x44: return complement(DIGIT);
      case 0x77: return WORD;
      case 0x57: return complement(WORD);
      case 0x73: return SPACE;
      case 0x53: return complement(SPACE);
      case 0x68: return HSPACE;
      case 0x48: return complement(HSPACE);
      case 0x76: return VSPACE;
      case 0x56: return complement(VSPACE);
      case 0x4e: return complement([10, 10]); // \N: not a newline
      default: return null;
    }
  }

  private escape(flags: Flags): Node | null {
    const c = this.p[this.i++];
    if (c === undefined) throw new RegexSyntaxError('\\ at end of pattern');
    const sh = this.shorthand(c);
    if (sh) return { t: 'class', set: { ranges: sh, negated: false }, ci: false };
    switch (c) {
      case 0x62: return { t: 'assert', kind: 'b', multiline: false };
      case 0x42: return { t: 'assert', kind: 'B', multiline: false };
      case 0x41: return { t: 'assert', kind: 'A', multiline: false };
      case 0x7a: return { t: 'assert', kind: 'z', multiline: false };
      case 0x5a: return { t: 'assert', kind: 'Z', multiline: false };
      case 0x47: return { t: 'assert', kind: 'G', multiline: false };
      case 0x51: { // \Q...\E: literal text
        const items: Node[] = [];
        while (this.i < this.p.length && !(this.p[this.i] === 0x5c && this.p[this.i + 1] === 0x45)) {
          items.push({ t: 'char', c: this.p[this.i++]!, ci: flags.i });
        }
        if (this.i < this.p.length) this.i += 2;
        return items.length ? { t: 'seq', items } : null;
      }
      case 0x45: return null; // a stray \E is ignored
      case 0x6b: { // \k<name> \k'name' \k{name}
        const open = this.p[this.i++];
        const close = open === 0x3c ? 0x3e : open === 0x27 ? 0x27 : open === 0x7b ? 0x7d : -1;
        if (close < 0) throw new RegexSyntaxError('\\k is not followed by a name');
        const start = this.i;
        while (this.i < this.p.length && this.p[this.i] !== close) this.i++;
        const name = this.text(start, this.i);
        this.i++;
        this.nonRegular = true;
        return { t: 'backref', index: 0, name, ci: flags.i };
      }
      case 0x67: { // \g1 \g{1} \g{-1} \g{name}; \g<...> is a subroutine call
        if (this.peek() === 0x3c || this.peek() === 0x27) throw new RegexUnsupported('subroutine calls');
        let ref: string;
        if (this.eat('{')) {
          const start = this.i;
          while (this.i < this.p.length && this.p[this.i] !== 0x7d) this.i++;
          ref = this.text(start, this.i);
          this.i++;
        } else {
          const m = /^-?\d+/.exec(this.text(this.i, this.i + 8));
          if (!m) throw new RegexSyntaxError('bad \\g');
          ref = m[0];
          this.i += ref.length;
        }
        this.nonRegular = true;
        if (/^-\d+$/.test(ref)) {
          const index = this.groups + 1 + Number(ref);
          if (index < 1) throw new RegexSyntaxError('reference to non-existent subpattern');
          return { t: 'backref', index, ci: flags.i };
        }
        if (/^\d+$/.test(ref)) return { t: 'backref', index: Number(ref), ci: flags.i };
        return { t: 'backref', index: 0, name: ref, ci: flags.i };
      }
      case 0x4b: throw new RegexUnsupported('\\K');
      case 0x52: throw new RegexUnsupported('\\R');
      case 0x58: throw new RegexUnsupported('\\X');
      case 0x70:
      case 0x50: throw new RegexUnsupported('\\p{...} Unicode properties');
      case 0x43: throw new RegexUnsupported('\\C');
      default:
        break;
    }
    if (c >= 0x31 && c <= 0x39) {
      // \1..\9 (and more digits): a backreference, or octal when that many groups cannot exist.
      const m = /^\d+/.exec(this.text(this.i - 1, this.i + 5))!;
      const n = Number(m[0]);
      if (n < 10 || n <= this.groups) {
        this.i += m[0].length - 1;
        this.nonRegular = true;
        return { t: 'backref', index: n, ci: flags.i };
      }
    }
    if (c === 0x30 || (c >= 0x31 && c <= 0x37)) {
      // Octal: \0, \0dd, \ddd
      let oct = String.fromCodePoint(c);
      while (oct.length < 3 && /[0-7]/.test(String.fromCodePoint(this.peek() ?? 0))) oct += String.fromCodePoint(this.p[this.i++]!);
      return { t: 'char', c: parseInt(oct, 8), ci: flags.i };
    }
    const ce = this.charEscape(c);
    if (ce !== null) return { t: 'char', c: ce, ci: flags.i };
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) throw new RegexSyntaxError('unrecognized character follows \\');
    return { t: 'char', c, ci: flags.i }; // an escaped non-alphanumeric is itself
  }

  /** The body of a class after `[`. */
  private classBody(): CharSet {
    let negated = false;
    if (this.eat('^')) negated = true;
    const ranges: number[] = [];
    let first = true;
    for (;;) {
      const c = this.p[this.i];
      if (c === undefined) throw new RegexSyntaxError('missing terminating ] for character class');
      if (c === 0x5d && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === 0x5b && this.p[this.i + 1] === 0x3a) {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.text(this.i, this.i + 12));
        if (m) {
          const r = POSIX[m[2]!];
          if (!r) throw new RegexSyntaxError('unknown POSIX class name');
          ranges.push(...(m[1] ? complement(r) : r));
          this.i += m[0].length;
          continue;
        }
      }
      let lo: number;
      this.i++;
      if (c === 0x5c) {
        const e = this.p[this.i++];
        if (e === undefined) throw new RegexSyntaxError('\\ at end of pattern');
        const sh = this.shorthand(e);
        if (sh) {
          ranges.push(...sh);
          continue;
        }
        if (e === 0x62) lo = 8; // \b is backspace in a class
        else if (e === 0x51 || e === 0x45) continue; // \Q \E inside a class: ignored
        else if (e === 0x70 || e === 0x50) throw new RegexUnsupported('\\p{...} Unicode properties');
        else if (e >= 0x30 && e <= 0x37) {
          let oct = String.fromCodePoint(e);
          while (oct.length < 3 && /[0-7]/.test(String.fromCodePoint(this.peek() ?? 0))) oct += String.fromCodePoint(this.p[this.i++]!);
          lo = parseInt(oct, 8);
        } else {
          const ce = this.charEscape(e);
          if (ce !== null) lo = ce;
          else if ((e >= 0x41 && e <= 0x5a) || (e >= 0x61 && e <= 0x7a)) throw new RegexSyntaxError('unrecognized escape in a class');
          else lo = e;
        }
      } else lo = c;
      // A range lo-hi (a '-' before ']' is literal).
      if (this.p[this.i] === 0x2d && this.p[this.i + 1] !== undefined && this.p[this.i + 1] !== 0x5d) {
        const save = this.i;
        this.i++;
        let hi = this.p[this.i++]!;
        if (hi === 0x5c) {
          const e = this.p[this.i++]!;
          if (this.shorthand(e)) throw new RegexSyntaxError('invalid range in character class');
          const ce = e === 0x62 ? 8 : this.charEscape(e);
          hi = ce ?? e;
        } else if (hi === 0x5b && this.p[this.i] === 0x3a) {
          this.i = save;
          ranges.push(lo, lo);
          continue;
        }
        if (hi < lo) throw new RegexSyntaxError('range out of order in character class');
        ranges.push(lo, hi);
      } else ranges.push(lo, lo);
    }
    return { ranges: normalise(ranges), negated };
  }
}

// ------------------------------------------------------------------ program

const enum Op {
  Char,
  Any,
  Class,
  Split,
  Jmp,
  Save,
  Assert,
  Backref,
  Look,
  Atomic,
  Match,
  Mark,
  Progress,
}

interface Inst {
  op: Op;
  /** Char: the code point; Split/Jmp: first target; Save: slot; Backref: group; Mark/Progress: register. */
  a: number;
  /** Split: second target; Look/Atomic: end of the sub-program. */
  b: number;
  ci: boolean;
  set?: CharSet;
  kind?: string;
  multiline?: boolean;
  dotall?: boolean;
  /** Look: behind / negate, and the fixed lengths of a lookbehind's branches. */
  behind?: boolean;
  negate?: boolean;
  lengths?: number[];
}

/** Most instructions a program may have (PCRE2's own limit on a compiled pattern is similar). */
const MAX_PROGRAM = 100000;

class Compiler {
  readonly prog: Inst[] = [];
  registers = 0;

  emit(op: Op, a = 0, b = 0, extra: Partial<Inst> = {}): number {
    if (this.prog.length >= MAX_PROGRAM) throw new RegexUnsupported('pattern too large once its repeats are expanded');
    this.prog.push({ op, a, b, ci: false, ...extra });
    return this.prog.length - 1;
  }

  node(n: Node): void {
    switch (n.t) {
      case 'empty':
        return;
      case 'char':
        this.emit(Op.Char, n.c, 0, { ci: n.ci });
        return;
      case 'any':
        this.emit(Op.Any, 0, 0, { dotall: n.dotall });
        return;
      case 'class':
        this.emit(Op.Class, 0, 0, { set: n.set, ci: n.ci });
        return;
      case 'seq':
        for (const it of n.items) this.node(it);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let k = 0; k < n.alts.length; k++) {
          if (k < n.alts.length - 1) {
            const split = this.emit(Op.Split);
            this.prog[split]!.a = split + 1;
            this.node(n.alts[k]!);
            jumps.push(this.emit(Op.Jmp));
            this.prog[split]!.b = this.prog.length;
          } else this.node(n.alts[k]!);
        }
        for (const j of jumps) this.prog[j]!.a = this.prog.length;
        return;
      }
      case 'group':
        this.emit(Op.Save, 2 * n.index);
        this.node(n.node);
        this.emit(Op.Save, 2 * n.index + 1);
        return;
      case 'assert':
        this.emit(Op.Assert, 0, 0, { kind: n.kind, multiline: n.multiline });
        return;
      case 'backref':
        this.emit(Op.Backref, n.index, 0, { ci: n.ci });
        return;
      case 'look': {
        const at = this.emit(Op.Look, 0, 0, { behind: n.behind, negate: n.negate });
        if (n.behind) this.prog[at]!.lengths = fixedLengths(n.node);
        this.node(n.node);
        this.emit(Op.Match);
        this.prog[at]!.b = this.prog.length;
        return;
      }
      case 'atomic': {
        const at = this.emit(Op.Atomic);
        this.node(n.node);
        this.emit(Op.Match);
        this.prog[at]!.b = this.prog.length;
        return;
      }
      case 'repeat':
        if (n.possessive) {
          this.node({ t: 'atomic', node: { ...n, possessive: false } });
          return;
        }
        this.repeat(n.node, n.min, n.max, n.greedy);
    }
  }

  private repeat(body: Node, min: number, max: number, greedy: boolean): void {
    for (let k = 0; k < min; k++) this.node(body);
    if (max === Infinity) {
      // L: split(body, out); body; jmp L — with an empty-iteration guard when the body can
      // match nothing, as PCRE2 stops a loop whose iteration matched the empty string.
      const guard = nullable(body);
      const reg = guard ? this.registers++ : 0;
      const loop = this.emit(Op.Split);
      const start = this.prog.length;
      if (guard) this.emit(Op.Mark, reg);
      this.node(body);
      if (guard) this.emit(Op.Progress, reg);
      this.emit(Op.Jmp, loop);
      const out = this.prog.length;
      this.prog[loop]!.a = greedy ? start : out;
      this.prog[loop]!.b = greedy ? out : start;
      return;
    }
    // Optional copies, nested: (x(x(x)?)?)?
    const splits: number[] = [];
    for (let k = min; k < max; k++) {
      const split = this.emit(Op.Split);
      splits.push(split);
      this.prog[split]!.a = split + 1;
      this.node(body);
    }
    const out = this.prog.length;
    for (const s of splits) {
      const inst = this.prog[s]!;
      if (greedy) inst.b = out;
      else {
        inst.b = inst.a;
        inst.a = out;
      }
    }
  }
}

/** Whether a node can match the empty string. */
function nullable(n: Node): boolean {
  switch (n.t) {
    case 'empty':
    case 'assert':
    case 'look':
    case 'backref':
      return true;
    case 'char':
    case 'any':
    case 'class':
      return false;
    case 'seq':
      return n.items.every(nullable);
    case 'alt':
      return n.alts.some(nullable);
    case 'group':
    case 'atomic':
      return nullable(n.node);
    case 'repeat':
      return n.min === 0 || nullable(n.node);
  }
}

/** The length of every string a node matches, or null when it varies. */
function fixedLength(n: Node): number | null {
  switch (n.t) {
    case 'empty':
    case 'assert':
    case 'look':
      return 0;
    case 'char':
    case 'any':
    case 'class':
      return 1;
    case 'backref':
      return null;
    case 'seq': {
      let s = 0;
      for (const it of n.items) {
        const l = fixedLength(it);
        if (l === null) return null;
        s += l;
      }
      return s;
    }
    case 'alt': {
      const ls = n.alts.map(fixedLength);
      return ls.every((l) => l !== null && l === ls[0]) ? ls[0]! : null;
    }
    case 'group':
    case 'atomic':
      return fixedLength(n.node);
    case 'repeat': {
      if (n.min !== n.max) return null;
      const l = fixedLength(n.node);
      return l === null ? null : l * n.min;
    }
  }
}

/** A lookbehind's possible lengths: each top-level branch must have a fixed length (PCRE2). */
function fixedLengths(n: Node): number[] {
  const branches = n.t === 'alt' ? n.alts : [n];
  const out: number[] = [];
  for (const b of branches) {
    const l = fixedLength(b);
    if (l === null) throw new RegexUnsupported('variable-length lookbehind');
    if (!out.includes(l)) out.push(l);
  }
  return out;
}

// ------------------------------------------------------------------ machine

/** Steps a search may take: PCRE2's default match limit. */
export const DEFAULT_STEP_BUDGET = 10_000_000;

export interface CompiledRegex {
  readonly prog: Inst[];
  readonly groups: number;
  readonly names: ReadonlyMap<string, number>;
  /** Memoised (linear-time) matching applies. */
  readonly linear: boolean;
  readonly registers: number;
}

export interface RegexOptions {
  caseInsensitive?: boolean;
}

/** Compiles a pattern; throws RegexSyntaxError (#VALUE!) or RegexUnsupported (#CALC!). */
export function compileRegex(pattern: string, options: RegexOptions = {}): CompiledRegex {
  const parser = new Parser(pattern);
  const ast = parser.parse({ i: options.caseInsensitive ?? false, m: false, s: false, x: false, n: false });
  // Resolve named backreferences and check numbered ones.
  const resolve = (n: Node): void => {
    switch (n.t) {
      case 'backref':
        if (n.name !== undefined) {
          const idx = parser.names.get(n.name);
          if (idx === undefined) throw new RegexSyntaxError('reference to non-existent subpattern');
          n.index = idx;
        } else if (n.index > parser.groups) throw new RegexSyntaxError('reference to non-existent subpattern');
        return;
      case 'seq':
        n.items.forEach(resolve);
        return;
      case 'alt':
        n.alts.forEach(resolve);
        return;
      case 'group':
      case 'atomic':
      case 'look':
      case 'repeat':
        resolve(n.node);
        return;
      default:
        return;
    }
  };
  resolve(ast);
  const linear = !parser.nonRegular;
  const c = new Compiler();
  c.emit(Op.Save, 0);
  c.node(ast);
  c.emit(Op.Save, 1);
  c.emit(Op.Match);
  return { prog: c.prog, groups: parser.groups, names: parser.names, linear, registers: c.registers };
}

/** A match: capture slots as UTF-16 offsets into the text (-1 when a group did not take part). */
export interface RegexMatch {
  start: number;
  end: number;
  /** [start0, end0, start1, end1, ...] for group 0..n. */
  slots: number[];
}

const isWord = (c: number | undefined): boolean => c !== undefined && inRanges(WORD, c);

/**
 * Searches a text, keeping count of the steps taken across calls (one budget per function
 * call, as PCRE2's match limit is per match).
 */
export class RegexSearcher {
  steps = 0;
  private readonly cps: number[];
  /** UTF-16 offset of each code point, and of the end. */
  private readonly offsets: number[];
  private visited: Uint32Array | null = null;
  /** The step count at which the current search gives up (PCRE2's limit is per match). */
  private limit = 0;
  private touched: number[] = [];

  constructor(
    private readonly re: CompiledRegex,
    text: string,
    private readonly budget = DEFAULT_STEP_BUDGET,
  ) {
    this.cps = [];
    this.offsets = [];
    let off = 0;
    for (const ch of text) {
      this.cps.push(ch.codePointAt(0)!);
      this.offsets.push(off);
      off += ch.length;
    }
    this.offsets.push(off);
  }

  /** The first match starting at or after code point `from` (not before `notEmptyAt` when empty). */
  find(from: number, notEmptyAt = -1): RegexMatch | null {
    const n = this.cps.length;
    this.limit = this.steps + this.budget;
    if (this.re.linear) {
      const size = this.re.prog.length * (n + 1);
      // Memory for the visited states: at most 2^27 bits (16 MB); beyond, the step budget guards.
      if (size <= 1 << 27) {
        if (!this.visited || this.visited.length * 32 < size) this.visited = new Uint32Array(Math.ceil(size / 32));
        else for (const w of this.touched) this.visited[w] = 0;
        this.touched = [];
      } else this.visited = null;
    }
    for (let start = from; start <= n; start++) {
      const slots = new Array<number>(2 * (this.re.groups + 1)).fill(-1);
      const regs = new Array<number>(this.re.registers).fill(-1);
      const end = this.run(0, start, slots, regs, -1, from, notEmptyAt);
      if (end >= 0) {
        return {
          start: this.offsets[slots[0]!]!,
          end: this.offsets[slots[1]!]!,
          slots: slots.map((s) => (s < 0 ? -1 : this.offsets[s]!)),
        };
      }
    }
    return null;
  }

  /**
   * All non-overlapping matches, left to right, as PCRE2's global matching (and Perl's)
   * finds them: after an empty match the next may not be empty at the same position
   * (PCRE2_NOTEMPTY_ATSTART, then one character further); after a non-empty one it may.
   */
  findAll(limit = Infinity): RegexMatch[] {
    const out: RegexMatch[] = [];
    let from = 0;
    let notEmptyAt = -1;
    while (from <= this.cps.length && out.length < limit) {
      const m = this.find(from, notEmptyAt);
      if (!m) break;
      out.push(m);
      const endCp = this.cpIndex(m.end);
      notEmptyAt = m.start === m.end ? endCp : -1;
      from = endCp;
    }
    return out;
  }

  private cpIndex(utf16: number): number {
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid]! < utf16) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Runs the program from `pc` at `pos`; returns the end position or -1. `target` (for
   * lookbehind) requires the match to end there; `notEmptyAt` refuses an empty overall
   * match at that position (after an empty match, the next one must not be empty there).
   */
  private run(pc0: number, pos0: number, slots: number[], regs: number[], target: number, searchStart: number, notEmptyAt: number): number {
    const prog = this.re.prog;
    const cps = this.cps;
    const n = cps.length;
    const visited = pc0 === 0 ? this.visited : null;
    const width = n + 1;
    // Backtrack stack: [kind, a, b] triples; kind 0 = branch (pc, pos), 1 = restore slot, 2 = restore register.
    const stack: number[] = [0, pc0, pos0];
    while (stack.length) {
      const b = stack.pop()!;
      const a = stack.pop()!;
      const kind = stack.pop()!;
      if (kind === 1) {
        slots[a] = b;
        continue;
      }
      if (kind === 2) {
        regs[a] = b;
        continue;
      }
      let pc = a;
      let pos = b;
      for (;;) {
        if (++this.steps > this.limit) throw new RegexBudgetExceeded('step budget exceeded');
        if (visited) {
          const idx = pc * width + pos;
          const w = idx >>> 5;
          const bit = 1 << (idx & 31);
          if (visited[w]! & bit) break;
          if (visited[w] === 0) this.touched.push(w);
          visited[w]! |= bit;
        }
        const inst = prog[pc]!;
        let ok = true;
        switch (inst.op) {
          case Op.Char: {
            const c = cps[pos];
            ok = c !== undefined && (c === inst.a || (inst.ci && (lower(c) === lower(inst.a) || upper(c) === upper(inst.a))));
            if (ok) {
              pc++;
              pos++;
            }
            break;
          }
          case Op.Any: {
            const c = cps[pos];
            ok = c !== undefined && (inst.dotall || c !== 10);
            if (ok) {
              pc++;
              pos++;
            }
            break;
          }
          case Op.Class: {
            const c = cps[pos];
            ok = c !== undefined && setHas(inst.set!, c, inst.ci);
            if (ok) {
              pc++;
              pos++;
            }
            break;
          }
          case Op.Split:
            stack.push(0, inst.b, pos);
            pc = inst.a;
            break;
          case Op.Jmp:
            pc = inst.a;
            break;
          case Op.Save:
            stack.push(1, inst.a, slots[inst.a]!);
            slots[inst.a] = pos;
            pc++;
            break;
          case Op.Mark:
            stack.push(2, inst.a, regs[inst.a]!);
            regs[inst.a] = pos;
            pc++;
            break;
          case Op.Progress:
            ok = regs[inst.a] !== pos;
            pc++;
            break;
          case Op.Assert:
            ok = this.assert(inst, pos, searchStart);
            pc++;
            break;
          case Op.Backref: {
            const s = slots[2 * inst.a]!;
            const e = slots[2 * inst.a + 1]!;
            if (s < 0 || e < 0) {
              ok = false; // an unset group matches nothing (PCRE2's default)
              break;
            }
            const len = e - s;
            ok = pos + len <= n;
            for (let k = 0; ok && k < len; k++) {
              const x = cps[s + k]!;
              const y = cps[pos + k]!;
              ok = x === y || (inst.ci && lower(x) === lower(y));
            }
            if (ok) {
              pos += len;
              pc++;
            }
            break;
          }
          case Op.Look: {
            const snapshot = slots.slice();
            let found = false;
            if (inst.behind) {
              for (const len of inst.lengths!) {
                if (pos - len < 0) continue;
                if (this.run(pc + 1, pos - len, slots, regs, pos, searchStart, -1) >= 0) {
                  found = true;
                  break;
                }
              }
            } else found = this.run(pc + 1, pos, slots, regs, -1, searchStart, -1) >= 0;
            if (found === !!inst.negate) {
              ok = false;
              for (let k = 0; k < slots.length; k++) slots[k] = snapshot[k]!;
              break;
            }
            if (inst.negate) for (let k = 0; k < slots.length; k++) slots[k] = snapshot[k]!;
            else for (let k = 0; k < slots.length; k++) if (slots[k] !== snapshot[k]) stack.push(1, k, snapshot[k]!);
            pc = inst.b;
            break;
          }
          case Op.Atomic: {
            const snapshot = slots.slice();
            const end = this.run(pc + 1, pos, slots, regs, -1, searchStart, -1);
            if (end < 0) {
              ok = false;
              break;
            }
            for (let k = 0; k < slots.length; k++) if (slots[k] !== snapshot[k]) stack.push(1, k, snapshot[k]!);
            pos = end;
            pc = inst.b;
            break;
          }
          case Op.Match:
            if (target >= 0 && pos !== target) ok = false;
            else if (notEmptyAt >= 0 && pc0 === 0 && pos === notEmptyAt && slots[0] === notEmptyAt) ok = false;
            else return pos;
            break;
        }
        if (!ok) break;
      }
    }
    return -1;
  }

  private assert(inst: Inst, pos: number, searchStart: number): boolean {
    const cps = this.cps;
    const n = cps.length;
    switch (inst.kind) {
      case '^':
        return pos === 0 || (inst.multiline! && cps[pos - 1] === 10 && pos < n);
      case '$':
        if (inst.multiline) return pos === n || cps[pos] === 10;
        return pos === n || (pos === n - 1 && cps[pos] === 10);
      case 'A':
        return pos === 0;
      case 'z':
        return pos === n;
      case 'Z':
        return pos === n || (pos === n - 1 && cps[pos] === 10);
      case 'G':
        return pos === searchStart;
      case 'b':
        return isWord(cps[pos - 1]) !== isWord(cps[pos]);
      default:
        return isWord(cps[pos - 1]) === isWord(cps[pos]);
    }
  }
}
