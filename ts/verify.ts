/**
 * `verify()`: compiles a workbook, runs it with no inputs and compares every formula
 * cell with the value Excel stored in the file when it last calculated it. The same
 * tolerance as the conformance suite: numbers within 1e-9 relative (or 1e-12 absolute),
 * text, booleans and error codes exactly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOptions, compileOnce, runEngineInChild } from './compile.js';
import { cellKey, parseArea } from './runtime/address.js';
import type { CompileOptions, JsonValue, VerifyMismatch, VerifyReport } from './types.js';

export type Encoded = number | string | boolean | null | { e: string };

const REL_TOL = 1e-9;
const ABS_TOL = 1e-12;

/** Whether an engine value equals the one Excel stored (the tolerance above). */
export function same(expected: Encoded, actual: JsonValue): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const d = Math.abs(expected - actual);
    return d < ABS_TOL || d <= REL_TOL * Math.max(Math.abs(expected), Math.abs(actual));
  }
  if (expected !== null && typeof expected === 'object') return actual !== null && typeof actual === 'object' && actual.error === expected.e;
  return expected === actual;
}

const toJson = (v: Encoded): JsonValue => (v !== null && typeof v === 'object' ? { error: v.e } : v);

/** Compiles `workbook` in a temporary directory and compares the engine with Excel's stored values. */
export async function verify(
  workbook: string,
  options: Omit<CompileOptions, 'outDir' | 'inputs' | 'outputs' | 'lazy'> & { maxMismatches?: number } = {},
): Promise<VerifyReport> {
  const base = mkdtempSync(join(tmpdir(), 'sheetc-verify-'));
  try {
    const dir = join(base, 'engine');
    const { maxMismatches = 100, ...compileOptions } = options;
    // Excel's stored values come from the build's own read of the file (one read).
    const cachedPath = join(base, 'cached.json');
    checkOptions({ ...compileOptions, outDir: dir });
    const report = await compileOnce(workbook, { ...compileOptions, outDir: dir }, { cachedValuesOut: cachedPath });
    const cachedSheets = JSON.parse(readFileSync(cachedPath, 'utf8')) as { name: string; cells: Encoded[] }[];
    // The engine runs in a child process (an imported module would stay in this heap).
    const out = join(base, 'values.json');
    await runEngineInChild(dir, out, 'toJSON', 'running the compiled engine', options.signal);
    const values = JSON.parse(readFileSync(out, 'utf8')) as Record<string, JsonValue>;
    const backfilled = new Set(
      report.backfilled.map((b) => {
        const a = parseArea(b.cell);
        return a ? cellKey(b.sheet, a.r0, a.c0) : `${b.sheet}!${b.cell}`;
      }),
    );
    let total = 0;
    let matched = 0;
    let withoutStoredValue = 0;
    let backfilledCells = 0;
    const mismatches: VerifyMismatch[] = [];
    for (const sheet of cachedSheets) {
      for (let i = 0; i + 2 < sheet.cells.length; i += 3) {
        const key = cellKey(sheet.name, sheet.cells[i] as number, sheet.cells[i + 1] as number);
        const expected = sheet.cells[i + 2]!;
        if (expected === null) {
          withoutStoredValue++;
          continue;
        }
        if (backfilled.has(key)) {
          backfilledCells++;
          continue;
        }
        total++;
        const actual = key in values ? values[key]! : null;
        if (same(expected, actual)) matched++;
        else if (mismatches.length < maxMismatches) mismatches.push({ cell: key, expected: toJson(expected), actual });
      }
    }
    return { total, matched, withoutStoredValue, backfilled: backfilledCells, mismatches, build: report };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
