/**
 * Helpers for unit tests of runtime functions: call a registered function the way
 * generated code does, with references over a scratch sheet.
 */
import { F, Ref, Sheet, type Ctx, type Scalar, type Value, type BookView } from '../../ts/runtime/index.js';

export function makeBook(sheets: Sheet[] = [], opts: { date1904?: boolean; now?: number; random?: () => number } = {}): BookView {
  return {
    sheets,
    date1904: opts.date1904 ?? false,
    now: () => opts.now ?? 45000.5,
    random: opts.random ?? (() => 0.5),
    sheetByName: (n: string) => sheets.find((s) => s.name.toUpperCase() === n.toUpperCase()),
    name: () => undefined,
  };
}

/** A context at Sheet1!A1 (override with `at`). */
export function ctx(at: Partial<Pick<Ctx, 'row' | 'col' | 'sheet' | 'array'>> = {}, book: BookView = makeBook()): Ctx {
  return { sheet: 0, row: 0, col: 0, array: false, book, ...at };
}

/** A sheet holding a 2-D block of values with its top-left cell at (r0, c0). */
export function sheetOf(rows: Scalar[][], name = 'Sheet1', index = 0, r0 = 0, c0 = 0): Sheet {
  const h = r0 + rows.length;
  const w = c0 + Math.max(0, ...rows.map((r) => r.length));
  const s = Sheet.create(name, index, h, w, h * w);
  rows.forEach((row, i) => row.forEach((v, j) => s.set(r0 + i, c0 + j, v)));
  return s;
}

/** A reference to a fresh block of values (its own scratch sheet). */
export function range(rows: Scalar[][]): Ref {
  const s = sheetOf(rows);
  return new Ref(s, 0, 0, rows.length - 1, Math.max(0, ...rows.map((r) => r.length)) - 1);
}

/** A column reference from a list. */
export function col(values: Scalar[]): Ref {
  return range(values.map((v) => [v]));
}

/** Calls a registered function by name: `call('SUM', 1, 2)`. */
export function call(name: string, ...args: Value[]): Value {
  const fn = F[name];
  if (!fn) throw new Error(`function ${name} is not registered`);
  return fn(ctx(), ...args);
}

/** Calls with an explicit context. */
export function callIn(c: Ctx, name: string, ...args: Value[]): Value {
  const fn = F[name];
  if (!fn) throw new Error(`function ${name} is not registered`);
  return fn(c, ...args);
}
