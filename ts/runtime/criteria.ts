/**
 * Criteria as the *IF(S) and database functions read them: `">=10"`, `"<>"`, `"=a*"`,
 * wildcards `*` `?` with `~` escapes, and plain values. Text compares case-insensitively.
 *
 * Excel's quirks, checked against stored Excel results (IronCalc COUNTIF/COUNTIFS corpus):
 * - an equality criterion that is a number (23, "23", "=23") matches number cells and
 *   text cells holding that number ("23"), but "<>23" only excludes the number cells;
 * - ordering criteria (">5") only match numbers (text criteria only match text);
 * - "<>" alone matches every non-empty cell, empty-text formula results included;
 * - an operator with nothing after it ("<", ">=") matches nothing, "=" matches blanks only,
 *   and "" matches blanks and empty text.
 */
import { parseNumber } from './coerce.js';
import { ExcelError, errorFromCode, type Scalar } from './values.js';

export type Predicate = (v: Scalar) => boolean;

/** Regex for a wildcard pattern (`*`, `?`, `~*`, `~?`, `~~`), anchored, case-insensitive. */
export function wildcardToRegExp(pattern: string): RegExp {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '~' && i + 1 < pattern.length && '*?~'.includes(pattern[i + 1]!)) {
      src += '\\' + pattern[++i];
    } else if (ch === '*') src += '[\\s\\S]*';
    else if (ch === '?') src += '[\\s\\S]';
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 'i');
}

export function hasWildcard(s: string): boolean {
  return /[*?]/.test(s.replace(/~[*?~]/g, ''));
}

/**
 * `v.toLowerCase() === lower` for `v` of the same length as `exact` (whose lower-case
 * form is `lower`), without copying `v`. Identical characters lower-case identically
 * (and to the same length), and ASCII maps A-Z only, so the first ASCII position where
 * the two differ after folding decides; a non-ASCII difference falls back to the full
 * `toLowerCase()` (its mappings may change lengths or depend on context).
 */
function equalsFolded(v: string, exact: string, lower: string): boolean {
  for (let i = 0; i < v.length; i++) {
    let a = v.charCodeAt(i);
    let b = exact.charCodeAt(i);
    if (a === b) continue;
    if (a > 127 || b > 127) return v.toLowerCase() === lower;
    if (a >= 65 && a <= 90) a += 32;
    if (b >= 65 && b <= 90) b += 32;
    if (a !== b) return false;
  }
  return true;
}

/** Equality with a number: number cells, and text cells that read as that number. */
function numberEquals(n: number): Predicate {
  return (v) => (typeof v === 'number' ? v === n : typeof v === 'string' && parseNumber(v) === n);
}

/** Builds the predicate for one criterion value. */
export function parseCriteria(criterion: Scalar): Predicate {
  if (typeof criterion === 'number') {
    let p = numberCriteria.get(criterion);
    if (p === undefined) {
      if (numberCriteria.size >= 4096) numberCriteria.clear();
      p = buildCriteria(criterion);
      numberCriteria.set(criterion, p);
    }
    return p;
  }
  if (typeof criterion !== 'string') return buildCriteria(criterion);
  // Criteria are mostly a few distinct strings evaluated for every cell of a model:
  // parse each once (bounded cache; predicates are pure).
  let p = criteriaCache.get(criterion);
  if (p === undefined) {
    if (criteriaCache.size >= 4096) criteriaCache.clear();
    p = buildCriteria(criterion);
    criteriaCache.set(criterion, p);
  }
  return p;
}

const criteriaCache = new Map<string, Predicate>();

/**
 * The numbers an ordering criterion accepts (`">"&date`, `"<=100"`): an interval, open
 * or closed at each end. Such a criterion accepts numbers only (text and logical values
 * never compare with a number in the *IFS functions), so a count over it is a count of
 * the numbers in the interval (criteria.ts `countInIntervals` counts them in sorted runs).
 */
export interface NumberInterval {
  readonly lo: number;
  readonly loOpen: boolean;
  readonly hi: number;
  readonly hiOpen: boolean;
}

/** The criteria that are number intervals, by predicate (see `numberInterval`). */
const intervals = new WeakMap<Predicate, NumberInterval>();

/** The interval of numbers `p` accepts when it is an ordering criterion on a number. */
export function numberInterval(p: Predicate): NumberInterval | undefined {
  return intervals.get(p);
}
/** Number criteria (a key cell holding a number), cached the same way. */
const numberCriteria = new Map<number, Predicate>();

function buildCriteria(criterion: Scalar): Predicate {
  if (typeof criterion === 'number') return numberEquals(criterion);
  if (typeof criterion === 'boolean') return (v) => v === criterion;
  if (criterion instanceof ExcelError) return (v) => v === criterion;
  // A blank criterion cell behaves like the number 0 in Excel's *IF functions.
  if (criterion === null) return (v) => v === 0;
  let s = criterion;
  let op = '=';
  const m = /^(<=|>=|<>|=|<|>)/.exec(s);
  if (m) {
    op = m[1]!;
    s = s.slice(op.length);
  }
  const explicitOp = m !== null;
  const num = s.trim() === '' ? undefined : parseNumber(s);
  const err = errorFromCode(s);
  const lower = s.toLowerCase();
  const bool = lower === 'true' ? true : lower === 'false' ? false : undefined;

  if (op === '=' || op === '<>') {
    let eq: Predicate;
    if (s === '') {
      // "=" matches blank cells only; "" (no operator) matches blank and empty text; "<>" matches non-blank.
      eq = explicitOp ? (v) => v === null : (v) => v === null || v === '';
    } else if (num !== undefined) eq = numberEquals(num);
    else if (bool !== undefined) eq = (v) => v === bool;
    else if (err) eq = (v) => v === err;
    else if (hasWildcard(s)) {
      const re = wildcardToRegExp(s);
      eq = (v) => typeof v === 'string' && re.test(v);
    } else {
      const exact = s.replace(/~([*?~])/g, '$1');
      const t = exact.toLowerCase();
      // Length and exact-case checks first, then a case-folding comparison in place: no
      // lower-cased copy per cell (a copy per non-matching cell was most of SUMIFS's cost).
      eq = (v) => typeof v === 'string' && v.length === exact.length && (v === exact || equalsFolded(v, exact, t));
    }
    if (op === '<>') {
      if (s === '') return (v) => v !== null;
      if (num !== undefined) return (v) => !(typeof v === 'number' && v === num);
      return (v) => !eq(v);
    }
    return eq;
  }
  if (s === '') return () => false;
  // Ordering comparisons: numbers with numbers, text with text.
  const cmp = (c: number) => (op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0);
  if (num !== undefined) {
    const p: Predicate = (v) => typeof v === 'number' && cmp(v < num ? -1 : v > num ? 1 : 0);
    intervals.set(p, op === '<' ? { lo: -Infinity, loOpen: true, hi: num, hiOpen: true } : op === '<=' ? { lo: -Infinity, loOpen: true, hi: num, hiOpen: false } : op === '>' ? { lo: num, loOpen: true, hi: Infinity, hiOpen: true } : { lo: num, loOpen: false, hi: Infinity, hiOpen: true });
    return p;
  }
  if (bool !== undefined) return (v) => typeof v === 'boolean' && cmp(Number(v) - Number(bool));
  const t = s.toLowerCase();
  return (v) => {
    if (typeof v !== 'string') return false;
    const x = v.toLowerCase();
    return cmp(x < t ? -1 : x > t ? 1 : 0);
  };
}
