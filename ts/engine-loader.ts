/** Loading a compiled engine directory (no native addon needed). */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineSpec, InputValue, LoadScope, RunOptions, RunResult } from './runtime/engine.js';

export interface LoadedEngine {
  run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;
  readonly spec: EngineSpec;
  /** Lazy engines only (`--lazy`): imports the modules the scope's dependency cone needs. */
  load?(scope: LoadScope): Promise<void>;
  /** Lazy engines only: `load({ cells })` then `run(inputs)`. */
  runScoped?(inputs: Record<string, InputValue> | undefined, options: RunOptions & LoadScope): Promise<RunResult>;
}

/** Imports `dir/engine.js`. */
export async function loadEngine(dir: string): Promise<LoadedEngine> {
  const url = pathToFileURL(join(resolve(dir), 'engine.js')).href;
  return (await import(url)) as LoadedEngine;
}
