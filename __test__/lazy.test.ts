/**
 * The lazy engine (`--lazy`) and module splitting (`--max-module-mb`): a generated model
 * with independent line items, totals over them, dynamic references (OFFSET, INDIRECT),
 * an array formula and a circular cluster under iterative calculation is compiled
 * eagerly, eagerly in small modules, and lazily in small modules. The eager engine is
 * the reference: every other engine must give identical values for the same inputs, and
 * a lazy engine must import only what the requested cells need.
 */
import test from 'ava';
import { cpSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../ts/index.js';
import type { BuildReport, InputValue, RunOptions, RunResult } from '../ts/index.js';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { fixtureFile, tempDir } from './helpers/build.js';

interface LazyModule {
  run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;
  load(scope: { sheets?: string[]; cells?: string[] }): Promise<void>;
  runScoped(inputs: Record<string, InputValue> | undefined, options: RunOptions & { sheets?: string[]; cells?: string[] }): Promise<RunResult>;
  default: { loaded: { modules: number; units: number } };
  spec: { sheets: { name: string }[]; modules: unknown[] };
}

const LINES = 60;
const MONTHS = 12;

function model(): FixtureWorkbook {
  const lines: Record<string, string | number> = {};
  for (let r = 1; r <= LINES; r++) {
    lines[`A${r}`] = r;
    lines[`B${r}`] = `=$A${r}*Inputs!$B$1`;
    for (let m = 1; m < MONTHS; m++) {
      const c = String.fromCharCode(66 + m);
      const p = String.fromCharCode(65 + m);
      lines[`${c}${r}`] = `=${p}${r}*(1+Rate)+Inputs!$B$3`;
    }
  }
  return {
    iterate: { count: 100, delta: 1e-9 },
    names: [{ name: 'Rate', formula: 'Inputs!$B$2' }],
    sheets: [
      { name: 'Inputs', cells: { B1: 100, B2: 0.05, B3: 1, B4: 7 } },
      { name: 'Lines', cells: lines },
      {
        name: 'Totals',
        cells: {
          A1: `=SUM(Lines!M1:M${LINES})`,
          A2: `=INDEX(Lines!B1:M${LINES},Inputs!B4,3)`,
          A3: '=OFFSET(Lines!A1,Inputs!B4-1,5)',
          A4: '=INDIRECT("Lines!C"&Inputs!B4)',
          A5: '=A1/1000',
          C1: { formula: 'Lines!B1:B3*2', array: 'C1:C3' },
        },
      },
      // Interest on the average balance: B2 and B3 read each other.
      { name: 'Debt', cells: { B1: '=Inputs!B1*10', B2: '=B1-B3', B3: '=AVERAGE(B1,B2)*Rate', B4: '=B3*2' } },
    ],
  };
}

const INPUT_SETS: Record<string, InputValue>[] = [{}, { 'Inputs!B1': 250, Rate: 0.08 }, { 'Inputs!B4': 13, 'Inputs!B3': -2 }, { 'Lines!F9': 5 }];

let fresh = 0;
async function importEngine<T>(dir: string): Promise<T> {
  // A query string gives a fresh module instance (fresh lazy state) per import.
  return (await import(`${pathToFileURL(join(dir, 'engine.js')).href}?i=${fresh++}`)) as T;
}

async function build(file: string, opts: { lazy?: boolean; maxModuleMb?: number }): Promise<{ dir: string; report: BuildReport }> {
  const dir = join(tempDir(), 'engine');
  const report = await compile(file, { outDir: dir, ...opts });
  return { dir, report };
}

const file = fixtureFile(model());
const eager = build(file, {});
const split = build(file, { maxModuleMb: 0.002 });
const lazy = build(file, { lazy: true, maxModuleMb: 0.002 });

test('--max-module-mb splits sheets into row-band modules with identical results', async (t) => {
  const [e, s] = await Promise.all([eager, split]);
  t.is(e.report.modules, 4);
  t.true(s.report.modules > 8, `${s.report.modules} modules`);
  // One file per module, and the index of incremental runs.
  const files = readdirSync(join(s.dir, 'modules'));
  t.is(files.filter((f) => /^m\d+\.js$/.test(f)).length, s.report.modules);
  t.deepEqual(files.filter((f) => !/^m\d+\.js$/.test(f)), ['deps.js']);
  // One cluster, kept whole in one segment.
  t.is(s.report.clusters.length, 1);
  const a = await importEngine<LazyModule>(e.dir);
  const b = await importEngine<LazyModule>(s.dir);
  for (const inputs of INPUT_SETS) t.deepEqual(b.run(inputs).toJSON(), a.run(inputs).toJSON());
});

test('lazy engine: run() before load() is an error; a full load matches the eager engine', async (t) => {
  const [e, l] = await Promise.all([eager, lazy]);
  t.true(l.report.lazy);
  const ref = await importEngine<LazyModule>(e.dir);
  const engine = await importEngine<LazyModule>(l.dir);
  const err = t.throws(() => engine.run());
  t.is((err as Error & { code: string }).code, 'E_NOT_LOADED');
  await engine.load({ sheets: engine.spec.sheets.map((s) => s.name) });
  t.is(engine.default.loaded.modules, l.report.modules);
  for (const inputs of INPUT_SETS) {
    const got = engine.run(inputs);
    const want = ref.run(inputs);
    t.deepEqual(got.toJSON(), want.toJSON());
    t.deepEqual(got.meta.converged, want.meta.converged);
    t.deepEqual(got.meta.iterations, want.meta.iterations);
  }
});

test('lazy engine: one cell loads its dependency cone only, and computes what the eager engine does', async (t) => {
  const [e, l] = await Promise.all([eager, lazy]);
  const ref = await importEngine<LazyModule>(e.dir);
  const targets = ['Lines!M7', 'Totals!A1', 'Totals!A2', 'Totals!A3', 'Totals!A4', 'Totals!A5', 'Totals!C2', 'Debt!B4', 'Rate'];
  const loaded: Record<string, number> = {};
  for (const target of targets) {
    for (const inputs of INPUT_SETS) {
      const engine = await importEngine<LazyModule>(l.dir);
      const r = await engine.runScoped(inputs, { cells: [target] });
      t.deepEqual(r.get(target), ref.run(inputs).get(target), `${target} with ${JSON.stringify(inputs)}`);
      loaded[target] = engine.default.loaded.modules;
    }
  }
  const total = l.report.modules;
  // One line item needs its own band, the Inputs sheet, not the other lines.
  t.true(loaded['Lines!M7']! < total / 2, `Lines!M7 loaded ${loaded['Lines!M7']} of ${total}`);
  t.true(loaded['Debt!B4']! < total / 2, `Debt!B4 loaded ${loaded['Debt!B4']} of ${total}`);
  // Dynamic references may read anything evaluated before them: everything is loaded.
  t.is(loaded['Totals!A3'], total);
});

test('lazy engine: cells outside the loaded cone are an error, and load() widens the cone', async (t) => {
  const l = await lazy;
  const engine = await importEngine<LazyModule>(l.dir);
  await engine.load({ cells: ['Lines!M7'] });
  const r = engine.run();
  t.is(typeof r.get('Lines!M7'), 'number');
  const err = t.throws(() => r.get('Lines!M30'));
  t.is((err as Error & { code: string }).code, 'E_NOT_LOADED');
  t.regex(err!.message, /Lines!M30/);
  await engine.load({ cells: ['Lines!M30'] });
  t.is(typeof engine.run().get('Lines!M30'), 'number');
  await t.throwsAsync(engine.load({}), { message: /sheets|cells/ });
  await t.throwsAsync(engine.load({ cells: ['Nope!A1'] }), { message: /Nope/ });
});

test('lazy engine: a failed module import is retried by the next load()', async (t) => {
  const l = await lazy;
  const dir = join(tempDir(), 'engine');
  cpSync(l.dir, dir, { recursive: true });
  const modules = join(dir, 'modules');
  const victim = readdirSync(modules).find((f) => f.endsWith('.js'))!;
  renameSync(join(modules, victim), join(modules, `${victim}.away`));
  const engine = await importEngine<LazyModule>(dir);
  const all = { sheets: engine.spec.sheets.map((s) => s.name) };
  const err = await t.throwsAsync(engine.load(all));
  t.is((err as Error & { code: string }).code, 'E_LOAD');
  t.throws(() => engine.run(), { message: /load/ });
  renameSync(join(modules, `${victim}.away`), join(modules, victim));
  await engine.load(all);
  const ref = await importEngine<LazyModule>((await eager).dir);
  t.deepEqual(engine.run().toJSON(), ref.run().toJSON());
});

test('lazy engine: its index is a file beside engine.js, read by load() (a failed read is retried)', async (t) => {
  const l = await lazy;
  const dir = join(tempDir(), 'engine');
  cpSync(l.dir, dir, { recursive: true });
  // The index is data, not code: engine.js does not carry it.
  t.false(readFileSync(join(dir, 'engine.js'), 'utf8').includes('"index"'));
  const bytes = readFileSync(join(dir, 'index.bin'));
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  t.true(words[0]! > 0, 'units');
  // Every unit and list offset points inside the file.
  for (let i = 2; i < 2 + words[0]! + words[1]!; i++) t.true(words[i]! < words.length);
  renameSync(join(dir, 'index.bin'), join(dir, 'index.bin.away'));
  const engine = await importEngine<LazyModule>(dir);
  const err = await t.throwsAsync(engine.load({ cells: ['Totals!A1'] }));
  t.is((err as Error & { code: string }).code, 'E_LOAD');
  t.regex(err!.message, /index\.bin/);
  t.is(engine.default.loaded.modules, 0);
  renameSync(join(dir, 'index.bin.away'), join(dir, 'index.bin'));
  await engine.load({ cells: ['Totals!A1'] });
  const ref = await importEngine<LazyModule>((await eager).dir);
  t.is(engine.run().get('Totals!A1'), ref.run().get('Totals!A1'));
});

test('lazy engine: every formula cell, loaded alone, equals the eager engine (a cluster across two sheets included)', async (t) => {
  // Interest on the average balance with the balance on one sheet and the interest on
  // another: the cluster is one unit placed in one sheet's module, computing cells on both.
  const rows: Record<string, string | number> = {};
  const flows: Record<string, string | number> = {};
  for (let r = 1; r <= 30; r++) {
    rows[`A${r}`] = r * 10;
    rows[`B${r}`] = `=A${r}*Inputs!$B$1`;
    flows[`A${r}`] = `=Book!B${r}+${r}`;
  }
  flows.B1 = '=Book!C2*2';
  const book: FixtureWorkbook = {
    iterate: { count: 100, delta: 1e-9 },
    sheets: [
      { name: 'Inputs', cells: { B1: 1.5, B2: 0.06 } },
      { name: 'Book', cells: { ...rows, C1: '=SUM(Flows!A1:A30)', C2: '=C1-Flows!C1', D1: '=C2/2' } },
      { name: 'Flows', cells: { ...flows, C1: '=AVERAGE(Book!C1,Book!C2)*Inputs!B2', C2: '=C1+1' } },
    ],
  };
  const wb = fixtureFile(book);
  const [e, l] = await Promise.all([build(wb, {}), build(wb, { lazy: true, maxModuleMb: 0.0005 })]);
  t.is(e.report.clusters.length, 1);
  t.true(l.report.modules > 4, `${l.report.modules} modules`);
  const ref = (await importEngine<LazyModule>(e.dir)).run({ 'Inputs!B2': 0.07 }).toJSON() as Record<string, unknown>;
  const cells = Object.keys(ref);
  t.true(cells.length > 60);
  for (const cell of cells) {
    const engine = await importEngine<LazyModule>(l.dir);
    const r = await engine.runScoped({ 'Inputs!B2': 0.07 }, { cells: [cell] });
    t.deepEqual(r.get(cell), ref[cell], cell);
  }
});
