/**
 * The report page's script (bundled into the page by scripts/build-ts.mjs): reads the
 * embedded data, draws the sheet graph, and draws each heat map (the first few at once,
 * the others when they scroll into view). Sets `data-drawn` on each canvas it has drawn
 * and `data-ready` (and `data-ready-ms`) on <body> once the graph and the first heat
 * maps are drawn.
 *
 * The same script runs as the graph's layout worker: a large graph is laid out off the
 * page's thread, in a worker started from this script's own text (a blob: URL, nothing
 * fetched), so the page shows and scrolls while dagre works.
 */
import type { PageData } from '../types.js';
import { layoutInput, SheetGraph } from './graph.js';
import { HeatMap, rangeText } from './heatmap.js';
import { FULL_EDGES, layoutGraph, type LayoutInput, type LayoutOutput } from './layout.js';
import { Viewer } from './viewer.js';

/** Heat maps drawn at once; the others when they come into view. */
const EAGER = 8;
/** Graphs this small are laid out at once, before the first paint. */
const INLINE_SHEETS = 40;

interface WorkerScope {
  onmessage: ((e: MessageEvent<LayoutInput>) => void) | null;
  postMessage(data: LayoutOutput): void;
}

function statusOf(canvas: HTMLCanvasElement): HTMLOutputElement | null {
  return canvas.closest('.viewer')?.querySelector('.tools output') ?? null;
}

/** Lays the graph out in a worker (this script), or here when workers are unavailable. */
function layoutAsync(input: LayoutInput, source: string | null): Promise<LayoutOutput> {
  const here = () => new Promise<LayoutOutput>((ok) => setTimeout(() => ok(layoutGraph(input)), 0));
  if (!source || typeof Worker === 'undefined') return here();
  return new Promise<LayoutOutput>((ok) => {
    let url = '';
    try {
      url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const worker = new Worker(url);
      const done = () => {
        worker.terminate();
        URL.revokeObjectURL(url);
      };
      worker.onmessage = (e: MessageEvent<LayoutOutput>) => {
        done();
        ok(e.data);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        done();
        void here().then(ok);
      };
      worker.postMessage(input);
    } catch {
      if (url) URL.revokeObjectURL(url);
      void here().then(ok);
    }
  });
}

function placeholder(canvas: HTMLCanvasElement, text: string): void {
  const width = canvas.parentElement?.clientWidth ?? 800;
  canvas.width = width;
  canvas.height = 120;
  canvas.style.height = '120px';
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = '#4f5964';
  ctx.font = '14px system-ui, sans-serif';
  ctx.fillText(text, 16, 40);
}

function start(source: string | null): void {
  const dataElement = document.getElementById('report-data');
  if (!dataElement?.textContent) return;
  const data = JSON.parse(dataElement.textContent) as PageData;
  const viewers: Viewer[] = [];

  const graphCanvas = document.getElementById('graph') as HTMLCanvasElement | null;
  let graphDone: Promise<void> = Promise.resolve();
  if (graphCanvas) {
    const open = (sheet: number) => {
      const heading = document.getElementById(`sheet-${sheet}-h`);
      heading?.scrollIntoView({ behavior: 'smooth', block: 'start' });
      heading?.closest('section')?.querySelector<HTMLCanvasElement>('canvas')?.focus({ preventScroll: true });
    };
    const input = layoutInput(data);
    const show = (layout: LayoutOutput) => {
      let viewer: Viewer | null = null;
      const graph = new SheetGraph(data, input, layout, open, () => viewer?.schedule());
      const n = data.sheets.length;
      viewer = new Viewer(graphCanvas, graph, statusOf(graphCanvas), `${n} sheet${n === 1 ? '' : 's'}; hover a sheet for its references, click to open its heat map`);
      viewers.push(viewer);
      const note = document.getElementById('graph-note');
      if (note && layout.reduced) {
        note.textContent = `With ${input.edges.length} references, an arrow implied by a longer path of arrows is left out of the drawing; point at a sheet to see all of its own. The table below lists every reference.`;
      }
      graphCanvas.dataset['drawn'] = '1';
    };
    if (data.sheets.length <= INLINE_SHEETS && input.edges.length <= FULL_EDGES) show(layoutGraph(input));
    else {
      placeholder(graphCanvas, `Laying out ${data.sheets.length} sheets…`);
      graphDone = layoutAsync(input, source).then(show);
    }
  }

  const canvases = [...document.querySelectorAll<HTMLCanvasElement>('canvas.heatmap')];
  const draw = (canvas: HTMLCanvasElement) => {
    if (canvas.dataset['drawn']) return;
    const sheet = data.sheets[Number(canvas.dataset['sheet'])];
    if (!sheet) return;
    viewers.push(new Viewer(canvas, new HeatMap(sheet), statusOf(canvas), rangeText(sheet)));
    canvas.dataset['drawn'] = '1';
  };
  canvases.slice(0, EAGER).forEach(draw);
  if ('IntersectionObserver' in window) {
    const seen = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          if (!e.isIntersecting) continue;
          seen.unobserve(e.target);
          draw(e.target as HTMLCanvasElement);
        }
      },
      { rootMargin: '400px 0px' },
    );
    canvases.slice(EAGER).forEach((c) => seen.observe(c));
  } else {
    canvases.forEach(draw);
  }

  let width = window.innerWidth;
  window.addEventListener('resize', () => {
    if (window.innerWidth === width) return;
    width = window.innerWidth;
    for (const v of viewers) {
      v.resize();
      v.start();
    }
  });
  void graphDone.then(() => {
    // When the page could first be seen complete (ms since navigation), for measurements.
    document.body.dataset['readyMs'] = String(Math.round(performance.now()));
    document.body.dataset['ready'] = '1';
  });
}

if (typeof document === 'undefined') {
  // In the layout worker.
  const scope = self as unknown as WorkerScope;
  scope.onmessage = (e) => scope.postMessage(layoutGraph(e.data));
} else {
  start(document.currentScript?.textContent ?? null);
}
