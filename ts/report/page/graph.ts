/**
 * The sheet graph: sheets as boxes sized by their formula cells, an arrow from each
 * sheet to the sheets that read it (data flows along the arrows), thicker for more
 * reading cells. Laid out by dagre (see layout.ts); sheets of a circular cluster are
 * drawn in red, as are the arrows between two sheets of one cluster. Pointing at a
 * sheet draws every reference it has, also those the layout left out.
 */
import { GRAPH } from '../palette.js';
import type { PageData } from '../types.js';
import type { LayoutInput, LayoutOutput } from './layout.js';
import type { Drawing, View } from './viewer.js';

const FONT = '600 13px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
const SMALL = '11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
const MAX_LABEL = 28;
const HIGHLIGHT = '#0b5cad';

const fmt = (x: number) => x.toLocaleString('en-US');

function label(name: string): string {
  return name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name;
}

/** What the layout needs: box sizes (from the labels and formula cells) and the data flow. */
export function layoutInput(data: PageData): LayoutInput {
  const measure = document.createElement('canvas').getContext('2d');
  if (measure) measure.font = FONT;
  // Relative to the largest sheet, but a sheet of a few formulas stays small even when
  // no sheet has more.
  const maxFormulas = Math.max(100, ...data.sheets.map((s) => s.formulaCells));
  return {
    boxes: data.sheets.map((s) => {
      const text = label(s.name);
      const width = measure ? measure.measureText(text).width : text.length * 8;
      // Area grows with the formula cells (square root: a 100× larger sheet is a 10× box).
      const size = Math.sqrt(s.formulaCells / maxFormulas);
      return { w: Math.max(width + 20, 80 + 120 * size), h: 40 + 44 * size };
    }),
    // Data flows from the sheet read to the sheet reading it.
    edges: data.references.map((r) => ({ from: r.to, to: r.from, cells: r.cells })),
  };
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  cluster: boolean;
}

export class SheetGraph implements Drawing {
  readonly width: number;
  readonly height: number;
  readonly maxScale = 3;
  readonly uniform = true;
  /** Labels of 13 px stay at least 9 px high. */
  readonly readableScale = 0.7;
  private readonly boxes: Box[];
  /** Pairs of sheets in one circular cluster (`a,b`). */
  private readonly together = new Set<string>();
  private readonly reads: number[];
  private readonly readBy: number[];
  /** The sheet pointed at: its references are drawn, highlighted. */
  private hovered = -1;

  constructor(
    private readonly data: PageData,
    private readonly input: LayoutInput,
    private readonly layout: LayoutOutput,
    private readonly onOpen: (sheet: number) => void,
    private readonly onChange: () => void,
  ) {
    const inCluster = new Set<number>();
    for (const c of data.clusters) {
      for (const [a] of c.sheets) {
        inCluster.add(a);
        for (const [b] of c.sheets) this.together.add(`${a},${b}`);
      }
    }
    this.boxes = layout.boxes.map((p, i) => ({ ...p, w: input.boxes[i]!.w, h: input.boxes[i]!.h, cluster: inCluster.has(i) }));
    this.reads = data.sheets.map(() => 0);
    this.readBy = data.sheets.map(() => 0);
    for (const r of data.references) {
      this.reads[r.from]!++;
      this.readBy[r.to]!++;
    }
    this.width = layout.width;
    this.height = layout.height;
  }

  heightFor(cssWidth: number): number {
    // The scale the first view has (see Viewer.start).
    let s = Math.min(cssWidth / this.width, 1.2);
    if (s < this.readableScale) s = this.readableScale;
    return Math.max(140, Math.min(640, this.height * s));
  }

  private arrow(ctx: CanvasRenderingContext2D, points: { x: number; y: number }[], cells: number, color: string, v: View): void {
    const s = v.sx;
    const X = (x: number) => (x - v.x) * s;
    const Y = (y: number) => (y - v.y) * s;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = Math.max(1, (1 + Math.log10(1 + cells)) * Math.min(s, 1.5));
    ctx.beginPath();
    ctx.moveTo(X(points[0]!.x), Y(points[0]!.y));
    for (const p of points.slice(1)) ctx.lineTo(X(p.x), Y(p.y));
    ctx.stroke();
    const end = points[points.length - 1]!;
    const before = points[points.length - 2]!;
    const angle = Math.atan2(end.y - before.y, end.x - before.x);
    const size = Math.max(5, 9 * Math.min(s, 1.5));
    ctx.beginPath();
    ctx.moveTo(X(end.x), Y(end.y));
    ctx.lineTo(X(end.x) - size * Math.cos(angle - 0.4), Y(end.y) - size * Math.sin(angle - 0.4));
    ctx.lineTo(X(end.x) - size * Math.cos(angle + 0.4), Y(end.y) - size * Math.sin(angle + 0.4));
    ctx.closePath();
    ctx.fill();
  }

  /** A straight route between two boxes' facing sides (for references the layout left out). */
  private straight(from: Box, to: Box): { x: number; y: number }[] {
    const forward = to.x >= from.x + from.w;
    return [
      { x: forward ? from.x + from.w : from.x, y: from.y + from.h / 2 },
      { x: forward ? to.x : to.x + to.w, y: to.y + to.h / 2 },
    ];
  }

  draw(ctx: CanvasRenderingContext2D, v: View, w: number, h: number): void {
    const s = v.sx;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    const edges = this.input.edges;
    edges.forEach((e, i) => {
      const route = this.layout.routes[i];
      if (!route || route.length < 2) return;
      this.arrow(ctx, route, e.cells, this.together.has(`${e.from},${e.to}`) ? GRAPH.clusterEdge : GRAPH.edge, v);
    });
    if (this.hovered >= 0) {
      edges.forEach((e, i) => {
        if (e.from !== this.hovered && e.to !== this.hovered) return;
        const route = this.layout.routes[i] ?? this.straight(this.boxes[e.from]!, this.boxes[e.to]!);
        this.arrow(ctx, route, e.cells, HIGHLIGHT, v);
      });
    }
    this.boxes.forEach((b, i) => {
      const x = (b.x - v.x) * s;
      const y = (b.y - v.y) * s;
      if (x > w || y > h || x + b.w * s < 0 || y + b.h * s < 0) return;
      ctx.fillStyle = b.cluster ? GRAPH.cluster : GRAPH.node;
      ctx.strokeStyle = i === this.hovered ? HIGHLIGHT : b.cluster ? GRAPH.clusterStroke : GRAPH.nodeStroke;
      ctx.lineWidth = b.cluster || i === this.hovered ? 2.5 : 1.5;
      ctx.beginPath();
      if (ctx.roundRect) ctx.roundRect(x, y, b.w * s, b.h * s, 6 * s);
      else ctx.rect(x, y, b.w * s, b.h * s);
      ctx.fill();
      ctx.stroke();
      if (13 * s < 7) return; // too small to read
      ctx.save();
      ctx.translate(x + (b.w * s) / 2, y + (b.h * s) / 2);
      ctx.scale(s, s);
      ctx.fillStyle = GRAPH.text;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.font = FONT;
      ctx.fillText(label(this.data.sheets[i]!.name), 0, -7);
      ctx.font = SMALL;
      const f = this.data.sheets[i]!.formulaCells;
      ctx.fillText(`${fmt(f)} formula${f === 1 ? '' : 's'}`, 0, 9);
      ctx.restore();
    });
  }

  private boxAt(x: number, y: number): number {
    return this.boxes.findIndex((b) => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h);
  }

  describe(x: number, y: number): string | null {
    const i = this.boxAt(x, y);
    if (i !== this.hovered) {
      this.hovered = i;
      this.onChange();
    }
    if (i < 0) return null;
    const s = this.data.sheets[i]!;
    return `${s.name}: ${fmt(s.formulaCells)} formula cells of ${fmt(s.cells)}; reads ${this.reads[i]} sheets, read by ${this.readBy[i]}${this.boxes[i]!.cluster ? '; in a circular cluster' : ''}`;
  }

  leave(): void {
    if (this.hovered >= 0) {
      this.hovered = -1;
      this.onChange();
    }
  }

  click(x: number, y: number): void {
    const i = this.boxAt(x, y);
    if (i >= 0) this.onOpen(i);
  }
}
