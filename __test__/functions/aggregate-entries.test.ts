/**
 * MIN, MAX and AVERAGE of one or two arguments take a shortcut for plain numbers
 * (statistical/basic.ts). Every pair of argument kinds is checked here against the
 * definition of the aggregates (Excel's documented rules): numbers count wherever they
 * are; logicals, blanks and numeric text count only when typed as arguments, non-numeric
 * text typed as an argument is #VALUE!; text, logicals and blanks in references are
 * skipped; the first error met, in argument order, is the result; AVERAGE of nothing is
 * #DIV/0!, MIN and MAX of nothing 0; a sum past the largest number is #NUM!.
 */
import test from 'ava';
import { ERR, ExcelError, F, Ref, type Value } from '../../ts/runtime/index.js';
import { ctx, sheetOf } from '../helpers/runtime.js';

const cells = sheetOf([[7, 'text', true, null, ERR.NA, -2.5, 1e308, '4']]);
const cell = (c: number): Ref => new Ref(cells, 0, c, 0, c);
const args: [string, Value][] = [
  ['3', 3],
  ['-0.5', -0.5],
  ['1e308', 1e308],
  ['"2"', '2'],
  ['"x"', 'x'],
  ['TRUE', true],
  ['FALSE', false],
  ['missing', null],
  ['#DIV/0!', ERR.DIV0],
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((c): [string, Value] => [`cell ${c}`, cell(c)]),
  ['range', new Ref(cells, 0, 0, 0, 5)],
];

function numbers(values: Value[]): number[] | ExcelError {
  const out: number[] = [];
  for (const a of values) {
    if (a instanceof Ref) {
      for (let c = a.c0; c <= a.c1; c++) {
        const v = cells.get(0, c);
        if (typeof v === 'number') out.push(v);
        else if (v instanceof ExcelError) return v;
      }
    } else if (typeof a === 'number') out.push(a);
    else if (typeof a === 'boolean') out.push(a ? 1 : 0);
    else if (a === null) out.push(0);
    else if (a instanceof ExcelError) return a;
    else if (typeof a === 'string') {
      if (!/^-?\d+(\.\d+)?$/.test(a)) return ERR.VALUE;
      out.push(Number(a));
    }
  }
  return out;
}

const expected = {
  MIN: (xs: number[]) => (xs.length ? Math.min(...xs) : 0),
  MAX: (xs: number[]) => (xs.length ? Math.max(...xs) : 0),
  AVERAGE: (xs: number[]) => {
    if (!xs.length) return ERR.DIV0;
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    return Number.isFinite(mean) ? mean : ERR.NUM;
  },
};

test('MIN, MAX and AVERAGE of one or two arguments follow the definition for every kind of argument', (t) => {
  let checked = 0;
  for (const [name, of] of Object.entries(expected)) {
    const fn = F[name]!;
    const calls: [string, Value[]][] = [];
    for (const [la, a] of args) {
      calls.push([la, [a]]);
      for (const [lb, b] of args) calls.push([`${la}, ${lb}`, [a, b]]);
    }
    for (const [label, values] of calls) {
      const xs = numbers(values);
      const want = xs instanceof ExcelError ? xs : of(xs);
      t.is(fn(ctx(), ...values), want, `${name}(${label})`);
      checked++;
    }
  }
  t.is(checked, 3 * (args.length + args.length ** 2));
});
