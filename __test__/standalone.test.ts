/**
 * Compiled engines are standalone: an engine directory copied anywhere runs under plain
 * `node` with no node_modules and no sheetc; and sheetc's runtime side (`sheetc/runtime`,
 * `loadEngine`) works where the native compiler is absent, while `compile()` then rejects
 * with E_NATIVE_UNAVAILABLE naming the platform.
 *
 * Needs `npm run build` first (dist/ and the native addon); fails, never skips, without them.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformKey } from '../ts/native.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const EXPECTED_PAYMENT = 1498.88; // Loan!B8 = ROUND(-PMT(0.005, 360, 250000), 2), as Excel computes it

const work = mkdtempSync(join(tmpdir(), 'sheetc-standalone-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

/** The environment for child processes: none of sheetc's test overrides, no preloads. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SHEETC_') || k === 'NODE_OPTIONS' || k === 'NODE_PATH') delete env[k];
  return { ...env, ...extra };
}

function node(args: string[], cwd: string, env = cleanEnv()) {
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Compiles examples/loan.xlsx with the CLI into a fresh directory. */
function buildEngine(): string {
  const missing = ['dist/cli.js', 'dist/index.js', 'dist/runtime.js', `sheetc.${platformKey()}.node`].filter((f) => !existsSync(join(root, f)));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run \`npm run build\` (build:native + build:ts) before this test`);
  const out = join(mkdtempSync(join(work, 'build-')), 'engine');
  const r = node([join(root, 'dist', 'cli.js'), 'build', join(root, 'examples', 'loan.xlsx'), '-o', out], root);
  if (r.status !== 0) throw new Error(`sheetc build failed:\n${r.out}`);
  return out;
}

/** Directories from `dir` up to the filesystem root that hold a node_modules. */
function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) found.push(join(d, 'node_modules'));
    if (dirname(d) === d) return found;
  }
}

test('an engine directory copied to an empty directory runs under plain node', (t) => {
  const built = buildEngine();
  const dir = mkdtempSync(join(tmpdir(), 'sheetc-engine-copy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(built, dir, { recursive: true });
  rmSync(built, { recursive: true, force: true }); // nothing may point back at the build

  t.deepEqual(nodeModulesAbove(dir), [], `no node_modules may be visible from ${dir}`);
  t.true(readdirSync(dir).includes('engine.js'));

  const r = node(
    [
      '-e',
      `import('./engine.js').then((m) => {
        const base = m.run();
        const cheaper = m.run({ 'Loan!B2': 100000 });
        console.log(JSON.stringify({ payment: base.get('Loan!B8'), cheaper: cheaper.get('Loan!B8'), rate: base.get('Loan!B5') }));
      }, (e) => { console.error(e); process.exit(1); })`,
    ],
    dir,
  );
  t.is(r.status, 0, r.out);
  t.deepEqual(JSON.parse(r.stdout.trim()), { payment: EXPECTED_PAYMENT, cheaper: 599.55, rate: 0.005 });
  t.is(r.stderr, '', 'no warnings (e.g. module-type detection) while loading the engine');
});

test('sheetc/runtime and loadEngine work with the native addon hidden; compile() rejects with E_NATIVE_UNAVAILABLE', (t) => {
  const engine = buildEngine();
  const key = platformKey();
  const script = `
    const sheetc = await import('sheetc');
    const runtime = await import('sheetc/runtime');
    const out = { functions: runtime.supportedFunctions().length, hasPmt: runtime.supportedFunctions().includes('PMT') };
    const engine = await sheetc.loadEngine(${JSON.stringify(engine)});
    out.payment = engine.run().get('Loan!B8');
    try {
      await sheetc.compile(${JSON.stringify(join(root, 'examples', 'loan.xlsx'))}, { outDir: ${JSON.stringify(join(work, 'never'))} });
      out.compiled = true;
    } catch (e) {
      out.error = { name: e.name, code: e.code, message: e.message, isSheetcError: e instanceof sheetc.SheetcError };
    }
    console.log(JSON.stringify(out));
  `;
  // Run from the repo root: `sheetc` and `sheetc/runtime` resolve through the package's own
  // exports map (self-reference), as they do for a user; only the local binary is hidden and
  // no @sheetc/<platform> package is installed.
  const r = node(['--input-type=module', '-e', script], root, cleanEnv({ SHEETC_HIDE_LOCAL_NATIVE: '1' }));
  t.is(r.status, 0, r.out);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    functions: number;
    hasPmt: boolean;
    payment: number;
    compiled?: boolean;
    error?: { name: string; code: string; message: string; isSheetcError: boolean };
  };
  t.true(out.functions > 0);
  t.true(out.hasPmt);
  t.is(out.payment, EXPECTED_PAYMENT);
  t.falsy(out.compiled, 'compile() must not succeed without the native addon');
  t.is(out.error?.code, 'E_NATIVE_UNAVAILABLE');
  t.true(out.error?.isSheetcError);
  t.true(out.error?.message.includes(key), `the message names the platform ${key}: ${out.error?.message}`);
  t.true(existsSync(engine), 'the engine was not touched');
  t.false(existsSync(join(work, 'never')), 'a failed compile() writes nothing');
});
