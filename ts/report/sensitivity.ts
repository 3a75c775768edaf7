/**
 * Sensitivities drawn as one self-contained HTML page (`sheetc sensitivity --html FILE`,
 * `sensitivityHtml()`): a grid as a heat-mapped table per output, a tornado as bars
 * around the base value. Plain HTML and CSS, no script: the page shows the numbers the
 * engine computed (the same as `--json`), so it opens anywhere and prints. Every text
 * that comes from the workbook (references, labels, values) goes through `esc`.
 */
import type { JsonValue, SensitivityPageOptions, SensitivityResult, TornadoResult } from '../types.js';
import { htmlDocument } from './html.js';
import { card, value } from './format.js';
import { esc } from './text.js';

/** Light to dark blue: the heat map of a grid, low to high. */
const LOW = [239, 246, 255] as const;
const HIGH = [11, 92, 173] as const;

/** The background of a cell at `t` ∈ [0, 1] of the grid's range, and a text colour that reads on it. */
export function heat(t: number): { background: string; color: string } {
  const k = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const rgb = LOW.map((lo, i) => Math.round(lo + (HIGH[i]! - lo) * k));
  return { background: `rgb(${rgb.join(',')})`, color: k > 0.55 ? '#fff' : '#1b1f24' };
}

function refHtml(ref: string, labelOf: SensitivityPageOptions['labelOf']): string {
  const label = labelOf?.(ref);
  return `<code>${esc(ref)}</code>${label ? `<br><small class="muted">${esc(label)}</small>` : ''}`;
}

function numberOf(v: JsonValue): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A number as the grid shows it: 12 significant digits, so float noise does not show. */
function shown(v: JsonValue): string {
  return typeof v === 'number' ? esc(String(Number(v.toPrecision(12)))) : value(v);
}

function gridTable(result: SensitivityResult, g: SensitivityResult['grids'][number], labelOf: SensitivityPageOptions['labelOf']): string {
  const down = result.vary[0]!;
  const across = result.vary[1];
  const nums = g.values.flat().map(numberOf).filter((x): x is number => x !== null);
  const lo = nums.length ? Math.min(...nums) : 0;
  const hi = nums.length ? Math.max(...nums) : 0;
  const cell = (v: JsonValue) => {
    const x = numberOf(v);
    if (x === null) return `<td class="num">${value(v)}</td>`;
    const { background, color } = heat(hi > lo ? (x - lo) / (hi - lo) : 0.5);
    return `<td class="num heat" style="background:${background};color:${color}">${shown(v)}</td>`;
  };
  const corner = across ? `${refHtml(down.ref, labelOf)} ↓ &nbsp; ${refHtml(across.ref, labelOf)} →` : refHtml(down.ref, labelOf);
  const head = across ? across.values.map((v) => `<th scope="col" class="num">${shown(v)}</th>`).join('') : `<th scope="col" class="num">${esc(g.output)}</th>`;
  const body = down.values.map((v, i) => `<tr><th scope="row" class="num">${shown(v)}</th>${g.values[i]!.map(cell).join('')}</tr>`).join('\n');
  return `<h2>${refHtml(g.output, labelOf)}</h2>
<p class="muted">from ${shown(lo)} to ${shown(hi)}${nums.length < g.values.flat().length ? `; ${g.values.flat().length - nums.length} points are not numbers` : ''}</p>
<div class="table-wrap"><table class="grid"><thead><tr><th scope="col">${corner}</th>${head}</tr></thead><tbody>
${body}
</tbody></table></div>`;
}

function tornadoFigure(o: TornadoResult['outputs'][number], change: number, labelOf: SensitivityPageOptions['labelOf']): string {
  const base = numberOf(o.base);
  // Bars are drawn around the base value, scaled so the farthest output reaches an edge.
  const reach = Math.max(
    0,
    ...o.bars.flatMap((b) => [b.outputLow, b.outputHigh].map((v) => {
      const x = numberOf(v);
      return x === null || base === null ? 0 : Math.abs(x - base);
    })),
  );
  const pos = (v: JsonValue) => {
    const x = numberOf(v);
    if (x === null || base === null || reach === 0) return 50;
    return Math.min(100, Math.max(0, 50 + ((x - base) / reach) * 50));
  };
  const rows = o.bars
    .map((b) => {
      const a = pos(b.outputLow);
      const c = pos(b.outputHigh);
      const left = Math.min(a, c);
      const width = Math.max(Math.abs(c - a), 0.5);
      return `<tr><th scope="row">${refHtml(b.input, labelOf)}</th>
<td class="num">${shown(b.low)} → ${shown(b.outputLow)}</td>
<td class="bar-cell"><div class="track"><div class="bar" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></div><div class="axis"></div></div></td>
<td class="num">${shown(b.high)} → ${shown(b.outputHigh)}</td>
<td class="num">${shown(b.swing)}</td></tr>`;
    })
    .join('\n');
  return `<h2>${refHtml(o.output, labelOf)}</h2>
<p class="muted">base ${shown(o.base)}; each input moved ±${esc(String(change * 100))}% alone, widest swing first</p>
<div class="table-wrap"><table class="tornado"><thead><tr><th scope="col">input</th><th scope="col" class="num">low → output</th><th scope="col">swing around the base</th><th scope="col" class="num">high → output</th><th scope="col" class="num">swing</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

const PAGE_CSS = `
table.grid { width: auto; min-width: 50%; }
td.heat { font-weight: 500; }
table.grid th[scope=row] { background: #e9edf1; }
td.bar-cell { width: 40%; min-width: 200px; vertical-align: middle; }
.track { position: relative; height: 16px; background: var(--panel); border-radius: 3px; }
.bar { position: absolute; top: 2px; bottom: 2px; background: #3478c0; border-radius: 2px; }
.axis { position: absolute; left: 50%; top: 0; bottom: 0; border-left: 2px solid #1b1f24; }
`;

function isTornado(result: SensitivityResult | TornadoResult): result is TornadoResult {
  return 'change' in result;
}

/** The page for a sensitivity grid or a tornado, as one HTML document. */
export function sensitivityHtml(result: SensitivityResult | TornadoResult, options: SensitivityPageOptions = {}): string {
  const title = options.title ?? 'sheetc sensitivity';
  const labelOf = options.labelOf;
  let cards: string;
  let body: string;
  if (isTornado(result)) {
    cards = [card('kind', 'tornado'), card('inputs', String(result.outputs[0]?.bars.length ?? 0)), card('runs of the engine', String(result.runs)), card('time', `${Math.round(result.elapsedMs)} ms`)].join('');
    body = result.outputs.map((o) => tornadoFigure(o, result.change, labelOf)).join('\n');
  } else {
    const shape = result.vary.map((v) => v.values.length).join(' × ');
    cards = [card('kind', result.vary.length === 2 ? 'two-input grid' : 'one-input table'), card('points', shape), card('runs of the engine', String(result.runs), result.pooled ? 'on the scenario pool' : 'in this process'), card('time', `${Math.round(result.elapsedMs)} ms`)].join('');
    body = result.grids.map((g) => gridTable(result, g, labelOf)).join('\n');
  }
  return htmlDocument(
    title,
    `<header><h1>${esc(title)}</h1>${options.engine ? `<p class="muted">engine <code>${esc(options.engine)}</code></p>` : ''}</header>
<main>
<dl class="cards">${cards}</dl>
${body}
</main>
<footer>Every number is a run of the compiled engine (the same numbers as <code>--json</code>).</footer>`,
    PAGE_CSS,
  );
}
