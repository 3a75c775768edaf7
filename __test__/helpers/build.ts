/** Builds fixture workbooks and compiles them into engines for end-to-end tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../../ts/index.js';
import type { BuildReport, CompileOptions, RunResult, InputValue, RunOptions } from '../../ts/index.js';
import { writeXlsx, type FixtureWorkbook } from '../../scripts/lib/xlsx-writer.js';

export interface BuiltEngine {
  dir: string;
  report: BuildReport;
  run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;
}

let counter = 0;

/** A fresh temp directory. */
export function tempDir(prefix = 'sheetc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes the fixture to a temp .xlsx and returns its path. */
export function fixtureFile(wb: FixtureWorkbook): string {
  const dir = tempDir();
  const file = join(dir, `fixture${counter++}.xlsx`);
  writeFileSync(file, writeXlsx(wb));
  return file;
}

/** Compiles a fixture workbook and imports the engine. */
export async function buildEngine(wb: FixtureWorkbook, opts: Partial<CompileOptions> = {}): Promise<BuiltEngine> {
  const file = fixtureFile(wb);
  const dir = join(tempDir(), 'engine');
  const report = await compile(file, { outDir: dir, ...opts });
  const mod = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as { run: BuiltEngine['run'] };
  return { dir, report, run: mod.run };
}
