/** Loading a compiled engine directory (no native addon needed). */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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
 * Imports `dir/engine.js`. With `functions`, the result runs with them; the engine module
 * itself is shared (imported once per process) and never changed, so engines loaded with
 * different functions do not see each other's.
 */
export async function loadEngine(dir: string, options: LoadEngineOptions = {}): Promise<LoadedEngine> {
  const url = pathToFileURL(join(resolve(dir), 'engine.js')).href;
  const engine = (await import(url)) as LoadedEngine;
  const functions = options.functions;
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
