/**
 * `find(model, text)`: cells by the labels a reader sees beside them (labels.ts ranks
 * them), each with its formula (from the explain index) and its value (one run of the
 * engine; a lazy engine loads only the cells found).
 */
import { SheetcError } from '../errors.js';
import type { FindOptions, FindResult, FoundCell } from '../types.js';
import { valueOf, type WhatIfModel } from './model.js';




export async function find(model: WhatIfModel, text: string, options: FindOptions = {}): Promise<FindResult> {
  if (typeof text !== 'string' || !text.trim()) throw new SheetcError('E_INVALID_OPTION', 'find needs the text of a label');
  const limit = options.limit ?? 20;
  if (!(limit >= 1)) throw new SheetcError('E_INVALID_OPTION', 'limit must be at least 1');
  const { hits, total } = model.labels().search(text, Math.floor(limit));
  const formulas = model.formulas();
  const cells: FoundCell[] = hits.map((h) => {
    const ref = model.refOf({ sheet: h.sheet, r0: h.row, c0: h.col, r1: h.row, c1: h.col });
    const computed = formulas.shapeAt(h.sheet, h.row, h.col);
    const found: FoundCell = { ref, labels: h.labels, score: h.score, kind: computed ? 'formula' : 'input' };
    if (computed) found.formula = formulas.formulaAt(computed.shape, computed.anchor[0], computed.anchor[1]);
    return found;
  });
  if (cells.length) {
    const result = await model.evaluate(options.inputs ?? {}, cells.map((c) => c.ref), options.runOptions);
    for (const c of cells) {
      const v = valueOf(result, c.ref);
      if ('value' in v) c.value = v.value;
      else c.note = v.unavailable;
    }
  }
  return { query: text, total, cells };
}
