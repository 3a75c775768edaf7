/** Loading a compiled engine directory (no native addon needed). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineError, SheetcError } from './errors.js';
import type { EngineSpec, InputValue, LoadScope, RunOptions, RunResult } from './runtime/engine.js';
import type { UserFunction } from './runtime/udf.js';

export interface LoadedEngine {
  run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;
  readonly spec: EngineSpec;
  /** Lazy engines only (`--lazy`): imports the modules the scope's dependency cone needs. */
  load?(scope: LoadScope): Promise<void>;
  /** Lazy engines only: `load({ cells })` then `run(inputs)`. */
  runScoped?(inputs: Record<string, InputValue> | undefined, options: RunOptions & LoadScope): Promise<RunResult>;
}

export interface LoadEngineOptions {
  /**
   * Implementations of the workbook's user-defined functions (the engine was compiled
   * with `compile(file, { functions })`): every `run()` of the returned engine gets them
   * (functions given to `run(inputs, { functions })` take precedence, name by name).
   */
  functions?: Record<string, UserFunction>;
}

/**
 * Imports `dir/engine.js`. A path that is not a string is `E_INVALID_OPTION`, a directory
 * without `engine.js` is `E_IO`, an engine that fails to import is `E_LOAD`. With
 * `functions`, the result runs with them; the engine module itself is shared (imported
 * once per process) and never changed, so engines loaded with different functions do not
 * see each other's.
 */
export async function loadEngine(dir: string, options: LoadEngineOptions = {}): Promise<LoadedEngine> {
  if (typeof dir !== 'string' || dir === '') {
    throw new SheetcError('E_INVALID_OPTION', `loadEngine() needs the engine directory (a non-empty string), got ${typeof dir === 'string' ? '""' : typeof dir}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SheetcError('E_INVALID_OPTION', 'loadEngine() options must be an object ({ functions })');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'functions') throw new SheetcError('E_INVALID_OPTION', `loadEngine(): unknown option "${key}" (it takes { functions })`);
  }
  const functions = options.functions;
  if (functions !== undefined) {
    if (functions === null || typeof functions !== 'object' || Array.isArray(functions)) {
      throw new SheetcError('E_INVALID_OPTION', 'loadEngine(): functions must be an object mapping function names to JavaScript functions');
    }
    for (const [name, f] of Object.entries(functions)) {
      if (typeof f !== 'function') throw new SheetcError('E_INVALID_OPTION', `loadEngine(): functions.${name} must be a JavaScript function`);
    }
  }
  const file = join(resolve(dir), 'engine.js');
  if (!existsSync(file)) throw new SheetcError('E_IO', `${dir} is not an engine directory: it has no engine.js (build one with sheetc build)`);
  let engine: LoadedEngine;
  try {
    engine = (await import(pathToFileURL(file).href)) as LoadedEngine;
  } catch (e) {
    if (e instanceof SheetcError) throw e;
    throw new EngineError('E_LOAD', `cannot import ${file}: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
  }
  if (!functions) return engine;
  const withFunctions = <T extends RunOptions>(o: T | undefined): T => ({ ...o, functions: { ...functions, ...o?.functions } }) as T;
  const loaded: LoadedEngine = {
    spec: engine.spec,
    run: (inputs, runOptions) => engine.run(inputs, withFunctions(runOptions)),
  };
  if (engine.load) loaded.load = (scope) => engine.load!(scope);
  if (engine.runScoped) loaded.runScoped = (inputs, runOptions) => engine.runScoped!(inputs, withFunctions(runOptions));
  return loaded;
}
