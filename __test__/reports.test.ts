/**
 * What builds report: an output profile's warnings about its inputs, a profile's report
 * and stale list limited to the cells in its engine, and lazy engines listing the same
 * cells (backfilled ones included) as eager ones.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile, type RunResult } from '../ts/index.js';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { fixtureFile, tempDir } from './helpers/build.js';

interface Engine {
  run(inputs?: object): RunResult;
  load?(scope: object): Promise<void>;
}

const importEngine = async (dir: string) => (await import(pathToFileURL(join(dir, 'engine.js')).href)) as Engine;

const book: FixtureWorkbook = {
  sheets: [
    { name: 'Inputs', cells: { B2: 0.1, B3: 100, B4: '=B3*2', B5: 7 } },
    {
      name: 'Summary',
      cells: {
        B7: '=Inputs!B2*1',
        B8: '=Inputs!B3*Inputs!B2',
        B9: '=Inputs!B4+1',
        C1: '=Inputs!B5*2',
        // Backfilled: one inside the outputs' cone (with a stored value), one outside it.
        B10: { formula: 'PHONETIC(Inputs!B2)', value: 'kept' },
        D1: { formula: 'PHONETIC(1)' },
      },
    },
  ],
};

test('an output profile warns about inputs that override a formula, are never read, or reach no output', async (t) => {
  const file = fixtureFile(book);
  const report = await compile(file, {
    outDir: join(tempDir(), 'engine'),
    inputs: ['Inputs!B2', 'Inputs!B4', 'Inputs!B5', 'Inputs!B9', 'Inputs!B3'],
    outputs: ['Summary!B7:B10'],
  });
  t.deepEqual(
    report.warnings.map((w) => [w.code, w.ref]),
    [
      ['input-is-formula', 'Inputs!B4'],
      ['input-reaches-no-output', 'Inputs!B5'],
      ['input-never-read', 'Inputs!B9'],
    ],
  );
  t.regex(report.warnings[0]!.message, /=B3\*2.*replaces the formula/);
  t.regex(report.warnings[2]!.message, /empty cell that no formula reads/);
  // A build without a profile, or whose inputs all matter, has no warnings.
  t.deepEqual((await compile(file, { outDir: join(tempDir(), 'plain') })).warnings, []);
  t.deepEqual((await compile(file, { outDir: join(tempDir(), 'p'), inputs: ['Inputs!B2'], outputs: ['Summary!B7'] })).warnings, []);
});

test("a profile's report and stale cells list only the backfilled cells its engine holds", async (t) => {
  const file = fixtureFile(book);
  const dir = join(tempDir(), 'engine');
  const report = await compile(file, { outDir: dir, inputs: ['Inputs!B2'], outputs: ['Summary!B7:B10'] });
  // Summary!D1 lies outside the outputs' cone: dropped, so neither reported nor stale.
  t.deepEqual(report.backfilled.map((b) => `${b.sheet}!${b.cell}`), ['Summary!B10']);
  t.deepEqual(report.unsupportedFunctions, { PHONETIC: 1 });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  t.deepEqual((manifest.backfilled as { cell: string }[]).map((b) => b.cell), ['B10']);
  const engine = await importEngine(dir);
  t.deepEqual(engine.run({ 'Inputs!B2': 0.5 }).meta.stale, ['Summary!B10']);
  // The full model reports both.
  const full = await compile(file, { outDir: join(tempDir(), 'full') });
  t.deepEqual(full.backfilled.map((b) => b.cell).sort(), ['B10', 'D1']);
});

test('lazy and eager engines give the same toJSON(), backfilled cells included', async (t) => {
  const file = fixtureFile(book);
  const eagerDir = join(tempDir(), 'eager');
  const lazyDir = join(tempDir(), 'lazy');
  await compile(file, { outDir: eagerDir });
  await compile(file, { outDir: lazyDir, lazy: true, maxModuleMb: 0.000001 });
  const eager = await importEngine(eagerDir);
  const lazy = await importEngine(lazyDir);
  await lazy.load!({ sheets: ['Inputs', 'Summary'] });
  for (const inputs of [{}, { 'Inputs!B2': 0.3 }]) {
    const want = eager.run(inputs).toJSON();
    const got = lazy.run(inputs).toJSON();
    t.deepEqual(got, want);
  }
  t.deepEqual(eager.run().toJSON()['Summary!B10'], 'kept');
  t.deepEqual(eager.run().toJSON()['Summary!D1'], { error: '#NAME?' });
});
