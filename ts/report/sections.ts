/** The report's sections as HTML: summary, graph and heat-map frames (drawn by the script), tables. */
import { columnName } from '../runtime/address.js';
import type { ReportModel } from './data.js';
import { KINDS, OVERLAYS } from './palette.js';
import { bytes, card, duration, MAX_ROWS, n, plural, table, value } from './format.js';
import { esc } from './text.js';
import { MAX_MISMATCHES } from './verification.js';

/** The legend of the heat maps (what each colour means). */
export function legend(profile: boolean): string {
  const kinds = KINDS.filter((k) => profile || (k.name !== 'folded' && k.name !== 'dropped'));
  const items = kinds.map((k) => `<li><span class="swatch" style="background:${k.color}"></span>${esc(k.label)}</li>`);
  items.push(`<li><span class="swatch" style="background:${OVERLAYS.mismatch.color}"></span>${esc(OVERLAYS.mismatch.label)}</li>`);
  if (profile) {
    items.push(`<li><span class="swatch ring" style="border-color:${OVERLAYS.input.color}"></span>${esc(OVERLAYS.input.label)}</li>`);
    items.push(`<li><span class="swatch ring" style="border-color:${OVERLAYS.output.color}"></span>${esc(OVERLAYS.output.label)}</li>`);
  }
  return `<ul class="legend" aria-label="Heat map colours">${items.join('')}</ul>`;
}

function isProfile(model: ReportModel): boolean {
  return model.build.inputs != null || model.build.outputs != null;
}

function summary(model: ReportModel): string {
  const b = model.build;
  const v = model.verification;
  const t = b.timings;
  let verification: string;
  if (v.error) verification = `<span class="bad">not run</span>`;
  else if (v.compared === 0) verification = '—';
  else if (v.mismatchCount === 0) verification = `<span class="ok">${n(v.matched)} match</span>`;
  else verification = `<span class="bad">${plural(v.mismatchCount, 'difference')}</span>`;
  const verifyDetail = v.error
    ? esc(v.error.slice(0, 200))
    : v.compared === 0
      ? "the file stores no computed values to compare with"
      : `of ${plural(v.compared, 'formula cell')} compared with Excel's stored values${v.withoutStoredValue ? `; ${n(v.withoutStoredValue)} without a stored value` : ''}${v.notInEngine ? `; ${n(v.notInEngine)} not in this profile` : ''}`;
  const run = v.run ? (v.run.converged ? `the engine's run converged${v.run.iterations ? ` (${plural(v.run.iterations, 'iteration')})` : ''}` : '<span class="bad">the engine\'s run did not converge</span>') : '';
  const cards = [
    card('Sheets', n(b.sheets.length), `${n(b.definedNames.length)} defined names, ${n(b.tables.length)} tables`),
    card('Cells', n(b.cells), `${n(b.formulaCells)} formula cells`),
    card('Shapes', n(b.shapes), 'distinct formulas, compiled once each'),
    card('Build time', duration(t.totalMs), `read ${duration(t.readMs)} · parse ${duration(t.parseMs)} · graph ${duration(t.graphMs)} · emit ${duration(t.emitMs)}`),
    card('Engine size', bytes(b.engineBytes), `${plural(b.modules, 'module')}${b.lazy ? ', lazy' : ''}; largest ${bytes(b.largestModuleBytes)}`),
    card('Verification', verification, verifyDetail),
    card('Backfilled cells', b.backfilled.length ? `<span class="bad">${n(b.backfilled.length)}</span>` : '<span class="ok">0</span>', "kept at Excel's stored value"),
    card('Circular clusters', n(b.clusters.length), `${b.iterative ? 'iterative calculation on' : 'iterative calculation off'}${run ? `; ${run}` : ''}`),
  ];
  if (isProfile(model)) {
    cards.push(card('Output profile', `${n(b.inputs?.length ?? 0)} → ${n(b.outputs?.length ?? 0)}`, `inputs → outputs; ${n(b.foldedCells)} cells folded, ${n(b.droppedCells)} dropped`));
  }
  return `<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><dl class="cards">${cards.join('')}</dl></section>`;
}

function graphSection(model: ReportModel): string {
  const names = model.build.sheets.map((s) => s.name);
  const refs = model.data.references
    .slice()
    .sort((a, b) => b.cells - a.cells)
    .map((r) => [esc(names[r.from] ?? '?'), esc(names[r.to] ?? '?'), n(r.cells), n(r.refs)]);
  const inCluster = new Set(model.data.clusters.flatMap((c) => c.sheets.map((s) => s[0])));
  return `<section aria-labelledby="graph-h"><h2 id="graph-h">Sheet graph</h2>
<p class="muted">Each sheet is a box sized by its formula cells; an arrow points from a sheet to the sheets that read it, thicker for more reading cells. Sheets in a circular cluster are drawn in red${inCluster.size ? ` (${plural(inCluster.size, 'sheet')})` : ' (none here)'}. Click a sheet to go to its heat map; use the buttons or the mouse wheel to zoom.</p>
<div class="viewer" id="graph-viewer"><div class="tools"><button type="button" data-zoom="in" aria-label="Zoom in on the graph">+</button><button type="button" data-zoom="out" aria-label="Zoom out of the graph">−</button><button type="button" data-zoom="reset">Fit</button><output id="graph-status" aria-live="off"></output></div>
<div class="graph-wrap"><canvas id="graph" tabindex="0" role="img" aria-label="Sheet graph: ${plural(names.length, 'sheet')}, ${plural(model.data.references.length, 'reference')} between sheets; the same data is in the table below"></canvas></div></div>
<p id="graph-note" class="muted"></p>
<details><summary>References between sheets as a table</summary>${table('Formula cells of one sheet that read another', [{ label: 'Sheet' }, { label: 'reads sheet' }, { label: 'formula cells', num: true }, { label: 'references', num: true }], refs)}</details>
</section>`;
}

function range(s: { firstRow: number; firstCol: number; rows: number; cols: number }): string {
  if (s.rows === 0) return 'empty';
  return `${columnName(s.firstCol)}${s.firstRow + 1}:${columnName(s.firstCol + s.cols - 1)}${s.firstRow + s.rows}`;
}

function sheetsSection(model: ReportModel): string {
  const figures = model.page.sheets.map((s, i) => {
    const marked = s.mismatches.length / 2;
    const caption = `${range(s)} · ${plural(s.cells, 'cell')}, ${plural(s.formulaCells, 'formula cell')}${marked ? ` · ${plural(marked, 'difference')} marked` : ''}${s.scale > 1 ? ` · drawn in blocks of ${s.scale}×${s.scale} cells` : ''}`;
    return `<section aria-labelledby="sheet-${i}-h" class="sheet"><h3 id="sheet-${i}-h">${esc(s.name)}</h3>
<figure><div class="viewer"><div class="tools"><button type="button" data-zoom="in" aria-label="Zoom in on ${esc(s.name)}">+</button><button type="button" data-zoom="out" aria-label="Zoom out of ${esc(s.name)}">−</button><button type="button" data-zoom="reset">Fit</button><output aria-live="off"></output></div>
<canvas class="heatmap" data-sheet="${i}" tabindex="0" role="img" aria-label="Heat map of ${esc(s.name)}: ${esc(caption)}"></canvas></div>
<figcaption>${esc(caption)}</figcaption></figure></section>`;
  });
  return `<section aria-labelledby="sheets-h"><h2 id="sheets-h">Sheets</h2>
<p class="muted">Each sheet's used range, one colour per kind of cell. Zoom with the buttons, a double click, Shift+drag around a region, or the wheel once the map is clicked; drag to pan; hover a cell for its address.</p>
${legend(isProfile(model))}
${figures.join('\n')}</section>`;
}

function differencesSection(model: ReportModel): string {
  const v = model.verification;
  const names = model.build.sheets.map((s) => s.name);
  let body: string;
  if (v.error) body = `<p class="bad">The engine could not be run: ${esc(v.error)}</p>`;
  else if (v.compared === 0) body = `<p>The file stores no computed values for its formula cells, so there is nothing to compare with.</p>`;
  else if (v.mismatchCount === 0) body = `<p class="ok">All ${plural(v.compared, 'formula cell')} with a stored value match Excel's (numbers to a relative 1e-9).</p>`;
  else {
    const rows = v.mismatches.map((m) => [esc(`${names[m.sheet] ?? '?'}!${columnName(m.col)}${m.row + 1}`), value(m.expected), value(m.actual)]);
    body = `<p>${plural(v.mismatchCount, 'formula cell')} of ${n(v.compared)} ${v.mismatchCount === 1 ? 'differs' : 'differ'} from Excel's stored value${v.mismatchCount > MAX_MISMATCHES ? `; the first ${n(MAX_MISMATCHES)} are listed` : ''}.</p>${table("Cells whose value differs from Excel's", [{ label: 'Cell' }, { label: "Excel's value" }, { label: 'sheetc' }], rows, v.mismatchCount)}`;
  }
  return `<section aria-labelledby="diff-h"><h2 id="diff-h">Differences from Excel</h2>${body}</section>`;
}

function backfilledSection(model: ReportModel): string {
  const list = model.build.backfilled;
  if (!list.length) return `<section aria-labelledby="backfill-h"><h2 id="backfill-h">Backfilled cells</h2><p class="ok">None: every formula cell is compiled.</p></section>`;
  const rows = list.slice(0, MAX_ROWS).map((b) => {
    // The span is in bytes of the UTF-8 text.
    const f = Buffer.from(b.formula, 'utf8');
    const part = (from: number, to?: number) => esc(f.subarray(from, to).toString('utf8'));
    const text = b.span && b.span[1] > b.span[0] && b.span[1] <= f.length ? `${part(0, b.span[0])}<mark>${part(b.span[0], b.span[1])}</mark>${part(b.span[1])}` : esc(b.formula);
    return [esc(`${b.sheet}!${b.cell}`), esc(b.code), esc(b.reason), `=${text}`, b.hasCachedValue ? 'stored value' : '<span class="bad">#NAME? (none stored)</span>'];
  });
  return `<section aria-labelledby="backfill-h"><h2 id="backfill-h">Backfilled cells</h2>
<p>${plural(list.length, 'cell')} could not be compiled: the engine keeps the value Excel stored (reported as stale when an input changes).</p>
${table('Backfilled cells with their reason and formula', [{ label: 'Cell' }, { label: 'Code' }, { label: 'Reason' }, { label: 'Formula', formula: true }, { label: 'Engine holds' }], rows, list.length)}</section>`;
}

function functionsSection(model: ReportModel): string {
  const label = { supported: 'supported', unsupported: '<span class="bad">not supported (backfilled)</span>', unknown: '<span class="bad">not an Excel function (#NAME?)</span>' };
  const rows = model.functions.map((f) => [esc(f.name), n(f.cells), label[f.status]]);
  const body = rows.length ? table('Functions with the formula cells that call them', [{ label: 'Function' }, { label: 'formula cells', num: true }, { label: 'Status' }], rows) : '<p>No functions are called.</p>';
  return `<section aria-labelledby="functions-h"><h2 id="functions-h">Functions</h2>${body}</section>`;
}

function shapesSection(model: ReportModel): string {
  const names = model.build.sheets.map((s) => s.name);
  const rows = model.data.shapes.map((s) => [esc(`${names[s.sheet] ?? '?'}!${s.cell}`), n(s.cells), esc(s.formula), esc(s.functions.join(', '))]);
  const body = rows.length
    ? table('The shapes with the most cells (a shape: one formula copied over many cells)', [{ label: 'First cell' }, { label: 'cells', num: true }, { label: 'Formula', formula: true }, { label: 'Functions' }], rows, model.build.shapes)
    : '<p>No formulas.</p>';
  return `<section aria-labelledby="shapes-h"><h2 id="shapes-h">Largest shapes</h2>${body}</section>`;
}

function clustersSection(model: ReportModel): string {
  const b = model.build;
  const calc = model.data.calc;
  if (!b.clusters.length) return `<section aria-labelledby="clusters-h"><h2 id="clusters-h">Circular clusters</h2><p>None: no cell depends on itself.</p></section>`;
  const names = b.sheets.map((s) => s.name);
  const run = model.verification.run;
  const how = calc.iterate
    ? `Iterative calculation is on (at most ${plural(calc.count, 'iteration')}, until no cell changes by ${calc.delta} or more): the engine iterates each cluster as Excel does.`
    : "Iterative calculation is off: Excel reports a circular reference and keeps the values it last computed; the engine sets a cluster that feeds on itself to 0, as Excel does.";
  const converged = run ? (run.converged ? `In the engine's run every cluster converged${run.iterations ? ` (at most ${plural(run.iterations, 'iteration')})` : ''}.` : '<span class="bad">In the engine\'s run at least one cluster did not converge.</span>') : '';
  const rows = b.clusters.map((cells, i) => {
    const stat = model.data.clusters[i];
    const size = stat?.cells ?? cells.length;
    const sheets = (stat?.sheets ?? []).map(([s, k]) => `${esc(names[s] ?? '?')} (${n(k)})`).join(', ');
    const shown = cells.slice(0, 12).map(esc).join(', ');
    return [String(i + 1), n(size), sheets, `${shown}${size > 12 ? `, … ${n(size - 12)} more` : ''}`];
  });
  return `<section aria-labelledby="clusters-h"><h2 id="clusters-h">Circular clusters</h2><p>${how} ${converged}</p>
${table('Circular clusters: cells that depend on each other', [{ label: 'Cluster' }, { label: 'cells', num: true }, { label: 'Sheets (cells)' }, { label: 'Cells' }], rows)}</section>`;
}

function profileSection(model: ReportModel): string {
  const b = model.build;
  if (!isProfile(model)) return '';
  const inputs = (b.inputs ?? []).map((d) => [esc(d.ref), esc(`${d.sheet}!${d.cell}`), esc(d.name ?? ''), esc(d.type)]);
  const cones = new Map((model.data.cones ?? []).map((c) => [c.output, c]));
  const outputs = (b.outputs ?? []).map((d) => {
    const c = cones.get(d.ref);
    return [esc(d.ref), esc(`${d.sheet}!${d.cell}`), esc(d.name ?? ''), esc(d.type), c ? n(c.cells) : '—', c ? n(c.live) : '—', c ? n(c.cells - c.live) : '—'];
  });
  const omitted = model.data.conesOmitted ? `<p class="muted">The cones of ${plural(model.data.conesOmitted, 'output')} beyond the first 100 were not measured.</p>` : '';
  return `<section aria-labelledby="profile-h"><h2 id="profile-h">Output profile</h2>
<p>The engine is scoped to its declared inputs and outputs: ${n(b.foldedCells)} cells that no input reaches are folded to constants, ${n(b.droppedCells)} cells outside the outputs' cones are dropped.</p>
<h3>Inputs</h3>${inputs.length ? table('Declared inputs', [{ label: 'Input' }, { label: 'Cells' }, { label: 'Defined name' }, { label: 'Type' }], inputs) : '<p>Every constant cell is an input (none declared).</p>'}
<h3>Outputs</h3>${table("Declared outputs and their dependency cones (formula cells each output needs)", [{ label: 'Output' }, { label: 'Cells' }, { label: 'Defined name' }, { label: 'Type' }, { label: 'cone', num: true }, { label: 'reached by inputs', num: true }, { label: 'folded', num: true }], outputs)}${omitted}</section>`;
}

/** The body of the page: header, navigation, every section, footer. */
export function sections(model: ReportModel): string {
  const profile = isProfile(model);
  const nav = [
    ['summary-h', 'Summary'],
    ['graph-h', 'Sheet graph'],
    ['sheets-h', 'Sheets'],
    ['diff-h', 'Differences'],
    ['backfill-h', 'Backfilled'],
    ['functions-h', 'Functions'],
    ['shapes-h', 'Shapes'],
    ['clusters-h', 'Clusters'],
    ...(profile ? [['profile-h', 'Output profile']] : []),
  ]
    .map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`)
    .join('');
  return `<header><h1>sheetc report: ${esc(model.workbook)}</h1>
<p class="muted">Generated ${esc(model.generatedAt.toISOString().replace('T', ' ').slice(0, 16))} UTC by sheetc. This page works offline: everything it shows is in this one file.</p>
<nav aria-label="Sections"><ul>${nav}</ul></nav></header>
<main>
${summary(model)}
${graphSection(model)}
${sheetsSection(model)}
${differencesSection(model)}
${backfilledSection(model)}
${functionsSection(model)}
${shapesSection(model)}
${clustersSection(model)}
${profileSection(model)}
</main>
<footer>sheetc compiles Excel workbooks into JavaScript engines. Cells that could not be compiled keep Excel's stored values and are listed above; nothing is silently dropped.</footer>`;
}
