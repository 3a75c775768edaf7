/** Comparing Excel's stored values with the engine's, and describing the differences. */
import type { CellValue } from './xlsx.js';

export const REL_TOL = 1e-9;
export const ABS_TOL = 1e-12;

export type MismatchReason =
  | 'missing' // the engine has no value for the cell
  | 'type' // e.g. a number expected, text produced
  | 'value' // same type, different value
  | 'error-code' // both errors, different codes
  | 'backfilled' // the compiler backfilled the cell instead of computing it
  | 'failed'; // the file did not compile or run (crash, timeout, compile error)

export interface Comparison {
  ok: boolean;
  reason?: MismatchReason;
  /** For numbers: the relative difference. */
  relDiff?: number;
}

export function numbersEqual(a: number, b: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const d = Math.abs(a - b);
  return d < ABS_TOL || d <= REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

export type Kind = 'number' | 'text' | 'boolean' | 'error' | 'blank' | 'other';

/** The kind of a value as `toJSON()` gives it (or as the worker re-encodes it). */
export function kindOf(v: unknown): Kind {
  if (v === null) return 'blank';
  switch (typeof v) {
    case 'number':
      return 'number';
    case 'string':
      return 'text';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (typeof (v as { error?: unknown }).error === 'string') return 'error';
      if ('nonFinite' in (v as object)) return 'number';
      return 'other';
    default:
      return 'other';
  }
}

function errorCode(v: unknown): string {
  return String((v as { error: string }).error).trim().toUpperCase();
}

/** Compares Excel's value with the engine's. `got === undefined` means the key is absent. */
export function compareValues(expected: CellValue, got: unknown): Comparison {
  if (got === undefined) return { ok: false, reason: 'missing' };
  const ek = kindOf(expected);
  const gk = kindOf(got);
  if (ek !== gk) return { ok: false, reason: 'type' };
  switch (ek) {
    case 'number': {
      if (typeof got !== 'number') return { ok: false, reason: 'value' }; // non-finite
      const a = expected as number;
      if (numbersEqual(a, got)) return { ok: true };
      const relDiff = Math.abs(a - got) / Math.max(Math.abs(a), Math.abs(got));
      return { ok: false, reason: 'value', relDiff };
    }
    case 'text':
    case 'boolean':
      return expected === got ? { ok: true } : { ok: false, reason: 'value' };
    case 'error':
      return errorCode(expected) === errorCode(got) ? { ok: true } : { ok: false, reason: 'error-code' };
    case 'blank':
      return { ok: true };
    default:
      return { ok: false, reason: 'type' };
  }
}

/** A value as a short, readable, unambiguous text (strings quoted, errors bare). */
export function formatValue(v: unknown, max = 60): string {
  if (v === undefined) return '(absent)';
  if (v === null) return '(blank)';
  let s: string;
  switch (typeof v) {
    case 'number':
      s = String(v);
      break;
    case 'boolean':
      s = v ? 'TRUE' : 'FALSE';
      break;
    case 'string':
      s = JSON.stringify(v);
      break;
    default: {
      const o = v as Record<string, unknown>;
      if (typeof o.error === 'string') s = o.error;
      else if ('nonFinite' in o) s = String(o.nonFinite);
      else {
        try {
          s = JSON.stringify(v);
        } catch {
          s = String(v);
        }
      }
    }
  }
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/**
 * The functions a formula calls, upper-cased, without the `_xlfn.`/`_xlws.` prefixes
 * Excel stores for newer functions. String literals and quoted sheet names are skipped.
 */
export function functionsIn(formula: string): string[] {
  const noStrings = formula.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'/g, '""');
  const out = new Set<string>();
  const re = /(?<![A-Za-z0-9_.\\!$])((?:_xlfn\.|_xlws\.|_xludf\.|_xlpm\.)*[A-Za-z][A-Za-z0-9_.]*)\s*\(/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(noStrings))) {
    const name = m[1]!.replace(/^(?:_xlfn\.|_xlws\.|_xludf\.|_xlpm\.)+/i, '').toUpperCase();
    if (name) out.add(name);
  }
  return [...out];
}

/**
 * Functions whose result is a fresh draw on every calculation: a random number or the
 * clock. The value Excel stored is the draw it made when it saved, so no engine can be
 * expected to reproduce it; comparing would score a coin toss (RANDBETWEEN(1,3) "matches"
 * one run in three).
 */
export const NONDETERMINISTIC_FUNCTIONS: ReadonlySet<string> = new Set(['RAND', 'RANDBETWEEN', 'RANDARRAY', 'NOW', 'TODAY']);

/** Whether a formula calls a function whose result is a fresh draw (see above). */
export function callsNondeterministic(formula: string): boolean {
  return functionsIn(formula).some((f) => NONDETERMINISTIC_FUNCTIONS.has(f));
}

/**
 * Normalizes a cell key so that `Sheet!A1`, `'Sheet'!$A$1` and `sheet!a1` agree
 * (Excel sheet names are case-insensitive).
 */
export function normalizeKey(key: string): string {
  const bang = key.lastIndexOf('!');
  if (bang < 0) return key.replace(/\$/g, '').toUpperCase();
  let sheet = key.slice(0, bang);
  if (sheet.length >= 2 && sheet.startsWith("'") && sheet.endsWith("'")) sheet = sheet.slice(1, -1).replace(/''/g, "'");
  return `${sheet.toLowerCase()}!${key.slice(bang + 1).replace(/\$/g, '').toUpperCase()}`;
}
