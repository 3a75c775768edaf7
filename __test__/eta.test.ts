/**
 * A function passed where a LAMBDA is expected (`=BYROW(A1:B3, SUM)`), which Excel writes
 * `_xleta.SUM`: compiled as LAMBDA(x, SUM(x)) — two parameters for a function that needs
 * two arguments (PERCENTOF) — and computed; a function sheetc lacks, passed so, keeps the
 * stored value and is reported. Expected values follow from the data by hand.
 */
import test from 'ava';
import { buildEngine } from './helpers/build.js';

test('_xleta.NAME is the function as a LAMBDA, in MAP, BYROW, BYCOL and GROUPBY', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          A1: -1,
          B1: 2,
          A2: 3,
          B2: -4,
          A3: -5,
          B3: 6,
          C1: 'b',
          D1: 10,
          C2: 'a',
          D2: 20,
          C3: 'b',
          D3: 30,
          C4: 'a',
          D4: 40,
          // |-1|+|3|+|-5| = 9
          E1: '=SUM(_xlfn.MAP(A1:A3,_xleta.ABS))',
          // Row 2: 3 + -4 = -1
          E2: '=INDEX(_xlfn.BYROW(A1:B3,_xleta.SUM),2)',
          // Column B: max(2, -4, 6) = 6
          E3: '=INDEX(_xlfn.BYCOL(A1:B3,_xleta.MAX),1,2)',
          // Groups sorted: a = 20 + 40 = 60, b = 10 + 30 = 40
          E4: '=INDEX(_xlfn.GROUPBY(C1:C4,D1:D4,_xleta.SUM,0,0),1,2)',
          E5: '=INDEX(_xlfn.GROUPBY(C1:C4,D1:D4,_xleta.SUM,0,0),2,2)',
          // PERCENTOF takes the group's values and all values: a = 60 / 100
          E6: '=INDEX(_xlfn.GROUPBY(C1:C4,D1:D4,_xleta.PERCENTOF,0,0),1,2)',
          // PHONETIC is not computed by sheetc: the stored value stays, reported.
          E7: { formula: 'INDEX(_xlfn.MAP(C1:C2,_xleta.PHONETIC),1)', value: 'b' },
        },
      },
    ],
  });
  const r = e.run();
  t.is(r.get('S!E1'), 9);
  t.is(r.get('S!E2'), -1);
  t.is(r.get('S!E3'), 6);
  t.is(r.get('S!E4'), 60);
  t.is(r.get('S!E5'), 40);
  t.is(r.get('S!E6'), 0.6);
  t.is(r.get('S!E7'), 'b');
  t.deepEqual(
    e.report.backfilled.map((b) => [b.cell, b.reason]),
    [['E7', 'unsupported function PHONETIC (passed as a LAMBDA)']],
  );
  t.deepEqual(e.report.unsupportedFunctions, { PHONETIC: 1 });
  t.deepEqual(e.report.unknownFunctions, []);
});
