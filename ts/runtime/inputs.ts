/**
 * What `run()` accepts: input values checked and converted to cell values, dates as
 * Excel serial numbers, and the run options. Every rejection is a typed `EngineError`
 * naming the reference (`E_INPUT_TYPE`, `E_INPUT_SHAPE`, `E_TOO_LARGE`,
 * `E_INVALID_OPTION`), never a TypeError from deep inside a run.
 *
 * Dates do not depend on the machine's time zone: a `Date` is read by its UTC calendar
 * fields (`new Date('2027-01-01')`, which JavaScript parses as UTC midnight, is serial
 * 46388 everywhere), and serials turn back into `Date`s at UTC.
 */
import type { UserFunction } from './udf.js';
import { EngineError } from './errors.js';
import { errorFromCode, isExcelError, type Scalar } from './values.js';

const MS_PER_DAY = 86400000;
/** Serial of 1970-01-01 in the 1900 system. */
const UNIX_EPOCH_SERIAL = 25569;
/** Days between the 1900 and the 1904 systems' serial 0. */
const DAYS_1904 = 1462;

/**
 * Converts a JS Date to an Excel serial, by its UTC date and time. In the 1900 system
 * serials before 1900-03-01 are one less than the day count (Excel's fictitious
 * 1900-02-29 is serial 60, which no Date can name).
 */
export function dateToSerialValue(d: Date, date1904: boolean): number {
  const serial = d.getTime() / MS_PER_DAY + UNIX_EPOCH_SERIAL;
  if (date1904) return serial - DAYS_1904;
  return serial < 61 ? serial - 1 : serial;
}

/**
 * The UTC `Date` of an Excel serial (the inverse of `dateToSerialValue`). Serial 60 of
 * the 1900 system, the fictitious 1900-02-29, becomes 1900-03-01. Times are rounded to
 * the millisecond.
 */
export function serialToDate(serial: number, date1904: boolean): Date {
  let days = serial;
  if (date1904) days += DAYS_1904;
  else if (serial < 60) days += 1;
  return new Date(Math.round((days - UNIX_EPOCH_SERIAL) * MS_PER_DAY));
}

/**
 * Largest range `run()` fills and `get()`/`text()` read: eight full columns of Excel's
 * grid (8 × 1,048,576 cells), so a model's long input columns fit while a whole-grid
 * reference (17 billion cells) is refused before any cell is allocated.
 */
export const MAX_RANGE_CELLS = 8 * 1_048_576;

/** Throws `E_TOO_LARGE` for a range over `MAX_RANGE_CELLS` cells. */
export function checkRangeSize(rows: number, cols: number, ref: string, what: string): void {
  if (rows * cols > MAX_RANGE_CELLS) {
    throw new EngineError(
      'E_TOO_LARGE',
      `"${ref}" has ${rows * cols} cells (${rows}×${cols}); ${what} takes at most ${MAX_RANGE_CELLS} cells at once (eight full columns): read or set it in parts`,
    );
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'bigint') return `a BigInt (${String(v)}n)`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'an invalid Date';
  return 'an object';
}

const ACCEPTED = 'a number, text, a boolean, null (blank), a Date or an Excel error';

/**
 * One cell's input value as the engine stores it. Accepts finite numbers, strings,
 * booleans, `null` (blank), valid `Date`s and Excel errors (from any runtime copy);
 * anything else is `E_INPUT_TYPE` naming `ref`.
 */
export function scalarInput(v: unknown, ref: string, date1904: boolean): Scalar {
  switch (typeof v) {
    case 'number':
      if (Number.isFinite(v)) return v;
      break;
    case 'string':
    case 'boolean':
      return v;
    case 'object':
      if (v === null) return null;
      if (v instanceof Date) {
        if (!Number.isNaN(v.getTime())) return dateToSerialValue(v, date1904);
        break;
      }
      // An error value (of this runtime copy or another): this copy's interned one.
      if (isExcelError(v)) {
        const e = errorFromCode(String(v.code));
        if (e) return e;
      }
      break;
  }
  const hint = v === undefined ? ' (use null for a blank cell)' : '';
  throw new EngineError('E_INPUT_TYPE', `the input for "${ref}" is ${describe(v)}; an input is ${ACCEPTED}${hint}`);
}

/** Input values for a range: one value per cell, row by row. */
export interface RangeInput {
  /** The value of the cell at (i, j) of the range. */
  at(i: number, j: number): Scalar;
}

/**
 * The value for a `rows`×`cols` area. A 2-D array must have exactly that shape
 * (`E_INPUT_SHAPE` otherwise, with the shape it has); a single value fills every cell of
 * the area (as typing into a selected range with Ctrl+Enter does in Excel).
 */
export function areaInput(v: unknown, ref: string, rows: number, cols: number, date1904: boolean): RangeInput {
  if (!Array.isArray(v)) {
    const s = scalarInput(v, ref, date1904);
    return { at: () => s };
  }
  const want = `${rows}×${cols} (${rows} row${rows === 1 ? '' : 's'} of ${cols} value${cols === 1 ? '' : 's'})`;
  if (!v.every((row) => Array.isArray(row))) {
    const flat = rows === 1 ? `[[${v.length > 3 ? '…' : v.map((x) => JSON.stringify(x) ?? String(x)).join(', ')}]]` : `one array per row`;
    throw new EngineError('E_INPUT_SHAPE', `the input for "${ref}" is a flat list; a range takes a 2-D array of ${want}: ${flat}`);
  }
  const got = v as unknown[][];
  const badRow = got.findIndex((row) => row.length !== cols);
  if (got.length !== rows || badRow >= 0) {
    const shape = got.length !== rows ? `${got.length} row${got.length === 1 ? '' : 's'}` : `row ${badRow + 1} has ${got[badRow]!.length} value${got[badRow]!.length === 1 ? '' : 's'}`;
    throw new EngineError('E_INPUT_SHAPE', `the input for "${ref}" has ${shape}; the range is ${want}`);
  }
  const cells: Scalar[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = got[i]!;
    for (let j = 0; j < cols; j++) {
      const x = row[j];
      if (Array.isArray(x)) throw new EngineError('E_INPUT_SHAPE', `the input for "${ref}" has an array inside row ${i + 1}; a range takes a 2-D array of ${want}`);
      cells[i * cols + j] = scalarInput(x, ref, date1904);
    }
  }
  return { at: (i, j) => cells[i * cols + j]! };
}

/** Run options, checked. */
export interface CheckedRunOptions {
  now: number | undefined;
  random: (() => number) | undefined;
  /** Implementations of user-defined functions (checked against the engine's needs by the engine). */
  functions: Record<string, UserFunction> | undefined;
  /** Recompute every cell, not only what changed since the previous run. */
  full?: boolean;
}

/**
 * Checks `run()`'s options: `now` is a valid Date or a finite serial, `random` a
 * function; anything else is `E_INVALID_OPTION` (an unknown key too, with the known ones).
 */
export function checkRunOptions(options: unknown, date1904: boolean, extraKeys: readonly string[] = []): CheckedRunOptions {
  if (options === undefined || options === null) return { now: undefined, random: undefined, functions: undefined };
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new EngineError('E_INVALID_OPTION', `run() options must be an object ({ now, random, functions, full }), got ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'now' && key !== 'random' && key !== 'functions' && key !== 'full' && !extraKeys.includes(key)) {
      throw new EngineError('E_INVALID_OPTION', `unknown run() option "${key}"; the options are: ${['now', 'random', 'functions', 'full', ...extraKeys].join(', ')}`);
    }
  }
  let now: number | undefined;
  const n = o.now;
  if (n !== undefined) {
    if (n instanceof Date && !Number.isNaN(n.getTime())) now = dateToSerialValue(n, date1904);
    else if (typeof n === 'number' && Number.isFinite(n)) now = n;
    else throw new EngineError('E_INVALID_OPTION', `run() option "now" must be a valid Date or an Excel serial number, got ${typeof n === 'string' ? JSON.stringify(n) : describe(n)}`);
  }
  const r = o.random;
  if (r !== undefined && typeof r !== 'function') {
    throw new EngineError('E_INVALID_OPTION', `run() option "random" must be a function returning numbers in [0, 1), got ${typeof r === 'string' ? JSON.stringify(r) : describe(r)}`);
  }
  const f = o.functions;
  if (f !== undefined && (f === null || typeof f !== 'object' || Array.isArray(f))) {
    throw new EngineError('E_INVALID_OPTION', `run() option "functions" must be an object mapping function names to JavaScript functions, got ${describe(f)}`);
  }
  const full = o.full;
  if (full !== undefined && typeof full !== 'boolean') {
    throw new EngineError('E_INVALID_OPTION', `run() option "full" must be true or false, got ${describe(full)}`);
  }
  return { now, random: r as (() => number) | undefined, functions: f as Record<string, UserFunction> | undefined, full: full === true };
}

/** Checks the inputs argument of `run()`: an object mapping references to values. */
export function checkInputs(inputs: unknown): Record<string, unknown> {
  if (inputs === undefined || inputs === null) return {};
  if (typeof inputs !== 'object' || Array.isArray(inputs) || inputs instanceof Date) {
    throw new EngineError('E_INPUT_TYPE', `run() takes its inputs as an object mapping references to values ({ "Sheet1!A1": 5 }), got ${describe(inputs)}`);
  }
  return inputs as Record<string, unknown>;
}
