/** The conformance summary: numbers, worst files, functions involved in mismatches. */
import { formatValue, functionsIn } from './compare.js';
import type { ExpectedCell } from './xlsx.js';
import type { CellMismatch, FileResult, FileStatus } from './runner.js';

export interface FunctionRow {
  name: string;
  /** Cells computed wrong (value/type/missing/error code) in files that ran. */
  mismatched: number;
  backfilled: number;
  /** Cells in files that did not compile or run. */
  inFailedFiles: number;
  total: number;
  matched: number;
}

export interface WorstFile {
  file: string;
  status: FileStatus;
  matched: number;
  total: number;
  error?: string;
  firstMismatch?: CellMismatch;
}

/** One format's share of the run (the oracle formats .xlsx/.xlsm and each twin format). */
export interface FormatRow {
  format: string;
  files: number;
  filesFullyMatched: number;
  matched: number;
  total: number;
  backfilled: number;
  /** How the stored results were kept from the engine. */
  stripped: 'removed' | 'replaced';
}

export interface Summary {
  corpus: string[];
  /** Per file format, in the order xlsx, xlsm, xlsb, xls, ods. */
  formats: FormatRow[];
  generatedAt: string;
  files: number;
  filesFullyMatched: number;
  statuses: Partial<Record<FileStatus, number>>;
  cells: { total: number; matched: number; backfilled: number; mismatched: number; inFailedFiles: number; noValue: number; nondeterministic: number };
  percent: number;
  mismatchReasons: Record<string, number>;
  worst: WorstFile[];
  functions: FunctionRow[];
  durationMs: number;
}

export const NO_FUNCTION = '(no function)';

const pct = (m: number, t: number) => (t ? Math.floor((m / t) * 10000) / 100 : 100);

export function summarize(results: FileResult[], cells: ExpectedCell[][], corpus: string[], durationMs: number, worstN = 15): Summary {
  const statuses: Partial<Record<FileStatus, number>> = {};
  const c = { total: 0, matched: 0, backfilled: 0, mismatched: 0, inFailedFiles: 0, noValue: 0, nondeterministic: 0 };
  const reasons: Record<string, number> = {};
  let full = 0;
  for (const r of results) {
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    c.total += r.total;
    c.matched += r.matched;
    c.backfilled += r.backfilled;
    c.noValue += r.noValue;
    c.nondeterministic += r.nondeterministic;
    if (r.status === 'ok') c.mismatched += r.mismatched;
    else c.inFailedFiles += r.total - r.matched;
    if (r.status === 'ok' && r.matched === r.total) full++;
    for (const m of r.mismatches) reasons[m.reason] = (reasons[m.reason] ?? 0) + 1;
  }

  // Functions: every counted cell is attributed to each function its formula calls.
  const memo = new Map<string, string[]>();
  const rows = new Map<string, FunctionRow>();
  const row = (name: string) => {
    let x = rows.get(name);
    if (!x) rows.set(name, (x = { name, mismatched: 0, backfilled: 0, inFailedFiles: 0, total: 0, matched: 0 }));
    return x;
  };
  results.forEach((r, i) => {
    const bad = new Map<string, CellMismatch>();
    for (const m of r.mismatches) bad.set(m.cell, m);
    for (const cell of cells[i] ?? []) {
      let fns = memo.get(cell.formula);
      if (!fns) memo.set(cell.formula, (fns = functionsIn(cell.formula)));
      if (!fns.length) fns = [NO_FUNCTION];
      const m = bad.get(cell.key);
      for (const f of fns) {
        const x = row(f);
        x.total++;
        if (!m) x.matched++;
        else if (m.reason === 'backfilled') x.backfilled++;
        else if (m.reason === 'failed') x.inFailedFiles++;
        else x.mismatched++;
      }
    }
  });
  const functions = [...rows.values()]
    .filter((x) => x.matched < x.total)
    .sort((a, b) => b.mismatched + b.backfilled - (a.mismatched + a.backfilled) || b.inFailedFiles - a.inFailedFiles || a.name.localeCompare(b.name));

  const worst = results
    .filter((r) => r.status !== 'skipped' && (r.matched < r.total || r.status !== 'ok'))
    .sort((a, b) => b.total - b.matched - (a.total - a.matched) || pct(a.matched, a.total) - pct(b.matched, b.total) || a.file.localeCompare(b.file))
    .slice(0, worstN)
    .map((r) => ({
      file: r.file,
      status: r.status,
      matched: r.matched,
      total: r.total,
      ...(r.error ? { error: r.error } : {}),
      // the first cell computed wrong, else the first backfilled one
      ...(r.status === 'ok' && r.mismatches.length
        ? { firstMismatch: r.mismatches.find((m) => m.reason !== 'backfilled') ?? r.mismatches[0] }
        : {}),
    }));

  const order = ['xlsx', 'xlsm', 'xlsb', 'xls', 'ods'];
  const byFormat = new Map<string, FormatRow>();
  for (const r of results) {
    const f = r.format ?? 'xlsx';
    const row = byFormat.get(f) ?? { format: f, files: 0, filesFullyMatched: 0, matched: 0, total: 0, backfilled: 0, stripped: r.stripped ?? 'removed' };
    row.files++;
    row.matched += r.matched;
    row.total += r.total;
    row.backfilled += r.backfilled;
    if (r.status === 'ok' && r.matched === r.total) row.filesFullyMatched++;
    byFormat.set(f, row);
  }
  const formats = [...byFormat.values()].sort((a, b) => order.indexOf(a.format) - order.indexOf(b.format));
  return {
    corpus,
    formats,
    generatedAt: new Date().toISOString(),
    files: results.length,
    filesFullyMatched: full,
    statuses,
    cells: c,
    percent: pct(c.matched, c.total),
    mismatchReasons: reasons,
    worst,
    functions,
    durationMs: Math.round(durationMs),
  };
}

export function lastLine(s: Summary): string {
  return `conformance: ${s.cells.matched}/${s.cells.total} cells matched (${s.percent.toFixed(2)}%), ${s.filesFullyMatched}/${s.files} files fully matched`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function lpad(s: string | number, n: number): string {
  const t = String(s);
  return t.length >= n ? t : ' '.repeat(n - t.length) + t;
}
function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

export function describeMismatch(m: CellMismatch): string {
  const why = m.reason === 'backfilled' ? `backfilled${m.backfillReason ? ': ' + m.backfillReason : ''}` : m.reason;
  return `${m.cell} =${clip(m.formula, 70)}${m.from ? ` (${m.kind} from ${m.from})` : ''}: expected ${formatValue(m.expected)}, got ${formatValue(m.got)} [${why}]`;
}

export function formatSummary(s: Summary, topFunctions = 30): string {
  const L: string[] = [];
  const st = Object.entries(s.statuses)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  L.push(`sheetc conformance: ${s.corpus.join(', ')}`);
  L.push(`files: ${s.files} (${st || 'none'}), fully matched ${s.filesFullyMatched}/${s.files}`);
  const c = s.cells;
  L.push(
    `cells: ${c.matched}/${c.total} matched (${s.percent.toFixed(2)}%); ` +
      `mismatched ${c.mismatched}, backfilled ${c.backfilled}, in failed files ${c.inFailedFiles}` +
      (c.noValue ? `; ${c.noValue} formula cells without a stored value not counted` : '') +
      (c.nondeterministic ? `; ${c.nondeterministic} cells calling RAND/RANDBETWEEN/RANDARRAY/NOW/TODAY not counted (Excel stored a random or clock value)` : ''),
  );
  if (s.formats.length > 1 || s.formats.some((f) => f.format !== 'xlsx')) {
    for (const f of s.formats) {
      L.push(
        `format ${pad(f.format, 4)}: ${lpad(`${f.matched}/${f.total}`, 11)} cells matched (${pct(f.matched, f.total).toFixed(2)}%), ` +
          `${f.filesFullyMatched}/${f.files} files fully matched, backfilled ${f.backfilled}` +
          (f.format === 'xlsb' || f.format === 'xls' ? ' (stored results replaced by #GETTING_DATA: the format needs one)' : ''),
      );
    }
  }
  const reasons = Object.entries(s.mismatchReasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length) L.push(`mismatch reasons: ${reasons.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.worst.length) {
    L.push('', `worst files (by cells not matched):`);
    for (const w of s.worst) {
      L.push(`  ${lpad(`${w.matched}/${w.total}`, 11)}  ${w.file}${w.status !== 'ok' ? `  [${w.status}]` : ''}`);
      if (w.error) L.push(`               ${clip(w.error, 160)}`);
      if (w.firstMismatch) L.push(`               e.g. ${describeMismatch(w.firstMismatch)}`);
    }
  }
  if (s.functions.length) {
    L.push('', 'functions in unmatched cells (a cell counts for every function its formula calls):');
    L.push(`  ${pad('function', 22)} ${lpad('mismatch', 8)} ${lpad('backfill', 8)} ${lpad('failed', 7)} ${lpad('matched', 8)} ${lpad('total', 7)}`);
    for (const f of s.functions.slice(0, topFunctions)) {
      L.push(
        `  ${pad(f.name, 22)} ${lpad(f.mismatched, 8)} ${lpad(f.backfilled, 8)} ${lpad(f.inFailedFiles, 7)} ${lpad(f.matched, 8)} ${lpad(f.total, 7)}`,
      );
    }
    if (s.functions.length > topFunctions) L.push(`  … ${s.functions.length - topFunctions} more in the JSON report`);
  }
  L.push('', lastLine(s));
  return L.join('\n');
}
