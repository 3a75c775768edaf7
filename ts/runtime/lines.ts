/**
 * Line values: parts of a shape's numeric variant that vary along its runs but not from
 * one run to the next, kept for the whole engine run (codegen.rs `LineValue`). A cost
 * line's `(1+Inputs!$B$4)^(Timeline!G$3/12)` is the same in every row of a month: the
 * loops along each row read it from an array indexed by column, computed once per
 * column instead of once per cell.
 *
 * What such a part reads is a precedent of every cell of the shape in that column (or
 * row), so it is final before the first of them is computed, and an engine run computes
 * a cell once. The exceptions are circular clusters, whose iterations rewrite their
 * cells: while one iterates nothing is kept (each loop computes its own values). The
 * generated guard sends a loop that writes what the part reads to its per-cell code.
 */
import type { Ctx } from './values.js';

/** A shape's kept values for one part (`NAME.q0 = R.lineSlot()` in the generated module). */
export interface LineSlot {
  /** The engine run (its Book) the values belong to; null: none kept. */
  owner: unknown;
  values: Float64Array;
  filled: Uint8Array;
  /**
   * The last range asked for, all filled for `owner` (hi < lo: none): the rows of a
   * table ask for the same months, which then cost two comparisons, not a check per month.
   */
  lo: number;
  hi: number;
}

export function lineSlot(): LineSlot {
  return { owner: null, values: new Float64Array(0), filled: new Uint8Array(0), lo: 0, hi: -1 };
}

/** The part's values at lo..hi of its coordinate (indexes into the returned array). */
export function lineValues(x: Ctx, slot: LineSlot, lo: number, hi: number, fill: (i: number) => number): Float64Array {
  const book = x.book;
  if (slot.owner === book && lo >= slot.lo && hi <= slot.hi && (book.iterating ?? 0) === 0) return slot.values;
  if (slot.values.length <= hi) {
    const size = Math.max(hi + 1, slot.values.length * 2);
    const values = new Float64Array(size);
    const filled = new Uint8Array(size);
    if (slot.owner === book) {
      values.set(slot.values);
      filled.set(slot.filled);
    }
    slot.values = values;
    slot.filled = filled;
  } else if (slot.owner !== book) slot.filled.fill(0);
  const values = slot.values;
  if ((book.iterating ?? 0) > 0) {
    // Inside a cluster's iteration: computed for this loop only, nothing kept.
    slot.owner = null;
    for (let i = lo; i <= hi; i++) values[i] = fill(i);
    return values;
  }
  slot.owner = book;
  const filled = slot.filled;
  for (let i = lo; i <= hi; i++) {
    if (filled[i] === 0) {
      values[i] = fill(i);
      filled[i] = 1;
    }
  }
  slot.lo = lo;
  slot.hi = hi;
  return values;
}
