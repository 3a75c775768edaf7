/**
 * Scenario inputs on their way to a worker (a thread, a child process or another machine):
 * each scenario is checked and encoded once, before any chunking, so a scenario holding a
 * value that no engine input can be (a function, a Map, NaN, a 1-D array...) fails alone
 * with E_INPUT_TYPE instead of failing the chunk it would have been sent in.
 *
 * The encoding is structured-clone and JSON safe: numbers, text, booleans, null, Dates as
 * `{ "#date": ms }` (the wall-clock time where the batch was submitted, as the engine reads
 * a Date: so a worker in another time zone computes the same serial), Excel errors as
 * `{ "#error": "#N/A" }` (an engine has its own copy of the runtime, so an error object is
 * rebuilt there from its code), ranges as rows.
 * Identical scenarios (deep-equal, key order aside) get the same canonical key.
 */
import { SheetcError } from './errors.js';
import { errorFromCode, isExcelError } from './runtime/values.js';
import type { Scenario, ScenarioErrorInfo } from './pool-types.js';

export type EncodedValue = number | string | boolean | null | { '#date': number } | { '#error': string } | EncodedValue[][];
export type EncodedScenario = Record<string, EncodedValue>;

/** A batch's distinct scenarios: each with the input indices that share it. */
export interface Unique {
  /** The encoded inputs, or the reason they cannot be run. */
  inputs: EncodedScenario | null;
  invalid: ScenarioErrorInfo | null;
  indices: number[];
  /** Times a worker died while this scenario was among the unreported ones of its chunk. */
  attempts: number;
  done: boolean;
}

class InputTypeError extends Error {}

function encodeScalar(v: unknown, where: string): [EncodedValue, string] {
  if (v === null || v === undefined) return [null, 'n'];
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw new InputTypeError(`${where} is ${String(v)}: Excel has no NaN or infinite numbers`);
      return [v, Object.is(v, -0) ? '0' : String(v)];
    case 'string':
      return [v, JSON.stringify(v)];
    case 'boolean':
      return [v, v ? 'T' : 'F'];
    case 'object': {
      if (v instanceof Date) {
        const t = v.getTime();
        if (!Number.isFinite(t)) throw new InputTypeError(`${where} is an invalid Date`);
        const wall = t - v.getTimezoneOffset() * 60000;
        return [{ '#date': wall }, `D${wall}`];
      }
      if (isExcelError(v)) {
        const code = String((v as { code: unknown }).code);
        if (!errorFromCode(code)) throw new InputTypeError(`${where} is an error value with an unknown code ${JSON.stringify(code)}`);
        return [{ '#error': code }, `E${code}`];
      }
      const name = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
      throw new InputTypeError(`${where} is ${Array.isArray(v) ? 'an array inside a range' : `an object (${name})`}, not a cell value`);
    }
    default:
      throw new InputTypeError(`${where} is a ${typeof v}, not a cell value`);
  }
}

function encodeValue(v: unknown, ref: string): [EncodedValue, string] {
  if (!Array.isArray(v)) return encodeScalar(v, `the input ${JSON.stringify(ref)}`);
  const rows: EncodedValue[][] = [];
  const keys: string[] = [];
  for (let r = 0; r < v.length; r++) {
    const row: unknown = v[r];
    if (!Array.isArray(row)) throw new InputTypeError(`the input ${JSON.stringify(ref)} is an array but row ${r} is not: a range input is an array of rows`);
    const out: EncodedValue[] = [];
    const rk: string[] = [];
    for (let c = 0; c < row.length; c++) {
      const [e, k] = encodeScalar(row[c], `the input ${JSON.stringify(ref)} at row ${r}, column ${c}`);
      out.push(e);
      rk.push(k);
    }
    rows.push(out);
    keys.push(`[${rk.join(',')}]`);
  }
  return [rows, `[${keys.join(',')}]`];
}

/** Checks and encodes one scenario; returns its canonical key, or throws InputTypeError. */
function encodeScenario(s: unknown): { inputs: EncodedScenario; key: string } {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new InputTypeError('the scenario is not an object of inputs');
  const proto = Object.getPrototypeOf(s);
  if (proto !== Object.prototype && proto !== null) throw new InputTypeError('the scenario is not a plain object of inputs');
  const refs = Object.keys(s).sort();
  const inputs: EncodedScenario = {};
  const parts: string[] = [];
  for (const ref of refs) {
    const [e, k] = encodeValue((s as Record<string, unknown>)[ref], ref);
    inputs[ref] = e;
    parts.push(`${JSON.stringify(ref)}:${k}`);
  }
  return { inputs, key: parts.join(',') };
}

/** Checks, encodes and deduplicates a batch; invalid scenarios become failed uniques of their own. */
export function prepareBatch(scenarios: Scenario[], caller = 'run()'): Unique[] {
  if (!Array.isArray(scenarios)) throw new SheetcError('E_INVALID_OPTION', `${caller} needs an array of scenarios`);
  const byKey = new Map<string, Unique>();
  const out: Unique[] = [];
  for (let index = 0; index < scenarios.length; index++) {
    let enc: { inputs: EncodedScenario; key: string };
    try {
      enc = encodeScenario(scenarios[index]);
    } catch (e) {
      const message = e instanceof InputTypeError ? e.message : `the scenario could not be read: ${(e as Error)?.message ?? String(e)}`;
      out.push({ inputs: null, invalid: { code: 'E_INPUT_TYPE', message: `scenario ${index}: ${message}` }, indices: [index], attempts: 0, done: false });
      continue;
    }
    const u = byKey.get(enc.key);
    if (u) u.indices.push(index);
    else {
      const n: Unique = { inputs: enc.inputs, invalid: null, indices: [index], attempts: 0, done: false };
      byKey.set(enc.key, n);
      out.push(n);
    }
  }
  return out;
}

/**
 * Rebuilds engine inputs from their encoding: a Date with the same wall-clock time here
 * (the engine turns it into a serial as it does any Date); `errorOf` gives the engine's
 * own error values.
 */
export function decodeScenario(s: EncodedScenario, errorOf: ((code: string) => unknown) | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const ref of Object.keys(s)) out[ref] = decodeValue(s[ref]!, errorOf);
  return out;
}

function decodeValue(v: EncodedValue, errorOf: ((code: string) => unknown) | null): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((row) => row.map((x) => decodeValue(x, errorOf)));
  if ('#date' in v) {
    const w = new Date(v['#date']);
    const d = new Date(2000, 0, 1);
    d.setFullYear(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate());
    d.setHours(w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), w.getUTCMilliseconds());
    return d;
  }
  const code = v['#error'];
  const e = errorOf?.(code);
  if (e === undefined || e === null) throw Object.assign(new Error(`the error input ${code} needs the engine's runtime.js, which this engine directory lacks`), { code: 'E_INPUT_TYPE' });
  return e;
}

/** Whether a scenario's encoding holds an Excel error (decoding then needs the engine's runtime). */
export function hasErrorInput(s: EncodedScenario): boolean {
  const has = (v: EncodedValue): boolean => (v !== null && typeof v === 'object' ? (Array.isArray(v) ? v.some((row) => row.some(has)) : '#error' in v) : false);
  return Object.values(s).some(has);
}
