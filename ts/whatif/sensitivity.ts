/**
 * Sensitivities: a grid of outputs over one or two inputs (Excel's data table, without
 * the sheet), and a tornado (each input moved by ±x% alone, outputs sorted by swing).
 * Every point is a run of the engine; large grids go to the scenario pool (ts/pool.ts)
 * when the engine is an eager one (the pool runs whole engines).
 */
import { SheetcError } from '../errors.js';
import { createPool } from '../pool.js';
import type { InputValue, JsonValue } from '../runtime/engine.js';
import type { SensitivityOptions, SensitivityPageOptions, SensitivityResult, TornadoBar, TornadoOptions, TornadoResult, Vary } from '../types.js';
import { asSheetcError, evaluate, toJson, type WhatIfModel } from './model.js';
import { sensitivityHtml } from '../report/sensitivity.js';


/** At most this many values per input. */
const MAX_VALUES = 10_000;

/** Rounds away float noise of `start + i × step` (0.1 + 2 × 0.1 → 0.3, not 0.30000000000000004). */
function clean(x: number): number {
  return Number.parseFloat(x.toPrecision(12));
}

/**
 * `REF=start:stop:step` (stop included when the steps land on it) or `REF=v1,v2,...`.
 * The reference may itself hold `=` only in a quoted sheet name; the last `=` outside
 * quotes splits.
 */
export function parseVary(text: string): Vary {
  let quoted = false;
  let eq = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (text[i] === '=' && !quoted) eq = i;
  }
  if (eq <= 0) throw new SheetcError('E_INVALID_OPTION', `--vary needs REF=start:stop:step or REF=v1,v2,..., got "${text}"`);
  const ref = text.slice(0, eq).trim();
  const spec = text.slice(eq + 1).trim();
  const num = (s: string) => {
    const v = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(v)) throw new SheetcError('E_INVALID_OPTION', `--vary ${ref}: "${s}" is not a number`);
    return v;
  };
  let values: number[];
  const parts = spec.split(':');
  if (parts.length === 3) {
    const [start, stop, step] = parts.map(num) as [number, number, number];
    if (step === 0 || Math.sign(stop - start) * Math.sign(step) < 0) throw new SheetcError('E_INVALID_OPTION', `--vary ${ref}: the step ${step} does not lead from ${start} to ${stop}`);
    const n = Math.floor((stop - start) / step + 1e-9) + 1;
    if (n > MAX_VALUES) throw new SheetcError('E_INVALID_OPTION', `--vary ${ref}: ${n} values, more than ${MAX_VALUES}`);
    values = Array.from({ length: n }, (_, i) => clean(start + i * step));
  } else if (parts.length === 1) {
    values = spec.split(',').map(num);
  } else throw new SheetcError('E_INVALID_OPTION', `--vary ${ref}: expected start:stop:step or a comma list, got "${spec}"`);
  if (!values.length || values.length > MAX_VALUES) throw new SheetcError('E_INVALID_OPTION', `--vary ${ref}: between 1 and ${MAX_VALUES} values`);
  return { ref, values };
}



function first(v: unknown): JsonValue {
  return toJson(Array.isArray(v) ? (v[0] as unknown[] | undefined)?.[0] : v);
}

/** A grid of outputs over one or two inputs. */
export async function sensitivity(model: WhatIfModel, options: SensitivityOptions): Promise<SensitivityResult> {
  const t0 = performance.now();
  const { vary, outputs } = options;
  if (!Array.isArray(vary) || vary.length < 1 || vary.length > 2) throw new SheetcError('E_INVALID_OPTION', 'a sensitivity grid varies one or two inputs');
  if (!outputs?.length) throw new SheetcError('E_INVALID_OPTION', 'a sensitivity needs outputs');
  for (const v of vary) model.resolve(v.ref);
  for (const o of outputs) model.resolve(o);
  const rows = vary[0]!.values;
  const cols = vary[1]?.values ?? [null];
  const base = options.inputs ?? {};
  const scenarios: Record<string, InputValue>[] = [];
  for (const a of rows) {
    for (const b of cols) {
      const s: Record<string, InputValue> = { ...base, [vary[0]!.ref]: a };
      if (b !== null) s[vary[1]!.ref] = b;
      scenarios.push(s);
    }
  }
  const pooled = options.pool ?? (scenarios.length > 16 && !model.engine.load);
  if (pooled && model.engine.load) throw new SheetcError('E_INVALID_OPTION', 'the scenario pool runs eager engines; this one is lazy (run it without the pool)');
  let values: JsonValue[][];
  if (pooled) {
    const pool = createPool({ engine: model.dir, ...(options.threads ? { threads: options.threads } : {}) });
    try {
      const results = await pool.run(scenarios, { outputs });
      values = results.map((r) => outputs.map((o) => first(r.values[o])));
    } catch (e) {
      const err = e as { failures?: { error: { code: string; message: string } }[] };
      const f = err.failures?.[0];
      throw f ? new SheetcError(f.error.code as never, f.error.message) : asSheetcError(e);
    } finally {
      await pool.close();
    }
  } else {
    await evaluate(model.engine, base, [...outputs, ...vary.map((v) => v.ref)], options.runOptions);
    values = scenarios.map((s) => {
      try {
        const r = model.engine.run(s, options.runOptions);
        return outputs.map((o) => first(r.get(o)));
      } catch (e) {
        throw asSheetcError(e);
      }
    });
  }
  const grids = outputs.map((output, k) => ({
    output,
    values: rows.map((_, i) => cols.map((_, j) => values[i * cols.length + j]![k]!)),
  }));
  return { vary, outputs, grids, runs: scenarios.length, pooled, elapsedMs: performance.now() - t0 };
}




/** Each input moved by ±change alone; per output, the inputs sorted by how far they move it. */
export async function tornado(model: WhatIfModel, options: TornadoOptions): Promise<TornadoResult> {
  const t0 = performance.now();
  const change = options.change ?? 0.1;
  if (!(change > 0) || !Number.isFinite(change)) throw new SheetcError('E_INVALID_OPTION', 'the tornado change must be a positive fraction (0.1 for ±10%)');
  if (!options.inputs?.length || !options.outputs?.length) throw new SheetcError('E_INVALID_OPTION', 'a tornado needs inputs and outputs');
  const base = options.base ?? {};
  const run = (inputs: Record<string, InputValue>) => {
    try {
      return model.engine.run(inputs, options.runOptions);
    } catch (e) {
      throw asSheetcError(e);
    }
  };
  const result0 = await evaluate(model.engine, base, [...options.outputs, ...options.inputs], options.runOptions);
  let runs = 1;
  const baseOut = options.outputs.map((o) => first(result0.get(o)));
  const bars: TornadoBar[][] = options.outputs.map(() => []);
  for (const input of options.inputs) {
    const v = first(result0.get(input));
    const x = v === null ? 0 : v;
    if (typeof x !== 'number') throw new SheetcError('E_INVALID_OPTION', `the tornado moves numbers; ${input} holds ${JSON.stringify(v)}`);
    const [low, high] = x === 0 ? [-change, change] : [x * (1 - change), x * (1 + change)].sort((a, b) => a - b) as [number, number];
    const rLow = run({ ...base, [input]: low });
    const rHigh = run({ ...base, [input]: high });
    runs += 2;
    options.outputs.forEach((o, k) => {
      const ol = first(rLow.get(o));
      const oh = first(rHigh.get(o));
      const swing = typeof ol === 'number' && typeof oh === 'number' ? Math.abs(oh - ol) : 0;
      bars[k]!.push({ input, base: x, low, high, outputLow: ol, outputHigh: oh, swing });
    });
  }
  return {
    change,
    outputs: options.outputs.map((output, k) => ({ output, base: baseOut[k]!, bars: bars[k]!.sort((a, b) => b.swing - a.swing) })),
    runs,
    elapsedMs: performance.now() - t0,
  };
}

/**
 * The label a reader sees beside `ref` (its row's label, then its column's or table
 * header), from the model's labels; undefined when it has none or cannot be resolved.
 */
export function labelOfRef(model: WhatIfModel, ref: string): string | undefined {
  try {
    const r = model.resolve(ref);
    const l = model.labels().labelsOf(r.sheet, r.r0, r.c0);
    const parts = [l.row, l.header ?? l.column].filter((x): x is string => !!x);
    return parts.length ? parts.join(' · ') : undefined;
  } catch {
    return undefined;
  }
}

/** A grid's or a tornado's HTML page, with the model's labels under each reference. */
export function sensitivityPage(model: WhatIfModel, result: SensitivityResult | TornadoResult, options: Omit<SensitivityPageOptions, 'labelOf'> = {}): string {
  return sensitivityHtml(result, { engine: model.dir, ...options, labelOf: (ref) => labelOfRef(model, ref) });
}
