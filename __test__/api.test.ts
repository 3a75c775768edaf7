/** The compile() API: progress, cancellation, typed errors, atomic output. */
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compile, SheetcError } from '../ts/index.js';
import { fixtureFile, tempDir } from './helpers/build.js';

const small = () => fixtureFile({ sheets: [{ name: 'S', cells: { A1: 1, B1: '=A1+1' } }] });

test('compile reports progress by phase and returns the build report', async (t) => {
  const phases: string[] = [];
  const out = join(tempDir(), 'engine');
  const report = await compile(small(), { outDir: out, onProgress: (e) => phases.push(e.phase) });
  t.is(report.formulaCells, 1);
  t.is(report.sheets[0]!.name, 'S');
  for (const p of ['read', 'parse', 'graph', 'emit']) t.true(phases.includes(p), p);
  t.true(existsSync(join(out, 'engine.js')));
});

test('an output profile reports its first pass as one fold phase that only moves forward, then its own phases', async (t) => {
  const events: { phase: string; done: number; total: number }[] = [];
  const out = join(tempDir(), 'engine');
  await compile(small(), { outDir: out, inputs: ['S!A1'], outputs: ['S!B1'], onProgress: (e) => events.push(e) });
  const fold = events.filter((e) => e.phase === 'fold');
  t.true(fold.length > 1);
  for (let i = 1; i < fold.length; i++) t.true(fold[i]!.done >= fold[i - 1]!.done, 'fold progress never goes back');
  t.is(fold.at(-1)!.done, fold.at(-1)!.total);
  // Then read … emit once, after the fold.
  const after = events.slice(events.lastIndexOf(fold.at(-1)!) + 1).map((e) => e.phase);
  t.false(after.includes('fold'));
  for (const p of ['read', 'parse', 'graph', 'emit']) t.is(after.filter((x) => x === p).length > 0, true, p);
  t.is(events.findIndex((e) => e.phase !== 'fold'), events.length - after.length);
});

test('an aborted signal cancels with E_CANCELLED and writes nothing', async (t) => {
  const parent = tempDir();
  const out = join(parent, 'engine');
  const ac = new AbortController();
  ac.abort();
  const err = await t.throwsAsync(compile(small(), { outDir: out, signal: ac.signal }));
  t.is((err as SheetcError).code, 'E_CANCELLED');
  t.deepEqual(readdirSync(parent), []);
});

test.serial('a cancel during the build leaves the previous engine untouched and no temp dir', async (t) => {
  const parent = tempDir();
  const out = join(parent, 'engine');
  await compile(small(), { outDir: out });
  // A workbook big enough that the build is still running when the first event arrives.
  const cells: Record<string, string | number> = { A1: 1 };
  for (let r = 2; r <= 150000; r++) cells[`A${r}`] = `=A${r - 1}+${r % 7}`;
  const big = fixtureFile({ sheets: [{ name: 'S', cells }] });
  const ac = new AbortController();
  // Cancel as soon as the build is under way (the abort reaches the native build
  // synchronously through its cancel flag; the build of 150k formulas takes far longer
  // than one turn of the event loop).
  const pending = compile(big, { outDir: out, signal: ac.signal });
  setImmediate(() => ac.abort());
  const err = await t.throwsAsync(pending);
  t.is((err as SheetcError).code, 'E_CANCELLED');
  t.deepEqual(readdirSync(parent), ['engine']);
  t.true(existsSync(join(out, 'engine.js')));
});

test('not a workbook, and a non-engine output directory, are typed errors', async (t) => {
  const dir = tempDir();
  const text = join(dir, 'notes.xlsx');
  writeFileSync(text, 'hello');
  const e1 = await t.throwsAsync(compile(text, { outDir: join(dir, 'e') }));
  t.true(e1 instanceof SheetcError);
  t.is((e1 as SheetcError).code, 'E_NOT_A_WORKBOOK');
  // An existing directory that is not an engine is never replaced.
  const precious = join(dir, 'precious');
  mkdirSync(precious);
  writeFileSync(join(precious, 'keep.txt'), 'x');
  const e2 = await t.throwsAsync(compile(small(), { outDir: precious }));
  t.is((e2 as SheetcError).code, 'E_IO');
  t.true(existsSync(join(precious, 'keep.txt')));
  t.deepEqual(readdirSync(dirname(precious)).sort(), ['notes.xlsx', 'precious']);
});

test('--strict turns a backfill into E_STRICT naming the cell', async (t) => {
  const file = fixtureFile({ sheets: [{ name: 'S', cells: { A1: { formula: 'WEBSERVICE("x")', value: 1 } } }] });
  const err = await t.throwsAsync(compile(file, { outDir: join(tempDir(), 'e'), strict: true }));
  t.is((err as SheetcError).code, 'E_STRICT');
  t.is((err as SheetcError).location, 'S!A1');
});

test('importing sheetc does not load the native addon', async (t) => {
  // Asynchronous child process: a synchronous one would block this file's event loop
  // (and the timing of the cancellation test).
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '-e', "const { createRequire } = await import('node:module'); await import('./ts/index.ts'); const req = createRequire(import.meta.url); console.log(JSON.stringify(Object.keys(req.cache).filter((k) => k.endsWith('.node'))));"],
    { encoding: 'utf8' },
  );
  t.is(stdout.trim(), '[]');
});
