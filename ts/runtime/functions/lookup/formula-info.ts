/** Functions that ask the workbook about its cells rather than their values. */
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, Ref, RefList, type Ctx, type Value } from '../../values.js';

/**
 * FORMULATEXT(ref): the formula of the referenced cell (top-left of an area) as Excel
 * shows it, `=` included; #N/A for a cell without one. The compiler looks the texts up
 * (the engine holds only those FORMULATEXT points at) and keeps the argument out of the
 * dependency graph: the call reads a formula, not a value.
 */
defineFn('FORMULATEXT', ['any'], 1, 1, (ctx: Ctx, v: Value) => {
  const ref = v instanceof RefList ? v.areas[0] : v;
  if (v instanceof ExcelError) return v;
  if (!(ref instanceof Ref)) return ERR.VALUE;
  return ctx.book.formulaText?.(ref.sheet.index, ref.r0, ref.c0) ?? ERR.NA;
});

/** ISFORMULA(ref): whether the referenced cell (top-left of an area) holds a formula. */
defineFn('ISFORMULA', ['any'], 1, 1, (ctx: Ctx, v: Value) => {
  const ref = v instanceof RefList ? v.areas[0] : v;
  if (!(ref instanceof Ref)) return ERR.VALUE;
  if (!ctx.book.isFormula) return ERR.NA;
  return ctx.book.isFormula(ref.sheet.index, ref.r0, ref.c0);
}, { refOnly: 'o' });
