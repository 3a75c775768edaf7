/**
 * What tinypool itself does where the pool (ts/pool.ts) has to work around it. Each test
 * asserts tinypool's actual behaviour, so it fails the day tinypool changes it: then the
 * workaround named in the test can go. The pool's own tests (pool.test.ts) show the
 * workarounds working.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import Tinypool from 'tinypool';

const WORKER = `
import { threadId } from 'node:worker_threads';
const kept = [];
export default async function (t) {
  if (t.port) t.port.postMessage('started');
  if (t.exit) process.exit(3);
  if (t.kill) process.kill(process.pid, 'SIGKILL');
  if (t.env) return process.env[t.env] ?? null;
  if (t.leakMb) kept.push(new Float64Array(t.leakMb * 131072).fill(1));
  return threadId || process.pid;
}
`;
const file = join(mkdtempSync(join(tmpdir(), 'sheetc-tinypool-')), 'worker.mjs');
writeFileSync(file, WORKER);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('worker_threads: a worker that exits during a task leaves the task pending (workaround: the pool watches exits and aborts the task)', async (t) => {
  const pool = new Tinypool({ filename: file, minThreads: 0, maxThreads: 1 });
  t.teardown(() => pool.destroy());
  const { port1, port2 } = new MessageChannel();
  const started = new Promise<void>((r) => port1.once('message', () => r()));
  const closed = new Promise<void>((r) => port1.once('close', () => r()));
  const ac = new AbortController();
  let state = 'pending';
  const p = pool.run({ exit: true, port: port2 }, { transferList: [port2], signal: ac.signal }).then(
    () => (state = 'resolved'),
    (e: Error) => (state = `rejected: ${e.name}`),
  );
  await started;
  await closed; // the worker is gone
  await sleep(1000);
  t.is(state, 'pending', 'tinypool never settles the task of a worker thread that exited');
  t.is(pool.threads.length, 1, 'and still lists the dead worker');
  ac.abort();
  await p;
  t.is(state, 'rejected: AbortError', 'aborting the task settles it and drops the worker');
  t.is(pool.threads.length, 0);
});

test('child_process: a worker death is reported without its exit code or signal (workaround: the pool watches the exit)', async (t) => {
  const pool = new Tinypool({ filename: file, runtime: 'child_process', minThreads: 0, maxThreads: 1, env: { PATH: process.env['PATH'] ?? '' } });
  t.teardown(() => pool.destroy());
  const err = (await t.throwsAsync(pool.run({ kill: true }))) as Error;
  t.is(err.message, 'Worker exited unexpectedly');
  t.notRegex(err.message, /SIGKILL/);
});

test('child_process: workers get no environment unless one is passed (workaround: the pool passes its own)', async (t) => {
  process.env['SHEETC_TINYPOOL_PROBE'] = 'here';
  try {
    const bare = new Tinypool({ filename: file, runtime: 'child_process', minThreads: 0, maxThreads: 1 });
    t.teardown(() => bare.destroy());
    t.is(await bare.run({ env: 'SHEETC_TINYPOOL_PROBE' }), null);
    t.is(await bare.run({ env: 'PATH' }), null);
    const withEnv = new Tinypool({ filename: file, runtime: 'child_process', minThreads: 0, maxThreads: 1, env: { SHEETC_TINYPOOL_PROBE: 'here' } });
    t.teardown(() => withEnv.destroy());
    t.is(await withEnv.run({ env: 'SHEETC_TINYPOOL_PROBE' }), 'here');
  } finally {
    delete process.env['SHEETC_TINYPOOL_PROBE'];
  }
});

test('maxMemoryLimitBeforeRecycle counts the JS heap only, not ArrayBuffers (workaround: the pool worker counts external memory and asks to be recycled)', async (t) => {
  const pool = new Tinypool({ filename: file, minThreads: 0, maxThreads: 1, maxMemoryLimitBeforeRecycle: 100 * 1024 * 1024 });
  t.teardown(() => pool.destroy());
  const before = await pool.run({});
  await pool.run({ leakMb: 300 }); // 300 MB kept alive by the worker, 3 times the limit
  const after = await pool.run({});
  t.is(after, before, 'the same worker serves the next task: it was not recycled');
});
