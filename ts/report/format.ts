/** Formatting for the report's HTML: numbers, sizes, values, tables and summary cards. */
import type { JsonValue } from '../types.js';
import { esc } from './text.js';

/** Rows listed per table (the totals are always given). */
export const MAX_ROWS = 1000;

export const n = (x: number) => x.toLocaleString('en-US');
export const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

export function bytes(x: number): string {
  if (x < 1024) return `${x} B`;
  if (x < 1024 * 1024) return `${(x / 1024).toFixed(1)} KB`;
  return `${(x / (1024 * 1024)).toFixed(2)} MB`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function value(v: JsonValue): string {
  if (v === null) return '<span class="muted">(blank)</span>';
  if (typeof v === 'object') return esc(v.error);
  if (typeof v === 'string') return esc(JSON.stringify(v));
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return esc(String(v));
}

export interface Column {
  label: string;
  num?: boolean;
  formula?: boolean;
}

/**
 * A table with a caption, column headers (`scope="col"`) and a row header per row
 * (`scope="row"`, the first column). Cells are HTML already escaped.
 */
export function table(caption: string, columns: Column[], rows: string[][], total = rows.length): string {
  const head = columns.map((c) => `<th scope="col"${c.num ? ' class="num"' : ''}>${esc(c.label)}</th>`).join('');
  const body = rows
    .slice(0, MAX_ROWS)
    .map((r) => {
      const cells = r.map((cell, i) => {
        const c = columns[i]!;
        const cls = c.num ? ' class="num"' : c.formula ? ' class="formula"' : '';
        return i === 0 ? `<th scope="row"${cls}>${cell}</th>` : `<td${cls}>${cell}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const more = total > Math.min(rows.length, MAX_ROWS) ? ` (the first ${n(Math.min(rows.length, MAX_ROWS))} of ${n(total)})` : '';
  return `<div class="table-wrap"><table><caption>${esc(caption)}${esc(more)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

export function card(label: string, main: string, detail = ''): string {
  return `<div class="card"><dt>${esc(label)}</dt><dd>${main}${detail ? `<small>${detail}</small>` : ''}</dd></div>`;
}

