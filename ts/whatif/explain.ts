/**
 * `explain(model, ref)`: a cell as an auditor reads it — its formula as written, its
 * labels, each precedent with its label and value, how many cells read it, whether it
 * is in a circular cluster, backfilled or a data table cell; `depth` walks the
 * precedents as a tree. Formulas and precedents come from the explain index (no model
 * loaded); values from one run of the engine (a lazy engine loads only what is shown).
 */
import { SheetcError } from '../errors.js';
import type { JsonValue } from '../runtime/engine.js';
import type { Explanation, ExplainOptions, Precedent } from '../types.js';
import { area, type Rect } from './formulas.js';
import { valueOf, type WhatIfModel } from './model.js';





const PREVIEW = 5;

interface Pending {
  ref: string;
  set: (v: JsonValue | undefined, note?: string) => void;
}

/** Explains a cell (see the module comment). */
export async function explain(model: WhatIfModel, ref: string, options: ExplainOptions = {}): Promise<Explanation> {
  const depth = Math.max(1, Math.floor(options.depth ?? 1));
  const target = model.resolve(ref);
  if (target.r0 !== target.r1 || target.c0 !== target.c1) throw new SheetcError('E_INVALID_OPTION', `explain needs one cell, got the range "${ref}"`);
  const pending: Pending[] = [];
  const budget = { left: options.maxCells ?? 200 };
  const seen = new Set<string>();
  const root = describe(model, target, depth, pending, budget, seen);
  // One run gives every value shown.
  const refs = [...new Set(pending.map((p) => p.ref))];
  const result = await model.evaluate(options.inputs ?? {}, refs, options.runOptions);
  for (const p of pending) {
    const v = valueOf(result, p.ref);
    if ('value' in v) p.set(v.value);
    else p.set(undefined, v.unavailable);
  }
  return root;
}

function describe(model: WhatIfModel, cell: Rect, depth: number, pending: Pending[], budget: { left: number }, seen: Set<string>): Explanation {
  budget.left--;
  const ref = model.refOf(cell);
  seen.add(ref);
  const { sheet, r0: row, c0: col } = cell;
  const formulas = model.formulas();
  const labels = model.labels();
  const out: Explanation = { ref, kind: 'constant', labels: labels.labelsOf(sheet, row, col), precedents: [], dependents: { count: 0, ranges: [] } };
  pending.push({
    ref,
    set: (v, note) => {
      if (v !== undefined) out.value = v;
      if (note) out.note = note;
      if (out.kind === 'constant' && v === null) out.kind = 'empty';
    },
  });
  const deps = formulas.dependentsOf(sheet, row, col);
  out.dependents = { count: deps.count, ranges: deps.rects.slice(0, 20).map((r) => model.refOf(r)) };
  const cluster = formulas.clusterOf(sheet, row, col);
  if (cluster) out.circular = { cluster: cluster.index, cells: cluster.cells };

  let precedents: Rect[] = [];
  const sheetName = model.spec.sheets[sheet]!.name;
  const a1 = ref.slice(ref.lastIndexOf('!') + 1);
  const backfill = model.manifest.backfilled.find((b) => b.sheet === sheetName && b.cell === a1);
  const table = (model.spec.dataTables ?? []).find((t) => t.sheet === sheet && t.area[0] <= row && row <= t.area[2] && t.area[1] <= col && col <= t.area[3]);
  const computed = formulas.shapeAt(sheet, row, col);
  if (backfill) {
    out.kind = 'backfilled';
    out.formula = `=${backfill.formula}`;
    out.backfilled = { code: backfill.code, reason: backfill.reason };
  } else if (table) {
    out.kind = 'data-table';
    const [r0, c0] = table.area;
    const at = (r: number, c: number): Rect => ({ sheet, r0: r, c0: c, r1: r, c1: c });
    const rowIn = table.rowInput ? model.refOf(at(table.rowInput[0], table.rowInput[1])) : undefined;
    const colIn = table.colInput ? model.refOf(at(table.colInput[0], table.colInput[1])) : undefined;
    const local = (r: string | undefined) => (r ? r.slice(r.lastIndexOf('!') + 1) : '');
    out.formula = `{=TABLE(${local(rowIn)},${local(colIn)})}`;
    out.dataTable = {};
    if (rowIn) out.dataTable.rowInput = rowIn;
    if (colIn) out.dataTable.colInput = colIn;
    // The formula re-run, and the header values substituted.
    if (rowIn && colIn) precedents = [at(r0 - 1, c0 - 1), at(r0 - 1, col), at(row, c0 - 1)];
    else if (colIn) precedents = [at(r0 - 1, col), at(row, c0 - 1)];
    else precedents = [at(row, c0 - 1), at(r0 - 1, col)];
  } else if (computed) {
    const array = formulas.arrayAt(sheet, row, col);
    const [ar, ac] = computed.anchor;
    const text = formulas.formulaAt(computed.shape, ar, ac);
    if (array && (ar !== row || ac !== col)) {
      out.kind = 'array-member';
      out.array = { range: model.refOf(array), anchor: model.refOf({ sheet, r0: ar, c0: ac, r1: ar, c1: ac }) };
    } else out.kind = 'formula';
    out.formula = array ? `{${text}}` : text;
    if (formulas.shape(computed.shape).dynamic) out.dynamicReferences = true;
    precedents = formulas.precedentsAt(computed.shape, ar, ac);
  }
  for (const p of precedents) {
    const pref = model.refOf(p);
    const entry: Precedent = { ref: pref, cells: area(p), labels: labels.labelsOf(p.sheet, p.r0, p.c0) };
    out.precedents.push(entry);
    if (entry.cells === 1) {
      pending.push({ ref: pref, set: (v) => v !== undefined && (entry.value = v) });
      const isFormula = formulas.isFormula(p.sheet, p.r0, p.c0);
      if (depth > 1 && isFormula && !seen.has(pref) && budget.left > 0) entry.explanation = describe(model, p, depth - 1, pending, budget, seen);
    } else {
      const cells: string[] = [];
      for (let r = p.r0; r <= p.r1 && cells.length < PREVIEW; r++) {
        for (let c = p.c0; c <= p.c1 && cells.length < PREVIEW; c++) cells.push(model.refOf({ sheet: p.sheet, r0: r, c0: c, r1: r, c1: c }));
      }
      const values: (JsonValue | undefined)[] = new Array(cells.length);
      cells.forEach((c, i) =>
        pending.push({
          ref: c,
          set: (v) => {
            values[i] = v;
            if (values.every((x, k) => k >= cells.length || x !== undefined)) entry.values = values as JsonValue[];
          },
        }),
      );
    }
  }
  return out;
}
