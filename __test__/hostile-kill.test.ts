/**
 * Hostile conditions for the build process itself: a real `kill -9` of the CLI (issue
 * #16). A killed build must leave no process behind (the output profile's engine runner
 * dies with its parent), and what it could not remove (the temporary sibling of the
 * output directory, the temporary directory of a profile build) carries its pid and is
 * removed by the next build once that pid is gone. Linux only (/proc).
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureFile, tempDir } from './helpers/build.js';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';

const cli = join(process.cwd(), 'dist', 'cli.js');
const linux = existsSync('/proc/self/stat');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    // A zombie (killed, not yet reaped by its parent) counts as gone.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms: number, step = 5): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(step);
  }
}

function startBuild(args: string[]): ChildProcess {
  return spawn(process.execPath, [cli, 'build', ...args], { stdio: 'ignore' });
}

async function killed(p: ChildProcess): Promise<void> {
  if (p.exitCode === null && p.signalCode === null) {
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
  }
}

/**
 * A model whose full run takes far longer than the test waits (about 30 s here): a
 * circular chain of 4,000 cells swept 32,767 times (Excel's maximum).
 */
function slowModel(): FixtureWorkbook {
  const cells: Record<string, string | number> = { B1: 1 };
  const n = 4000;
  cells.A1 = `=A${n}+B1`;
  for (let r = 2; r <= n; r++) cells[`A${r}`] = `=A${r - 1}+1`;
  return { iterate: { count: 32767, delta: 0 }, sheets: [{ name: 'S', cells }] };
}

test.serial('kill -9 of a profile build during its model run: the engine runner dies too, the next build removes the temp folder', async (t) => {
  if (!linux) return t.pass('needs /proc');
  const file = fixtureFile(slowModel());
  const parent = tempDir('sheetc-kill-');
  const build = startBuild([file, '-o', join(parent, 'engine'), '--inputs', 'S!B1', '--outputs', 'S!A1']);
  const pid = build.pid!;
  let runner: number | undefined;
  try {
    // The runner is the build's child Node process (after the first, full build).
    await until('the engine runner', () => (runner = childrenOf(pid)[0]) !== undefined, 120_000);
    // Long enough for a runner that fails to start to have exited: this one computes.
    await sleep(2000);
    t.true(alive(runner!), 'the runner is running');
  } finally {
    await killed(build);
  }
  const scratch = readdirSync(tmpdir()).filter((n) => n.startsWith(`sheetc-build-${pid}-`));
  t.is(scratch.length, 1, 'the killed build left its temporary folder (it could not remove it)');
  // Far sooner than the run would end by itself.
  await until('the runner to exit', () => !alive(runner!), 3_000, 20).catch(() => undefined);
  const orphan = alive(runner!);
  if (orphan) process.kill(runner!, 'SIGKILL');
  t.false(orphan, 'the engine runner died with its parent');
  // The next build (of any kind) that makes a temporary folder removes the dead build's.
  const r = spawnSync(process.execPath, [cli, 'eval', fixtureFile({ sheets: [{ name: 'S', cells: { A1: 1, B1: '=A1+1' } }] }), '--cells', 'S!B1'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.false(existsSync(join(tmpdir(), scratch[0]!)), 'the dead build`s temporary folder was swept');
});

/** A model big enough that writing the engine takes a moment. */
function bigModel(): FixtureWorkbook {
  const cells: Record<string, string | number> = {};
  for (let r = 1; r <= 40_000; r++) {
    cells[`A${r}`] = r;
    cells[`B${r}`] = `=A${r}*2+${r % 7}`;
    cells[`C${r}`] = `=IF(B${r}>${r},B${r}-A${r},A${r})`;
  }
  return { sheets: [{ name: 'S', cells }] };
}

test.serial('kill -9 during emit leaves a pid-marked temporary sibling, which the next build removes', async (t) => {
  if (!linux) return t.pass('needs /proc');
  const file = fixtureFile(bigModel());
  // Many small modules make the emit step long enough to be caught in it; a build that
  // finishes first is tried again in a fresh place.
  for (let attempt = 0; attempt < 5; attempt++) {
    const parent = tempDir('sheetc-kill-');
    const out = join(parent, 'engine');
    const build = startBuild([file, '-o', out, '--max-module-mb', '0.01']);
    const mark = `.engine.sheetc-tmp-${build.pid!}-`;
    try {
      // The sibling is made when the build starts (the staging directory); emission is
      // when files appear in it.
      const holdsFiles = (dir: string) => {
        try {
          return readdirSync(dir).length > 0;
        } catch {
          return false; // moved into place meanwhile
        }
      };
      const writing = () => readdirSync(parent).some((n) => n.startsWith(mark) && holdsFiles(join(parent, n)));
      await until('the temporary sibling being written', () => writing() || build.exitCode !== null, 120_000, 2);
    } finally {
      await killed(build);
    }
    const leftover = readdirSync(parent).find((n) => n.startsWith(mark));
    if (!leftover || existsSync(out)) continue;
    const r = spawnSync(process.execPath, [cli, 'build', file, '-o', out], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    t.deepEqual(readdirSync(parent), ['engine'], 'the next build swept the dead build`s sibling');
    return;
  }
  t.fail('no build was caught while it wrote its engine');
});
