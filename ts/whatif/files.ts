/**
 * The what-if files a build writes beside the engine (crates/sheetc-core/src/stages/
 * labels.rs and explain_index.rs): their JSON shapes, read on first use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SheetcError } from '../errors.js';

/** `labels.json`: label runs per sheet (flat `[line, from, to, label, ...]`). */
export interface LabelFile {
  version: number;
  strings: string[];
  sheets: { rows: number[]; cols: number[]; headers: number[] }[];
}

/** A formula template piece: text, or `[kind, row, col]` (kind bits: 1 row, 2 column, 4 row absolute, 8 column absolute). */
export type TemplatePart = string | [number, number, number];

export interface ShapeEntry {
  f: TemplatePart[];
  /** Flat `[sheet, rel, r0, c0, r1, c1, ...]`; `rel` bits 1, 2, 4, 8: r0, c0, r1, c1 relative. */
  refs: number[];
  dynamic?: boolean;
}

/** `explain.json`. */
export interface ExplainFile {
  version: number;
  shapes: ShapeEntry[];
  /** Flat `[sheet, r0, c0, r1, c1, shape, ...]`. */
  cells: number[];
  /** Flat `[sheet, r0, c0, r1, c1, ...]`: array formula ranges, anchor top-left. */
  arrays: number[];
  /** Each cluster: flat `[sheet, r0, c0, r1, c1, ...]`. */
  clusters: number[][];
}

/** Reads a JSON file of the engine directory; a missing file is an engine built before the what-if tools. */
export function readEngineJson<T>(dir: string, name: string): T {
  let text: string;
  try {
    text = readFileSync(join(dir, name), 'utf8');
  } catch {
    throw new SheetcError('E_IO', `${join(dir, name)} is missing: rebuild the engine with this version of sheetc (sheetc build) to use the what-if tools`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new SheetcError('E_CORRUPT', `${join(dir, name)} is not valid JSON: ${(e as Error).message}`);
  }
}
