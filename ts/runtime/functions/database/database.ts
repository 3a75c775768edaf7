/**
 * The database functions: DSUM, DAVERAGE, DCOUNT, DCOUNTA, DGET, DMAX, DMIN, DPRODUCT,
 * DSTDEV, DSTDEVP, DVAR, DVARP.
 *
 * `database` is a range whose first row holds the column headers; each row below is a
 * record. `field` picks the column: header text (case-insensitive, compared with the
 * header's text form, so "1" finds a header cell holding the number 1) or a 1-based column
 * number (truncated; TRUE is 1). `criteria` is a range whose first row holds header names:
 * the cells of a criteria row are ANDed, the rows ORed. Rules checked against Excel's
 * stored results in the IronCalc DATABASE corpus:
 * - a blank (or "") criteria cell sets no condition, so a blank criteria row matches every
 *   record; a criteria range with no row under its headers matches every record too;
 * - a criteria cell under a header that names no database column (blank, error, unknown
 *   text) makes its row match nothing;
 * - plain text with no operator matches text that *begins with* it ("Berlin" finds
 *   "Berlino"), with `*` `?` wildcards; everything else (numbers, booleans, `>=10`, `<>a`,
 *   `=abc` exact text, dates such as `>=2024-07-01`) reads like the *IF criteria.
 * - a database without a record row, a field naming no column or out of range, is #VALUE!.
 *
 * Not supported: computed criteria (a formula criterion evaluated per record); the
 * criteria cell's current value is used as a plain criterion.
 */
import { parseNumber, scalar, toText } from '../../coerce.js';
import { parseCriteria, wildcardToRegExp, type Predicate } from '../../criteria.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, Matrix, Ref, RefList, errorFromCode, type Ctx, type Scalar, type Value } from '../../values.js';

/** A rectangle read in place: a reference's cells or an array's elements. */
interface Table {
  /** Declared size. */
  height: number;
  width: number;
  /** Rows and columns worth reading (a reference stops at its sheet's used range). */
  usedRows: number;
  usedCols: number;
  at(i: number, j: number): Scalar;
}

function tableOf(v: Value): Table | ExcelError {
  if (v instanceof RefList) {
    if (v.areas.length !== 1) return ERR.VALUE;
    v = v.areas[0]!;
  }
  if (v instanceof Ref) {
    const ref = v;
    return {
      height: ref.rows,
      width: ref.cols,
      usedRows: Math.max(0, Math.min(ref.rows, ref.lastUsedRow - ref.r0 + 1)),
      usedCols: Math.max(0, Math.min(ref.cols, ref.lastUsedCol - ref.c0 + 1)),
      at: (i, j) => ref.sheet.get(ref.r0 + i, ref.c0 + j),
    };
  }
  if (v instanceof Matrix) {
    const m = v;
    return { height: m.rows, width: m.cols, usedRows: m.rows, usedCols: m.cols, at: (i, j) => m.get(i, j) };
  }
  return v instanceof ExcelError ? v : ERR.VALUE;
}

/** A header cell as the text it is matched by; null for blanks and errors (they match nothing). */
function headerKey(v: Scalar): string | null {
  if (v === null || v instanceof ExcelError) return null;
  const t = toText(v);
  return typeof t === 'string' && t !== '' ? t.toLowerCase() : null;
}

/** Index of the first database column whose header reads as `key`, or -1. */
function findColumn(db: Table, key: string): number {
  for (let j = 0; j < db.usedCols; j++) if (headerKey(db.at(0, j)) === key) return j;
  return -1;
}

/**
 * The column `field` designates (0-based), `null` when the field is omitted (`DCOUNT(db,,c)`
 * counts records), or an error.
 */
function fieldColumn(db: Table, field: Value | undefined, ctx: Ctx): number | null | ExcelError {
  if (field === undefined || field === null) return null;
  const f = scalar(field, ctx);
  if (f instanceof ExcelError) return f;
  if (typeof f === 'number' || typeof f === 'boolean') {
    const n = Math.trunc(Number(f));
    return n >= 1 && n <= db.width ? n - 1 : ERR.VALUE;
  }
  if (typeof f === 'string' && f !== '') {
    const j = findColumn(db, f.toLowerCase());
    return j >= 0 ? j : ERR.VALUE;
  }
  return ERR.VALUE;
}

const OPERATOR = /^(<=|>=|<>|=|<|>)/;

/** A wildcard pattern that also accepts anything after it (a lone trailing `~` stays literal). */
function prefixPattern(s: string): string {
  let tildes = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '~'; i--) tildes++;
  return (tildes % 2 === 1 ? s + '~' : s) + '*';
}

/** The test of one non-blank criteria cell. */
function cellPredicate(v: Scalar): Predicate {
  if (typeof v !== 'string' || OPERATOR.test(v)) return parseCriteria(v);
  const lower = v.toLowerCase();
  if (parseNumber(v) !== undefined || lower === 'true' || lower === 'false' || errorFromCode(v)) {
    return parseCriteria(v);
  }
  const re = wildcardToRegExp(prefixPattern(v));
  return (x) => typeof x === 'string' && re.test(x);
}

/** Compiles the criteria range into a test of database record `i` (row index in `db`). */
function compileCriteria(db: Table, crit: Table): (i: number) => boolean {
  const all = () => true;
  if (crit.height < 2) return all;
  // A criteria row past the used range is blank, and a blank row matches every record.
  if (crit.usedRows < crit.height) return all;
  const cols: number[] = [];
  for (let j = 0; j < crit.usedCols; j++) {
    const key = headerKey(crit.at(0, j));
    cols.push(key === null ? -1 : findColumn(db, key));
  }
  const rows: { col: number; test: Predicate }[][] = [];
  for (let i = 1; i < crit.usedRows; i++) {
    const conds: { col: number; test: Predicate }[] = [];
    let never = false;
    for (let j = 0; j < crit.usedCols; j++) {
      const v = crit.at(i, j);
      if (v === null || v === '') continue;
      if (cols[j]! < 0) {
        never = true;
        break;
      }
      conds.push({ col: cols[j]!, test: cellPredicate(v) });
    }
    if (never) continue;
    if (conds.length === 0) return all;
    rows.push(conds);
  }
  return (i) => {
    for (const conds of rows) {
      let ok = true;
      for (const c of conds) {
        if (!c.test(db.at(i, c.col))) {
          ok = false;
          break;
        }
      }
      if (ok) return true;
    }
    return false;
  };
}

interface Query {
  db: Table;
  /** Field column, or null when omitted. */
  col: number | null;
  matches: (i: number) => boolean;
}

/** Validates the three arguments shared by every D-function. */
function query(ctx: Ctx, database: Value, field: Value | undefined, criteria: Value, allowOmitted: boolean): Query | ExcelError {
  const db = tableOf(database);
  if (db instanceof ExcelError) return db;
  const col = fieldColumn(db, field, ctx);
  if (col instanceof ExcelError) return col;
  if (col === null && !allowOmitted) return ERR.VALUE;
  if (db.height < 2) return ERR.VALUE;
  const crit = tableOf(criteria);
  if (crit instanceof ExcelError) return crit;
  return { db, col, matches: compileCriteria(db, crit) };
}

/**
 * Calls `visit` with the field value of each matching record, in order; stops on false.
 * Records past the used range are blank and are not visited.
 */
function forEachMatch(q: Query, visit: (v: Scalar) => boolean | void): void {
  const { db, col, matches } = q;
  for (let i = 1; i < db.usedRows; i++) {
    if (matches(i) && visit(col === null ? null : db.at(i, col)) === false) return;
  }
}

/**
 * The numbers of the field in matching records. Text, booleans and blanks are skipped;
 * an error in a matching record is returned, as SUMIFS does for its sum range.
 */
function matchedNumbers(q: Query): number[] | ExcelError {
  const out: number[] = [];
  let err: ExcelError | null = null;
  forEachMatch(q, (v) => {
    if (typeof v === 'number') out.push(v);
    else if (v instanceof ExcelError) {
      err = v;
      return false;
    }
    return true;
  });
  return err ?? out;
}

function finite(x: number): number | ExcelError {
  return Number.isFinite(x) ? x : ERR.NUM;
}

/** Sum of squared deviations from the mean (two passes, for accuracy). */
function sumSquares(xs: number[]): number {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return ss;
}

/** Registers a D-function computed from the matched numbers. */
function numeric(name: string, reduce: (xs: number[]) => number | ExcelError): void {
  defineFn(name, ['any', 'any', 'any'], 3, 3, (ctx, database: Value, field: Value, criteria: Value) => {
    const q = query(ctx, database, field, criteria, false);
    if (q instanceof ExcelError) return q;
    const xs = matchedNumbers(q);
    if (xs instanceof ExcelError) return xs;
    return reduce(xs);
  });
}

numeric('DSUM', (xs) => {
  let s = 0;
  for (const x of xs) s += x;
  return finite(s);
});

numeric('DPRODUCT', (xs) => {
  if (!xs.length) return 0;
  let p = 1;
  for (const x of xs) p *= x;
  return finite(p);
});

numeric('DAVERAGE', (xs) => {
  if (!xs.length) return ERR.DIV0;
  let s = 0;
  for (const x of xs) s += x;
  return finite(s / xs.length);
});

numeric('DMIN', (xs) => {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return xs.length ? m : 0;
});

numeric('DMAX', (xs) => {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return xs.length ? m : 0;
});

numeric('DVAR', (xs) => (xs.length < 2 ? ERR.DIV0 : finite(sumSquares(xs) / (xs.length - 1))));
numeric('DVARP', (xs) => (xs.length < 1 ? ERR.DIV0 : finite(sumSquares(xs) / xs.length)));
numeric('DSTDEV', (xs) => (xs.length < 2 ? ERR.DIV0 : finite(Math.sqrt(sumSquares(xs) / (xs.length - 1)))));
numeric('DSTDEVP', (xs) => (xs.length < 1 ? ERR.DIV0 : finite(Math.sqrt(sumSquares(xs) / xs.length))));

/** DCOUNT: numbers in the field of matching records (errors skipped, like COUNT); no field counts records. */
defineFn('DCOUNT', ['any', 'any', 'any'], 3, 3, (ctx, database: Value, field: Value, criteria: Value) => {
  const q = query(ctx, database, field, criteria, true);
  if (q instanceof ExcelError) return q;
  let n = 0;
  forEachMatch(q, (v) => {
    if (q.col === null || typeof v === 'number') n++;
  });
  return n;
});

/** DCOUNTA: non-blank field values (errors included, like COUNTA); no field counts records. */
defineFn('DCOUNTA', ['any', 'any', 'any'], 3, 3, (ctx, database: Value, field: Value, criteria: Value) => {
  const q = query(ctx, database, field, criteria, true);
  if (q instanceof ExcelError) return q;
  let n = 0;
  forEachMatch(q, (v) => {
    if (q.col === null || v !== null) n++;
  });
  return n;
});

/** DGET: the field of the single matching record; none is #VALUE!, several #NUM!. */
defineFn('DGET', ['any', 'any', 'any'], 3, 3, (ctx, database: Value, field: Value, criteria: Value) => {
  const q = query(ctx, database, field, criteria, false);
  if (q instanceof ExcelError) return q;
  let found = 0;
  let value: Scalar = null;
  forEachMatch(q, (v) => {
    found++;
    value = v;
    return found < 2;
  });
  if (found === 0) return ERR.VALUE;
  return found > 1 ? ERR.NUM : value;
});
