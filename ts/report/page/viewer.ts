/**
 * A zoomable, pannable canvas: the sheet graph and every heat map are one. World units
 * are the drawing's own (layout pixels, cells); `scale` is screen pixels per unit.
 * Zoom: the buttons, + and - keys, the wheel (with Ctrl, or once the canvas has focus,
 * so the wheel still scrolls the page), a double click (4×), or Shift+drag around a
 * region (a million rows are a few gestures away, not dozens of clicks); pan: drag or
 * the arrow keys; Fit: 0.
 */

export interface View {
  /** World coordinates at the canvas's top-left corner. */
  x: number;
  y: number;
  /** Screen pixels per world unit, across and down. */
  sx: number;
  sy: number;
}

export interface Drawing {
  /** World size (the fit shows all of it). */
  width: number;
  height: number;
  /** Canvas height (CSS pixels) for a canvas `cssWidth` wide. */
  heightFor(cssWidth: number): number;
  /** Largest zoom (screen pixels per world unit). */
  maxScale: number;
  /**
   * Smallest scale at which the drawing reads (its text): when the whole does not fit
   * at that scale, the first view shows the drawing's top-left corner at it (drag to
   * pan, Fit for the whole). 0: always fit.
   */
  readableScale: number;
  /**
   * Same scale across and down (a graph); else each axis fits on its own at first (a
   * sheet of 4,000 rows and 100 columns fills the width instead of a sliver).
   */
  uniform: boolean;
  draw(ctx: CanvasRenderingContext2D, view: View, width: number, height: number): void;
  /** Text for the status line at a world point (null: none). */
  describe(x: number, y: number): string | null;
  /** Click at a world point. */
  click?(x: number, y: number): void;
  /** The pointer left the canvas. */
  leave?(): void;
}

export class Viewer {
  view: View = { x: 0, y: 0, sx: 1, sy: 1 };
  private cssWidth = 0;
  private cssHeight = 0;
  private fitX = 1;
  private fitY = 1;
  private drag: { x: number; y: number; vx: number; vy: number; moved: boolean; region: boolean } | null = null;
  /** Shift+drag: the region being chosen (screen pixels). */
  private region: { x0: number; y0: number; x1: number; y1: number } | null = null;
  private pending = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly drawing: Drawing,
    private readonly status: HTMLOutputElement | null,
    private readonly idleStatus: string,
  ) {
    this.resize();
    this.start();
    this.bind();
    if (status) status.textContent = idleStatus;
  }

  /** Sizes the canvas for its box and the screen's pixel ratio. */
  resize(): void {
    const width = Math.max(200, Math.floor(this.canvas.parentElement?.clientWidth ?? 800));
    const height = Math.round(this.drawing.heightFor(width));
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    this.cssWidth = width;
    this.cssHeight = height;
    this.canvas.style.height = `${height}px`;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    const d = this.drawing;
    this.fitX = Math.min(this.cssWidth / Math.max(d.width, 1), d.maxScale);
    this.fitY = Math.min(this.cssHeight / Math.max(d.height, 1), d.maxScale);
    if (d.uniform) this.fitX = this.fitY = Math.min(this.fitX, this.fitY);
    else if (Math.min(this.fitX, this.fitY) >= 4) {
      // Cells big enough to see one by one: at most 4 times wider than tall, or taller than wide.
      this.fitX = Math.min(this.fitX, 4 * this.fitY);
      this.fitY = Math.min(this.fitY, 4 * this.fitX);
    }
  }

  /** The first view: the whole drawing, or its corner at a readable scale (see `readableScale`). */
  start(): void {
    const r = this.drawing.readableScale;
    if (Math.min(this.fitX, this.fitY) >= r) this.fit();
    else {
      this.view = { sx: r, sy: r, x: 0, y: Math.max(0, this.drawing.height / 2 - this.cssHeight / r / 2) };
      this.render();
    }
  }

  fit(): void {
    const { fitX: sx, fitY: sy } = this;
    const d = this.drawing;
    // Centred when smaller than the canvas.
    this.view = { sx, sy, x: -Math.max(0, this.cssWidth / sx - d.width) / 2, y: -Math.max(0, this.cssHeight / sy - d.height) / 2 };
    this.render();
  }

  /** Zooms by `factor` keeping the world point under (sx, sy) in place. */
  zoom(factor: number, sx = this.cssWidth / 2, sy = this.cssHeight / 2): void {
    const v = this.view;
    const max = this.drawing.maxScale;
    const scaleX = Math.min(max, Math.max(this.fitX * 0.5, v.sx * factor));
    const scaleY = Math.min(max, Math.max(this.fitY * 0.5, v.sy * factor));
    const wx = v.x + sx / v.sx;
    const wy = v.y + sy / v.sy;
    this.view = { sx: scaleX, sy: scaleY, x: wx - sx / scaleX, y: wy - sy / scaleY };
    this.schedule();
  }

  pan(dx: number, dy: number): void {
    this.view = { ...this.view, x: this.view.x - dx / this.view.sx, y: this.view.y - dy / this.view.sy };
    this.schedule();
  }

  /** Redraws at the next frame. */
  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const dpr = this.canvas.width / this.cssWidth;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.cssWidth, this.cssHeight);
    this.drawing.draw(ctx, this.view, this.cssWidth, this.cssHeight);
    const r = this.region;
    if (r) {
      ctx.fillStyle = 'rgba(11, 92, 173, 0.12)';
      ctx.strokeStyle = '#0b5cad';
      ctx.lineWidth = 1.5;
      const [x, y, w, h] = [Math.min(r.x0, r.x1), Math.min(r.y0, r.y1), Math.abs(r.x1 - r.x0), Math.abs(r.y1 - r.y0)];
      ctx.fillRect(x, y, w, h);
      ctx.strokeRect(x, y, w, h);
    }
  }

  /** Shows the screen region (x0, y0)–(x1, y1) across the whole canvas. */
  zoomTo(x0: number, y0: number, x1: number, y1: number): void {
    const v = this.view;
    const [w, h] = [Math.max(4, Math.abs(x1 - x0)), Math.max(4, Math.abs(y1 - y0))];
    const max = this.drawing.maxScale;
    let sx = Math.min(max, (v.sx * this.cssWidth) / w);
    let sy = Math.min(max, (v.sy * this.cssHeight) / h);
    if (this.drawing.uniform) sx = sy = Math.min(sx, sy);
    this.view = { sx, sy, x: v.x + Math.min(x0, x1) / v.sx, y: v.y + Math.min(y0, y1) / v.sy };
    this.schedule();
  }

  private world(e: { clientX: number; clientY: number }): [number, number, number, number] {
    const r = this.canvas.getBoundingClientRect();
    const sx = e.clientX - r.left;
    const sy = e.clientY - r.top;
    return [this.view.x + sx / this.view.sx, this.view.y + sy / this.view.sy, sx, sy];
  }

  private bind(): void {
    const c = this.canvas;
    const tools = c.closest('.viewer')?.querySelector('.tools');
    tools?.querySelectorAll<HTMLButtonElement>('button[data-zoom]').forEach((b) => {
      b.addEventListener('click', () => {
        const z = b.dataset['zoom'];
        if (z === 'in') this.zoom(1.6);
        else if (z === 'out') this.zoom(1 / 1.6);
        else this.fit();
      });
    });
    c.addEventListener(
      'wheel',
      (e) => {
        if (!e.ctrlKey && document.activeElement !== c) return;
        e.preventDefault();
        const [, , sx, sy] = this.world(e);
        this.zoom(Math.exp(-e.deltaY * 0.002), sx, sy);
      },
      { passive: false },
    );
    c.addEventListener('pointerdown', (e) => {
      c.focus({ preventScroll: true });
      c.setPointerCapture(e.pointerId);
      this.drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y, moved: false, region: e.shiftKey };
      c.style.cursor = e.shiftKey ? 'crosshair' : 'grabbing';
    });
    c.addEventListener('dblclick', (e) => {
      const [, , sx, sy] = this.world(e);
      this.zoom(4, sx, sy);
    });
    c.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (d) {
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) d.moved = true;
        if (d.region) {
          const [, , x1, y1] = this.world(e);
          const [, , x0, y0] = this.world({ clientX: d.x, clientY: d.y });
          this.region = { x0, y0, x1, y1 };
        } else this.view = { ...this.view, x: d.vx - dx / this.view.sx, y: d.vy - dy / this.view.sy };
        this.schedule();
        return;
      }
      const [wx, wy] = this.world(e);
      if (this.status) this.status.textContent = this.drawing.describe(wx, wy) ?? this.idleStatus;
    });
    const end = (e: PointerEvent) => {
      const d = this.drag;
      const r = this.region;
      this.drag = null;
      this.region = null;
      c.style.cursor = '';
      if (r && d?.moved && e.type === 'pointerup') this.zoomTo(r.x0, r.y0, r.x1, r.y1);
      else if (r) this.schedule();
      if (d && !d.moved && e.type === 'pointerup') {
        const [wx, wy] = this.world(e);
        this.drawing.click?.(wx, wy);
      }
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('pointerleave', () => {
      if (this.status && !this.drag) this.status.textContent = this.idleStatus;
      this.drawing.leave?.();
    });
    c.addEventListener('keydown', (e) => {
      const step = 40;
      const keys: Record<string, () => void> = {
        '+': () => this.zoom(1.6),
        '=': () => this.zoom(1.6),
        '-': () => this.zoom(1 / 1.6),
        '0': () => this.fit(),
        ArrowLeft: () => this.pan(step, 0),
        ArrowRight: () => this.pan(-step, 0),
        ArrowUp: () => this.pan(0, step),
        ArrowDown: () => this.pan(0, -step),
      };
      const act = keys[e.key];
      if (act) {
        e.preventDefault();
        act();
      }
    });
  }
}
