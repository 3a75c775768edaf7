/** Loading a compiled engine directory (no native addon needed). */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InputValue, RunOptions, RunResult } from './runtime/engine.js';

export interface LoadedEngine {
  run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;
}

/** Imports `dir/engine.js`. */
export async function loadEngine(dir: string): Promise<LoadedEngine> {
  const url = pathToFileURL(join(resolve(dir), 'engine.js')).href;
  return (await import(url)) as LoadedEngine;
}
