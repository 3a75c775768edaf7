/**
 * A compiled engine runs in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) loads a page from a local HTTP server (127.0.0.1) that imports engine.js as
 * an ES module and writes computed values into the page.
 *
 * Chromium is looked up at $SHEETC_CHROMIUM, else /usr/bin/chromium. The test never installs
 * it and fails when it is missing (.ci/run installs it: apt-get install -y chromium). Every
 * request the page makes outside the local server is aborted and fails the test.
 *
 * Needs `npm run build` first (dist/ and the native addon); fails, never skips, without them.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformKey } from '../ts/native.js';
import { CHROMIUM, launchChromium, serve } from './helpers/browser.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const EXPECTED_PAYMENT = 1498.88; // Loan!B8 = ROUND(-PMT(0.005, 360, 250000), 2), as Excel computes it

const work = mkdtempSync(join(tmpdir(), 'sheetc-browser-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sheetc engine</title></head>
<body>
  <p>Monthly payment: <output id="payment">…</output></p>
  <p>For 100,000: <output id="cheaper">…</output></p>
  <p>Rows: <output id="rows">…</output></p>
  <pre id="error"></pre>
  <script type="module">
    import { run } from './engine.js';
    try {
      const base = run();
      document.getElementById('payment').textContent = String(base.get('Loan!B8'));
      document.getElementById('cheaper').textContent = String(run({ 'Loan!B2': 100000 }).get('Loan!B8'));
      document.getElementById('rows').textContent = String(Object.keys(base.toJSON()).length);
    } catch (e) {
      document.getElementById('error').textContent = String(e && e.stack || e);
    }
    document.body.dataset.done = '1';
  </script>
</body>
</html>
`;

/**
 * Serves `dir`, opens its index.html in headless Chromium and waits for the page's
 * script to finish (`data-done`). Any request outside the local server is aborted and
 * reported in `problems`, as are page errors (and console errors when asked).
 */
async function openPage(dir: string, consoleErrors: boolean) {
  const { server, origin, served } = await serve(dir);
  const browser = await launchChromium();
  const close = async () => {
    await browser.close();
    await new Promise<void>((ok) => server.close(() => ok()));
  };
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    if (consoleErrors) {
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
    }
    // Only the local server: anything else is aborted and reported.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`)) return route.continue();
      problems.push(`blocked request to ${url}`);
      return route.abort();
    });
    await page.goto(`${origin}/index.html`, { waitUntil: 'load', timeout: 30_000 });
    await page.waitForFunction(() => document.body.dataset['done'] === '1', undefined, { timeout: 30_000 });
    return { page, problems, served, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Why the browser tests cannot run here (they fail, never skip), or null. */
function missingPrerequisites(): string | null {
  if (!existsSync(CHROMIUM)) {
    return `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set SHEETC_CHROMIUM to a Chrome/Chromium executable`;
  }
  const missing = ['dist/cli.js', 'dist/runtime.js', `sheetc.${platformKey()}.node`].filter((f) => !existsSync(join(root, f)));
  return missing.length ? `missing ${missing.join(', ')}: run \`npm run build\` (build:native + build:ts) before this test` : null;
}

/** Builds examples/loan.xlsx into `dir` with the CLI (extra options appended). */
function buildExample(dir: string, ...options: string[]) {
  return spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'build', join(root, 'examples', 'loan.xlsx'), '-o', dir, ...options], { encoding: 'utf8', timeout: 120_000 });
}

test('an engine loads and computes in headless Chromium', async (t) => {
  const missing = missingPrerequisites();
  if (missing) {
    t.fail(missing);
    return;
  }
  const dir = join(work, 'site');
  const build = buildExample(dir);
  t.is(build.status, 0, `${build.stdout}${build.stderr}`);
  writeFileSync(join(dir, 'index.html'), INDEX_HTML);
  const { page, problems, served, close } = await openPage(dir, true);
  try {
    t.is(await page.textContent('#error'), '', 'the engine threw in the browser');
    t.is(await page.textContent('#payment'), String(EXPECTED_PAYMENT));
    t.is(await page.textContent('#cheaper'), '599.55'); // PMT(0.005, 360, 100000)
    t.true(Number(await page.textContent('#rows')) > 50, 'run().toJSON() has every formula cell');
    t.deepEqual(problems, []);
    t.true(served.includes('/engine.js') && served.includes('/runtime.js'), `the page imported the engine modules over HTTP: ${served.join(', ')}`);
  } finally {
    await close();
  }
});

const LAZY_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sheetc lazy engine</title></head>
<body>
  <p>Monthly payment: <output id="payment">…</output></p>
  <p>Before load: <output id="before">…</output></p>
  <pre id="error"></pre>
  <script type="module">
    import { load, run, runScoped } from './engine.js';
    try {
      try { run(); document.getElementById('before').textContent = 'ran'; }
      catch (e) { document.getElementById('before').textContent = e.code; }
      const r = await runScoped({ 'Loan!B2': 100000 }, { cells: ['Loan!B8'] });
      document.getElementById('payment').textContent = String(r.get('Loan!B8'));
    } catch (e) {
      document.getElementById('error').textContent = String(e && e.stack || e);
    }
    document.body.dataset.done = '1';
  </script>
</body>
</html>
`;

test('a lazy engine loads its cone in headless Chromium (no Node Buffer there)', async (t) => {
  const missing = missingPrerequisites();
  if (missing) {
    t.fail(missing);
    return;
  }
  const dir = join(work, 'lazy-site');
  const build = buildExample(dir, '--lazy', '--max-module-mb', '0.0005');
  t.is(build.status, 0, `${build.stdout}${build.stderr}`);
  const modules = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).modules as number;
  t.true(modules > 2, `${modules} modules`);
  writeFileSync(join(dir, 'index.html'), LAZY_HTML);
  const { page, problems, served, close } = await openPage(dir, false);
  try {
    t.is(await page.textContent('#error'), '', 'the engine threw in the browser');
    t.is(await page.textContent('#before'), 'E_NOT_LOADED');
    t.is(await page.textContent('#payment'), '599.55'); // PMT(0.005, 360, 100000)
    t.deepEqual(problems, []);
    const imported = served.filter((p) => p.startsWith('/modules/'));
    t.true(imported.length >= 1 && imported.length <= modules, `imported ${imported.join(', ')} of ${modules}`);
  } finally {
    await close();
  }
});
