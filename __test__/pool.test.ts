/**
 * The scenario pool (ts/pool.ts): inline and worker paths, ordering and dedupe on a
 * real compiled engine; failure semantics (failFast, timeouts, crashes, memory
 * recycling, cancellation, close) on a hand-made engine whose run() can hang, crash,
 * leak or log on demand — the pool's contract is the engine API, not the compiler.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../ts/compile.js';
import { SheetcError } from '../ts/errors.js';
import { createPool, PoolError, type PoolRuntime, type ScenarioResult } from '../ts/pool.js';
import { writeXlsx } from '../scripts/lib/xlsx-writer.js';

const RUNTIMES: PoolRuntime[] = ['worker_threads', 'child_process'];

function tmp(prefix = 'sheetc-pool-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A compiled engine: A1, A2 inputs; formulas over them, an error cell, a range. */
let realEngine: Promise<{ dir: string; run: (i?: Record<string, unknown>) => { toJSON(): Record<string, unknown>; get(r: string): unknown } }> | null = null;
function getRealEngine() {
  realEngine ??= (async () => {
    const dir = tmp();
    const file = join(dir, 'model.xlsx');
    writeFileSync(
      file,
      writeXlsx({
        sheets: [
          {
            name: 'Model',
            cells: {
              A1: 3,
              A2: 4,
              B1: { formula: 'A1*2', value: 6 },
              B2: { formula: 'A1+A2', value: 7 },
              B3: { formula: 'SUM(A1:A2)*B1', value: 42 },
              B4: { formula: 'A1/A2', value: 0.75 },
              B5: { formula: 'IF(A1>100,NA(),A1)', value: 3 },
            },
          },
        ],
      }),
    );
    const out = join(dir, 'engine');
    await compile(file, { outDir: out });
    const mod = (await import(pathToFileURL(join(out, 'engine.js')).href)) as { run: (i?: Record<string, unknown>) => { toJSON(): Record<string, unknown>; get(r: string): unknown } };
    return { dir: out, run: mod.run };
  })();
  return realEngine;
}

/**
 * A hand-made engine. Inputs: x (the value), log (file to append `id` to when a run
 * starts), sleep (busy ms), hang, crash (process.exit), micro (uncaught exception in a
 * microtask), fail (throws an EngineError-like error), leak (MB kept alive, as external memory).
 */
const FAKE_ENGINE = `
import { appendFileSync } from 'node:fs';
const kept = [];
export function run(inputs = {}) {
  if (inputs.log) appendFileSync(inputs.log, String(inputs.id ?? '') + '\\n');
  if (inputs.sleep) { const end = Date.now() + inputs.sleep; while (Date.now() < end); }
  if (inputs.hang) for (;;);
  if (inputs.crash) process.exit(3);
  if (inputs.micro) queueMicrotask(() => { throw new Error('boom in a microtask'); });
  if (inputs.fail) { const e = new Error('unknown cell reference or name "nope"'); e.code = 'E_UNKNOWN_REF'; throw e; }
  if (inputs.leak) kept.push(new Float64Array(inputs.leak * 131072).fill(1));
  const x = inputs.x ?? 0;
  return {
    get: (ref) => (ref === 'err' ? { code: '#N/A' } : ref === 'range' ? [[x, { code: '#DIV/0!' }], [null, 'a']] : x * 2),
    toJSON: () => ({ x, y: x * 2 }),
    meta: { converged: true, iterations: 0, elapsedMs: 0, stale: [] },
  };
}
`;
let fakeDir: string | null = null;
function fakeEngine(): string {
  if (!fakeDir) {
    fakeDir = tmp('sheetc-fake-engine-');
    writeFileSync(join(fakeDir, 'engine.js'), FAKE_ENGINE);
  }
  return fakeDir;
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(10);
}

// ------------------------------------------------------------------ real engine

test.serial('small batches run inline: no worker is started, values match run()', async (t) => {
  const eng = await getRealEngine();
  const pool = createPool({ engine: eng.dir, threads: 2 });
  t.teardown(() => pool.close());
  const scenarios = [{ 'Model!A1': 1 }, { 'Model!A1': 2, 'Model!A2': 10 }, { 'Model!A1': 1 }, {}];
  const results = await pool.run(scenarios);
  t.is(results.length, 4);
  scenarios.forEach((s, i) => t.deepEqual(results[i]!.values, eng.run(s).toJSON() as never));
  t.is(pool.stats().workersStarted, 0);
  t.is(pool.stats().scenariosInline, 3, 'the duplicate is computed once');
  t.not(results[0], results[2], 'duplicates get their own copy');
  await pool.close();
});

for (const runtime of RUNTIMES) {
  test.serial(`${runtime}: results come back in input order; duplicates are computed once`, async (t) => {
    const eng = await getRealEngine();
    const pool = createPool({ engine: eng.dir, threads: 2, runtime });
    t.teardown(() => pool.close());
    const scenarios = Array.from({ length: 300 }, (_, i) => ({ 'Model!A1': i % 100, 'Model!A2': (i * 7) % 13 }));
    // 300 scenarios, but (i % 100, i*7 % 13) repeats with period lcm(100, 13) > 300: make true duplicates.
    for (let i = 250; i < 300; i++) scenarios[i] = { ...scenarios[i - 250]! };
    const outputs = ['Model!B1', 'Model!B3', 'Model!B5', 'Model!B1:B2'];
    const results = await pool.run(scenarios, { outputs });
    t.is(results.length, 300);
    for (let i = 0; i < 300; i++) {
      const direct = eng.run(scenarios[i]!);
      t.deepEqual(results[i]!.values, {
        'Model!B1': direct.get('Model!B1'),
        'Model!B3': direct.get('Model!B3'),
        'Model!B5': direct.get('Model!B5'),
        'Model!B1:B2': direct.get('Model!B1:B2'),
      } as never);
    }
    const st = pool.stats();
    t.is(st.scenariosDispatched, 250, 'the 50 duplicates were not sent');
    t.true(st.workersStarted >= 1 && st.workersStarted <= 2);
    t.is(st.scenariosInline, 0);
    // Full toJSON without outputs, and an error value encoded like toJSON.
    const full = await pool.run(Array.from({ length: 20 }, (_, i) => ({ 'Model!A1': 200 + i })));
    t.deepEqual(full[0]!.values, eng.run({ 'Model!A1': 200 }).toJSON() as never);
    t.deepEqual(full[0]!.values['Model!B5'], { error: '#N/A' });
    t.is(typeof full[0]!.meta.elapsedMs, 'number');
    await pool.close();
    t.is(pool.stats().workersAlive, 0);
  });
}

test.serial('workers run scenarios incrementally against their previous one; { full: true } runs each in full, with the same values', async (t) => {
  const eng = await getRealEngine();
  const pool = createPool({ engine: eng.dir, threads: 2, inlineThreshold: 0 });
  t.teardown(() => pool.close());
  // Only A2 varies: B1 (=A1*2) and B5 (=IF(A1>100,NA(),A1)) are not in its cone.
  const scenarios = Array.from({ length: 120 }, (_, i) => ({ 'Model!A1': 3, 'Model!A2': i + 1 }));
  const incremental = await pool.run(scenarios);
  const full = await pool.run(scenarios, { full: true });
  for (let i = 0; i < scenarios.length; i++) {
    t.deepEqual(incremental[i]!.values, eng.run(scenarios[i]!).toJSON() as never);
    t.deepEqual(full[i]!.values, incremental[i]!.values);
    t.false(full[i]!.meta.incremental);
    t.is(full[i]!.meta.recomputed, 5);
  }
  const small = incremental.filter((r) => r.meta.incremental && r.meta.recomputed === 3);
  // Each worker's first scenario is a full run; the others recompute B2, B3 and B4.
  t.true(small.length >= scenarios.length - 2, `${small.length} incremental scenarios`);
  await t.throwsAsync(pool.run(scenarios, { full: 'yes' as never }), { code: 'E_INVALID_OPTION' });
  await pool.close();
});

test.serial('an unknown output reference fails the scenario with the engine error code', async (t) => {
  const eng = await getRealEngine();
  const pool = createPool({ engine: eng.dir, threads: 1, inlineThreshold: 0 });
  t.teardown(() => pool.close());
  const err = await t.throwsAsync(pool.run([{}, { 'Model!A1': 2 }], { outputs: ['Nope!A1'] }));
  t.true(err instanceof PoolError);
  t.is((err as PoolError).code, 'E_SCENARIO_FAILED');
  t.is((err as PoolError).failures[0]!.error.code, 'E_UNKNOWN_REF');
  const unknownInput = await pool.run([{ 'Model!A1': 1 }, { 'Zzz!A1': 1 }], { failFast: false });
  t.deepEqual((unknownInput[1] as { error: { code: string } }).error.code, 'E_UNKNOWN_REF');
  t.truthy((unknownInput[0] as ScenarioResult).values);
  await pool.close();
});

test.serial('stream yields every scenario once, as they finish', async (t) => {
  const eng = await getRealEngine();
  const pool = createPool({ engine: eng.dir, threads: 2 });
  t.teardown(() => pool.close());
  const scenarios = Array.from({ length: 100 }, (_, i) => ({ 'Model!A1': i % 60 }));
  const seen = new Map<number, unknown>();
  for await (const item of pool.stream(scenarios, { outputs: ['Model!B1'] })) {
    t.false(seen.has(item.index));
    t.true('result' in item);
    if ('result' in item) seen.set(item.index, item.result.values['Model!B1']);
  }
  t.is(seen.size, 100);
  for (let i = 0; i < 100; i++) t.is(seen.get(i), (i % 60) * 2);
  // A small stream runs inline.
  const small = [];
  for await (const item of pool.stream([{ 'Model!A1': 5 }, { 'Model!A1': 5 }])) small.push(item);
  t.deepEqual(
    small.map((x) => x.index),
    [0, 1],
  );
  await pool.close();
});

// ------------------------------------------------------------------ failure semantics (hand-made engine)

for (const runtime of RUNTIMES) {
  test.serial(`${runtime}: failFast stops scheduling and nothing runs after the rejection`, async (t) => {
    const dir = tmp();
    const log = join(dir, 'log');
    const pool = createPool({ engine: fakeEngine(), threads: 2, runtime });
    t.teardown(() => pool.close());
    const scenarios = Array.from({ length: 200 }, (_, i) => ({ id: i, x: i, log, sleep: 3, fail: i === 30 }));
    const err = (await t.throwsAsync(pool.run(scenarios))) as PoolError;
    t.true(err instanceof PoolError);
    t.is(err.code, 'E_SCENARIO_FAILED');
    t.deepEqual(
      err.failures.map((f) => [f.index, f.error.code]),
      [[30, 'E_UNKNOWN_REF']],
    );
    t.true(err.completed.size > 0);
    t.is(err.completed.get(0)!.values['y'], 0);
    const atRejection = lines(log).length;
    t.true(atRejection < 200, `stopped early (${atRejection} started)`);
    t.is(err.completed.size + err.failures.length, atRejection, 'every started scenario finished and is reported');
    await sleep(300);
    t.is(lines(log).length, atRejection, 'no scenario ran after the rejection');
    await pool.close();
  });
}

test.serial('without failFast each scenario gets its result or its error', async (t) => {
  const pool = createPool({ engine: fakeEngine(), threads: 2, inlineThreshold: 0 });
  t.teardown(() => pool.close());
  const scenarios = Array.from({ length: 40 }, (_, i) => ({ x: i, fail: i % 10 === 3 }));
  const results = await pool.run(scenarios, { failFast: false, outputs: ['y', 'err', 'range'] });
  for (let i = 0; i < 40; i++) {
    const r = results[i]!;
    if (i % 10 === 3) t.deepEqual(r, { error: { code: 'E_UNKNOWN_REF', message: 'unknown cell reference or name "nope"' } });
    else t.deepEqual((r as ScenarioResult).values, { y: i * 2, err: { error: '#N/A' }, range: [[i, { error: '#DIV/0!' }], [null, 'a']] });
  }
  await pool.close();
});

for (const runtime of RUNTIMES) {
  test.serial(`${runtime}: a scenario past timeoutMs fails with E_TIMEOUT and its worker is replaced`, async (t) => {
    const pool = createPool({ engine: fakeEngine(), threads: 2, runtime, timeoutMs: 1000, inlineThreshold: 0 });
    t.teardown(() => pool.close());
    const scenarios = Array.from({ length: 30 }, (_, i) => ({ x: i, hang: i === 7 }));
    const t0 = Date.now();
    const results = await pool.run(scenarios, { failFast: false });
    t.true(Date.now() - t0 < 10_000);
    for (let i = 0; i < 30; i++) {
      if (i === 7) t.is((results[i] as { error: { code: string } }).error.code, 'E_TIMEOUT');
      else t.is((results[i] as ScenarioResult).values['x'], i);
    }
    const st = pool.stats();
    t.is(st.timeouts, 1);
    t.true(st.workersStarted >= 2, 'the hung worker was replaced');
    // The pool still works afterwards.
    const again = await pool.run(Array.from({ length: 20 }, (_, i) => ({ x: i + 1 })));
    t.is(again[19]!.values['x'], 20);
    await pool.close();
    // With timeoutMs, even a small batch runs on a worker (an inline run cannot be interrupted).
    const guarded = createPool({ engine: fakeEngine(), threads: 1, runtime, timeoutMs: 1000 });
    t.teardown(() => guarded.close());
    const small = await guarded.run([{ hang: true }, { x: 1 }], { failFast: false });
    t.is((small[0] as { error: { code: string } }).error.code, 'E_TIMEOUT');
    t.is((small[1] as ScenarioResult).values['x'], 1);
    t.is(guarded.stats().scenariosInline, 0);
  });

  test.serial(`${runtime}: a worker that crashes fails only its scenario and is replaced`, async (t) => {
    const pool = createPool({ engine: fakeEngine(), threads: 2, runtime, inlineThreshold: 0 });
    t.teardown(() => pool.close());
    const scenarios = Array.from({ length: 50 }, (_, i) => ({ x: i, crash: i === 12, micro: i === 33 }));
    const results = await pool.run(scenarios, { failFast: false });
    for (let i = 0; i < 50; i++) {
      if (i === 12 || i === 33) t.is((results[i] as { error: { code: string } }).error.code, 'E_WORKER_CRASHED', `scenario ${i}`);
      else t.is((results[i] as ScenarioResult).values['x'], i, `scenario ${i}`);
    }
    t.is(pool.stats().workersCrashed, 2);
    await pool.close();
  });
}

test.serial('child_process: a worker killed by a signal (native-crash-like) fails only its scenario', async (t) => {
  const dir = tmp();
  const engine = join(dir, 'engine');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(engine);
  writeFileSync(join(engine, 'engine.js'), FAKE_ENGINE.replace("if (inputs.crash) process.exit(3);", "if (inputs.crash) process.kill(process.pid, 'SIGKILL');"));
  const pool = createPool({ engine, threads: 1, runtime: 'child_process', inlineThreshold: 0 });
  t.teardown(() => pool.close());
  const results = await pool.run(
    Array.from({ length: 20 }, (_, i) => ({ x: i, crash: i === 5 })),
    { failFast: false },
  );
  t.regex((results[5] as { error: { message: string } }).error.message, /SIGKILL/);
  t.is(results.filter((r) => 'values' in r).length, 19);
  await pool.close();
});

for (const runtime of RUNTIMES) {
  test.serial(`${runtime}: a worker above maxMemoryMb is recycled between scenarios`, async (t) => {
    const pool = createPool({ engine: fakeEngine(), threads: 1, runtime, maxMemoryMb: 250, inlineThreshold: 0 });
    t.teardown(() => pool.close());
    // Scenario 5 keeps 300 MB alive: the worker is recycled after it; the others run on a fresh one.
    const results = await pool.run(
      Array.from({ length: 20 }, (_, i) => ({ x: i, leak: i === 5 ? 300 : 0 })),
      { failFast: false },
    );
    for (let i = 0; i < 20; i++) t.is((results[i] as ScenarioResult).values['x'], i);
    const st = pool.stats();
    t.is(st.workersRecycled, 1);
    t.is(st.workersStarted, 2);
    t.is(st.workersCrashed, 0);
    await pool.close();
  });
}

for (const runtime of RUNTIMES) {
  test.serial(`${runtime}: signal aborts the batch: pending never start, running ones are abandoned`, async (t) => {
    const dir = tmp();
    const log = join(dir, 'log');
    const pool = createPool({ engine: fakeEngine(), threads: 2, runtime, inlineThreshold: 0 });
    t.teardown(() => pool.close());
    const ac = new AbortController();
    const scenarios = Array.from({ length: 100 }, (_, i) => ({ id: i, x: i, log, sleep: 20, hang: i === 0 }));
    const p = pool.run(scenarios, { signal: ac.signal });
    await until(() => lines(log).length >= 5);
    t.true(lines(log).length >= 5);
    ac.abort();
    const err = (await t.throwsAsync(p)) as PoolError;
    t.is(err.code, 'E_CANCELLED');
    const atRejection = lines(log).length;
    t.true(atRejection < 100);
    await sleep(300);
    t.is(lines(log).length, atRejection, 'nothing ran after the rejection');
    t.is(pool.stats().workersAlive, 0, 'the busy workers were terminated');
    // Aborted before the start.
    const err2 = (await t.throwsAsync(pool.run(scenarios, { signal: AbortSignal.abort() }))) as PoolError;
    t.is(err2.code, 'E_CANCELLED');
    await pool.close();
  });
}

test.serial('stream applies back-pressure: a slow consumer does not make the pool run ahead', async (t) => {
  const dir = tmp();
  const log = join(dir, 'log');
  const pool = createPool({ engine: fakeEngine(), threads: 1 });
  t.teardown(() => pool.close());
  // 400 scenarios, 1 thread: chunks of 64; at most threads × 2 = 2 chunks in flight or unconsumed.
  const scenarios = Array.from({ length: 400 }, (_, i) => ({ id: i, x: i, log }));
  const it = pool.stream(scenarios);
  const first = await it.next();
  t.false(first.done);
  await sleep(700);
  const started = lines(log).length;
  t.true(started <= 3 * 64, `${started} scenarios started while the consumer slept`);
  t.true(started >= 64);
  let n = 1;
  for await (const _ of it) n++;
  t.is(n, 400);
  t.is(lines(log).length, 400);
  await pool.close();
});

test.serial('stream: breaking out early stops scheduling; failFast ends the stream with a PoolError', async (t) => {
  const dir = tmp();
  const log = join(dir, 'log');
  const pool = createPool({ engine: fakeEngine(), threads: 1 });
  t.teardown(() => pool.close());
  for await (const item of pool.stream(Array.from({ length: 400 }, (_, i) => ({ id: i, x: i, log })))) {
    if (item.index >= 0) break;
  }
  await sleep(300);
  t.true(lines(log).length <= 3 * 64);
  const got: number[] = [];
  const err = (await t.throwsAsync(async () => {
    for await (const item of pool.stream(Array.from({ length: 100 }, (_, i) => ({ x: i, fail: i === 50 })))) {
      if ('error' in item) got.push(item.index);
    }
  })) as PoolError;
  t.is(err.code, 'E_SCENARIO_FAILED');
  t.deepEqual(got, [50]);
  await pool.close();
});

test.serial('close() rejects pending batches with E_CLOSED and releases every worker', async (t) => {
  const pool = createPool({ engine: fakeEngine(), threads: 2, inlineThreshold: 0 });
  t.teardown(() => pool.close());
  const p = pool.run(Array.from({ length: 50 }, (_, i) => ({ x: i, sleep: 50 })));
  await sleep(200);
  await pool.close();
  const err = (await t.throwsAsync(p)) as PoolError;
  t.is(err.code, 'E_CLOSED');
  t.is(pool.stats().workersAlive, 0);
  await t.throwsAsync(pool.run([{}]), { instanceOf: PoolError });
});

test.serial('options are validated', (t) => {
  t.throws(() => createPool({ engine: join(tmpdir(), 'no-such-engine-dir') }), { instanceOf: SheetcError, message: /engine\.js/ });
  t.throws(() => createPool({ engine: fakeEngine(), threads: 0 }), { instanceOf: SheetcError });
  t.throws(() => createPool({ engine: fakeEngine(), runtime: 'fibers' as never }), { instanceOf: SheetcError });
  t.throws(() => createPool({ engine: fakeEngine(), timeoutMs: -1 }), { instanceOf: SheetcError });
});

for (const runtime of RUNTIMES) {
  test.serial(`${runtime}: an unclosed pool does not keep the process alive once idle`, async (t) => {
    const dir = tmp();
    const script = join(dir, 'script.mts');
    const poolUrl = new URL('../ts/pool.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { createPool } from ${JSON.stringify(poolUrl)};
const pool = createPool({ engine: ${JSON.stringify(fakeEngine())}, threads: 2, runtime: ${JSON.stringify(runtime)}, inlineThreshold: 0 });
const r = await pool.run(Array.from({ length: 100 }, (_, i) => ({ x: i })));
console.log('done', r.length, pool.stats().workersAlive);
`,
    );
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | string>((r) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        r('hung');
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        r(c ?? -1);
      });
    });
    t.is(code, 0, out);
    t.regex(out, /done 100 2/);
    t.true(Date.now() - t0 < 20_000);
  });
}
