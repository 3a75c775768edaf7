/**
 * A small model for the report tests, built so every part of the report has something
 * to show, with figures known from its construction:
 *
 * - Inputs: rate B1 = 0.05, principal B2 = 1000, years B3 = 3, months 1..10 in B4:B13.
 * - Calc: C2:C11 = Inputs!B4*2 .. Inputs!B13*2 (one shape, 10 cells, stored 2..20);
 *   B2 = Inputs!B2*Inputs!B1 (stored 50); D2 = E2/2+1 and E2 = D2/2, a circular
 *   cluster under iterative calculation (no stored values).
 * - Summary: B2 = SUM(Calc!C2:C11) (stored 110); B3 = 1+1 stored as 999, a value Excel
 *   cannot have computed: the one difference; B4 = Calc!D2 (no stored value).
 * - Legacy: B2 = WEBSERVICE(...), a function the runtime does not implement: backfilled
 *   with its stored value "offline".
 *
 * So: Calc reads Inputs in 11 formula cells with 12 references (10 + 2); Summary reads
 * Calc in 2 cells; 13 formula cells are compared with a stored value (10 + 1 + 2), 12
 * match; 3 have none; 1 is backfilled.
 */
import type { FixtureWorkbook } from '../../scripts/lib/xlsx-writer.js';

export function reportWorkbook(): FixtureWorkbook {
  const inputs: FixtureWorkbook['sheets'][number]['cells'] = { A1: 'Rate', B1: 0.05, A2: 'Principal', B2: 1000, A3: 'Years', B3: 3 };
  const calc: FixtureWorkbook['sheets'][number]['cells'] = {
    A1: 'Interest',
    B2: { formula: 'Inputs!B2*Inputs!B1', value: 50 },
    D2: { formula: 'E2/2+1' },
    E2: { formula: 'D2/2' },
  };
  for (let i = 0; i < 10; i++) {
    inputs[`A${4 + i}`] = `Month ${i + 1}`;
    inputs[`B${4 + i}`] = i + 1;
    calc[`C${2 + i}`] = { formula: `Inputs!B${4 + i}*2`, value: 2 * (i + 1) };
  }
  return {
    iterate: { count: 100, delta: 0.001 },
    sheets: [
      { name: 'Inputs', cells: inputs },
      { name: 'Calc', cells: calc },
      {
        name: 'Summary',
        cells: {
          A2: 'Total',
          B2: { formula: 'SUM(Calc!C2:C11)', value: 110 },
          B3: { formula: '1+1', value: 999 },
          B4: { formula: 'Calc!D2' },
        },
      },
      { name: 'Legacy', cells: { A2: 'Rate feed', B2: { formula: 'WEBSERVICE("http://example.com/rate")', value: 'offline' } } },
    ],
  };
}
