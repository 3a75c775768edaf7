/**
 * Incremental runs: which segments an input change reaches.
 *
 * An eager engine keeps its previous run's stores and inputs. The next `run(inputs)`
 * compares its inputs with them cell by cell; a segment is recomputed when it reads a
 * changed cell (one of its reference rectangles covers it), when it reads a segment that
 * is recomputed, or always when it is volatile (NOW, RAND, OFFSET, a user-defined
 * function...). Everything else keeps its previous value, which is the value a full run
 * computes: the evaluation order is topological, so a segment's precedents are decided
 * before it. The build writes what each segment reads and writes (`modules/deps.js`,
 * `emit/incremental_index.rs`); this module only walks it.
 */
import type { Scalar } from './values.js';
import { ExcelError, cellId } from './values.js';

const DYNAMIC = 1;
const VOLATILE = 2;
const SPILLS = 4;

/** A changed input cell. */
export interface ChangedCell {
  sheet: number;
  row: number;
  col: number;
}

/** The index of `modules/deps.js` (see `incremental_index.rs` for the layout). */
export class DepsIndex {
  private readonly data: Uint32Array;
  private readonly segmentOffsets: Uint32Array;
  private readonly listOffsets: Uint32Array;

  private constructor(data: Uint32Array) {
    this.data = data;
    const segments = data[0] ?? 0;
    const lists = data[1] ?? 0;
    if (data.length < 2 + segments + lists) throw new Error('the incremental index is truncated');
    this.segmentOffsets = data.subarray(2, 2 + segments);
    this.listOffsets = data.subarray(2 + segments, 2 + segments + lists);
  }

  /** Decodes the base64 text of `modules/deps.js` (little-endian u32s). */
  static decode(text: string): DepsIndex {
    const bytes = decodeBase64(text);
    return new DepsIndex(new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2));
  }

  get segmentCount(): number {
    return this.segmentOffsets.length;
  }

  /** Whether any segment holds a dynamic-array formula (its spill extent varies). */
  hasSpills(): boolean {
    for (let s = 0; s < this.segmentCount; s++) if ((this.data[this.segmentOffsets[s]!]! & SPILLS) !== 0) return true;
    return false;
  }

  private readonly readers = new Map<number, Uint32Array>();

  /** The segments whose reference rectangles hold the cell. */
  readersOf(cell: ChangedCell): Uint32Array {
    const key = cellId(cell.sheet, cell.row, cell.col);
    let found = this.readers.get(key);
    if (found !== undefined) return found;
    const marked = new Uint8Array(this.segmentCount);
    this.markBoxes(changedBoxes([cell]), marked);
    const out: number[] = [];
    for (let s = 0; s < marked.length; s++) if (marked[s] === 1) out.push(s);
    if (this.readers.size >= MAX_REMEMBERED) this.readers.clear();
    found = Uint32Array.from(out);
    this.readers.set(key, found);
    return found;
  }

  /** Formula cells over all segments. */
  totalCells(): number {
    let n = 0;
    for (let s = 0; s < this.segmentCount; s++) n += this.data[this.segmentOffsets[s]! + 1]!;
    return n;
  }

  /** The first segment with computed references (the segment count when none has). */
  firstDynamic(): number {
    for (let s = 0; s < this.segmentCount; s++) if ((this.data[this.segmentOffsets[s]!]! & DYNAMIC) !== 0) return s;
    return this.segmentCount;
  }

  /**
   * Which segments the changed cells reach (`steps`, their positions in the evaluation
   * order, ascending), and which sheets they write. `tail`: the first segment of those
   * recomputed whatever changed.
   *
   * The reach is pushed forward, not pulled: a segment reached marks the readers of each
   * dependency list it belongs to. The cost is the cone's, plus one bit per segment to
   * step over the rest; a pull walk read every segment's lists on every run (a sixth of
   * a small what-if run at 1M cells).
   */
  plan(changed: readonly ChangedCell[], tail = this.segmentCount): { steps: readonly number[]; sheets: Set<number>; cells: number } {
    const d = this.data;
    const n = this.segmentCount;
    const f = this.forward();
    // The segments still to step, one bit each: the walk skips 32 unreached segments at a
    // time (a byte per segment was a seventh of a small what-if run at 1M cells).
    const pending = new Int32Array((n + 31) >>> 5);
    const mark = (s: number) => {
      pending[s >>> 5]! |= 1 << (s & 31);
    };
    // The segments reading a changed cell: per cell, remembered (a what-if loop changes
    // the same inputs run after run); many cells at once (a range input) by one scan.
    if (changed.length <= MAX_REMEMBERED_CELLS) {
      for (const c of changed) for (const seg of this.readersOf(c)) mark(seg);
    } else {
      const reached = new Uint8Array(n);
      this.markBoxes(changedBoxes(changed), reached);
      for (let s = 0; s < n; s++) if (reached[s] === 1) mark(s);
    }
    // Recomputed whatever changed: from `tail` on, and the volatile segments.
    for (let s = tail; s < n; s++) mark(s);
    for (const s of f.volatile) if (s < tail) mark(s);
    // A segment with computed references is recomputed whenever an input changed (it may
    // read any cell), else once anything before it is.
    const first = changed.length > 0 ? -1 : firstMarked(pending);
    if (changed.length > 0 || first >= 0) for (const s of f.dynamic) if (s > first && s < tail) mark(s);
    // A list fires once, at its first reached member: its readers after that member are
    // reached. A later member reaches only readers after itself, a subset. (A list can
    // name segments after one of its readers: it was found from the bounding box of a
    // loop's references, which may cover cells the order reaches later, as a running
    // balance interleaved with circular blocks does; those are not its precedents.)
    // Readers come after the segment that reaches them: the walk, lowest bit first, meets
    // them later in the same word or in a later one.
    const fired = new Uint8Array(f.readerStart.length - 1);
    const sheets = new Set<number>();
    let cells = 0;
    let lastSheet = -1;
    const steps: number[] = [];
    for (let w = 0; w < pending.length; w++) {
      let bits: number;
      while ((bits = pending[w]!) !== 0) {
        const low = bits & -bits;
        pending[w] = bits ^ low;
        const s = (w << 5) | (31 - Math.clz32(low));
        steps.push(s);
        cells += f.cells[s]!;
        const at = this.sheetsAt(s);
        for (let i = 1, count = d[at]!; i <= count; i++) {
          // Segments in a row mostly write one sheet: add it once.
          const sheet = d[at + i]!;
          if (sheet !== lastSheet) sheets.add((lastSheet = sheet));
        }
        for (let m = f.memberStart[s]!, end = f.memberStart[s + 1]!; m < end; m++) {
          const l = f.members[m]!;
          if (fired[l] === 1) continue;
          fired[l] = 1;
          for (let r = f.readerStart[l]!, stop = f.readerStart[l + 1]!; r < stop; r++) {
            const reader = f.readers[r]!;
            if (reader > s) mark(reader);
          }
        }
      }
    }
    return { steps, sheets, cells };
  }

  /** Marks the segments whose reference rectangles hold one of the changed cells. */
  private markBoxes(boxes: Box[], reached: Uint8Array): void {
    const d = this.data;
    for (let s = 0; s < this.segmentCount; s++) {
      let o = this.rectsAt(s);
      const rectCount = d[o++]!;
      let hit = false;
      for (let i = 0; i < rectCount && !hit; i++, o += 5) {
        const sheet = d[o]!;
        const r0 = d[o + 1]!;
        const c0 = d[o + 2]!;
        const r1 = d[o + 3]!;
        const c1 = d[o + 4]!;
        for (const b of boxes) {
          if (b.sheet === sheet && b.r0 <= r1 && r0 <= b.r1 && b.c0 <= c1 && c0 <= b.c1 && b.hits(r0, c0, r1, c1)) {
            hit = true;
            break;
          }
        }
      }
      if (hit) reached[s] = 1;
    }
  }

  // A segment's entry: flags, cell count, then [count, ...] of the sheets it writes, of
  // its dependency lists, and of its reference rectangles (5 words each).
  private sheetsAt(s: number): number {
    return this.segmentOffsets[s]! + 2;
  }
  private listsAt(s: number): number {
    const o = this.sheetsAt(s);
    return o + 1 + this.data[o]!;
  }
  private rectsAt(s: number): number {
    const o = this.listsAt(s);
    return o + 1 + this.data[o]!;
  }

  private forwardIndex: Forward | null = null;

  /** The index turned around, once per engine: per list its readers, per segment its lists. */
  private forward(): Forward {
    if (this.forwardIndex !== null) return this.forwardIndex;
    const d = this.data;
    const n = this.segmentCount;
    const listCount = this.listOffsets.length;
    const flags = new Uint8Array(n);
    const cells = new Uint32Array(n);
    const readerStart = new Uint32Array(listCount + 1);
    const memberStart = new Uint32Array(n + 1);
    for (let s = 0; s < n; s++) {
      flags[s] = d[this.segmentOffsets[s]!]!;
      cells[s] = d[this.segmentOffsets[s]! + 1]!;
      const o = this.listsAt(s);
      for (let i = 1; i <= d[o]!; i++) readerStart[d[o + i]! + 1]!++;
    }
    for (let l = 0; l < listCount; l++) {
      const lo = this.listOffsets[l]!;
      for (let k = lo + 1; k <= lo + d[lo]!; k++) memberStart[d[k]! + 1]!++;
    }
    for (let l = 0; l < listCount; l++) readerStart[l + 1]! += readerStart[l]!;
    for (let s = 0; s < n; s++) memberStart[s + 1]! += memberStart[s]!;
    const readers = new Uint32Array(readerStart[listCount]!);
    const members = new Uint32Array(memberStart[n]!);
    const readerFill = readerStart.slice(0, listCount);
    const memberFill = memberStart.slice(0, n);
    // Segments in order, so each list's readers come out ascending.
    for (let s = 0; s < n; s++) {
      const o = this.listsAt(s);
      for (let i = 1; i <= d[o]!; i++) readers[readerFill[d[o + i]!]!++] = s;
    }
    for (let l = 0; l < listCount; l++) {
      const lo = this.listOffsets[l]!;
      for (let k = lo + 1; k <= lo + d[lo]!; k++) members[memberFill[d[k]!]!++] = l;
    }
    const volatile: number[] = [];
    const dynamic: number[] = [];
    for (let s = 0; s < n; s++) {
      if ((flags[s]! & VOLATILE) !== 0) volatile.push(s);
      else if ((flags[s]! & DYNAMIC) !== 0) dynamic.push(s);
    }
    this.forwardIndex = { cells, readerStart, readers, memberStart, members, volatile: Uint32Array.from(volatile), dynamic: Uint32Array.from(dynamic) };
    return this.forwardIndex;
  }
}

/** `DepsIndex.plan`'s view of the index: compressed rows, both ways round. */
interface Forward {
  cells: Uint32Array;
  /** Per list `l`, its readers: `readers[readerStart[l] .. readerStart[l + 1]]`. */
  readerStart: Uint32Array;
  readers: Uint32Array;
  /** Per segment `s`, the lists naming it: `members[memberStart[s] .. memberStart[s + 1]]`. */
  memberStart: Uint32Array;
  members: Uint32Array;
  /** The volatile segments, ascending. */
  volatile: Uint32Array;
  /** The segments with computed references (and not volatile), ascending. */
  dynamic: Uint32Array;
}

/** The lowest segment marked in a bitset, or -1. */
function firstMarked(bits: Int32Array): number {
  for (let w = 0; w < bits.length; w++) {
    const b = bits[w]!;
    if (b !== 0) return (w << 5) | (31 - Math.clz32(b & -b));
  }
  return -1;
}

/** Cells whose readers an index remembers (beyond that, it forgets them all). */
const MAX_REMEMBERED_CELLS = 256;
const MAX_REMEMBERED = 4096;

/** Changed cells grouped per sheet, with their bounding box for a quick test. */
class Box {
  r0 = Infinity;
  c0 = Infinity;
  r1 = -1;
  c1 = -1;
  readonly cells: ChangedCell[] = [];
  constructor(readonly sheet: number) {}
  add(cell: ChangedCell): void {
    this.cells.push(cell);
    this.r0 = Math.min(this.r0, cell.row);
    this.c0 = Math.min(this.c0, cell.col);
    this.r1 = Math.max(this.r1, cell.row);
    this.c1 = Math.max(this.c1, cell.col);
  }
  /** Whether a changed cell lies in the rectangle (the boxes overlap: look at the cells). */
  hits(r0: number, c0: number, r1: number, c1: number): boolean {
    if (r0 <= this.r0 && this.r1 <= r1 && c0 <= this.c0 && this.c1 <= c1) return true;
    for (const c of this.cells) if (c.row >= r0 && c.row <= r1 && c.col >= c0 && c.col <= c1) return true;
    return false;
  }
}

function changedBoxes(changed: readonly ChangedCell[]): Box[] {
  const bySheet = new Map<number, Box>();
  for (const c of changed) {
    let b = bySheet.get(c.sheet);
    if (!b) bySheet.set(c.sheet, (b = new Box(c.sheet)));
    b.add(c);
  }
  return [...bySheet.values()];
}

/** Whether two input values are the same value (errors by their code). */
export function sameInput(a: Scalar, b: Scalar): boolean {
  if (a === b) return true;
  if (a instanceof ExcelError && b instanceof ExcelError) return a.code === b.code;
  return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 to bytes, without Buffer or atob (the engine runs in browsers and Node alike). */
function decodeBase64(text: string): Uint8Array {
  const values = new Int16Array(128).fill(-1);
  for (let i = 0; i < BASE64.length; i++) values[BASE64.charCodeAt(i)] = i;
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--; // '='
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? values[code]! : -1;
    if (v < 0) throw new Error('the incremental index is not base64');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}
