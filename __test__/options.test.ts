/**
 * Every option of every public function is checked before any work starts: a bad value
 * is `E_INVALID_OPTION` naming the option (never a raw N-API error, a limit error for a
 * typo, or a crashed host), and a throwing `onProgress` stops the build with a typed
 * error instead of taking the process down.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compile, compileMany, loadEngine, verify, SheetcError } from '../ts/index.js';
import { fixtureFile, tempDir } from './helpers/build.js';

const small = () => fixtureFile({ sheets: [{ name: 'S', cells: { A1: 1, B1: '=A1+1' } }] });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof SheetcError ? e.code : `untyped: ${String(e)}`;
  }
}

test('compile(): every bad option is E_INVALID_OPTION, before the build starts', async (t) => {
  const file = small();
  const parent = tempDir();
  const outDir = join(parent, 'engine');
  const bad: Record<string, unknown>[] = [
    { maxCells: 'abc' },
    { maxCells: -1 },
    { maxCells: NaN },
    { maxCells: 1.5 },
    { maxUncompressedMb: -5 },
    { maxUncompressedMb: NaN },
    { maxUncompressedMb: Infinity },
    { maxModuleMb: 0 },
    { strict: 'yes' },
    { lazy: 1 },
    { onProgress: 'not a function' },
    { signal: { aborted: false } },
    { inputs: 'S!A1' },
    { outputs: ['S!B1', ''] },
    { maxcells: 10 }, // a typo: refused with a suggestion, not silently ignored
  ];
  for (const options of bad) {
    const p = compile(file, { outDir, ...options } as never);
    t.is(await codeOf(p), 'E_INVALID_OPTION', JSON.stringify(options));
  }
  t.is(await codeOf(compile(file, undefined as never)), 'E_INVALID_OPTION');
  t.is(await codeOf(compile(file, { outDir: '' })), 'E_INVALID_OPTION');
  t.is(await codeOf(compile(42 as never, { outDir })), 'E_INVALID_OPTION');
  await t.throwsAsync(compile(file, { outDir, maxcells: 10 } as never), { message: /did you mean maxCells\?/ });
  await t.throwsAsync(compile(file, { outDir, maxCells: 'abc' } as never), { message: /maxCells/ });
  t.deepEqual(readdirSync(parent), []);
  // A real limit is still E_TOO_LARGE.
  t.is(await codeOf(compile(file, { outDir, maxCells: 1 })), 'E_TOO_LARGE');
});

test('verify(), compileMany() and loadEngine() check their options too', async (t) => {
  const file = small();
  t.is(await codeOf(verify(file, { maxMismatches: -1 })), 'E_INVALID_OPTION');
  t.is(await codeOf(verify(file, { strict: 'no' } as never)), 'E_INVALID_OPTION');
  t.is(await codeOf(verify(file, { outDir: 'x' } as never)), 'E_INVALID_OPTION');
  t.is(await codeOf(verify(file, { maxCells: NaN })), 'E_INVALID_OPTION');
  const outDir = tempDir();
  t.is(await codeOf(compileMany([file], { outDir, concurrency: 0 })), 'E_INVALID_OPTION');
  t.is(await codeOf(compileMany([file], { outDir, failFast: 'yes' } as never)), 'E_INVALID_OPTION');
  t.is(await codeOf(compileMany([file], { outDir, onProgress: 1 } as never)), 'E_INVALID_OPTION');
  t.is(await codeOf(compileMany([file], { outDir, strcit: true } as never)), 'E_INVALID_OPTION');
  t.is(await codeOf(loadEngine(42 as never)), 'E_INVALID_OPTION');
  t.is(await codeOf(loadEngine(tempDir())), 'E_IO');
});

/** Runs `body` (an async function body with `compile`, `compileMany`, `file`, `outDir` in scope) in a child process. */
function inChild(body: string): { status: number | null; stdout: string; stderr: string } {
  const file = small();
  const outDir = join(tempDir(), 'engine');
  const script = `
    const { compile, compileMany } = await import(${JSON.stringify(join(process.cwd(), 'ts', 'index.ts'))});
    const file = ${JSON.stringify(file)};
    const outDir = ${JSON.stringify(outDir)};
    ${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a throwing onProgress stops the build with E_INVALID_OPTION; the host process survives', (t) => {
  for (const inputs of ['undefined', "['S!A1']"]) {
    const r = inChild(`
      let calls = 0;
      try {
        await compile(file, { outDir, inputs: ${inputs}, onProgress: () => { calls++; throw new Error('progress bar closed'); } });
        console.log('resolved');
      } catch (e) {
        console.log(e.code, e.message.includes('progress bar closed'), calls);
      }
      // The process is still healthy: a later build works.
      await compile(file, { outDir: outDir + '-2' });
      console.log('alive');`);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^E_INVALID_OPTION true 1\nalive\n$/, inputs);
  }
});

test('an onProgress that throws on the last event leaves the earlier engine as it was', async (t) => {
  // The last event (emit, done === total) reaches the callback after the native build has
  // written the engine: the build is staged, so the failure still changes nothing.
  const file = small();
  const parent = tempDir();
  const outDir = join(parent, 'engine');
  await compile(file, { outDir });
  const listing = () => (readdirSync(outDir, { recursive: true }) as string[]).filter((f) => statSync(join(outDir, f)).isFile()).sort();
  const files = listing();
  const before = files.map((f) => readFileSync(join(outDir, f), 'utf8'));
  const changed = fixtureFile({ sheets: [{ name: 'S', cells: { A1: 5, B1: '=A1*3' } }] });
  for (const inputs of [undefined, ['S!A1']]) {
    const err = await t.throwsAsync(
      compile(changed, {
        outDir,
        inputs,
        outputs: inputs ? ['S!B1'] : undefined,
        onProgress: (e) => {
          if (e.phase === 'emit' && e.done === e.total) throw new Error('closed at the end');
        },
      }),
    );
    t.is((err as SheetcError).code, 'E_INVALID_OPTION');
    t.deepEqual(readdirSync(parent), ['engine']);
    t.deepEqual(listing(), files);
    t.deepEqual(files.map((f) => readFileSync(join(outDir, f), 'utf8')), before, String(inputs));
  }
});

test('a throwing onProgress of compileMany() rejects it with E_INVALID_OPTION; the host survives', (t) => {
  const r = inChild(`
    try {
      await compileMany([file, file], { outDir: outDir + '-many', concurrency: 1, onProgress: () => { throw new Error('boom'); } });
      console.log('resolved');
    } catch (e) {
      console.log(e.code, e.message.includes('boom'));
    }
    console.log('alive');`);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^E_INVALID_OPTION true\nalive\n/);
});
