/**
 * An engine directory opened for analysis: the engine (eager, lazy or an output
 * profile), its manifest, and the what-if files beside it (labels, explain index), each
 * read on first use. Every value shown comes from running the engine through its public
 * API (`run(inputs)`, `get`), so the analysis gets faster with the engine's incremental run.
 */
import { loadEngine, type LoadedEngine } from '../engine-loader.js';
import { SheetcError } from '../errors.js';
import { cellKey, parseArea } from '../runtime/address.js';
import type { EngineSpec, InputValue, JsonValue, RunOptions, RunResult } from '../runtime/engine.js';
import { isExcelError } from '../runtime/values.js';
import type {
  BuildReport,
  ExplainOptions,
  Explanation,
  FindOptions,
  FindResult,
  GoalSeekOptions,
  GoalSeekResult,
  SensitivityOptions,
  SensitivityResult,
  TornadoOptions,
  TornadoResult,
} from '../types.js';
import { explain } from './explain.js';
import { find } from './find.js';
import { goalSeek } from './goal-seek.js';
import { sensitivity, tornado } from './sensitivity.js';
import { readEngineJson, type ExplainFile, type LabelFile } from './files.js';
import { FormulaIndex, type Rect } from './formulas.js';
import { LabelIndex } from './labels.js';

export interface WhatIfModel {
  readonly dir: string;
  readonly engine: LoadedEngine;
  readonly spec: EngineSpec;
  readonly manifest: BuildReport;
  /** `labels.json`, decoded on first use. */
  labels(): LabelIndex;
  /** `explain.json`, decoded on first use. */
  formulas(): FormulaIndex;
  /** A reference or defined name as cells (throws `E_UNKNOWN_REF`). */
  resolve(ref: string): Rect;
  /** `Sheet!A1` or `Sheet!A1:B3` of cells. */
  refOf(rect: Rect): string;
  /** Runs the engine with `inputs` (a lazy engine first loads what `cells` need). */
  evaluate(inputs: Record<string, InputValue>, cells: string[], options?: RunOptions): Promise<RunResult>;
  /** The tools as methods: `m.find(text)` is `find(m, text)`, and so on. */
  find(text: string, options?: FindOptions): Promise<FindResult>;
  explain(ref: string, options?: ExplainOptions): Promise<Explanation>;
  goalSeek(options: GoalSeekOptions): Promise<GoalSeekResult>;
  sensitivity(options: SensitivityOptions): Promise<SensitivityResult>;
  tornado(options: TornadoOptions): Promise<TornadoResult>;
}

/** Opens an engine directory built by `compile()` / `sheetc build`. */
export async function openModel(dir: string): Promise<WhatIfModel> {
  const engine = await loadEngine(dir);
  const manifest = readEngineJson<BuildReport>(dir, 'manifest.json');
  let labels: LabelIndex | null = null;
  let formulas: FormulaIndex | null = null;
  const spec = engine.spec;
  const model: WhatIfModel = {
    dir,
    engine,
    spec,
    manifest,
    labels: () => (labels ??= new LabelIndex(readEngineJson<LabelFile>(dir, 'labels.json'))),
    formulas: () => (formulas ??= new FormulaIndex(readEngineJson<ExplainFile>(dir, 'explain.json'))),
    resolve: (ref) => resolveRef(spec, ref),
    refOf: (r) => refOf(spec, r),
    evaluate: (inputs, cells, options) => evaluate(engine, inputs, cells, options),
    find: (text, options) => find(model, text, options),
    explain: (ref, options) => explain(model, ref, options),
    goalSeek: (options) => goalSeek(engine, options),
    sensitivity: (options) => sensitivity(model, options),
    tornado: (options) => tornado(model, options),
  };
  return model;
}

/** Runs an engine; a lazy one first loads the cone of `cells` (and of the inputs' cells). */
export async function evaluate(engine: LoadedEngine, inputs: Record<string, InputValue>, cells: string[], options: RunOptions = {}): Promise<RunResult> {
  try {
    if (engine.load) await engine.load({ cells: [...new Set([...cells, ...Object.keys(inputs)])] });
    return engine.run(inputs, options);
  } catch (e) {
    throw asSheetcError(e);
  }
}

/** An engine's typed error (`E_UNKNOWN_REF`, ...) as a SheetcError. */
export function asSheetcError(e: unknown): unknown {
  if (e instanceof SheetcError) return e;
  const err = e as { code?: unknown; message?: string };
  if (err && typeof err.code === 'string' && err.code.startsWith('E_')) return new SheetcError(err.code as never, err.message ?? String(e));
  return e;
}

export function resolveRef(spec: EngineSpec, ref: string): Rect {
  const a = parseArea(ref.trim());
  if (a) {
    let sheet = 0;
    if (a.sheet === null) {
      if (spec.sheets.length !== 1) throw new SheetcError('E_UNKNOWN_REF', `"${ref}" needs a sheet name (for example "${spec.sheets[0]?.name}!${ref}")`);
    } else {
      const u = a.sheet.toUpperCase();
      sheet = spec.sheets.findIndex((s) => s.name.toUpperCase() === u);
      if (sheet < 0) throw new SheetcError('E_UNKNOWN_REF', `unknown sheet in "${ref}"; sheets are: ${spec.sheets.map((s) => s.name).join(', ')}`);
    }
    return { sheet, r0: a.r0, c0: a.c0, r1: a.r1, c1: a.c1 };
  }
  const u = ref.trim().toUpperCase();
  const n = spec.names.find((x) => x.name.toUpperCase() === u && x.scope === null) ?? spec.names.find((x) => x.name.toUpperCase() === u);
  if (n?.area) {
    const [sheet, r0, c0, r1, c1] = n.area;
    return { sheet, r0, c0, r1, c1 };
  }
  throw new SheetcError('E_UNKNOWN_REF', `unknown cell reference or name "${ref}"`);
}

export function refOf(spec: EngineSpec, r: Rect): string {
  const name = spec.sheets[r.sheet]?.name ?? `#${r.sheet}`;
  const first = cellKey(name, r.r0, r.c0);
  return r.r0 === r.r1 && r.c0 === r.c1 ? first : `${first}:${cellKey('', r.r1, r.c1).slice(1)}`;
}

/** A value as JSON (errors as `{ error }`). */
export function toJson(v: unknown): JsonValue {
  if (isExcelError(v)) return { error: v.code };
  if (v === undefined) return null;
  return v as JsonValue;
}

/**
 * A cell's value from a result, or why the engine does not serve it (an output profile's
 * non-output, a lazy engine's unloaded cell).
 */
export function valueOf(result: RunResult, ref: string): { value: JsonValue } | { unavailable: string } {
  try {
    const v = result.get(ref);
    return { value: Array.isArray(v) ? toJson(v[0]?.[0]) : toJson(v) };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'E_NOT_OUTPUT' || err.code === 'E_NOT_LOADED') return { unavailable: err.code === 'E_NOT_OUTPUT' ? 'not an output of this engine' : 'not loaded' };
    throw asSheetcError(e);
  }
}
