/**
 * REGEXTEST, REGEXEXTRACT, REGEXREPLACE on the runtime's own engine (regex-engine.ts):
 * PCRE2 syntax as Excel documents it, linear-time matching for patterns without
 * backreferences or lookaround, a step budget (PCRE2's match limit) for those with them.
 *
 * Errors: a pattern PCRE2 rejects, a bad mode or case_sensitivity, or a bad replacement
 * ("$" not followed by a group, a group the pattern lacks) is #VALUE!; a valid construct
 * the engine does not run (recursion, conditionals, \K, \p{...}, ...) and a search past the
 * step budget are #CALC!, never a guessed match; a result longer than a cell holds is #VALUE!.
 */
import { MAX_TEXT } from '../../coerce.js';
import { defineFn, restrict } from '../../registry.js';
import { ERR, ExcelError, Matrix, type Scalar } from '../../values.js';
import {
  compileRegex,
  RegexBudgetExceeded,
  RegexSearcher,
  RegexSyntaxError,
  RegexUnsupported,
  type CompiledRegex,
  type RegexMatch,
} from './regex-engine.js';

/** Compiled patterns, per case option (formulas reuse a few patterns across many cells). */
const cache = new Map<string, CompiledRegex | ExcelError>();

function errorOf(e: unknown): ExcelError {
  if (e instanceof RegexSyntaxError) return ERR.VALUE;
  if (e instanceof RegexUnsupported || e instanceof RegexBudgetExceeded) return ERR.CALC;
  throw e;
}

function compile(pattern: string, caseSensitivity: number | undefined): CompiledRegex | ExcelError {
  const ci = caseSensitivity === undefined ? 0 : Math.trunc(caseSensitivity);
  if (ci !== 0 && ci !== 1) return ERR.VALUE;
  const key = `${ci}:${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    try {
      re = compileRegex(pattern, { caseInsensitive: ci === 1 });
    } catch (e) {
      re = errorOf(e);
    }
    if (cache.size > 500) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/**
 * Why a pattern cannot be run exactly by this runtime (a construct it does not support),
 * or undefined. For the compiler: a REGEX call with such a constant pattern is backfilled
 * and reported at build time instead of computing #CALC!.
 */
export function unsupportedRegex(pattern: string): string | undefined {
  try {
    compileRegex(pattern);
    return undefined;
  } catch (e) {
    return e instanceof RegexUnsupported ? `regular expression construct not supported: ${e.message}` : undefined;
  }
}

/** Runs a search, turning the engine's exceptions into Excel errors. */
function searching<T>(f: () => T): T | ExcelError {
  try {
    return f();
  } catch (e) {
    return errorOf(e);
  }
}

defineFn('REGEXTEST', ['text', 'text', 'number'], 2, 3, (_ctx, s: string, p: string, ci?: number) => {
  const re = compile(p, ci);
  if (re instanceof ExcelError) return re;
  return searching(() => new RegexSearcher(re, s).find(0) !== null);
});

defineFn('REGEXEXTRACT', ['text', 'text', 'number', 'number'], 2, 4, (_ctx, s: string, p: string, mode?: number, ci?: number) => {
  const md = mode === undefined ? 0 : Math.trunc(mode);
  if (md < 0 || md > 2) return ERR.VALUE;
  const re = compile(p, ci);
  if (re instanceof ExcelError) return re;
  return searching((): Scalar | Matrix => {
    const searcher = new RegexSearcher(re, s);
    if (md === 1) {
      // All matches spill across a row (corpus REGEX.xlsx: the array range is A4:B4).
      const all = searcher.findAll().map((m) => s.slice(m.start, m.end));
      return all.length ? new Matrix(1, all.length, all) : ERR.NA;
    }
    const m = searcher.find(0);
    if (!m) return ERR.NA;
    if (md === 0) return s.slice(m.start, m.end);
    const groups: Scalar[] = [];
    for (let g = 1; g <= re.groups; g++) groups.push(m.slots[2 * g]! < 0 ? '' : s.slice(m.slots[2 * g]!, m.slots[2 * g + 1]!));
    return groups.length ? new Matrix(1, groups.length, groups) : ERR.NA;
  });
});

/** A parsed replacement: literal text and group numbers, in order. */
type Piece = string | number;

/**
 * PCRE2's substitution syntax: `$$` is a dollar, `$n` / `${n}` group n (0 the whole match),
 * `$name` / `${name}` a named group; any other `$` or an unknown group is #VALUE!.
 */
function parseReplacement(repl: string, re: CompiledRegex): Piece[] | ExcelError {
  const out: Piece[] = [];
  let lit = '';
  for (let i = 0; i < repl.length; i++) {
    const ch = repl[i]!;
    if (ch !== '$') {
      lit += ch;
      continue;
    }
    const next = repl[i + 1];
    if (next === '$') {
      lit += '$';
      i++;
      continue;
    }
    let ref: string;
    if (next === '{') {
      const close = repl.indexOf('}', i + 2);
      if (close < 0) return ERR.VALUE;
      ref = repl.slice(i + 2, close);
      i = close;
    } else {
      const m = /^\w+/.exec(repl.slice(i + 1));
      if (!m) return ERR.VALUE;
      ref = m[0];
      i += ref.length;
    }
    let group: number | undefined;
    if (/^\d+$/.test(ref)) group = Number(ref);
    else group = re.names.get(ref);
    if (group === undefined || group > re.groups) return ERR.VALUE;
    if (lit) out.push(lit);
    lit = '';
    out.push(group);
  }
  if (lit) out.push(lit);
  return out;
}

/** The replacement for one match; unset groups insert nothing. */
function expand(pieces: Piece[], s: string, m: RegexMatch): string {
  let out = '';
  for (const p of pieces) {
    if (typeof p === 'string') out += p;
    else if (m.slots[2 * p]! >= 0) out += s.slice(m.slots[2 * p]!, m.slots[2 * p + 1]!);
  }
  return out;
}

defineFn('REGEXREPLACE', ['text', 'text', 'text', 'number', 'number'], 3, 5,
  (_ctx, s: string, p: string, repl: string, occ?: number, ci?: number) => {
    const re = compile(p, ci);
    if (re instanceof ExcelError) return re;
    const pieces = parseReplacement(repl, re);
    if (pieces instanceof ExcelError) return pieces;
    const k = occ === undefined ? 0 : Math.trunc(occ);
    return searching((): Scalar => {
      const matches = new RegexSearcher(re, s).findAll();
      const chosen = k === 0 ? matches : [k > 0 ? matches[k - 1] : matches[matches.length + k]].filter((m) => m !== undefined);
      let out = '';
      let at = 0;
      for (const m of chosen) {
        out += s.slice(at, m!.start) + expand(pieces, s, m!);
        at = m!.end;
        // Checked as it grows: a replacement repeated at every position could be huge.
        if (out.length > MAX_TEXT) return ERR.VALUE;
      }
      out += s.slice(at);
      return out.length > MAX_TEXT ? ERR.VALUE : out;
    });
  },
);

/**
 * Text that starts, or may start, a construct the engine does not run (unsupportedRegex):
 * recursion and subroutine calls, conditionals, callouts, branch reset, the J and U
 * options, backtracking verbs, \K \R \X \C, Unicode properties, and lookbehind (the
 * engine runs fixed-length lookbehind only; the compiler does not parse patterns, so it
 * backfills every lookbehind). A literal pattern containing one of these is backfilled
 * and reported at build time: the list errs towards backfilling (an escaped `\\K` is
 * caught too), never towards running a pattern the engine rejects. What it cannot see (a
 * J option after other options, a pattern too large once its repeats are expanded) is
 * #CALC! at run time, as is any pattern computed by a formula.
 */
export const UNSUPPORTED_REGEX_TOKENS: readonly string[] = [
  '(?R', '(?&', '(?P>', '(?(', '(?C', '(?|', '(?+',
  ...'0123456789'.split('').flatMap((d) => [`(?${d}`, `(?-${d}`]),
  ...['', ...'imsxn^-'.split('')].flatMap((f) => [`(?${f}J`, `(?${f}U`]),
  '(*', '\\K', '\\R', '\\X', '\\C', '\\p', '\\P', "\\g<", "\\g'", '(?<=', '(?<!',
];

const REGEX_RESTRICTIONS = [
  {
    when: [{ arg: 1, test: 'contains' as const, texts: [...UNSUPPORTED_REGEX_TOKENS] }],
    reason: 'the regular expression uses a construct the engine does not run (recursion, conditionals, \\K, \\p{...}, verbs, lookbehind, ...)',
  },
];
for (const name of ['REGEXTEST', 'REGEXEXTRACT', 'REGEXREPLACE']) restrict(name, REGEX_RESTRICTIONS);
