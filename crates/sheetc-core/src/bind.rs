//! Bind stage: resolve a parsed formula against the workbook.
//!
//! Sheet names become sheet indexes, defined names are replaced by what they stand
//! for, LET/LAMBDA parameters become local slots, and cell addresses become
//! coordinates *relative to the formula's cell* (absolute ones stay absolute). The
//! result is a formula shape: one `Bound` tree serves every cell that shares it.
//!
//! Things Excel would evaluate to an error (an unknown name, a deleted sheet) bind to
//! that error. Things sheetc cannot compute (an unimplemented function, an external
//! workbook, ...) make binding fail with `Unsupported`, and the cell is backfilled.

use std::collections::HashMap;

use crate::address::{Rect, MAX_COL, MAX_ROW};
use crate::ast::{BinaryOp, CellAddr, Coord as AstCoord, ErrorKind, Expr, RefTarget, SheetPrefix, Span, TableItem, TableRef, UnaryOp};
use crate::functions::{FunctionTable, FORMULA_TEXT};
use crate::model::Workbook;
use crate::parse::FormulaParser;

/// A row or column coordinate of a bound reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coord {
    Abs(u32),
    /// Offset from the formula cell's row/column.
    Rel(i32),
}

impl Coord {
    /// The concrete coordinate for a formula at `base`; None when it falls off the sheet.
    pub fn at(self, base: u32, max: u32) -> Option<u32> {
        match self {
            Coord::Abs(v) => Some(v),
            Coord::Rel(d) => {
                let v = base as i64 + d as i64;
                if v < 0 || v > max as i64 {
                    None
                } else {
                    Some(v as u32)
                }
            }
        }
    }
}

/// A rectangle on one sheet (inclusive), possibly relative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Area {
    pub sheet: u32,
    pub r0: Coord,
    pub c0: Coord,
    pub r1: Coord,
    pub c1: Coord,
}

/// A bound expression (a formula shape).
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    Number(f64),
    Text(String),
    Bool(bool),
    Error(ErrorKind),
    Array {
        rows: usize,
        cols: usize,
        items: Vec<Bound>,
    },
    Cell {
        sheet: u32,
        row: Coord,
        col: Coord,
    },
    Area(Area),
    /// Several areas: a union or a 3D reference.
    Areas(Vec<Bound>),
    Call {
        name: String,
        args: Vec<Bound>,
    },
    Unary(UnaryOp, Box<Bound>),
    Binary(BinaryOp, Box<Bound>, Box<Bound>),
    /// A LET/LAMBDA variable.
    Local(u32),
    Let {
        bindings: Vec<(u32, Bound)>,
        body: Box<Bound>,
    },
    Lambda {
        params: Vec<u32>,
        body: Box<Bound>,
    },
    Invoke {
        callee: Box<Bound>,
        args: Vec<Bound>,
    },
    /// `A1#` / ANCHORARRAY: the range the anchor's array formula fills, found at run
    /// time (a shape is shared by many cells, so it cannot be resolved here).
    Spill(Box<Bound>),
    /// A single-cell reference passed where the function reads a value (its parameter is
    /// not reference-typed): compiled as a direct cell read, with no reference object.
    CellValue(Box<Bound>),
    /// An omitted argument.
    Missing,
}

/// Why a formula cannot be compiled (the cell is backfilled).
#[derive(Clone, Debug, PartialEq)]
pub struct Unsupported {
    pub reason: String,
    pub span: Option<Span>,
    /// The unsupported function's name, when that is the reason.
    pub function: Option<String>,
}

impl Unsupported {
    fn new(reason: impl Into<String>) -> Self {
        Unsupported { reason: reason.into(), span: None, function: None }
    }
}

/// Maximum depth of defined names referring to defined names.
const MAX_NAME_DEPTH: usize = 16;

/// Binds formulas of one workbook. Keeps the parsed and bound defined names.
pub struct Binder<'w> {
    workbook: &'w Workbook,
    functions: &'w FunctionTable,
    parser: FormulaParser,
    /// (upper-case name, scope) → bound value of a defined name.
    name_cache: HashMap<(String, Option<u32>), Result<Bound, Unsupported>>,
    /// Names called as functions that are no function at all (bound to `#NAME?`, as
    /// Excel evaluates them), since the last `take_unknown_functions`: the build reports them.
    unknown_functions: Vec<String>,
}

struct Scope {
    /// Formula's sheet and cell (for relative coordinates and sheet-scoped names).
    sheet: u32,
    row: u32,
    col: u32,
    /// LET/LAMBDA variables in scope, innermost last: (upper-case name, slot).
    locals: Vec<(String, u32)>,
    next_slot: u32,
    name_depth: usize,
}

impl<'w> Binder<'w> {
    pub fn new(workbook: &'w Workbook, functions: &'w FunctionTable) -> Self {
        Binder { workbook, functions, parser: FormulaParser::new(), name_cache: HashMap::new(), unknown_functions: Vec::new() }
    }

    /// The names called as functions that Excel does not know, bound to `#NAME?` since
    /// the last call (the shapes stage takes them after binding each shape).
    pub fn take_unknown_functions(&mut self) -> Vec<String> {
        std::mem::take(&mut self.unknown_functions)
    }

    pub fn parser(&mut self) -> &mut FormulaParser {
        &mut self.parser
    }

    /// Binds `expr`, written in the cell (`row`, `col`) of `sheet`.
    pub fn bind(&mut self, expr: &Expr, sheet: u32, row: u32, col: u32) -> Result<Bound, Unsupported> {
        let mut scope = Scope { sheet, row, col, locals: Vec::new(), next_slot: 0, name_depth: 0 };
        self.expr(expr, &mut scope)
    }

    fn sheet_of(&self, prefix: &Option<SheetPrefix>, scope: &Scope) -> Result<Result<Vec<u32>, ErrorKind>, Unsupported> {
        Ok(match prefix {
            None => Ok(vec![scope.sheet]),
            Some(SheetPrefix::Single(name)) => match self.workbook.sheet_index(name) {
                Some(i) => Ok(vec![i]),
                None => Err(ErrorKind::Ref),
            },
            Some(SheetPrefix::Span(a, b)) => match (self.workbook.sheet_index(a), self.workbook.sheet_index(b)) {
                (Some(x), Some(y)) => Ok((x.min(y)..=x.max(y)).collect()),
                _ => Err(ErrorKind::Ref),
            },
            Some(SheetPrefix::External { book, sheet }) if book.trim_matches(|c| c == '[' || c == ']') == "0" => {
                // Index 0 is the workbook itself (`[0]Sheet1!A1`).
                match sheet.as_deref().and_then(|s| self.workbook.sheet_index(s)) {
                    Some(i) => Ok(vec![i]),
                    None => Err(ErrorKind::Ref),
                }
            }
            Some(SheetPrefix::External { book, sheet }) => {
                // Cached values of the linked workbook are read as sheets named `[n]Sheet`.
                let name = format!("[{}]{}", book.trim_matches(|c| c == '[' || c == ']'), sheet.as_deref().unwrap_or(""));
                match self.workbook.sheet_index(&name) {
                    Some(i) => Ok(vec![i]),
                    None => return Err(Unsupported::new("reference to another workbook with no cached values")),
                }
            }
            Some(SheetPrefix::RefError) => Err(ErrorKind::Ref),
        })
    }

    fn coord(c: AstCoord, base: u32) -> Coord {
        if c.absolute {
            Coord::Abs(c.index)
        } else {
            Coord::Rel(c.index as i32 - base as i32)
        }
    }

    fn cell(&self, sheet: u32, a: CellAddr, scope: &Scope) -> Bound {
        Bound::Cell { sheet, row: Self::coord(a.row, scope.row), col: Self::coord(a.col, scope.col) }
    }

    fn target(&self, sheet: u32, t: &RefTarget, scope: &Scope) -> Bound {
        match *t {
            RefTarget::Cell(a) => self.cell(sheet, a, scope),
            RefTarget::Area(a, b) => Bound::Area(Area {
                sheet,
                r0: Self::coord(a.row, scope.row),
                c0: Self::coord(a.col, scope.col),
                r1: Self::coord(b.row, scope.row),
                c1: Self::coord(b.col, scope.col),
            }),
            RefTarget::Cols(a, b) => {
                Bound::Area(Area { sheet, r0: Coord::Abs(0), c0: Self::coord(a, scope.col), r1: Coord::Abs(MAX_ROW), c1: Self::coord(b, scope.col) })
            }
            RefTarget::Rows(a, b) => {
                Bound::Area(Area { sheet, r0: Self::coord(a, scope.row), c0: Coord::Abs(0), r1: Self::coord(b, scope.row), c1: Coord::Abs(MAX_COL) })
            }
        }
    }

    fn expr(&mut self, e: &Expr, scope: &mut Scope) -> Result<Bound, Unsupported> {
        Ok(match e {
            Expr::Number(n) => Bound::Number(*n),
            Expr::Text(s) => Bound::Text(s.clone()),
            Expr::Bool(b) => Bound::Bool(*b),
            Expr::Error(k) => Bound::Error(*k),
            Expr::Missing => Bound::Missing,
            Expr::Array(rows) => {
                let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
                let mut items = Vec::with_capacity(rows.len() * cols);
                for r in rows {
                    for i in 0..cols {
                        items.push(match r.get(i) {
                            Some(x) => self.expr(x, scope)?,
                            None => Bound::Error(ErrorKind::NA),
                        });
                    }
                }
                Bound::Array { rows: rows.len(), cols, items }
            }
            Expr::Ref { sheet, target } => match self.sheet_of(sheet, scope)? {
                Err(k) => Bound::Error(k),
                Ok(sheets) if sheets.len() == 1 => self.target(sheets[0], target, scope),
                Ok(sheets) => Bound::Areas(sheets.into_iter().map(|s| self.target(s, target, scope)).collect()),
            },
            Expr::RefError { .. } => Bound::Error(ErrorKind::Ref),
            Expr::Name { sheet, name } => self.name(sheet, name, scope)?,
            Expr::Table(t) => self.table(t, scope)?,
            Expr::Call { name, args, span } => self.call(name, args, *span, scope)?,
            Expr::Invoke { callee, args } => {
                let callee = Box::new(self.expr(callee, scope)?);
                let args = args.iter().map(|a| self.expr(a, scope)).collect::<Result<_, _>>()?;
                Bound::Invoke { callee, args }
            }
            Expr::Unary { op, operand } => Bound::Unary(*op, Box::new(self.expr(operand, scope)?)),
            Expr::Binary { op, left, right } => Bound::Binary(*op, Box::new(self.expr(left, scope)?), Box::new(self.expr(right, scope)?)),
            Expr::Spill(inner) => self.spill(inner, scope)?,
        })
    }

    /// `A1#`: the range the anchor's array formula fills (resolved at run time).
    fn spill(&mut self, inner: &Expr, scope: &mut Scope) -> Result<Bound, Unsupported> {
        Ok(Bound::Spill(Box::new(self.expr(inner, scope)?)))
    }

    /// A structured reference: the table's rows for the item specifiers, its columns by name.
    fn table(&self, t: &TableRef, scope: &Scope) -> Result<Bound, Unsupported> {
        let wb = self.workbook;
        let table = match &t.table {
            Some(name) => wb.tables.iter().find(|x| x.name.eq_ignore_ascii_case(name)),
            None => wb.tables.iter().find(|x| x.sheet == scope.sheet && (x.r0..=x.r1).contains(&scope.row) && (x.c0..=x.c1).contains(&scope.col)),
        };
        let Some(tb) = table else {
            return Ok(Bound::Error(if t.table.is_some() { ErrorKind::Name } else { ErrorKind::Ref }));
        };
        let data0 = tb.r0 + tb.header_rows;
        let data1 = tb.r1.saturating_sub(tb.totals_rows);
        let (c0, c1) = match &t.columns {
            None => (tb.c0, tb.c1),
            Some((a, b)) => {
                let find = |n: &str| tb.columns.iter().position(|c| c.eq_ignore_ascii_case(n)).map(|i| tb.c0 + i as u32);
                match (find(a), find(b)) {
                    (Some(x), Some(y)) => (x.min(y), x.max(y)),
                    _ => return Ok(Bound::Error(ErrorKind::Ref)),
                }
            }
        };
        let col = |c: u32| Coord::Abs(c);
        if t.items.contains(&TableItem::ThisRow) {
            // `[@Col]` is Excel's implicit intersection of the column's data with the
            // formula's row: the cell in that row, #VALUE! in a row outside the data (the
            // header, the totals row, elsewhere on the sheet or on another sheet). One
            // shape serves every row; the graph reads the one cell (bind::reads).
            if c0 == c1 {
                if data1 < data0 {
                    return Ok(Bound::Error(ErrorKind::Ref));
                }
                let data = Area { sheet: tb.sheet, r0: Coord::Abs(data0), c0: col(c0), r1: Coord::Abs(data1), c1: col(c0) };
                return Ok(Bound::Unary(UnaryOp::ImplicitIntersection, Box::new(Bound::Area(data))));
            }
            // Several columns: that row of them (a row range, for SUM(Table[@[Q1]:[Q4]])).
            return Ok(Bound::Area(Area { sheet: tb.sheet, r0: Coord::Rel(0), c0: col(c0), r1: Coord::Rel(0), c1: col(c1) }));
        }
        let has = |i: TableItem| t.items.contains(&i);
        let (r0, r1) = if t.items.is_empty() || (has(TableItem::Data) && !has(TableItem::Headers) && !has(TableItem::Totals)) {
            (data0, data1)
        } else if has(TableItem::All) {
            (tb.r0, tb.r1)
        } else {
            let top = if has(TableItem::Headers) {
                tb.r0
            } else if has(TableItem::Data) {
                data0
            } else {
                tb.r1
            };
            let bottom = if has(TableItem::Totals) {
                tb.r1
            } else if has(TableItem::Data) {
                data1
            } else {
                tb.r0
            };
            if (has(TableItem::Headers) && tb.header_rows == 0) || (has(TableItem::Totals) && tb.totals_rows == 0) {
                return Ok(Bound::Error(ErrorKind::Ref));
            }
            (top, bottom)
        };
        if r1 < r0 {
            return Ok(Bound::Error(ErrorKind::Ref));
        }
        Ok(Bound::Area(Area { sheet: tb.sheet, r0: Coord::Abs(r0), c0: col(c0), r1: Coord::Abs(r1), c1: col(c1) }))
    }

    fn name(&mut self, sheet: &Option<SheetPrefix>, name: &str, scope: &mut Scope) -> Result<Bound, Unsupported> {
        if let Some(SheetPrefix::External { book, sheet: in_sheet }) = sheet {
            return self.external_name(book, in_sheet.as_deref(), name, scope);
        }
        let upper = name.to_uppercase();
        if sheet.is_none() {
            if let Some((_, slot)) = scope.locals.iter().rev().find(|(n, _)| *n == upper) {
                return Ok(Bound::Local(*slot));
            }
        }
        let scope_sheet = match sheet {
            None => Some(scope.sheet),
            Some(SheetPrefix::Single(s)) => match self.workbook.sheet_index(s) {
                Some(i) => Some(i),
                None => return Ok(Bound::Error(ErrorKind::Ref)),
            },
            Some(SheetPrefix::External { .. }) => return Err(Unsupported::new("defined name in another workbook")),
            _ => return Ok(Bound::Error(ErrorKind::Ref)),
        };
        // Sheet-scoped names win over workbook names.
        let found = self.workbook.names.iter().find(|n| n.scope == scope_sheet && n.name.eq_ignore_ascii_case(name)).or_else(|| {
            if sheet.is_none() {
                self.workbook.names.iter().find(|n| n.scope.is_none() && n.name.eq_ignore_ascii_case(name))
            } else {
                None
            }
        });
        let Some(def) = found else {
            // `_xleta.SUM`: a function passed where a LAMBDA is expected (GROUPBY(..., SUM),
            // MAP(..., ABS)): bound as LAMBDA(p0[, p1], SUM(p0[, p1])), with as many
            // parameters as the function's least number of arguments (1 or 2). A function
            // the runtime lacks keeps the cell's stored value (never #NAME?: Excel has it).
            if sheet.is_none() && upper.starts_with("_XLETA.") {
                let function = &upper["_XLETA.".len()..];
                if !self.functions.is_supported(function) {
                    return Err(Unsupported {
                        reason: format!("unsupported function {function} (passed as a LAMBDA)"),
                        span: None,
                        function: Some(function.to_string()),
                    });
                }
                let params: Vec<u32> = (0..self.functions.eta_arity(function))
                    .map(|_| {
                        scope.next_slot += 1;
                        scope.next_slot - 1
                    })
                    .collect();
                let args = params.iter().map(|&slot| Bound::Local(slot)).collect();
                return Ok(Bound::Lambda { params, body: Box::new(Bound::Call { name: function.to_string(), args }) });
            }
            return Ok(Bound::Error(ErrorKind::Name));
        };
        let key = (upper, def.scope);
        if let Some(cached) = self.name_cache.get(&key) {
            return cached.clone();
        }
        if scope.name_depth >= MAX_NAME_DEPTH {
            return Err(Unsupported::new(format!("defined name {name} refers to itself or nests too deeply")));
        }
        let formula = def.formula.clone();
        let def_scope = def.scope;
        let result = match self.parser.parse(&formula) {
            Err(e) => Err(Unsupported::new(format!("defined name {name} does not parse: {}", e.message))),
            Ok(expr) => {
                // Names are written with absolute references; relative parts are relative to A1.
                let mut inner = Scope {
                    sheet: def_scope.unwrap_or(scope.sheet),
                    row: 0,
                    col: 0,
                    locals: Vec::new(),
                    next_slot: scope.next_slot,
                    name_depth: scope.name_depth + 1,
                };
                self.expr(&expr, &mut inner)
            }
        };
        self.name_cache.insert(key, result.clone());
        result
    }

    /// `[n]!Name` / `[n]Sheet!Name`. Index 0 is the workbook itself: the name binds like
    /// `Name` (`Sheet!Name`). Another book's names are the ones its external-link part
    /// lists with their cached values, read as names `[n]Name` (scoped to the cached
    /// sheet `[n]Sheet` when the linked book scopes them to a sheet).
    fn external_name(&mut self, book: &str, in_sheet: Option<&str>, name: &str, scope: &mut Scope) -> Result<Bound, Unsupported> {
        let book = book.trim_matches(|c| c == '[' || c == ']');
        if book == "0" {
            let local = in_sheet.map(|s| SheetPrefix::Single(s.to_string()));
            return self.name(&local, name, scope);
        }
        let linked = format!("[{book}]{name}");
        let sheet_scope = match in_sheet {
            Some(s) => match self.workbook.sheet_index(&format!("[{book}]{s}")) {
                Some(i) => Some(i),
                None => return Err(Unsupported::new("defined name in another workbook with no cached value")),
            },
            None => None,
        };
        let exists = self.workbook.names.iter().any(|n| n.scope == sheet_scope && n.name.eq_ignore_ascii_case(&linked));
        if !exists {
            return Err(Unsupported::new("defined name in another workbook with no cached value"));
        }
        let prefix = in_sheet.map(|s| SheetPrefix::Single(format!("[{book}]{s}")));
        self.name(&prefix, &linked, scope)
    }

    fn call(&mut self, name: &str, args: &[Expr], span: Span, scope: &mut Scope) -> Result<Bound, Unsupported> {
        match name {
            "LET" => return self.let_form(args, scope),
            "LAMBDA" => return self.lambda(args, scope),
            "SINGLE" if args.len() == 1 => {
                return Ok(Bound::Unary(UnaryOp::ImplicitIntersection, Box::new(self.expr(&args[0], scope)?)));
            }
            "ANCHORARRAY" if args.len() == 1 => return self.spill(&args[0], scope),
            _ => {}
        }
        // A LET-bound lambda called by name.
        let upper = name.to_uppercase();
        if let Some((_, slot)) = scope.locals.iter().rev().find(|(n, _)| *n == upper) {
            let slot = *slot;
            let args = args.iter().map(|a| self.expr(a, scope)).collect::<Result<_, _>>()?;
            return Ok(Bound::Invoke { callee: Box::new(Bound::Local(slot)), args });
        }
        if !self.functions.is_supported(name) {
            // A defined name holding a LAMBDA, called like a function.
            if self.workbook.names.iter().any(|n| n.name.eq_ignore_ascii_case(name)) {
                let callee = self.name(&None, name, scope)?;
                let args = args.iter().map(|a| self.expr(a, scope)).collect::<Result<_, _>>()?;
                return Ok(Bound::Invoke { callee: Box::new(callee), args });
            }
            if self.functions.is_user_function(name) {
                // A user-defined function (VBA, an add-in): bound as a call, so its
                // arguments are precedents; `stages::backfill::user_functions` keeps its
                // cell's stored value unless the caller implements it.
                let args = args.iter().map(|a| self.expr(a, scope)).collect::<Result<_, _>>()?;
                return Ok(Bound::Call { name: name.to_string(), args });
            }
            if self.functions.is_unknown_to_excel(name) {
                self.unknown_functions.push(name.to_string());
                return Ok(Bound::Error(ErrorKind::Name));
            }
            return Err(Unsupported { reason: format!("unsupported function {name}"), span: Some(span), function: Some(name.to_string()) });
        }
        let mut bound: Vec<Bound> = args.iter().map(|a| self.expr(a, scope)).collect::<Result<_, _>>()?;
        for (i, b) in bound.iter_mut().enumerate() {
            if matches!(b, Bound::Cell { .. }) && self.functions.is_value_param(name, i) {
                *b = Bound::CellValue(Box::new(std::mem::replace(b, Bound::Missing)));
            }
        }
        Ok(Bound::Call { name: name.to_string(), args: bound })
    }

    fn param_name(e: &Expr) -> Option<String> {
        match e {
            // `_xlop.` marks an optional LAMBDA parameter (the body refers to it as `_xlpm.`).
            Expr::Name { sheet: None, name } => {
                let upper = name.to_uppercase();
                Some(upper.strip_prefix("_XLOP.").map(str::to_string).unwrap_or(upper))
            }
            _ => None,
        }
    }

    fn let_form(&mut self, args: &[Expr], scope: &mut Scope) -> Result<Bound, Unsupported> {
        if args.len() < 3 || args.len().is_multiple_of(2) {
            return Ok(Bound::Error(ErrorKind::Value));
        }
        let depth = scope.locals.len();
        let mut bindings = Vec::new();
        for pair in args[..args.len() - 1].chunks(2) {
            let Some(name) = Self::param_name(&pair[0]) else {
                scope.locals.truncate(depth);
                return Ok(Bound::Error(ErrorKind::Value));
            };
            let value = self.expr(&pair[1], scope)?;
            let slot = scope.next_slot;
            scope.next_slot += 1;
            scope.locals.push((name, slot));
            bindings.push((slot, value));
        }
        let body = self.expr(&args[args.len() - 1], scope);
        scope.locals.truncate(depth);
        Ok(Bound::Let { bindings, body: Box::new(body?) })
    }

    fn lambda(&mut self, args: &[Expr], scope: &mut Scope) -> Result<Bound, Unsupported> {
        let Some((body, params)) = args.split_last() else {
            return Ok(Bound::Error(ErrorKind::Value));
        };
        let depth = scope.locals.len();
        let mut slots = Vec::new();
        for p in params {
            let Some(name) = Self::param_name(p) else {
                scope.locals.truncate(depth);
                return Ok(Bound::Error(ErrorKind::Value));
            };
            let slot = scope.next_slot;
            scope.next_slot += 1;
            scope.locals.push((name, slot));
            slots.push(slot);
        }
        let body = self.expr(body, scope);
        scope.locals.truncate(depth);
        Ok(Bound::Lambda { params: slots, body: Box::new(body?) })
    }
}

/// Where a reference points for a formula at a given cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    At(Rect),
    /// A relative part falls off the sheet there.
    OffSheet,
    /// Not a single cell or area reference.
    NotAReference,
}

impl Bound {
    /// The rectangle a cell or area reference covers for a formula at (row, col): the one
    /// place a bound reference becomes concrete cells.
    pub fn resolve_at(&self, row: u32, col: u32) -> Resolved {
        match self {
            Bound::Cell { sheet, row: r, col: c } => match (r.at(row, MAX_ROW), c.at(col, MAX_COL)) {
                (Some(r), Some(c)) => Resolved::At(Rect::cell(*sheet, r, c)),
                _ => Resolved::OffSheet,
            },
            Bound::Area(a) => match (a.r0.at(row, MAX_ROW), a.c0.at(col, MAX_COL), a.r1.at(row, MAX_ROW), a.c1.at(col, MAX_COL)) {
                (Some(r0), Some(c0), Some(r1), Some(c1)) => {
                    Resolved::At(Rect { sheet: a.sheet, r0: r0.min(r1), c0: c0.min(c1), r1: r0.max(r1), c1: c0.max(c1) })
                }
                _ => Resolved::OffSheet,
            },
            _ => Resolved::NotAReference,
        }
    }
}

/// Calls `f` with each rectangle a shape reads at (row, col); false if a relative
/// reference falls off the sheet (those are skipped).
pub fn for_each_precedent(bound: &Bound, row: u32, col: u32, f: &mut dyn FnMut(Rect)) -> bool {
    let mut ok = true;
    visit_refs(bound, &mut |b| match b.resolve_at(row, col) {
        Resolved::At(r) => f(r),
        Resolved::OffSheet => ok = false,
        Resolved::NotAReference => {}
    });
    ok
}

/// The rectangles a shape reads at (row, col), appended to `out`; false if a relative
/// reference falls off the sheet.
pub fn precedents_at(bound: &Bound, row: u32, col: u32, out: &mut Vec<Rect>) -> bool {
    for_each_precedent(bound, row, col, &mut |r| out.push(r))
}

/// How a formula reads a reference where it appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// Every cell of it: a function consuming the range, an array evaluation, or a place
    /// where the compiler cannot tell (kept whole: a precedent too many is safe).
    Whole,
    /// Only the cell implicit intersection selects: a range where a legacy formula wants
    /// one value (an operand, a value parameter, an IF condition, the formula's result).
    Intersected,
}

/// The references a shape reads and how it reads each, in the order `visit_refs` meets
/// them. `legacy`: the formula is neither a CSE nor a dynamic-array formula, so a range
/// where one value is expected is implicitly intersected with the formula's row or
/// column — Excel reads only that cell there (`=IF(Pmt_Nbr="","",Amount)` with
/// `Pmt_Nbr` a whole column reads the column's cell in the formula's own row), and a
/// dependency on the rest of the range would be a circular reference Excel does not
/// have. Inside an array-typed parameter and in array formulas everything is read whole;
/// `@` intersects in any formula. The places mirror where the runtime intersects
/// (coerce.ts `scalar`: operators, coerced parameters, IF's condition, IFERROR's value,
/// the cell's result), so the graph never misses a cell the engine reads.
pub fn reads<'b>(bound: &'b Bound, legacy: bool, functions: &FunctionTable) -> Vec<(&'b Bound, Read)> {
    let mut out = Vec::new();
    reads_in(bound, legacy, !legacy, functions, &mut out);
    out
}

/// `intersects`: the consumer of `b`'s value intersects a multi-cell reference (in a
/// non-array evaluation); `array`: evaluated in array mode.
fn reads_in<'b>(b: &'b Bound, intersects: bool, array: bool, functions: &FunctionTable, out: &mut Vec<(&'b Bound, Read)>) {
    let whole = |x: &'b Bound, array: bool, out: &mut Vec<(&'b Bound, Read)>| reads_in(x, false, array, functions, out);
    match b {
        Bound::Cell { .. } => out.push((b, Read::Whole)),
        Bound::Area(_) => out.push((b, if intersects && !array { Read::Intersected } else { Read::Whole })),
        Bound::Call { name, .. } if name == FORMULA_TEXT => {}
        Bound::Call { name, args } if name == "IF" && (1..=3).contains(&args.len()) => {
            // The condition is one value; the branches are IF's value (codegen's IF).
            reads_in(&args[0], true, array, functions, out);
            args[1..].iter().for_each(|x| reads_in(x, intersects, array, functions, out));
        }
        Bound::Call { name, args } if (name == "IFERROR" || name == "IFNA") && args.len() == 2 => {
            // The tested value is read as one value (`R.val`); the alternative is the value.
            reads_in(&args[0], true, array, functions, out);
            reads_in(&args[1], intersects, array, functions, out);
        }
        Bound::Call { name, args } => {
            // A coerced (value) parameter of a function that returns a value intersects;
            // a reference-returning function passes its arguments on (kept whole).
            let returns_value = functions.facts(name).is_some_and(|f| !f.returns_ref);
            for (i, a) in args.iter().enumerate() {
                // A reference read for its address only (ROW(B5) in B5) is no precedent.
                if is_reference(a) && functions.is_ref_only_param(name, i) {
                    continue;
                }
                let value_param = returns_value && functions.is_value_param(name, i);
                reads_in(a, value_param, array || functions.is_array_param(name, i), functions, out);
            }
        }
        // `@` intersects in any formula.
        Bound::Unary(UnaryOp::ImplicitIntersection, x) => reads_in(x, true, false, functions, out),
        // Unary plus passes a reference on.
        Bound::Unary(UnaryOp::Plus, x) => reads_in(x, intersects, array, functions, out),
        Bound::Unary(_, x) => reads_in(x, true, array, functions, out),
        Bound::Binary(BinaryOp::Range | BinaryOp::Union | BinaryOp::Intersect, l, r) => {
            whole(l, array, out);
            whole(r, array, out);
        }
        Bound::Binary(_, l, r) => {
            reads_in(l, true, array, functions, out);
            reads_in(r, true, array, functions, out);
        }
        Bound::Areas(items) | Bound::Array { items, .. } => items.iter().for_each(|x| whole(x, array, out)),
        Bound::Spill(x) | Bound::CellValue(x) => whole(x, array, out),
        Bound::Let { bindings, body } => {
            bindings.iter().for_each(|(_, x)| whole(x, array, out));
            whole(body, array, out);
        }
        Bound::Lambda { body, .. } => whole(body, array, out),
        Bound::Invoke { callee, args } => {
            whole(callee, array, out);
            args.iter().for_each(|x| whole(x, array, out));
        }
        _ => {}
    }
}

/// A reference written out: cells, areas, and unions, ranges and intersections of them.
fn is_reference(b: &Bound) -> bool {
    match b {
        Bound::Cell { .. } | Bound::Area(_) => true,
        Bound::Areas(items) => items.iter().all(is_reference),
        Bound::Binary(BinaryOp::Range | BinaryOp::Union | BinaryOp::Intersect, l, r) => is_reference(l) && is_reference(r),
        _ => false,
    }
}

impl Bound {
    /// What a reference read as `read` covers for a formula at (row, col). Intersected:
    /// a one-column range gives its cell in the formula's row, a one-row range its cell
    /// in the formula's column, a block the cell at both (Excel's implicit intersection;
    /// the sheet may differ); `None` when nothing intersects (the formula gets #VALUE!
    /// and reads no cell).
    pub fn resolve_read(&self, read: Read, row: u32, col: u32) -> Option<Resolved> {
        let resolved = self.resolve_at(row, col);
        let (Read::Intersected, Resolved::At(r)) = (read, resolved) else { return Some(resolved) };
        let rows = r.r0..=r.r1;
        let cols = r.c0..=r.c1;
        let cell = if r.c0 == r.c1 && r.r0 == r.r1 {
            Some((r.r0, r.c0))
        } else if r.c0 == r.c1 {
            rows.contains(&row).then_some((row, r.c0))
        } else if r.r0 == r.r1 {
            cols.contains(&col).then_some((r.r0, col))
        } else {
            (rows.contains(&row) && cols.contains(&col)).then_some((row, col))
        };
        cell.map(|(r0, c0)| Resolved::At(Rect::cell(r.sheet, r0, c0)))
    }
}

/// Calls `f` with each rectangle a formula at (row, col) reads, given its `reads` (see
/// [`reads`]): intersected references give the one cell they select. False if a relative
/// reference falls off the sheet (those are skipped).
pub fn for_each_read(reads: &[(&Bound, Read)], row: u32, col: u32, f: &mut dyn FnMut(Rect)) -> bool {
    let mut ok = true;
    for (b, read) in reads {
        match b.resolve_read(*read, row, col) {
            Some(Resolved::At(r)) => f(r),
            Some(Resolved::OffSheet) => ok = false,
            Some(Resolved::NotAReference) | None => {}
        }
    }
    ok
}

/// The references a bound expression reads (its precedents). FORMULATEXT's argument is
/// not among them: it reads the referenced cell's formula, which the compiler resolves
/// (so `=FORMULATEXT(B1)` in a cell that B1 reads is not a cycle, as in Excel).
pub fn visit_refs(b: &Bound, f: &mut dyn FnMut(&Bound)) {
    match b {
        Bound::Cell { .. } | Bound::Area(_) => f(b),
        Bound::Call { name, .. } if name == FORMULA_TEXT => {}
        Bound::Areas(items) | Bound::Call { args: items, .. } => items.iter().for_each(|x| visit_refs(x, f)),
        Bound::Array { items, .. } => items.iter().for_each(|x| visit_refs(x, f)),
        Bound::Unary(_, x) | Bound::Spill(x) | Bound::CellValue(x) => visit_refs(x, f),
        Bound::Binary(_, l, r) => {
            visit_refs(l, f);
            visit_refs(r, f);
        }
        Bound::Let { bindings, body } => {
            bindings.iter().for_each(|(_, x)| visit_refs(x, f));
            visit_refs(body, f);
        }
        Bound::Lambda { body, .. } => visit_refs(body, f),
        Bound::Invoke { callee, args } => {
            visit_refs(callee, f);
            args.iter().for_each(|x| visit_refs(x, f));
        }
        _ => {}
    }
}

/// Names of the functions a bound expression calls (for the report and for volatility).
pub fn visit_calls(b: &Bound, f: &mut dyn FnMut(&str)) {
    visit_call_args(b, &mut |name, _| f(name));
}

/// Every function call in a bound expression, with its arguments (outer calls first).
pub fn visit_call_args(b: &Bound, f: &mut dyn FnMut(&str, &[Bound])) {
    match b {
        Bound::Call { name, args } => {
            f(name, args);
            args.iter().for_each(|x| visit_call_args(x, f));
        }
        Bound::Areas(items) | Bound::Array { items, .. } => items.iter().for_each(|x| visit_call_args(x, f)),
        Bound::Unary(_, x) | Bound::Spill(x) | Bound::CellValue(x) => visit_call_args(x, f),
        Bound::Binary(_, l, r) => {
            visit_call_args(l, f);
            visit_call_args(r, f);
        }
        Bound::Let { bindings, body } => {
            bindings.iter().for_each(|(_, x)| visit_call_args(x, f));
            visit_call_args(body, f);
        }
        Bound::Lambda { body, .. } => visit_call_args(body, f),
        Bound::Invoke { callee, args } => {
            visit_call_args(callee, f);
            args.iter().for_each(|x| visit_call_args(x, f));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_table;

    fn area(r0: u32, c0: u32, r1: u32, c1: u32) -> Bound {
        Bound::Area(Area { sheet: 0, r0: Coord::Abs(r0), c0: Coord::Abs(c0), r1: Coord::Abs(r1), c1: Coord::Abs(c1) })
    }
    fn call(name: &str, args: Vec<Bound>) -> Bound {
        Bound::Call { name: name.into(), args }
    }
    fn gt(l: Bound) -> Bound {
        Bound::Binary(BinaryOp::Gt, Box::new(l), Box::new(Bound::Number(0.0)))
    }
    /// The rectangles a formula at (row, col) reads, as (r0, c0, r1, c1).
    fn rects(b: &Bound, legacy: bool, row: u32, col: u32) -> Vec<(u32, u32, u32, u32)> {
        let functions = test_table();
        let r = reads(b, legacy, &functions);
        let mut out = Vec::new();
        for_each_read(&r, row, col, &mut |x| out.push((x.r0, x.c0, x.r1, x.c1)));
        out
    }

    #[test]
    fn a_legacy_formula_reads_the_intersected_cell_where_it_wants_one_value() {
        let column = area(0, 0, 99, 0);
        // An operand: the cell in the formula's row; outside the rows, nothing.
        assert_eq!(rects(&gt(column.clone()), true, 5, 3), vec![(5, 0, 5, 0)]);
        assert_eq!(rects(&gt(column.clone()), true, 200, 3), vec![]);
        // A one-row range: the cell in the formula's column.
        assert_eq!(rects(&gt(area(2, 0, 2, 9)), true, 7, 4), vec![(2, 4, 2, 4)]);
        // IF's condition intersects; its branches are its value (the cell's: intersected).
        let iff = call("IF", vec![gt(column.clone()), Bound::Number(1.0), area(0, 1, 99, 1)]);
        assert_eq!(rects(&iff, true, 5, 3), vec![(5, 0, 5, 0), (5, 1, 5, 1)]);
        // A function consuming the range reads it whole; a value parameter intersects.
        assert_eq!(rects(&call("SUM", vec![column.clone()]), true, 5, 3), vec![(0, 0, 99, 0)]);
        assert_eq!(rects(&call("ABS", vec![column.clone()]), true, 5, 3), vec![(5, 0, 5, 0)]);
        // Array formulas and array-typed parameters read whole.
        assert_eq!(rects(&gt(column.clone()), false, 5, 3), vec![(0, 0, 99, 0)]);
        assert_eq!(rects(&call("SUMPRODUCT", vec![gt(column.clone())]), true, 5, 3), vec![(0, 0, 99, 0)]);
        // INDEX returns a reference: its argument stays whole.
        assert_eq!(rects(&call("INDEX", vec![column.clone(), Bound::Number(1.0)]), true, 5, 3), vec![(0, 0, 99, 0)]);
        // `@` intersects even in an array formula.
        let at = Bound::Unary(UnaryOp::ImplicitIntersection, Box::new(column.clone()));
        assert_eq!(rects(&at, false, 5, 3), vec![(5, 0, 5, 0)]);
        // A reference read for its address only is no precedent.
        assert_eq!(rects(&call("ROW", vec![column]), true, 5, 3), vec![]);
    }
}
