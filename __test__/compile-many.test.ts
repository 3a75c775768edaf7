/**
 * compileMany() (ts/compile-many.ts): one child process per workbook, results in input
 * order, output directories from sanitised file names, a crashing child failing only
 * its workbook, failFast and cancellation.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileMany, engineDirName } from '../ts/compile-many.js';
import { SheetcError } from '../ts/errors.js';
import { PoolError } from '../ts/pool.js';
import { writeXlsx } from '../scripts/lib/xlsx-writer.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'sheetc-many-'));
}

/** Writes `n` small workbooks (A1 = i, B1 = A1*10) into a fresh directory. */
function workbooks(names: string[]): string[] {
  const dir = tmp();
  return names.map((name, i) => {
    const file = join(dir, name);
    writeFileSync(
      file,
      writeXlsx({ sheets: [{ name: `Sheet ../${i}`, cells: { A1: i, B1: { formula: 'A1*10', value: i * 10 } } }] }),
    );
    return file;
  });
}

test('engine directory names come from the sanitised file name, never sheet names', (t) => {
  t.is(engineDirName(0, '/x/loan.xlsx'), '0-loan');
  t.is(engineDirName(3, '/x/my model (v2) ü.xlsm'), '3-my_model__v2___');
  t.is(engineDirName(1, '/x/../..xlsx'), '1-.');
  t.is(engineDirName(2, '/x/.xlsx'), '2-.xlsx');
  t.false(engineDirName(4, 'a/b/c/../../evil.xlsx').includes('/'));
});

test.serial('compiles each workbook in its own process, results in input order', async (t) => {
  const files = workbooks(['a.xlsx', 'b b.xlsx', 'c.xlsx', 'd.xlsx']);
  const out = tmp();
  const events: number[] = [];
  const results = await compileMany(files, { outDir: out, concurrency: 2, onProgress: (e) => events.push(e.index) });
  t.is(results.length, 4);
  t.deepEqual(readdirSync(out).sort(), ['0-a', '1-b_b', '2-c', '3-d']);
  for (let i = 0; i < 4; i++) {
    const r = results[i]!;
    t.is(r.workbook, files[i]);
    t.true('report' in r);
    if (!('report' in r)) continue;
    t.is(r.outDir, join(out, engineDirName(i, files[i]!)));
    t.is(r.report.formulaCells, 1);
    const eng = (await import(pathToFileURL(join(r.outDir, 'engine.js')).href)) as { run(): { toJSON(): Record<string, unknown> } };
    t.deepEqual(Object.values(eng.run().toJSON()), [i * 10]);
  }
  t.deepEqual(events.sort(), [0, 1, 2, 3]);
  t.deepEqual(await compileMany([], { outDir: out }), []);
});

test.serial('a child that dies fails only its workbook with E_WORKER_CRASHED; bad files fail with their code', async (t) => {
  const files = workbooks(['ok1.xlsx', 'boom.xlsx', 'ok2.xlsx']);
  const junk = join(tmp(), 'junk.xlsx');
  writeFileSync(junk, 'this is not a zip file');
  files.push(junk);
  const out = tmp();
  process.env['SHEETC_TEST_CRASH_ON'] = 'boom.xlsx';
  try {
    const results = await compileMany(files, { outDir: out, concurrency: 2 });
    t.true('report' in results[0]!);
    t.true('report' in results[2]!);
    const crashed = results[1]!;
    t.true('error' in crashed);
    if ('error' in crashed) {
      t.is(crashed.error.code, 'E_WORKER_CRASHED');
      t.regex(crashed.error.message, /SIGKILL/);
    }
    const bad = results[3]!;
    t.true('error' in bad && bad.error.code === 'E_NOT_A_WORKBOOK', JSON.stringify(bad));
    t.false(existsSync(join(out, '1-boom', 'engine.js')));

    // failFast: the first failure stops scheduling and the call rejects.
    const err = (await t.throwsAsync(compileMany([files[1]!, ...files], { outDir: tmp(), concurrency: 1, failFast: true }))) as PoolError;
    t.true(err instanceof PoolError);
    t.is(err.code, 'E_COMPILE_FAILED');
    t.deepEqual(
      err.failures.map((f) => f.index),
      [0],
    );
    t.is(err.completed.size, 0, 'nothing after the failure was started');
  } finally {
    delete process.env['SHEETC_TEST_CRASH_ON'];
  }
});

test.serial('signal cancels: pending workbooks never start and the call rejects with E_CANCELLED', async (t) => {
  const files = workbooks(Array.from({ length: 6 }, (_, i) => `w${i}.xlsx`));
  const out = tmp();
  const ac = new AbortController();
  const p = compileMany(files, { outDir: out, concurrency: 1, signal: ac.signal, onProgress: () => ac.abort() });
  const err = await t.throwsAsync(p);
  t.true(err instanceof SheetcError);
  t.is((err as SheetcError).code, 'E_CANCELLED');
  t.true(readdirSync(out).length <= 2, readdirSync(out).join(','));
  await t.throwsAsync(compileMany(files, { outDir: out, signal: AbortSignal.abort() }), { instanceOf: SheetcError });
  await t.throwsAsync(compileMany(files, { outDir: '' }), { instanceOf: SheetcError });
});
