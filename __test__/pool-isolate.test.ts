/**
 * `isolateWorkers`: every chunk on a fresh worker (tinypool recycles the worker after each
 * task). Those planned exits are not crashes: every scenario gets its result.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, type PoolRuntime, type ScenarioResult } from '../ts/pool.js';
import { tempDir } from './helpers/build.js';

const engine = tempDir('sheetc-pool-isolate-');
writeFileSync(
  join(engine, 'engine.js'),
  `let runs = 0;
export function run(i = {}) { runs++; const x = i.x ?? 0; return { get: () => x, toJSON: () => ({ x, runs }), meta: { converged: true, iterations: 0, elapsedMs: 0, stale: [] } }; }\n`,
);

for (const runtime of ['worker_threads', 'child_process'] as PoolRuntime[]) {
  test.serial(`${runtime}: isolateWorkers runs each chunk on a fresh worker, and its planned exits are not crashes`, async (t) => {
    const pool = createPool({ engine, threads: 2, runtime, isolateWorkers: true, inlineThreshold: 0 });
    t.teardown(() => pool.close());
    const results = (await pool.run(Array.from({ length: 80 }, (_, i) => ({ x: i })), { failFast: false })) as ScenarioResult[];
    for (let i = 0; i < 80; i++) t.is(results[i]!.values?.['x'], i, `scenario ${i}: ${JSON.stringify(results[i])}`);
    const st = pool.stats();
    t.is(st.workersCrashed, 0);
    t.is(st.workersStarted, st.chunksDispatched, 'one worker per chunk');
    // A fresh module per chunk: the engine's run counter never exceeds a chunk's size.
    const chunk = Math.ceil(80 / (2 * 4));
    t.true(results.every((r) => (r.values['runs'] as number) <= chunk));
    await pool.close();
  });
}
