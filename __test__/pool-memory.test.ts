/**
 * A scenario that allocates without bound fails alone with E_WORKER_CRASHED: pool workers
 * run under a heap limit (`heapLimitMb`: resourceLimits for worker threads,
 * --max-old-space-size for child processes), so the worker dies, not the host (this test
 * process), and the pool goes on with a new worker.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, type PoolRuntime, type ScenarioResult } from '../ts/pool.js';
import { tempDir } from './helpers/build.js';

const ENGINE = `
import { getHeapStatistics } from 'node:v8';
export function run(inputs = {}) {
  // Many small arrays: the old generation grows until the heap limit.
  if (inputs.grow) { const kept = []; for (;;) kept.push(new Array(10000).fill(Math.random())); }
  // One array grown to a billion elements: a single allocation far past the limit.
  if (inputs.huge) { const a = new Array(1e9); for (let i = 0; i < 1e9; i++) a[i] = i * 0.5; }
  const x = inputs.x ?? 0;
  const heapMb = Math.round(getHeapStatistics().heap_size_limit / 1048576);
  return { get: () => x, toJSON: () => ({ x, heapMb }), meta: { converged: true, iterations: 0, elapsedMs: 0, stale: [] } };
}
`;
const engine = tempDir('sheetc-pool-oom-');
writeFileSync(join(engine, 'engine.js'), ENGINE);

for (const runtime of ['worker_threads', 'child_process'] as PoolRuntime[]) {
  test.serial(`${runtime}: a scenario past the worker heap limit fails alone with E_WORKER_CRASHED; the host survives`, async (t) => {
    const pool = createPool({ engine, threads: 2, runtime, heapLimitMb: 96, inlineThreshold: 0 });
    t.teardown(() => pool.close());
    const scenarios = Array.from({ length: 30 }, (_, i) => ({ x: i, grow: i === 4, huge: runtime === 'child_process' && i === 21 }));
    const results = await pool.run(scenarios, { failFast: false });
    for (let i = 0; i < 30; i++) {
      const r = results[i]!;
      if (i === 4 || (runtime === 'child_process' && i === 21)) {
        t.true('error' in r, `scenario ${i}`);
        if ('error' in r) t.is(r.error.code, 'E_WORKER_CRASHED', r.error.message);
      } else t.is((r as ScenarioResult).values['x'], i, `scenario ${i}`);
    }
    if (runtime === 'worker_threads') t.regex((results[4] as { error: { message: string } }).error.message, /out of memory \(heap limit 96 MB\)/);
    // The limit is the one asked for (V8 adds its young generation to heap_size_limit).
    const heapMb = (results[0] as ScenarioResult).values['heapMb'] as number;
    t.true(heapMb >= 96 && heapMb < 96 + 64, `heap limit ${heapMb} MB`);
    t.true(pool.stats().workersCrashed >= 1);
    // The pool goes on.
    const again = await pool.run(Array.from({ length: 20 }, (_, i) => ({ x: i + 100 })));
    t.is(again[19]!.values['x'], 119);
    await pool.close();
  });
}

test('heapLimitMb is validated', (t) => {
  t.throws(() => createPool({ engine, heapLimitMb: 8 }), { message: /at least 16/ });
  t.throws(() => createPool({ engine, heapLimitMb: Number.NaN }), { message: /positive/ });
});
