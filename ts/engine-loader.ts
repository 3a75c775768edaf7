/** Loading a compiled engine directory (no native addon needed). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineError, SheetcError } from './errors.js';
import type { EngineSpec, InputValue, LoadScope, RunOptions, RunResult } from './runtime/engine.js';

export interface LoadedEngine {
  run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;
  readonly spec: EngineSpec;
  /** Lazy engines only (`--lazy`): imports the modules the scope's dependency cone needs. */
  load?(scope: LoadScope): Promise<void>;
  /** Lazy engines only: `load({ cells })` then `run(inputs)`. */
  runScoped?(inputs: Record<string, InputValue> | undefined, options: RunOptions & LoadScope): Promise<RunResult>;
}

/**
 * Imports `dir/engine.js`. A path that is not a string is `E_INVALID_OPTION`, a directory
 * without `engine.js` is `E_IO`, an engine that fails to import is `E_LOAD`.
 */
export async function loadEngine(dir: string): Promise<LoadedEngine> {
  if (typeof dir !== 'string' || dir === '') {
    throw new SheetcError('E_INVALID_OPTION', `loadEngine() needs the engine directory (a non-empty string), got ${typeof dir === 'string' ? '""' : typeof dir}`);
  }
  const file = join(resolve(dir), 'engine.js');
  if (!existsSync(file)) throw new SheetcError('E_IO', `${dir} is not an engine directory: it has no engine.js (build one with sheetc build)`);
  try {
    return (await import(pathToFileURL(file).href)) as LoadedEngine;
  } catch (e) {
    if (e instanceof SheetcError) throw e;
    throw new EngineError('E_LOAD', `cannot import ${file}: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
  }
}
