/** Writes examples/loan.xlsx, the example workbook used by the README. */
import { writeFileSync } from 'node:fs';
import { writeXlsx, type FixtureValue, type FixtureCell } from './lib/xlsx-writer.js';

const cells: Record<string, FixtureValue | FixtureCell> = {
  A1: 'Loan', B1: 'Value',
  A2: 'Principal', B2: 250000,
  A3: 'Annual rate', B3: 0.06,
  A4: 'Years', B4: 30,
  A5: 'Monthly rate', B5: '=B3/12',
  A6: 'Payments', B6: '=B4*12',
  A8: 'Monthly payment', B8: '=ROUND(-PMT(B5,B6,B2),2)',
  A9: 'Total interest', B9: '=ROUND(B8*B6-B2,2)',
  A10: 'Affordable?', B10: '=IF(B8<=1500,"yes","no")',
  D1: 'Month', E1: 'Interest', F1: 'Principal', G1: 'Balance',
  D2: 1, E2: '=ROUND($B$2*$B$5,2)', F2: '=$B$8-E2', G2: '=$B$2-F2',
};
for (let r = 3; r <= 13; r++) {
  cells[`D${r}`] = `=D${r - 1}+1`;
  cells[`E${r}`] = `=ROUND(G${r - 1}*$B$5,2)`;
  cells[`F${r}`] = `=$B$8-E${r}`;
  cells[`G${r}`] = `=G${r - 1}-F${r}`;
}
cells['A12'] = 'Interest, first year';
cells['B12'] = '=SUM(E2:E13)';
writeFileSync('examples/loan.xlsx', writeXlsx({ sheets: [{ name: 'Loan', cells }] }));
console.log('wrote examples/loan.xlsx');
