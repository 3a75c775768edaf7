/**
 * Excel's What-If data tables (`{=TABLE(row,col)}`), computed by the engine after each
 * run: each result cell is the model re-run with the table's input cell(s) set to the
 * values in the table's header row and column (Excel's semantics; the layout is in
 * `DataTableSpec` and crates/sheetc-core/src/model.rs `DataTableRange`).
 *
 * - Column-oriented (column input only): one re-run per row `r`, the input set to
 *   `(r, c0-1)`; the row's cells are the formulas along the header row `(r0-1, c)`.
 * - Row-oriented (row input only): one re-run per column `c`, the input set to
 *   `(r0-1, c)`; the column's cells are the formulas down the header column `(r, c0-1)`.
 * - Two-variable: one re-run per cell, the row input set to `(r0-1, c)` and the column
 *   input to `(r, c0-1)`; the cell is the corner formula `(r0-1, c0-1)`.
 *
 * A re-run keeps the run's own inputs (a table answers "what if" around them) and goes
 * through the engine's run without tables, so it gets faster with the engine's
 * incremental run. The computed values are written into the run's result; when a formula
 * reads a table's cells (`read`), the run is repeated once with those values pinned so
 * that it sees them. Inside a re-run, tables hold no values (a table whose formulas read
 * another table sees it empty). A cell the run's inputs set keeps the input.
 *
 * The hooks: `createEngine` and `createLazyEngine` call `runWithDataTables`, the result's
 * `fill` writes a cell (engine.ts), and a lazy engine's `load()` adds `dataTableScope(spec)`
 * (the tables' formulas and headers) so that a table can always be computed.
 */
import { cellKey, columnName } from './address.js';
import type { CellValue, InputValue, RunResult } from './engine.js';
import type { DataTableSpec, EngineSpec } from '../generated/spec.js';
import type { Scalar } from './values.js';

/** A run's result that a computed table cell can be written into (engine.ts `Result`). */
export interface FillableResult extends RunResult {
  fill(sheet: number, row: number, col: number, v: Scalar): void;
}

/** The cells a lazy engine must load so that every data table can be computed. */
export function dataTableScope(spec: EngineSpec): string[] {
  const out: string[] = [];
  const a1 = (r: number, c: number) => `${columnName(c)}${r + 1}`;
  for (const t of spec.dataTables ?? []) {
    const name = spec.sheets[t.sheet]!.name;
    const [r0, c0, r1, c1] = t.area;
    // The header row and column (with the corner, the two-variable formula) and the cells.
    out.push(`'${name.replace(/'/g, "''")}'!${a1(r0 - 1, c0 - 1)}:${a1(r1, c1)}`);
  }
  return out;
}

/** `inputs` with `extra` set last, so that they win over any alias of the same cells. */
function withInputs(inputs: Record<string, InputValue>, extra: [string, InputValue][]): Record<string, InputValue> {
  const out = { ...inputs };
  for (const [k] of extra) delete out[k];
  for (const [k, v] of extra) out[k] = v;
  return out;
}

function one(v: CellValue | CellValue[][]): CellValue {
  return Array.isArray(v) ? (v[0]?.[0] ?? null) : v;
}

/** One table's values: `[row, col, value]` for each result cell. */
function computeTable<R extends RunResult>(spec: EngineSpec, t: DataTableSpec, main: R, inputs: Record<string, InputValue>, run: (i: Record<string, InputValue>) => R): [number, number, CellValue][] {
  const name = spec.sheets[t.sheet]!.name;
  const key = (r: number, c: number) => cellKey(name, r, c);
  const [r0, c0, r1, c1] = t.area;
  const out: [number, number, CellValue][] = [];
  const cell = (res: RunResult, r: number, c: number): CellValue => one(res.get(key(r, c)));
  const rowInput = t.rowInput ? key(t.rowInput[0], t.rowInput[1]) : null;
  const colInput = t.colInput ? key(t.colInput[0], t.colInput[1]) : null;
  if (rowInput && colInput) {
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const sub = run(withInputs(inputs, [[rowInput, cell(main, r0 - 1, c)], [colInput, cell(main, r, c0 - 1)]]));
        out.push([r, c, cell(sub, r0 - 1, c0 - 1)]);
      }
    }
  } else if (colInput) {
    for (let r = r0; r <= r1; r++) {
      const sub = run(withInputs(inputs, [[colInput, cell(main, r, c0 - 1)]]));
      for (let c = c0; c <= c1; c++) out.push([r, c, cell(sub, r0 - 1, c)]);
    }
  } else if (rowInput) {
    for (let c = c0; c <= c1; c++) {
      const sub = run(withInputs(inputs, [[rowInput, cell(main, r0 - 1, c)]]));
      for (let r = r0; r <= r1; r++) out.push([r, c, cell(sub, r, c0 - 1)]);
    }
  }
  return out;
}

/**
 * `run(inputs)` with the data tables computed: what `run()` returns for an engine whose
 * spec has tables (without tables, the run's own result).
 */
export function runWithDataTables<R extends FillableResult>(spec: EngineSpec, run: (i: Record<string, InputValue>) => R, inputs: Record<string, InputValue>): R {
  const tables = spec.dataTables;
  const main = run(inputs);
  if (!tables?.length) return main;
  const t0 = performance.now();
  const values = tables.map((t) => computeTable(spec, t, main, inputs, run));
  let out = main;
  if (tables.some((t) => t.read)) {
    // Formulas read the tables: run again with their values pinned (inputs the caller
    // set win), so those formulas see them.
    const extra: [string, InputValue][] = [];
    tables.forEach((t, i) => {
      const name = spec.sheets[t.sheet]!.name;
      for (const [r, c, v] of values[i]!) extra.push([cellKey(name, r, c), v]);
    });
    const callers = new Set(Object.keys(inputs));
    out = run(withInputs(inputs, extra.filter(([k]) => !callers.has(k))));
  }
  tables.forEach((t, i) => {
    for (const [r, c, v] of values[i]!) out.fill(t.sheet, r, c, v);
  });
  out.meta.elapsedMs += main === out ? performance.now() - t0 : main.meta.elapsedMs + (performance.now() - t0);
  out.meta.stale = main.meta.stale;
  return out;
}
