/**
 * Which arguments are evaluated as arrays (Excel's parameter types; issue #15 item 3).
 *
 * In a legacy formula (neither CSE nor dynamic) a range or an operation over one is
 * implicitly intersected with the formula's row or column — except in the parameters
 * Excel types as arrays (SUMPRODUCT's, MMULT's, INDEX's first, LOOKUP's vectors,
 * FREQUENCY's, ...), whose argument is evaluated as an array. A CSE array formula and a
 * dynamic-array formula evaluate everything as arrays. Expected values follow from the
 * data by hand: A1:A5 = -1, 0, 3, -2, 5.
 */
import test from 'ava';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { buildEngine } from './helpers/build.js';

const data = { A1: -1, A2: 0, A3: 3, A4: -2, A5: 5 };

function book(cells: FixtureWorkbook['sheets'][number]['cells']): FixtureWorkbook {
  return { sheets: [{ name: 'S', cells: { ...data, ...cells } }] };
}

test('INDEX(range>0, 0) is an array inside MATCH in a legacy formula', async (t) => {
  const e = await buildEngine(
    book({
      // The position of the first positive value: A3.
      C10: '=MATCH(TRUE,INDEX(A1:A5>0,0),0)',
      C11: '=MATCH(TRUE,INDEX(A1:A5<0,0),0)',
      // The count of positive values through the same idiom.
      C12: '=SUMPRODUCT(--INDEX(A1:A5>0,0))',
    }),
  );
  const r = e.run();
  t.is(r.get('S!C10'), 3);
  t.is(r.get('S!C11'), 1);
  t.is(r.get('S!C12'), 2);
  // Inputs move the answer: with A1 = 7 the first positive value is A1.
  t.is(e.run({ 'S!A1': 7 }).get('S!C10'), 1);
});

test('a legacy formula intersects where the parameter is not array-typed; CSE and dynamic arrays do not', async (t) => {
  const e = await buildEngine(
    book({
      // MATCH's lookup array is not array-typed: A1:A5>0 is intersected with the row.
      C3: '=MATCH(TRUE,A1:A5>0,0)', // row 3: A3>0 → TRUE, MATCH(TRUE,TRUE,0) = 1
      C10: '=MATCH(TRUE,A1:A5>0,0)', // row 10 meets no cell of A1:A5 → #VALUE!
      C4: '=SUM(A1:A5*2)', // row 4: A4*2 = -4
      // The same formulas as CSE array formulas and as dynamic arrays.
      D10: { formula: 'MATCH(TRUE,A1:A5>0,0)', array: 'D10' },
      E10: { formula: 'MATCH(TRUE,A1:A5>0,0)', array: 'E10', dynamic: true },
      D4: { formula: 'SUM(A1:A5*2)', array: 'D4' }, // 2 × 5 = 10
      E4: { formula: 'SUM(A1:A5*2)', array: 'E4', dynamic: true },
    }),
  );
  const r = e.run();
  t.is(r.get('S!C3'), 1);
  t.is((r.get('S!C10') as { code?: string }).code, '#VALUE!');
  t.is(r.get('S!C4'), -4);
  t.is(r.get('S!D10'), 3);
  t.is(r.get('S!E10'), 3);
  t.is(r.get('S!D4'), 10);
  t.is(r.get('S!E4'), 10);
});

test('array-typed parameters evaluate their argument as an array in a legacy formula', async (t) => {
  const e = await buildEngine(
    book({
      B1: 1,
      B2: 2,
      D1: 3,
      D2: 4,
      B3: 10,
      B4: 20,
      // SUMPRODUCT: the positive values' sum, 3 + 5.
      C10: '=SUMPRODUCT((A1:A5>0)*A1:A5)',
      // LOOKUP's lookup vector: 1/(A1:A5>0) is 1 where positive, #DIV/0! elsewhere;
      // looking up 2 finds the last 1: A5.
      C11: '=LOOKUP(2,1/(A1:A5>0),A1:A5)',
      // FREQUENCY of the values against bins 0 and 2: ≤0 three, (0,2] none, >2 two.
      C12: '=INDEX(FREQUENCY(A1:A5*1,{0;2}),3)',
      // MMULT of [[-1],[0]]·[[1,2]]+... : (A1:A2*1) is 2×1, (B1:B2*1)^T via TRANSPOSE is 1×2.
      C13: '=INDEX(MMULT(A1:A2*1,TRANSPOSE(B1:B2*1)),1,2)', // -1 × 2
      // SUMXMY2 of (A1:A2+1) and (B1:B2): (0-1)² + (1-2)² = 2.
      C14: '=SUMXMY2(A1:A2+1,B1:B2)',
      // CORREL of a column with its double is 1.
      C15: '=CORREL(A1:A5*2,A1:A5)',
    }),
  );
  const r = e.run();
  t.is(r.get('S!C10'), 8);
  t.is(r.get('S!C11'), 5);
  t.is(r.get('S!C12'), 2);
  t.is(r.get('S!C13'), -2);
  t.is(r.get('S!C14'), 2);
  t.true(Math.abs((r.get('S!C15') as number) - 1) < 1e-12);
});

test('INDEX row and column numbers stay values: a range there is intersected in a legacy formula', async (t) => {
  // INDEX(array, row): the row argument is value-typed. In row 2, B1:B5 intersects to B2 = 3.
  const e = await buildEngine(book({ B1: 1, B2: 3, B3: 2, B4: 1, B5: 1, C2: '=INDEX(A1:A5,B1:B5)' }));
  t.is(e.run().get('S!C2'), 3);
});
