/**
 * The report's verification: every formula cell compared with the value Excel stored,
 * with the same tolerance as verify(), on the values of the build's own verification run
 * (or, when the build did not run the engine in the output directory, one run of it
 * through the same engine runner). Also gives the run's convergence (circular clusters).
 */
import { existsSync, readFileSync } from 'node:fs';
import { runEngine } from '../compile.js';
import type { JobMeta } from '../engine-run.js';
import { parseArea } from '../runtime/address.js';
import type { BuildReport, CompileOptions, JsonValue } from '../types.js';
import { sameValue } from '../engine-run.js';
import { readCachedValues, storedValue } from '../cached-values.js';
import type { EncodedScalar as Encoded } from '../runtime/engine.js';

/** Differences listed in the report's table (all are counted). */
export const MAX_MISMATCHES = 1000;
/** Differences marked on the heat maps. */
export const MAX_MARKED = 20_000;

export interface ReportMismatch {
  sheet: number;
  row: number;
  col: number;
  expected: JsonValue;
  actual: JsonValue;
}

export interface ReportVerification {
  /** Formula cells with a stored value, compared (backfilled ones are not). */
  compared: number;
  matched: number;
  /** All differences (only the first `MAX_MISMATCHES` are in `mismatches`). */
  mismatchCount: number;
  mismatches: ReportMismatch[];
  /** Per sheet, flat `[row, col, ...]` of differing cells (the first `MAX_MARKED` in all). */
  marked: number[][];
  withoutStoredValue: number;
  backfilled: number;
  /** Output profile: formula cells with a stored value that the engine does not compute (folded or dropped). */
  notInEngine: number;
  /** The run's meta, null when the engine could not be run (`error`). */
  run: { converged: boolean; iterations: number; elapsedMs: number } | null;
  error: string | null;
}

const toJson = (v: Encoded): JsonValue => (v !== null && typeof v === 'object' ? { error: v.e } : v);
/** A cell's key within a sheet (columns < 16,384). */
const key = (row: number, col: number) => row * 16384 + col;

/**
 * Compares the engine in `engineDir` with the stored values in `cachedPath` (written by the
 * same build). `run` names the files of the build's verification run (its formula values
 * and meta); when the build did not write them (an output profile, `verify: false`), the
 * engine is run once here. A failed run is reported, not thrown: the report still shows
 * everything else.
 */
export async function verifyForReport(
  engineDir: string,
  cachedPath: string,
  run: { values: string; meta: string },
  build: BuildReport,
  options: Pick<CompileOptions, 'signal' | 'functions'>,
): Promise<ReportVerification> {
  const cached = readCachedValues(cachedPath);
  const out: ReportVerification = {
    compared: 0,
    matched: 0,
    mismatchCount: 0,
    mismatches: [],
    marked: cached.map(() => []),
    withoutStoredValue: 0,
    backfilled: 0,
    notInEngine: 0,
    run: null,
    error: null,
  };
  let stored = 0;
  for (const s of cached) stored += s.rows.length;
  if (!existsSync(run.meta)) {
    try {
      // Values are only written out when there is something to compare them with.
      await runEngine({ engine: engineDir, meta: { out: run.meta }, ...(stored > 0 ? { formulaValues: { out: run.values } } : {}) }, 'running the engine for the report', options);
    } catch (e) {
      if (options.signal?.aborted) throw e;
      out.error = e instanceof Error ? e.message : String(e);
      return out;
    }
  }
  const meta = JSON.parse(readFileSync(run.meta, 'utf8')) as JobMeta;
  const sheets = existsSync(run.values) ? (JSON.parse(readFileSync(run.values, 'utf8')) as { sheets: Encoded[][] }).sheets : null;
  out.run = { converged: meta.converged, iterations: meta.iterations, elapsedMs: meta.elapsedMs };
  const profile = build.inputs != null || build.outputs != null;
  const sheetIndex = new Map(build.sheets.map((s, i) => [s.name, i]));
  const backfilled = new Set<string>();
  for (const b of build.backfilled) {
    const a = parseArea(b.cell);
    if (a) backfilled.add(`${sheetIndex.get(b.sheet)}:${key(a.r0, a.c0)}`);
  }
  cached.forEach((sheet, s) => {
    out.withoutStoredValue += sheet.blank;
    const flat = sheets?.[s] ?? [];
    const values = new Map<number, Encoded>();
    for (let i = 0; i + 2 < flat.length; i += 3) values.set(key(flat[i] as number, flat[i + 1] as number), flat[i + 2]!);
    for (let i = 0; i < sheet.rows.length; i++) {
      const row = sheet.rows[i]!;
      const col = sheet.cols[i]!;
      const expected = storedValue(sheet, i);
      if (backfilled.has(`${s}:${key(row, col)}`)) {
        out.backfilled++;
        continue;
      }
      let actual = values.get(key(row, col));
      if (actual === undefined) {
        // A profile leaves out what it folds or drops; a full engine computes every cell.
        if (profile) {
          out.notInEngine++;
          continue;
        }
        actual = null;
      }
      out.compared++;
      if (sameValue(expected, actual)) out.matched++;
      else {
        if (out.mismatchCount < MAX_MARKED) out.marked[s]!.push(row, col);
        out.mismatchCount++;
        if (out.mismatches.length < MAX_MISMATCHES) out.mismatches.push({ sheet: s, row, col, expected: toJson(expected), actual: toJson(actual) });
      }
    }
  });
  return out;
}
