/**
 * Structured references read from text at run time (`INDIRECT("Sales[Qty]")`): the
 * compiler binds the ones written in formulas (bind.rs); these are the same rules over
 * the tables the engine spec lists. `Table[]` and `Table[Col]` are the data rows;
 * `[#All]`, `[#Data]`, `[#Headers]`, `[#Totals]` and their combinations select rows;
 * `[[A]:[B]]` spans columns; `[@Col]` / `[#This Row]` is the formula's row (#VALUE!
 * outside the data); `'` escapes `[`, `]`, `#` and `'` in column names.
 */
import type { TableSpec } from '../generated/spec.js';
import { ERR, Ref, type Ctx, type SheetStore, type Value } from './values.js';

interface Parsed {
  table: string;
  items: Set<string>;
  columns: [string, string] | null;
}

/** One bracketed part `[...]` from `i` (at the `[`): its text unescaped, and the index after it. */
function bracket(s: string, i: number): [string, number] | null {
  let out = '';
  for (let k = i + 1; k < s.length; k++) {
    const ch = s[k]!;
    if (ch === "'") {
      k++;
      if (k >= s.length) return null;
      out += s[k];
    } else if (ch === '[') return null;
    else if (ch === ']') return [out, k + 1];
    else out += ch;
  }
  return null;
}

/** A column name written without brackets (`Table[Col]`, `[@Col]`): `'` escapes. */
function bare(s: string): string | null {
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]!;
    if (ch === "'") {
      k++;
      if (k >= s.length) return null;
      out += s[k];
    } else if (ch === '[' || ch === ']') return null;
    else out += ch;
  }
  return out;
}

const ITEMS = new Set(['#all', '#data', '#headers', '#totals', '#this row']);

/** Parses `Name[...]` or a bare table name; null when it is not a structured reference. */
export function parseStructured(text: string): Parsed | null {
  const m = /^([A-Za-z_\\][\w.\\]*)(\[.*\])?$/su.exec(text.trim());
  if (!m) return null;
  const out: Parsed = { table: m[1]!, items: new Set(), columns: null };
  const spec = m[2];
  if (spec === undefined || spec === '[]') return out;
  const inner = spec.slice(1, -1);
  const col = (a: string, b = a): void => {
    out.columns = [a, b];
  };
  if (inner.startsWith('@')) {
    out.items.add('#this row');
    const rest = inner.slice(1);
    if (rest === '') return out;
    if (!rest.startsWith('[')) {
      const c = bare(rest);
      if (c === null) return null;
      col(c);
      return out;
    }
    return parts(rest, out);
  }
  if (!inner.startsWith('[')) {
    if (inner.startsWith('#')) {
      const item = inner.toLowerCase();
      if (!ITEMS.has(item)) return null;
      out.items.add(item);
      return out;
    }
    const c = bare(inner);
    if (c === null) return null;
    col(c);
    return out;
  }
  return parts(inner, out);
}

/** `[#Headers],[A]:[B]`: items and one column span, comma-separated. */
function parts(s: string, out: Parsed): Parsed | null {
  let i = 0;
  const skip = (): void => {
    while (s[i] === ' ') i++;
  };
  while (i < s.length) {
    skip();
    if (s[i] !== '[') return null;
    const a = bracket(s, i);
    if (!a) return null;
    i = a[1];
    skip();
    const first = a[0];
    if (ITEMS.has(first.toLowerCase())) out.items.add(first.toLowerCase());
    else {
      let last = first;
      if (s[i] === ':') {
        i++;
        skip();
        const b = bracket(s, i);
        if (!b) return null;
        last = b[0];
        i = b[1];
        skip();
      }
      if (out.columns) return null;
      out.columns = [first, last];
    }
    if (i < s.length) {
      if (s[i] !== ',') return null;
      i++;
    }
  }
  return out;
}

/**
 * The reference a structured reference text stands for, for a formula at `ctx`;
 * undefined when no table of that name exists (the caller tries other readings).
 */
export function resolveStructured(tables: readonly TableSpec[], sheets: readonly SheetStore[], text: string, ctx: Ctx): Value | undefined {
  const p = parseStructured(text);
  if (!p) return undefined;
  const upper = p.table.toUpperCase();
  const t = tables.find((x) => x.name.toUpperCase() === upper);
  if (!t) return undefined;
  const sheet = sheets[t.sheet];
  if (!sheet) return ERR.REF;
  const [r0, c0, r1, c1] = t.area;
  const data0 = r0 + t.header;
  const data1 = r1 - t.totals;
  let cols: [number, number] = [c0, c1];
  if (p.columns) {
    const find = (n: string): number => t.columns.findIndex((c) => c.toUpperCase() === n.toUpperCase());
    const a = find(p.columns[0]);
    const b = find(p.columns[1]);
    if (a < 0 || b < 0) return ERR.REF;
    cols = [c0 + Math.min(a, b), c0 + Math.max(a, b)];
  }
  const has = (i: string): boolean => p.items.has(i);
  if (has('#this row')) {
    if (ctx.row < data0 || ctx.row > data1) return ERR.VALUE;
    return new Ref(sheet, ctx.row, cols[0], ctx.row, cols[1]);
  }
  let rows: [number, number];
  if (p.items.size === 0 || (has('#data') && !has('#headers') && !has('#totals'))) rows = [data0, data1];
  else if (has('#all')) rows = [r0, r1];
  else {
    if ((has('#headers') && t.header === 0) || (has('#totals') && t.totals === 0)) return ERR.REF;
    const top = has('#headers') ? r0 : has('#data') ? data0 : r1;
    const bottom = has('#totals') ? r1 : has('#data') ? data1 : r0;
    rows = [top, bottom];
  }
  if (rows[1] < rows[0]) return ERR.REF;
  return new Ref(sheet, rows[0], cols[0], rows[1], cols[1]);
}
