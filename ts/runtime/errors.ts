/**
 * The errors sheetc throws, one hierarchy: `SheetcError` (every error, with a stable
 * `code`) and its subclass `EngineError` (thrown by compiled engines at run time).
 *
 * Each compiled engine carries its own copy of the runtime (`runtime.js`), so an error an
 * engine throws is an instance of *that copy's* classes, not of the ones `sheetc`
 * exports. `instanceof` still holds across copies: every error carries a brand
 * (`Symbol.for('sheetc.error')`, shared by all copies through the global symbol
 * registry) naming its class and the classes it extends, and the classes'
 * `Symbol.hasInstance` checks it. Matching on `err.code` works everywhere too.
 */

/** Stable error codes: match on them, not on messages. */
export type SheetcErrorCode =
  // Building (compile, verify, compileMany, the CLI).
  | 'E_NOT_A_WORKBOOK'
  | 'E_ENCRYPTED'
  | 'E_LEGACY_FORMAT'
  | 'E_UNSUPPORTED_FORMAT'
  | 'E_CORRUPT'
  | 'E_TOO_LARGE'
  | 'E_IO'
  | 'E_CANCELLED'
  | 'E_STRICT'
  | 'E_INVALID_OPTION'
  | 'E_INTERNAL'
  | 'E_NATIVE_UNAVAILABLE'
  | 'E_FORMULA_TOO_DEEP'
  | 'E_MISSING_FUNCTION'
  // Running an engine.
  | 'E_UNKNOWN_REF'
  | 'E_INPUT_TYPE'
  | 'E_INPUT_SHAPE'
  | 'E_NOT_LOADED'
  | 'E_LOAD'
  | 'E_UNKNOWN_INPUT'
  | 'E_NOT_OUTPUT'
  // What-if analysis (goal seek).
  | 'E_NO_SOLUTION';

/** Marks sheetc's errors across runtime copies: the class names of the instance, most derived first. */
const BRAND = Symbol.for('sheetc.error');

type Branded = { [BRAND]?: unknown };

/** The brand names of a constructor and its sheetc ancestors. */
function brandOf(ctor: unknown): string[] {
  const names: string[] = [];
  for (let c = ctor as { brand?: string } | null; c && c !== (Error as unknown); c = Object.getPrototypeOf(c) as { brand?: string } | null) {
    if (typeof c.brand === 'string' && !names.includes(c.brand)) names.push(c.brand);
  }
  return names;
}

export class SheetcError extends Error {
  /** The class's name in the brand (stable across copies and minification). */
  static readonly brand: string = 'SheetcError';
  readonly code: SheetcErrorCode;
  /** `Sheet!A1` when the error belongs to a cell. */
  readonly location: string | undefined;
  constructor(code: SheetcErrorCode, message: string, location?: string, options?: { cause?: unknown }) {
    super(location ? `${message} (at ${location})` : message, options);
    this.name = (new.target as { brand?: string }).brand ?? 'SheetcError';
    this.code = code;
    this.location = location;
    Object.defineProperty(this, BRAND, { value: brandOf(new.target), enumerable: false });
  }

  /**
   * `err instanceof SheetcError` (or a subclass) for errors from any copy of the
   * runtime: an ordinary prototype check, else the brand.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const names = (value as Branded)[BRAND];
    return Array.isArray(names) && names.includes((this as { brand?: string }).brand);
  }
}

/** An error thrown by a compiled engine (`run()`, `get()`, `load()`, ...). */
export class EngineError extends SheetcError {
  static override readonly brand: string = 'EngineError';
}

/** True for an error sheetc threw, from any copy of the runtime. */
export function isSheetcError(value: unknown): value is SheetcError {
  return value instanceof SheetcError;
}
