/**
 * What-if tools on a generated model with known answers (issue #22): find by label,
 * explain, goal seek (equations with known roots), sensitivity grids and tornados,
 * scenarios with one-at-a-time attribution checked against separate runs; and the CLI.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, diffScenarios, explain, find, goalSeek, loadScenarios, openModel, runScenarios, saveScenario, sensitivity, sensitivityPage, tornado } from '../ts/index.js';
import type { SheetcError } from '../ts/index.js';
import { writeXlsx } from '../scripts/lib/xlsx-writer.js';
import { fixtureFile, tempDir } from './helpers/build.js';

// Profit = Units × (Price − Unit cost); Cube = x³ − 2x − 5 (Wallis's equation, root
// 2.0945514815423265...); Square = x² + 1 (no real root).
const WALLIS_ROOT = 2.0945514815423265;

async function model(lazy = false): Promise<string> {
  const dir = tempDir();
  const path = join(dir, 'model.xlsx');
  writeFileSync(
    path,
    writeXlsx({
      sheets: [
        {
          name: 'Inputs',
          cells: { A1: 'Discount rate', B1: 0.05, A2: 'Units', B2: 100, A3: 'Price', B3: 12, A4: 'Unit cost', B4: 7, A5: 'x', B5: 1 },
        },
        {
          name: 'Model',
          cells: {
            A1: 'Revenue',
            B1: { formula: 'Inputs!B2*Inputs!B3', value: 1200 },
            A2: 'Costs',
            B2: { formula: 'Inputs!B2*Inputs!B4', value: 700 },
            A3: 'Profit',
            B3: { formula: 'B1-B2', value: 500 },
            A4: 'Cube',
            B4: { formula: 'Inputs!B5^3-2*Inputs!B5-5', value: -6 },
            A5: 'Square',
            B5: { formula: 'Inputs!B5^2+1', value: 2 },
          },
        },
      ],
    }),
  );
  const out = join(dir, lazy ? 'lazy' : 'engine');
  await compile(path, { outDir: out, lazy });
  return out;
}

const near = (a: unknown, b: number, tol = 1e-9) => typeof a === 'number' && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('find ranks cells by their labels, with values', async (t) => {
  const m = await openModel(await model());
  const r = await find(m, 'discount rat');
  t.is(r.cells[0]?.ref, 'Inputs!B1');
  t.is(r.cells[0]?.labels.row, 'Discount rate');
  t.is(r.cells[0]?.value, 0.05);
  t.is(r.cells[0]?.kind, 'input');
  t.deepEqual(await m.find('discount rat'), r, 'the method is the function');
  const p = await find(m, 'profit');
  t.is(p.cells[0]?.ref, 'Model!B3');
  t.is(p.cells[0]?.formula, '=B1-B2');
  t.is(p.cells[0]?.value, 500);
});

test('explain shows the formula, precedents with labels and values, dependents; depth walks the tree', async (t) => {
  for (const lazy of [false, true]) {
    const m = await openModel(await model(lazy));
    const e = await explain(m, 'Model!B3', { depth: 2 });
    t.is(e.formula, '=B1-B2');
    t.is(e.value, 500);
    t.is(e.labels.row, 'Profit');
    t.deepEqual(
      e.precedents.map((p) => [p.ref, p.labels.row, p.value ?? p.explanation?.value]),
      [
        ['Model!B1', 'Revenue', 1200],
        ['Model!B2', 'Costs', 700],
      ],
    );
    t.is(e.dependents.count, 0);
    const revenue = e.precedents[0]!.explanation!;
    t.is(revenue.formula, '=Inputs!B2*Inputs!B3');
    t.deepEqual(
      revenue.precedents.map((p) => [p.ref, p.labels.row, p.value]),
      [
        ['Inputs!B2', 'Units', 100],
        ['Inputs!B3', 'Price', 12],
      ],
    );
    const units = await explain(m, 'Inputs!B2');
    t.is(units.dependents.count, 2, 'Revenue and Costs read Units');
  }
});

test('goal seek finds known roots', async (t) => {
  const m = await openModel(await model());
  // 5 × Units = 1000 → Units = 200.
  const a = await goalSeek(m.engine, { set: 'Model!B3', to: 1000, changing: 'Inputs!B2' });
  t.true(near(a.value, 200, 1e-9), String(a.value));
  t.true(near(a.achieved, 1000, 1e-9));
  const b = await goalSeek(m.engine, { set: 'Model!B4', to: 0, changing: 'Inputs!B5', tolerance: 1e-12 });
  t.true(near(b.value, WALLIS_ROOT, 1e-9), String(b.value));
  // Held inputs move the answer: at a price of 17, 10 × Units = 1000 → 100.
  t.deepEqual(await m.goalSeek({ set: 'Model!B3', to: 1000, changing: 'Inputs!B2' }), a, 'the method is the function');
  const c = await goalSeek(m.engine, { set: 'Model!B3', to: 1000, changing: 'Inputs!B2', inputs: { 'Inputs!B3': 17 } });
  t.true(near(c.value, 100, 1e-9), String(c.value));
});

test('goal seek with no solution is E_NO_SOLUTION with the closest value found', async (t) => {
  const m = await openModel(await model());
  const e = await t.throwsAsync(goalSeek(m.engine, { set: 'Model!B5', to: 0, changing: 'Inputs!B5' }));
  t.is((e as SheetcError).code, 'E_NO_SOLUTION');
  const best = (e as unknown as { best: { value: number; achieved: number } | null }).best;
  t.truthy(best);
  // x² + 1 ≥ 1: the closest is at least 1 away from 0, and achieved matches value.
  t.true(best!.achieved >= 1);
  t.true(near(best!.achieved, best!.value ** 2 + 1, 1e-12));
});

test('a two-input sensitivity grid matches the hand-computed grid, inline and on the pool', async (t) => {
  const m = await openModel(await model());
  const units = [100, 200, 300];
  const prices = [10, 11, 12];
  const expected = units.map((u) => prices.map((p) => u * p - u * 7));
  for (const pool of [false, true]) {
    const r = await sensitivity(m, { vary: [{ ref: 'Inputs!B2', values: units }, { ref: 'Inputs!B3', values: prices }], outputs: ['Model!B3', 'Model!B1'], pool, threads: 2 });
    t.is(r.pooled, pool);
    t.deepEqual(r.grids[0]!.values, expected);
    t.deepEqual(r.grids[1]!.values, units.map((u) => prices.map((p) => u * p)));
  }
});

test('a tornado moves each input alone, widest swing first', async (t) => {
  const m = await openModel(await model());
  const r = await tornado(m, { inputs: ['Inputs!B2', 'Inputs!B3', 'Inputs!B4'], outputs: ['Model!B3'], change: 0.1 });
  const bars = r.outputs[0]!.bars;
  // Price ±10%: 100 × (13.2 − 10.8) = 240; Unit cost: 100 × (7.7 − 6.3) = 140; Units: 110·5 − 90·5 = 100.
  t.deepEqual(bars.map((b) => b.input), ['Inputs!B3', 'Inputs!B4', 'Inputs!B2']);
  t.true(near(bars[0]!.swing, 240, 1e-9));
  t.true(near(bars[1]!.swing, 140, 1e-9));
  t.true(near(bars[2]!.swing, 100, 1e-9));
});

/** The text of each `<td>` of the page's tables, in order, with the background it was drawn on. */
function cellsOf(html: string): { text: string; background: string | undefined }[] {
  return [...html.matchAll(/<td class="num(?: heat)?"(?: style="background:(rgb\([^)]*\))[^"]*")?>([^<]*)<\/td>/g)].map((m) => ({ text: m[2]!, background: m[1] }));
}

test('the HTML page of a grid: every computed value in its place, heat from the lowest to the highest, labels shown, workbook text escaped', async (t) => {
  const dir = tempDir();
  // A sheet name and a label that would be markup if they reached the page unescaped.
  const path = fixtureFile({
    sheets: [
      {
        name: '<b>Plan',
        cells: { A1: '<script>alert(1)</script>', B1: 2, A2: 'Rate & "fee"', B2: 3, A3: 'Out', B3: { formula: 'B1*B2', value: 6 } },
      },
    ],
  });
  await compile(path, { outDir: join(dir, 'engine') });
  const m = await openModel(join(dir, 'engine'));
  const r = await sensitivity(m, { vary: [{ ref: "'<b>Plan'!B1", values: [1, 2, 3] }, { ref: "'<b>Plan'!B2", values: [10, 20] }], outputs: ["'<b>Plan'!B3"], pool: false });
  const html = sensitivityPage(m, r);
  t.false(html.includes('<script>'), 'no workbook text becomes markup');
  t.false(html.includes('<b>'));
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), "the input's label is shown, escaped");
  t.true(html.includes('Rate &amp; &quot;fee&quot;'));
  const cells = cellsOf(html);
  t.deepEqual(cells.map((c) => Number(c.text)), [10, 20, 20, 40, 30, 60]);
  // The lowest value on the lightest colour, the highest on the darkest.
  t.is(cells[0]!.background, 'rgb(239,246,255)');
  t.is(cells[5]!.background, 'rgb(11,92,173)');
  t.not(cells[2]!.background, cells[0]!.background);
});

test('the HTML page of a tornado: one bar per input, widest first, drawn around the base', async (t) => {
  const m = await openModel(await model());
  const r = await tornado(m, { inputs: ['Inputs!B2', 'Inputs!B3', 'Inputs!B4'], outputs: ['Model!B3'], change: 0.1 });
  const html = sensitivityPage(m, r);
  const bars = [...html.matchAll(/<div class="bar" style="left:([\d.]+)%;width:([\d.]+)%"><\/div>/g)].map((b) => ({ left: Number(b[1]), width: Number(b[2]) }));
  t.is(bars.length, 3);
  // The widest swing (price, 240) spans the half-width each way: 0% to 100%.
  t.deepEqual(bars[0], { left: 0, width: 100 });
  // Unit cost swings 140 of 240 and Units 100 of 240, each centred on the base.
  t.true(Math.abs(bars[1]!.width - (140 / 240) * 100) < 0.01);
  t.true(Math.abs(bars[2]!.width - (100 / 240) * 100) < 0.01);
  t.true(Math.abs(bars[2]!.left + bars[2]!.width / 2 - 50) < 0.01);
  const order = ['Price', 'Unit cost', 'Units'].map((l) => html.indexOf(`<small class="muted">${l}`));
  t.true(order.every((i) => i > 0) && order[0]! < order[1]! && order[1]! < order[2]!, 'labels shown, widest swing first');
});

test('scenarios: saved, run side by side, and diffed with attribution checked against separate runs', async (t) => {
  const dir = await model();
  const m = await openModel(dir);
  const file = join(tempDir(), 'scenarios.json');
  saveScenario(file, 'Base', { 'Inputs!B2': 100, 'Inputs!B3': 12 });
  saveScenario(file, 'Up', { 'Inputs!B2': 150, 'Inputs!B3': 14, 'Inputs!B4': 8 });
  const data = loadScenarios(file);
  t.deepEqual(Object.keys(data.scenarios), ['Base', 'Up']);
  const runs = await runScenarios(m, data, [], ['Model!B3']);
  t.deepEqual(runs.map((r) => r.values['Model!B3']), [500, 150 * (14 - 8)]);
  const d = await diffScenarios(m, data, 'Base', 'Up', ['Model!B3']);
  const o = d.outputs[0]!;
  t.is(o.difference, 900 - 500);
  // Each input alone from Base, as separate runs of the engine.
  const alone = (k: string, v: number) => m.engine.run({ 'Inputs!B2': 100, 'Inputs!B3': 12, [k]: v }).get('Model!B3') as number;
  const effects = { 'Inputs!B2': alone('Inputs!B2', 150) - 500, 'Inputs!B3': alone('Inputs!B3', 14) - 500, 'Inputs!B4': alone('Inputs!B4', 8) - 500 };
  t.deepEqual(effects, { 'Inputs!B2': 250, 'Inputs!B3': 200, 'Inputs!B4': -100 });
  t.deepEqual(Object.fromEntries(o.attributions.map((a) => [a.input, a.effect])), effects);
  t.deepEqual(o.attributions.map((a) => a.input), ['Inputs!B2', 'Inputs!B3', 'Inputs!B4']);
  // What the inputs do together: 400 − (250 + 200 − 100) = 50 = ΔUnits × ΔMargin (50 × 1).
  t.is(o.interaction, 50);
});

const cli = join(process.cwd(), 'dist', 'cli.js');
function sheetc(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the CLI: find, explain, goal-seek, sensitivity (grid, CSV, tornado), scenario save/list/run/diff', async (t) => {
  const dir = await model();
  const f = sheetc('find', dir, 'unit cost', '--json');
  t.is(f.code, 0, f.stderr);
  t.is(JSON.parse(f.stdout).cells[0].ref, 'Inputs!B4');
  const e = sheetc('explain', dir, 'Model!B3', '--depth', '2', '--json');
  t.is(e.code, 0, e.stderr);
  t.is(JSON.parse(e.stdout).precedents[0].explanation.formula, '=Inputs!B2*Inputs!B3');
  t.regex(sheetc('explain', dir, 'Model!B3').stdout, /Model!B3 =B1-B2 = 500/);
  const g = sheetc('goal-seek', dir, '--set-cell', 'Model!B3', '--to', '1000', '--changing', 'Inputs!B2', '--json');
  t.is(g.code, 0, g.stderr);
  t.true(near(JSON.parse(g.stdout).value, 200));
  const none = sheetc('goal-seek', dir, '--set-cell', 'Model!B5', '--to', '0', '--changing', 'Inputs!B5', '--json');
  t.is(none.code, 2);
  t.is(JSON.parse(none.stderr).error.code, 'E_NO_SOLUTION');
  const s = sheetc('sensitivity', dir, '--vary', 'Inputs!B2=100:300:100', '--vary', 'Inputs!B3=10,12', '--outputs', 'Model!B3', '--csv');
  t.is(s.code, 0, s.stderr);
  t.deepEqual(s.stdout.trim().split('\n'), ['Model!B3', 'Inputs!B2 \\ Inputs!B3,10,12', '100,300,500', '200,600,1000', '300,900,1500']);
  const tor = sheetc('sensitivity', dir, '--tornado', 'Inputs!B2,Inputs!B3', '--outputs', 'Model!B3', '--json');
  t.is(JSON.parse(tor.stdout).outputs[0].bars[0].input, 'Inputs!B3');
  const page = join(tempDir(), 'out', 'grid.html');
  const h = sheetc('sensitivity', dir, '--vary', 'Inputs!B2=100:300:100', '--outputs', 'Model!B3', '--html', page);
  t.is(h.code, 0, h.stderr);
  t.deepEqual(cellsOf(readFileSync(page, 'utf8')).map((c) => c.text), ['500', '1000', '1500']);
  const file = join(tempDir(), 'sc.json');
  t.is(sheetc('scenario', 'save', file, 'Base', '--set', 'Inputs!B2=100').code, 0);
  t.is(sheetc('scenario', 'save', file, 'More', '--set', 'Inputs!B2=120', '--set', 'Inputs!B3=13').code, 0);
  t.regex(sheetc('scenario', 'list', file).stdout, /More\tInputs!B2=120, Inputs!B3=13/);
  const run = sheetc('scenario', 'run', dir, file, '--outputs', 'Model!B3');
  t.deepEqual(run.stdout.trim().split('\n'), ['output\tBase\tMore', 'Model!B3\t500\t720']);
  const diff = JSON.parse(sheetc('scenario', 'diff', dir, file, 'Base', 'More', '--outputs', 'Model!B3', '--json').stdout);
  // Units alone: 120 × 5 − 500 = 100; Price alone: 100 × 6 − 500 = 100; together 220.
  t.is(diff.outputs[0].difference, 220);
  t.deepEqual(diff.outputs[0].attributions.map((a: { effect: number }) => a.effect), [100, 100]);
  t.is(diff.outputs[0].interaction, 20);
});
