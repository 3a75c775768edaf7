/**
 * Child process for one workbook: `node --import tsx worker.ts XLSX OUTDIR RESULT.json [COMPILER]`.
 *
 * Compiles and runs the (stripped) workbook and writes the outcome to RESULT.json:
 * `{ ok: true, values, backfilled, report, timings }` or `{ ok: false, stage, error }`.
 * A native crash or a hang leaves no result file; the runner reports it from the exit
 * status / its timeout.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { compileAndRun, StageError } from './engine.js';
import { STARTED } from './started.js';

const MAX_REPORT_CHARS = 200_000;

function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return { nonFinite: String(v) };
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'function' || typeof v === 'symbol') return undefined;
  return v;
}

function safeJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v, replacer);
  } catch {
    return undefined;
  }
}

function write(path: string, obj: unknown): void {
  const tmp = path + '.tmp';
  writeFileSync(tmp, safeJson(obj) ?? '{"ok":false,"stage":"run","error":"result not serializable"}');
  renameSync(tmp, path);
}

async function main(): Promise<void> {
  const [xlsx, outDir, resultPath, compiler] = process.argv.slice(2);
  if (!xlsx || !outDir || !resultPath) {
    console.error('usage: worker.ts XLSX OUTDIR RESULT.json [COMPILER]');
    process.exit(2);
  }
  // The runner's time limit counts from here: starting Node and loading tsx is not the
  // workbook's time (it can take seconds on a loaded machine).
  process.stdout.write(`${STARTED}\n`);
  try {
    const out = await compileAndRun(xlsx, outDir, compiler || undefined);
    let reportJson = safeJson(out.report);
    if (reportJson !== undefined && reportJson.length > MAX_REPORT_CHARS) reportJson = undefined;
    const values = JSON.parse(safeJson(out.values) ?? '{}');
    write(resultPath, {
      ok: true,
      values,
      backfilled: out.backfilled,
      report: reportJson === undefined ? '(omitted: too large or not serializable)' : JSON.parse(reportJson),
      timings: out.timings,
    });
  } catch (e) {
    const stage = e instanceof StageError ? e.stage : 'run';
    const cause = e instanceof StageError ? e.cause : e;
    const error = cause instanceof Error ? cause.message : String(cause);
    const stack = cause instanceof Error ? cause.stack : undefined;
    write(resultPath, { ok: false, stage, error, stack });
  }
  // Engines may leave handles open; the result is written, so leave now.
  process.exit(0);
}

void main();
