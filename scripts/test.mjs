// The test command (`npm test`): Rust tests, the ava suite (TAP), the workflow lint,
// static checks (fmt, clippy, tsc, generated types), a bounded fuzzing run, and the conformance reports over ../shared/corpus and ../shared/corpus-formats when present. Prints each
// runner's totals and a final `N passed, N failed` line; exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let passed = 0;
let failed = 0;

function run(cmd, args, opts = {}) {
  // npx is a .cmd script on Windows: it needs a shell there.
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, shell: process.platform === 'win32' && cmd === 'npx', ...opts });
  return { status: r.status ?? 1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

// 1. Rust: sum the `test result:` lines. Build for the host triple explicitly so the
// dependencies compiled by `napi build` (which passes --target) are reused.
{
  const host = /host: (\S+)/.exec(run('rustc', ['-vV']).out)?.[1];
  const r = run('cargo', ['test', '--workspace', '--release', ...(host ? ['--target', host] : [])]);
  let p = 0;
  let f = 0;
  for (const m of r.out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    p += Number(m[1]);
    f += Number(m[2]);
  }
  if (r.status !== 0 && f === 0) f = 1; // a build failure counts as a failure
  if (r.status !== 0 || f) process.stdout.write(r.out.split('\n').filter((l) => /FAILED|panicked|error(\[|:)/.test(l)).slice(0, 60).join('\n') + '\n');
  console.log(`cargo test: ${p} passed, ${f} failed`);
  passed += p;
  failed += f;
}

// 2. ava in TAP mode: count `ok` / `not ok` lines.
{
  const r = run('npx', ['ava', '--tap']);
  const p = (r.out.match(/^ok \d+/gm) ?? []).length;
  const f = (r.out.match(/^not ok \d+/gm) ?? []).length + (r.status !== 0 && !/^not ok/m.test(r.out) ? 1 : 0);
  if (f) {
    const lines = r.out.split('\n');
    const bad = [];
    lines.forEach((l, i) => {
      if (/^not ok/.test(l)) bad.push(lines.slice(i, i + 14).join('\n'));
    });
    process.stdout.write((bad.length ? bad.join('\n') : r.out.slice(-4000)) + '\n');
  }
  console.log(`ava: ${p} passed, ${f} failed`);
  passed += p;
  failed += f;
}

// 3. Workflow lint (when the script exists).
if (existsSync(join(root, 'scripts', 'lint-workflows.mjs'))) {
  const r = run('node', ['scripts/lint-workflows.mjs']);
  if (r.status === 0) passed += 1;
  else {
    failed += 1;
    process.stdout.write(r.out + '\n');
  }
  console.log(`workflow lint: ${r.status === 0 ? 'ok' : 'FAILED'}`);
}

// 4. Static checks, one pass/fail each: formatting, clippy, the TypeScript types, and the
// generated binding types (napi-rs writes ts/generated/native.d.ts at build time; the
// committed copy must be what the Rust declarations generate).
{
  const checks = [
    ['cargo fmt --check', 'cargo', ['fmt', '--all', '--check']],
    ['cargo clippy -D warnings', 'cargo', ['clippy', '--workspace', '--all-targets', '--release', '--', '-D', 'warnings']],
    ['tsc --noEmit', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
    ['generated types committed', 'git', ['diff', '--exit-code', '--', 'ts/generated']],
  ];
  for (const [name, cmd, args] of checks) {
    const r = run(cmd, args);
    if (r.status === 0) passed += 1;
    else {
      failed += 1;
      process.stdout.write(r.out.slice(-4000) + '\n');
    }
    console.log(`${name}: ${r.status === 0 ? 'ok' : 'FAILED'}`);
  }
}

// 5. Fuzzing, one pass/fail entry: fuzz/run.sh replays every saved finding (fuzz/crashes/)
// and runs each target for SHEETC_FUZZ_SECONDS (default 60) with the structure-aware
// xlsx mutator. Bash only (not on Windows); SHEETC_FUZZ_SECONDS=0 skips it.
{
  const secs = process.env.SHEETC_FUZZ_SECONDS ?? '60';
  if (process.platform === 'win32' || secs === '0') {
    console.log('fuzz: skipped');
  } else {
    const t0 = Date.now();
    const r = run('bash', [join('fuzz', 'run.sh'), secs]);
    const took = Math.round((Date.now() - t0) / 1000);
    if (r.status === 0) passed += 1;
    else {
      failed += 1;
      process.stdout.write(r.out.slice(-4000) + '\n');
    }
    const built = /fuzz harness built in \d+ s/.exec(r.out)?.[0] ?? 'harness not built';
    console.log(`fuzz (${secs} s per target): ${r.status === 0 ? 'ok' : 'FAILED'} in ${took} s (${built})`);
  }
}

// 6. Conformance over the Excel corpora (../shared/corpus, then ../shared/corpus-formats with its
// .xlsb/.xls twins): a report, not a pass/fail gate; only a runner failure counts as failed.
for (const [name, report] of [
  ['corpus', 'conformance-report.json'],
  ['corpus-formats', 'conformance-formats-report.json'],
]) {
  const corpus = join(root, '..', 'shared', name);
  if (!existsSync(corpus) || process.env.SHEETC_SKIP_CONFORMANCE === '1') {
    console.log(`conformance: ../shared/${name} not present, skipped`);
    continue;
  }
  const r = run('npx', ['tsx', 'scripts/conformance.ts', corpus, '--quiet', '--out', join(root, report)]);
  const line = r.out.split('\n').filter((l) => l.startsWith('conformance:')).pop();
  console.log(line ? `${line} (../shared/${name})` : `conformance: runner failed on ../shared/${name} (exit ${r.status})\n${r.out.slice(-2000)}`);
  if (r.status !== 0) failed += 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
