/**
 * Labels (`labels.json`, written by the build's labels stage): the text a reader sees
 * beside a cell, and search by label. A cell's labels are looked up by binary search in
 * its sheet's runs; search scores every label once against the query, then only the
 * cells of runs whose label matches (a million-cell model has a few thousand runs).
 */
import type { LabelFile } from './files.js';
import type { CellLabels } from '../types.js';
import { matchScore, normalise, tokens } from './fuzzy.js';


/** A run: cells `from..to` of line `line` share `label`. */
interface Run {
  line: number;
  from: number;
  to: number;
  label: number;
}

function runs(flat: number[]): Run[] {
  const out: Run[] = [];
  for (let i = 0; i + 4 <= flat.length; i += 4) out.push({ line: flat[i]!, from: flat[i + 1]!, to: flat[i + 2]!, label: flat[i + 3]! });
  return out;
}

/** The run of `line` covering `at` (runs are sorted by line, then start). */
function find(list: Run[], line: number, at: number): Run | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = list[mid]!;
    if (r.line < line || (r.line === line && r.to < at)) lo = mid + 1;
    else hi = mid;
  }
  const r = list[lo];
  return r && r.line === line && r.from <= at && at <= r.to ? r : undefined;
}

/** A labelled cell a search found. */
export interface LabelHit {
  sheet: number;
  row: number;
  col: number;
  labels: CellLabels;
  score: number;
}

export class LabelIndex {
  private readonly sheets: { rows: Run[]; cols: Run[]; headers: Run[] }[];
  constructor(readonly file: LabelFile) {
    this.sheets = file.sheets.map((s) => ({ rows: runs(s.rows), cols: runs(s.cols), headers: runs(s.headers) }));
  }

  /** The labels of a cell (empty for a cell without any). */
  labelsOf(sheet: number, row: number, col: number): CellLabels {
    const s = this.sheets[sheet];
    const out: CellLabels = {};
    if (!s) return out;
    const text = (r: Run | undefined) => (r ? this.file.strings[r.label] : undefined);
    const rowLabel = text(find(s.rows, row, col));
    const colLabel = text(find(s.cols, col, row));
    const header = text(find(s.headers, col, row));
    if (rowLabel !== undefined) out.row = rowLabel;
    if (colLabel !== undefined) out.column = colLabel;
    if (header !== undefined) out.header = header;
    return out;
  }

  /**
   * Cells whose labels match `query`, best first: each query word is matched against
   * the words of the cell's labels (exact, prefix, contained or within a small edit
   * distance, see fuzzy.ts), the score is the mean over the query's words, and a label
   * holding the whole query as a phrase scores higher. Ties keep sheet order, then
   * reading order (the cell nearest a row label first).
   */
  search(query: string, limit: number): { hits: LabelHit[]; total: number } {
    const q = tokens(query);
    if (!q.length) return { hits: [], total: 0 };
    const phrase = normalise(query);
    const words = this.file.strings.map((s) => tokens(s));
    const norm = this.file.strings.map((s) => normalise(s));
    // Per label: per query word, the best word score.
    const perLabel = words.map((w) => q.map((t) => Math.max(0, ...w.map((x) => matchScore(t, x)))));
    const matching = perLabel.map((scores) => scores.some((s) => s > 0));
    const scored = new Map<string, LabelHit>();
    this.sheets.forEach((s, sheet) => {
      const visit = (list: Run[], vertical: boolean) => {
        for (const run of list) {
          if (!matching[run.label]) continue;
          for (let k = run.from; k <= run.to; k++) {
            const [row, col] = vertical ? [k, run.line] : [run.line, k];
            const key = `${sheet},${row},${col}`;
            if (scored.has(key)) continue;
            const labels = this.labelsOf(sheet, row, col);
            const ids = [labels.row, labels.column, labels.header].filter((x): x is string => x !== undefined);
            const score = this.score(ids, q.length, perLabel, norm, phrase);
            if (score > 0) scored.set(key, { sheet, row, col, labels, score });
          }
        }
      };
      visit(s.rows, false);
      visit(s.cols, true);
      visit(s.headers, true);
    });
    const all = [...scored.values()].sort((a, b) => b.score - a.score || a.sheet - b.sheet || a.row - b.row || a.col - b.col);
    return { hits: all.slice(0, limit), total: all.length };
  }

  private labelId = new Map<string, number>();
  private idOf(text: string): number {
    if (!this.labelId.size) this.file.strings.forEach((s, i) => this.labelId.set(s, i));
    return this.labelId.get(text)!;
  }

  private score(labels: string[], n: number, perLabel: number[][], norm: string[], phrase: string): number {
    if (!labels.length) return 0;
    const ids = labels.map((l) => this.idOf(l));
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.max(...ids.map((id) => perLabel[id]![i]!));
    const words = sum / n;
    // Half the query's words at least, or a single strong word.
    if (words < 0.5) return 0;
    const whole = phrase.length > 0 && ids.some((id) => norm[id]!.includes(phrase)) ? 1 : 0;
    return Math.round((0.9 * words + 0.1 * whole) * 1000) / 1000;
  }
}
