/** `compile()`: the workbook into an engine directory, on the libuv pool. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_NOTES } from './function-notes.js';
import { runEngineJob, type Comparison, type EngineJob } from './engine-run.js';
import { SheetcError, type SheetcErrorCode } from './errors.js';
import { checkOptionsObject, guardedProgress, type OptionKind } from './options.js';
import { loadNative, type BuildEvent, type KeptWorkbook, type PendingValues } from './native.js';
import { builtEntry } from './pool-entry.js';
import { cellKey, parseArea } from './runtime/address.js';
import { functionFacts, supportedFunctions } from './runtime/index.js';
import { EXCEL_FUNCTIONS } from './runtime/catalog.js';
import { scratchDir } from './temp.js';
import type { EncodedScalar, JsonValue } from './runtime/engine.js';
import type { BuildPhase, BuildReport, CompileOptions, VerificationReport } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The runtime bundle copied into every engine. */
export function runtimeBundlePath(): string {
  for (const p of [join(here, 'runtime.js'), join(here, '..', 'dist', 'runtime.js')]) {
    if (existsSync(p)) return p;
  }
  throw new SheetcError('E_IO', 'the runtime bundle (dist/runtime.js) is missing; run `npm run build`');
}

/** The options every build takes (compile() adds outDir, lazy, inputs, outputs, report). */
export const BUILD_OPTION_KINDS: Record<string, OptionKind> = {
  strict: 'boolean',
  signal: 'signal',
  onProgress: 'function',
  maxUncompressedMb: 'positive',
  maxCells: 'positiveInteger',
  maxModuleMb: 'positive',
  functions: 'object',
  verify: 'boolean',
};

const COMPILE_OPTION_KINDS: Record<string, OptionKind> = {
  outDir: 'string',
  ...BUILD_OPTION_KINDS,
  lazy: 'boolean',
  inputs: 'stringList',
  outputs: 'stringList',
  report: 'string',
};

/** Throws `E_INVALID_OPTION` (or `E_CANCELLED`) for options no build can run with. */
export function checkOptions(options: CompileOptions, fn = 'compile()'): void {
  checkOptionsObject(fn, options, COMPILE_OPTION_KINDS, ['outDir']);
  if (options.report !== undefined && options.report.trim() === '') {
    throw new SheetcError('E_INVALID_OPTION', `${fn}: report must be the path of the HTML file to write`);
  }
  if (options.functions !== undefined) checkFunctions(options.functions);
  if (options.signal?.aborted) throw new SheetcError('E_CANCELLED', 'the build was cancelled');
}

/** Throws `E_INVALID_OPTION` unless `workbook` is a path. */
export function checkWorkbookPath(fn: string, workbook: unknown): void {
  if (typeof workbook !== 'string' || workbook === '') {
    throw new SheetcError('E_INVALID_OPTION', `${fn} needs the workbook's path (a non-empty string), got ${typeof workbook === 'string' ? '""' : typeof workbook}`);
  }
}

/**
 * User-defined functions: an object of JavaScript functions, named as the workbook calls
 * them, none of which replaces a function the runtime implements (Excel itself calls its
 * own function then, not the macro).
 */
function checkFunctions(functions: unknown): void {
  if (functions === null || typeof functions !== 'object' || Array.isArray(functions)) {
    throw new SheetcError('E_INVALID_OPTION', 'functions must be an object mapping function names to JavaScript functions');
  }
  const builtin = new Set(supportedFunctions());
  for (const [name, f] of Object.entries(functions)) {
    if (typeof f !== 'function') throw new SheetcError('E_INVALID_OPTION', `functions.${name} must be a JavaScript function`);
    if (!/^(_xludf\.|_xll\.)?[A-Za-z_\\][A-Za-z0-9_.]*$/i.test(name)) throw new SheetcError('E_INVALID_OPTION', `"${name}" is not a function name Excel can call`);
    const upper = name.toUpperCase().replace(/^(_XLUDF\.|_XLL\.)/, '');
    if (builtin.has(upper)) throw new SheetcError('E_INVALID_OPTION', `${upper} is an Excel function sheetc implements; a user-defined function cannot replace it`);
  }
}

/** Compiles `workbook` (an .xlsx/.xlsm path) into `options.outDir`. */
export async function compile(workbook: string, options: CompileOptions): Promise<BuildReport> {
  checkWorkbookPath('compile()', workbook);
  checkOptions(options);
  if (options.report !== undefined) {
    // Loaded only when asked: the report's page bundle is not needed for a build.
    const { buildWithReport } = await import('./report/index.js');
    return buildWithReport(workbook, { ...options, report: options.report });
  }
  return compileVerified(workbook, options, {});
}

/** How the build's verification runs (verify() asks for a clock and more differences). */
export interface VerifySettings {
  /** The clock for NOW/TODAY (default: when the file was last saved, if it says). */
  now?: Date;
  /** How many differences to list (default 100). */
  maxDifferences?: number;
  /**
   * Also write the verifying run's formula values and meta (see engine-run.ts), for a
   * caller that needs them too (the HTML report): the engine then runs once, not twice.
   * Written only when that run is of the engine in `outDir` (not for an output profile,
   * whose verification runs the full model), and not with `verify: false`.
   */
  keepRun?: { values: string; meta: string };
}

/**
 * The build, then (unless `verify: false`) the engine run once and compared with the
 * values Excel stored, written into the report and the manifest. An output profile's
 * first pass already runs the full model once (for folding): that run is compared.
 */
export async function compileVerified(workbook: string, options: CompileOptions, settings: VerifySettings, extras: BuildExtras = {}): Promise<BuildReport> {
  const verifyOn = options.verify !== false;
  const scratch = scratchDir('build');
  let kept: KeptWorkbook | undefined;
  let staging: string | undefined;
  // The child that runs the engine (the verification, or a profile's run of the full
  // model) starts when the native build reaches its graph phase, which uses one core: its
  // start-up (about 0.1 s) overlaps the build instead of following it. (Started with the
  // build, it slowed the read, which uses every core.)
  let runner: EngineRunner | undefined;
  const inProcess = options.functions !== undefined && Object.keys(options.functions).length > 0;
  const wantsRunner = !inProcess && (options.inputs !== undefined || verifyOn);
  const startingRunner = (onProgress: CompileOptions['onProgress']): CompileOptions['onProgress'] =>
    wantsRunner
      ? (e) => {
          if (e.phase === 'graph' && runner === undefined) runner = new EngineRunner();
          onProgress?.(e);
        }
      : onProgress;
  try {
    // Excel's stored values, written by the build's own read (the caller's path when it asks for them).
    const cached = extras.cachedValuesOut ?? (verifyOn ? join(scratch, 'cached.json') : undefined);
    if (!options.inputs) {
      // The engine is built (and verified) in a staging directory and moved into place
      // only once the build has succeeded: a build that fails, is cancelled, is refused by
      // --strict or whose onProgress throws on its last event (delivered after the native
      // build has written) leaves the output directory as it was.
      checkOutDir(options.outDir);
      const dir = stagingDir(options.outDir);
      try {
        const report = await compileOnce(workbook, { ...options, outDir: dir, onProgress: startingRunner(options.onProgress) }, { ...extras, cachedValuesOut: cached, staged: true });
        if (verifyOn && cached) await verifyBuild(report, dir, cached, join(scratch, 'comparison.json'), options, settings, runner);
        if (verifyOn && options.strict) enforceStrictVerification(report);
        replaceDir(dir, options.outDir);
        report.outDir = resolve(options.outDir);
        return report;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // Folding needs what the full model computes: build it in a temporary directory, run
    // it once, and hand the formula values to the profile build.
    const full = join(scratch, 'engine');
    // The first pass reports as one `fold` phase: its four phases, then the model's run.
    // A throwing onProgress stops the build: the first pass's own guard reports it, and
    // this one covers the fold phase's last event.
    const controller = new AbortController();
    const guard = guardedProgress(options.onProgress, () => controller.abort());
    const progress = guard.call;
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const STEP = 1000;
    const PHASES: BuildPhase[] = ['read', 'parse', 'graph', 'emit'];
    const fold = (done: number) => progress?.({ phase: 'fold', done: Math.round(done), total: 5 * STEP });
    const onFoldProgress = progress
      ? (e: { phase: BuildPhase; done: number; total: number }) => fold(PHASES.indexOf(e.phase) * STEP + (e.total > 0 ? (STEP * Math.min(e.done, e.total)) / e.total : 0))
      : undefined;
    // The output directory is checked before any work (the profile moves into it last).
    checkOutDir(options.outDir);
    // The full engine, and the list of cells the profile will need values for.
    const plan = join(scratch, 'fold-plan.json');
    // Both passes compile one read of the workbook, and the second reuses the first's
    // analysis (shapes, graph, order): it neither reads the file nor parses it again.
    const native = loadNative();
    kept = new native.KeptWorkbook();
    const first = await compileOnce(
      workbook,
      { ...options, outDir: full, lazy: false, maxModuleMb: undefined, onProgress: startingRunner(onFoldProgress), signal },
      { foldPlan: plan, cachedValuesOut: cached },
      kept,
    ).catch((e: unknown) => {
      throw guard.error() ?? e;
    });
    const values = join(scratch, 'values.json');
    const now = clockOf(first, settings);
    // The profile's own pass starts now, beside the full model's run (on the other core):
    // parsing and ordering need none of the values, so the native build waits for them
    // only before it assembles the engine (`pending`). Its progress is held back until
    // the fold phase is over, so the phases still come in order.
    const pending = new native.PendingValues();
    const secondController = new AbortController();
    const held = heldProgress(options.onProgress, () => secondController.abort());
    const secondSignal = options.signal ? AbortSignal.any([options.signal, secondController.signal]) : secondController.signal;
    // Built in a staging directory like a plain build (see above): the last held event can
    // reach a throwing onProgress after the native build has written.
    staging = stagingDir(options.outDir);
    const second = compileOnce(workbook, { ...options, outDir: staging, onProgress: held.call, signal: secondSignal }, { ...extras, foldValues: values, staged: true }, kept, pending);
    // Settled below in every case; until then a rejection is not unhandled.
    second.catch(() => undefined);
    const stopSecond = async (why: string) => {
      pending.fail(why);
      await second.catch(() => undefined);
    };
    const comparison = await runEngine(
      {
        engine: full,
        formulaValues: { out: values, only: plan },
        ...(verifyOn && cached ? { nowMs: now?.getTime(), verify: verifyJob(first, cached, join(scratch, 'comparison.json'), settings) } : {}),
      },
      'evaluating the full model (to fold what no input reaches)',
      { ...options, signal },
      runner,
    ).catch(async (e: unknown) => {
      await stopSecond('the full model could not be run');
      throw guard.error() ?? (e instanceof SheetcError && e.code === 'E_CANCELLED' ? new SheetcError('E_CANCELLED', 'the build was cancelled') : e);
    });
    fold(5 * STEP);
    try {
      const failed = guard.error();
      if (failed) throw failed;
      if (comparison && options.strict) enforceStrictVerification({ ...first, verification: verificationOf(comparison, first, now) });
    } catch (e) {
      await stopSecond('the build stopped after the full model ran');
      throw e;
    }
    pending.ready();
    held.release();
    let report = await second.catch((e: unknown) => {
      throw held.error() ?? e;
    });
    // Every progress event came before the result: a throw on any of them is known now.
    const failed = held.error();
    if (failed) throw failed;
    // Folding turns formulas into constants; where the formulas were compact runs (one
    // loop for a column), the constants can cost more than the formulas did. A profile is
    // never larger than the full engine: then it is built again without folding (the
    // cone's cells stay formulas; it still computes no more than the full engine does).
    if (report.foldedCells > 0 && !options.lazy && options.maxModuleMb === undefined && report.engineBytes > first.engineBytes) {
      rmSync(staging, { recursive: true, force: true });
      staging = stagingDir(options.outDir);
      report = await compileOnce(workbook, { ...options, outDir: staging }, { ...extras, noFold: true, staged: true }, kept);
    }
    if (comparison) {
      report.verification = verificationOf(comparison, first, now);
      writeManifest(staging, report);
    }
    replaceDir(staging, options.outDir);
    report.outDir = resolve(options.outDir);
    return report;
  } finally {
    runner?.dispose();
    if (staging) rmSync(staging, { recursive: true, force: true });
    kept?.release();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `--strict`: a formula cell that differs from Excel's stored value fails the build. */
function enforceStrictVerification(report: BuildReport): void {
  const v = report.verification;
  if (!v || v.differ === 0) return;
  const d = v.differences[0];
  const show = (x: JsonValue) => (x !== null && typeof x === 'object' ? x.error : JSON.stringify(x));
  const first = d ? `; first: ${d.cell}${d.formula ? ` ${d.formula}` : ''}: Excel ${show(d.expected)}, sheetc ${show(d.actual)}` : '';
  throw new SheetcError('E_STRICT', `${v.differ} formula cell(s) differ from the values Excel stored, and --strict forbids it${first}`, d?.cell);
}

/** The output directory rules of the compiler (stages/output.rs): missing, empty, or an engine it wrote. */
function checkOutDir(dir: string): void {
  const refused = loadNative().checkEngineDir(resolve(dir));
  if (refused) throw new SheetcError(refused.code as SheetcErrorCode, refused.message, refused.location ?? undefined);
}

/**
 * A fresh, empty directory beside `dir` (same filesystem: the final move is a rename),
 * named as the compiler names its own (`.NAME.sheetc-tmp-PID-N`), so a later build into
 * the same place removes it if this process is killed first.
 */
function stagingDir(dir: string): string {
  const staged = loadNative().stagingEngineDir(resolve(dir));
  if (staged.error || !staged.path) {
    const e = staged.error ?? { code: 'E_IO', message: 'cannot create a temporary output directory', location: null };
    throw new SheetcError(e.code as SheetcErrorCode, e.message, e.location ?? undefined);
  }
  return staged.path;
}

/** Moves a complete engine into place under the compiler's rules, replacing an earlier one only then. */
function replaceDir(from: string, to: string): void {
  const failed = loadNative().replaceEngineDir(resolve(from), resolve(to));
  if (failed) throw new SheetcError(failed.code as SheetcErrorCode, failed.message, failed.location ?? undefined);
}

/** NOW/TODAY for the verification: the caller's clock, else when the file was last saved. */
function clockOf(report: BuildReport, settings: VerifySettings): Date | undefined {
  if (settings.now) return settings.now;
  if (!report.lastModified) return undefined;
  const d = new Date(report.lastModified);
  return Number.isFinite(d.getTime()) ? d : undefined;
}

function verifyJob(report: BuildReport, cached: string, out: string, settings: VerifySettings): NonNullable<EngineJob['verify']> {
  const sheetIndex = new Map(report.sheets.map((s, i) => [s.name, i]));
  const backfilled: [number, number, number][] = [];
  for (const b of report.backfilled) {
    const s = sheetIndex.get(b.sheet);
    const a = parseArea(b.cell);
    if (s !== undefined && a) backfilled.push([s, a.r0, a.c0]);
  }
  return { cached, backfilled, maxDifferences: settings.maxDifferences ?? 100, out };
}

/** Runs the engine just built and compares it with Excel's stored values; updates the report and the manifest. */
async function verifyBuild(report: BuildReport, dir: string, cached: string, out: string, options: CompileOptions, settings: VerifySettings, runner?: EngineRunner): Promise<void> {
  const now = clockOf(report, settings);
  const job: EngineJob = { engine: dir, verify: verifyJob(report, cached, out, settings) };
  if (now) job.nowMs = now.getTime();
  if (settings.keepRun) {
    job.formulaValues = { out: settings.keepRun.values };
    job.meta = { out: settings.keepRun.meta };
  }
  const comparison = await runEngine(job, 'verifying the engine against the stored values', options, runner);
  if (!comparison) return;
  report.verification = verificationOf(comparison, report, now);
  writeManifest(dir, report);
}

/** The report's verification: the comparison with each difference's formula as Excel shows it. */
function verificationOf(c: Comparison, report: BuildReport, now: Date | undefined): VerificationReport {
  const native = loadNative();
  const names = report.sheets.map((s) => s.name);
  const encode = (v: EncodedScalar): JsonValue => (v !== null && typeof v === 'object' ? { error: v.e } : v);
  return {
    total: c.total,
    matched: c.matched,
    differ: c.total - c.matched,
    withoutStoredValue: c.withoutStoredValue,
    backfilled: c.backfilled,
    now: now ? now.toISOString() : null,
    ms: c.ms,
    converged: c.converged,
    iterations: c.iterations,
    differences: c.differences.map((d) => ({
      cell: cellKey(names[d.sheet] ?? `#${d.sheet}`, d.row, d.col),
      formula: d.text ? (native.formulaAt(d.text[2], d.text[0], d.text[1], d.row, d.col) ?? `=${d.text[2]}`) : '',
      expected: encode(d.expected),
      actual: encode(d.actual),
    })),
  };
}

/** Rewrites the engine's manifest with the report (after the verification filled it in). */
function writeManifest(dir: string, report: BuildReport): void {
  // The manifest carries no build-machine path (as the compiler writes it).
  const { outDir: _machinePath, ...manifest } = report;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

let engineRuns = 0;

/**
 * Runs an engine job (see engine-run.ts). In a child process, which gets this process's
 * heap limit: an imported ES module is never unloaded, so every profile build or verify
 * would leave a whole model in the caller's heap (and a profile's second build would run
 * beside it: 3.4 GB at 5M cells). With user-defined functions, in this process (functions
 * cannot be sent to a child), the engine imported afresh. `purpose` names the step in
 * errors. `runner`: a child started ahead of the job (see EngineRunner), used if given.
 */
export async function runEngine(job: EngineJob, purpose: string, options: Pick<CompileOptions, 'signal' | 'functions'>, runner?: EngineRunner): Promise<Comparison | undefined> {
  const { signal, functions } = options;
  if (signal?.aborted) throw new SheetcError('E_CANCELLED', 'cancelled');
  if (functions && Object.keys(functions).length) {
    try {
      return await runEngineJob(job, functions, `run=${++engineRuns}`);
    } catch (e) {
      throw new SheetcError('E_INTERNAL', `${purpose} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const jobFile = join(dirname(job.verify?.out ?? job.formulaValues?.out ?? job.meta?.out ?? join(job.engine, 'job')), `job-${process.pid}-${++engineRuns}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  try {
    await (runner ?? new EngineRunner()).run(jobFile, purpose, signal);
  } finally {
    rmSync(jobFile, { force: true });
  }
  return job.verify ? (JSON.parse(readFileSync(job.verify.out, 'utf8')) as Comparison) : undefined;
}

/**
 * The child process of one engine job (engine-run.ts), started before the job is known:
 * Node and the child's worker thread take about 0.1 s to start, which a build overlaps
 * with its native part; the job file's path follows on stdin. stdin stays an open pipe
 * for the child's life: it exits when this process dies, or when a runner that got no
 * job is disposed.
 */
export class EngineRunner {
  private readonly child: ChildProcess;
  private readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  private stderr = '';
  private used = false;

  constructor() {
    const entry = builtEntry('engine-run');
    const heapMb = Math.ceil(getHeapStatistics().heap_size_limit / (1024 * 1024));
    const args = [`--max-old-space-size=${heapMb}`, entry.file, '--sheetc-engine-job', String(heapMb)];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    // A child that is gone makes writes fail with EPIPE: its exit is what is reported.
    child.stdin!.on('error', () => undefined);
    this.closed = new Promise((settle) => {
      child.on('error', (error) => settle({ code: null, signal: null, error }));
      child.on('close', (code, signal) => settle({ code, signal }));
    });
  }

  /** Sends the job file and resolves when the job succeeded. */
  async run(jobFile: string, purpose: string, signal?: AbortSignal): Promise<void> {
    this.used = true;
    const onAbort = () => this.child.kill();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) this.child.kill();
      else this.child.stdin!.write(`${jobFile}\n`);
      const { code, signal: killedBy, error } = await this.closed;
      if (error) throw new SheetcError('E_INTERNAL', `cannot start Node for ${purpose}: ${error.message}`);
      if (signal?.aborted) throw new SheetcError('E_CANCELLED', 'cancelled');
      if (code !== 0) throw new SheetcError('E_INTERNAL', `${purpose} failed with ${killedBy ? `signal ${killedBy}` : `exit code ${code}`}: ${this.stderr.trim()}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Ends the child of a runner that got no job (it exits when its stdin closes). */
  dispose(): void {
    if (!this.used) this.child.stdin!.end();
  }
}

/** Internal outputs of a build beside the engine (not part of the public options). */
export interface BuildExtras {
  foldValues?: string;
  /** An output profile without folding (compile() builds it when folding does not pay). */
  noFold?: boolean;
  foldPlan?: string;
  cachedValuesOut?: string;
  reportDataOut?: string;
  /** `outDir` is an empty staging directory of compileVerified's: written into directly. */
  staged?: boolean;
}

export async function compileOnce(workbook: string, options: CompileOptions, extras: BuildExtras = {}, kept?: KeptWorkbook, pending?: PendingValues): Promise<BuildReport> {
  if (options.signal?.aborted) throw new SheetcError('E_CANCELLED', 'the build was cancelled');
  const native = loadNative();
  const cancel = new native.CancelFlag();
  const onAbort = () => cancel.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // A throwing onProgress cancels the build and is what the build rejects with (an
  // exception thrown into the native callback would take the host process down).
  const guard = guardedProgress(options.onProgress, () => cancel.cancel());
  const progress = guard.call;
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
          userFunctions: Object.keys(options.functions ?? {}),
          functionNotes: FUNCTION_NOTES,
          runtimeJs: runtimeBundlePath(),
          strict: options.strict ?? false,
          maxUncompressedBytes: options.maxUncompressedMb !== undefined ? options.maxUncompressedMb * 1024 * 1024 : undefined,
          maxCells: options.maxCells,
          lazy: options.lazy ?? false,
          maxModuleBytes: options.maxModuleMb !== undefined ? options.maxModuleMb * 1024 * 1024 : undefined,
          inputs: options.inputs,
          outputs: options.outputs,
          foldValues: extras.foldValues,
          noFold: extras.noFold,
          foldPlan: extras.foldPlan,
          cachedValuesOut: extras.cachedValuesOut,
          reportDataOut: extras.reportDataOut,
          staged: extras.staged,
        },
        (e: BuildEvent) => {
          if (e.kind === 'progress') {
            progress?.({ phase: e.phase as BuildPhase, done: e.done ?? 0, total: e.total ?? 0 });
          } else if (guard.error()) {
            // The build stopped because onProgress threw: that is the failure to report.
            fail(guard.error());
          } else if (e.kind === 'done' && e.report) {
            done(e.report);
          } else {
            const err = e.error ?? { code: 'E_INTERNAL', message: 'the build ended without a result' };
            fail(new SheetcError(err.code as SheetcErrorCode, err.message, err.location ?? undefined));
          }
        },
        cancel,
        kept,
        pending,
      );
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Progress events held back until `release()` (an output profile's second pass, which
 * starts before the fold phase ends), then passed on as they come, through
 * `guardedProgress`: a callback that throws, held events included, stops the build
 * (`onThrow`) and is what `error()` reports.
 */
function heldProgress<E>(callback: ((event: E) => void) | undefined, onThrow: () => void): { call: ((event: E) => void) | undefined; release: () => void; error: () => SheetcError | undefined } {
  const guard = guardedProgress(callback, onThrow);
  const pass = guard.call;
  if (!pass) return { call: undefined, release: () => {}, error: guard.error };
  let queue: E[] | null = [];
  return {
    call: (event: E) => {
      if (queue) queue.push(event);
      else pass(event);
    },
    release: () => {
      const held = queue ?? [];
      queue = null;
      for (const e of held) pass(e);
    },
    error: guard.error,
  };
}
