/**
 * Implicit intersection in the dependency graph (issue #15 item 7): a range or a name
 * used where a legacy formula expects one value depends on the intersected cell only
 * (Excel reads that cell and no other), so it makes no circular reference through the
 * rest of the range. Expected values are computed by hand from the loan's arithmetic.
 */
import test from 'ava';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { buildEngine } from './helpers/build.js';

const FIRST = 5; // first payment row
const LAST = 30; // last row with formulas

/**
 * A loan tracker as real templates write it: `Pmt_Nbr` names the whole payment-number
 * column; each row tests `Pmt_Nbr=""` (one value: the row's own number) and reads the
 * previous row's balance; the next payment number depends on the previous balance. With
 * the whole column as a precedent every row would read every other: one big cycle.
 */
function loanTracker(): FixtureWorkbook {
  const cells: Record<string, string | number> = { B1: 1000, B2: 0.01, B3: 100 };
  for (let k = FIRST; k <= LAST; k++) {
    cells[`A${k}`] = k === FIRST ? 1 : `=IF(A${k - 1}="","",IF(E${k - 1}>0,A${k - 1}+1,""))`;
    cells[`B${k}`] = k === FIRST ? '=IF(Pmt_Nbr="","",LoanAmount)' : `=IF(Pmt_Nbr="","",E${k - 1})`;
    cells[`C${k}`] = `=IF(Pmt_Nbr="","",B${k}*Rate)`;
    cells[`D${k}`] = `=IF(Pmt_Nbr="","",MIN(Payment-C${k},B${k}))`;
    cells[`E${k}`] = `=IF(Pmt_Nbr="","",B${k}-D${k})`;
  }
  return {
    sheets: [{ name: 'Loan', cells }],
    names: [
      { name: 'Pmt_Nbr', formula: 'Loan!$A:$A' },
      { name: 'LoanAmount', formula: 'Loan!$B$1' },
      { name: 'Rate', formula: 'Loan!$B$2' },
      { name: 'Payment', formula: 'Loan!$B$3' },
    ],
  };
}

/** The schedule by hand: balance, interest, principal per payment until it is repaid. */
function schedule(amount: number, rate: number, payment: number): { begin: number; interest: number; principal: number; end: number }[] {
  const rows = [];
  let balance = amount;
  while (balance > 0) {
    const interest = balance * rate;
    const principal = Math.min(payment - interest, balance);
    rows.push({ begin: balance, interest, principal, end: balance - principal });
    balance -= principal;
  }
  return rows;
}

test('a whole-column name compared per row is no circular reference', async (t) => {
  const e = await buildEngine(loanTracker());
  t.deepEqual(e.report.clusters, []);
  for (const [amount, inputs] of [
    [1000, {}],
    [1500, { LoanAmount: 1500 }],
  ] as const) {
    const r = e.run(inputs);
    t.true(r.meta.converged);
    const expected = schedule(amount, 0.01, 100);
    t.true(expected.length < LAST - FIRST, 'the schedule fits the rows');
    expected.forEach((p, i) => {
      const k = FIRST + i;
      t.is(r.get(`Loan!A${k}`), i + 1, `A${k}`);
      for (const [col, v] of [['B', p.begin], ['C', p.interest], ['D', p.principal], ['E', p.end]] as const) {
        t.true(Math.abs((r.get(`Loan!${col}${k}`) as number) - v) < 1e-9, `${col}${k}: ${r.get(`Loan!${col}${k}`)} vs ${v}`);
      }
    });
    // After the last payment the rows are blank text.
    const after = FIRST + expected.length;
    t.is(r.get(`Loan!A${after}`), '');
    t.is(r.get(`Loan!E${after}`), '');
  }
});

test('intersection keeps real cycles and reads the one cell', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          // B5 reads A1:A9 as one value: A5 only. A5 reads B5: a real cycle of two.
          A5: '=B5+1',
          B5: '=A1:A9*2',
          // A one-row range in a value context reads the formula's column: D2 reads D1.
          D1: 7,
          E1: 8,
          D2: '=C1:F1+1',
          E2: '=C1:F1+1',
          // Outside the range's rows: #VALUE!, and no dependency.
          B12: '=A1:A9*2',
          // A function consuming the range reads it whole: a cycle through the range.
          C3: '=SUM(C1:C2)+SUM(C4:C6)',
          C5: '=C3',
        },
      },
    ],
  });
  const clusters = e.report.clusters.map((c) => [...c].sort());
  t.deepEqual(clusters.sort(), [['S!A5', 'S!B5'], ['S!C3', 'S!C5']]);
  const r = e.run();
  t.is(r.get('S!D2'), 8);
  t.is(r.get('S!E2'), 9);
  t.is((r.get('S!B12') as { code?: string }).code, '#VALUE!');
});

test('a CSE array formula reads its ranges whole', async (t) => {
  // As an array formula, B5 reads all of A1:A9 (here summed): A5 reads B5, a cycle.
  const e = await buildEngine({
    sheets: [{ name: 'S', cells: { A1: 1, A5: '=B5+1', B5: { formula: 'SUM(A1:A9*2)', array: 'B5' } } }],
  });
  t.deepEqual(e.report.clusters.map((c) => [...c].sort()), [['S!A5', 'S!B5']]);
});
