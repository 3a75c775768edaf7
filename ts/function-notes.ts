/**
 * Why some Excel functions are not computed, when there is more to say than "not
 * implemented": their cells keep the value Excel stored and the build report gives this
 * reason code. The compiler reads these notes (no function names in Rust); a note
 * applies only while the runtime does not implement the function.
 */
import { EXCEL_FUNCTIONS } from './runtime/catalog.js';

export interface FunctionNote {
  /** Upper-case Excel name. */
  name: string;
  /** Stable reason code in the build report. */
  code: 'pivot-table' | 'cube-function' | 'external-data';
  reason: string;
}

const cube = (name: string): FunctionNote => ({
  name,
  code: 'cube-function',
  reason: `${name} reads an OLAP cube through a data connection (Analysis Services, Power Pivot), which only Excel can query: the value Excel stored is kept`,
});

export const FUNCTION_NOTES: FunctionNote[] = [
  {
    name: 'GETPIVOTDATA',
    code: 'pivot-table',
    reason: 'GETPIVOTDATA reads a pivot table, which sheetc does not compute: the value Excel stored is kept',
  },
  ...EXCEL_FUNCTIONS.filter((f) => f.category === 'Cube').map((f) => cube(f.name)),
  {
    name: 'RTD',
    code: 'external-data',
    reason: 'RTD reads a real-time data server, which only Excel can reach: the value Excel stored is kept',
  },
  {
    name: 'FIELDVALUE',
    code: 'external-data',
    reason:
      'FIELDVALUE (written A1.Field in Excel, _FV in the file) reads a field of a linked data type (Stocks, Geography) that Excel fetches from an online service: the value Excel stored is kept',
  },
  {
    name: 'STOCKHISTORY',
    code: 'external-data',
    reason: 'STOCKHISTORY fetches market data from an online service when Excel recalculates: the value Excel stored is kept',
  },
  {
    name: 'WEBSERVICE',
    code: 'external-data',
    reason: 'WEBSERVICE downloads from the web when Excel recalculates: the value Excel stored is kept',
  },
];
