/**
 * Excel's What-If data tables computed by the engine (each cell = the model re-run with
 * the table's input cell(s) set to the header values), against grids computed by hand
 * from the model's own formulas. The stored results in the files are wrong on purpose
 * (-1): a value that matches came from the engine, not from the file.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile, loadEngine, openModel } from '../ts/index.js';
import type { BuildReport, CompileOptions, RunResult } from '../ts/index.js';
import { writeXlsx, type FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { tempDir } from './helpers/build.js';

let n = 0;
function file(wb: FixtureWorkbook): string {
  const path = join(tempDir(), `table${n++}.xlsx`);
  writeFileSync(path, writeXlsx(wb));
  return path;
}

type Run = (i?: Record<string, unknown>) => RunResult;
async function build(path: string, opts: Partial<CompileOptions> = {}): Promise<{ dir: string; report: BuildReport; run: Run }> {
  const dir = join(tempDir(), 'engine');
  const report = await compile(path, { outDir: dir, ...opts });
  const mod = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as { run: Run };
  return { dir, report, run: mod.run };
}

// One-variable, input values down a column (Excel's usual layout): inputs B1 (rate) and
// B2 (principal); formulas along the header row C4:D4; rate values down B5:B7.
const rates = [0.01, 0.02, 0.03];
const oneVariable: FixtureWorkbook = {
  sheets: [
    {
      name: 'S',
      cells: {
        A1: 'Rate',
        B1: 0.05,
        A2: 'Principal',
        B2: 1000,
        C4: { formula: 'B2*(1+B1)', value: 1050 },
        D4: { formula: 'B2*B1', value: 50 },
        B5: rates[0]!,
        B6: rates[1]!,
        B7: rates[2]!,
        C5: { dataTable: { ref: 'C5:D7', r1: 'B1' }, value: -1 },
        D5: -1,
        C6: -1,
        D6: -1,
        C7: -1,
        D7: -1,
        F1: { formula: 'SUM(C5:C7)', value: -1 },
      },
    },
  ],
};
const oneVariableGrid = (principal: number) => rates.map((r) => [principal * (1 + r), principal * r]);

test('a one-variable data table (column input) is computed, not backfilled', async (t) => {
  const { report, run } = await build(file(oneVariable));
  t.false(report.backfilled.some((b) => b.code === 'data-table'));
  const r = run();
  t.deepEqual(r.get('S!C5:D7'), oneVariableGrid(1000));
  // The model itself keeps its inputs: the header formulas show the base case.
  t.is(r.get('S!C4'), 1000 * (1 + 0.05));
});

test('a workbook calculated "Automatic except for data tables" keeps the stored table values (what Excel shows) and reports them', async (t) => {
  // Excel recalculates such tables only on request: it shows the stored values (-1 here).
  const { report, run } = await build(file({ ...oneVariable, calcMode: 'autoNoTable' }));
  t.deepEqual(
    report.backfilled.filter((b) => b.code === 'data-table').map((b) => b.cell),
    ['C5'],
  );
  t.regex(report.backfilled.find((b) => b.code === 'data-table')?.reason ?? '', /calculates data tables only on request/);
  const r = run();
  t.deepEqual(r.get('S!C5:D7'), [[-1, -1], [-1, -1], [-1, -1]]);
  // The model itself is computed as usual.
  t.is(r.get('S!C4'), 1050);
});

test("a data table is re-run around the caller's inputs; the input cell itself takes the header values", async (t) => {
  const { run } = await build(file(oneVariable));
  t.deepEqual(run({ 'S!B2': 2000 }).get('S!C5:D7'), oneVariableGrid(2000));
  const r = run({ 'S!B1': 0.5 });
  t.deepEqual(r.get('S!C5:D7'), oneVariableGrid(1000));
  t.is(r.get('S!C4'), 1000 * (1 + 0.5));
});

test('a formula that reads a data table sees its computed values', async (t) => {
  const { run } = await build(file(oneVariable));
  const grid = oneVariableGrid(1000);
  t.is(run().get('S!F1'), grid[0]![0]! + grid[1]![0]! + grid[2]![0]!);
  t.deepEqual(run().toJSON()['S!D6'], grid[1]![1]);
});

test('a data table on a lazy engine is computed once its cells are loaded', async (t) => {
  const dir = join(tempDir(), 'lazy');
  await compile(file(oneVariable), { outDir: dir, lazy: true });
  const engine = await loadEngine(dir);
  await engine.load!({ cells: ['S!C5:D7'] });
  t.deepEqual(engine.run({}).get('S!C5:D7'), oneVariableGrid(1000));
});

test('an output profile keeps the stored values of a data table and reports it', async (t) => {
  const { report, run } = await build(file(oneVariable), { outputs: ['S!F1'] });
  t.true(report.backfilled.some((b) => b.code === 'data-table' && b.cell === 'C5'));
  t.is(run().get('S!F1'), -3);
});

test('a one-variable data table with its input along a row (dtr) is computed', async (t) => {
  // Row input A1 takes C2:E2; formulas down the header column B3:B4.
  const path = file({
    sheets: [
      {
        name: 'S',
        cells: {
          A1: 0,
          B3: { formula: 'A1*A1', value: 0 },
          B4: { formula: 'A1+100', value: 100 },
          C2: 1,
          D2: 2,
          E2: 3,
          C3: { dataTable: { ref: 'C3:E4', r1: 'A1', dtr: true }, value: -1 },
          D3: -1,
          E3: -1,
          C4: -1,
          D4: -1,
          E4: -1,
        },
      },
    ],
  });
  const { report, run } = await build(path);
  t.deepEqual(report.backfilled, []);
  t.deepEqual(run().get('S!C3:E4'), [
    [1, 4, 9],
    [101, 102, 103],
  ]);
});

test('a two-variable data table is computed against a hand-computed grid', async (t) => {
  // Corner B2 = A1^2 - A2 (row input A1 takes C2:E2, column input A2 takes B3:B5).
  const cols = [1, 2, 3];
  const rows = [10, 20, 30];
  const cells: FixtureWorkbook['sheets'][number]['cells'] = { A1: 0, A2: 0, B2: { formula: 'A1^2-A2', value: 0 } };
  cols.forEach((v, i) => (cells[`${'CDE'[i]}2`] = v));
  rows.forEach((v, i) => (cells[`B${3 + i}`] = v));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) cells[`${'CDE'[c]}${3 + r}`] = r === 0 && c === 0 ? { dataTable: { ref: 'C3:E5', r1: 'A1', r2: 'A2', dt2D: true }, value: -1 } : -1;
  const { report, run } = await build(file({ sheets: [{ name: 'S', cells }] }));
  t.deepEqual(report.backfilled, []);
  t.deepEqual(
    run().get('S!C3:E5'),
    rows.map((y) => cols.map((x) => x * x - y)),
  );
});

test('explain names a data table cell, its inputs, and the formula and header value it re-runs', async (t) => {
  const { dir } = await build(file(oneVariable));
  const e = await (await openModel(dir)).explain('S!D6');
  t.is(e.kind, 'data-table');
  t.is(e.formula, '{=TABLE(,B1)}');
  t.deepEqual(e.dataTable, { colInput: 'S!B1' });
  t.is(e.value, oneVariableGrid(1000)[1]![1]!);
  t.deepEqual(
    e.precedents.map((p) => [p.ref, p.value]),
    [
      ['S!D4', 1000 * 0.05],
      ['S!B6', rates[1]],
    ],
  );
});
