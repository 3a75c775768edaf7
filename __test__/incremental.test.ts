/**
 * Incremental runs (issue #18 item 2): `run(inputs)` recomputes only what the inputs
 * changed since the previous run, and its result is the full run's, cell for cell.
 *
 * The property: a sequence of random input sets (numbers, text, logicals, blanks,
 * errors, a formula cell overridden then released, inputs left out so that they return
 * to the model) is run through one engine incrementally and through a second instance
 * of the same engine with `{ full: true }`; every formula cell and every input cell
 * must be equal after every step. The model has what incremental runs must get right:
 * chains across sheets, a sheet no input reaches, ranges read whole (SUMIFS, lookups),
 * an iterated circular block, volatile cells (NOW, RAND with a given source) and a
 * computed reference.
 */
import test from 'ava';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildEngine } from './helpers/build.js';
import { rng } from './helpers/random.js';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import type { InputValue, RunOptions, RunResult } from '../ts/index.js';
import { DepsIndex } from '../ts/runtime/incremental.js';

type Run = (inputs?: Record<string, InputValue>, options?: RunOptions) => RunResult;

/** A second instance of the engine (its own previous run), for the full runs. */
async function secondInstance(dir: string): Promise<Run> {
  const mod = (await import(`${pathToFileURL(join(dir, 'engine.js')).href}?full`)) as { run: Run };
  return mod.run;
}

const ROWS = 30;

function model(options: { circular: boolean; volatile: boolean; offset: boolean }): FixtureWorkbook {
  const inputs: Record<string, unknown> = { A1: 0.05, A2: 100, A3: 'b', A4: 2, A5: 0.3, A6: 7 };
  for (let r = 1; r <= 5; r++) {
    inputs[`C${r}`] = ['a', 'b', 'c', 'd', 'e'][r - 1];
    inputs[`D${r}`] = r * 10;
  }
  const calc: Record<string, unknown> = {};
  for (let r = 1; r <= ROWS; r++) {
    calc[`A${r}`] = r;
    calc[`B${r}`] = ['a', 'b', 'c', 'd', 'e'][r % 5];
    // A running balance, a per-row lookup, a criterion over the table.
    calc[`C${r}`] = { formula: r === 1 ? 'Inputs!$A$2*(1+Inputs!$A$1)' : `C${r - 1}*(1+Inputs!$A$1)+A${r}` };
    calc[`D${r}`] = { formula: `VLOOKUP(B${r},Inputs!$C$1:$D$5,2,FALSE)*Inputs!$A$4` };
    calc[`E${r}`] = { formula: `IF(B${r}=Inputs!$A$3,C${r}/Inputs!$A$6,D${r})` };
    calc[`F${r}`] = { formula: `SUMIFS($D$1:$D$${ROWS},$B$1:$B$${ROWS},B${r})+E${r}` };
  }
  calc.H1 = { formula: `SUM(F1:F${ROWS})` };
  calc.H2 = { formula: `COUNTIFS(B1:B${ROWS},Inputs!A3)` };
  calc.H3 = { formula: `MATCH(Inputs!A3,Inputs!C1:C5,0)` };
  if (options.offset) {
    calc.H4 = { formula: `SUM(OFFSET(C1,Inputs!A4,0,3,1))` };
    // A counter up a column, each row reading the row below through INDIRECT: the
    // cells are computed on demand (the order reaches the row above first).
    calc.J12 = { formula: 'Inputs!A2' };
    for (let r = 1; r <= 11; r++) calc[`J${r}`] = { formula: `INDIRECT("J"&(ROW()+1))+Inputs!A6` };
    calc.K1 = { formula: 'SUM(J1:J12)*Inputs!A1' };
  }
  if (options.volatile) {
    calc.H5 = { formula: 'NOW()+Inputs!A5' };
    calc.H6 = { formula: 'RAND()*Inputs!A6' };
  }
  const debt: Record<string, unknown> = { A1: 1000 };
  if (options.circular) {
    // Interest on the average balance, which depends on the interest: iterated.
    debt.B1 = { formula: '(A1+C1)/2*Inputs!A1' };
    debt.C1 = { formula: 'A1+B1-Calc!H1/1000' };
    debt.D1 = { formula: 'C1*2' };
    // A debt schedule across columns: each month's interest and closing balance are a
    // circular pair, and the next month opens at the previous closing (the opening row
    // is interleaved with the clusters in the evaluation order).
    const cols = 'BCDEFGH';
    debt.A4 = { formula: 'Inputs!A2*10' };
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k]!;
      if (k > 0) debt[`${c}4`] = { formula: `${cols[k - 1]}6` };
      else debt.B4 = { formula: 'A4' };
      debt[`${c}5`] = { formula: `AVERAGE(${c}4,${c}6)*Inputs!$A$1/12` };
      debt[`${c}6`] = { formula: `${c}4+${c}5-Inputs!$A$6` };
    }
    debt.I6 = { formula: 'SUM(B5:H5)' };
  } else {
    debt.B1 = { formula: 'A1*Inputs!A1' };
    debt.C1 = { formula: 'A1+B1-Calc!H1/1000' };
    debt.D1 = { formula: 'C1*2' };
  }
  // A sheet no input reaches: shared from run to run.
  const still: Record<string, unknown> = {};
  for (let r = 1; r <= 10; r++) {
    still[`A${r}`] = r;
    still[`B${r}`] = { formula: `A${r}^2+1` };
  }
  return {
    iterate: options.circular ? { count: 100, delta: 1e-9 } : undefined,
    sheets: [
      { name: 'Inputs', cells: inputs },
      { name: 'Calc', cells: calc },
      { name: 'Debt', cells: debt },
      { name: 'Still', cells: still },
    ],
  } as FixtureWorkbook;
}

function randomValue(next: () => number): InputValue {
  const k = next();
  if (k < 0.7) return Math.round(next() * 2000) / 100 - 5;
  if (k < 0.8) return ['a', 'b', 'c', 'zz'][Math.floor(next() * 4)]!;
  if (k < 0.87) return next() < 0.5;
  if (k < 0.93) return null;
  return 0;
}

const INPUT_CELLS = ['Inputs!A1', 'Inputs!A2', 'Inputs!A3', 'Inputs!A4', 'Inputs!A5', 'Inputs!A6', 'Inputs!D2', 'Inputs!C3'];
const READ_CELLS = [...INPUT_CELLS, 'Still!A1', 'Still!A5', 'Still!A300'];

/** Every formula cell, and the inputs' cells, of a result. */
function everything(r: RunResult): Record<string, unknown> {
  const out: Record<string, unknown> = { ...r.toJSON() };
  for (const ref of READ_CELLS) out[ref] = r.get(ref);
  return out;
}

for (const options of [
  { circular: false, volatile: false, offset: false },
  { circular: true, volatile: true, offset: false },
  { circular: true, volatile: true, offset: true },
]) {
  const name = Object.entries(options)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .join(', ');
  test(`incremental runs equal full runs over random input sets (${name || 'plain'})`, async (t) => {
    const e = await buildEngine(model(options));
    const full = await secondInstance(e.dir);
    const next = rng(18);
    let incrementalRuns = 0;
    for (let step = 0; step < 60; step++) {
      const inputs: Record<string, InputValue> = {};
      // A few inputs per step, often the same ones with new values (what-if), sometimes none.
      for (const ref of INPUT_CELLS) if (next() < 0.35) inputs[ref] = randomValue(next);
      // Now and then a formula cell is overridden (and released at a later step).
      if (next() < 0.15) inputs['Calc!C10'] = randomValue(next);
      if (next() < 0.1) inputs['Inputs!C1:D2'] = [
        ['b', next() * 9],
        ['a', 3],
      ];
      // A range of 300 cells (more than the index remembers cell by cell).
      if (next() < 0.1) inputs['Still!A1:A300'] = Array.from({ length: 300 }, (_, i) => [i % 7 === 0 ? null : Math.round(next() * 100)]);
      const seed = Math.floor(next() * 1000);
      const opts = (): RunOptions => ({ now: 45000.25, random: rng(seed) });
      const a = e.run(inputs, opts());
      const b = full(inputs, { ...opts(), full: true });
      t.false(b.meta.incremental);
      if (a.meta.incremental) incrementalRuns++;
      t.deepEqual(everything(a), everything(b), `step ${step}: ${JSON.stringify(inputs)}`);
      t.is(a.meta.converged, b.meta.converged);
      t.is(a.meta.iterations, b.meta.iterations, `step ${step}`);
      t.deepEqual(a.meta.stale, b.meta.stale);
    }
    // Every run after the first can be incremental, except those releasing Calc!C10
    // (an input on a formula cell given back to its formula runs in full).
    t.true(incrementalRuns >= 40, `${incrementalRuns} incremental runs`);
  });
}

test('a result keeps its values when later runs change the inputs', async (t) => {
  const e = await buildEngine(model({ circular: true, volatile: false, offset: false }));
  const first = e.run({ 'Inputs!A1': 0.02 });
  const before = JSON.stringify(everything(first));
  const second = e.run({ 'Inputs!A1': 0.09, 'Inputs!A3': 'c' });
  t.true(second.meta.incremental);
  e.run({ 'Inputs!A2': 5 });
  t.is(JSON.stringify(everything(first)), before);
  t.not(JSON.stringify(everything(second)), before);
});

test('run(inputs, { full: true }) recomputes everything; unchanged inputs recompute nothing but volatile cells', async (t) => {
  const e = await buildEngine(model({ circular: false, volatile: true, offset: false }));
  const random = (): number => 0.5;
  const a = e.run({ 'Inputs!A1': 0.02 }, { now: 45000, random });
  t.false(a.meta.incremental);
  const b = e.run({ 'Inputs!A1': 0.02 }, { now: 45001, random });
  t.true(b.meta.incremental);
  // NOW is recomputed even though no input changed.
  t.is(b.get('Calc!H5'), 45001 + 0.3);
  t.deepEqual(b.get('Calc!H1'), a.get('Calc!H1'));
  const c = e.run({ 'Inputs!A1': 0.02 }, { now: 45001, random, full: true });
  t.false(c.meta.incremental);
  t.deepEqual(everything(c), everything(b));
  // The full run computed every formula cell; the one with unchanged inputs only NOW and RAND.
  t.is(c.meta.recomputed, Object.keys(c.toJSON()).length);
  t.is(b.meta.recomputed, 2);
  // One input that only the debt block reads.
  const d = e.run({ 'Inputs!A1': 0.02, 'Inputs!A5': 1 }, { now: 45001, random });
  t.true(d.meta.incremental);
  t.is(d.meta.recomputed, 2);
  t.is(d.get('Calc!H5'), 45002);
  t.throws(() => e.run({}, { full: 'yes' as unknown as boolean }), { message: /"full" must be true or false/ });
});

test('a changed input no formula names is still seen by formulas with computed references', async (t) => {
  // INDIRECT reads Inputs!A2 only by its computed address: no static reference names it,
  // so only "recompute computed references whenever an input changed" finds it.
  const e = await buildEngine({
    sheets: [
      { name: 'Inputs', cells: { A1: 1, A2: 2, A3: 3, B1: 2 } },
      { name: 'Calc', cells: { A1: '=INDIRECT("Inputs!A"&Inputs!B1)', A2: '=Calc!A1*10', B1: '=Inputs!A1+1' } },
    ],
  });
  const reference = await secondInstance(e.dir);
  for (const inputs of [{ 'Inputs!A2': 10 }, { 'Inputs!A2': 20 }, { 'Inputs!A2': 20, 'Inputs!A3': 5 }, { 'Inputs!A2': 30 }, {}]) {
    const r = e.run(inputs);
    const full = reference(inputs, { full: true });
    t.deepEqual(r.get('Calc!A2'), full.get('Calc!A2'), JSON.stringify(inputs));
    t.deepEqual(r.toJSON(), full.toJSON(), JSON.stringify(inputs));
  }
  t.is(e.run({ 'Inputs!A2': 40 }).get('Calc!A2'), 400);
});

/** An incremental index (`modules/deps.js`'s layout) of segments without dependency lists. */
function depsIndex(segments: { flags: number; rects: [number, number, number, number, number][] }[]): DepsIndex {
  const body: number[] = [];
  const offsets: number[] = [];
  const base = 2 + segments.length;
  for (const s of segments) {
    offsets.push(base + body.length);
    body.push(s.flags, 1, 1, 1, 0, s.rects.length, ...s.rects.flat());
  }
  const words = Uint32Array.from([segments.length, 0, ...offsets, ...body]);
  return DepsIndex.decode(Buffer.from(words.buffer).toString('base64'));
}

test('the plan: computed references are recomputed whenever an input changed, volatile segments always', (t) => {
  const [DYNAMIC, VOLATILE] = [1, 2];
  const plain = (r: number) => ({ flags: 0, rects: [[0, r, 0, r, 0]] as [number, number, number, number, number][] });
  const dynamic = { flags: DYNAMIC, rects: [] };
  const steps = (index: DepsIndex, rows: number[]) => [...index.plan(rows.map((row) => ({ sheet: 0, row, col: 0 }))).steps];
  // No volatile segment: an input no rectangle holds still reaches the computed references.
  const index = depsIndex([plain(0), dynamic, plain(5), dynamic]);
  t.deepEqual(steps(index, [3]), [1, 3]);
  t.deepEqual(steps(index, [0]), [0, 1, 3]);
  t.deepEqual(steps(index, [5]), [1, 2, 3]);
  t.deepEqual(steps(index, []), []);
  // Unchanged inputs: the volatile segments, and computed references after the first of them.
  const withVolatile = depsIndex([plain(0), dynamic, { flags: VOLATILE, rects: [] }, dynamic]);
  t.deepEqual(steps(withVolatile, []), [2, 3]);
  t.deepEqual(steps(withVolatile, [9]), [1, 2, 3]);
  // Past `tail`, everything runs.
  t.deepEqual([...index.plan([], 2).steps], [2, 3]);
});
