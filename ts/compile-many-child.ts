/**
 * The child process of `compileMany()` (ts/compile-many.ts): compiles one workbook
 * and reports back over IPC, so that a native crash takes down only this process.
 *
 * Parent → child: `{ type: 'compile', workbook, outDir, strict }`, `{ type: 'cancel' }`.
 * Child → parent: `{ type: 'done', report }` or `{ type: 'failed', error: { code, message } }`.
 */
import { basename } from 'node:path';
import { compile } from './compile.js';

interface CompileMessage {
  type: 'compile' | 'cancel';
  workbook?: string;
  outDir?: string;
  strict?: boolean;
}

if (typeof process.send === 'function' && process.argv.includes('--sheetc-compile-child')) {
  const controller = new AbortController();
  const send = (m: unknown) => {
    if (process.connected) process.send!(m);
  };
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: CompileMessage) => {
    if (msg.type === 'cancel') {
      controller.abort();
      return;
    }
    if (msg.type !== 'compile') return;
    const workbook = msg.workbook!;
    // TEST-ONLY hook: simulates a native crash (the process dying without a report)
    // for the workbook with this basename. Used by __test__/compile-many.test.ts.
    const crashOn = process.env['SHEETC_TEST_CRASH_ON'];
    if (crashOn && basename(workbook) === crashOn) process.kill(process.pid, 'SIGKILL');
    compile(workbook, { outDir: msg.outDir!, strict: msg.strict, signal: controller.signal }).then(
      (report) => send({ type: 'done', report }),
      (e: unknown) => {
        const err = e as { code?: unknown; message?: unknown };
        send({
          type: 'failed',
          error: { code: typeof err?.code === 'string' ? err.code : 'E_INTERNAL', message: typeof err?.message === 'string' ? err.message : String(e) },
        });
      },
    );
  });
}
