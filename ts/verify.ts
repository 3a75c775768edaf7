/**
 * `verify()`: compiles a workbook, runs it with no inputs and compares every formula
 * cell with the value Excel stored in the file when it last calculated it: the build's
 * own verification (see compile.ts), into a temporary directory. The same tolerance as
 * the conformance suite: numbers within 1e-9 relative (or 1e-12 absolute), text,
 * booleans and error codes exactly. NOW and TODAY run at `now`, by default the time the
 * file was last saved (docProps/core.xml), when Excel last calculated it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_OPTION_KINDS, checkOptions, checkWorkbookPath, compileVerified } from './compile.js';
import { SheetcError } from './errors.js';
import { checkOptionsObject } from './options.js';
import { scratchDir } from './temp.js';
import type { CompileOptions, VerifyReport } from './types.js';

export interface VerifyOptions extends Omit<CompileOptions, 'outDir' | 'inputs' | 'outputs' | 'lazy' | 'verify' | 'report'> {
  /** How many differences to list (default 100). */
  maxMismatches?: number;
  /** The clock for NOW and TODAY: a Date, or an ISO 8601 date or date-time (default: when the file was last saved). */
  now?: Date | string;
}

/**
 * An ISO 8601 date (`2024-03-15`) or date-time (`2024-03-15T09:30`, with seconds, and a
 * `Z` or `+01:00` offset or none). Without an offset it is read at UTC, as `--set` dates
 * and `Date` inputs are (engines read dates by their UTC calendar, so NOW shows that wall
 * clock on every machine); with one, that instant (shown at UTC).
 */
export function parseNow(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text.trim());
  if (!m) throw new SheetcError('E_INVALID_OPTION', `--now needs an ISO 8601 date or date-time (2024-03-15, 2024-03-15T09:30), got "${text}"`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const date = zone
    ? new Date(`${y}-${mo}-${d}T${h.padStart(2, '0')}:${mi}:${s.padStart(2, '0')}${frac}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`)
    : new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), frac ? Math.round(Number(frac) * 1000) : 0));
  if (!Number.isFinite(date.getTime()) || (!zone && date.getUTCMonth() !== Number(mo) - 1)) {
    throw new SheetcError('E_INVALID_OPTION', `--now: "${text}" is not a valid date`);
  }
  return date;
}

/** Compiles `workbook` in a temporary directory and compares the engine with Excel's stored values. */
export async function verify(workbook: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  checkWorkbookPath('verify()', workbook);
  // verify() always verifies; `now` (a Date or an ISO string) is checked below.
  const { verify: _alwaysVerified, ...kinds } = BUILD_OPTION_KINDS;
  const rest = typeof options === 'object' && options !== null ? (({ now: _now, ...others }: VerifyOptions) => others)(options) : options;
  checkOptionsObject('verify()', rest, { ...kinds, maxMismatches: 'nonNegativeInteger' });
  if (options.signal?.aborted) throw new SheetcError('E_CANCELLED', 'the build was cancelled');
  const base = scratchDir('verify');
  try {
    const dir = join(base, 'engine');
    const { maxMismatches = 100, now, ...compileOptions } = options;
    const clock = now === undefined ? undefined : now instanceof Date ? now : parseNow(now);
    if (clock && !Number.isFinite(clock.getTime())) throw new SheetcError('E_INVALID_OPTION', 'now must be a valid Date');
    checkOptions({ ...compileOptions, outDir: dir });
    const build = await compileVerified(workbook, { ...compileOptions, outDir: dir, verify: true }, { ...(clock ? { now: clock } : {}), maxDifferences: maxMismatches });
    const v = build.verification;
    if (!v) throw new SheetcError('E_INTERNAL', 'the build was not verified');
    // The engine's temporary directory is deleted: the report names no outDir.
    const { outDir: _deleted, ...report } = build;
    return {
      total: v.total,
      matched: v.matched,
      withoutStoredValue: v.withoutStoredValue,
      backfilled: v.backfilled,
      now: v.now,
      mismatches: v.differences.map((d) => ({ cell: d.cell, formula: d.formula, expected: d.expected, actual: d.actual })),
      build: report,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
