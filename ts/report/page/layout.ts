/**
 * The sheet graph's layout by dagre (layered, left to right; its acyclic pass handles
 * cycles between sheets). A pure function of plain data, so it can run in a worker.
 *
 * Many references make a layered layout both slow (every reference spanning several
 * layers becomes a chain of dummy nodes) and unreadable. Above `FULL_EDGES`
 * references, the layout gets the transitive reduction instead: a reference from A to
 * C is left out when another reference of A leads to C through other sheets (computed
 * on the graph of strongly connected components; references inside one component are
 * kept). The page draws every reference of a sheet when it is pointed at.
 */
import dagre from '@dagrejs/dagre';

/** References laid out as they are; above this, the transitive reduction. */
export const FULL_EDGES = 80;

export interface LayoutInput {
  /** Per sheet: box width and height. */
  boxes: { w: number; h: number }[];
  /** Data flow: from the sheet read to the sheet reading it, with the reading cells. */
  edges: { from: number; to: number; cells: number }[];
}

export interface LayoutOutput {
  /** Per sheet: top-left corner. */
  boxes: { x: number; y: number }[];
  /** Per edge of the input: its route, or null when left out of the layout. */
  routes: ({ x: number; y: number }[] | null)[];
  width: number;
  height: number;
  reduced: boolean;
}

/** Strongly connected components (Tarjan, iterative): component id per node. */
function components(n: number, out: number[][]): number[] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const comp = new Array<number>(n).fill(-1);
  const stack: number[] = [];
  const onStack = new Array<boolean>(n).fill(false);
  let next = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = true;
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, i] = top;
      if (i < out[v]!.length) {
        top[1]++;
        const w = out[v]![i]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length) {
        const p = work[work.length - 1]![0];
        low[p] = Math.min(low[p]!, low[v]!);
      }
      if (low[v] === index[v]) {
        for (;;) {
          const w = stack.pop()!;
          onStack[w] = false;
          comp[w] = count;
          if (w === v) break;
        }
        count++;
      }
    }
  }
  return comp;
}

/** Which edges the layout keeps: all, or the transitive reduction (see above). */
export function keptEdges(n: number, edges: LayoutInput['edges']): boolean[] {
  if (edges.length <= FULL_EDGES) return edges.map(() => true);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) out[e.from]!.push(e.to);
  const comp = components(n, out);
  const k = Math.max(0, ...comp) + 1;
  // Successors between components; Tarjan numbers components in reverse topological
  // order (a component's successors have smaller numbers).
  const succ: Set<number>[] = Array.from({ length: k }, () => new Set());
  for (const e of edges) if (comp[e.from] !== comp[e.to]) succ[comp[e.from]!]!.add(comp[e.to]!);
  const words = Math.ceil(k / 32);
  const reach: Uint32Array[] = [];
  for (let c = 0; c < k; c++) {
    const r = new Uint32Array(words);
    for (const d of succ[c]!) {
      r[d >> 5]! |= 1 << (d & 31);
      const rd = reach[d]!;
      for (let i = 0; i < words; i++) r[i]! |= rd[i]!;
    }
    reach.push(r);
  }
  const has = (c: number, d: number) => (reach[c]![d >> 5]! & (1 << (d & 31))) !== 0;
  return edges.map((e) => {
    const [a, b] = [comp[e.from]!, comp[e.to]!];
    if (a === b) return true;
    for (const d of succ[a]!) if (d !== b && has(d, b)) return false;
    return true;
  });
}

export function layoutGraph(input: LayoutInput): LayoutOutput {
  const kept = keptEdges(input.boxes.length, input.edges);
  const g = new dagre.graphlib.Graph({ multigraph: false });
  const many = input.boxes.length > 40;
  g.setGraph({ rankdir: 'LR', nodesep: many ? 14 : 24, ranksep: many ? 60 : 80, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  input.boxes.forEach((b, i) => g.setNode(String(i), { width: b.w, height: b.h }));
  input.edges.forEach((e, i) => {
    if (kept[i]) g.setEdge(String(e.from), String(e.to), { weight: 1 + Math.round(Math.log10(1 + e.cells)) });
  });
  dagre.layout(g);
  const boxes = input.boxes.map((b, i) => {
    const n = g.node(String(i));
    return { x: (n.x ?? 0) - b.w / 2, y: (n.y ?? 0) - b.h / 2 };
  });
  const routes = input.edges.map((e, i) => (kept[i] ? (g.edge(String(e.from), String(e.to))?.points ?? null) : null));
  // Bounds of boxes and routes (dagre's graph size can leave out routed edges), moved
  // to start at a margin from 0, 0.
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const grow = (x: number, y: number) => {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  };
  boxes.forEach((b, i) => {
    grow(b.x, b.y);
    grow(b.x + input.boxes[i]!.w, b.y + input.boxes[i]!.h);
  });
  for (const r of routes) for (const p of r ?? []) grow(p.x, p.y);
  if (!Number.isFinite(x0)) [x0, y0, x1, y1] = [0, 0, 1, 1];
  const margin = 12;
  const move = (p: { x: number; y: number }) => ({ x: p.x - x0 + margin, y: p.y - y0 + margin });
  return {
    boxes: boxes.map(move),
    routes: routes.map((r) => r && r.map(move)),
    width: x1 - x0 + 2 * margin,
    height: y1 - y0 + 2 * margin,
    reduced: kept.includes(false),
  };
}
