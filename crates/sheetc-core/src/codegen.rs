//! Code generation for one formula shape: a bound expression becomes the body of a JS
//! function `(x, B, r, c) => value`, where `x` is the runtime context, `B` the run's
//! sheet stores, and `r`/`c` the cell the shape is evaluated for. Relative references
//! become `r + dr` / `c + dc`, so one function serves every cell of the shape.

use crate::ast::{BinaryOp, ErrorKind, UnaryOp};
use crate::bind::{Area, Bound, Coord};
use crate::functions::FunctionTable;
use crate::js;

/// How a reference is wanted where it appears.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The value (a single cell is read directly).
    Value,
    /// A reference object (function arguments, range operators).
    Ref,
}

pub struct ShapeCode {
    /// `function NAME(x, B, r, c) { ... }` source.
    pub source: String,
    /// Whether the source has `NAME.N(x, B, s, r, c)`: one cell, its numeric variant first
    /// (the statement for a cell outside a run; see `shape_function`).
    pub single: bool,
}

/// Generates the JS function for a shape and its run function (see `loop_variant`);
/// `alone`: some cell of the shape is evaluated outside a run (see `ShapeCode::single`);
/// `loops`: where its cells form more than one loop.
pub fn shape_function(name: &str, bound: &Bound, functions: &FunctionTable, alone: bool, loops: Loops) -> ShapeCode {
    let mut g = Gen::new(name, 0, functions);
    // A top-level single cell is read as a value; areas stay references (array formulas).
    let body = g.result(bound);
    let main = g.function_source(name, &body);
    let mut source = g.hoisted.concat();
    source.push_str(&main);
    let along_row = loop_variant(name, bound, Axis::Col, &g.hoisted, functions, loops.along_rows);
    let down_column = loop_variant(name, bound, Axis::Row, &g.hoisted, functions, loops.down_columns);
    let hoisted_run = match (&along_row, &down_column) {
        (Some(_), Some(_)) => format!("if(d?{name}.r(x,B,s,c,r,r+n-1):{name}.c(x,B,s,r,c,c+n-1))return;"),
        (Some(_), None) => format!("if(!d&&{name}.c(x,B,s,r,c,c+n-1))return;"),
        (None, Some(_)) => format!("if(d&&{name}.r(x,B,s,c,r,r+n-1))return;"),
        (None, None) => String::new(),
    };
    for v in [along_row, down_column].into_iter().flatten() {
        source.push_str(&v);
    }
    // The run function the emitter calls for n cells from (r, c), along the row or down
    // the column (d): the hoisting variant when there is one and it takes the run, else
    // the loop. Its own function per shape, so the call of the shape stays monomorphic.
    let numeric = numeric_expr(bound, None, functions, &mut 0, &mut None, &mut None, &mut None);
    let cell = match &numeric {
        // Written into the loop rather than called: the loop is what V8 optimises as one
        // unit, and a double returned from a call of its own is boxed (a heap number per
        // cell: most of what a run allocated).
        Some(code) => format!("const v={code};if(v-v===0)B[s].setNumber(r,c,v);else{{x.row=r;x.col=c;B[s].set(r,c,R.fin({name}(x,B,r,c),x));}}"),
        None => format!("x.row=r;x.col=c;B[s].set(r,c,R.fin({name}(x,B,r,c),x));"),
    };
    source.push_str(&format!("{name}.L=function(x,B,s,r,c,n,d){{{hoisted_run}for(;n>0;n--){{{cell}if(d)r++;else c++;}}}};\n"));
    // A cell outside any run (the cells of a circular block, evaluated once per iteration;
    // a total) takes the numeric variant too, without the loop's hoisting.
    let single = alone && numeric.is_some();
    if single {
        source.push_str(&format!("{name}.N=function(x,B,s,r,c){{{cell}}};\n"));
    }
    ShapeCode { source, single }
}

/// Per direction, whether a shape's cells form more than one loop in their module. Values
/// kept per line (`LineValue`, `R.lineValues`) pay off only when another loop of the
/// shape reads them (a column's compounding factor, read by every row's run); where a
/// shape has a single loop, its costly parts are computed inline (a kept value would
/// cost a call per cell and be read once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loops {
    /// More than one loop along a row (the runs `NAME.c` takes).
    pub along_rows: bool,
    /// More than one loop down a column (`NAME.r`).
    pub down_columns: bool,
}

impl Loops {
    /// Loops both ways (the unit tests' default: every variant as it can be).
    pub const SEVERAL: Loops = Loops { along_rows: true, down_columns: true };
}

/// Number-only code for `b`, for the *numeric variant* of a shape: arithmetic (`+ - * /
/// ^`, unary minus and percent) on number literals, cells read with `B[s].n(r,c)` (the
/// number, 0 for blank, NaN for anything else) and the values a run hoists (`h0`, ...,
/// numbered as `Gen` numbers them along `axis`). None when `b` is anything else.
///
/// `cells`, in a run's variant: arithmetic on cells that the run reads at the same
/// addresses in every cell of the run (an assumption `Inputs!$B$3` down a column, the
/// month's `(1+Inputs!$B$4)^(Timeline!G$3/12)` down that month's column) is computed
/// once before the loop, as `k0`, `k1`, ... (listed in `cells`, one per distinct part):
/// the same operations on the same numbers, so the same result; the run's guard keeps
/// the run from writing the cells it reads.
///
/// `raw`, for a run's direct loop (see `loop_variant`): the other cells are read straight
/// from the stores' typed arrays (`R.cellNumber(T2,N2,(r)*W2+c-1)`), each listed in
/// `raw` for the loop's precondition.
///
/// A run calls the numeric variant first; a finite result is the cell's value, exactly
/// what the general code computes for numbers (the same operations: `R.nadd` is `add`'s
/// zero snap, `R.ndiv`/`R.npow` return NaN where `div`/`pow` give an error). NaN or an
/// infinity sends the cell to the general function, which applies Excel's coercions and
/// errors. So a model's arithmetic on numbers runs as plain double arithmetic with no
/// boxed intermediate values, and nothing else changes.
fn numeric_expr(
    b: &Bound,
    axis: Option<Axis>,
    functions: &FunctionTable,
    next: &mut usize,
    lines: &mut Option<Vec<LineValue>>,
    cells: &mut Option<Vec<InvariantPart>>,
    raw: &mut Option<Vec<RawRead>>,
) -> Option<String> {
    if let Some(axis) = axis {
        if hoistable(b, Want::Value, axis, functions) {
            *next += 1;
            return Some(format!("h{}", *next - 1));
        }
        if lines.is_some() && contains_costly_op(b) && varies(b, axis) && !varies(b, axis.other()) && ctx_free(b, functions).is_some() {
            // Its code counts the hoisted values inside it as the traversal does.
            // Kept values are shared by every run of the line: no run's own `k`.
            let code = numeric_expr(b, Some(axis), functions, next, &mut None, &mut None, &mut None)?;
            let mut refs = Vec::new();
            collect_refs(b, &mut refs);
            let list = lines.as_mut()?;
            list.push(LineValue { code, refs });
            return Some(format!("q{}[{}]", list.len() - 1, axis.var()));
        }
        if cells.is_some() && !varies(b, axis) {
            let mut refs = Vec::new();
            collect_refs(b, &mut refs);
            if !refs.is_empty() {
                // Arithmetic on cells alone here (a hoistable call was taken above): no
                // `h` inside, nothing kept per line.
                let code = numeric_expr(b, Some(axis), functions, next, &mut None, &mut None, &mut None)?;
                let list = cells.as_mut()?;
                let i = match list.iter().position(|k| k.code == code) {
                    Some(i) => i,
                    None => {
                        list.push(InvariantPart { code, refs });
                        list.len() - 1
                    }
                };
                return Some(format!("k{i}"));
            }
        }
    }
    if let (Bound::Cell { sheet, row, col }, Some(list)) = (b, raw.as_mut()) {
        list.push(RawRead { sheet: *sheet, row: *row, col: *col });
        return Some(format!("R.cellNumber(T{sheet},N{sheet},({})*W{sheet}+{})", coord(*row, "r"), coord(*col, "c")));
    }
    let mut num = |x: &Bound| numeric_expr(x, axis, functions, next, lines, cells, raw);
    Some(match b {
        Bound::Number(n) => format!("({})", js::number(*n)),
        Bound::Cell { sheet, row, col } => format!("B[{sheet}].n({},{})", coord(*row, "r"), coord(*col, "c")),
        Bound::CellValue(inner) | Bound::Unary(UnaryOp::Plus, inner) => num(inner)?,
        Bound::Unary(UnaryOp::Neg, inner) => format!("(-{})", num(inner)?),
        Bound::Unary(UnaryOp::Percent, inner) => format!("({}/100)", num(inner)?),
        // SUM of one reference (a rolling window `SUM(C r-11:C r)`, a row's total): its
        // numbers added in place by `R.nsum`, as SUM adds them, with no reference object;
        // NaN (an error inside, a store that cannot sum in bulk) takes the general code.
        // Where the reference does not vary along a run, the call was hoisted above.
        //
        // In a run's direct loop, a short window down one column (`window_rows`) is added
        // straight from the typed arrays by `R.windowSum`: the same additions in the same
        // order, NaN for a cell that is not a number or blank. Its first and last cells are
        // listed as raw reads, so the loop's precondition covers the whole window.
        Bound::Call { name, args } if name == "SUM" && args.len() == 1 => match &args[0] {
            Bound::Area(a) => match (window_rows(a), raw.as_mut()) {
                (Some(n), Some(list)) => {
                    list.push(RawRead { sheet: a.sheet, row: a.r0, col: a.c0 });
                    list.push(RawRead { sheet: a.sheet, row: a.r1, col: a.c0 });
                    let s = a.sheet;
                    format!("R.windowSum(T{s},N{s},({})*W{s}+{},{n},W{s})", coord(a.r0, "r"), coord(a.c0, "c"))
                }
                _ => format!("R.nsum(B[{}],{},{},{},{})", a.sheet, coord(a.r0, "r"), coord(a.c0, "c"), coord(a.r1, "r"), coord(a.c1, "c")),
            },
            _ => return None,
        },
        // MIN, MAX and AVERAGE of single cells and numbers, outside hoisting variants (an
        // argument may be hoisted there as a reference object, which this code would not
        // number as `Gen` does). A cell argument is a reference: `agg` reads its number,
        // or Infinity for a blank, text or logical, which the functions skip, or NaN for
        // an error. Any other argument is a value the functions count: `R.nfin` makes an
        // infinity (an overflow) NaN, so that Infinity means "skipped" and nothing else.
        // A circular block's average of an opening and a closing balance then stays on
        // this code in the sweep where the closing balance is still blank.
        Bound::Call { name, args } if axis.is_none() && matches!(name.as_str(), "MIN" | "MAX" | "AVERAGE") && !args.is_empty() && args.len() <= 8 => {
            let mut parts = Vec::with_capacity(args.len());
            for a in args {
                parts.push(match a {
                    Bound::Cell { sheet, row, col } => format!("B[{sheet}].agg({},{})", coord(*row, "r"), coord(*col, "c")),
                    Bound::Missing | Bound::Area(_) | Bound::Areas(_) => return None,
                    other if finite_or_nan(other) => num(other)?,
                    other => format!("R.nfin({})", num(other)?),
                });
            }
            match name.as_str() {
                // The functions' own fold: the first of equal values; all skipped is 0.
                "MIN" | "MAX" => {
                    let op = if name == "MIN" { "R.nmin" } else { "R.nmax" };
                    let mut it = parts.into_iter();
                    let first = it.next()?;
                    format!("R.nskipped0({})", it.fold(first, |acc, p| format!("{op}({acc},{p})")))
                }
                // Summed from 0 in argument order, then divided by the count: AVERAGE's.
                _ => format!("R.navg({},{})", parts.len(), parts.join(",")),
            }
        }
        // EDATE and EOMONTH of numbers (a month-end column down a table, a timeline's
        // next month across): `R.nedate`/`R.neomonth` give the serial the functions give
        // for those numbers, NaN for an error or an argument that is not a number, which
        // takes the general code and its coercions (a date written as text, a logical
        // number of months).
        Bound::Call { name, args } if matches!(name.as_str(), "EDATE" | "EOMONTH") && args.len() == 2 => {
            let (start, months) = (num(&args[0])?, num(&args[1])?);
            let f = if name == "EDATE" { "R.nedate" } else { "R.neomonth" };
            format!("{f}(x,{start},{months})")
        }
        // IF on numbers (a fee unless the account is internal, a flag over a threshold):
        // the condition as 1, 0 or NaN (`R.nif`), both branches as numbers. Inside a
        // run's variant, a branch holding something the run would hoist is left to the
        // general code: `Gen` hoists nothing from a branch (it is evaluated lazily), and
        // the numeric code must number its hoisted values as `Gen` does.
        Bound::Call { name, args } if name == "IF" && args.len() == 3 && !args.iter().any(|a| matches!(a, Bound::Missing)) => {
            if let Some(axis) = axis {
                if args[1..].iter().any(|a| hoists_inside(a, axis, functions)) {
                    return None;
                }
            }
            let cond = match &args[0] {
                Bound::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge), l, r) => {
                    let name = match op {
                        BinaryOp::Eq => "eq",
                        BinaryOp::Ne => "ne",
                        BinaryOp::Lt => "lt",
                        BinaryOp::Le => "le",
                        BinaryOp::Gt => "gt",
                        _ => "ge",
                    };
                    if matches!(**l, Bound::Text(_)) || matches!(**r, Bound::Text(_)) {
                        // Text against a cell or a literal: the operator itself on the
                        // values (Excel's comparison of text, blanks and types), its
                        // logical result as the condition.
                        format!("R.nbool(R.{name}({},{},x))", scalar_operand(l)?, scalar_operand(r)?)
                    } else {
                        let (a, b) = (num(l)?, num(r)?);
                        format!("R.n{name}({a},{b})")
                    }
                }
                other => format!("R.ntruth({})", num(other)?),
            };
            let (a, b) = (num(&args[1])?, num(&args[2])?);
            format!("R.nif({cond},{a},{b})")
        }
        Bound::Binary(op, l, r) => {
            let (a, b) = (num(l)?, num(r)?);
            match op {
                BinaryOp::Add => format!("R.nadd({a},{b})"),
                BinaryOp::Sub => format!("R.nadd({a},-{b})"),
                BinaryOp::Mul => format!("({a}*{b})"),
                // A divisor read from a cell or written as a number is finite or NaN:
                // a zero one gives an infinity or NaN, which no later operator turns
                // finite (see `finite_or_nan`), so the plain division is exact. So is a
                // value the run hoists: its numeric loop runs only when every hoisted
                // value is a finite number (`loop_variant`).
                BinaryOp::Div if finite_or_nan(r) || is_hoisted(&b) => format!("({a}/{b})"),
                BinaryOp::Div => format!("R.ndiv({a},{b})"),
                BinaryOp::Pow => format!("R.npow({a},{b})"),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// Whether numeric code is a value the run hoists (`h0`, `h1`, ...).
fn is_hoisted(code: &str) -> bool {
    code.strip_prefix('h').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The rows of a window that `R.windowSum` adds in a direct loop: one column, rows
/// relative at both ends (it moves with the run, a fixed number of rows, up to 64:
/// longer columns are summed through the store's kept column sums, `R.nsum`).
fn window_rows(a: &Area) -> Option<i64> {
    match (a.r0, a.r1) {
        (Coord::Rel(r0), Coord::Rel(r1)) if a.c0 == a.c1 && r0 <= r1 && i64::from(r1) - i64::from(r0) < 64 => Some(i64::from(r1) - i64::from(r0) + 1),
        _ => None,
    }
}

/// A comparison's operand as a value for the numeric variant's text comparisons
/// (`numeric_expr`'s IF): a cell's value, a number or a text literal; None otherwise.
fn scalar_operand(b: &Bound) -> Option<String> {
    match b {
        Bound::Cell { sheet, row, col } => Some(format!("B[{sheet}].get({},{})", coord(*row, "r"), coord(*col, "c"))),
        Bound::Number(n) => Some(format!("({})", js::number(*n))),
        Bound::Text(t) => Some(js::string(t)),
        _ => None,
    }
}

/// Whether `numeric_expr` along `axis` would hoist something inside `b` (see its IF).
fn hoists_inside(b: &Bound, axis: Axis, functions: &FunctionTable) -> bool {
    if hoistable(b, Want::Value, axis, functions) {
        return true;
    }
    match b {
        Bound::Call { args: items, .. } | Bound::Array { items, .. } | Bound::Areas(items) => items.iter().any(|i| hoists_inside(i, axis, functions)),
        Bound::Unary(_, x) | Bound::CellValue(x) => hoists_inside(x, axis, functions),
        Bound::Binary(_, l, r) => hoists_inside(l, axis, functions) || hoists_inside(r, axis, functions),
        _ => false,
    }
}

/// Whether an operand's numeric code is a finite number or NaN, never an infinity: a
/// number written in the formula or a cell's number (a cell never holds an infinity;
/// `n` and `cellNumber` give NaN for what is not a number). The operators of the numeric
/// variant keep every non-finite operand non-finite, except that a division by an
/// infinity gives 0: `R.ndiv` refuses an infinite divisor (as `R.npow` refuses an
/// infinite operand, and MIN, MAX and AVERAGE count no infinity: `R.nfin`). A divisor
/// that is finite or NaN needs no such check,
/// and a zero one is no exception either: x/0 is an infinity or NaN, which stays
/// non-finite to the end and sends the cell to the general code (#DIV/0!). The checks
/// cost about a third of a growth recurrence's loop (two divisions a cell).
fn finite_or_nan(b: &Bound) -> bool {
    match b {
        Bound::Number(n) => n.is_finite(),
        Bound::Cell { .. } => true,
        Bound::CellValue(inner) | Bound::Unary(UnaryOp::Plus, inner) => finite_or_nan(inner),
        _ => false,
    }
}

/// A part of an exact lookup read as a value (`Gen::exact_lookup`): the key, generated
/// as a value, or an argument as the function takes it (name, position).
enum LookupPart<'b> {
    Key(&'b Bound),
    Arg(&'static str, usize, &'b Bound),
}

/// The coordinate that varies along a run of cells evaluated by one loop.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Axis {
    /// A run along a row: `c` varies, `r` is fixed.
    Col,
    /// A run down a column: `r` varies, `c` is fixed.
    Row,
}

impl Axis {
    fn other(self) -> Axis {
        match self {
            Axis::Col => Axis::Row,
            Axis::Row => Axis::Col,
        }
    }

    /// The generated code's variable for the coordinate varying along the run.
    fn var(self) -> &'static str {
        match self {
            Axis::Col => "c",
            Axis::Row => "r",
        }
    }
}

/// A part of a shape's numeric variant that varies along its runs but not from one run
/// to the next: a function of the varying coordinate alone, such as a compounding factor
/// `(1+Inputs!$B$4)^(Timeline!G$3/12)` in a run along a row. The loop reads it from
/// `q0[c]`, values kept for the whole engine run by `R.lineValues` (lines.ts): once per
/// column (row) instead of once per cell. Only parts with a power or a division are kept:
/// those are the costly operators of the numeric variant (a division takes as long as a
/// dozen additions and cannot start before its operands are ready: a growth line's
/// `(1+$F5/12)` down each month's column), while the rest is a load or two, no dearer
/// than reading the kept value.
struct LineValue {
    /// Its numeric code, in terms of the varying coordinate (and hoisted values).
    code: String,
    /// The references it reads (the run's guard).
    refs: Vec<RefExtent>,
}

/// A cell that a run's direct loop reads from its store's typed arrays (see `numeric_expr`).
struct RawRead {
    sheet: u32,
    row: Coord,
    col: Coord,
}

/// A part of a run's numeric variant that reads cells at the same addresses in every
/// cell of the run (see `numeric_expr`): computed once per run, before the loop, instead
/// of once per cell.
struct InvariantPart {
    /// Its numeric code, with the run's fixed coordinate.
    code: String,
    /// The cells it reads (the run's guard).
    refs: Vec<RefExtent>,
}

fn contains_costly_op(b: &Bound) -> bool {
    match b {
        Bound::Binary(BinaryOp::Pow | BinaryOp::Div, _, _) | Bound::Unary(UnaryOp::Percent, _) => true,
        Bound::Binary(_, l, r) => contains_costly_op(l) || contains_costly_op(r),
        Bound::Unary(_, x) | Bound::CellValue(x) => contains_costly_op(x),
        _ => false,
    }
}

/// Loop-invariant code motion for runs of one shape. A subexpression that does not
/// depend on the varying coordinate (`SUMIFS(Inputs!B1:B20, Inputs!A1:A20, $C5)` along
/// row 5, a reference object with absolute coordinates) is evaluated once per run
/// instead of once per cell, when that is exact:
///
/// - it is pure and does not read the evaluation context (`ctx_free`): only literals,
///   references, arithmetic on non-range values, and a list of functions known to read
///   no context given their range parameters (no implicit intersection, no ROW(), no
///   volatile or reference-building function);
/// - the run does not write any cell it reads: checked at run time against the run's
///   extent (`guard`); when it might, the per-cell loop evaluates the run;
/// - it sits outside IF/IFERROR branches (evaluated lazily per cell).
///
/// Every shape gets a run function, `NAME.L = function(x,B,s,r,c,n,d)`, which the emitter
/// calls for runs of three cells or more (a short call per run rather than a loop
/// written out per run). When something is worth hoisting along a row (down a column),
/// `NAME.c = function(x,B,s,r,c0,c1)` (`NAME.r = function(x,B,s,c,r0,r1)`) computes it
/// once and calls `NAME$c(x,B,r,c,h0,..)` (`NAME$r`), the shape with the hoisted values
/// as parameters; it returns false when it cannot take the run, and the run function
/// loops over the cells itself.
///
/// Inside the variant, a shape with a numeric form (`numeric_expr`) loops three ways, the
/// first that applies: the direct loop (`direct_setup`: the cells it writes and the cells
/// it reads along the run inside their stores' dense arrays, nothing pinned where it
/// writes), the numeric loop through the stores (`B[s].n`, `setNumber`), and the general
/// code per cell; within the first two, a cell whose numeric value is not finite takes
/// the general code. A shape whose numeric form reads cells along the run gets a variant
/// for the direct loop alone.
fn loop_variant(name: &str, bound: &Bound, axis: Axis, main_branches: &[String], functions: &FunctionTable, keep_lines: bool) -> Option<String> {
    let mut g = Gen::new(name, 0, functions);
    g.hoist = Some(Hoist { axis, exprs: Vec::new(), refs: Vec::new() });
    let body = g.result(bound);
    let h = g.hoist.take()?;
    let mut next = 0;
    let mut lines = keep_lines.then(Vec::new);
    let mut invariant = Some(Vec::new());
    let numeric = numeric_expr(bound, Some(axis), functions, &mut next, &mut lines, &mut invariant, &mut None).filter(|_| next == h.exprs.len());
    let lines = if numeric.is_some() { lines.unwrap_or_default() } else { Vec::new() };
    let invariant = if numeric.is_some() { invariant.unwrap_or_default() } else { Vec::new() };
    // The same traversal again, reading the cells that vary along the run from the typed
    // arrays: the same `h`, `k` and `q` numbers (what it collects again is dropped).
    let mut reads = Some(Vec::new());
    let direct_code = match numeric {
        Some(_) => numeric_expr(bound, Some(axis), functions, &mut 0, &mut keep_lines.then(Vec::new), &mut Some(Vec::new()), &mut reads),
        None => None,
    };
    let reads = reads.unwrap_or_default();
    // Nothing to hoist or keep (the plain loop does as well); the whole formula hoisted
    // (a run of copies of one constant formula: rare, not worth the code); or the branch
    // functions the variant would call are not the main function's (same traversal,
    // same names: checked rather than assumed).
    if (h.exprs.is_empty() && lines.is_empty() && invariant.is_empty() && reads.is_empty()) || body == "h0" || g.hoisted != main_branches {
        return None;
    }
    let (suffix, fixed, var, lo, hi) = match axis {
        Axis::Col => ("c", "r", "c", "c0", "c1"),
        Axis::Row => ("r", "c", "r", "r0", "r1"),
    };
    let params: Vec<String> = (0..h.exprs.len()).map(|i| format!("h{i}")).collect();
    // Without hoisted values the variant is the shape itself.
    let (mut out, general) = if params.is_empty() {
        (String::new(), format!("x.row=r;x.col=c;B[s].set(r,c,R.fin({name}(x,B,r,c),x));"))
    } else {
        let variant = format!("{name}${suffix}");
        let source = g.function_source_with(&variant, &format!("x,B,r,c,{}", params.join(",")), &body);
        (source, format!("x.row=r;x.col=c;B[s].set(r,c,R.fin({variant}(x,B,r,c,{}),x));", params.join(",")))
    };
    let mut consts: Vec<String> = h.exprs.iter().enumerate().map(|(i, e)| format!("h{i}={e}")).collect();
    consts.extend(invariant.iter().enumerate().map(|(i, k)| format!("k{i}={}", k.code)));
    // Kept line values, filled through the numeric code of their part (after the
    // hoisted values it may use).
    for (i, l) in lines.iter().enumerate() {
        consts.push(format!("q{i}=R.lineValues(x,{name}.{suffix}q{i},{lo},{hi},({var})=>{})", l.code));
    }
    // Hoisted values are computed with the context of the run's first cell.
    let first = match axis {
        Axis::Col => "const c=c0;",
        Axis::Row => "const r=r0;",
    };
    let cells = match numeric {
        // The numeric variant when every hoisted value is a number (see `numeric_expr`).
        Some(code) => {
            let numeric_loop = format!("for(let {var}={lo};{var}<={hi};{var}++){{const v={code};if(v-v===0)B[s].setNumber(r,c,v);else{{{general}}}}}");
            // Finite numbers: a division by one needs no check (`numeric_expr`).
            let numbers: Vec<String> = params.iter().map(|p| format!("Number.isFinite({p})")).collect();
            let fallback = if numbers.is_empty() {
                numeric_loop
            } else {
                format!("if({}){numeric_loop}else for(let {var}={lo};{var}<={hi};{var}++){{{general}}}", numbers.join("&&"))
            };
            match direct_code {
                Some(raw) => {
                    let (checks, arrays) = direct_setup(&reads, axis);
                    let condition: Vec<String> = numbers.into_iter().chain([checks]).collect();
                    format!(
                        "if({}){{{arrays}for(let {var}={lo};{var}<={hi};{var}++){{const i=r*WS+c,v={raw};if(v-v===0){{if(S.columnWrites===null){{NS[i]=v;TS[i]=1;}}else S.putNumber(i,c,v);}}else{{{general}}}}}}}else {fallback}",
                        condition.join("&&")
                    )
                }
                None => fallback,
            }
        }
        None => format!("for(let {var}={lo};{var}<={hi};{var}++){{{general}}}"),
    };
    let consts = if consts.is_empty() { String::new() } else { format!("const {};", consts.join(",")) };
    let run = format!("{{{first}x.row=r;x.col=c;{consts}{cells}}}return true;");
    // When the run may write what a hoisted part or a kept line value reads, it returns
    // false and the run function's per-cell loop runs instead.
    let mut refs = h.refs;
    refs.extend(invariant.iter().flat_map(|k| k.refs.iter().copied()));
    let clauses: Vec<String> = guard(&refs, axis).into_iter().chain(line_guard(&lines, axis)).collect();
    let body = if clauses.is_empty() { run } else { format!("if({})return false;{run}", clauses.join("||")) };
    out.push_str(&format!("{name}.{suffix}=function(x,B,s,{fixed},{lo},{hi}){{{body}}};\n"));
    for i in 0..lines.len() {
        out.push_str(&format!("{name}.{suffix}q{i}=R.lineSlot();\n"));
    }
    Some(out)
}

/// For a run's direct loop: the condition under which it may take the run (every cell it
/// writes and reads inside its store's dense arrays, no pinned cell where it writes: see
/// `Sheet.direct`), and the declarations of the arrays it uses: `S`/`TS`/`NS`/`WS` the
/// written store, its tags, numbers and row width; `T2`/`N2`/`W2` those of sheet 2.
/// The loop writes a number as `Sheet.putNumber` does (tag 1, `NUMBER`), inline while
/// the store counts no writes.
fn direct_setup(reads: &[RawRead], axis: Axis) -> (String, String) {
    let mut tests = vec![match axis {
        Axis::Col => "B[s].direct(r,c0,r,c1,true)".to_string(),
        Axis::Row => "B[s].direct(r0,c,r1,c,true)".to_string(),
    }];
    let mut arrays = "const S=B[s],TS=S.tags,NS=S.nums,WS=S.denseCols".to_string();
    let mut sheets: Vec<u32> = Vec::new();
    for read in reads {
        let test = match axis {
            Axis::Col => {
                format!("B[{}].direct({},{},{},{},false)", read.sheet, coord(read.row, "r"), coord(read.col, "c0"), coord(read.row, "r"), coord(read.col, "c1"))
            }
            Axis::Row => {
                format!("B[{}].direct({},{},{},{},false)", read.sheet, coord(read.row, "r0"), coord(read.col, "c"), coord(read.row, "r1"), coord(read.col, "c"))
            }
        };
        if !tests.contains(&test) {
            tests.push(test);
        }
        if !sheets.contains(&read.sheet) {
            sheets.push(read.sheet);
            let k = read.sheet;
            arrays.push_str(&format!(",T{k}=B[{k}].tags,N{k}=B[{k}].nums,W{k}=B[{k}].denseCols"));
        }
    }
    arrays.push(';');
    (tests.join("&&"), arrays)
}

/// The JS condition under which a run may write a cell that a hoisted expression reads:
/// the run covers sheet `s`, the fixed row `r` (or column `c`) and `lo..=hi` along the
/// varying axis. None when no hoisted expression reads a reference.
fn guard(refs: &[RefExtent], axis: Axis) -> Option<String> {
    let mut clauses = Vec::new();
    for e in refs {
        let (fixed_lo, fixed_hi, var_lo, var_hi, fixed, lo, hi) = match axis {
            Axis::Col => (e.r0, e.r1, e.c0, e.c1, "r", "c0", "c1"),
            Axis::Row => (e.c0, e.c1, e.r0, e.r1, "c", "r0", "r1"),
        };
        let mut terms = vec![format!("s==={}", e.sheet)];
        // The fixed coordinate inside the reference's extent on that axis.
        match fixed_lo {
            Coord::Rel(d) if d > 0 => continue,
            Coord::Rel(_) => {}
            Coord::Abs(v) => terms.push(format!("{v}<={fixed}")),
        }
        match fixed_hi {
            Coord::Rel(d) if d < 0 => continue,
            Coord::Rel(_) => {}
            Coord::Abs(v) => terms.push(format!("{fixed}<={v}")),
        }
        // The run's extent meets the reference's (absolute along the run: the expression
        // does not vary along it).
        match (var_lo, var_hi) {
            (Coord::Abs(a), Coord::Abs(b)) => terms.push(format!("{a}<={hi}&&{lo}<={b}")),
            _ => return Some("true".to_string()),
        }
        clauses.push(format!("({})", terms.join("&&")));
    }
    if clauses.is_empty() {
        None
    } else {
        Some(clauses.join("||"))
    }
}

/// The JS condition under which a run may write a cell that a kept line value reads. A
/// line value does not vary across runs, so its references are absolute on the run's
/// fixed coordinate: the run at row `r` (column `c`) may write one when it is on that
/// sheet and the row (column) is inside the reference. None when there are no line values.
fn line_guard(lines: &[LineValue], axis: Axis) -> Option<String> {
    let mut clauses = Vec::new();
    for e in lines.iter().flat_map(|l| &l.refs) {
        let (lo, hi, fixed) = match axis {
            Axis::Col => (e.r0, e.r1, "r"),
            Axis::Row => (e.c0, e.c1, "c"),
        };
        match (lo, hi) {
            (Coord::Abs(a), Coord::Abs(b)) => clauses.push(format!("(s==={}&&{a}<={fixed}&&{fixed}<={b})", e.sheet)),
            _ => return Some("true".to_string()),
        }
    }
    if clauses.is_empty() {
        None
    } else {
        Some(clauses.join("||"))
    }
}

/// A reference read by a hoisted expression: sheet and extent.
#[derive(Clone, Copy)]
struct RefExtent {
    sheet: u32,
    r0: Coord,
    c0: Coord,
    r1: Coord,
    c1: Coord,
}

struct Hoist {
    axis: Axis,
    /// Code of the hoisted expressions: `h0`, `h1`, ...
    exprs: Vec<String>,
    /// References they read.
    refs: Vec<RefExtent>,
}

/// What an expression's value may be, for the consumers that look at it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A scalar or a single-cell reference: reading it never consults the context.
    Scalar,
    /// Possibly a multi-cell reference or an array: a scalar consumer would intersect it
    /// with the formula cell's row/column (or lift over it).
    Range,
}

/// The kind of `b`'s value when evaluating it reads no context and has no effect
/// (so it may be evaluated once for many cells); None otherwise. See `loop_variant`.
fn ctx_free(b: &Bound, functions: &FunctionTable) -> Option<Kind> {
    match b {
        Bound::Number(_) | Bound::Text(_) | Bound::Bool(_) | Bound::Error(_) | Bound::Missing | Bound::Cell { .. } => Some(Kind::Scalar),
        Bound::Area(_) | Bound::Areas(_) => Some(Kind::Range),
        Bound::Array { items, .. } => {
            for i in items {
                ctx_free(i, functions)?;
            }
            Some(Kind::Range)
        }
        Bound::CellValue(inner) => ctx_free(inner, functions).map(|_| Kind::Scalar),
        Bound::Unary(UnaryOp::Plus, inner) => ctx_free(inner, functions),
        Bound::Unary(UnaryOp::Neg | UnaryOp::Percent, inner) => match ctx_free(inner, functions)? {
            Kind::Scalar => Some(Kind::Scalar),
            Kind::Range => None,
        },
        Bound::Binary(op, l, r) => match op {
            BinaryOp::Range | BinaryOp::Union | BinaryOp::Intersect => None,
            _ => match (ctx_free(l, functions)?, ctx_free(r, functions)?) {
                (Kind::Scalar, Kind::Scalar) => Some(Kind::Scalar),
                _ => None,
            },
        },
        Bound::Call { name, args } => {
            // Only a function the registry calls pure, and only with ranges where it
            // consumes them whole (elsewhere a range is intersected with the calling cell).
            functions.whole_range_param(name, 0)?;
            for (i, a) in args.iter().enumerate() {
                if ctx_free(a, functions)? == Kind::Range && !functions.whole_range_param(name, i)? {
                    return None;
                }
            }
            let returns_ref = functions.facts(name).is_some_and(|f| f.returns_ref);
            Some(if returns_ref { Kind::Range } else { Kind::Scalar })
        }
        _ => None,
    }
}

/// Estimated work per cell that `loop_variant` saves in a run of `bound` down a column
/// (`down_column`) or along a row: the cost of the subexpressions it would hoist. The
/// schedule weighs the two to choose which way a sheet's runs go (`stages::schedule`).
/// A rough measure: a call costs a few units plus the cells of the ranges it is given
/// (a lookup or a conditional sum scans them), a reference object one allocation.
pub fn hoist_gain(bound: &Bound, down_column: bool, functions: &FunctionTable) -> u64 {
    let axis = if down_column { Axis::Row } else { Axis::Col };
    gain(bound, Want::Value, axis, functions)
}

/// `hoist_gain`, following `Gen::expr`: the outermost hoistable subexpressions count,
/// and nothing inside a lazily evaluated branch (IF's, IFERROR's alternative).
fn gain(b: &Bound, want: Want, axis: Axis, functions: &FunctionTable) -> u64 {
    if hoistable(b, want, axis, functions) {
        return hoisted_cost(b);
    }
    match b {
        Bound::Call { name, args } => {
            let eager = match (name.as_str(), args.len()) {
                ("IF", 1..=3) | ("IFERROR", 2) | ("IFNA", 2) => &args[..1],
                _ => &args[..],
            };
            eager.iter().map(|a| gain(a, Want::Ref, axis, functions)).sum()
        }
        Bound::Unary(_, x) | Bound::CellValue(x) => gain(x, Want::Value, axis, functions),
        Bound::Binary(_, l, r) => gain(l, Want::Value, axis, functions) + gain(r, Want::Value, axis, functions),
        Bound::Array { items, .. } | Bound::Areas(items) => items.iter().map(|i| gain(i, Want::Ref, axis, functions)).sum(),
        _ => 0,
    }
}

/// See `hoist_gain`.
fn hoisted_cost(b: &Bound) -> u64 {
    match b {
        Bound::Call { args, .. } => {
            4 + args
                .iter()
                .map(|a| match a {
                    Bound::Area(area) => area_cells(area).unwrap_or(16),
                    other => hoisted_cost(other),
                })
                .sum::<u64>()
        }
        Bound::Area(_) | Bound::Areas(_) => 2,
        Bound::Cell { .. } => 1,
        Bound::Unary(_, x) | Bound::CellValue(x) => 1 + hoisted_cost(x),
        Bound::Binary(_, l, r) => 1 + hoisted_cost(l) + hoisted_cost(r),
        Bound::Array { items, .. } => items.len() as u64,
        _ => 0,
    }
}

/// The cells of an area with absolute bounds (capped: a whole column is not a million
/// cells of work, the runtime stops at the used range).
fn area_cells(a: &Area) -> Option<u64> {
    match (a.r0, a.r1, a.c0, a.c1) {
        (Coord::Abs(r0), Coord::Abs(r1), Coord::Abs(c0), Coord::Abs(c1)) => Some(((r1.abs_diff(r0) as u64 + 1) * (c1.abs_diff(c0) as u64 + 1)).min(10_000)),
        _ => None,
    }
}

/// Whether `b` depends on the coordinate varying along `axis`.
fn varies(b: &Bound, axis: Axis) -> bool {
    let rel = |c: &Coord| matches!(c, Coord::Rel(_));
    match b {
        Bound::Cell { row, col, .. } => match axis {
            Axis::Col => rel(col),
            Axis::Row => rel(row),
        },
        Bound::Area(a) => match axis {
            Axis::Col => rel(&a.c0) || rel(&a.c1),
            Axis::Row => rel(&a.r0) || rel(&a.r1),
        },
        Bound::Array { items, .. } | Bound::Areas(items) | Bound::Call { args: items, .. } => items.iter().any(|i| varies(i, axis)),
        Bound::Unary(_, x) | Bound::CellValue(x) => varies(x, axis),
        Bound::Binary(_, l, r) => varies(l, axis) || varies(r, axis),
        Bound::Number(_) | Bound::Text(_) | Bound::Bool(_) | Bound::Error(_) | Bound::Missing => false,
        // Not hoisted anyway (see ctx_free).
        _ => true,
    }
}

/// Whether a run along `axis` computes `b` once instead of per cell: worth it, the same in
/// every cell of the run, and free of the evaluation context (see `loop_variant`). `Gen`,
/// the numeric code and the schedule's gain all decide by this one rule, so that they
/// number and count the same hoisted values.
fn hoistable(b: &Bound, want: Want, axis: Axis, functions: &FunctionTable) -> bool {
    worth_hoisting(b, want) && !varies(b, axis) && ctx_free(b, functions).is_some()
}

/// Worth evaluating once per run: a call, a reference or array object, or an operator
/// over one (arithmetic on cell values alone is as cheap as passing its result).
fn worth_hoisting(b: &Bound, want: Want) -> bool {
    match b {
        Bound::Call { .. } | Bound::Area(_) | Bound::Areas(_) | Bound::Array { .. } => true,
        Bound::Cell { .. } => want == Want::Ref,
        Bound::Unary(_, x) => worth_hoisting(x, Want::Value),
        Bound::Binary(_, l, r) => worth_hoisting(l, Want::Value) || worth_hoisting(r, Want::Value),
        _ => false,
    }
}

/// The references `b` reads.
fn collect_refs(b: &Bound, out: &mut Vec<RefExtent>) {
    match b {
        Bound::Cell { sheet, row, col } => out.push(RefExtent { sheet: *sheet, r0: *row, c0: *col, r1: *row, c1: *col }),
        Bound::Area(a) => out.push(RefExtent { sheet: a.sheet, r0: a.r0, c0: a.c0, r1: a.r1, c1: a.c1 }),
        Bound::Array { items, .. } | Bound::Areas(items) | Bound::Call { args: items, .. } => items.iter().for_each(|i| collect_refs(i, out)),
        Bound::Unary(_, x) | Bound::CellValue(x) => collect_refs(x, out),
        Bound::Binary(_, l, r) => {
            collect_refs(l, out);
            collect_refs(r, out);
        }
        _ => {}
    }
}

/// Whether `b` reads a LET/LAMBDA variable bound outside it (then it cannot be moved to
/// a function of its own).
fn reads_outer_locals(b: &Bound, bound_inside: &mut Vec<u32>) -> bool {
    match b {
        Bound::Local(slot) => !bound_inside.contains(slot),
        Bound::Let { bindings, body } => {
            let depth = bound_inside.len();
            let mut hit = false;
            for (slot, value) in bindings {
                hit |= reads_outer_locals(value, bound_inside);
                bound_inside.push(*slot);
            }
            hit |= reads_outer_locals(body, bound_inside);
            bound_inside.truncate(depth);
            hit
        }
        Bound::Lambda { params, body } => {
            let depth = bound_inside.len();
            bound_inside.extend(params.iter().copied());
            let hit = reads_outer_locals(body, bound_inside);
            bound_inside.truncate(depth);
            hit
        }
        Bound::Array { items, .. } | Bound::Areas(items) | Bound::Call { args: items, .. } => items.iter().any(|i| reads_outer_locals(i, bound_inside)),
        Bound::Unary(_, x) | Bound::Spill(x) | Bound::CellValue(x) => reads_outer_locals(x, bound_inside),
        Bound::Binary(_, l, r) => reads_outer_locals(l, bound_inside) || reads_outer_locals(r, bound_inside),
        Bound::Invoke { callee, args } => reads_outer_locals(callee, bound_inside) || args.iter().any(|a| reads_outer_locals(a, bound_inside)),
        _ => false,
    }
}

/// A reference that `@` intersects along one line: an absolute area one column wide
/// (`Some((sheet, true, first row, last row, column))`) or one row high (`false`, first
/// and last column, row), more than one cell long.
fn intersected_line(b: &Bound) -> Option<(u32, bool, u32, u32, u32)> {
    let Bound::Area(a) = b else { return None };
    let (Coord::Abs(r0), Coord::Abs(c0), Coord::Abs(r1), Coord::Abs(c1)) = (a.r0, a.c0, a.r1, a.c1) else { return None };
    let (r0, r1, c0, c1) = (r0.min(r1), r0.max(r1), c0.min(c1), c0.max(c1));
    if c0 == c1 && r0 < r1 {
        Some((a.sheet, true, r0, r1, c0))
    } else if r0 == r1 && c0 < c1 {
        Some((a.sheet, false, c0, c1, r0))
    } else {
        None
    }
}

/// Whether evaluating `b` may depend on the array mode (`x.array`): an operator or a
/// call may lift over a multi-cell reference or intersect it; a literal, a reference or
/// an array constant is the same value in either mode (no scope is written for them).
fn reads_array_mode(b: &Bound) -> bool {
    match b {
        Bound::Number(_)
        | Bound::Text(_)
        | Bound::Bool(_)
        | Bound::Error(_)
        | Bound::Missing
        | Bound::Cell { .. }
        | Bound::Area(_)
        | Bound::CellValue(_)
        | Bound::Local(_) => false,
        Bound::Areas(items) | Bound::Array { items, .. } => items.iter().any(reads_array_mode),
        _ => true,
    }
}

/// Small expressions that may be written twice without growing the code.
fn is_simple(b: &Bound) -> bool {
    matches!(b, Bound::Number(_) | Bound::Text(_) | Bound::Bool(_) | Bound::Error(_) | Bound::Missing | Bound::Cell { .. } | Bound::Local(_))
        || matches!(b, Bound::CellValue(_) | Bound::Area(_))
}

pub fn error_literal(k: ErrorKind) -> &'static str {
    match k {
        ErrorKind::Null => "R.ERR.NULL",
        ErrorKind::Div0 => "R.ERR.DIV0",
        ErrorKind::Value => "R.ERR.VALUE",
        ErrorKind::Ref => "R.ERR.REF",
        ErrorKind::Name => "R.ERR.NAME",
        ErrorKind::Num => "R.ERR.NUM",
        ErrorKind::NA => "R.ERR.NA",
        ErrorKind::GettingData => "R.ERR.DATA",
        ErrorKind::Spill => "R.ERR.SPILL",
        ErrorKind::Calc => "R.ERR.CALC",
    }
}

fn coord(c: Coord, var: &str) -> String {
    match c {
        Coord::Abs(v) => v.to_string(),
        Coord::Rel(0) => var.to_string(),
        Coord::Rel(d) if d > 0 => format!("{var}+{d}"),
        Coord::Rel(d) => format!("{var}-{}", -d),
    }
}

fn function_access(name: &str) -> String {
    if name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') && !name.is_empty() {
        format!("R.F.{name}")
    } else {
        format!("R.F[{}]", js::string(name))
    }
}

struct Gen<'f> {
    functions: &'f FunctionTable,
    temps: usize,
    locals: Vec<u32>,
    /// The shape function's name, prefix of its hoisted branch functions.
    prefix: String,
    next_fn: usize,
    /// Branch functions (module-level sources) referenced by the generated code.
    hoisted: Vec<String>,
    /// Set while generating a loop variant: subexpressions invariant along the run are
    /// collected here and replaced by `h0`, `h1`, ...
    hoist: Option<Hoist>,
}

impl<'f> Gen<'f> {
    fn new(prefix: &str, next_fn: usize, functions: &'f FunctionTable) -> Self {
        Gen { functions, temps: 0, locals: Vec::new(), prefix: prefix.to_string(), next_fn, hoisted: Vec::new(), hoist: None }
    }

    fn function_source(&self, name: &str, body: &str) -> String {
        self.function_source_with(name, "x,B,r,c", body)
    }

    fn function_source_with(&self, name: &str, params: &str, body: &str) -> String {
        let mut decls: Vec<String> = (0..self.temps).map(|i| format!("t{i}")).collect();
        decls.extend(self.locals.iter().map(|l| format!("l{l}")));
        let decl = if decls.is_empty() { String::new() } else { format!("let {};", decls.join(",")) };
        format!("function {name}({params}){{{decl}return {body};}}\n")
    }

    /// Code evaluating a branch that the generated expression names twice (IF's branches,
    /// IFERROR's alternative). Each branch is emitted once: small ones inline, others as
    /// a module-level function called by name, so nesting never multiplies the code.
    /// `None` when the branch reads an enclosing LET/LAMBDA variable (use a closure).
    fn branch(&mut self, b: &Bound) -> Option<String> {
        if is_simple(b) {
            return Some(self.expr(b, Want::Ref));
        }
        if reads_outer_locals(b, &mut Vec::new()) {
            return None;
        }
        let name = format!("{}_{}", self.prefix, self.next_fn);
        let mut child = Gen::new(&self.prefix, self.next_fn + 1, self.functions);
        let body = child.expr(b, Want::Ref);
        self.next_fn = child.next_fn;
        let src = child.function_source(&name, &body);
        self.hoisted.append(&mut child.hoisted);
        self.hoisted.push(src);
        Some(format!("{name}(x,B,r,c)"))
    }

    fn temp(&mut self) -> String {
        self.temps += 1;
        format!("t{}", self.temps - 1)
    }

    fn area(&self, a: &Area) -> String {
        format!("new R.Ref(B[{}],{},{},{},{})", a.sheet, coord(a.r0, "r"), coord(a.c0, "c"), coord(a.r1, "r"), coord(a.c1, "c"))
    }

    /// Whether `b` is hoisted out of the run being generated (see `loop_variant`).
    fn hoists(&self, b: &Bound, want: Want) -> bool {
        self.hoist.as_ref().is_some_and(|h| hoistable(b, want, h.axis, self.functions))
    }

    /// A formula's result, which the run stores as a value (`R.fin`): an exact lookup
    /// through INDEX and MATCH or XLOOKUP is read as one (see `exact_lookup`).
    fn result(&mut self, b: &Bound) -> String {
        match self.exact_lookup(b) {
            Some(code) => code,
            None => self.expr(b, Want::Value),
        }
    }

    /// An exact lookup over two ranges read as a value (an operator's operand, a
    /// formula's result): `INDEX(values, MATCH(key, keys, 0))` becomes `R.indexMatch` and
    /// `XLOOKUP(key, keys, values[, if_not_found])` `R.xlookupValue`, the selected cell's
    /// value from the keys' exact-match index with no MATCH result, reference object or
    /// generic call in between; anything else (a key that is not a number or text, a
    /// range of more than one row and column) as the functions give it. A lookup per
    /// row of a table is this shape. Elsewhere (`ROW(INDEX(...))`, a range operator's
    /// end) the reference the functions return is kept.
    fn exact_lookup(&mut self, b: &Bound) -> Option<String> {
        let Bound::Call { name, args } = b else { return None };
        let (function, parts) = match name.as_str() {
            "INDEX" if args.len() == 2 && matches!(args[0], Bound::Area(_)) => match &args[1] {
                Bound::Call { name: inner, args: lookup }
                    if inner == "MATCH" && lookup.len() == 3 && matches!(lookup[1], Bound::Area(_)) && matches!(lookup[2], Bound::Number(n) if n == 0.0) =>
                {
                    ("R.indexMatch", vec![LookupPart::Arg("INDEX", 0, &args[0]), LookupPart::Key(&lookup[0]), LookupPart::Arg("MATCH", 1, &lookup[1])])
                }
                _ => return None,
            },
            "XLOOKUP" if (3..=4).contains(&args.len()) && matches!(args[1], Bound::Area(_)) && matches!(args[2], Bound::Area(_)) => {
                let mut parts = vec![LookupPart::Key(&args[0]), LookupPart::Arg("XLOOKUP", 1, &args[1]), LookupPart::Arg("XLOOKUP", 2, &args[2])];
                if let Some(alt) = args.get(3) {
                    parts.push(LookupPart::Arg("XLOOKUP", 3, alt));
                }
                ("R.xlookupValue", parts)
            }
            _ => return None,
        };
        let hoisted = self.hoists(b, Want::Value);
        let saved = if hoisted { self.hoist.take() } else { None };
        let code: Vec<String> = parts
            .into_iter()
            .map(|part| match part {
                // The key as a value: a cell is read, no reference object made.
                LookupPart::Key(key) => self.expr(key, Want::Value),
                LookupPart::Arg(of, i, a) => self.arg(of, i, a),
            })
            .collect();
        let code = format!("{function}(x,{})", code.join(","));
        if hoisted {
            self.hoist = saved;
            return Some(self.hoisted_value(b, code));
        }
        Some(code)
    }

    /// An operand that its operator reads as a value at once. INDEX selecting one cell
    /// becomes `R.indexValue`: the cell's value rather than a reference object per call.
    /// Hoisted or not, it is the value: a hoisted INDEX is computed once per run as
    /// `R.indexValue` too, so each cell's operator gets a number, not a reference to
    /// read (the run's guard covers the range INDEX reads, hence the cell it selects).
    fn operand(&mut self, b: &Bound) -> String {
        if let Some(code) = self.exact_lookup(b) {
            return code;
        }
        if let Bound::Call { name, args } = b {
            if name == "INDEX" && (2..=3).contains(&args.len()) {
                let hoisted = self.hoists(b, Want::Value);
                let saved = if hoisted { self.hoist.take() } else { None };
                let args: Vec<String> = args.iter().enumerate().map(|(i, a)| self.arg(name, i, a)).collect();
                let code = format!("R.indexValue(x,{})", args.join(","));
                if hoisted {
                    self.hoist = saved;
                    return self.hoisted_value(b, code);
                }
                return code;
            }
        }
        self.expr(b, Want::Value)
    }

    /// Records `code` (the code of `b`) as a value computed once per run: `hN`.
    fn hoisted_value(&mut self, b: &Bound, code: String) -> String {
        match self.hoist.as_mut() {
            Some(h) => {
                collect_refs(b, &mut h.refs);
                h.exprs.push(code);
                format!("h{}", h.exprs.len() - 1)
            }
            None => code,
        }
    }

    fn expr(&mut self, b: &Bound, want: Want) -> String {
        if self.hoists(b, want) {
            let saved = self.hoist.take();
            let code = self.expr(b, want);
            self.hoist = saved;
            return self.hoisted_value(b, code);
        }
        match b {
            Bound::Number(n) => {
                let s = js::number(*n);
                if s.starts_with('-') {
                    format!("({s})")
                } else {
                    s
                }
            }
            Bound::Text(s) => js::string(s),
            Bound::Bool(v) => v.to_string(),
            Bound::Error(k) => error_literal(*k).to_string(),
            Bound::Missing => "null".to_string(),
            Bound::Array { rows, cols, items } => {
                let items: Vec<String> = items.iter().map(|i| self.expr(i, Want::Value)).collect();
                format!("new R.Matrix({rows},{cols},[{}])", items.join(","))
            }
            Bound::Cell { sheet, row, col } => {
                let (r, c) = (coord(*row, "r"), coord(*col, "c"));
                match want {
                    Want::Value => format!("B[{sheet}].get({r},{c})"),
                    Want::Ref => format!("new R.Ref(B[{sheet}],{r},{c},{r},{c})"),
                }
            }
            Bound::Area(a) => self.area(a),
            Bound::Areas(items) => {
                let items: Vec<String> = items.iter().map(|i| self.expr(i, Want::Ref)).collect();
                format!("new R.RefList([{}])", items.join(","))
            }
            Bound::Unary(op, inner) => {
                if let (UnaryOp::ImplicitIntersection, Some((sheet, along_rows, lo, hi, fixed))) = (op, intersected_line(inner)) {
                    // `@` over one absolute column (row): the cell in the formula's row
                    // (column) or #VALUE! outside it — what R.implicit computes, without a
                    // reference object per cell (`Table[@Col]` binds to this). Where a
                    // reference is wanted (`ROW([@Qty])`), that cell's reference.
                    let (var, r, c) = if along_rows { ("r", "r".to_string(), fixed.to_string()) } else { ("c", fixed.to_string(), "c".to_string()) };
                    let cell = match want {
                        Want::Value => format!("B[{sheet}].get({r},{c})"),
                        Want::Ref => format!("new R.Ref(B[{sheet}],{r},{c},{r},{c})"),
                    };
                    return format!("({var}<{lo}||{var}>{hi}?R.ERR.VALUE:{cell})");
                }
                let v = match op {
                    UnaryOp::ImplicitIntersection => self.expr(inner, Want::Ref),
                    UnaryOp::Plus => self.expr(inner, Want::Value),
                    UnaryOp::Neg | UnaryOp::Percent => self.operand(inner),
                };
                let f = match op {
                    UnaryOp::Neg => "neg",
                    UnaryOp::Plus => "plus",
                    UnaryOp::Percent => "percent",
                    UnaryOp::ImplicitIntersection => "implicit",
                };
                format!("R.{f}({v},x)")
            }
            Bound::Binary(op, l, r) => self.binary(*op, l, r),
            Bound::Call { name, args } => self.call(name, args),
            Bound::Local(slot) => format!("l{slot}"),
            Bound::Let { bindings, body } => {
                let mut parts = Vec::new();
                for (slot, value) in bindings {
                    self.locals.push(*slot);
                    let v = self.expr(value, Want::Ref);
                    parts.push(format!("l{slot}={v}"));
                }
                parts.push(self.expr(body, want));
                format!("({})", parts.join(","))
            }
            Bound::Lambda { params, body } => {
                let ps: Vec<String> = params.iter().map(|p| format!("l{p}")).collect();
                let body = self.expr(body, Want::Ref);
                format!("new R.Lambda({},({})=>{})", params.len(), ps.join(","), body)
            }
            Bound::CellValue(inner) => self.expr(inner, Want::Value),
            Bound::Spill(inner) => {
                let r = self.expr(inner, Want::Ref);
                format!("R.anchorArray(x,{r})")
            }
            Bound::Invoke { callee, args } => {
                let callee = self.expr(callee, Want::Ref);
                let args: Vec<String> = args.iter().map(|a| self.expr(a, Want::Ref)).collect();
                format!("R.invoke(x,{callee},[{}])", args.join(","))
            }
        }
    }

    fn binary(&mut self, op: BinaryOp, l: &Bound, r: &Bound) -> String {
        let (f, want) = match op {
            BinaryOp::Add => ("add", Want::Value),
            BinaryOp::Sub => ("sub", Want::Value),
            BinaryOp::Mul => ("mul", Want::Value),
            BinaryOp::Div => ("div", Want::Value),
            BinaryOp::Pow => ("pow", Want::Value),
            BinaryOp::Concat => ("concat", Want::Value),
            BinaryOp::Eq => ("eq", Want::Value),
            BinaryOp::Ne => ("ne", Want::Value),
            BinaryOp::Lt => ("lt", Want::Value),
            BinaryOp::Le => ("le", Want::Value),
            BinaryOp::Gt => ("gt", Want::Value),
            BinaryOp::Ge => ("ge", Want::Value),
            BinaryOp::Range => ("range", Want::Ref),
            BinaryOp::Union => ("union", Want::Ref),
            BinaryOp::Intersect => ("intersection", Want::Ref),
        };
        let (a, b) = match want {
            Want::Value => (self.operand(l), self.operand(r)),
            Want::Ref => (self.expr(l, want), self.expr(r, want)),
        };
        if want == Want::Ref {
            format!("R.{f}({a},{b})")
        } else {
            format!("R.{f}({a},{b},x)")
        }
    }

    fn call(&mut self, name: &str, args: &[Bound]) -> String {
        match (name, args.len()) {
            ("IF", 1..=3) => {
                let cond = self.expr(&args[0], Want::Ref);
                let arg = |i: usize, absent: &str| match args.get(i) {
                    Some(Bound::Missing) => Bound::Number(0.0),
                    Some(a) => a.clone(),
                    None => Bound::Bool(absent == "true"),
                };
                let (yes_b, no_b) = (arg(1, "true"), arg(2, "false"));
                // Branches are evaluated per cell and lazily: nothing in them is hoisted.
                let saved = self.hoist.take();
                let code = match (self.branch(&yes_b), self.branch(&no_b)) {
                    (Some(yes), Some(no)) => {
                        let t = self.temp();
                        format!("(({t}=R.condition({cond},x))===true?{yes}:{t}===false?{no}:R.ifOther({t},x,()=>{yes},()=>{no}))")
                    }
                    _ => {
                        // Branches read LET/LAMBDA variables: one closure each.
                        let yes = self.expr(&yes_b, Want::Ref);
                        let no = self.expr(&no_b, Want::Ref);
                        format!("R.ifOther(R.condition({cond},x),x,()=>{yes},()=>{no})")
                    }
                };
                self.hoist = saved;
                return code;
            }
            ("IFERROR", 2) | ("IFNA", 2) => {
                let v = self.expr(&args[0], Want::Ref);
                let na = name == "IFNA";
                let t = self.temp();
                let test = if na { format!("{t}===R.ERR.NA") } else { format!("{t} instanceof R.ExcelError") };
                let saved = self.hoist.take();
                let code = match self.branch(&args[1]) {
                    Some(alt) => format!("(({t}=R.val({v},x)),{test}?{alt}:{t} instanceof R.Matrix?R.iferrorMatrix({t},()=>{alt},{na},x):{t})"),
                    None => {
                        let alt = self.expr(&args[1], Want::Ref);
                        format!("R.iferrorLazy(R.val({v},x),()=>{alt},{na},x)")
                    }
                };
                self.hoist = saved;
                return code;
            }
            _ => {}
        }
        let args: Vec<String> = args.iter().enumerate().map(|(i, a)| self.arg(name, i, a)).collect();
        if !self.functions.is_supported(name) && self.functions.is_user_function(name) {
            // A user-defined function the caller implements: the engine looks the
            // implementation up in the run's book (`R.udf`), never in the shared registry.
            let base = js::string(&crate::functions::user_function_base(name));
            return if args.is_empty() { format!("R.udf(x,{base})") } else { format!("R.udf(x,{base},{})", args.join(",")) };
        }
        if args.is_empty() {
            format!("{}(x)", function_access(name))
        } else {
            format!("{}(x,{})", function_access(name), args.join(","))
        }
    }

    /// Argument `i` of a call of `name`. Where Excel types the parameter as an array
    /// (SUMPRODUCT's, MMULT's, INDEX's first, LOOKUP's vectors: the registry's `arrays`
    /// facts), the argument is evaluated in array mode even in an ordinary formula, so
    /// `INDEX(A1:A5>0,0)` is five booleans rather than the one in the formula's row;
    /// every other argument keeps the formula's mode (implicit intersection in a legacy
    /// formula). Only the argument: the function itself and its other arguments run in
    /// the formula's mode (`MATCH(TRUE,A1:A5>0,0)` intersects, as in Excel without CSE).
    fn arg(&mut self, name: &str, i: usize, a: &Bound) -> String {
        let code = self.expr(a, Want::Ref);
        if self.functions.is_array_param(name, i) && reads_array_mode(a) {
            format!("R.arrayScope(x,x.array,(x.array=true,{code}))")
        } else {
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(sheet: u32, row: Coord, col: Coord) -> Bound {
        Bound::Cell { sheet, row, col }
    }
    fn area(sheet: u32, r0: u32, c0: u32, r1: u32, c1: u32) -> Bound {
        Bound::Area(Area { sheet, r0: Coord::Abs(r0), c0: Coord::Abs(c0), r1: Coord::Abs(r1), c1: Coord::Abs(c1) })
    }
    fn shape_function_for_test(name: &str, b: &Bound) -> ShapeCode {
        shape_function(name, b, &crate::functions::test_table(), false, Loops::SEVERAL)
    }

    fn call(name: &str, args: Vec<Bound>) -> Bound {
        Bound::Call { name: name.into(), args }
    }
    fn mul(l: Bound, r: Bound) -> Bound {
        Bound::Binary(BinaryOp::Mul, Box::new(l), Box::new(r))
    }
    /// The run function's source for one axis (`NAME.c=` or `NAME.r=`), and the variant's.
    fn run_fn<'a>(src: &'a str, prefix: &str) -> &'a str {
        src.lines().find(|l| l.starts_with(prefix)).unwrap_or("")
    }

    #[test]
    fn exact_lookups_read_as_values_are_fused_and_references_kept() {
        // INDEX(S1!B2:B201, MATCH($C r, S1!A2:A201, 0)), as a result, an operand and
        // inside ROW (a reference wanted there: kept as INDEX's).
        let key = Bound::CellValue(Box::new(cell(3, Coord::Rel(0), Coord::Abs(2))));
        let lookup = call("INDEX", vec![area(1, 1, 1, 200, 1), call("MATCH", vec![key.clone(), area(1, 1, 0, 200, 0), Bound::Number(0.0)])]);
        let src = shape_function_for_test("f0", &lookup).source;
        assert!(src.starts_with("function f0(x,B,r,c){return R.indexMatch(x,new R.Ref(B[1],1,1,200,1),B[3].get(r,2),new R.Ref(B[1],1,0,200,0));}"), "{src}");
        // Down a column both ranges are read once per run.
        assert!(src.contains("function f0$r(x,B,r,c,h0,h1){return R.indexMatch(x,h0,B[3].get(r,2),h1);}"), "{src}");
        let src = shape_function_for_test("f1", &mul(lookup.clone(), Bound::Number(2.0))).source;
        assert!(src.starts_with("function f1(x,B,r,c){return R.mul(R.indexMatch(x,"), "{src}");
        let src = shape_function_for_test("f2", &call("ROW", vec![lookup])).source;
        assert!(src.starts_with("function f2(x,B,r,c){return R.F.ROW(x,R.F.INDEX(x,"), "{src}");
        // XLOOKUP with an if-not-found value; with a match mode it stays XLOOKUP.
        let key = cell(3, Coord::Rel(0), Coord::Abs(0));
        let x = call("XLOOKUP", vec![key.clone(), area(2, 1, 0, 50, 0), area(2, 1, 2, 50, 2), Bound::Text("Unknown".into())]);
        let src = shape_function_for_test("f3", &x).source;
        assert!(
            src.starts_with("function f3(x,B,r,c){return R.xlookupValue(x,B[3].get(r,0),new R.Ref(B[2],1,0,50,0),new R.Ref(B[2],1,2,50,2),\"Unknown\");}"),
            "{src}"
        );
        let moded = call("XLOOKUP", vec![key, area(2, 1, 0, 50, 0), area(2, 1, 2, 50, 2), Bound::Text("Unknown".into()), Bound::Number(-1.0)]);
        let src = shape_function_for_test("f4", &moded).source;
        assert!(src.starts_with("function f4(x,B,r,c){return R.F.XLOOKUP(x,"), "{src}");
    }

    #[test]
    fn aggregates_of_cells_skip_what_the_functions_skip() {
        // AVERAGE(r-2, r+2) * $B$5 / 12 and MAX(0, MIN(r-3, (r-2) - (r-1))): an interest
        // line on the average balance and a capped repayment, as a circular block has them.
        let rel = |dr: i32| cell(4, Coord::Rel(dr), Coord::Rel(0));
        let avg = Bound::Binary(
            BinaryOp::Div,
            Box::new(mul(call("AVERAGE", vec![rel(-2), rel(2)]), cell(0, Coord::Abs(4), Coord::Abs(1)))),
            Box::new(Bound::Number(12.0)),
        );
        let src = shape_function("f13", &avg, &crate::functions::test_table(), false, Loops { along_rows: false, down_columns: false }).source;
        let single = run_fn(&src, "f13.L=");
        assert!(single.contains("const v=((R.navg(2,B[4].agg(r-2,c),B[4].agg(r+2,c))*B[0].n(4,1))/(12));"), "{src}");
        let capped = call("MAX", vec![Bound::Number(0.0), call("MIN", vec![rel(-3), Bound::Binary(BinaryOp::Sub, Box::new(rel(-2)), Box::new(rel(-1)))])]);
        let src = shape_function("f14", &capped, &crate::functions::test_table(), false, Loops { along_rows: false, down_columns: false }).source;
        let single = run_fn(&src, "f14.L=");
        // A computed argument is counted: an overflow there is NaN, never "skipped".
        assert!(
            single.contains("const v=R.nskipped0(R.nmax((0),R.nfin(R.nskipped0(R.nmin(B[4].agg(r-3,c),R.nfin(R.nadd(B[4].n(r-2,c),-B[4].n(r-1,c))))))));"),
            "{src}"
        );
    }

    #[test]
    fn if_on_numbers_and_text_tests_has_a_numeric_form_unless_a_branch_would_hoist() {
        // E r * (1 + IF(G r = "Internal", 0, S0!$B$3)): a text test, numeric branches.
        let g = cell(3, Coord::Rel(0), Coord::Rel(-1));
        let test = Bound::Binary(BinaryOp::Eq, Box::new(g.clone()), Box::new(Bound::Text("Internal".into())));
        let fee = call("IF", vec![test.clone(), Bound::Number(0.0), cell(0, Coord::Abs(2), Coord::Abs(1))]);
        let b = mul(cell(3, Coord::Rel(0), Coord::Rel(-3)), Bound::Binary(BinaryOp::Add, Box::new(Bound::Number(1.0)), Box::new(fee)));
        let src = shape_function("f2", &b, &crate::functions::test_table(), false, Loops { along_rows: false, down_columns: false }).source;
        assert!(
            run_fn(&src, "f2.L=").contains(r#"const v=(B[3].n(r,c-3)*R.nadd((1),R.nif(R.nbool(R.eq(B[3].get(r,c-1),"Internal",x)),(0),B[0].n(2,1))));"#),
            "{src}"
        );
        // A comparison of numbers, and a number as the condition.
        let flag = call("IF", vec![Bound::Binary(BinaryOp::Ge, Box::new(g.clone()), Box::new(Bound::Number(5.0))), Bound::Number(1.0), Bound::Number(0.0)]);
        let src = shape_function("f6", &flag, &crate::functions::test_table(), false, Loops { along_rows: false, down_columns: false }).source;
        assert!(run_fn(&src, "f6.L=").contains("const v=R.nif(R.nge(B[3].n(r,c-1),(5)),(1),(0));"), "{src}");
        let truth = call("IF", vec![g.clone(), Bound::Number(1.0), Bound::Number(0.0)]);
        let src = shape_function("f7", &truth, &crate::functions::test_table(), false, Loops { along_rows: false, down_columns: false }).source;
        assert!(run_fn(&src, "f7.L=").contains("const v=R.nif(R.ntruth(B[3].n(r,c-1)),(1),(0));"), "{src}");
        // A branch with a call that a run would hoist (invariant down the column): the
        // general code evaluates the branch lazily and hoists nothing from it, so a run's
        // variant has no numeric form; a cell alone has one.
        let lookup = call("SUM", vec![area(0, 1, 1, 9, 1)]);
        let lazy = call("IF", vec![test, lookup, Bound::Number(0.0)]);
        let src = shape_function_for_test("f8", &lazy).source;
        assert!(!run_fn(&src, "f8.r=").contains("R.nif("), "{src}");
        assert!(run_fn(&src, "f8.L=").contains("R.nif("), "{src}");
        // EOMONTH and EDATE of numbers.
        let eom = call("EOMONTH", vec![g.clone(), Bound::Number(0.0)]);
        let src = shape_function("f3", &eom, &crate::functions::test_table(), false, Loops { along_rows: false, down_columns: false }).source;
        assert!(run_fn(&src, "f3.L=").contains("const v=R.neomonth(x,B[3].n(r,c-1),(0));"), "{src}");
        // IF with a missing branch gives FALSE or a blank's 0: no numeric form.
        let missing = call("IF", vec![g, Bound::Number(1.0), Bound::Missing]);
        let src = shape_function("f9", &missing, &crate::functions::test_table(), false, Loops { along_rows: false, down_columns: false }).source;
        assert!(!src.contains("R.nif("), "{src}");
    }

    #[test]
    fn sumifs_per_row_is_hoisted_along_the_row_only() {
        // SUMIFS(S0!B38:B57, S0!A38:A57, $C r) * (row 2, column c)
        let b = mul(
            call("SUMIFS", vec![area(0, 37, 1, 56, 1), area(0, 37, 0, 56, 0), cell(3, Coord::Rel(0), Coord::Abs(2))]),
            Bound::CellValue(Box::new(cell(1, Coord::Abs(1), Coord::Rel(0)))),
        );
        let src = shape_function_for_test("f9", &b).source;
        let along_row = run_fn(&src, "f9.c=");
        assert!(along_row.contains("const h0=R.F.SUMIFS(x,new R.Ref(B[0],37,1,56,1),new R.Ref(B[0],37,0,56,0),new R.Ref(B[3],r,2,r,2))"), "{src}");
        assert!(src.contains("function f9$c(x,B,r,c,h0){return R.mul(h0,B[1].get(1,c),x);}"), "{src}");
        // Down a column the criterion varies: only the reference objects are hoisted.
        let down = run_fn(&src, "f9.r=");
        assert!(down.contains("const h0=new R.Ref(B[0],37,1,56,1),h1=new R.Ref(B[0],37,0,56,0);"), "{src}");
        assert!(!down.contains("h0=R.F.SUMIFS"), "{src}");
        // The guard: the run must not write what the hoisted SUMIFS reads.
        assert!(along_row.starts_with("f9.c=function(x,B,s,r,c0,c1){if((s===0&&37<=r&&r<=56&&1<=c1&&c0<=1)||"), "{src}");
        assert!(along_row.contains("return false;{const c=c0;"), "{src}");
        assert!(src.contains("f9.L=function(x,B,s,r,c,n,d){if(d?f9.r(x,B,s,c,r,r+n-1):f9.c(x,B,s,r,c,c+n-1))return;for(;n>0;n--)"), "{src}");
        assert!(along_row.contains("(s===3&&2<=c1&&c0<=2)"), "{src}");
    }

    #[test]
    fn context_readers_and_lazy_branches_are_not_hoisted() {
        // ROW() is not in the list of context-free functions.
        let src = shape_function_for_test("f1", &mul(call("ROW", vec![]), Bound::Number(2.0))).source;
        assert!(!src.contains("f1.c=") && !src.contains("f1.r="), "{src}");
        assert!(
            src.ends_with("f1.L=function(x,B,s,r,c,n,d){for(;n>0;n--){x.row=r;x.col=c;B[s].set(r,c,R.fin(f1(x,B,r,c),x));if(d)r++;else c++;}};\n"),
            "{src}"
        );
        // Arithmetic on a fixed cell is computed once per run (the numeric variant), and a
        // run that would write that cell takes the per-cell loop.
        let b = Bound::Binary(BinaryOp::Add, Box::new(Bound::Number(1.0)), Box::new(Bound::CellValue(Box::new(cell(0, Coord::Abs(3), Coord::Abs(1))))));
        let src = shape_function_for_test("f8", &mul(b, Bound::CellValue(Box::new(cell(0, Coord::Rel(0), Coord::Rel(-1)))))).source;
        let along_row = run_fn(&src, "f8.c=");
        assert!(along_row.starts_with("f8.c=function(x,B,s,r,c0,c1){if((s===0&&3<=r&&r<=3&&1<=c1&&c0<=1))return false;"), "{src}");
        assert!(along_row.contains("const k0=R.nadd((1),B[0].n(3,1));if("), "{src}");
        // The loop over the typed arrays when every cell it reads and writes is in them...
        assert!(along_row.contains("if(B[s].direct(r,c0,r,c1,true)&&B[0].direct(r,c0-1,r,c1-1,false)){const S=B[s],TS=S.tags,NS=S.nums,WS=S.denseCols,T0=B[0].tags,N0=B[0].nums,W0=B[0].denseCols;for(let c=c0;c<=c1;c++){const i=r*WS+c,v=(k0*R.cellNumber(T0,N0,(r)*W0+c-1));if(v-v===0){if(S.columnWrites===null){NS[i]=v;TS[i]=1;}else S.putNumber(i,c,v);}else{"), "{src}");
        // ... else through the stores.
        assert!(along_row.contains("else for(let c=c0;c<=c1;c++){const v=(k0*B[0].n(r,c-1));"), "{src}");
        // Only the numeric variant reads it hoisted: the general code still reads the cell.
        assert!(along_row.contains("B[s].set(r,c,R.fin(f8(x,B,r,c),x))"), "{src}");
        // A multi-cell reference in arithmetic is intersected per cell: the reference
        // object may be shared, the product may not.
        let b = mul(area(0, 0, 10, 2, 10), Bound::Number(2.0));
        let src = shape_function_for_test("f2", &b).source;
        assert!(src.contains("function f2$c(x,B,r,c,h0){return R.mul(h0,2,x);}"), "{src}");
        // IF: the condition may be hoisted, the branches are evaluated lazily per cell.
        let sum = call("SUM", vec![area(0, 0, 0, 9, 0)]);
        let b = call("IF", vec![Bound::Binary(BinaryOp::Gt, Box::new(sum.clone()), Box::new(Bound::Number(1.0))), sum, Bound::Number(0.0)]);
        let src = shape_function_for_test("f3", &b).source;
        let along_row = run_fn(&src, "f3.c=");
        assert!(along_row.contains("const h0=R.gt(R.F.SUM(x,new R.Ref(B[0],0,0,9,0)),1,x);"), "{src}");
        assert!(src.contains("function f3$c(x,B,r,c,h0){let t0;return ((t0=R.condition(h0,x))===true?f3_0(x,B,r,c)"), "{src}");
    }

    #[test]
    fn index_read_by_an_operator_is_read_as_a_value() {
        let index = call("INDEX", vec![area(0, 0, 0, 4, 0), Bound::Number(2.0)]);
        let src = shape_function_for_test("f4", &mul(index.clone(), Bound::Number(2.0))).source;
        assert!(src.starts_with("function f4(x,B,r,c){return R.mul(R.indexValue(x,new R.Ref(B[0],0,0,4,0),2),2,x);}"), "{src}");
        // Negation reads a value too; unary plus and the formula's own result keep the
        // reference (functions such as ROW may receive it).
        let src = shape_function_for_test("f5", &Bound::Unary(UnaryOp::Neg, Box::new(index.clone()))).source;
        assert!(src.starts_with("function f5(x,B,r,c){return R.neg(R.indexValue("), "{src}");
        let src = shape_function_for_test("f6", &Bound::Unary(UnaryOp::Plus, Box::new(index.clone()))).source;
        assert!(src.starts_with("function f6(x,B,r,c){return R.plus(R.F.INDEX("), "{src}");
        let src = shape_function_for_test("f7", &index).source;
        assert!(src.starts_with("function f7(x,B,r,c){return R.F.INDEX("), "{src}");
    }

    #[test]
    fn only_array_typed_arguments_are_evaluated_as_arrays() {
        // MATCH(TRUE, INDEX(A1:A5>0, 0), 0): INDEX's first parameter is array-typed, so its
        // comparison is evaluated as an array; MATCH's own arguments and INDEX's row number
        // keep the formula's mode.
        let gt = Bound::Binary(BinaryOp::Gt, Box::new(area(0, 0, 0, 4, 0)), Box::new(Bound::Number(0.0)));
        let index = call("INDEX", vec![gt.clone(), Bound::Number(0.0)]);
        let src = shape_function_for_test("f1", &call("MATCH", vec![Bound::Bool(true), index, Bound::Number(0.0)])).source;
        assert!(
            src.starts_with(
                "function f1(x,B,r,c){return R.F.MATCH(x,true,R.F.INDEX(x,R.arrayScope(x,x.array,(x.array=true,R.gt(new R.Ref(B[0],0,0,4,0),0,x))),0),0);}"
            ),
            "{src}"
        );
        // MATCH(TRUE, A1:A5>0, 0): MATCH's lookup array is not array-typed (Excel needs CSE there).
        let src = shape_function_for_test("f2", &call("MATCH", vec![Bound::Bool(true), gt.clone(), Bound::Number(0.0)])).source;
        assert!(!src.contains("arrayScope"), "{src}");
        // SUMPRODUCT over plain references needs no scope; over an expression, that argument only.
        let src = shape_function_for_test("f3", &call("SUMPRODUCT", vec![area(0, 0, 0, 4, 0), area(0, 0, 1, 4, 1)])).source;
        assert!(src.starts_with("function f3(x,B,r,c){return R.F.SUMPRODUCT(x,new R.Ref(B[0],0,0,4,0),new R.Ref(B[0],0,1,4,1));}"), "{src}");
        let src = shape_function_for_test("f4", &call("SUMPRODUCT", vec![gt, area(0, 0, 1, 4, 1)])).source;
        assert!(
            src.starts_with("function f4(x,B,r,c){return R.F.SUMPRODUCT(x,R.arrayScope(x,x.array,(x.array=true,R.gt(new R.Ref(B[0],0,0,4,0),0,x))),new R.Ref(B[0],0,1,4,1));}"),
            "{src}"
        );
    }

    #[test]
    fn guard_folds_relative_rows() {
        // A reference two rows below the run never meets it; one spanning it may.
        let below = RefExtent { sheet: 1, r0: Coord::Rel(2), c0: Coord::Abs(3), r1: Coord::Rel(2), c1: Coord::Abs(3) };
        assert_eq!(guard(&[below], Axis::Col), None);
        let around = RefExtent { sheet: 1, r0: Coord::Rel(-1), c0: Coord::Abs(3), r1: Coord::Abs(40), c1: Coord::Abs(5) };
        assert_eq!(guard(&[around], Axis::Col).as_deref(), Some("(s===1&&r<=40&&3<=c1&&c0<=5)"));
    }

    #[test]
    fn a_power_of_the_column_alone_is_kept_per_column_along_rows() {
        // $B r * (1+S0!$A$1)^(S1!c$3/12): the factor depends on the column only.
        let pow = Bound::Binary(
            BinaryOp::Pow,
            Box::new(Bound::Binary(BinaryOp::Add, Box::new(Bound::Number(1.0)), Box::new(cell(0, Coord::Abs(0), Coord::Abs(0))))),
            Box::new(Bound::Binary(BinaryOp::Div, Box::new(cell(1, Coord::Abs(2), Coord::Rel(0))), Box::new(Bound::Number(12.0)))),
        );
        let b = mul(cell(2, Coord::Rel(0), Coord::Abs(1)), pow);
        let src = shape_function_for_test("f3", &b).source;
        let along_row = run_fn(&src, "f3.c=");
        assert!(along_row.contains("q0=R.lineValues(x,f3.cq0,c0,c1,(c)=>R.npow(R.nadd((1),B[0].n(0,0)),(B[1].n(2,c)/(12))))"), "{src}");
        // Along the row, $B r is the same cell in every cell of the run: read once.
        assert!(along_row.contains("const k0=B[2].n(r,1),q0="), "{src}");
        assert!(along_row.contains("const v=(k0*q0[c]);"), "{src}");
        // A run on a row the factor reads, or over the cell read once, takes the per-cell loop.
        assert!(
            along_row.starts_with("f3.c=function(x,B,s,r,c0,c1){if((s===2&&1<=c1&&c0<=1)||(s===0&&0<=r&&r<=0)||(s===1&&2<=r&&r<=2))return false;"),
            "{src}"
        );
        assert!(src.contains("f3.cq0=R.lineSlot();"), "{src}");
        // Down a column the factor is the same in every cell: computed once per run.
        let down = run_fn(&src, "f3.r=");
        assert!(
            down.contains("const k0=R.npow(R.nadd((1),B[0].n(0,0)),(B[1].n(2,c)/(12)));if(B[s].direct(r0,c,r1,c,true)&&B[2].direct(r0,1,r1,1,false))"),
            "{src}"
        );
        assert!(down.contains("const i=r*WS+c,v=(R.cellNumber(T2,N2,(r)*W2+1)*k0);"), "{src}");
        assert!(down.contains("else for(let r=r0;r<=r1;r++){const v=(B[2].n(r,1)*k0);"), "{src}");
        assert!(down.starts_with("f3.r=function(x,B,s,c,r0,r1){if((s===0&&0<=c&&c<=0&&0<=r1&&r0<=0)||(s===1&&2<=r1&&r0<=2))return false;"), "{src}");
    }

    #[test]
    fn a_division_of_the_row_alone_is_kept_per_row_down_columns() {
        // r,c-1 * (1+$F r/12) * INDEX(S0!B11:M11, 1, ABS(S1!c$2)): a growth line swept
        // down each month's column; the monthly rate depends on the row only.
        let rate = Bound::Binary(
            BinaryOp::Add,
            Box::new(Bound::Number(1.0)),
            Box::new(Bound::Binary(BinaryOp::Div, Box::new(cell(2, Coord::Rel(0), Coord::Abs(5))), Box::new(Bound::Number(12.0)))),
        );
        let season = call(
            "INDEX",
            vec![area(0, 10, 1, 10, 12), Bound::Number(1.0), call("ABS", vec![Bound::CellValue(Box::new(cell(1, Coord::Abs(1), Coord::Rel(0))))])],
        );
        let b = mul(mul(cell(2, Coord::Rel(0), Coord::Rel(-1)), rate.clone()), season);
        let src = shape_function_for_test("f8", &b).source;
        let down = run_fn(&src, "f8.r=");
        assert!(down.contains("q0=R.lineValues(x,f8.rq0,r0,r1,(r)=>R.nadd((1),(B[2].n(r,5)/(12))))"), "{src}");
        assert!(down.contains("const v=((B[2].n(r,c-1)*q0[r])*h0);"), "{src}");
        // A run down the column the rate reads takes the per-cell loop.
        assert!(down.contains("(s===2&&5<=c&&c<=5)"), "{src}");
        // A shape with a single loop down a column keeps nothing: the rate inline.
        let single = shape_function("f8", &b, &crate::functions::test_table(), false, Loops { along_rows: true, down_columns: false }).source;
        let down = run_fn(&single, "f8.r=");
        assert!(!down.contains("lineValues"), "{single}");
        assert!(down.contains("const v=((B[2].n(r,c-1)*R.nadd((1),(B[2].n(r,5)/(12))))*h0);"), "{single}");
        // Addition and multiplication alone are not worth a kept value.
        let plain = mul(
            cell(2, Coord::Rel(0), Coord::Rel(-1)),
            Bound::Binary(BinaryOp::Add, Box::new(Bound::Number(1.0)), Box::new(cell(2, Coord::Rel(0), Coord::Abs(5)))),
        );
        let src = shape_function_for_test(
            "f9",
            &mul(
                plain,
                call(
                    "INDEX",
                    vec![area(0, 10, 1, 10, 12), Bound::Number(1.0), call("ABS", vec![Bound::CellValue(Box::new(cell(1, Coord::Abs(1), Coord::Rel(0))))])],
                ),
            ),
        )
        .source;
        assert!(!src.contains("lineValues"), "{src}");
    }
}
