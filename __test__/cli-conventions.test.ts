/**
 * The CLI's conventions, through the real CLI in a subprocess (node dist/cli.js): option
 * syntax, help, "did you mean", JSON errors, exit codes, values as Excel shows them,
 * dates in --set, progress and colour only on a terminal (a pseudo-terminal from
 * `script`), and what build/inspect/verify report.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureFile, tempDir } from './helpers/build.js';

const cli = join(process.cwd(), 'dist', 'cli.js');

function sheetc(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const workbook = () =>
  fixtureFile({
    sheets: [
      { name: 'Inputs', cells: { B2: 46000, B3: 0.1, B4: 0.2 } },
      {
        name: 'Sheet 1',
        cells: {
          A1: '=Inputs!B2-DATE(2027,3,15)',
          A2: '=Inputs!B3+Inputs!B4',
          A3: '=1/3',
          A4: { formula: 'Inputs!B2', format: 'yyyy-mm-dd' },
          A5: { formula: 'Inputs!B3', format: '0.0%' },
          A6: { formula: 'PHONETIC(1)' },
          A7: { formula: 'PHONETIC(2)', value: 'stored' },
          A8: '=Inputs!B3*1E21',
        },
      },
    ],
    names: [{ name: 'GrowthRate', formula: 'Inputs!$B$3' }],
  });

test('options: --opt=value, -- ends the options, repeated --cells accumulate, help [command]', (t) => {
  const file = workbook();
  const a = sheetc(['eval', file, '--cells=Sheet 1!A2', '--cells', 'Sheet 1!A3,GrowthRate', '--json']);
  t.is(a.code, 0, a.stderr);
  t.deepEqual(Object.keys(JSON.parse(a.stdout).values), ['Sheet 1!A2', 'Sheet 1!A3', 'GrowthRate']);
  // After --, a file name that starts with a dash is a file, not an option.
  const dir = tempDir();
  const dashed = join(dir, '-model.xlsx');
  writeFileSync(dashed, readFileSync(file));
  const b = spawnSync(process.execPath, [cli, 'eval', '--cells', 'Sheet 1!A3', '--json', '--', '-model.xlsx'], { cwd: dir, encoding: 'utf8' });
  t.is(b.status, 0, b.stderr);
  t.is(JSON.parse(b.stdout).values['Sheet 1!A3'], 1 / 3);
  const help = sheetc(['help', 'eval']);
  t.is(help.code, 0);
  t.regex(help.stdout, /Usage: sheetc eval/);
  t.regex(help.stdout, /--formatted/);
  t.is(sheetc(['eval', '--help']).stdout, help.stdout);
});

test('"did you mean" for commands, options, sheet names, references and defined names', (t) => {
  const file = workbook();
  const cmd = sheetc(['evl', file]);
  t.is(cmd.code, 2);
  t.regex(cmd.stderr, /unknown command "evl" \(did you mean eval\?\)/);
  t.regex(sheetc(['eval', file, '--cell', 'A1']).stderr, /unknown option --cell \(did you mean --cells\?\)/);
  const sheet = sheetc(['eval', file, '--cells', 'Sheet1!A1']);
  t.is(sheet.code, 2);
  t.regex(sheet.stderr, /did you mean 'Sheet 1'!A1\?/);
  t.regex(sheet.stderr, /\[E_UNKNOWN_REF\]/);
  t.regex(sheetc(['eval', file, '--set', 'Inputz!B3=1']).stderr, /did you mean Inputs!B3\?/);
  t.regex(sheetc(['eval', file, '--cells', 'GrowthRat']).stderr, /did you mean GrowthRate\?/);
});

test('--json errors are JSON on stderr with exit code 2', (t) => {
  const r = sheetc(['eval', workbook(), '--cells', 'Nowhere!A1', '--json']);
  t.is(r.code, 2);
  t.is(r.stdout, '');
  const err = JSON.parse(r.stderr) as { error: { code: string; message: string } };
  t.is(err.error.code, 'E_UNKNOWN_REF');
  t.regex(err.error.message, /Nowhere!A1/);
  const parse = sheetc(['build', '--nope', '--json']);
  t.is(parse.code, 2);
  t.is(JSON.parse(parse.stderr).error.code, 'E_INVALID_OPTION');
});

test('eval prints numbers as Excel shows them (15 digits), exactly with --json, formatted with --formatted', (t) => {
  const file = workbook();
  const plain = sheetc(['eval', file, '--cells', 'Sheet 1!A2,Sheet 1!A3,Sheet 1!A8']);
  t.is(plain.code, 0, plain.stderr);
  // 0.1 + 0.2 is 0.30000000000000004 in binary; Excel shows 15 significant digits.
  t.is(plain.stdout, 'Sheet 1!A2\t0.3\nSheet 1!A3\t0.333333333333333\nSheet 1!A8\t1E+20\n');
  const json = sheetc(['eval', file, '--cells', 'Sheet 1!A2', '--json']);
  t.is(JSON.parse(json.stdout).values['Sheet 1!A2'], 0.1 + 0.2);
  const formatted = sheetc(['eval', file, '--cells', 'Sheet 1!A4,Sheet 1!A5,Sheet 1!A3', '--formatted']);
  t.is(formatted.stdout, 'Sheet 1!A4\t2025-12-09\nSheet 1!A5\t10.0%\nSheet 1!A3\t0.333333333\n');
  const all = sheetc(['eval', file, '--formatted', '--json']);
  t.is(JSON.parse(all.stdout).values['Sheet 1!A4'], '2025-12-09');
});

test('--set reads ISO dates and times (the same serial whatever the time zone); a quote forces text', (t) => {
  const file = workbook();
  for (const TZ of ['UTC', 'America/Los_Angeles', 'Asia/Tokyo']) {
    // A1 = Inputs!B2 - DATE(2027,3,15): 0 when the input is that date.
    const r = sheetc(['eval', file, '--set', 'Inputs!B2=2027-03-15', '--cells', 'Sheet 1!A1,Sheet 1!A4', '--json'], { TZ });
    t.is(r.code, 0, r.stderr);
    t.deepEqual(JSON.parse(r.stdout).values, { 'Sheet 1!A1': 0, 'Sheet 1!A4': 46461 }, TZ);
  }
  const time = sheetc(['eval', file, '--set', 'Inputs!B2=2027-03-15T18:00', '--cells', 'Sheet 1!A1', '--json']);
  t.is(JSON.parse(time.stdout).values['Sheet 1!A1'], 0.75);
  const hours = sheetc(['eval', file, '--set', 'Inputs!B3=06:00', '--cells', 'Sheet 1!A2', '--json']);
  t.is(JSON.parse(hours.stdout).values['Sheet 1!A2'], 0.25 + 0.2);
  const text = sheetc(['eval', file, '--set', "Inputs!B3='2027-03-15", '--cells', 'Inputs!B3', '--json']);
  t.is(JSON.parse(text.stdout).values['Inputs!B3'], '2027-03-15');
  const bad = sheetc(['eval', file, '--set', 'Inputs!B2=2027-02-30']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /no such date/);
});

test('the stale-cell note goes to stderr, only for the cells asked for', (t) => {
  const file = workbook();
  // Backfilled cells are stale under any input (their cone is unknown).
  const asked = sheetc(['eval', file, '--set', 'Inputs!B3=0.5', '--cells', 'Sheet 1!A7']);
  t.is(asked.stdout, 'Sheet 1!A7\t"stored"\n');
  t.regex(asked.stderr, /stale backfilled cells.*Sheet 1!A7/);
  t.notRegex(asked.stderr, /A6/);
  const other = sheetc(['eval', file, '--set', 'Inputs!B3=0.5', '--cells', 'Sheet 1!A2']);
  t.is(other.stderr, '');
  const all = sheetc(['eval', file, '--set', 'Inputs!B3=0.5']);
  t.regex(all.stderr, /Sheet 1!A6, Sheet 1!A7/);
  t.notRegex(all.stdout, /stale/);
});

test('the build summary says what a backfilled cell holds and what to do', (t) => {
  const out = join(tempDir(), 'engine');
  const r = sheetc(['build', workbook(), '-o', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /backfilled cells: 2 \(1 keep the value Excel stored, 1 had no stored value and hold #NAME\?/);
  t.regex(r.stdout, /Sheet 1!A6: .*no stored value: the cell is #NAME\?/);
  t.regex(r.stdout, /what to do: .*input.*recalculate the workbook in Excel and save it/);
  t.notRegex(r.stdout, /kept Excel's cached value/);
});

test('build prints profile warnings; inspect --json, manifest.json and verify --json name no temporary outDir', (t) => {
  const file = workbook();
  const out = join(tempDir(), 'engine');
  const b = sheetc(['build', file, '-o', out, '--inputs', 'Inputs!B3,Inputs!B9', '--outputs', "'Sheet 1'!A2"]);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stderr, /warning: input "Inputs!B9" is an empty cell that no formula reads/);
  const manifest = readFileSync(join(out, 'manifest.json'), 'utf8');
  t.false('outDir' in JSON.parse(manifest));
  t.notRegex(manifest, /"outDir"/);
  const j = sheetc(['build', file, '-o', join(tempDir(), 'e2'), '--inputs', 'Inputs!B9', '--outputs', "'Sheet 1'!A2", '--json']);
  t.is(j.stderr, '');
  t.is(JSON.parse(j.stdout).warnings[0].code, 'input-never-read');
  const inspect = JSON.parse(sheetc(['inspect', file, '--json']).stdout) as Record<string, unknown>;
  t.false('outDir' in inspect);
  t.is(inspect.formulaCells, 8);
  const v = sheetc(['verify', file, '--json']);
  const report = JSON.parse(v.stdout) as { build: Record<string, unknown>; total: number };
  t.is(report.build.formulaCells, 8);
  t.false('outDir' in report.build);
  t.false('buildSummary' in report);
});

test('an error without a code from the engine is E_INTERNAL, not a reference error', (t) => {
  // An engine whose run() fails as a runtime bug would (a RangeError, no code).
  const dir = join(tempDir(), 'engine');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(
    join(dir, 'engine.js'),
    "export const spec = { sheets: [{ name: 'S' }], names: [] };\nexport function run() { throw new RangeError('Invalid array length'); }\n",
  );
  const r = sheetc(['eval', dir]);
  t.is(r.code, 2);
  t.regex(r.stderr, /Invalid array length.*\[E_INTERNAL\]/);
  t.notRegex(r.stderr, /E_UNKNOWN_REF/);
  const j = sheetc(['eval', dir, '--json']);
  t.is(JSON.parse(j.stderr).error.code, 'E_INTERNAL');
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs the CLI on a pseudo-terminal (util-linux `script`): stdout and stderr together. */
function onTerminal(args: string[], env: Record<string, string> = {}): string {
  const command = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm', ...env } });
  return r.stdout;
}

test('verify and eval show the build progress on a terminal, cleared when done; none when piped', (t) => {
  if (!hasScript) {
    t.fail('util-linux script is needed for the pseudo-terminal tests');
    return;
  }
  const file = workbook();
  for (const args of [['verify', file], ['eval', file, '--cells', 'Sheet 1!A2'], ['build', file, '-o', join(tempDir(), 'e')]]) {
    const out = onTerminal(args, { NO_COLOR: '1' });
    t.regex(out, /\rread +\[[#-]+\] +\d+%/, args[0]);
    t.regex(out, /\remit +\[#+\] 100%/, args[0]);
    // The bar is cleared (carriage return, erase line) before the result is printed.
    t.regex(out, /\r\x1b\[K(\r\n)?[^\r]*(match|0\.3|built|nothing to verify)/, args[0]);
    const piped = sheetc(args.map((a) => (a.startsWith('/') && a.endsWith('/e') ? join(tempDir(), 'e') : a)));
    t.notRegex(piped.stderr + piped.stdout, /\x1b|\[#/, args[0]);
  }
});

test('colour only on a terminal, and never with NO_COLOR', (t) => {
  if (!hasScript) {
    t.fail('util-linux script is needed for the pseudo-terminal tests');
    return;
  }
  const file = fixtureFile({ sheets: [{ name: 'S', cells: { A1: 2, B1: { formula: 'A1*2', value: 4 } } }] });
  const coloured = onTerminal(['verify', file]);
  t.regex(coloured, /\x1b\[32m1 \/ 1 formula cells match/);
  const plain = onTerminal(['verify', file], { NO_COLOR: '1' });
  t.regex(plain, /1 \/ 1 formula cells match/);
  t.notRegex(plain, /\x1b\[3\dm/);
  const error = onTerminal(['eval', file, '--cells', 'Nope!A1']);
  t.regex(error, /\x1b\[31msheetc:\x1b\[39m/);
  t.notRegex(onTerminal(['eval', file, '--cells', 'Nope!A1'], { NO_COLOR: '1' }), /\x1b\[31m/);
  t.notRegex(sheetc(['verify', file]).stdout, /\x1b/);
});
