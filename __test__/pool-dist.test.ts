/**
 * What ships runs without tsx (a development dependency): nothing in dist/ loads it, and
 * the pool's workers (both runtimes) and compileMany's children run built JavaScript, in a
 * plain `node` process with no loader. Needs `npm run build:ts` first (as the CLI tests).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/build.js';
import { writeXlsx } from '../scripts/lib/xlsx-writer.js';

const root = process.cwd();
const dist = join(root, 'dist');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.js') ? [p] : [];
  });
}

test('no built file loads tsx', (t) => {
  const offenders = files(dist).filter((f) => /['"`]tsx(\/[^'"`]*)?['"`]/.test(readFileSync(f, 'utf8')));
  t.deepEqual(offenders, []);
});

test('pool workers and compileMany children run from dist in a process without a loader', (t) => {
  const dir = tempDir('sheetc-dist-');
  const engine = join(dir, 'engine');
  mkdirSync(engine);
  writeFileSync(
    join(engine, 'engine.js'),
    `export function run(i = {}) { const x = i.x ?? 0; return { get: () => x, toJSON: () => ({ x, loader: process.execArgv.join(' ') }), meta: { converged: true, iterations: 0, elapsedMs: 0, stale: [] } }; }\n`,
  );
  const book = join(dir, 'b.xlsx');
  writeFileSync(book, writeXlsx({ sheets: [{ name: 'S', cells: { A1: 2, B1: { formula: 'A1*10', value: 20 } } }] }));
  const script = join(dir, 'main.mjs');
  writeFileSync(
    script,
    `import { createPool, compileMany } from ${JSON.stringify(join(dist, 'index.js'))};
const out = {};
for (const runtime of ['worker_threads', 'child_process']) {
  const pool = createPool({ engine: ${JSON.stringify(engine)}, threads: 2, runtime, inlineThreshold: 0 });
  const r = await pool.run(Array.from({ length: 40 }, (_, i) => ({ x: i })));
  out[runtime] = { sum: r.reduce((s, x) => s + x.values.x, 0), loaders: [...new Set(r.map((x) => x.values.loader))] };
  await pool.close();
}
const many = await compileMany([${JSON.stringify(book)}], { outDir: ${JSON.stringify(join(dir, 'many'))} });
out.compileMany = 'report' in many[0] ? many[0].report.formulaCells : many[0].error;
console.log(JSON.stringify(out));
`,
  );
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } });
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, { sum: number; loaders: string[] } | number>;
  for (const runtime of ['worker_threads', 'child_process']) {
    const o = out[runtime] as { sum: number; loaders: string[] };
    t.is(o.sum, (39 * 40) / 2);
    t.false(o.loaders.some((l) => l.includes('tsx')), `${runtime} workers: ${o.loaders.join(' | ')}`);
  }
  t.is(out['compileMany'], 1);
});

test('workers started from source (under tsx, as these tests run) still run built JavaScript', async (t) => {
  const { createPool } = await import('../ts/pool.js');
  const engine = tempDir('sheetc-dist-src-');
  writeFileSync(
    join(engine, 'engine.js'),
    `export function run() { return { get: () => 0, toJSON: () => ({ loader: process.execArgv.join(' ')}), meta: { converged: true, iterations: 0, elapsedMs: 0, stale: [] } }; }\n`,
  );
  t.true(process.execArgv.join(' ').includes('tsx'), 'this test process runs under tsx');
  for (const runtime of ['worker_threads', 'child_process'] as const) {
    const pool = createPool({ engine, threads: 1, runtime, inlineThreshold: 0 });
    const [r] = await pool.run([{}]);
    await pool.close();
    t.false(String(r!.values['loader']).includes('tsx'), `${runtime}: ${String(r!.values['loader'])}`);
  }
});
