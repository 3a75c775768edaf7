/**
 * The binary formats end to end: Excel's own .xlsb and .xls twins of a workbook (in
 * ../shared/corpus-formats, beside the repo) compile into engines that give the values
 * Excel stored in the .xlsx twin, and the build report names the format.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../ts/index.js';
import type { RunResult } from '../ts/index.js';
import { extractExpected } from '../scripts/conformance/xlsx.js';
import { compareValues } from '../scripts/conformance/compare.js';
import { readFileSync } from 'node:fs';
import { tempDir } from './helpers/build.js';
import { sharedFolder } from './helpers/corpus.js';

const CORPUS = sharedFolder('corpus-formats') ?? join('..', 'shared', 'corpus-formats');

async function engine(file: string): Promise<{ format: string; values: Record<string, unknown> }> {
  const out = join(tempDir('sheetc-formats-'), 'engine');
  const report = await compile(file, { outDir: out });
  const mod = (await import(pathToFileURL(join(out, 'engine.js')).href)) as { run(): RunResult };
  return { format: report.format, values: mod.run().toJSON() as Record<string, unknown> };
}

for (const [base, sheetOf] of [
  // Shared formulas, an array formula ({=SUM(A1:A5*B1:B5)}), errors.
  ['formulae_test_simple', (s: string) => s],
  // Defined names, one of them sheet-scoped.
  ['defined_names_simple', (s: string) => s],
  // The 1904 date system.
  ['1904_1904', (s: string) => s],
] as const) {
  for (const ext of ['xlsb', 'xls'] as const) {
    test(`${base}.${ext} computes what Excel stored in ${base}.xlsx`, async (t) => {
      const twin = join(CORPUS, `${base}.${ext}`);
      if (!existsSync(twin)) return t.fail(`the corpus is missing: ${twin}`);
      const expected = extractExpected(readFileSync(join(CORPUS, `${base}.xlsx`))).cells;
      const { format, values } = await engine(twin);
      t.is(format, ext);
      t.true(expected.length > 0);
      for (const c of expected) {
        const got = values[`${sheetOf(c.sheet)}!${c.cell}`];
        t.true(compareValues(c.expected, got).ok, `${c.key} =${c.displayFormula}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(got)}`);
      }
    });
  }
}

test('an .xlsb reads its document properties like its .xlsx twin: Excel for Mac\'s character set for CHAR and CODE', async (t) => {
  const xlsb = join(CORPUS, 'formula_stress_test.xlsb');
  if (!existsSync(xlsb)) return t.fail(`the corpus is missing: ${xlsb}`);
  const out = join(tempDir('sheetc-formats-'), 'engine');
  const report = await compile(xlsb, { outDir: out });
  // docProps/app.xml names the application (an XML part in an .xlsb too).
  t.is(report.application, 'Microsoft Macintosh Excel');
  t.truthy(report.lastModified);
  const values = ((await import(pathToFileURL(join(out, 'engine.js')).href)) as { run(): RunResult }).run().toJSON() as Record<string, unknown>;
  const expected = extractExpected(readFileSync(join(CORPUS, 'formula_stress_test.xlsx'))).cells.filter((c) => /\b(CHAR|CODE)\(/.test(c.displayFormula));
  t.true(expected.length >= 2, 'the workbook calls CHAR and CODE');
  for (const c of expected) {
    const got = values[`${c.sheet}!${c.cell}`];
    t.true(compareValues(c.expected, got).ok, `${c.key} =${c.displayFormula}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(got)}`);
  }
});

for (const ext of ['xlsb', 'xls'] as const) {
  test(`a VBA project in an .${ext} makes its macros user-defined functions: backfilled with Excel's values and reported, not #NAME?`, async (t) => {
    const twin = join(CORPUS, `number_format.${ext}`);
    if (!existsSync(twin)) return t.fail(`the corpus is missing: ${twin}`);
    const out = join(tempDir('sheetc-formats-'), 'engine');
    const report = await compile(twin, { outDir: out });
    t.deepEqual(Object.keys(report.userDefinedFunctions).sort(), ['DOFMT', 'NUMFMT']);
    t.deepEqual(report.unknownFunctions, []);
    t.true(report.backfilled.filter((b) => b.code === 'user-defined-function').length > 100);
    // The values are Excel's: those the .xlsm twin stores for the same calls.
    const values = ((await import(pathToFileURL(join(out, 'engine.js')).href)) as { run(): RunResult }).run().toJSON() as Record<string, unknown>;
    const expected = extractExpected(readFileSync(join(CORPUS, 'number_format.xlsm'))).cells.filter((c) => /^(NumFmt|DoFmt|Dofmt)\(/i.test(c.displayFormula));
    t.true(expected.length > 100);
    for (const c of expected) {
      const got = values[`${c.sheet}!${c.cell}`];
      t.true(compareValues(c.expected, got).ok, `${c.key} =${c.displayFormula}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(got)}`);
    }
  });
}
