/**
 * The report's verification: the engine run once (in a child process, as verify() does)
 * and every formula cell compared with the value Excel stored, with the same tolerance
 * as verify(). Also gives the run's convergence (circular clusters).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runEngineInChild } from '../compile.js';
import { parseArea } from '../runtime/address.js';
import type { BuildReport, JsonValue } from '../types.js';
import { same, type Encoded } from '../verify.js';

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

type CachedSheets = { name: string; cells: Encoded[] }[];
interface ChildOutput {
  meta: { converged: boolean; iterations: number; elapsedMs: number };
  sheets: Encoded[][] | null;
}

const toJson = (v: Encoded): JsonValue => (v !== null && typeof v === 'object' ? { error: v.e } : v);
/** A cell's key within a sheet (columns < 16,384). */
const key = (row: number, col: number) => row * 16384 + col;

/**
 * Runs the engine in `engineDir` and compares it with the stored values in `cachedPath`
 * (written by the same build). A failed run is reported, not thrown: the report still
 * shows everything else.
 */
export async function verifyForReport(engineDir: string, cachedPath: string, scratch: string, build: BuildReport, signal?: AbortSignal): Promise<ReportVerification> {
  const cached = JSON.parse(readFileSync(cachedPath, 'utf8')) as CachedSheets;
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
  for (const s of cached) for (let i = 2; i < s.cells.length; i += 3) if (s.cells[i] !== null) stored++;
  const valuesPath = join(scratch, 'report-values.json');
  try {
    // Values are only written out when there is something to compare them with.
    await runEngineInChild(engineDir, valuesPath, stored > 0 ? 'report' : 'reportMeta', 'running the engine for the report', signal);
  } catch (e) {
    if (signal?.aborted) throw e;
    out.error = e instanceof Error ? e.message : String(e);
    return out;
  }
  const result = JSON.parse(readFileSync(valuesPath, 'utf8')) as ChildOutput;
  out.run = { converged: result.meta.converged, iterations: result.meta.iterations, elapsedMs: result.meta.elapsedMs };
  const profile = build.inputs != null || build.outputs != null;
  const sheetIndex = new Map(build.sheets.map((s, i) => [s.name, i]));
  const backfilled = new Set<string>();
  for (const b of build.backfilled) {
    const a = parseArea(b.cell);
    if (a) backfilled.add(`${sheetIndex.get(b.sheet)}:${key(a.r0, a.c0)}`);
  }
  cached.forEach((sheet, s) => {
    const flat = result.sheets?.[s] ?? [];
    const values = new Map<number, Encoded>();
    for (let i = 0; i + 2 < flat.length; i += 3) values.set(key(flat[i] as number, flat[i + 1] as number), flat[i + 2]!);
    for (let i = 0; i + 2 < sheet.cells.length; i += 3) {
      const row = sheet.cells[i] as number;
      const col = sheet.cells[i + 1] as number;
      const expected = sheet.cells[i + 2]!;
      if (expected === null) {
        out.withoutStoredValue++;
        continue;
      }
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
      if (same(expected, toJson(actual))) out.matched++;
      else {
        if (out.mismatchCount < MAX_MARKED) out.marked[s]!.push(row, col);
        out.mismatchCount++;
        if (out.mismatches.length < MAX_MISMATCHES) out.mismatches.push({ sheet: s, row, col, expected: toJson(expected), actual: toJson(actual) });
      }
    }
  });
  return out;
}
