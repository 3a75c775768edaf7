/**
 * `compile(file, { report })` and `sheetc report`: the build writes the report's data
 * beside the engine (cell kinds, references between sheets, shapes, cones: computed by
 * the compiler, never by reading the workbook again), the engine is run once and
 * compared with Excel's stored values, and one self-contained HTML file is written.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileVerified } from '../compile.js';
import { SheetcError } from '../errors.js';
import type { BuildReport, CompileOptions } from '../types.js';
import { reportModel } from './data.js';
import { renderHtml } from './html.js';
import type { ReportData } from './types.js';
import { verifyForReport } from './verification.js';
import { scratchDir } from '../temp.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The page's script, bundled by `npm run build:ts` (dist/report-page.js). */
export function pageScriptPath(): string {
  for (const p of [join(here, '..', 'report-page.js'), join(here, '..', '..', 'dist', 'report-page.js')]) {
    if (existsSync(p)) return p;
  }
  throw new SheetcError('E_IO', "the report page's script (dist/report-page.js) is missing; run `npm run build`");
}

/** Writes `text` to `file` through a temporary sibling (never a half-written report). */
export function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.sheetc-tmp-${process.pid}`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new SheetcError('E_IO', `cannot write the report ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Builds the engine into `options.outDir` and writes the HTML report to `options.report`. */
export async function buildWithReport(workbook: string, options: CompileOptions & { report: string }): Promise<BuildReport> {
  const script = readFileSync(pageScriptPath(), 'utf8');
  const scratch = scratchDir('report');
  try {
    const reportDataOut = join(scratch, 'report-data.json');
    const cachedValuesOut = join(scratch, 'cached.json');
    // The build's own verification run also writes what the report shows of the run.
    const run = { values: join(scratch, 'run-values.json'), meta: join(scratch, 'run-meta.json') };
    const build = await compileVerified(workbook, options, { keepRun: run }, { reportDataOut, cachedValuesOut });
    const data = JSON.parse(readFileSync(reportDataOut, 'utf8')) as ReportData;
    const verification = await verifyForReport(resolve(options.outDir), cachedValuesOut, run, build, options);
    writeAtomically(resolve(options.report), renderHtml(reportModel(workbook, build, data, verification), script));
    return build;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
