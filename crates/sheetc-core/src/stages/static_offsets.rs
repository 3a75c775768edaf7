//! Static offsets: `OFFSET` with constant arguments is the reference it computes.
//!
//! `OFFSET(H13,-11,0,12,1)` always means `H2:H13`: the base is a reference written in the
//! formula and every count is a number literal. Excel still treats the call as volatile
//! (it recalculates it on every change), but its value depends on the cells of that range
//! only, so compiling the range itself gives the same values everywhere and, unlike a
//! reference found at run time, tells the graph what the cell reads: the cell is ordered
//! with its precedents and an incremental run recomputes it only when they change,
//! instead of everything after the first computed reference (`demand.ts`).
//!
//! The rewrite is per cell, not per shape: a relative base moved by a negative count can
//! leave the sheet for the cells near its top or left edge, where Excel's `OFFSET` gives
//! `#REF!`. There the call becomes that error value (it is one whatever the inputs), and
//! each cell takes the twin of its shape for which of its constant calls stay on the
//! sheet. Anything not constant (a computed count, a name, a union, an omitted argument,
//! a fraction, a height below 1, a base that is itself a call) is left to the runtime.

use std::collections::HashMap;

use crate::address::{MAX_COL, MAX_ROW};
use crate::ast::{ErrorKind, UnaryOp};
use crate::bind::{visit_calls, Area, Bound, Coord};
use crate::functions::FunctionTable;
use crate::stages::backfill::RelativeReach;
use crate::stages::shapes::Shaped;

/// Constant calls per shape handled (a twin per combination of those on the sheet).
const MAX_CALLS: usize = 16;

/// Rewrites the constant `OFFSET` calls of every shape: each cell moves to its shape's
/// twin for the calls that stay on the sheet there.
pub fn static_offsets(shaped: &mut Shaped, functions: &FunctionTable) {
    let count = shaped.shapes.len();
    // Per original shape: its constant calls' references, with their reach.
    let calls: Vec<Vec<(Bound, RelativeReach)>> = shaped
        .shapes
        .iter()
        .map(|b| {
            constant_calls(b, functions)
                .into_iter()
                .map(|r| {
                    let reach = RelativeReach::of(&r);
                    (r, reach)
                })
                .collect()
        })
        .collect();
    if calls.iter().all(Vec::is_empty) {
        return;
    }
    // (original shape, the calls on the sheet as bits) -> twin shape.
    let mut twins: HashMap<(u32, u32), u32> = HashMap::new();
    for n in shaped.nodes.iter_mut() {
        let found = &calls[n.shape as usize];
        if found.is_empty() || found.len() > MAX_CALLS {
            continue;
        }
        let fits = found.iter().enumerate().fold(0u32, |bits, (k, (_, reach))| if reach.fits(n.row, n.col) { bits | 1 << k } else { bits });
        let original = n.shape;
        n.shape = *twins.entry((original, fits)).or_insert_with(|| {
            let mut twin = shaped.shapes[original as usize].clone();
            let mut k = 0;
            rewrite_in(
                &mut twin,
                &mut |_| {
                    let on_sheet = fits & (1 << k) != 0;
                    let reference = &found[k].0;
                    k += 1;
                    if on_sheet {
                        reference.clone()
                    } else {
                        Bound::Error(ErrorKind::Ref)
                    }
                },
                functions,
            );
            shaped.shapes.push(twin);
            (shaped.shapes.len() - 1) as u32
        });
    }
    // A twin calls the same unknown names as its original (in twin order: the report's
    // order does not depend on the map's).
    let mut extra: Vec<(u32, Vec<String>)> = twins
        .iter()
        .filter_map(|(&(original, _), &twin)| shaped.unknown_functions.iter().find(|(s, _)| *s == original).map(|(_, names)| (twin, names.clone())))
        .collect();
    extra.sort_by_key(|(twin, _)| *twin);
    shaped.unknown_functions.extend(extra);
    drop_unused(shaped, count);
}

/// Drops the original shapes (indices below `originals`) that no cell uses any more, all
/// of their cells having moved to twins, and renumbers the rest: the report counts the
/// shapes the engine computes.
fn drop_unused(shaped: &mut Shaped, originals: usize) {
    let mut used = vec![false; shaped.shapes.len()];
    for n in &shaped.nodes {
        used[n.shape as usize] = true;
    }
    used[originals..].iter_mut().for_each(|u| *u = true);
    if used.iter().all(|&u| u) {
        return;
    }
    let mut renumber = vec![u32::MAX; used.len()];
    let mut next = 0u32;
    for (i, &u) in used.iter().enumerate() {
        if u {
            renumber[i] = next;
            next += 1;
        }
    }
    let mut i = 0;
    shaped.shapes.retain(|_| {
        i += 1;
        used[i - 1]
    });
    for n in shaped.nodes.iter_mut() {
        n.shape = renumber[n.shape as usize];
    }
    shaped.unknown_functions.retain(|(s, _)| used[*s as usize]);
    for (s, _) in shaped.unknown_functions.iter_mut() {
        *s = renumber[*s as usize];
    }
}

/// The expression with every constant `OFFSET` call replaced by its reference (the twin
/// of a cell where they all stay on the sheet), or None when it has none.
#[cfg(test)]
fn rewrite(b: &Bound, functions: &FunctionTable) -> Option<Bound> {
    let mut out = b.clone();
    rewrite_in(&mut out, &mut |args| constant_offset(args).unwrap_or(Bound::Error(ErrorKind::Ref)), functions).then_some(out)
}

/// The references of a shape's constant `OFFSET` calls, in the order `rewrite_in` meets them.
fn constant_calls(b: &Bound, functions: &FunctionTable) -> Vec<Bound> {
    let mut out = Vec::new();
    // Most shapes call no OFFSET: no copy of them to probe.
    let mut offsets = false;
    visit_calls(b, &mut |name| offsets |= name == "OFFSET");
    if !offsets {
        return out;
    }
    let mut probe = b.clone();
    rewrite_in(
        &mut probe,
        &mut |args| {
            let r = constant_offset(args).unwrap_or(Bound::Error(ErrorKind::Ref));
            out.push(r.clone());
            r
        },
        functions,
    );
    out
}

/// Every constant `OFFSET` call (its base a written reference, its counts literals)
/// replaced by what `replace` gives for its arguments, outermost first; true when any
/// was. A cell given where the function reads a value becomes a direct read, as the
/// binder makes it.
fn rewrite_in(b: &mut Bound, replace: &mut dyn FnMut(&[Bound]) -> Bound, functions: &FunctionTable) -> bool {
    let mut changed = false;
    match b {
        Bound::Call { name, args } => {
            if name == "OFFSET" && constant_offset(args).is_some() {
                *b = replace(args);
                return true;
            }
            for (i, a) in args.iter_mut().enumerate() {
                if rewrite_in(a, replace, functions) {
                    changed = true;
                    if matches!(a, Bound::Cell { .. }) && functions.is_value_param(name, i) {
                        *a = Bound::CellValue(Box::new(std::mem::replace(a, Bound::Missing)));
                    }
                }
            }
        }
        Bound::Areas(items) | Bound::Array { items, .. } => items.iter_mut().for_each(|x| changed |= rewrite_in(x, replace, functions)),
        Bound::Unary(_, x) | Bound::Spill(x) | Bound::CellValue(x) => changed = rewrite_in(x, replace, functions),
        Bound::Binary(_, l, r) => {
            changed = rewrite_in(l, replace, functions);
            changed |= rewrite_in(r, replace, functions);
        }
        Bound::Let { bindings, body } => {
            bindings.iter_mut().for_each(|(_, x)| changed |= rewrite_in(x, replace, functions));
            changed |= rewrite_in(body, replace, functions);
        }
        Bound::Lambda { body, .. } => changed = rewrite_in(body, replace, functions),
        Bound::Invoke { callee, args } => {
            changed = rewrite_in(callee, replace, functions);
            args.iter_mut().for_each(|x| changed |= rewrite_in(x, replace, functions));
        }
        _ => {}
    }
    changed
}

/// The reference `OFFSET(base, rows, cols[, height[, width]])` computes when every
/// argument is constant (`#REF!` when it is over the edge of the sheet wherever the
/// formula is), or None.
fn constant_offset(args: &[Bound]) -> Option<Bound> {
    if !(3..=5).contains(&args.len()) {
        return None;
    }
    let (sheet, r0, c0, r1, c1) = match &args[0] {
        Bound::Cell { sheet, row, col } => (*sheet, *row, *col, *row, *col),
        Bound::Area(a) => (a.sheet, a.r0, a.c0, a.r1, a.c1),
        _ => return None,
    };
    let rows = integer(&args[1])?;
    let cols = integer(&args[2])?;
    let height = match args.get(3) {
        None => span(r0, r1)?,
        Some(h) => integer(h)?,
    };
    let width = match args.get(4) {
        None => span(c0, c1)?,
        Some(w) => integer(w)?,
    };
    if height < 1 || width < 1 {
        return None;
    }
    // Over the edge of the sheet for every cell: Excel's #REF!.
    let moved = (|| Some((shift(r0, rows, MAX_ROW)?, shift(c0, cols, MAX_COL)?)))();
    let Some((top, left)) = moved else { return Some(Bound::Error(ErrorKind::Ref)) };
    let (Some(bottom), Some(right)) = (shift(top, height - 1, MAX_ROW), shift(left, width - 1, MAX_COL)) else {
        return Some(Bound::Error(ErrorKind::Ref));
    };
    Some(if height == 1 && width == 1 {
        Bound::Cell { sheet, row: top, col: left }
    } else {
        Bound::Area(Area { sheet, r0: top, c0: left, r1: bottom, c1: right })
    })
}

/// A whole-number literal (a sign allowed), within the sheet's size.
fn integer(b: &Bound) -> Option<i64> {
    let v = match b {
        Bound::Number(v) => *v,
        Bound::Unary(UnaryOp::Neg, x) => match **x {
            Bound::Number(v) => -v,
            _ => return None,
        },
        Bound::Unary(UnaryOp::Plus, x) => match **x {
            Bound::Number(v) => v,
            _ => return None,
        },
        _ => return None,
    };
    (v.fract() == 0.0 && v.abs() <= (MAX_ROW + 1) as f64).then_some(v as i64)
}

/// Cells from `a` to `b` when both are of one kind (else the size varies by cell).
fn span(a: Coord, b: Coord) -> Option<i64> {
    match (a, b) {
        (Coord::Abs(x), Coord::Abs(y)) => Some(y as i64 - x as i64 + 1),
        (Coord::Rel(x), Coord::Rel(y)) => Some(y as i64 - x as i64 + 1),
        _ => None,
    }
}

/// A coordinate moved by `by`, or None when it is off the sheet for every cell (an
/// absolute one outside it; a relative one by more than the sheet's size). Where a
/// relative one falls off depends on the cell: the caller checks per cell.
fn shift(c: Coord, by: i64, max: u32) -> Option<Coord> {
    match c {
        Coord::Abs(v) => {
            let v = v as i64 + by;
            (0..=max as i64).contains(&v).then_some(Coord::Abs(v as u32))
        }
        Coord::Rel(d) => i32::try_from(d as i64 + by).ok().filter(|d| d.unsigned_abs() <= max).map(Coord::Rel),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_table;

    fn cell(row: Coord, col: Coord) -> Bound {
        Bound::Cell { sheet: 0, row, col }
    }
    fn offset(args: Vec<Bound>) -> Bound {
        Bound::Call { name: "OFFSET".into(), args }
    }
    fn n(v: f64) -> Bound {
        Bound::Number(v)
    }
    fn neg(v: f64) -> Bound {
        Bound::Unary(UnaryOp::Neg, Box::new(n(v)))
    }

    #[test]
    fn a_trailing_window_becomes_the_range_it_names() {
        // OFFSET(H13,-11,0,12,1) written in I13: H2:H13, relative like the base.
        let b = offset(vec![cell(Coord::Rel(0), Coord::Rel(-1)), neg(11.0), n(0.0), n(12.0), n(1.0)]);
        let sum = Bound::Call { name: "SUM".into(), args: vec![b] };
        let out = rewrite(&sum, &test_table()).expect("rewritten");
        let want = Bound::Area(Area { sheet: 0, r0: Coord::Rel(-11), c0: Coord::Rel(-1), r1: Coord::Rel(0), c1: Coord::Rel(-1) });
        assert_eq!(out, Bound::Call { name: "SUM".into(), args: vec![want] });
    }

    #[test]
    fn the_size_of_an_area_base_is_kept_and_absolute_coordinates_stay_absolute() {
        let base = Bound::Area(Area { sheet: 2, r0: Coord::Abs(4), c0: Coord::Abs(1), r1: Coord::Abs(6), c1: Coord::Abs(2) });
        let out = rewrite(&offset(vec![base, n(2.0), neg(1.0)]), &test_table()).expect("rewritten");
        assert_eq!(out, Bound::Area(Area { sheet: 2, r0: Coord::Abs(6), c0: Coord::Abs(0), r1: Coord::Abs(8), c1: Coord::Abs(1) }));
        // A 1x1 result is a cell.
        let one = offset(vec![cell(Coord::Abs(0), Coord::Abs(0)), n(3.0), n(2.0)]);
        assert_eq!(rewrite(&one, &test_table()), Some(cell(Coord::Abs(3), Coord::Abs(2))));
    }

    #[test]
    fn an_absolute_reference_moved_over_the_edge_is_ref_error() {
        let a1 = || cell(Coord::Abs(0), Coord::Abs(0));
        let r = Some(Bound::Error(ErrorKind::Ref));
        // Above row 1; past the last column.
        assert_eq!(rewrite(&offset(vec![a1(), neg(1.0), n(0.0)]), &test_table()), r);
        assert_eq!(rewrite(&offset(vec![a1(), n(0.0), n(16_383.0), n(1.0), n(2.0)]), &test_table()), r);
    }

    #[test]
    fn each_cell_takes_the_twin_for_the_calls_on_the_sheet_there() {
        use crate::plan::Node;
        // SUM(OFFSET(A r,-2,0,3,1)) in B1, B2 and B6 (rows 0, 1, 5): off the top in the first two.
        let window = offset(vec![cell(Coord::Rel(0), Coord::Rel(-1)), neg(2.0), n(0.0), n(3.0), n(1.0)]);
        let sum = Bound::Call { name: "SUM".into(), args: vec![window] };
        let node = |row| Node { sheet: 0, row, col: 1, shape: 0, array_end: None, dynamic_array: false };
        let mut shaped = Shaped { shapes: vec![sum], nodes: vec![node(0), node(1), node(5)], backfills: vec![], unknown_functions: vec![] };
        static_offsets(&mut shaped, &test_table());
        let shape_of = |i: usize| &shaped.shapes[shaped.nodes[i].shape as usize];
        let off = Bound::Call { name: "SUM".into(), args: vec![Bound::Error(ErrorKind::Ref)] };
        assert_eq!(shape_of(0), &off);
        assert_eq!(shaped.nodes[0].shape, shaped.nodes[1].shape, "one twin per combination");
        let on = Bound::Area(Area { sheet: 0, r0: Coord::Rel(-2), c0: Coord::Rel(-1), r1: Coord::Rel(0), c1: Coord::Rel(-1) });
        assert_eq!(shape_of(2), &Bound::Call { name: "SUM".into(), args: vec![on] });
        // The original, which no cell uses any more, is dropped.
        assert_eq!(shaped.shapes.len(), 2);
        assert!(shaped.nodes.iter().all(|n| (n.shape as usize) < 2));
    }

    #[test]
    fn what_is_not_constant_or_leaves_the_sheet_stays_a_call() {
        let a1 = || cell(Coord::Abs(0), Coord::Abs(0));
        let cases = vec![
            // A computed count, an omitted one, a fraction, a text.
            offset(vec![a1(), cell(Coord::Abs(5), Coord::Abs(5)), n(0.0)]),
            offset(vec![a1(), Bound::Missing, n(1.0)]),
            offset(vec![a1(), n(1.5), n(0.0)]),
            offset(vec![a1(), Bound::Text("1".into()), n(0.0)]),
            // Height 0 or negative; a base whose size varies by cell.
            offset(vec![a1(), n(1.0), n(0.0), n(0.0)]),
            offset(vec![a1(), n(1.0), n(0.0), neg(2.0), n(1.0)]),
            offset(vec![Bound::Area(Area { sheet: 0, r0: Coord::Abs(0), c0: Coord::Abs(0), r1: Coord::Rel(0), c1: Coord::Abs(0) }), n(1.0), n(0.0)]),
        ];
        for c in cases {
            assert_eq!(rewrite(&c, &test_table()), None, "{c:?}");
        }
    }
}
