/**
 * `verify()`: compiles a workbook, runs it with no inputs and compares every formula
 * cell with the value Excel stored in the file when it last calculated it: the build's
 * own verification (see compile.ts), into a temporary directory. The same tolerance as
 * the conformance suite: numbers within 1e-9 relative (or 1e-12 absolute), text,
 * booleans and error codes exactly. NOW and TODAY run at `now`, by default the time the
 * file was last saved (docProps/core.xml), when Excel last calculated it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOptions, compileVerified } from './compile.js';
import { SheetcError } from './errors.js';
import type { CompileOptions, VerifyReport } from './types.js';

export interface VerifyOptions extends Omit<CompileOptions, 'outDir' | 'inputs' | 'outputs' | 'lazy' | 'verify'> {
  /** How many differences to list (default 100). */
  maxMismatches?: number;
  /** The clock for NOW and TODAY: a Date, or an ISO 8601 date or date-time (default: when the file was last saved). */
  now?: Date | string;
}

/**
 * An ISO 8601 date (`2024-03-15`) or date-time (`2024-03-15T09:30`, with seconds, and a
 * `Z` or `+01:00` offset or none). Without an offset it is a wall-clock time, the way
 * Excel's NOW shows it; with one, that instant in this machine's time zone.
 */
export function parseNow(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text.trim());
  if (!m) throw new SheetcError('E_INVALID_OPTION', `--now needs an ISO 8601 date or date-time (2024-03-15, 2024-03-15T09:30), got "${text}"`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const date = zone
    ? new Date(`${y}-${mo}-${d}T${h.padStart(2, '0')}:${mi}:${s.padStart(2, '0')}${frac}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`)
    : new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), frac ? Math.round(Number(frac) * 1000) : 0);
  if (!Number.isFinite(date.getTime()) || (!zone && date.getMonth() !== Number(mo) - 1)) {
    throw new SheetcError('E_INVALID_OPTION', `--now: "${text}" is not a valid date`);
  }
  return date;
}

/** Compiles `workbook` in a temporary directory and compares the engine with Excel's stored values. */
export async function verify(workbook: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const base = mkdtempSync(join(tmpdir(), 'sheetc-verify-'));
  try {
    const dir = join(base, 'engine');
    const { maxMismatches = 100, now, ...compileOptions } = options;
    const clock = now === undefined ? undefined : now instanceof Date ? now : parseNow(now);
    if (clock && !Number.isFinite(clock.getTime())) throw new SheetcError('E_INVALID_OPTION', 'now must be a valid Date');
    checkOptions({ ...compileOptions, outDir: dir });
    const build = await compileVerified(workbook, { ...compileOptions, outDir: dir, verify: true }, { ...(clock ? { now: clock } : {}), maxDifferences: maxMismatches });
    const v = build.verification;
    if (!v) throw new SheetcError('E_INTERNAL', 'the build was not verified');
    return {
      total: v.total,
      matched: v.matched,
      withoutStoredValue: v.withoutStoredValue,
      backfilled: v.backfilled,
      now: v.now,
      mismatches: v.differences.map((d) => ({ cell: d.cell, formula: d.formula, expected: d.expected, actual: d.actual })),
      build: { ...build, outDir: '' },
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
