/** The `sheetc` command line, run as a user runs it (node dist/cli.js). */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureFile, tempDir } from './helpers/build.js';

const cli = join(process.cwd(), 'dist', 'cli.js');

function sheetc(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const workbook = () =>
  fixtureFile({
    sheets: [
      { name: 'Inputs', cells: { B3: 0.08, B4: 1000 } },
      { name: 'My Sheet', cells: { A1: '=Inputs!B3*Inputs!B4', A2: '=A1/0', A3: '=NA()' } },
    ],
  });

test('--help and --version', (t) => {
  const h = sheetc('--help');
  t.is(h.code, 0);
  t.regex(h.stdout, /sheetc build FILE\.xlsx -o DIR/);
  t.regex(h.stdout, /sheetc eval/);
  t.regex(h.stdout, /sheetc inspect/);
  const v = sheetc('--version');
  t.is(v.code, 0);
  t.regex(v.stdout, /^sheetc \d+\.\d+\.\d+/);
});

test('eval --json prints every formula cell, errors as objects, sheet names unquoted', (t) => {
  const r = sheetc('eval', workbook(), '--json');
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { values: Record<string, unknown>; meta: Record<string, unknown> };
  t.deepEqual(out.values, { 'My Sheet!A1': 80, 'My Sheet!A2': { error: '#DIV/0!' }, 'My Sheet!A3': { error: '#N/A' } });
  t.is(out.meta['converged'], true);
});

test('eval --set and --cells', (t) => {
  const r = sheetc('eval', workbook(), '--set', 'Inputs!B3=0.1', '--cells', 'My Sheet!A1', '--json');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout).values, { 'My Sheet!A1': 100 });
});

test('build writes an engine directory; eval runs it', (t) => {
  const out = join(tempDir(), 'engine');
  const b = sheetc('build', workbook(), '-o', out);
  t.is(b.code, 0, b.stderr);
  for (const f of ['engine.js', 'engine.d.ts', 'manifest.json', 'runtime.js', 'modules/m0.js']) t.true(existsSync(join(out, f)), f);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  t.is(manifest.formulaCells, 3);
  const e = sheetc('eval', out, '--cells', 'My Sheet!A1');
  t.is(e.code, 0, e.stderr);
  t.regex(e.stdout, /My Sheet!A1\t80/);
});

test('inspect --json reports shapes, functions and backfilled cells', (t) => {
  const file = fixtureFile({ sheets: [{ name: 'S', cells: { A1: 1, B1: '=SUM(A1)+1', B2: '=SUM(A2)+1', C1: { formula: 'WEBSERVICE(A1)', value: 3 } } }] });
  const r = sheetc('inspect', file, '--json');
  t.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  t.is(rep.formulaCells, 3);
  t.is(rep.shapes, 1);
  t.deepEqual(rep.functions, { SUM: 2 });
  t.deepEqual(rep.unsupportedFunctions, { WEBSERVICE: 1 });
  t.is(rep.backfilled[0].cell, 'C1');
});

test('errors print a message with a stable code and no stack trace', (t) => {
  const r = sheetc('eval', join(process.cwd(), 'package.json'));
  t.not(r.code, 0);
  t.regex(r.stderr, /\[E_NOT_A_WORKBOOK\]/);
  t.notRegex(r.stderr, /\n\s+at /);
  const u = sheetc('eval', workbook(), '--set', 'Nowhere!A1=1');
  t.not(u.code, 0);
  t.regex(u.stderr, /Nowhere!A1/);
  const m = sheetc('build', workbook());
  t.not(m.code, 0);
  t.regex(m.stderr, /-o DIR/);
});

test('verify compares every formula cell with the value Excel stored, and exits 1 on a difference', (t) => {
  const cached = (wrong: boolean) =>
    fixtureFile({
      sheets: [
        {
          name: 'S',
          cells: {
            A1: 2,
            A2: { formula: 'A1*21', value: wrong ? 41 : 42 },
            A3: { formula: 'A1/0', value: { error: '#DIV/0!' } },
            A4: { formula: 'A1&"x"', value: '2x' },
            A5: { formula: 'A1>1', value: true },
            A6: { formula: 'A1+1' }, // no stored value: not comparable
          },
        },
      ],
    });
  const good = sheetc('verify', cached(false));
  t.is(good.code, 0, good.stdout + good.stderr);
  t.regex(good.stdout, /4 \/ 4 formula cells match/);
  t.regex(good.stdout, /1 formula cell\(s\) have no stored value/);
  const bad = sheetc('verify', cached(true), '--json');
  t.is(bad.code, 1);
  const r = JSON.parse(bad.stdout) as { total: number; matched: number; mismatches: { cell: string; expected: unknown; actual: unknown }[] };
  t.is(r.total, 4);
  t.is(r.matched, 3);
  t.deepEqual(r.mismatches, [{ cell: 'S!A2', formula: '=A1*21', expected: 41, actual: 42 }]);
});

test('build --inputs/--outputs writes a profiled engine; build --lazy a lazy one', (t) => {
  const file = workbook();
  const dir = join(tempDir(), 'engine');
  const r = sheetc('build', file, '-o', dir, '--inputs', 'Inputs!B3', '--outputs', "'My Sheet'!A1,'My Sheet'!A2", '--json');
  t.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { inputs: { ref: string }[]; outputs: { ref: string }[] };
  t.deepEqual(report.inputs.map((x) => x.ref), ['Inputs!B3']);
  t.deepEqual(report.outputs.map((x) => x.ref), ["'My Sheet'!A1", "'My Sheet'!A2"]);
  const e = sheetc('eval', dir, '--set', 'Inputs!B3=0.5', '--json');
  t.is(e.code, 0, e.stderr);
  t.deepEqual(JSON.parse(e.stdout).values, { 'My Sheet!A1': 500, 'My Sheet!A2': { error: '#DIV/0!' } });
  const refused = sheetc('eval', dir, '--set', 'Inputs!B4=1');
  t.is(refused.code, 2);
  t.regex(refused.stderr, /E_UNKNOWN_INPUT/);
  const lazyDir = join(tempDir(), 'lazy');
  t.is(sheetc('build', file, '-o', lazyDir, '--lazy').code, 0);
  const l = sheetc('eval', lazyDir, '--cells', "'My Sheet'!A1", '--json');
  t.is(l.code, 0, l.stderr);
  t.deepEqual(JSON.parse(l.stdout).values, { "'My Sheet'!A1": 80 });
});
