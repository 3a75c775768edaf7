/**
 * Scenario inputs through the pool (ts/pool-input.ts): every scenario is checked and
 * encoded before it is put in a chunk, so one that holds a value no cell can take fails
 * alone with E_INPUT_TYPE (it used to fail its whole chunk); Excel errors and Dates reach
 * the engine as the engine's own error values and date serials, inline and on workers.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../ts/compile.js';
import { createPool, PoolError, type PoolRuntime, type ScenarioResult } from '../ts/pool.js';
import { errorFromCode } from '../ts/runtime/values.js';
import { writeXlsx } from '../scripts/lib/xlsx-writer.js';
import { tempDir } from './helpers/build.js';

const RUNTIMES: PoolRuntime[] = ['worker_threads', 'child_process'];

/** A1 and A2 are inputs; B1..B4 look at them. */
let engine: Promise<string> | null = null;
function getEngine(): Promise<string> {
  engine ??= (async () => {
    const dir = tempDir('sheetc-pool-inputs-');
    const file = join(dir, 'model.xlsx');
    writeFileSync(
      file,
      writeXlsx({
        sheets: [
          {
            name: 'M',
            cells: {
              A1: 1,
              A2: 45000,
              B1: { formula: 'IF(ISNA(A1),"na",IF(ISERROR(A1),"error","value"))', value: 'value' },
              B2: { formula: 'IFERROR(ERROR.TYPE(A1),0)', value: 0 },
              B3: { formula: 'YEAR(A2)*10000+MONTH(A2)*100+DAY(A2)', value: 20230313 },
              B4: { formula: 'A1*2', value: 2 },
            },
          },
        ],
      }),
    );
    const out = join(dir, 'engine');
    await compile(file, { outDir: out });
    return out;
  })();
  return engine;
}

const outputs = ['M!B1', 'M!B2', 'M!B3', 'M!B4'];

/** 40 scenarios; four of them hold values no cell can take. */
function scenarios(): Record<string, unknown>[] {
  const s: Record<string, unknown>[] = Array.from({ length: 40 }, (_, i) => ({ 'M!A1': i }));
  s[7] = { 'M!A1': () => 1 };
  s[9] = { 'M!A1': new Map([[1, 2]]) };
  s[11] = { 'M!A1': Number.NaN };
  s[13] = { 'M!A1:A2': [1, 2] }; // a range input is an array of rows
  return s;
}
const BAD = [7, 9, 11, 13];

for (const where of ['inline', ...RUNTIMES] as const) {
  test.serial(`${where}: a scenario that cannot be sent fails alone with E_INPUT_TYPE`, async (t) => {
    const pool = createPool({ engine: await getEngine(), threads: 2, ...(where === 'inline' ? { inlineThreshold: 100 } : { runtime: where, inlineThreshold: 0 }) });
    t.teardown(() => pool.close());
    const results = await pool.run(scenarios() as never, { outputs, failFast: false });
    for (let i = 0; i < 40; i++) {
      const r = results[i]!;
      if (BAD.includes(i)) {
        t.true('error' in r, `scenario ${i}`);
        if ('error' in r) {
          t.is(r.error.code, 'E_INPUT_TYPE');
          t.regex(r.error.message, new RegExp(`^scenario ${i}: `));
        }
      } else t.is((r as ScenarioResult).values['M!B4'], i * 2, `scenario ${i}`);
    }
    t.regex((results[11] as { error: { message: string } }).error.message, /NaN/);
    t.regex((results[13] as { error: { message: string } }).error.message, /array of rows/);
    // failFast: the batch rejects naming the first bad scenario; nothing of it was sent.
    const err = (await t.throwsAsync(pool.run(scenarios() as never, { outputs }))) as PoolError;
    t.is(err.code, 'E_SCENARIO_FAILED');
    t.deepEqual(err.failures[0], { index: 7, error: { code: 'E_INPUT_TYPE', message: err.failures[0]!.error.message } });
    await pool.close();
  });

  test.serial(`${where}: Excel errors and Dates arrive as the engine's own values`, async (t) => {
    const dir = await getEngine();
    const pool = createPool({ engine: dir, threads: 2, ...(where === 'inline' ? {} : { runtime: where, inlineThreshold: 0 }) });
    t.teardown(() => pool.close());
    const batch = [
      { 'M!A1': errorFromCode('#N/A')!, 'M!A2': new Date(2024, 2, 15) },
      { 'M!A1': errorFromCode('#DIV/0!')!, 'M!A2': new Date(1999, 11, 31) },
      { 'M!A1': 5, 'M!A2': new Date(2024, 1, 29, 23, 59) },
    ];
    const results = await pool.run(batch, { outputs });
    // ERROR.TYPE: #DIV/0! is 2 and #N/A is 7 (Excel's documentation); YEAR/MONTH/DAY of the Date.
    t.deepEqual(results[0]!.values, { 'M!B1': 'na', 'M!B2': 7, 'M!B3': 20240315, 'M!B4': { error: '#N/A' } });
    t.deepEqual(results[1]!.values, { 'M!B1': 'error', 'M!B2': 2, 'M!B3': 19991231, 'M!B4': { error: '#DIV/0!' } });
    t.deepEqual(results[2]!.values, { 'M!B1': 'value', 'M!B2': 0, 'M!B3': 20240229, 'M!B4': 10 });
    // The engine run directly with its own error value agrees.
    const mod = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as { run(i: Record<string, unknown>): { get(r: string): unknown } };
    const own = (await import(pathToFileURL(join(dir, 'runtime.js')).href)) as { errorFromCode(c: string): unknown };
    t.is(mod.run({ 'M!A1': own.errorFromCode('#N/A') }).get('M!B2'), 7);
    await pool.close();
  });
}
