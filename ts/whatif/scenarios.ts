/**
 * Scenarios: named sets of inputs kept in a JSON file, run side by side, and compared
 * with one-at-a-time attribution: for each output, how much each input that differs
 * between two scenarios moves it on its own (scenario A with only that input set as in
 * B). What the attributions do not explain (the inputs acting together) is the
 * interaction: the total difference minus their sum, zero for a model additive in them.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { SheetcError } from '../errors.js';
import type { InputValue, JsonValue, RunResult } from '../runtime/engine.js';
import type { Attribution, ScenarioDiff, ScenarioFile, ScenarioInputs, ScenarioOptions, ScenarioRun } from '../types.js';
import { isExcelError } from '../runtime/values.js';
import { asSheetcError, evaluate, toJson, type WhatIfModel } from './model.js';



function isJsonScalar(v: unknown): v is JsonValue {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v === v; // NaN is not JSON
  return typeof v === 'object' && v !== null && Object.keys(v).length === 1 && typeof (v as { error?: unknown }).error === 'string';
}

/** Reads a scenarios file (a missing file is an empty one). */
export function loadScenarios(file: string): ScenarioFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return { version: 1, scenarios: {} };
    throw new SheetcError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new SheetcError('E_INVALID_OPTION', `${file} is not JSON: ${(e as Error).message}`);
  }
  const scenarios = (data as { scenarios?: unknown })?.scenarios;
  if (!scenarios || typeof scenarios !== 'object' || Array.isArray(scenarios)) throw new SheetcError('E_INVALID_OPTION', `${file} holds no "scenarios" object`);
  for (const [name, inputs] of Object.entries(scenarios)) {
    if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) throw new SheetcError('E_INVALID_OPTION', `scenario "${name}" in ${file} is not an object of inputs`);
    for (const [ref, v] of Object.entries(inputs)) {
      if (!isJsonScalar(v)) throw new SheetcError('E_INVALID_OPTION', `scenario "${name}": ${ref} holds ${JSON.stringify(v)}, not a number, text, boolean, null or { "error": code }`);
    }
  }
  return { version: 1, scenarios: scenarios as Record<string, ScenarioInputs> };
}

/** Adds or replaces a scenario (written to a temporary file renamed into place). */
export function saveScenario(file: string, name: string, inputs: ScenarioInputs): ScenarioFile {
  if (!name.trim()) throw new SheetcError('E_INVALID_OPTION', 'a scenario needs a name');
  const data = loadScenarios(file);
  data.scenarios[name] = inputs;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  renameSync(tmp, file);
  return data;
}

/** Stored inputs as engine inputs (errors as the engine's error values). */
function engineInputs(inputs: ScenarioInputs, errorOf: (code: string) => InputValue | undefined): Record<string, InputValue> {
  const out: Record<string, InputValue> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (v !== null && typeof v === 'object') {
      const e = errorOf(v.error);
      if (e === undefined) throw new SheetcError('E_INVALID_OPTION', `${k}: "${v.error}" is not an Excel error value`);
      out[k] = e;
    } else out[k] = v;
  }
  return out;
}






function outputsOf(r: RunResult, outputs: string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const o of outputs) {
    const v = r.get(o);
    out[o] = toJson(Array.isArray(v) ? v[0]?.[0] : v);
  }
  return out;
}

function same(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** An engine's Excel error values (for scenarios that set an input to an error). */
async function errorValues(model: WhatIfModel): Promise<(code: string) => InputValue | undefined> {
  const { pathToFileURL } = await import('node:url');
  const { join, resolve } = await import('node:path');
  const rt = (await import(pathToFileURL(join(resolve(model.dir), 'runtime.js')).href)) as { errorFromCode?: (c: string) => unknown };
  return (code) => {
    const e = rt.errorFromCode?.(code);
    return isExcelError(e) ? (e as InputValue) : undefined;
  };
}

/** Runs the named scenarios (every one when `names` is empty) and reads the outputs. */
export async function runScenarios(model: WhatIfModel, file: ScenarioFile, names: string[], outputs: string[], options: ScenarioOptions = {}): Promise<ScenarioRun[]> {
  const chosen = names.length ? names : Object.keys(file.scenarios);
  if (!chosen.length) throw new SheetcError('E_INVALID_OPTION', 'no scenarios to run');
  if (!outputs.length) throw new SheetcError('E_INVALID_OPTION', 'scenarios need outputs to show');
  const errorOf = await errorValues(model);
  const refs = new Set<string>(outputs);
  for (const n of chosen) {
    const s = file.scenarios[n];
    if (!s) throw new SheetcError('E_INVALID_OPTION', `no scenario named "${n}"; scenarios are: ${Object.keys(file.scenarios).join(', ') || '(none)'}`);
    Object.keys(s).forEach((k) => refs.add(k));
  }
  await evaluate(model.engine, {}, [...refs], options.runOptions);
  return chosen.map((name) => {
    const inputs = file.scenarios[name]!;
    try {
      return { name, inputs, values: outputsOf(model.engine.run(engineInputs(inputs, errorOf), options.runOptions), outputs) };
    } catch (e) {
      throw asSheetcError(e);
    }
  });
}

/**
 * Compares scenario `b` with `a`: per output, both values, the difference and the
 * one-at-a-time attribution of each input that differs (an input one scenario does not
 * set takes the model's value there).
 */
export async function diffScenarios(model: WhatIfModel, file: ScenarioFile, a: string, b: string, outputs: string[], options: ScenarioOptions = {}): Promise<ScenarioDiff> {
  const [sa, sb] = [file.scenarios[a], file.scenarios[b]];
  for (const [n, s] of [[a, sa], [b, sb]] as const) {
    if (!s) throw new SheetcError('E_INVALID_OPTION', `no scenario named "${n}"; scenarios are: ${Object.keys(file.scenarios).join(', ') || '(none)'}`);
  }
  if (!outputs.length) throw new SheetcError('E_INVALID_OPTION', 'a comparison needs outputs');
  const errorOf = await errorValues(model);
  const keys = [...new Set([...Object.keys(sa!), ...Object.keys(sb!)])];
  const run = (inputs: ScenarioInputs) => {
    try {
      return model.engine.run(engineInputs(inputs, errorOf), options.runOptions);
    } catch (e) {
      throw asSheetcError(e);
    }
  };
  await evaluate(model.engine, {}, [...outputs, ...keys], options.runOptions);
  const [runA, runB] = [run(sa!), run(sb!)];
  const [ra, rb] = [outputsOf(runA, outputs), outputsOf(runB, outputs)];
  // Each input's value in either run (an input a scenario leaves unset has the model's).
  const [ia, ib] = [outputsOf(runA, keys), outputsOf(runB, keys)];
  let runs = 2;
  const moved = keys.filter((k) => !(k in sa! && k in sb! && same(sa![k]!, sb![k]!)));
  const alone = moved.map((k) => {
    runs++;
    const inputs: ScenarioInputs = { ...sa! };
    // As in B: B's value, or the model's when B leaves it unset.
    if (k in sb!) inputs[k] = sb![k]!;
    else delete inputs[k];
    return outputsOf(run(inputs), outputs);
  });
  const num = (x: JsonValue): number | null => (typeof x === 'number' ? x : null);
  return {
    a,
    b,
    runs,
    outputs: outputs.map((o) => {
      const [va, vb] = [num(ra[o]!), num(rb[o]!)];
      const difference = va !== null && vb !== null ? vb - va : null;
      const attributions: Attribution[] = moved.map((k, i) => {
        const v = num(alone[i]![o]!);
        return { input: k, from: ia[k]!, to: ib[k]!, effect: v !== null && va !== null ? v - va : null };
      });
      attributions.sort((x, y) => Math.abs(y.effect ?? 0) - Math.abs(x.effect ?? 0));
      const explained = attributions.every((t) => t.effect !== null) ? attributions.reduce((s, t) => s + t.effect!, 0) : null;
      return { output: o, a: ra[o]!, b: rb[o]!, difference, attributions, interaction: difference !== null && explained !== null ? difference - explained : null };
    }),
  };
}
