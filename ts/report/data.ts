/** Gathers what the report shows: the build report, the build's report data and the verification. */
import { basename } from 'node:path';
import { EXCEL_FUNCTIONS } from '../runtime/catalog.js';
import { parseArea } from '../runtime/address.js';
import { functionSpec } from '../runtime/index.js';
import type { BuildReport, DeclaredCell } from '../types.js';
import type { CellRect, PageData, ReportData } from './types.js';
import type { ReportVerification } from './verification.js';

export type FunctionStatus = 'supported' | 'unsupported' | 'unknown';

export interface FunctionRow {
  name: string;
  /** Formula cells calling it (backfilled ones for an unsupported function). */
  cells: number;
  status: FunctionStatus;
}

/** Everything the HTML is rendered from. */
export interface ReportModel {
  /** The workbook's file name. */
  workbook: string;
  generatedAt: Date;
  build: BuildReport;
  data: ReportData;
  verification: ReportVerification;
  functions: FunctionRow[];
  page: PageData;
}

const EXCEL = new Set(EXCEL_FUNCTIONS.map((f) => f.name));

function statusOf(name: string): FunctionStatus {
  if (functionSpec(name)) return 'supported';
  return EXCEL.has(name.toUpperCase()) ? 'unsupported' : 'unknown';
}

/** Functions used, most used first: those compiled and those that made cells backfilled. */
export function functionRows(build: BuildReport): FunctionRow[] {
  const rows = new Map<string, FunctionRow>();
  for (const [name, cells] of Object.entries(build.functions)) rows.set(name, { name, cells, status: statusOf(name) });
  for (const [name, cells] of Object.entries(build.unsupportedFunctions)) {
    const row = rows.get(name);
    if (row) row.cells += cells;
    else rows.set(name, { name, cells, status: statusOf(name) === 'supported' ? 'unsupported' : statusOf(name) });
  }
  return [...rows.values()].sort((a, b) => b.cells - a.cells || a.name.localeCompare(b.name));
}

function rectsOn(sheet: string, declared: DeclaredCell[] | null | undefined): CellRect[] {
  const out: CellRect[] = [];
  for (const d of declared ?? []) {
    if (d.sheet !== sheet) continue;
    const a = parseArea(d.cell);
    if (a) out.push({ r0: a.r0, c0: a.c0, r1: a.r1, c1: a.c1 });
  }
  return out;
}

export function reportModel(workbook: string, build: BuildReport, data: ReportData, verification: ReportVerification): ReportModel {
  const page: PageData = {
    sheets: data.sheets.map((s, i) => ({
      ...s,
      cells: build.sheets[i]?.cells ?? 0,
      formulaCells: build.sheets[i]?.formulaCells ?? 0,
      mismatches: verification.marked[i] ?? [],
      inputs: rectsOn(s.name, build.inputs),
      outputs: rectsOn(s.name, build.outputs),
    })),
    references: data.references,
    clusters: data.clusters.map((c) => ({ cells: c.cells, sheets: c.sheets })),
  };
  return { workbook: basename(workbook), generatedAt: new Date(), build, data, verification, functions: functionRows(build), page };
}
