/**
 * What `run()` accepts and `get()` returns: input values and shapes checked with typed
 * errors, run options checked, bounded ranges, dates independent of the machine's time
 * zone (checked in child processes under several TZ values), and one error hierarchy
 * across the engine's own runtime copy and sheetc's API.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineError, SheetcError, isSheetcError, serialToDate, dateToSerialValue } from '../ts/index.js';
import { buildEngine, type BuiltEngine } from './helpers/build.js';

let shared: Promise<BuiltEngine> | undefined;
/** In!A1:A3 feed Out!B1 = SUM; In!C1 a date input read by Out!B2 = C1 - DATE(2027,1,1). */
const model = () =>
  (shared ??= buildEngine({
    sheets: [
      { name: 'In', cells: { A1: 1, A2: 2, A3: 3, C1: 46000, D1: '=A1*2' } },
      { name: 'Out', cells: { B1: '=SUM(In!A1:A3)', B2: '=In!C1-DATE(2027,1,1)', B3: '=TODAY()', B4: '=NOW()', B5: '=RAND()' } },
    ],
  }));

function code(t: { throws: (fn: () => unknown) => unknown }, fn: () => unknown): string {
  const err = t.throws(fn) as { code?: string } | undefined;
  return err?.code ?? 'none';
}

test('inputs that are no cell value are E_INPUT_TYPE naming the reference', async (t) => {
  const e = await model();
  for (const bad of [() => 1, Symbol('x'), 10n, { value: 1 }, undefined, NaN, Infinity, new Date('not a date')]) {
    const err = t.throws(() => e.run({ 'In!A1': bad as never }), { instanceOf: SheetcError });
    t.is((err as SheetcError).code, 'E_INPUT_TYPE', String(typeof bad));
    t.regex(err!.message, /In!A1/);
  }
  // Inside a range too, and the inputs argument itself.
  t.is(code(t, () => e.run({ 'In!A1:A3': [[1], [() => 2], [3]] as never })), 'E_INPUT_TYPE');
  t.is(code(t, () => e.run(5 as never)), 'E_INPUT_TYPE');
  // Accepted: numbers, text, booleans, null, Dates, Excel errors (from any runtime copy).
  // SUM ignores text, booleans and blanks in a reference (Excel's SUM documentation).
  const ok = e.run({ 'In!A1': 'x', 'In!A2': true, 'In!A3': 5, 'In!C1': null });
  t.is(ok.get('Out!B1'), 5);
  t.is(ok.get('In!C1'), null);
  const na = e.run({ 'In!A1': { code: '#N/A', [Symbol.for('sheetc.ExcelError')]: true } as never });
  t.is((na.get('Out!B1') as { code: string }).code, '#N/A');
});

test('a range input must have the range shape (E_INPUT_SHAPE); a single value fills the range', async (t) => {
  const e = await model();
  // In!A1:A3 is 3 rows × 1 column.
  for (const bad of [[0.3, 0.3, 0.3], [[1, 2]], [[1], [2]], [[1], [2], [3], [4]], [[1], [2, 3], [4]]]) {
    const err = t.throws(() => e.run({ 'In!A1:A3': bad as never }), { instanceOf: EngineError });
    t.is((err as EngineError).code, 'E_INPUT_SHAPE', JSON.stringify(bad));
    t.regex(err!.message, /In!A1:A3.*3×1|3×1/);
  }
  t.is(e.run({ 'In!A1:A3': [[10], [20], [30]] }).get('Out!B1'), 60);
  // A single value fills every cell of the range (documented): 3 × 0.5.
  t.is(e.run({ 'In!A1:A3': 0.5 }).get('Out!B1'), 1.5);
  // A 1×1 array for one cell is its value.
  t.is(e.run({ 'In!A1': [[7]] }).get('In!D1'), 14);
  t.is(code(t, () => e.run({ 'In!A1': [[7, 8]] })), 'E_INPUT_SHAPE');
});

test('run() options: now is a Date or a serial, random a function; anything else is E_INVALID_OPTION', async (t) => {
  const e = await model();
  for (const bad of [{ now: 'garbage' }, { now: new Date('x') }, { now: NaN }, { random: 0.5 }, { random: 'x' }, { nwo: 1 }, 'x']) {
    t.is(code(t, () => e.run({}, bad as never)), 'E_INVALID_OPTION', JSON.stringify(bad));
  }
  const r = e.run({}, { now: 46388.75, random: () => 0.25 });
  t.is(r.get('Out!B3'), 46388);
  t.is(r.get('Out!B4'), 46388.75);
  t.is(r.get('Out!B5'), 0.25);
});

test('ranges are bounded: a grid-sized get() or input is E_TOO_LARGE, not an exhausted heap', async (t) => {
  const e = await model();
  const r = e.run();
  t.is(code(t, () => r.get('In!A1:XFD1048576')), 'E_TOO_LARGE');
  t.is(code(t, () => r.text('In!A1:XFD1048576')), 'E_TOO_LARGE');
  t.is(code(t, () => e.run({ 'In!A1:XFD1048576': 1 })), 'E_TOO_LARGE');
  // One full column is within the bound.
  t.is((r.get('In!E1:E1048576') as unknown[][]).length, 1048576);
});

test('dates: Excel serials by the UTC calendar, both ways (1900 leap-year bug included)', (t) => {
  // Excel: 1900-01-01 is 1, 1900-02-28 is 59, the fictitious 1900-02-29 is 60, 1900-03-01 is 61.
  t.is(dateToSerialValue(new Date('1900-01-01'), false), 1);
  t.is(dateToSerialValue(new Date('1900-02-28'), false), 59);
  t.is(dateToSerialValue(new Date('1900-03-01'), false), 61);
  t.is(dateToSerialValue(new Date('2027-01-01T18:00:00Z'), false), 46388.75);
  // The 1904 system counts 1904-01-01 as 0.
  t.is(dateToSerialValue(new Date('1904-01-01'), true), 0);
  t.is(serialToDate(46388.75, false).toISOString(), '2027-01-01T18:00:00.000Z');
  t.is(serialToDate(1, false).toISOString(), '1900-01-01T00:00:00.000Z');
  t.is(serialToDate(61, false).toISOString(), '1900-03-01T00:00:00.000Z');
  t.is(serialToDate(0, true).toISOString(), '1904-01-01T00:00:00.000Z');
});

test('dates do not depend on the time zone: the same serials and Dates under several TZ values', async (t) => {
  const e = await model();
  const url = pathToFileURL(join(e.dir, 'engine.js')).href;
  const script = `
    const e = await import(${JSON.stringify(url)});
    const r = e.run({ 'In!C1': new Date('2027-01-01') }, { now: new Date('2027-01-01T18:00:00Z') });
    const d = r.get('In!C1', { as: 'date' });
    const before = Math.floor(Date.now() / 86400000) + 25569;
    const today = e.run().get('Out!B3');
    const after = Math.floor(Date.now() / 86400000) + 25569;
    console.log(JSON.stringify({ c1: r.get('In!C1'), b2: r.get('Out!B2'), today: r.get('Out!B3'), now: r.get('Out!B4'), iso: d.toISOString(), clock: today === before || today === after }));`;
  const seen = new Set<string>();
  for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Tokyo', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, TZ: tz } });
    t.is(out.status, 0, out.stderr);
    const v = JSON.parse(out.stdout) as Record<string, unknown>;
    // DATE(2027,1,1) is 46388 (Excel's serial); the input minus it is 0.
    t.deepEqual(v, { c1: 46388, b2: 0, today: 46388, now: 46388.75, iso: '2027-01-01T00:00:00.000Z', clock: true }, tz);
    seen.add(out.stdout);
  }
  t.is(seen.size, 1);
});

test('get(ref, { as: "date" }) returns UTC Dates for numbers, other values unchanged', async (t) => {
  const e = await model();
  const r = e.run({ 'In!A1:A3': [[46388], ['text'], [null]] });
  t.deepEqual(r.get('In!A1:A3', { as: 'date' }), [[new Date('2027-01-01T00:00:00Z')], ['text'], [null]]);
  t.is(code(t, () => r.get('In!A1', { as: 'day' } as never)), 'E_INVALID_OPTION');
});

test('one error hierarchy: engine errors are SheetcErrors, across runtime copies', async (t) => {
  const e = await model();
  // The engine imported from its directory throws errors of its own runtime copy (runtime.js).
  const err = t.throws(() => e.run({ 'Nowhere!A1': 1 }));
  t.true(err instanceof SheetcError);
  t.true(err instanceof EngineError);
  t.true(isSheetcError(err));
  t.is((err as SheetcError).code, 'E_UNKNOWN_REF');
  t.is(err!.name, 'EngineError');
  // A plain error is none of them; a SheetcError is not an EngineError.
  t.false(new Error('x') instanceof SheetcError);
  t.false(new SheetcError('E_IO', 'x') instanceof EngineError);
  t.true(new EngineError('E_LOAD', 'x') instanceof SheetcError);
});

test('unknown sheets, references and names get a "did you mean"', async (t) => {
  const e = await buildEngine({
    sheets: [
      { name: 'Sheet 1', cells: { A1: 1, B1: '=A1*2' } },
      { name: 'Other', cells: { A1: 2 } },
    ],
    names: [{ name: 'GrowthRate', formula: "'Sheet 1'!$A$1" }],
  });
  t.throws(() => e.run({ 'Sheet1!A1': 1 }), { message: /did you mean 'Sheet 1'!A1\?/ });
  t.throws(() => e.run({ GrowthRat: 1 }), { message: /did you mean GrowthRate\?/ });
  t.throws(() => e.run().get('Sheet1!B1x'), { message: /not a cell reference.*did you mean 'Sheet 1'!B1x\?/ });
});
