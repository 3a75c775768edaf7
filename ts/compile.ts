/** `compile()`: the workbook into an engine directory, on the libuv pool. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SheetcError, type SheetcErrorCode } from './errors.js';
import { loadNative, type BuildEvent } from './native.js';
import { functionFacts } from './runtime/index.js';
import { EXCEL_FUNCTIONS } from './runtime/catalog.js';
import type { BuildPhase, BuildReport, CompileOptions } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The runtime bundle copied into every engine. */
export function runtimeBundlePath(): string {
  for (const p of [join(here, 'runtime.js'), join(here, '..', 'dist', 'runtime.js')]) {
    if (existsSync(p)) return p;
  }
  throw new SheetcError('E_IO', 'the runtime bundle (dist/runtime.js) is missing; run `npm run build`');
}

/** Throws `E_INVALID_OPTION` (or `E_CANCELLED`) for options no build can run with. */
export function checkOptions(options: CompileOptions): void {
  if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
    throw new SheetcError('E_INVALID_OPTION', 'compile() needs { outDir }');
  }
  if (options.maxModuleMb !== undefined && !(options.maxModuleMb > 0)) {
    throw new SheetcError('E_INVALID_OPTION', 'maxModuleMb must be a positive number of megabytes');
  }
  for (const key of ['inputs', 'outputs'] as const) {
    const list = options[key];
    if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x.trim() === ''))) {
      throw new SheetcError('E_INVALID_OPTION', `${key} must be a list of cell references or defined names`);
    }
  }
  if (options.report !== undefined && (typeof options.report !== 'string' || options.report.trim() === '')) {
    throw new SheetcError('E_INVALID_OPTION', 'report must be the path of the HTML file to write');
  }
  if (options.signal?.aborted) throw new SheetcError('E_CANCELLED', 'the build was cancelled');
}

/** Compiles `workbook` (an .xlsx/.xlsm path) into `options.outDir`. */
export async function compile(workbook: string, options: CompileOptions): Promise<BuildReport> {
  checkOptions(options);
  if (options.report !== undefined) {
    // Loaded only when asked: the report's page bundle is not needed for a build.
    const { buildWithReport } = await import('./report/index.js');
    return buildWithReport(workbook, { ...options, report: options.report });
  }
  return compileWith(workbook, options);
}

/**
 * `compile()` with internal outputs (`extras`) asked of the build that writes the engine
 * (an output profile's second build).
 */
export async function compileWith(workbook: string, options: CompileOptions, extras: BuildExtras = {}): Promise<BuildReport> {
  if (!options.inputs) return compileOnce(workbook, options, extras);
  // Folding needs what the full model computes: build it in a temporary directory, run
  // it once, and hand the formula values to the profile build.
  const scratch = mkdtempSync(join(tmpdir(), 'sheetc-fold-'));
  try {
    const full = join(scratch, 'engine');
    // The first pass reports as one `fold` phase: its four phases, then the model's run.
    const progress = options.onProgress;
    const STEP = 1000;
    const PHASES: BuildPhase[] = ['read', 'parse', 'graph', 'emit'];
    const fold = (done: number) => progress?.({ phase: 'fold', done: Math.round(done), total: 5 * STEP });
    const onFoldProgress = progress
      ? (e: { phase: BuildPhase; done: number; total: number }) => fold(PHASES.indexOf(e.phase) * STEP + (e.total > 0 ? (STEP * Math.min(e.done, e.total)) / e.total : 0))
      : undefined;
    // The full engine, and the list of cells the profile will need values for.
    const plan = join(scratch, 'fold-plan.json');
    await compileOnce(workbook, { ...options, outDir: full, lazy: false, maxModuleMb: undefined, onProgress: onFoldProgress }, { foldPlan: plan });
    const values = join(scratch, 'values.json');
    await runEngineInChild(full, values, 'formulaValues', 'evaluating the full model (to fold what no input reaches)', options.signal, plan).catch((e: unknown) => {
      throw e instanceof SheetcError && e.code === 'E_CANCELLED' ? new SheetcError('E_CANCELLED', 'the build was cancelled') : e;
    });
    fold(5 * STEP);
    return await compileOnce(workbook, options, { ...extras, foldValues: values });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs the engine in `engineDir` once (no inputs), in a child process, and writes the
 * result's `formulaValues()` or `toJSON()` to `out` as JSON (`report`: `{ meta, sheets }`
 * with the formula values, `reportMeta`: the meta alone; both load a lazy engine first). A child, not this process:
 * an imported ES module is never unloaded, so every profile build or verify would leave
 * a whole model in the caller's heap (and a profile's second build would run beside it:
 * 3.4 GB at 5M cells). The child gets this process's heap limit. `purpose` names the
 * step in errors.
 */
export function runEngineInChild(
  engineDir: string,
  out: string,
  what: 'formulaValues' | 'toJSON' | 'report' | 'reportMeta',
  purpose: string,
  signal: AbortSignal | undefined,
  only?: string,
): Promise<void> {
  // `only`: a JSON list of [sheet, row, col]; formula values of those cells alone.
  const script =
    'const [url, out, what, only] = process.argv.slice(1);' +
    "const { readFileSync, writeFileSync } = await import('node:fs');" +
    'const engine = await import(url);' +
    // The report runs any engine, a lazy one after loading every sheet.
    "if (what.startsWith('report') && typeof engine.load === 'function') await engine.load({ sheets: engine.spec.sheets.map((s) => s.name) });" +
    'const result = engine.run();' +
    "let value = what === 'toJSON' ? result.toJSON() : what === 'formulaValues' ? result.formulaValues() : { meta: result.meta, sheets: what === 'report' ? result.formulaValues().sheets : null };" +
    'if (only) {' +
    "  const keep = new Set(JSON.parse(readFileSync(only, 'utf8')).map((c) => c.join(',')));" +
    '  value = { sheets: value.sheets.map((flat, s) => { const o = []; for (let i = 0; i + 2 < flat.length; i += 3) if (keep.has(s + \',\' + flat[i] + \',\' + flat[i + 1])) o.push(flat[i], flat[i + 1], flat[i + 2]); return o; }) };' +
    '}' +
    'writeFileSync(out, JSON.stringify(value));';
  const heapMb = Math.ceil(getHeapStatistics().heap_size_limit / (1024 * 1024));
  const args = [`--max-old-space-size=${heapMb}`, '--input-type=module', '-e', script, pathToFileURL(join(engineDir, 'engine.js')).href, out, what, ...(only ? [only] : [])];
  return new Promise((ok, fail) => {
    if (signal?.aborted) {
      fail(new SheetcError('E_CANCELLED', 'cancelled'));
      return;
    }
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    const onAbort = () => child.kill();
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      fail(new SheetcError('E_INTERNAL', `cannot start Node for ${purpose}: ${e.message}`));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) fail(new SheetcError('E_CANCELLED', 'cancelled'));
      else if (code === 0) ok();
      else fail(new SheetcError('E_INTERNAL', `${purpose} failed with ${sig ? `signal ${sig}` : `exit code ${code}`}: ${stderr.trim()}`));
    });
  });
}

/** Internal outputs of a build beside the engine (not part of the public options). */
export interface BuildExtras {
  foldValues?: string;
  foldPlan?: string;
  cachedValuesOut?: string;
  reportDataOut?: string;
}

export async function compileOnce(workbook: string, options: CompileOptions, extras: BuildExtras = {}): Promise<BuildReport> {
  if (options.signal?.aborted) throw new SheetcError('E_CANCELLED', 'the build was cancelled');
  const native = loadNative();
  const cancel = new native.CancelFlag();
  const onAbort = () => cancel.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = options.onProgress;
  try {
    // The binding delivers progress and then exactly one `done` or `error` event, in
    // order, through one thread-safe function: nothing to poll for.
    return await new Promise<BuildReport>((done, fail) => {
      native.compile(
        resolve(workbook),
        {
          outDir: resolve(options.outDir),
          functions: functionFacts(),
          knownFunctions: EXCEL_FUNCTIONS.map((f) => f.name),
          runtimeJs: runtimeBundlePath(),
          strict: options.strict ?? false,
          maxUncompressedBytes: options.maxUncompressedMb !== undefined ? options.maxUncompressedMb * 1024 * 1024 : undefined,
          maxCells: options.maxCells,
          lazy: options.lazy ?? false,
          maxModuleBytes: options.maxModuleMb !== undefined ? options.maxModuleMb * 1024 * 1024 : undefined,
          inputs: options.inputs,
          outputs: options.outputs,
          foldValues: extras.foldValues,
          foldPlan: extras.foldPlan,
          cachedValuesOut: extras.cachedValuesOut,
          reportDataOut: extras.reportDataOut,
        },
        (e: BuildEvent) => {
          if (e.kind === 'progress') {
            progress?.({ phase: e.phase as BuildPhase, done: e.done ?? 0, total: e.total ?? 0 });
          } else if (e.kind === 'done' && e.report) {
            done(e.report);
          } else {
            const err = e.error ?? { code: 'E_INTERNAL', message: 'the build ended without a result' };
            fail(new SheetcError(err.code as SheetcErrorCode, err.message, err.location ?? undefined));
          }
        },
        cancel,
      );
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
