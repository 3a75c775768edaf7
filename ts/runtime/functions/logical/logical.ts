/**
 * The logical functions not in basic.ts: IFS, SWITCH, XOR, TRUE, FALSE, IFNA (the general
 * case; the compiler inlines the scalar form lazily) and ISOMITTED.
 *
 * IFS and SWITCH receive every argument already evaluated: an error in a branch that Excel
 * would not evaluate is simply never looked at. Their parameters are `scalar`, so the
 * registry lifts them element-wise over array arguments (and multi-cell references in an
 * array formula), which is how Excel lifts them.
 */
import { forEachValue } from '../../aggregate.js';
import { toBool } from '../../coerce.js';
import { compareScalars } from '../../ops.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, type Scalar, type Value } from '../../values.js';

/**
 * IFS(cond1, value1, cond2, value2, ...): the value of the first TRUE condition. A condition
 * that is an error returns it (conditions are met in order, so an error after the first TRUE
 * condition is never seen); text other than "TRUE"/"FALSE" is #VALUE!; blank is FALSE; no
 * TRUE condition gives #N/A.
 */
defineFn('IFS', ['scalar'], 2, 254, (_ctx, ...args: Scalar[]) => {
  if (args.length % 2 !== 0) return ERR.VALUE; // Excel refuses such a formula at entry
  for (let i = 0; i < args.length; i += 2) {
    const c = args[i]!;
    if (c instanceof ExcelError) return c;
    const b = toBool(c);
    if (b instanceof ExcelError) return b;
    if (b) return args[i + 1]!;
  }
  return ERR.NA;
});

/**
 * SWITCH(expression, value1, result1, ..., [default]): the result paired with the first
 * value equal to the expression (Excel's `=`: case-insensitive text, blank equal to 0 / "").
 * An error expression, or an error value met before a match, is returned.
 */
defineFn('SWITCH', ['scalar'], 3, 254, (_ctx, expr: Scalar, ...rest: Scalar[]) => {
  if (expr instanceof ExcelError) return expr;
  const pairs = Math.floor(rest.length / 2);
  for (let k = 0; k < pairs; k++) {
    const v = rest[2 * k]!;
    if (v instanceof ExcelError) return v;
    if (compareScalars(expr, v) === 0) return rest[2 * k + 1]!;
  }
  return rest.length % 2 === 1 ? rest[rest.length - 1]! : ERR.NA;
});

/**
 * XOR: TRUE when an odd number of the values are TRUE. Reads values like AND/OR: booleans
 * and numbers count; in references and arrays text and blanks are skipped; text typed as
 * an argument counts only when it is "TRUE"/"FALSE" (other text, "" included, is skipped:
 * XOR("", TRUE) is TRUE in Excel); an omitted argument is FALSE; errors propagate; nothing
 * to count is #VALUE!.
 */
defineFn('XOR', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  let seen = false;
  let odd = false;
  let err: ExcelError | null = null;
  forEachValue(args, (v, direct) => {
    let b: boolean | null = null;
    if (v instanceof ExcelError) {
      err = v;
      return false;
    }
    if (typeof v === 'boolean') b = v;
    else if (typeof v === 'number') b = v !== 0;
    else if (direct && typeof v === 'string') {
      const t = toBool(v);
      if (typeof t === 'boolean') b = t;
    } else if (direct && v === null) b = false;
    if (b !== null) {
      seen = true;
      if (b) odd = !odd;
    }
    return true;
  });
  if (err) return err;
  return seen ? odd : ERR.VALUE;
});

defineFn('TRUE', [], 0, 0, () => true);
defineFn('FALSE', [], 0, 0, () => false);

/** IFNA as a function (array arguments lift); the compiler inlines the lazy scalar form. */
defineFn('IFNA', ['scalar', 'scalar'], 2, 2, (_ctx, v: Scalar, alt: Scalar) => (v === ERR.NA ? alt : v));

/**
 * ISOMITTED(param) inside a LAMBDA: the generated code passes `undefined` for a parameter
 * the call left out and `null` for an empty argument (`f(1,)`), and never `null` for a
 * supplied reference or value, so both mean "omitted".
 */
defineFn('ISOMITTED', ['any'], 1, 1, (_ctx, v?: Value) => v === undefined || v === null);
