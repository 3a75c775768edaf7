/**
 * A sheet's heat map: its used range, one colour per kind of cell, drawn from the
 * run-length encoding (one rectangle per run of a group of identical rows, never one
 * per cell). Kinds are drawn in order of importance, each run at least one pixel, so
 * a backfilled cell stays visible however far out the view is; differences from Excel
 * and a profile's inputs and outputs are drawn over them.
 */
import { KINDS, OVERLAYS } from '../palette.js';
import type { PageSheet } from '../types.js';
import type { Drawing, View } from './viewer.js';

/** Drawing order: least telling first (later kinds paint over earlier ones). */
const ORDER = [5, 1, 2, 4, 3];
const COLOR = new Map<number, string>(KINDS.map((k) => [k.code, k.color]));
const NAME = new Map<number, string>(KINDS.map((k) => [k.code, k.name]));

function columnName(c: number): string {
  let s = '';
  for (let n = c + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** The encoding's groups, indexed for lookups by row. */
interface Groups {
  /** Per group: first row (blocks), repeat, offset of its first run in `runs`, run count. */
  row: Int32Array;
  repeat: Int32Array;
  at: Int32Array;
  count: Int32Array;
}

function index(runs: number[]): Groups {
  const rows: number[] = [];
  const repeats: number[] = [];
  const ats: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i + 2 < runs.length; ) {
    const k = runs[i + 2]!;
    rows.push(runs[i]!);
    repeats.push(runs[i + 1]!);
    ats.push(i + 3);
    counts.push(k);
    i += 3 + 3 * k;
  }
  return { row: Int32Array.from(rows), repeat: Int32Array.from(repeats), at: Int32Array.from(ats), count: Int32Array.from(counts) };
}

/** The first group that ends after block row `r`. */
function firstGroupFrom(g: Groups, r: number): number {
  let lo = 0;
  let hi = g.row.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (g.row[mid]! + g.repeat[mid]! <= r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class HeatMap implements Drawing {
  readonly width: number;
  readonly height: number;
  readonly maxScale = 40;
  readonly uniform = false;
  readonly readableScale = 0;
  private readonly groups: Groups;
  /** Differences as a set of `row * 16384 + col` (sheet coordinates), for hover. */
  private readonly mismatched: Set<number>;

  constructor(private readonly sheet: PageSheet) {
    this.width = Math.max(sheet.cols, 1);
    this.height = Math.max(sheet.rows, 1);
    this.groups = index(sheet.runs);
    this.mismatched = new Set();
    for (let i = 0; i + 1 < sheet.mismatches.length; i += 2) this.mismatched.add(sheet.mismatches[i]! * 16384 + sheet.mismatches[i + 1]!);
  }

  heightFor(cssWidth: number): number {
    const s = Math.min(cssWidth / this.width, 14);
    return Math.max(72, Math.min(360, this.height * s));
  }

  draw(ctx: CanvasRenderingContext2D, v: View, w: number, h: number): void {
    const sheet = this.sheet;
    const b = sheet.scale;
    // Screen pixels per block, across and down.
    const bx = b * v.sx;
    const by = b * v.sy;
    // The used range.
    ctx.fillStyle = '#f6f8fa';
    ctx.fillRect(-v.x * v.sx, -v.y * v.sy, this.width * v.sx, this.height * v.sy);
    const top = Math.max(0, Math.floor(v.y / b));
    const bottom = Math.ceil((v.y + h / v.sy) / b);
    const left = v.x / b;
    const right = (v.x + w / v.sx) / b;
    const g = this.groups;
    const first = firstGroupFrom(g, top);
    const runs = sheet.runs;
    for (const kind of ORDER) {
      ctx.fillStyle = COLOR.get(kind)!;
      for (let i = first; i < g.row.length && g.row[i]! <= bottom; i++) {
        const y = (g.row[i]! - v.y / b) * by;
        const height = Math.max(1, g.repeat[i]! * by);
        for (let k = 0, at = g.at[i]!; k < g.count[i]!; k++, at += 3) {
          if (runs[at + 2] !== kind) continue;
          const c = runs[at]!;
          const len = runs[at + 1]!;
          if (c + len < left || c > right) continue;
          ctx.fillRect((c - left) * bx, y, Math.max(1, len * bx), height);
        }
      }
    }
    // Cell borders once cells are large enough to tell apart.
    if (bx >= 10 && by >= 10) this.grid(ctx, v, w, h, bx, by);
    this.overlays(ctx, v);
  }

  private grid(ctx: CanvasRenderingContext2D, v: View, w: number, h: number, bx: number, by: number): void {
    const b = this.sheet.scale;
    ctx.strokeStyle = 'rgba(255,255,255,0.8)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let c = Math.floor(v.x / b); c <= (v.x + w / v.sx) / b; c++) {
      const x = Math.round((c - v.x / b) * bx) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, h);
    }
    for (let r = Math.floor(v.y / b); r <= (v.y + h / v.sy) / b; r++) {
      const y = Math.round((r - v.y / b) * by) + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(w, y);
    }
    ctx.stroke();
  }

  private overlays(ctx: CanvasRenderingContext2D, v: View): void {
    const sheet = this.sheet;
    const at = (r: number, c: number): [number, number] => [(c - sheet.firstCol - v.x) * v.sx, (r - sheet.firstRow - v.y) * v.sy];
    ctx.fillStyle = OVERLAYS.mismatch.color;
    const m = sheet.mismatches;
    // At least 3 pixels: a difference must show at any zoom.
    const wx = Math.max(3, v.sx);
    const wy = Math.max(3, v.sy);
    for (let i = 0; i + 1 < m.length; i += 2) {
      const [x, y] = at(m[i]!, m[i + 1]!);
      ctx.fillRect(x - (wx - v.sx) / 2, y - (wy - v.sy) / 2, wx, wy);
    }
    ctx.lineWidth = 2;
    for (const [rects, color] of [
      [sheet.inputs, OVERLAYS.input.color],
      [sheet.outputs, OVERLAYS.output.color],
    ] as const) {
      ctx.strokeStyle = color;
      for (const r of rects) {
        const [x, y] = at(r.r0, r.c0);
        ctx.strokeRect(x - 1, y - 1, Math.max(2, (r.c1 - r.c0 + 1) * v.sx) + 2, Math.max(2, (r.r1 - r.r0 + 1) * v.sy) + 2);
      }
    }
  }

  /** The kind of the cell at (row, col) relative to the used range, 0 for none. */
  kindAt(row: number, col: number): number {
    const b = this.sheet.scale;
    const br = Math.floor(row / b);
    const bc = Math.floor(col / b);
    const g = this.groups;
    const i = firstGroupFrom(g, br);
    if (i >= g.row.length || g.row[i]! > br) return 0;
    for (let k = 0, at = g.at[i]!; k < g.count[i]!; k++, at += 3) {
      const c = this.sheet.runs[at]!;
      if (bc >= c && bc < c + this.sheet.runs[at + 1]!) return this.sheet.runs[at + 2]!;
    }
    return 0;
  }

  describe(x: number, y: number): string | null {
    const sheet = this.sheet;
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return null;
    const row = sheet.firstRow + Math.floor(y);
    const col = sheet.firstCol + Math.floor(x);
    const kind = this.kindAt(Math.floor(y), Math.floor(x));
    const what = this.mismatched.has(row * 16384 + col) ? 'differs from Excel' : kind ? NAME.get(kind) : 'empty';
    const where = sheet.scale > 1 ? `block at ${columnName(col)}${row + 1}` : `${columnName(col)}${row + 1}`;
    return `${where}: ${what}`;
  }
}

/** The status line when nothing is hovered: the used range. */
export function rangeText(sheet: PageSheet): string {
  if (sheet.rows === 0) return 'empty sheet';
  return `${columnName(sheet.firstCol)}${sheet.firstRow + 1}:${columnName(sheet.firstCol + sheet.cols - 1)}${sheet.firstRow + sheet.rows}`;
}
