/**
 * Output profiles (`--inputs` / `--outputs`): the engine keeps the outputs' dependency
 * cone, folds what no declared input reaches to values the full model computes at build
 * time, refuses undeclared inputs, and types its API in engine.d.ts. The full engine of
 * the same workbook is the reference for every value.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../ts/index.js';
import type { BuildReport, InputValue, RunResult } from '../ts/index.js';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { fixtureFile, tempDir } from './helpers/build.js';

interface EngineModule {
  run(inputs?: Record<string, InputValue>): RunResult;
}

const LINES = 40;

function model(): FixtureWorkbook {
  const lines: Record<string, unknown> = {};
  for (let r = 1; r <= LINES; r++) {
    lines[`A${r}`] = r * 10;
    lines[`B${r}`] = `=A${r}*Price*(1+Inputs!$B$3)`;
    lines[`C${r}`] = `=B${r}+Inputs!$B$4*A${r}`;
    lines[`D${r}`] = `=C${r}/Inputs!$B$5`; // B5 is not declared: D folds where C does
  }
  // Outside every output's cone: dropped.
  const other: Record<string, unknown> = { A1: 1 };
  for (let r = 2; r <= 300; r++) other[`A${r}`] = `=A${r - 1}*1.01+Inputs!$B$3+ROUND(A${r - 1},2)`;
  return {
    iterate: { count: 200, delta: 1e-12 },
    names: [
      { name: 'Price', formula: 'Inputs!$B$2' },
      { name: 'Total', formula: 'Summary!$B$1' },
    ],
    sheets: [
      { name: 'Inputs', cells: { B2: 3, B3: 0.1, B4: 2, B5: 4, B6: 'label', B7: 1000 } },
      { name: 'Lines', cells: lines as FixtureWorkbook['sheets'][number]['cells'] },
      {
        name: 'Summary',
        cells: {
          B1: `=SUM(Lines!C1:C${LINES})`,
          B2: `=SUM(Lines!D1:D${LINES})`,
          // The file stores a wrong cached value: folding must compute 2, not trust it.
          B3: { formula: '1+1', value: 999 },
          B4: '=B3*Inputs!B5',
          B5: '=Lines!A3*2',
        },
      },
      { name: 'Other', cells: other as FixtureWorkbook['sheets'][number]['cells'] },
      // A circular cluster that no declared input reaches (it folds) ...
      { name: 'Debt', cells: { B1: '=Inputs!B7', B2: '=B1-B3', B3: '=AVERAGE(B1,B2)*0.05', B4: '=B3*2' } },
      // ... and one that an input reaches (it stays and iterates).
      { name: 'Loan', cells: { B1: '=Inputs!B2*100', B2: '=B1-B3', B3: '=AVERAGE(B1,B2)*Inputs!B3', B4: '=B3+1' } },
    ],
  };
}

const file = fixtureFile(model());
const INPUTS = ['Price', 'Inputs!B3:B4'];
const OUTPUTS = ['Summary!B1:B5', 'Total', 'Debt!B4', 'Loan!B4', 'Lines!B7'];

async function build(opts: { inputs?: string[]; outputs?: string[] }): Promise<{ dir: string; report: BuildReport; engine: EngineModule }> {
  const dir = join(tempDir(), 'engine');
  const report = await compile(file, { outDir: dir, ...opts });
  const engine = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as EngineModule;
  return { dir, report, engine };
}

const full = build({});
const profiled = build({ inputs: INPUTS, outputs: OUTPUTS });

/** A deterministic pseudo-random sequence (the test must be reproducible). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

test('a profiled engine gives the full engine\'s outputs for random inputs', async (t) => {
  const [f, p] = await Promise.all([full, profiled]);
  const next = random(7);
  for (let i = 0; i < 25; i++) {
    const inputs: Record<string, InputValue> = i === 0 ? {} : { Price: 1 + next() * 9, 'Inputs!B3:B4': [[next() * 0.2], [next() * 5]] };
    if (i % 5 === 4) inputs['Inputs!B4'] = -next();
    const a = f.engine.run(inputs);
    const b = p.engine.run(inputs);
    for (const ref of OUTPUTS) t.deepEqual(b.get(ref), a.get(ref), `${ref} with ${JSON.stringify(inputs)}`);
    t.is(b.meta.converged, a.meta.converged);
  }
});

test('the profile drops cells outside the cone and folds what no input reaches', async (t) => {
  const [f, p] = await Promise.all([full, profiled]);
  t.true(p.report.engineBytes < f.report.engineBytes, `${p.report.engineBytes} vs ${f.report.engineBytes} bytes`);
  // The Other sheet (module 3) keeps no formula and no constant.
  const other = readFileSync(join(p.dir, 'modules', 'm3.js'), 'utf8');
  t.regex(other, /Sheet "Other"/);
  t.regex(other, /export const constants=\[\];/);
  t.regex(other, /export const formulas=\[\];/);
  t.true(p.report.droppedCells >= 300);
  t.true(p.report.foldedCells > 0);
  // Computed at build time, not the file's cached 999.
  t.is(p.engine.run().get('Summary!B3'), 2);
  t.is(f.engine.run().get('Summary!B3'), 2);
  // The Debt cluster folds (no cluster step in the engine's code for it); Loan iterates.
  const code = readdirSync(join(p.dir, 'modules')).map((m) => readFileSync(join(p.dir, 'modules', m), 'utf8')).join('\n');
  const clusterSegments = code.match(/\{cells:\[/g) ?? [];
  t.is(clusterSegments.length, 1);
  t.true(p.engine.run({ Price: 5 }).meta.iterations > 1);
  // Without --inputs, nothing folds: every constant stays an input.
  const outputsOnly = await build({ outputs: OUTPUTS });
  t.is(outputsOnly.report.foldedCells, 0);
  t.deepEqual(outputsOnly.engine.run({ 'Inputs!B5': 8 }).get('Summary!B2'), f.engine.run({ 'Inputs!B5': 8 }).get('Summary!B2'));
});

test('a profile is never larger than the full engine: where folding does not pay, nothing folds', async (t) => {
  // One shape run of 3,000 rows (one loop in the full engine over small integers). The
  // declared input reaches its first 100 rows only: folding would turn the other 2,900
  // formulas into 2,900 long constants (B = A × 2 + 0.1234567...), more than the loop
  // and its small integers cost. The profile then keeps them formulas.
  const ROWS = 3000;
  const data: Record<string, unknown> = { C1: 0.12345678901234 };
  for (let r = 1; r <= ROWS; r++) {
    data[`A${r}`] = r;
    data[`B${r}`] = `=A${r}*2+$C$1`;
  }
  const wb = fixtureFile({ sheets: [{ name: 'Data', cells: data as FixtureWorkbook['sheets'][number]['cells'] }, { name: 'Out', cells: { A1: `=SUM(Data!B1:B${ROWS})`, A2: '=Data!B2999' } }] });
  const fullDir = join(tempDir(), 'full');
  const fullReport = await compile(wb, { outDir: fullDir, verify: false });
  const profDir = join(tempDir(), 'profile');
  const prof = await compile(wb, { outDir: profDir, verify: false, inputs: ['Data!A1:A100'], outputs: ['Out!A1:A2'] });
  // Its code is no larger than the full engine's; engine.js adds only the declared inputs
  // and outputs (folded, the modules were twice the full engine's: 80 KB against 40 KB).
  const moduleBytes = (dir: string) => readdirSync(join(dir, 'modules')).reduce((n, m) => n + readFileSync(join(dir, 'modules', m)).length, 0);
  t.true(moduleBytes(profDir) <= moduleBytes(fullDir), `profile modules ${moduleBytes(profDir)} bytes, full engine's ${moduleBytes(fullDir)}`);
  t.true(prof.engineBytes - moduleBytes(profDir) < 2 * (fullReport.engineBytes - moduleBytes(fullDir)), 'engine.js: the full one plus the declarations');
  t.is(prof.foldedCells, 0);
  const f = (await import(pathToFileURL(join(fullDir, 'engine.js')).href)) as EngineModule;
  const p = (await import(pathToFileURL(join(profDir, 'engine.js')).href)) as EngineModule;
  const column = Array.from({ length: 100 }, (_, i) => [i * 3 + 0.5]);
  for (const inputs of [{}, { 'Data!A1:A100': column }]) {
    t.deepEqual(p.run(inputs).get('Out!A1:A2'), f.run(inputs).get('Out!A1:A2'));
  }
  // Where folding does pay (the PE-style model above), the profile still folds.
  t.true((await profiled).report.foldedCells > 0);
});

test('undeclared inputs and outputs are errors that list what exists', async (t) => {
  const p = await profiled;
  const err = t.throws(() => p.engine.run({ 'Inputs!B5': 1 }));
  t.is((err as Error & { code: string }).code, 'E_UNKNOWN_INPUT');
  t.regex(err!.message, /Inputs!B5/);
  t.regex(err!.message, /Price/);
  t.regex(err!.message, /Inputs!B3:B4/);
  // A cell inside a declared range is an input; the range itself too.
  t.notThrows(() => p.engine.run({ 'Inputs!B4': 3, 'Inputs!B3:B4': [[0.2], [1]] }));
  const r = p.engine.run();
  const e2 = t.throws(() => r.get('Lines!C9'));
  t.is((e2 as Error & { code: string }).code, 'E_NOT_OUTPUT');
  t.deepEqual(Object.keys(r.toJSON()).sort(), ['Debt!B4', 'Lines!B7', 'Loan!B4', 'Summary!B1', 'Summary!B2', 'Summary!B3', 'Summary!B4', 'Summary!B5'].sort());
});

test('the manifest lists inputs and outputs with sheet, cell, name and type', async (t) => {
  const p = await profiled;
  const manifest = JSON.parse(readFileSync(join(p.dir, 'manifest.json'), 'utf8')) as BuildReport;
  t.deepEqual(manifest.inputs, [
    { ref: 'Price', sheet: 'Inputs', cell: 'B2', name: 'Price', type: 'number' },
    { ref: 'Inputs!B3:B4', sheet: 'Inputs', cell: 'B3:B4', name: null, type: 'number' },
  ]);
  t.deepEqual(manifest.outputs?.map((o) => [o.ref, o.sheet, o.cell, o.name, o.type]), [
    ['Summary!B1:B5', 'Summary', 'B1:B5', null, 'number'],
    ['Total', 'Summary', 'B1', 'Total', 'number'],
    ['Debt!B4', 'Debt', 'B4', null, 'number'],
    ['Loan!B4', 'Loan', 'B4', null, 'number'],
    ['Lines!B7', 'Lines', 'B7', null, 'number'],
  ]);
  await t.throwsAsync(compile(file, { outDir: join(tempDir(), 'e'), outputs: ['NoSuchName'] }), { message: /NoSuchName/ });
  await t.throwsAsync(compile(file, { outDir: join(tempDir(), 'e'), inputs: ['Nope!A1'] }), { message: /Nope!A1/ });
});

test('engine.d.ts: tsc accepts declared inputs and outputs and rejects a misspelled input', async (t) => {
  const p = await profiled;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const check = (name: string, source: string): string => {
    writeFileSync(join(p.dir, name), source);
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', join(p.dir, name)], { encoding: 'utf8' });
      return '';
    } catch (e) {
      return String((e as { stdout?: string }).stdout ?? e);
    }
  };
  const ok = check(
    'good.ts',
    `import { run } from './engine.js';
const r = run({ Price: 4, 'Inputs!B3': 0.2, 'Inputs!B3:B4': [[0.1], [2]] });
const total: unknown = r.get('Total');
const block: unknown[][] = r.get('Summary!B1:B5');
const one = r.get('Summary!B2');
console.log(total, block, one, r.meta.converged);
`,
  );
  t.is(ok, '');
  const bad = check('bad.ts', `import { run } from './engine.js';\nrun({ Prcie: 4 });\n`);
  t.regex(bad, /Prcie/);
  const badOutput = check('bad-output.ts', `import { run } from './engine.js';\nrun().get('Lines!C9');\n`);
  t.regex(badOutput, /Lines!C9/);
});

test('a lazy profiled engine loads and computes its outputs like the full engine', async (t) => {
  const f = await full;
  const dir = join(tempDir(), 'engine');
  await compile(file, { outDir: dir, inputs: INPUTS, outputs: OUTPUTS, lazy: true, maxModuleMb: 0.001 });
  const next = random(11);
  for (let i = 0; i < 5; i++) {
    const lazy = (await import(`${pathToFileURL(join(dir, 'engine.js')).href}?i=${i}`)) as EngineModule & {
      runScoped(inputs: Record<string, InputValue>, options: { cells: string[] }): Promise<RunResult>;
    };
    const inputs = { Price: 1 + next() * 9, 'Inputs!B3': next() * 0.2 };
    const ref = f.engine.run(inputs);
    for (const out of OUTPUTS) t.deepEqual((await lazy.runScoped(inputs, { cells: [out] })).get(out), ref.get(out), out);
    // toJSON lists the outputs, as the eager profile does.
    t.is(Object.keys(lazy.run(inputs).toJSON()).length, 8);
  }
});

test('a cell declared by reference takes the defined name that points at it', async (t) => {
  const dir = join(tempDir(), 'engine');
  const report = await compile(file, { outDir: dir, inputs: ['Inputs!B2'], outputs: ['Summary!B1'] });
  t.is(report.inputs?.[0]?.name, 'Price');
  t.is(report.outputs?.[0]?.name, 'Total');
  const engine = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as EngineModule;
  const f = await full;
  // By name or by reference: the same input and output.
  t.deepEqual(engine.run({ Price: 7 }).get('Total'), f.engine.run({ Price: 7 }).get('Summary!B1'));
  t.deepEqual(engine.run({ 'Inputs!B2': 7 }).get('Summary!B1'), f.engine.run({ Price: 7 }).get('Summary!B1'));
  const dts = readFileSync(join(dir, 'engine.d.ts'), 'utf8');
  t.regex(dts, /"Price": number/);
  t.regex(dts, /"Total": CellValue/);
});

test('a profile build reads the workbook once: its second pass compiles what the first pass read', async (t) => {
  // A copy of the fixture that is deleted as soon as the first pass (build + full-model
  // run) is over: a second read of the file would fail with E_IO.
  const copy = join(tempDir(), 'once.xlsx');
  writeFileSync(copy, readFileSync(file));
  let deleted = false;
  const dir = join(tempDir(), 'engine');
  const report = await compile(copy, {
    outDir: dir,
    inputs: INPUTS,
    outputs: OUTPUTS,
    onProgress: (e) => {
      if (!deleted && e.phase === 'fold' && e.done === e.total) {
        rmSync(copy);
        deleted = true;
      }
    },
  });
  t.true(deleted, 'the fold phase completed before the second pass');
  t.true(report.timings.readMs > 0, 'the report gives the one read of the file');
  // The engine is the one a build from the file gives.
  const p = await profiled;
  const engine = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as EngineModule;
  const inputs: Record<string, InputValue> = { Price: 4.5, 'Inputs!B3:B4': [[0.05], [1.5]] };
  for (const ref of OUTPUTS) t.deepEqual(engine.run(inputs).get(ref), p.engine.run(inputs).get(ref), ref);
  t.is(readFileSync(join(dir, 'engine.js'), 'utf8'), readFileSync(join(p.dir, 'engine.js'), 'utf8'));
});

test('the profile pass that starts beside the full model run writes nothing when the build stops after that run', async (t) => {
  // The second pass starts while the full model runs; --strict then finds the stored 999
  // of Summary!B3 wrong, and the second pass must stop before it writes the engine.
  const parent = tempDir();
  const dir = join(parent, 'engine');
  await t.throwsAsync(compile(file, { outDir: dir, inputs: INPUTS, outputs: OUTPUTS, strict: true }), { code: 'E_STRICT' } as never);
  t.deepEqual(readdirSync(parent), []);
  // An onProgress that throws on one phase's events stops the build with its own error,
  // and nothing is written; `events` are the phases it saw.
  const throwingOn = async (phase: string): Promise<string[]> => {
    const events: string[] = [];
    const err = await t.throwsAsync(
      compile(file, {
        outDir: dir,
        inputs: INPUTS,
        outputs: OUTPUTS,
        onProgress: (e) => {
          events.push(e.phase);
          if (e.phase === phase) throw new Error(`no ${phase} events, please`);
        },
      }),
    );
    t.is((err as { code?: string }).code, 'E_INVALID_OPTION');
    t.regex(err!.message, new RegExp(`no ${phase} events`));
    t.deepEqual(readdirSync(parent), []);
    return events;
  };
  // The held events of the second pass (passed on once the fold phase ends)...
  const events = await throwingOn('parse');
  // ...come after the fold phase, whole.
  t.is(events.indexOf('read'), events.lastIndexOf('fold') + 1);
  // An event passed on after the fold phase (emit).
  await throwingOn('emit');
});
