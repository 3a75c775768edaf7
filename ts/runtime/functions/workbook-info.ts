/** Functions that ask the workbook about its cells rather than their values. */
import { defineFn } from '../registry.js';
import { ERR, Ref, RefList, type Ctx, type Value } from '../values.js';

/** ISFORMULA(ref): whether the referenced cell (top-left of an area) holds a formula. */
defineFn('ISFORMULA', ['any'], 1, 1, (ctx: Ctx, v: Value) => {
  const ref = v instanceof RefList ? v.areas[0] : v;
  if (!(ref instanceof Ref)) return ERR.VALUE;
  if (!ctx.book.isFormula) return ERR.NA;
  return ctx.book.isFormula(ref.sheet.index, ref.r0, ref.c0);
});
