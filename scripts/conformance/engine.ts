/**
 * The compile-and-run step: the one place that knows the compiler's API. Runs inside the
 * worker process (see worker.ts), never in the runner itself.
 *
 * Contract (from the lead): `compile(xlsxPath, { outDir })` resolves to a build report
 * and writes `outDir/engine.js`; `(await import(engine.js)).run().toJSON()` gives
 * `{ "Sheet!A1": number | string | boolean | null | { error } }`. Everything here reads
 * the report and the engine module defensively, since their shapes are not final.
 */
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Backfill {
  sheet: string;
  cell: string;
  reason?: string;
}

export interface RunOutput {
  values: Record<string, unknown>;
  backfilled: Backfill[];
  /** The build report, as returned (must survive JSON; trimmed by the worker). */
  report: unknown;
  timings: { compileMs: number; importMs: number; runMs: number };
}

/** Thrown with the stage that failed, so the runner can tell compile errors from run errors. */
export class StageError extends Error {
  constructor(
    readonly stage: 'compile' | 'import' | 'run',
    readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The compiler module: `--compiler`/SHEETC_CONFORMANCE_COMPILER, else the repo's ts/index. */
export function defaultCompilerModule(): string {
  for (const f of ['ts/index.ts', 'ts/index.js', 'dist/index.js']) {
    const p = join(REPO, f);
    if (existsSync(p)) return p;
  }
  return join(REPO, 'ts/index.ts');
}

function toUrl(spec: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec) ? spec : pathToFileURL(resolve(spec)).href;
}

/** Reads which cells the compiler backfilled from a build report of unknown shape. */
export function backfilledCells(report: unknown): Backfill[] {
  if (!report || typeof report !== 'object') return [];
  const r = report as Record<string, unknown>;
  const nested = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);
  const list =
    r.backfilled ?? r.backfill ?? r.backfills ?? nested(r.diagnostics, 'backfilled') ?? nested(r.cells, 'backfilled') ?? nested(r.stats, 'backfilled');
  const out: Backfill[] = [];
  const add = (addr: unknown, sheet: unknown, reason: unknown) => {
    if (typeof addr !== 'string') return;
    let s = typeof sheet === 'string' ? sheet : undefined;
    let c = addr;
    const bang = addr.lastIndexOf('!');
    if (bang >= 0) {
      s = addr.slice(0, bang);
      c = addr.slice(bang + 1);
    }
    if (s === undefined) return;
    if (s.length >= 2 && s.startsWith("'") && s.endsWith("'")) s = s.slice(1, -1).replace(/''/g, "'");
    out.push({ sheet: s, cell: c.replace(/\$/g, '').toUpperCase(), ...(reason !== undefined ? { reason: String(reason) } : {}) });
  };
  if (Array.isArray(list)) {
    for (const e of list) {
      if (typeof e === 'string') add(e, undefined, undefined);
      else if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        add(o.cell ?? o.address ?? o.ref ?? o.key, o.sheet, o.reason ?? o.why ?? o.message);
      }
    }
  } else if (list && typeof list === 'object') {
    // { "Sheet!A1": reason }
    for (const [k, v] of Object.entries(list)) add(k, undefined, typeof v === 'string' ? v : (v as { reason?: unknown })?.reason);
  }
  return out;
}

/** Compiles the workbook at `xlsxPath` into `outDir`, loads the engine and runs it with no inputs. */
export async function compileAndRun(xlsxPath: string, outDir: string, compilerModule = defaultCompilerModule()): Promise<RunOutput> {
  let report: unknown;
  const t0 = performance.now();
  try {
    const compiler = (await import(toUrl(compilerModule))) as Record<string, unknown>;
    const compile = (compiler.compile ?? (compiler.default as Record<string, unknown> | undefined)?.compile) as
      | ((p: string, o: { outDir: string }) => unknown)
      | undefined;
    if (typeof compile !== 'function') throw new Error(`${compilerModule} exports no compile()`);
    report = await compile(xlsxPath, { outDir });
  } catch (e) {
    throw new StageError('compile', e);
  }
  const t1 = performance.now();
  let mod: Record<string, unknown>;
  try {
    let enginePath = join(outDir, 'engine.js');
    if (!existsSync(enginePath)) {
      // the report may name the file it wrote
      const r = (report ?? {}) as Record<string, unknown>;
      const named = [r.enginePath, r.engine, r.outFile, r.output].find((x): x is string => typeof x === 'string' && existsSync(resolve(outDir, x)));
      if (!named) throw new Error(`compile() wrote no ${enginePath}`);
      enginePath = resolve(outDir, named);
    }
    mod = (await import(pathToFileURL(enginePath).href)) as Record<string, unknown>;
  } catch (e) {
    throw new StageError('import', e);
  }
  const t2 = performance.now();
  let values: Record<string, unknown>;
  try {
    const holder = (typeof mod.run === 'function' ? mod : (mod.default as Record<string, unknown> | undefined)) ?? {};
    const run = holder.run as (() => unknown) | undefined;
    if (typeof run !== 'function') throw new Error('engine.js exports no run()');
    let result = await run.call(holder);
    if (result && typeof (result as { toJSON?: unknown }).toJSON === 'function') result = (result as { toJSON(): unknown }).toJSON();
    if (result instanceof Map) result = Object.fromEntries(result);
    if (!result || typeof result !== 'object') throw new Error(`run() gave ${typeof result}, not an object of cell values`);
    values = result as Record<string, unknown>;
  } catch (e) {
    throw new StageError('run', e);
  }
  const t3 = performance.now();
  return {
    values,
    backfilled: backfilledCells(report),
    report,
    timings: { compileMs: t1 - t0, importMs: t2 - t1, runMs: t3 - t2 },
  };
}
