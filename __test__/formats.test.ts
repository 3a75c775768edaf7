/**
 * Values as Excel displays them: `result.text(ref)` and `toJSON({ formatted: true })` use
 * each cell's number format from the file (custom codes and Excel's built-in ids), in
 * eager, lazy and profiled engines. Expected texts follow Excel's documented format codes
 * (en-US): `yyyy-mm-dd`, `0.0%`, `#,##0.00`, built-in 14 (m/d/yyyy) and 22
 * (m/d/yyyy h:mm), General at a standard column width (at most 11 characters).
 */
import test from 'ava';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile, type RunResult } from '../ts/index.js';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { buildEngine, fixtureFile, tempDir } from './helpers/build.js';

const book: FixtureWorkbook = {
  sheets: [
    {
      name: 'S',
      cells: {
        A1: { value: 46388, format: 'yyyy-mm-dd' },
        A2: { value: 0.256, format: '0.0%' },
        A3: { value: 1234567.891, format: '#,##0.00' },
        A4: { value: 46388.5, format: 14 },
        A5: { value: 'x', format: '"Item: "@' },
        B1: { formula: 'A1+1', format: 'yyyy-mm-dd' },
        B2: { formula: 'A2*2', format: '0.0%' },
        B3: { formula: 'A3/3', format: '#,##0.00' },
        B4: { formula: 'A4', format: 22 },
        B5: '=1/3',
        B6: { formula: 'A5&"y"', format: '"Item: "@' },
        B7: '=A1>0',
        B8: '=1/0',
        B9: { formula: '-A1', format: 'yyyy-mm-dd' },
      },
    },
  ],
};

const expected: Record<string, string> = {
  'S!B1': '2027-01-02',
  'S!B2': '51.2%',
  'S!B3': '411,522.63',
  'S!B4': '1/1/2027 12:00',
  'S!B5': '0.333333333',
  'S!B6': 'Item: xy',
  'S!B7': 'TRUE',
  'S!B8': '#DIV/0!',
  // A negative number under a date format: Excel fills the cell with #.
  'S!B9': '########',
};

test('text() shows a cell as Excel displays it, with its number format from the file', async (t) => {
  const e = await buildEngine(book);
  const r = e.run();
  for (const [ref, text] of Object.entries(expected)) t.is(r.text(ref), text, ref);
  t.deepEqual(r.text('S!A1:A5'), [['2027-01-01'], ['25.6%'], ['1,234,567.89'], ['1/1/2027'], ['Item: x']]);
  t.deepEqual(r.toJSON({ formatted: true }), expected);
  // The values themselves are unchanged; JSON.stringify (toJSON('')) gives values, not texts.
  t.is(r.get('S!B1'), 46389);
  t.is(JSON.parse(JSON.stringify(r))['S!B1'], 46389);
  // Inputs are shown with the cell's format too.
  t.is(e.run({ 'S!A2': 0.5 }).text('S!B2'), '100.0%');
});

test('a workbook without formats shows General; a profile keeps the formats of its outputs only', async (t) => {
  const plain = await buildEngine({ sheets: [{ name: 'S', cells: { A1: 1234.5, B1: '=A1*2', B2: '=A1*1E12' } }] });
  t.is(plain.run().text('S!B1'), '2469');
  t.is(plain.run().text('S!B2'), '1.2345E+15');
  const file = fixtureFile(book);
  const dir = join(tempDir(), 'profile');
  await compile(file, { outDir: dir, inputs: ['S!A1'], outputs: ['S!B1', 'S!B2'] });
  const engine = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as { run(i?: object): RunResult; spec: { numFmts?: { codes: string[] } } };
  t.is(engine.run({ 'S!A1': 46400 }).text('S!B1'), '2027-01-14');
  t.is(engine.run().text('S!B2'), '51.2%');
  // Only the formats of the declared cells travel with the engine.
  t.deepEqual(engine.spec.numFmts?.codes.sort(), ['0.0%', 'yyyy-mm-dd']);
});

test('a lazy engine shows the same texts as the eager one', async (t) => {
  const file = fixtureFile(book);
  const dir = join(tempDir(), 'lazy');
  await compile(file, { outDir: dir, lazy: true });
  const lazy = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as { load(s: object): Promise<void>; run(): RunResult };
  await lazy.load({ cells: Object.keys(expected) });
  const r = lazy.run();
  for (const [ref, text] of Object.entries(expected)) t.is(r.text(ref), text, ref);
});
