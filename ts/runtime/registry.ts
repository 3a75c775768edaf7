/**
 * The function registry: every Excel function the runtime implements, with its
 * signature. The signature drives argument coercion, error propagation and array
 * lifting, so each implementation only deals with already-coerced values.
 *
 * The compiler asks the registry which functions exist (`supportedFunctions()`); a
 * call to any other function is backfilled and reported, never guessed.
 */
import { arraySizeError, refMatrix, scalar, toBool, toNumber, toText } from './coerce.js';
import { ERR, ExcelError, Lambda, Matrix, Ref, RefList, type Ctx, type Scalar, type Value } from './values.js';

/**
 * How a parameter is received:
 * - `number`, `text`, `bool`: coerced scalar; an error argument is returned as the result;
 *   an array argument lifts the call element-wise.
 * - `scalar`: any scalar (not coerced), errors passed through to the implementation;
 *   arrays lift.
 * - `any`: the raw value (a `Ref`, `Matrix`, scalar, ...); for range-taking functions.
 */
export type ParamKind = 'number' | 'text' | 'bool' | 'scalar' | 'any';

export interface FunctionSpec {
  /** Upper-case Excel name, e.g. `SUM`, `STDEV.S`. */
  name: string;
  minArgs: number;
  /** `Infinity` for variadic functions. */
  maxArgs: number;
  /** Kinds of the parameters; the last kind repeats for further arguments. */
  params: ParamKind[];
  /**
   * The implementation. Omitted optional arguments arrive as `undefined`; an empty
   * argument written in the formula (`ROUND(A1,)`) arrives coerced from blank.
   */
  impl: (ctx: Ctx, ...args: any[]) => Value;
  /** Recomputed on every run (NOW, RAND, ...). */
  volatile?: boolean;
  /** Returns a reference (OFFSET, INDEX, INDIRECT): the result is not dereferenced. */
  returnsRef?: boolean;
  /**
   * Calls the engine cannot honour exactly (see `CallRestriction`): the compiler keeps
   * Excel's stored value for such a cell and reports it with the reason, never runs it.
   */
  restrictions?: CallRestriction[];
  /**
   * Compiler facts (the compiler reads them through `functionFacts()`; no list of names
   * is kept anywhere else). `pure`: reads no evaluation context (the calling cell, the
   * clock), so the same arguments give the same value anywhere and a loop may evaluate
   * the call once for many cells.
   */
  pure?: boolean;
  /**
   * Per parameter, `r` when it consumes a whole range (never intersected with the calling
   * cell) and `v` when a range there is intersected or lifted; the last letter repeats, or
   * the parenthesised group at the end (`r(rv)`: SUMIFS's sum range, then pairs).
   */
  ranges?: string;
  /** Per parameter (same pattern), `a` when Excel evaluates it as an array even in a legacy formula. */
  arrays?: string;
  /** Builds a reference from run-time values (OFFSET, INDIRECT): it may read any cell. */
  dynamicReference?: boolean;
  /**
   * A cell calling it is a subtotal (SUBTOTAL, AGGREGATE): SUBTOTAL and AGGREGATE skip
   * such cells in their ranges (the compiler lists them in the spec's `subtotalCells`).
   */
  subtotal?: boolean;
  /**
   * Per parameter (same pattern), `o` when only the reference's address is read, never
   * its cells' values (ROW, ROWS, AREAS, OFFSET's base): a reference there is no
   * precedent, so `=ROW(B5)` in B5 is no circular reference (as in Excel).
   */
  refOnly?: string;
}

/** The facts the compiler needs about one function (see `FunctionSpec`). */
export interface FunctionFacts {
  name: string;
  /** Per parameter: `v` reads a value, `a` takes a reference or range; the last repeats. */
  params: string;
  volatile?: boolean;
  returnsRef?: boolean;
  dynamicReference?: boolean;
  pure?: boolean;
  ranges?: string;
  arrays?: string;
  restrictions?: CallRestriction[];
  subtotal?: boolean;
  refOnly?: string;
  /** The least number of arguments, when above 1 (the arity of `_xleta.NAME`, see etaLambda). */
  minArgs?: number;
}

/**
 * One condition on argument `arg` (0-based) of a call, as the compiler sees it when it
 * binds the formula:
 * - `omitted`: the argument is left out (or written empty);
 * - `otherSheet`: a reference to a sheet other than the formula's own;
 * - `literal`: a constant text equal to one of `texts` (any letter case) or a constant
 *   number among `numbers`;
 * - `contains`: a constant text containing one of `texts` (exact case).
 * Data, not code: the Rust compiler evaluates the same conditions (stages/backfill.rs).
 */
export interface ArgumentTest {
  arg: number;
  test: 'omitted' | 'otherSheet' | 'literal' | 'contains';
  texts?: string[];
  numbers?: number[];
}

/**
 * A call the engine cannot honour exactly: when every condition of `when` holds, the
 * compiler backfills the cell with Excel's stored value and reports `reason` (as for an
 * unsupported function); the engine never runs it.
 */
export interface CallRestriction {
  when: ArgumentTest[];
  reason: string;
}

/**
 * What the compiler knows of an argument when it binds a call: the value of a literal,
 * a reference (on the formula's own sheet or another), something computed at run time,
 * or an argument left out.
 */
export type ArgumentShape =
  | { kind: 'literal'; value: Scalar }
  | { kind: 'reference'; sameSheet: boolean }
  | { kind: 'computed' }
  | { kind: 'omitted' };

/** A registered function as the generated code calls it: `F.SUM(ctx, a, b)`. */
export type CompiledFunction = (ctx: Ctx, ...args: Value[]) => Value;

const specs = new Map<string, FunctionSpec>();
/** The callable table used by generated code. */
export const F: Record<string, CompiledFunction> = Object.create(null);

/** Registers a function; later registrations of the same name replace earlier ones. */
export function define(spec: FunctionSpec): void {
  specs.set(spec.name, spec);
  F[spec.name] = wrap(spec.dynamicReference ? ensuring(spec) : spec);
}

/**
 * A function building references at run time (OFFSET, INDIRECT): before its reference is
 * read, the cells it covers that the run has not computed yet are computed (demand.ts),
 * so it sees their final values whatever the evaluation order.
 */
function ensuring(spec: FunctionSpec): FunctionSpec {
  const impl = spec.impl;
  return {
    ...spec,
    impl: (ctx: Ctx, ...args: unknown[]): Value => {
      const v = impl(ctx, ...args);
      ctx.book.ensure?.(ctx, v);
      return v;
    },
  };
}

/** Shorthand for the common case. */
export function defineFn(
  name: string,
  params: ParamKind[],
  minArgs: number,
  maxArgs: number,
  impl: FunctionSpec['impl'],
  extra: Partial<Pick<FunctionSpec, 'volatile' | 'returnsRef' | 'pure' | 'ranges' | 'arrays' | 'dynamicReference' | 'subtotal' | 'refOnly'>> = {},
): void {
  define({ name, params, minArgs, maxArgs, impl, ...extra });
}

/**
 * Replaces the callable of a registered function with a hand-written entry for its
 * common argument types. `make(general)` returns the entry, which calls the
 * implementation directly when the arguments are what the registry's wrapper would pass
 * unchanged (numbers for number parameters, anything for `any` parameters, no array to
 * lift over) and `general` (the wrapper) otherwise. Why: the wrapper is one function
 * literal shared by every function, so V8 sees hundreds of implementations at its one
 * call site and cannot inline any; each entry is its own literal, with its own type
 * feedback. Worth it for functions that models call once per cell (dates, INDEX).
 */
export function defineEntry(name: string, make: (general: CompiledFunction) => CompiledFunction): void {
  const general = F[name];
  if (!general) throw new Error(`defineEntry: ${name} is not registered`);
  F[name] = make(general);
}

/** Declares calls of a registered function that the compiler must backfill (see `CallRestriction`). */
export function restrict(name: string, restrictions: CallRestriction[]): void {
  const spec = specs.get(name);
  if (!spec) throw new Error(`restrict: ${name} is not registered`);
  spec.restrictions = [...(spec.restrictions ?? []), ...restrictions];
}

/** Whether one condition holds for an argument of this shape (`undefined`: not given). */
function argumentPasses(t: ArgumentTest, a: ArgumentShape | undefined): boolean {
  switch (t.test) {
    case 'omitted':
      return a === undefined || a.kind === 'omitted';
    case 'otherSheet':
      return a?.kind === 'reference' && !a.sameSheet;
    case 'literal':
      if (a?.kind !== 'literal') return false;
      if (typeof a.value === 'number') return (t.numbers ?? []).includes(a.value);
      return typeof a.value === 'string' && (t.texts ?? []).some((x) => x.toLowerCase() === (a.value as string).toLowerCase());
    case 'contains':
      return a?.kind === 'literal' && typeof a.value === 'string' && (t.texts ?? []).some((x) => (a.value as string).includes(x));
  }
}

/**
 * Why a call of `name` with arguments of these shapes is backfilled by the compiler, or
 * undefined when the engine runs it (or when the function is not registered: that is
 * reported separately). The same evaluation as the compiler's over the same declared
 * restrictions: the first whose conditions all hold gives the reason.
 */
export function unsupportedCall(name: string, args: readonly ArgumentShape[]): string | undefined {
  const spec = specs.get(name.toUpperCase());
  return spec?.restrictions?.find((r) => r.when.every((t) => argumentPasses(t, args[t.arg])))?.reason;
}

/** Names of the functions with declared restrictions. */
export function restrictedFunctions(): string[] {
  return [...specs.values()].filter((s) => s.restrictions?.length).map((s) => s.name).sort();
}

export function functionSpec(name: string): FunctionSpec | undefined {
  return specs.get(name.toUpperCase());
}

/** Names of every implemented function, sorted. */
export function supportedFunctions(): string[] {
  return [...specs.keys()].sort();
}

/**
 * What the compiler needs to know about every implemented function, from the specs
 * (the one place these facts are declared). `params`: per parameter, `v` when it reads a
 * value (a single cell can be passed as a plain value) or `a` when it takes references;
 * every parameter of a reference-returning function is `a`.
 */
export function functionFacts(): FunctionFacts[] {
  return supportedFunctions().map((name) => {
    const s = specs.get(name)!;
    const params = s.returnsRef ? s.params.map(() => 'a') : s.params.map((k) => (k === 'any' ? 'a' : 'v'));
    const facts: FunctionFacts = { name, params: params.join('') };
    if (s.volatile) facts.volatile = true;
    if (s.returnsRef) facts.returnsRef = true;
    if (s.dynamicReference) facts.dynamicReference = true;
    if (s.pure) facts.pure = true;
    if (s.ranges) facts.ranges = s.ranges;
    if (s.arrays) facts.arrays = s.arrays;
    if (s.restrictions?.length) facts.restrictions = s.restrictions;
    if (s.subtotal) facts.subtotal = true;
    if (s.refOnly) facts.refOnly = s.refOnly;
    if (s.minArgs > 1) facts.minArgs = s.minArgs;
    return facts;
  });
}

function kindAt(spec: FunctionSpec, i: number): ParamKind {
  return spec.params[Math.min(i, spec.params.length - 1)] ?? 'any';
}

/** True when the argument must lift the call over its elements. */
function isArrayArg(v: Value, ctx: Ctx): boolean {
  if (v instanceof Matrix) return true;
  if (v instanceof Ref) return !v.isCell && ctx.array;
  return false;
}

function coerceArg(kind: ParamKind, v: Value, ctx: Ctx): Value | ExcelError {
  if (v === undefined) return undefined as unknown as Value;
  if (kind === 'any') return v;
  const s = scalar(v, ctx);
  switch (kind) {
    case 'number':
      return toNumber(s);
    case 'text':
      return toText(s);
    case 'bool':
      return toBool(s);
    default:
      return s;
  }
}

/**
 * The callable for a spec. Generated code calls functions with their arguments written
 * out (`F.SUM(x, a, b)`), so the wrapper takes up to four arguments as parameters and
 * reads the count from `arguments.length`: no rest array, no coerced-arguments array and
 * no spread per call in the common case (these allocations were a large part of the
 * run-time garbage). More arguments take the general path.
 */
function wrap(spec: FunctionSpec): CompiledFunction {
  const { minArgs, maxArgs, impl } = spec;
  const allAny = spec.params.every((k) => k === 'any');
  const propagates = (k: ParamKind) => k === 'number' || k === 'text' || k === 'bool';
  const kinds = [0, 1, 2, 3].map((i) => kindAt(spec, i));
  const [k0, k1, k2, k3] = kinds as [ParamKind, ParamKind, ParamKind, ParamKind];
  const [p0, p1, p2, p3] = kinds.map(propagates) as [boolean, boolean, boolean, boolean];

  /** The general path: any number of arguments in an array. */
  function general(ctx: Ctx, args: Value[]): Value {
    if (args.length < minArgs || args.length > maxArgs) return ERR.VALUE;
    if (allAny) return finite(impl(ctx, ...args));
    // Lifting: a scalar parameter given an array maps the call over the array.
    for (let i = 0; i < args.length; i++) {
      if (kindAt(spec, i) !== 'any' && isArrayArg(args[i]!, ctx)) return lift(spec, call, ctx, args);
    }
    const coerced = new Array(args.length);
    for (let i = 0; i < args.length; i++) {
      const kind = kindAt(spec, i);
      const c = coerceArg(kind, args[i]!, ctx);
      if (c instanceof ExcelError && propagates(kind)) return c;
      coerced[i] = c;
    }
    return finite(impl(ctx, ...coerced));
  }

  const call = allAny
    ? function call(ctx: Ctx, a?: Value, b?: Value, c?: Value, d?: Value): Value {
        const n = arguments.length - 1;
        if (n < minArgs || n > maxArgs) return ERR.VALUE;
        switch (n) {
          case 0:
            return finite(impl(ctx));
          case 1:
            return finite(impl(ctx, a));
          case 2:
            return finite(impl(ctx, a, b));
          case 3:
            return finite(impl(ctx, a, b, c));
          case 4:
            return finite(impl(ctx, a, b, c, d));
          default:
            return finite(impl.apply(undefined, arguments as unknown as [Ctx, ...Value[]]));
        }
      }
    : function call(ctx: Ctx, a?: Value, b?: Value, c?: Value, d?: Value): Value {
        const n = arguments.length - 1;
        if (n > 4) return general(ctx, Array.prototype.slice.call(arguments, 1) as Value[]);
        if (n < minArgs || n > maxArgs) return ERR.VALUE;
        // Lifting: a scalar parameter given an array maps the call over the array.
        if (
          (n > 0 && k0 !== 'any' && isArrayArg(a!, ctx)) ||
          (n > 1 && k1 !== 'any' && isArrayArg(b!, ctx)) ||
          (n > 2 && k2 !== 'any' && isArrayArg(c!, ctx)) ||
          (n > 3 && k3 !== 'any' && isArrayArg(d!, ctx))
        ) {
          return lift(spec, call, ctx, [a, b, c, d].slice(0, n) as Value[]);
        }
        if (n > 0) {
          a = coerceArg(k0, a!, ctx);
          if (p0 && a instanceof ExcelError) return a;
        }
        if (n > 1) {
          b = coerceArg(k1, b!, ctx);
          if (p1 && b instanceof ExcelError) return b;
        }
        if (n > 2) {
          c = coerceArg(k2, c!, ctx);
          if (p2 && c instanceof ExcelError) return c;
        }
        if (n > 3) {
          d = coerceArg(k3, d!, ctx);
          if (p3 && d instanceof ExcelError) return d;
        }
        switch (n) {
          case 0:
            return finite(impl(ctx));
          case 1:
            return finite(impl(ctx, a));
          case 2:
            return finite(impl(ctx, a, b));
          case 3:
            return finite(impl(ctx, a, b, c));
          default:
            return finite(impl(ctx, a, b, c, d));
        }
      };
  return call as CompiledFunction;
}

/** A NaN or infinite number is #NUM!: no function returns one (Excel has no such values). */
export function finite(r: Value): Value {
  return typeof r === 'number' && !Number.isFinite(r) ? ERR.NUM : r;
}

/** Broadcasts the call over array arguments (1×N and N×1 stretch; mismatches give #N/A). */
function lift(spec: FunctionSpec, call: CompiledFunction, ctx: Ctx, args: Value[]): Value {
  let rows = 1;
  let cols = 1;
  const mats: (Matrix | null)[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (kindAt(spec, i) === 'any' || !isArrayArg(a, ctx)) {
      mats.push(null);
      continue;
    }
    const m = a instanceof Matrix ? a : refMatrix(a as Ref);
    if (m instanceof ExcelError) return m;
    rows = Math.max(rows, m.rows);
    cols = Math.max(cols, m.cols);
    mats.push(m);
  }
  // The result's size is checked before it is allocated (see arraySizeError).
  const tooLarge = arraySizeError(rows, cols);
  if (tooLarge) return tooLarge;
  const out: Scalar[] = new Array(rows * cols);
  const inner = args.slice();
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let na = false;
      for (let k = 0; k < args.length; k++) {
        const m = mats[k];
        if (!m) continue;
        const ii = m.rows === 1 ? 0 : i;
        const jj = m.cols === 1 ? 0 : j;
        if (ii >= m.rows || jj >= m.cols) {
          na = true;
          break;
        }
        inner[k] = m.get(ii, jj);
      }
      const r = na ? ERR.NA : call(ctx, ...inner);
      out[i * cols + j] = r instanceof Matrix ? r.get(0, 0) : scalar(r, ctx);
    }
  }
  return new Matrix(rows, cols, out);
}

/**
 * An eta-reduced function as a LAMBDA value: what Excel writes `_xleta.SUM` for when a
 * function name is passed where a LAMBDA is expected (GROUPBY(..., SUM), MAP(..., ABS)).
 * The compiler emits `etaLambda(ctx, "SUM")`. Its arity is the function's least number of
 * arguments, at least 1 and at most 2 (PERCENTOF takes the subset and the whole).
 */
export function etaLambda(ctx: Ctx, name: string): Lambda | ExcelError {
  const spec = specs.get(name.toUpperCase());
  const fn = F[name.toUpperCase()];
  if (!spec || !fn) return ERR.NAME;
  const arity = Math.min(2, Math.max(1, spec.minArgs));
  return new Lambda(arity, (...args: Value[]) => fn(ctx, ...args));
}

/** The areas of a reference-like argument (a union gives several). */
export function areasOf(v: Value): Ref[] | null {
  if (v instanceof Ref) return [v];
  if (v instanceof RefList) return v.areas;
  return null;
}
