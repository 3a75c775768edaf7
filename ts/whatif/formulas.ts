/**
 * Reading the explain index (`explain.json`): which shape computes a cell, its formula
 * as written there, the rectangles it reads, and which cells read a given cell (its
 * direct dependents), solved per rectangle of cells sharing a shape: a reference moves
 * linearly along such a rectangle, so the cells of it that read a target form a
 * rectangle too. Nothing here loads the model.
 */
import { columnName } from '../runtime/address.js';
import type { ExplainFile, ShapeEntry, TemplatePart } from './files.js';

/** Cells on one sheet, zero-based and inclusive. */
export interface Rect {
  sheet: number;
  r0: number;
  c0: number;
  r1: number;
  c1: number;
}

const LAST_ROW = 1048575;
const LAST_COL = 16383;

export function contains(a: Rect, sheet: number, r: number, c: number): boolean {
  return a.sheet === sheet && a.r0 <= r && r <= a.r1 && a.c0 <= c && c <= a.c1;
}

export function area(a: Rect): number {
  return (a.r1 - a.r0 + 1) * (a.c1 - a.c0 + 1);
}

function rects(flat: number[], stride: number): (Rect & { tag: number })[] {
  const out: (Rect & { tag: number })[] = [];
  for (let i = 0; i + stride <= flat.length; i += stride) {
    out.push({ sheet: flat[i]!, r0: flat[i + 1]!, c0: flat[i + 2]!, r1: flat[i + 3]!, c1: flat[i + 4]!, tag: stride > 5 ? flat[i + 5]! : 0 });
  }
  return out;
}

/** Renders a shape's template at a cell: the formula as written there. */
export function renderFormula(parts: TemplatePart[], row: number, col: number): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const [kind, r, c] = p;
    if (kind & 2) out += (kind & 8 ? '$' : '') + columnName(kind & 8 ? c : col + c);
    if (kind & 1) out += (kind & 4 ? '$' : '') + String((kind & 4 ? r : row + r) + 1);
  }
  return out;
}

/** A shape's reference, with its coordinates relative or not. */
interface RefTemplate {
  sheet: number;
  rel: number;
  v: [number, number, number, number];
}

function refTemplates(shape: ShapeEntry): RefTemplate[] {
  const out: RefTemplate[] = [];
  const f = shape.refs;
  for (let i = 0; i + 6 <= f.length; i += 6) out.push({ sheet: f[i]!, rel: f[i + 1]!, v: [f[i + 2]!, f[i + 3]!, f[i + 4]!, f[i + 5]!] });
  return out;
}

/** A reference at a cell; null when it falls off the sheet. */
function refAt(t: RefTemplate, row: number, col: number): Rect | null {
  const at = (i: number, base: number) => (t.rel & (1 << i) ? base + t.v[i]! : t.v[i]!);
  const a = at(0, row);
  const b = at(1, col);
  const c = at(2, row);
  const d = at(3, col);
  if (Math.min(a, c) < 0 || Math.max(a, c) > LAST_ROW || Math.min(b, d) < 0 || Math.max(b, d) > LAST_COL) return null;
  return { sheet: t.sheet, r0: Math.min(a, c), c0: Math.min(b, d), r1: Math.max(a, c), c1: Math.max(b, d) };
}

/**
 * The positions `p` in `[lo, hi]` where `target` lies between the reference's two ends
 * along one axis, each end a position (`rel` false) or `p` plus an offset.
 */
function solveAxis(lo: number, hi: number, target: number, e0: [boolean, number], e1: [boolean, number]): [number, number] | null {
  let from = lo;
  let to = hi;
  const [rel0, v0] = e0;
  const [rel1, v1] = e1;
  if (!rel0 && !rel1) return Math.min(v0, v1) <= target && target <= Math.max(v0, v1) ? [lo, hi] : null;
  if (rel0 && rel1) {
    // p + min(v0, v1) <= target <= p + max(v0, v1)
    from = Math.max(from, target - Math.max(v0, v1));
    to = Math.min(to, target - Math.min(v0, v1));
  } else {
    // One end is fixed at v, the other moves with p (offset d): target between them.
    const v = rel0 ? v1 : v0;
    const d = rel0 ? v0 : v1;
    if (v > target) to = Math.min(to, target - d); // moving end must be <= target
    else if (v < target) from = Math.max(from, target - d); // moving end must be >= target
  }
  return from <= to ? [from, to] : null;
}

/** The union's cell count of a few rectangles (coordinate compression). */
function unionArea(list: Rect[]): number {
  if (list.length === 1) return area(list[0]!);
  const rows = [...new Set(list.flatMap((r) => [r.r0, r.r1 + 1]))].sort((a, b) => a - b);
  const cols = [...new Set(list.flatMap((r) => [r.c0, r.c1 + 1]))].sort((a, b) => a - b);
  let total = 0;
  for (let i = 0; i + 1 < rows.length; i++) {
    for (let j = 0; j + 1 < cols.length; j++) {
      const r = rows[i]!;
      const c = cols[j]!;
      if (list.some((x) => x.r0 <= r && r <= x.r1 && x.c0 <= c && c <= x.c1)) total += (rows[i + 1]! - r) * (cols[j + 1]! - c);
    }
  }
  return total;
}

/** The explain index, decoded once. */
export class FormulaIndex {
  private readonly cellRects: (Rect & { tag: number })[];
  private readonly arrayRects: Rect[];
  private readonly clusterRects: Rect[][];
  private readonly templates: RefTemplate[][];
  /** Per sheet, the cell rectangles sorted by first row (for lookups). */
  private readonly bySheet: Map<number, (Rect & { tag: number })[]>;

  constructor(readonly file: ExplainFile) {
    this.cellRects = rects(file.cells, 6);
    this.arrayRects = rects(file.arrays, 5);
    this.clusterRects = file.clusters.map((c) => rects(c, 5));
    this.templates = file.shapes.map(refTemplates);
    this.bySheet = new Map();
    for (const r of this.cellRects) {
      const list = this.bySheet.get(r.sheet) ?? [];
      list.push(r);
      this.bySheet.set(r.sheet, list);
    }
  }

  /** The shape computing the cell (an array member: its anchor's), and the anchor. */
  shapeAt(sheet: number, row: number, col: number): { shape: number; anchor: [number, number] } | null {
    const array = this.arrayRects.find((a) => contains(a, sheet, row, col));
    const [r, c] = array ? [array.r0, array.c0] : [row, col];
    const hit = (this.bySheet.get(sheet) ?? []).find((x) => contains(x, sheet, r, c));
    return hit ? { shape: hit.tag, anchor: [r, c] } : null;
  }

  shape(i: number): ShapeEntry {
    return this.file.shapes[i]!;
  }

  /** The array formula range holding the cell, if any. */
  arrayAt(sheet: number, row: number, col: number): Rect | null {
    return this.arrayRects.find((a) => contains(a, sheet, row, col)) ?? null;
  }

  /** The formula as written at the cell. */
  formulaAt(shape: number, row: number, col: number): string {
    return renderFormula(this.file.shapes[shape]!.f, row, col);
  }

  /** The rectangles the shape reads at the cell (off-sheet references left out). */
  precedentsAt(shape: number, row: number, col: number): Rect[] {
    const out: Rect[] = [];
    for (const t of this.templates[shape]!) {
      const r = refAt(t, row, col);
      if (r) out.push(r);
    }
    return out;
  }

  /** The circular cluster holding the cell: its index and cell count. */
  clusterOf(sheet: number, row: number, col: number): { index: number; cells: number } | null {
    const i = this.clusterRects.findIndex((list) => list.some((r) => contains(r, sheet, row, col)));
    if (i < 0) return null;
    return { index: i, cells: this.clusterRects[i]!.reduce((n, r) => n + area(r), 0) };
  }

  /**
   * The formula cells that read the cell directly: their count and rectangles (an array
   * formula counts once, as its anchor). Solved per rectangle of one shape and per
   * reference, without visiting cells.
   */
  dependentsOf(sheet: number, row: number, col: number): { count: number; rects: Rect[] } {
    let count = 0;
    const found: Rect[] = [];
    for (const cells of this.cellRects) {
      const hits: Rect[] = [];
      for (const t of this.templates[cells.tag]!) {
        if (t.sheet !== sheet) continue;
        const rows = solveAxis(cells.r0, cells.r1, row, [(t.rel & 1) !== 0, t.v[0]], [(t.rel & 4) !== 0, t.v[2]]);
        if (!rows) continue;
        const cols = solveAxis(cells.c0, cells.c1, col, [(t.rel & 2) !== 0, t.v[1]], [(t.rel & 8) !== 0, t.v[3]]);
        if (!cols) continue;
        hits.push({ sheet: cells.sheet, r0: rows[0], c0: cols[0], r1: rows[1], c1: cols[1] });
      }
      if (!hits.length) continue;
      count += unionArea(hits);
      found.push(...hits);
    }
    return { count, rects: found };
  }

  /** Whether a cell is computed (a formula cell or an array member). */
  isFormula(sheet: number, row: number, col: number): boolean {
    return this.shapeAt(sheet, row, col) !== null;
  }

  /** Formula cells as rectangles of one shape. */
  formulaRects(): readonly (Rect & { tag: number })[] {
    return this.cellRects;
  }
}
