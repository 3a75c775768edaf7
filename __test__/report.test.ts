/**
 * The HTML report (`compile(file, { report })`, `sheetc report`, `sheetc build --report`)
 * opened in headless Chromium from a file: URL with the network off: no console
 * errors, no request leaves the file, the sheet graph and the heat maps are drawn (their
 * pixels counted by colour), the tables hold the figures the workbook was built to have,
 * and an accessibility pass (headings, table semantics, text contrast from the computed
 * styles). Screenshots go to __test__/artifacts/ (git-ignored).
 *
 * Needs `npm run build` (dist/, dist/report-page.js, the native addon) and Chromium (see
 * helpers/browser.ts); fails, never skips, without them.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { compile, SheetcError } from '../ts/index.js';
import { platformKey } from '../ts/native.js';
import { FULL_EDGES, keptEdges, layoutGraph } from '../ts/report/page/layout.js';
import { GRAPH, KINDS, OVERLAYS } from '../ts/report/palette.js';
import { CHROMIUM, launchChromium } from './helpers/browser.js';
import { fixtureFile, tempDir } from './helpers/build.js';
import { reportWorkbook } from './helpers/report-workbook.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ARTIFACTS = join(root, '__test__', 'artifacts');
const work = tempDir('sheetc-report-test-');
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const kind = (name: (typeof KINDS)[number]['name']) => KINDS.find((k) => k.name === name)!.color;

function missingPrerequisites(): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set SHEETC_CHROMIUM`;
  const missing = ['dist/cli.js', 'dist/runtime.js', 'dist/report-page.js', `sheetc.${platformKey()}.node`].filter((f) => !existsSync(join(root, f)));
  return missing.length ? `missing ${missing.join(', ')}: run \`npm run build\` before this test` : null;
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 300_000 });
}

interface Opened {
  page: Page;
  /** Console errors, page errors and any request that is not for the file itself. */
  problems: string[];
  /** First contentful paint and the script's end (ms since navigation). */
  firstPaintMs: number;
  readyMs: number;
  close(): Promise<void>;
}

test('the layout gets the transitive reduction of a large graph: shortcuts left out, cycles kept', (t) => {
  // A chain 0 → 1 → … → 99 with shortcuts 0 → 10, 0 → 20, …, and a cycle 50 ⇄ 51.
  const edges = [];
  for (let i = 1; i < 100; i++) edges.push({ from: i - 1, to: i, cells: 1 });
  for (let i = 10; i < 100; i += 10) edges.push({ from: 0, to: i, cells: 1 });
  edges.push({ from: 51, to: 50, cells: 1 });
  t.true(edges.length > FULL_EDGES);
  const kept = keptEdges(100, edges);
  t.deepEqual(
    edges.filter((_, i) => !kept[i]).map((e) => `${e.from}>${e.to}`),
    [10, 20, 30, 40, 50, 60, 70, 80, 90].map((i) => `0>${i}`),
  );
  // Small graphs are laid out with every reference.
  t.deepEqual(keptEdges(3, [{ from: 0, to: 1, cells: 1 }, { from: 1, to: 2, cells: 1 }, { from: 0, to: 2, cells: 1 }]), [true, true, true]);
  // The layout places every box and routes every kept edge.
  const out = layoutGraph({ boxes: Array.from({ length: 100 }, () => ({ w: 80, h: 40 })), edges });
  t.is(out.boxes.length, 100);
  t.true(out.reduced);
  t.is(out.routes.filter((r) => r !== null).length, edges.length - 9);
});

/** Opens a report from its file: URL, offline, and waits for its script to finish. */
async function openReport(file: string): Promise<Opened> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await context.newPage();
    // tsx compiles this file with esbuild's keepNames: functions passed to page.evaluate
    // call its __name helper, which the page does not have.
    await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    const url = pathToFileURL(file).href;
    // The file itself, and the graph's layout worker started from the page's own script.
    page.on('request', (r) => {
      if (r.url() !== url && !r.url().startsWith('blob:')) problems.push(`request to ${r.url()}`);
    });
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction(() => document.body.dataset['ready'] === '1', undefined, { timeout: 60_000 });
    const times = await page.evaluate(() => ({
      firstPaintMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      readyMs: Number(document.body.dataset['readyMs']),
    }));
    return { page, problems, ...times, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/**
 * Pixels of a canvas: how many are not blank (neither transparent nor white), and how
 * many have exactly each of `colors` (#rrggbb; filled rectangles' inner pixels).
 */
async function pixels(page: Page, selector: string, colors: string[]): Promise<{ nonBlank: number; byColor: Record<string, number> }> {
  return page.$eval(
    selector,
    (el, colors) => {
      const c = el as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const wanted = new Map(colors.map((h) => [parseInt(h.slice(1), 16), h]));
      const byColor: Record<string, number> = Object.fromEntries(colors.map((h) => [h, 0]));
      let nonBlank = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
        if (a === 0 || (r === 255 && g === 255 && b === 255)) continue;
        nonBlank++;
        const hex = wanted.get((r << 16) | (g << 8) | b);
        if (hex !== undefined && a === 255) byColor[hex]!++;
      }
      return { nonBlank, byColor };
    },
    colors,
  );
}

/** The text of each body row's cells of the first table in the section headed `headingId`. */
async function tableRows(page: Page, headingId: string): Promise<string[][]> {
  return page.$eval(`#${headingId}`, (h) => {
    const table = h.closest('section')!.querySelector('table');
    if (!table) return [];
    return [...table.tBodies[0]!.rows].map((r) => [...r.cells].map((c) => (c.textContent ?? '').trim()));
  });
}

/** The accessibility pass: heading levels, table semantics, text contrast. Returns the problems found. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    // Headings: one h1, first; never a level skipped on the way down.
    const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
    if (headings[0] !== 1 || headings.filter((l) => l === 1).length !== 1) problems.push(`headings must start with the only h1: ${headings.join(',')}`);
    headings.forEach((l, i) => {
      if (i > 0 && l > headings[i - 1]! + 1) problems.push(`heading level ${l} after ${headings[i - 1]}`);
    });
    // Tables: a caption, a header row, every header cell scoped.
    for (const t of document.querySelectorAll('table')) {
      if (!t.caption?.textContent?.trim()) problems.push('a table without a caption');
      if (!t.tHead?.querySelector('th')) problems.push(`table "${t.caption?.textContent}" has no header row`);
      for (const th of t.querySelectorAll('th')) {
        const scope = th.getAttribute('scope');
        if (scope !== 'col' && scope !== 'row') problems.push(`th "${th.textContent}" without scope`);
      }
    }
    // Contrast (WCAG 2): every rendered text against the background behind it.
    const parse = (c: string): number[] => {
      const p = (/rgba?\(([^)]+)\)/.exec(c)?.[1] ?? '0,0,0,0').split(/[\s,/]+/).filter(Boolean).map(Number);
      return [p[0]!, p[1]!, p[2]!, p[3] ?? 1];
    };
    const over = (top: number[], under: number[]) => [0, 1, 2].map((i) => top[i]! * top[3]! + under[i]! * (1 - top[3]!));
    const luminance = (c: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(c[0]!) + 0.7152 * f(c[1]!) + 0.0722 * f(c[2]!);
    };
    const background = (el: Element) => {
      const layers: number[][] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3]! > 0) layers.push(c);
        if (c[3]! >= 1) break;
      }
      return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255]);
    };
    document.querySelectorAll('details').forEach((d) => (d.open = true));
    let checked = 0;
    for (const el of document.body.querySelectorAll('*')) {
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
      if (!own || el.getClientRects().length === 0 || getComputedStyle(el).visibility !== 'visible') continue;
      const bg = background(el);
      const fg = over(parse(getComputedStyle(el).color), bg);
      const [a, b] = [luminance(fg), luminance(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      checked++;
      if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} < 4.5 for <${el.tagName.toLowerCase()}> "${el.textContent!.trim().slice(0, 40)}"`);
    }
    if (checked < 20) problems.push(`only ${checked} text elements were checked`);
    return problems;
  });
}

async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

function prerequisites(t: ExecutionContext): boolean {
  const missing = missingPrerequisites();
  if (missing) t.fail(missing);
  return !missing;
}

test('the report of a small workbook: offline, tables with the expected figures, graph and heat maps drawn, accessible', async (t) => {
  if (!prerequisites(t)) return;
  const file = fixtureFile(reportWorkbook());
  const html = join(work, 'small.html');
  const build = await compile(file, { outDir: join(work, 'small-engine'), report: html });
  t.is(build.formulaCells, 17);
  t.true(existsSync(join(work, 'small-engine', 'engine.js')), 'the engine is built as usual');
  const { page, problems, close } = await openReport(html);
  try {
    t.deepEqual(problems, []);
    t.is(await page.title(), `sheetc report: ${file.split('/').pop()}`);
    // Verification: 13 compared, the one difference is Summary!B3 (stored 999, 1+1 = 2).
    t.deepEqual(await tableRows(page, 'diff-h'), [['Summary!B3', '999', '2']]);
    t.regex(await page.textContent('#summary-h + dl') ?? '', /1 difference\s*of 13 formula cells compared/);
    const backfilled = await tableRows(page, 'backfill-h');
    t.deepEqual(backfilled.map((r) => [r[0], r[1], r[3], r[4]]), [['Legacy!B2', 'unsupported-function', '=WEBSERVICE("http://example.com/rate")', 'stored value']]);
    const functions = await tableRows(page, 'functions-h');
    t.deepEqual(functions, [['SUM', '1', 'supported'], ['WEBSERVICE', '1', 'not supported (backfilled)']]);
    // The largest shape: Calc!C2:C11, one formula copied over 10 cells.
    t.deepEqual((await tableRows(page, 'shapes-h'))[0], ['Calc!C2', '10', '=Inputs!B4*2', '']);
    const clusters = await tableRows(page, 'clusters-h');
    t.deepEqual(clusters, [['1', '2', 'Calc (2)', 'Calc!D2, Calc!E2']]);
    // References: Calc reads Inputs in 11 cells (12 references), Summary reads Calc in 2.
    t.deepEqual(await tableRows(page, 'graph-h'), [['Calc', 'Inputs', '11', '12'], ['Summary', 'Calc', '2', '2']]);
    // The graph: sheet boxes, and Calc in a circular cluster.
    const graph = await pixels(page, '#graph', [GRAPH.node, GRAPH.cluster]);
    t.true(graph.byColor[GRAPH.node]! > 500, `sheet boxes: ${JSON.stringify(graph)}`);
    t.true(graph.byColor[GRAPH.cluster]! > 500, `the cluster's sheet: ${JSON.stringify(graph)}`);
    // Heat maps (sheets 0..3): constants on Inputs, formulas on Calc, the difference on
    // Summary, the backfilled cell on Legacy.
    const heat = (i: number) => pixels(page, `canvas[data-sheet="${i}"]`, [kind('constant'), kind('formula'), kind('backfilled'), OVERLAYS.mismatch.color]);
    const [inputs, calc, summary, legacy] = await Promise.all([0, 1, 2, 3].map(heat));
    t.true(inputs!.byColor[kind('constant')]! > 100 && inputs!.byColor[kind('formula')] === 0, JSON.stringify(inputs));
    t.true(calc!.byColor[kind('formula')]! > 100, JSON.stringify(calc));
    t.true(summary!.byColor[OVERLAYS.mismatch.color]! > 10, JSON.stringify(summary));
    t.true(legacy!.byColor[kind('backfilled')]! > 10 && legacy!.byColor[OVERLAYS.mismatch.color] === 0, JSON.stringify(legacy));
    t.deepEqual(await accessibilityProblems(page), []);
    t.log(`screenshot: ${await screenshot(page, 'report-small.png')}`);
  } finally {
    await close();
  }
});

test("an output profile's report: inputs, outputs with their cones, folded and dropped cells on the heat maps", async (t) => {
  if (!prerequisites(t)) return;
  const file = fixtureFile(reportWorkbook());
  const html = join(work, 'profile.html');
  await compile(file, { outDir: join(work, 'profile-engine'), report: html, inputs: ['Inputs!B1'], outputs: ['Summary!B2', 'Calc!B2'] });
  const { page, problems, close } = await openReport(html);
  try {
    t.deepEqual(problems, []);
    const rows = await page.$eval('#profile-h', (h) =>
      [...h.closest('section')!.querySelectorAll('table')].map((table) => [...table.tBodies[0]!.rows].map((r) => [...r.cells].map((c) => (c.textContent ?? '').trim()))),
    );
    t.deepEqual(rows[0], [['Inputs!B1', 'Inputs!B1', '', 'number']]);
    // Summary!B2 = SUM(Calc!C2:C11): itself and 10 cells, none reached by the rate (all
    // folded); Calc!B2 reads the rate: one live cell.
    t.deepEqual(rows[1], [
      ['Summary!B2', 'Summary!B2', '', 'number', '11', '0', '11'],
      ['Calc!B2', 'Calc!B2', '', 'number', '1', '1', '0'],
    ]);
    // Summary!B2 is folded (a constant in the engine); on Calc, B2 stays a formula, and
    // C2:C11 (folded into Summary!B2, read by no live cell) and the cluster D2:E2
    // (outside both cones) are dropped.
    const calc = await pixels(page, 'canvas[data-sheet="1"]', [kind('folded'), kind('dropped'), kind('formula')]);
    t.true(calc.byColor[kind('formula')]! > 10 && calc.byColor[kind('dropped')]! > 100 && calc.byColor[kind('folded')] === 0, JSON.stringify(calc));
    const summary = await pixels(page, 'canvas[data-sheet="2"]', [kind('folded')]);
    t.true(summary.byColor[kind('folded')]! > 10, JSON.stringify(summary));
    t.deepEqual(await accessibilityProblems(page), []);
  } finally {
    await close();
  }
});

test('sheetc report and sheetc build --report write the page; a missing -o is a typed error', async (t) => {
  if (!prerequisites(t)) return;
  const file = fixtureFile(reportWorkbook());
  const out = join(work, 'cli.html');
  const r = cli('report', file, '-o', out, '--json');
  t.is(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { report: string; bytes: number; build: { formulaCells: number } };
  t.is(json.report, out);
  t.is(json.bytes, statSync(out).size);
  t.is(json.build.formulaCells, 17);
  t.regex(readFileSync(out, 'utf8'), /<h2 id="graph-h">Sheet graph<\/h2>/);
  const built = cli('build', file, '-o', join(work, 'cli-engine'), '--report', join(work, 'cli-build.html'));
  t.is(built.status, 0, built.stderr);
  t.regex(built.stdout, /report .*cli-build\.html/);
  t.true(existsSync(join(work, 'cli-engine', 'engine.js')) && statSync(join(work, 'cli-build.html')).size > 10_000);
  const missing = cli('report', file, '--json');
  t.is(missing.status, 2);
  t.is((JSON.parse(missing.stderr) as { error: { code: string } }).error.code, 'E_INVALID_OPTION');
  await t.throwsAsync(compile(file, { outDir: join(work, 'bad'), report: ' ' }), { instanceOf: SheetcError, message: /report must be the path/ });
});

test("workbook text cannot add markup or script to the report", async (t) => {
  if (!prerequisites(t)) return;
  const name = '<img src=x onerror=alert(1)>';
  const file = fixtureFile({
    sheets: [
      { name, cells: { A1: 1, B1: { formula: 'WEBSERVICE("</script><img src=y onerror=alert(2)>")', value: '<b>x</b>' } } },
      { name: 'Other', cells: { A1: { formula: `'${name}'!A1+1`, value: 2 } } },
    ],
  });
  const html = join(work, 'hostile.html');
  await compile(file, { outDir: join(work, 'hostile-engine'), report: html });
  const { page, problems, close } = await openReport(html);
  try {
    t.deepEqual(problems, []);
    t.is(await page.locator('img, b').count(), 0, 'no element came from the workbook');
    t.is(await page.textContent('#sheet-0-h'), name);
    t.is((await tableRows(page, 'backfill-h'))[0]?.[3], '=WEBSERVICE("</script><img src=y onerror=alert(2)>")');
  } finally {
    await close();
  }
});

test('200 sheets: the graph is laid out and drawn, heat maps drawn as they come into view', async (t) => {
  if (!prerequisites(t)) return;
  // A chain of 199 sheets after an input sheet, every tenth also reading the input sheet.
  const sheets = [{ name: 'Inputs', cells: { A1: 1 } as Record<string, number | string> }];
  for (let i = 1; i < 200; i++) sheets.push({ name: `S${i}`, cells: { A1: `=${i === 1 ? 'Inputs' : `S${i - 1}`}!A1+${i % 10 === 0 ? 'Inputs!A1' : '1'}` } });
  const html = join(work, 'wide.html');
  await compile(fixtureFile({ sheets }), { outDir: join(work, 'wide-engine'), report: html });
  const { page, problems, readyMs, close } = await openReport(html);
  try {
    t.deepEqual(problems, []);
    t.is(await tableRows(page, 'graph-h').then((r) => r.length), 199 + 19);
    const graph = await pixels(page, '#graph', [GRAPH.node]);
    t.true(graph.byColor[GRAPH.node]! > 1000, JSON.stringify(graph));
    const last = page.locator('canvas[data-sheet="199"]');
    t.is(await last.getAttribute('data-drawn'), null, 'heat maps far below are drawn later');
    await last.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('canvas[data-sheet="199"]')?.getAttribute('data-drawn') === '1');
    t.true((await pixels(page, 'canvas[data-sheet="199"]', [kind('formula')])).byColor[kind('formula')]! > 100);
    t.log(`ready after ${readyMs} ms`);
  } finally {
    await close();
  }
});

test('the 1M-cell bench workload: a report of at most 5 MB, drawn in Chromium', async (t) => {
  if (!prerequisites(t)) return;
  // The bench's own workload and cache (bench/.cache): generated once, reused after.
  const gen = (await import(pathToFileURL(join(root, 'bench', 'generate.mjs')).href)) as {
    cachePath(dir: string, target: number): string;
  };
  const workbook = gen.cachePath(join(root, 'bench', '.cache'), 1_000_000);
  if (!existsSync(workbook)) {
    const g = spawnSync(process.execPath, [join(root, 'bench', 'generate.mjs'), '--cells', '1M', '-o', workbook], { encoding: 'utf8', timeout: 300_000 });
    t.is(g.status, 0, g.stderr);
  }
  const html = join(work, 'pe-1M.html');
  const r = cli('report', workbook, '-o', html, '--json');
  t.is(r.status, 0, r.stderr);
  const { bytes, build } = JSON.parse(r.stdout) as { bytes: number; build: { formulaCells: number; sheets: unknown[] } };
  t.true(build.formulaCells >= 1_000_000 * 0.99, `${build.formulaCells} formula cells`);
  t.true(bytes <= 5 * 1024 * 1024, `report ${bytes} bytes`);
  const { page, problems, firstPaintMs, readyMs, close } = await openReport(html);
  try {
    t.deepEqual(problems, []);
    const graph = await pixels(page, '#graph', [GRAPH.node, GRAPH.cluster]);
    t.true(graph.byColor[GRAPH.node]! > 1000 && graph.byColor[GRAPH.cluster]! > 100, JSON.stringify(graph));
    // Revenue (sheet 2): 4,123 rows of formulas.
    const revenue = await pixels(page, 'canvas[data-sheet="2"]', [kind('formula'), kind('constant')]);
    t.true(revenue.byColor[kind('formula')]! > 10_000 && revenue.byColor[kind('constant')]! > 100, JSON.stringify(revenue));
    // Zoom into a region of those 4,000 rows (Shift+drag): the region's corner becomes the
    // map's corner; Fit brings the first view back.
    const map = page.locator('canvas[data-sheet="2"]');
    await map.scrollIntoViewIfNeeded();
    const box = (await map.boundingBox())!;
    const status = page.locator('#sheet-2-h').locator('xpath=..').locator('.tools output');
    const cellAt = async (x: number, y: number) => {
      await page.mouse.move(box.x + x, box.y + y);
      return (await status.textContent()) ?? '';
    };
    const corner = await cellAt(3, 3);
    const regionCorner = await cellAt(300, 150);
    t.notDeepEqual(corner, regionCorner);
    await page.keyboard.down('Shift');
    await page.mouse.down();
    await page.mouse.move(box.x + 400, box.y + 160, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.waitForTimeout(100);
    // Within a row: the first view has about 11 rows per pixel, the zoomed one 3 pixels per row.
    const cell = (text: string) => /^([A-Z]+)(\d+):/.exec(text)?.slice(1) ?? [];
    const [col0, row0] = cell(regionCorner);
    const [col1, row1] = cell(await cellAt(0.5, 0.5));
    t.true(col0 === col1 && Math.abs(Number(row0) - Number(row1)) <= 1, `${regionCorner} → ${col1}${row1}`);
    await page.locator('#sheet-2-h').locator('xpath=..').getByRole('button', { name: 'Fit' }).click();
    t.is(await cellAt(3, 3), corner);
    t.deepEqual(await accessibilityProblems(page), []);
    t.log(`report ${(bytes / 1024).toFixed(1)} KB; first contentful paint ${Math.round(firstPaintMs)} ms, drawn ${readyMs} ms; screenshot ${await screenshot(page, 'report-1M.png')}`);
  } finally {
    await close();
  }
});
