/**
 * GROUPBY, PIVOTBY, PERCENTOF, BAHTTEXT and eta-reduced functions. Expected values:
 * Excel's pages (PERCENTOF is SUM(subset)/SUM(all); BAHTTEXT(1234); GROUPBY/PIVOTBY's
 * arguments) and identities with SUMIF/SUMIFS over the same data.
 */
import test from 'ava';
import { ERR, Matrix, supportedFunctions, type Lambda, type Scalar } from '../../ts/runtime/index.js';
import { EXCEL_FUNCTIONS, UNSUPPORTED_REASONS } from '../../ts/runtime/catalog.js';
import { etaLambda, unsupportedCall } from '../../ts/runtime/registry.js';
import { call, col, ctx, range } from '../helpers/runtime.js';

const SUM = etaLambda(ctx(), 'SUM') as Lambda;
const regions = ['North', 'South', 'north', 'East', 'South', 'East', 'North'];
const products = ['x', 'y', 'y', 'x', 'x', 'y', 'x'];
const sales = [10, 20, 5, 7, 3, 9, 2];

test('GROUPBY: one group per key (text without case), aggregated by the LAMBDA, sorted, with a total', (t) => {
  const g = call('GROUPBY', col(regions), col(sales), SUM) as Matrix;
  t.deepEqual(g.rows, 4);
  // Keys ascending; each aggregate equals SUMIF over the same data.
  const keys = ['East', 'North', 'South'];
  keys.forEach((k, i) => {
    t.is(g.get(i, 0), k);
    t.is(g.get(i, 1), call('SUMIF', col(regions), k, col(sales)));
  });
  t.is(g.get(3, 0), 'Total');
  t.is(g.get(3, 1), call('SUM', col(sales)));
  // sort_order -2: by the aggregate, descending; total_depth 0: no total row.
  const d = call('GROUPBY', col(regions), col(sales), SUM, 0, 0, -2) as Matrix;
  t.deepEqual(d.to2D(), [['South', 23], ['North', 17], ['East', 16]] as Scalar[][]);
  // filter_array keeps the rows where it is TRUE.
  const f = call('GROUPBY', col(regions), col(sales), SUM, 0, 0, undefined as unknown as Scalar, col(sales.map((s) => s > 5))) as Matrix;
  t.deepEqual(f.to2D(), [['East', 16], ['North', 10], ['South', 20]]);
  // A LAMBDA of two parameters gets the group's values and all of them (PERCENTOF).
  const pct = call('GROUPBY', col(regions), col(sales), etaLambda(ctx(), 'PERCENTOF') as Lambda, 0, 0) as Matrix;
  t.is(pct.get(0, 1), 16 / 56);
});

test('GROUPBY: several row fields make levels with subtotals; headers detected from the values', (t) => {
  const data = range([['Region', 'Product'], ...regions.map((r, i) => [r, products[i]!])]);
  const g = call('GROUPBY', data, col(['Sales', ...sales]), SUM) as Matrix;
  // Headers shown (two levels), leaves, a subtotal per region (deeper key blank), the grand total.
  t.deepEqual(g.get(0, 0), 'Region');
  t.deepEqual(g.get(0, 2), 'Sales');
  const body = g.to2D().slice(1);
  const leaves = body.filter((r) => r[1] !== null);
  for (const [reg, prod, v] of leaves) {
    t.is(v, call('SUMIFS', col(sales), col(regions), reg as string, col(products), prod as string));
  }
  const subtotals = body.filter((r) => r[1] === null && r[0] !== 'Grand Total');
  t.deepEqual(subtotals.map((r) => r[0]), ['East', 'North', 'South']);
  for (const [reg, , v] of subtotals) t.is(v, call('SUMIF', col(regions), reg as string, col(sales)));
  t.deepEqual(body[body.length - 1], ['Grand Total', null, 56]);
  // total_depth 1: no subtotals, the last row is "Total".
  const flat = call('GROUPBY', data, col(['Sales', ...sales]), SUM, 3, 1) as Matrix;
  t.is(flat.get(flat.rows - 1, 0), 'Total');
  t.false(flat.to2D().slice(1, -1).some((r) => r[1] === null));
  // field_headers 2 (generated names) is not supported: #CALC!, and reported at build time.
  t.is(call('GROUPBY', col(regions), col(sales), SUM, 2), ERR.CALC);
  t.truthy(unsupportedCall('GROUPBY', [{ kind: 'reference', sameSheet: true }, { kind: 'reference', sameSheet: true }, { kind: 'computed' }, { kind: 'literal', value: 2 }]));
});

test('PIVOTBY: rows by one field, columns by another, each cell equal to SUMIFS, totals both ways', (t) => {
  const p = call('PIVOTBY', col(regions), col(products), col(sales), SUM) as Matrix;
  t.deepEqual(p.to2D()[0], [null, 'x', 'y', 'Total']);
  const rowKeys = ['East', 'North', 'South'];
  rowKeys.forEach((r, i) => {
    t.is(p.get(i + 1, 0), r);
    ['x', 'y'].forEach((c, j) => {
      const expected = call('SUMIFS', col(sales), col(regions), r, col(products), c) as number;
      t.is(p.get(i + 1, j + 1), expected === 0 ? null : expected);
    });
    t.is(p.get(i + 1, 3), call('SUMIF', col(regions), r, col(sales)));
  });
  t.deepEqual(p.to2D()[4], ['Total', 22, 34, 56]);
  // PERCENTOF relative to column totals: each column adds up to 1.
  const pct = call('PIVOTBY', col(regions), col(products), col(sales), etaLambda(ctx(), 'PERCENTOF') as Lambda) as Matrix;
  t.is(pct.get(4, 1), 1);
  t.is(pct.get(1, 1), 7 / 22);
});

test('PERCENTOF is SUM(subset) / SUM(all); #DIV/0! for a zero total', (t) => {
  t.is(call('PERCENTOF', col([1, 2]), col([1, 2, 3, 4])), 0.3);
  t.is(call('PERCENTOF', 5, col([0, 0])), ERR.DIV0);
  t.is(call('PERCENTOF', col([1, ERR.NA]), col([1])), ERR.NA);
});

test('BAHTTEXT: Excel\'s example and the currency words', (t) => {
  t.is(call('BAHTTEXT', 1234), 'หนึ่งพันสองร้อยสามสิบสี่บาทถ้วน'); // Excel's BAHTTEXT page
  t.is(call('BAHTTEXT', 0), 'ศูนย์บาทถ้วน');
  t.is(call('BAHTTEXT', 1234.5), 'หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์');
  t.is(call('BAHTTEXT', 0.5), 'ห้าสิบสตางค์');
  t.is(call('BAHTTEXT', -1234), 'ลบหนึ่งพันสองร้อยสามสิบสี่บาทถ้วน');
  t.is(call('BAHTTEXT', 2000000), 'สองล้านบาทถ้วน');
  t.is(call('BAHTTEXT', 'x'), ERR.VALUE);
});

test('etaLambda: a function name as a LAMBDA (what _xleta.SUM stands for)', (t) => {
  t.is(SUM.arity, 1);
  t.is(SUM.fn(new Matrix(1, 3, [1, 2, 3])), 6);
  t.is((etaLambda(ctx(), 'PERCENTOF') as Lambda).arity, 2);
  t.is(etaLambda(ctx(), 'NOSUCH'), ERR.NAME);
});

test('catalogue: every Excel function is implemented or has a reason to be backfilled', (t) => {
  const implemented = new Set([...supportedFunctions(), 'LET', 'LAMBDA']);
  const missing = EXCEL_FUNCTIONS.filter((f) => !implemented.has(f.name) && !UNSUPPORTED_REASONS[f.name]).map((f) => f.name);
  t.deepEqual(missing, []);
  // Excel 365's newest functions are catalogued.
  for (const n of ['GROUPBY', 'PIVOTBY', 'PERCENTOF', 'TRIMRANGE', 'REGEXTEST', 'BAHTTEXT', 'IMAGE', 'TRANSLATE', 'DETECTLANGUAGE', 'PY', 'COPILOT', 'CUBEVALUE', 'WEBSERVICE']) {
    t.true(EXCEL_FUNCTIONS.some((f) => f.name === n), n);
  }
  // A reason is only given for what is not implemented.
  for (const n of Object.keys(UNSUPPORTED_REASONS)) t.false(implemented.has(n), n);
});
