/**
 * Registration helper for the functions that came from Excel's Analysis ToolPak
 * (EFFECT, CUMIPMT, DOLLARDE, the T-bill and coupon functions...): their numeric
 * arguments reject booleans with #VALUE! (corpus: EFFECT(10, TRUE) is #VALUE!), unlike
 * the built-in functions such as PMT that read TRUE as 1.
 */
import { toNumber } from '../../coerce.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, type Ctx, type Scalar, type Value } from '../../values.js';

/** A numeric argument of an ATP function: booleans are #VALUE!, errors propagate. */
export function coerceAtp(v: Scalar | undefined): number | ExcelError | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return ERR.VALUE;
  return toNumber(v);
}

/** Registers a function whose arguments are all ATP numbers (omitted ones stay undefined). */
export function defineAtp(name: string, minArgs: number, maxArgs: number, impl: (ctx: Ctx, ...args: any[]) => Value): void {
  defineFn(name, ['scalar'], minArgs, maxArgs, (ctx, ...args: Scalar[]) => {
    const nums = new Array<number | undefined>(args.length);
    for (let i = 0; i < args.length; i++) {
      const n = coerceAtp(args[i]);
      if (n instanceof ExcelError) return n;
      nums[i] = n;
    }
    return impl(ctx, ...nums);
  });
}
