//! The parse stage: formula text → [`Expr`].
//!
//! Parsing is done by the tree-sitter grammar in the `sheetc-grammar` crate; this module
//! checks the limits, reports the first syntax error, and converts the concrete syntax
//! tree into the unbound AST of [`crate::ast`].
//!
//! Robustness rules (formula text is untrusted input):
//! - the length limit is checked before anything else, so a huge formula costs nothing;
//! - the conversion recursion carries its depth and stops at [`MAX_DEPTH`], so nothing
//!   can overflow the Rust stack (tree-sitter itself parses and walks iteratively);
//! - no `unwrap()`/indexing on anything derived from the input.

use tree_sitter::{Node, Parser};

use crate::ast::{BinaryOp, CellAddr, Coord, ErrorKind, Expr, RefTarget, SheetPrefix, Span, TableItem, TableRef, UnaryOp};

/// Excel's limit on the length of a formula, in characters.
pub const MAX_FORMULA_LEN: usize = 8192;
/// The deepest syntax tree accepted (every nested node, parentheses included, counts).
pub const MAX_DEPTH: usize = 1024;

/// Number of columns (`XFD` = 16384) and rows of a sheet.
const MAX_COLS: u32 = 16_384;
const MAX_ROWS: u32 = 1_048_576;

/// Why a formula could not be parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub message: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The text is not a formula.
    Syntax,
    /// Longer than [`MAX_FORMULA_LEN`] characters.
    TooLong,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}..{}", self.message, self.span.start, self.span.end)
    }
}

impl std::error::Error for ParseError {}

/// Parses formula text into [`Expr`]. Holds a tree-sitter parser; reuse one per thread.
pub struct FormulaParser {
    parser: Parser,
}

impl Default for FormulaParser {
    fn default() -> Self {
        Self::new()
    }
}

impl FormulaParser {
    pub fn new() -> Self {
        let mut parser = Parser::new();
        // The grammar is compiled into the binary; failing here is a build defect
        // (ABI mismatch), not something input can cause.
        parser.set_language(&sheetc_grammar::language()).expect("the bundled formula grammar has an ABI this tree-sitter supports");
        FormulaParser { parser }
    }

    /// Parses `formula`, the text as stored in the file, without the leading `=`
    /// (one leading `=` is stripped if present anyway). Spans are byte offsets in the
    /// text after that strip.
    pub fn parse(&mut self, formula: &str) -> Result<Expr, ParseError> {
        let text = formula.strip_prefix('=').unwrap_or(formula);
        // chars <= bytes, so only long byte strings need counting.
        if text.len() > MAX_FORMULA_LEN && text.chars().count() > MAX_FORMULA_LEN {
            return Err(ParseError {
                kind: ParseErrorKind::TooLong,
                message: format!("formula is longer than {MAX_FORMULA_LEN} characters"),
                span: Span { start: 0, end: u32::try_from(text.len()).unwrap_or(u32::MAX) },
            });
        }
        if text.trim().is_empty() {
            return Err(syntax("empty formula", 0, text.len()));
        }
        let tree = self.parser.parse(text, None).ok_or_else(|| syntax("the parser gave up", 0, text.len()))?;
        let root = tree.root_node();
        if root.has_error() {
            return Err(first_error(root, text));
        }
        let conv = Converter { text };
        conv.expr(root, 0)
    }
}

fn span_of(node: Node) -> Span {
    span(node.start_byte(), node.end_byte())
}

fn span(start: usize, end: usize) -> Span {
    Span { start: u32::try_from(start).unwrap_or(u32::MAX), end: u32::try_from(end).unwrap_or(u32::MAX) }
}

fn syntax(message: impl Into<String>, start: usize, end: usize) -> ParseError {
    ParseError { kind: ParseErrorKind::Syntax, message: message.into(), span: span(start, end) }
}

fn syntax_at(message: impl Into<String>, node: Node) -> ParseError {
    syntax(message, node.start_byte(), node.end_byte())
}

/// Shortens a piece of source for an error message.
fn excerpt(s: &str) -> String {
    const MAX: usize = 24;
    let s = s.trim();
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}

/// The first ERROR or MISSING node in document order, as a [`ParseError`].
/// Iterative (tree cursor), so any depth is fine.
fn first_error(root: Node, text: &str) -> ParseError {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_missing() {
            let what = if node.is_named() { node.kind().replace('_', " ") } else { format!("\"{}\"", node.kind()) };
            return syntax_at(format!("missing {what}"), node);
        }
        if node.is_error() {
            // An ERROR spanning the whole formula means the parser ran out of input
            // with something still open (`SUM(1`, `(`, `"abc`).
            let end = text.trim_end().len();
            if node.start_byte() == 0 && node.end_byte() >= end {
                return syntax("unexpected end of formula", end, end);
            }
            // Otherwise report the token the parser could not place: tree-sitter puts the
            // tokens it skipped in the ERROR node, the offending one last (`{1,A1}` →
            // ERROR(`,` `A1`)).
            let last = node.child(node.child_count().saturating_sub(1)).unwrap_or(node);
            let bad = first_leaf(last);
            let piece = text.get(bad.byte_range()).unwrap_or("");
            return if piece.trim().is_empty() {
                if bad.start_byte() >= text.trim_end().len() {
                    syntax_at("unexpected end of formula", bad)
                } else {
                    syntax_at("unexpected input", bad)
                }
            } else {
                syntax_at(format!("unexpected \"{}\"", excerpt(piece)), bad)
            };
        }
        // Only descend into subtrees that contain an error.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                // has_error() said there is one; be defensive anyway.
                return syntax_at("syntax error", root);
            }
        }
    }
}

/// The first leaf of `node` (iteratively).
fn first_leaf(node: Node) -> Node {
    let mut n = node;
    while let Some(c) = n.child(0) {
        n = c;
    }
    n
}

struct Converter<'t> {
    text: &'t str,
}

impl<'t> Converter<'t> {
    fn text(&self, node: Node) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn field<'n>(&self, node: Node<'n>, name: &str) -> Result<Node<'n>, ParseError> {
        node.child_by_field_name(name).ok_or_else(|| syntax_at(format!("malformed {}: no {name}", node.kind()), node))
    }

    fn named_child<'n>(&self, node: Node<'n>, i: u32) -> Result<Node<'n>, ParseError> {
        node.named_child(i).ok_or_else(|| syntax_at(format!("malformed {}", node.kind()), node))
    }

    fn boxed(&self, node: Node, depth: usize) -> Result<Box<Expr>, ParseError> {
        Ok(Box::new(self.expr(node, depth)?))
    }

    /// Converts an expression node. `depth` is the nesting depth of `node`.
    ///
    /// This function and the recursive helpers below are on the recursion path, so
    /// they are kept lean (leaves and error formatting live in separate, non-inlined
    /// functions): in debug builds every local of a function costs stack in every level.
    fn expr(&self, node: Node, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_DEPTH {
            return Err(too_deep(node));
        }
        let d = depth + 1;
        match node.kind() {
            "formula" | "parenthesized" => self.wrapper(node, d),
            "call" => self.call(node, d),
            "invoke" => self.invoke(node, d),
            "unary" => self.unary(node, d),
            "percent" => self.percent(node, d),
            "spill" => self.spill(node, d),
            "range" => self.range(node, d),
            "intersection" => self.intersection(node, d),
            "binary" => self.binary(node, d),
            _ => self.leaf(node),
        }
    }

    /// Expressions without subexpressions (arrays hold only constants).
    #[inline(never)]
    fn leaf(&self, node: Node) -> Result<Expr, ParseError> {
        match node.kind() {
            "number" => self.number(node),
            "string" => Ok(Expr::Text(unquote_string(self.text(node)))),
            "boolean" => Ok(Expr::Bool(self.text(node).eq_ignore_ascii_case("TRUE"))),
            "error" | "ref_error" => self.error_literal(node),
            "array" => self.array(node),
            "cell" => self.cell(node, None),
            "column_range" => Ok(Expr::Ref { sheet: None, target: self.column_range(node)? }),
            "row_range" => Ok(Expr::Ref { sheet: None, target: self.row_range(node)? }),
            "name" => Ok(Expr::Name { sheet: None, name: param_name(self.text(node)).to_string() }),
            "prefixed_reference" => self.prefixed(node),
            "structured_reference" => self.structured(node),
            other => Err(syntax_at(format!("unexpected {other}"), node)),
        }
    }

    fn percent(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        Ok(Expr::Unary { op: UnaryOp::Percent, operand: self.boxed(self.field(node, "operand")?, d)? })
    }

    fn spill(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        Ok(Expr::Spill(self.boxed(self.field(node, "operand")?, d)?))
    }

    fn intersection(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        let e = self.binary_with(node, BinaryOp::Intersect, d)?;
        check_reference_operands(&e, node)?;
        Ok(e)
    }

    /// `formula` and `parenthesized`: one expression or a union.
    fn wrapper(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        let inner = self.named_child(node, 0)?;
        if inner.kind() == "union" {
            self.union(inner, d)
        } else {
            self.expr(inner, d)
        }
    }

    /// `(A1,B2,C3)` → `Union(Union(A1,B2),C3)`.
    fn union(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        let mut cursor = node.walk();
        let mut acc: Option<Expr> = None;
        // A flat list: the fold depth grows with the member count, so count it.
        let mut depth = d;
        for child in node.named_children(&mut cursor) {
            let e = self.expr(child, depth)?;
            if !may_be_reference(&e) {
                return Err(syntax_at("a union member must be a reference", child));
            }
            acc = Some(match acc {
                None => e,
                Some(left) => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(too_deep(node));
                    }
                    Expr::Binary { op: BinaryOp::Union, left: Box::new(left), right: Box::new(e) }
                }
            });
        }
        acc.ok_or_else(|| syntax_at("empty union", node))
    }

    fn number(&self, node: Node) -> Result<Expr, ParseError> {
        self.text(node).parse::<f64>().map(Expr::Number).map_err(|_| syntax_at(format!("invalid number \"{}\"", self.text(node)), node))
    }

    fn error_literal(&self, node: Node) -> Result<Expr, ParseError> {
        ErrorKind::parse(self.text(node)).map(Expr::Error).ok_or_else(|| syntax_at(format!("unknown error \"{}\"", self.text(node)), node))
    }

    fn array(&self, node: Node) -> Result<Expr, ParseError> {
        let mut rows = Vec::new();
        let mut rc = node.walk();
        for row in node.named_children(&mut rc) {
            let mut cells = Vec::new();
            let mut cc = row.walk();
            for el in row.named_children(&mut cc) {
                cells.push(match el.kind() {
                    "number" => self.number(el)?,
                    "negative_number" => {
                        let num = self.named_child(el, 0)?;
                        let v = match self.number(num)? {
                            Expr::Number(v) => v,
                            _ => return Err(syntax_at("invalid number", el)),
                        };
                        let negative = self.text(el).trim_start().starts_with('-');
                        Expr::Number(if negative { -v } else { v })
                    }
                    "string" => Expr::Text(unquote_string(self.text(el))),
                    "boolean" => Expr::Bool(self.text(el).eq_ignore_ascii_case("TRUE")),
                    "error" | "ref_error" => self.error_literal(el)?,
                    other => return Err(syntax_at(format!("unexpected {other} in array"), el)),
                });
            }
            rows.push(cells);
        }
        Ok(Expr::Array(rows))
    }

    /// A `cell` token. Addresses beyond the sheet (`XFE1`, `A1048577`) are names unless
    /// written with `$`, which no name can contain.
    fn cell(&self, node: Node, sheet: Option<SheetPrefix>) -> Result<Expr, ParseError> {
        let t = self.text(node);
        match parse_cell(t) {
            Some(addr) => Ok(Expr::Ref { sheet, target: RefTarget::Cell(addr) }),
            None if !t.contains('$') => Ok(Expr::Name { sheet, name: t.to_string() }),
            None => Err(syntax_at(format!("cell reference \"{t}\" is out of range"), node)),
        }
    }

    fn column_range(&self, node: Node) -> Result<RefTarget, ParseError> {
        let t = self.text(node);
        let (a, b) = t.split_once(':').unwrap_or((t, ""));
        match (parse_col(a), parse_col(b)) {
            (Some(a), Some(b)) => Ok(RefTarget::Cols(a, b)),
            _ => Err(syntax_at(format!("column range \"{t}\" is out of range"), node)),
        }
    }

    fn row_range(&self, node: Node) -> Result<RefTarget, ParseError> {
        let t = self.text(node);
        let (a, b) = t.split_once(':').unwrap_or((t, ""));
        match (parse_row(a), parse_row(b)) {
            (Some(a), Some(b)) => Ok(RefTarget::Rows(a, b)),
            _ => Err(syntax_at(format!("row range \"{t}\" is out of range"), node)),
        }
    }

    fn prefixed(&self, node: Node) -> Result<Expr, ParseError> {
        let sheet_node = self.field(node, "sheet")?;
        let sheet = if sheet_node.kind() == "ref_error" {
            SheetPrefix::RefError
        } else {
            parse_sheet_prefix(self.text(sheet_node)).ok_or_else(|| syntax_at("invalid sheet name", sheet_node))?
        };
        let target = self.field(node, "target")?;
        match target.kind() {
            "cell" => self.cell(target, Some(sheet)),
            "column_range" => Ok(Expr::Ref { sheet: Some(sheet), target: self.column_range(target)? }),
            "row_range" => Ok(Expr::Ref { sheet: Some(sheet), target: self.row_range(target)? }),
            "name" => Ok(Expr::Name { sheet: Some(sheet), name: param_name(self.text(target)).to_string() }),
            "ref_error" => Ok(Expr::RefError { sheet: Some(sheet) }),
            other => Err(syntax_at(format!("unexpected {other} after sheet"), target)),
        }
    }

    fn structured(&self, node: Node) -> Result<Expr, ParseError> {
        let table = node.child_by_field_name("table").map(|t| self.text(t).to_string());
        let mut items = Vec::new();
        let mut columns: Option<(String, String)> = None;
        let mut set_columns = |cols: (String, String), at: Node| -> Result<(), ParseError> {
            if columns.is_some() {
                return Err(syntax_at("more than one column specifier", at));
            }
            columns = Some(cols);
            Ok(())
        };
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "name" => {} // the table field
                "column_name" => set_columns(self.single_column(child), child)?,
                "item" => items.push(self.item(child)?),
                "bracketed_item" => items.push(self.item(self.named_child(child, 0)?)?),
                "bracketed_column" => set_columns(self.single_column(self.named_child(child, 0)?), child)?,
                "column_span" => set_columns(self.column_span(child)?, child)?,
                "this_row" => {
                    items.push(TableItem::ThisRow);
                    if let Some(c) = child.named_child(0) {
                        let cols = match c.kind() {
                            "column_name" => self.single_column(c),
                            "bracketed_column" => self.single_column(self.named_child(c, 0)?),
                            _ => self.column_span(c)?,
                        };
                        set_columns(cols, c)?;
                    }
                }
                other => return Err(syntax_at(format!("unexpected {other} in a table reference"), child)),
            }
        }
        Ok(Expr::Table(TableRef { table, items, columns }))
    }

    fn single_column(&self, node: Node) -> (String, String) {
        let c = unescape_column(self.text(node));
        (c.clone(), c)
    }

    fn column_span(&self, node: Node) -> Result<(String, String), ParseError> {
        let a = self.named_child(self.named_child(node, 0)?, 0)?;
        let b = self.named_child(self.named_child(node, 1)?, 0)?;
        Ok((unescape_column(self.text(a)), unescape_column(self.text(b))))
    }

    fn item(&self, node: Node) -> Result<TableItem, ParseError> {
        let t = self.text(node).to_ascii_lowercase();
        Ok(match t.as_str() {
            "#all" => TableItem::All,
            "#data" => TableItem::Data,
            "#headers" => TableItem::Headers,
            "#totals" => TableItem::Totals,
            "#this row" => TableItem::ThisRow,
            _ => return Err(syntax_at(format!("unknown table item \"{t}\""), node)),
        })
    }

    fn call(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        let f = self.field(node, "function")?;
        let raw = self.text(f);
        let raw = raw.strip_suffix('(').unwrap_or(raw);
        Ok(Expr::Call { name: function_name(raw), args: self.arguments(node, d)?, span: span_of(node) })
    }

    fn invoke(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        Ok(Expr::Invoke { callee: self.boxed(self.field(node, "callee")?, d)?, args: self.arguments(node, d)? })
    }

    /// The arguments of a call or invoke node: omitted ones become [`Expr::Missing`];
    /// `f()` has none.
    fn arguments(&self, node: Node, d: usize) -> Result<Vec<Expr>, ParseError> {
        let mut args = Vec::new();
        let mut cursor = node.walk();
        let Some(list) = node.named_children(&mut cursor).find(|c| c.kind() == "arguments") else {
            return Ok(args);
        };
        let mut current: Option<Expr> = None;
        let mut lc = list.walk();
        for child in list.children(&mut lc) {
            if child.is_named() {
                current = Some(self.expr(child, d)?);
            } else if child.kind() == "," {
                args.push(current.take().unwrap_or(Expr::Missing));
            }
        }
        args.push(current.unwrap_or(Expr::Missing));
        Ok(args)
    }

    fn unary(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        let op = match self.field(node, "operator")?.kind() {
            "-" => UnaryOp::Neg,
            "+" => UnaryOp::Plus,
            _ => UnaryOp::ImplicitIntersection,
        };
        Ok(Expr::Unary { op, operand: self.boxed(self.field(node, "operand")?, d)? })
    }

    fn binary(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        let op_node = self.field(node, "operator")?;
        let op = match op_node.kind() {
            "^" => BinaryOp::Pow,
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "&" => BinaryOp::Concat,
            "=" => BinaryOp::Eq,
            "<>" => BinaryOp::Ne,
            "<" => BinaryOp::Lt,
            "<=" => BinaryOp::Le,
            ">" => BinaryOp::Gt,
            ">=" => BinaryOp::Ge,
            other => return Err(syntax_at(format!("unknown operator \"{other}\""), op_node)),
        };
        self.binary_with(node, op, d)
    }

    fn binary_with(&self, node: Node, op: BinaryOp, d: usize) -> Result<Expr, ParseError> {
        Ok(Expr::Binary { op, left: self.boxed(self.field(node, "left")?, d)?, right: self.boxed(self.field(node, "right")?, d)? })
    }

    /// `A1:B2` (both sides plain cells, the sheet written on the left only or the same on
    /// both sides) is one area reference; anything else is the range operator.
    fn range(&self, node: Node, d: usize) -> Result<Expr, ParseError> {
        let left_node = self.field(node, "left")?;
        let right_node = self.field(node, "right")?;
        let left = self.expr(left_node, d)?;
        let right = self.expr(right_node, d)?;
        make_range(node, left_node, right_node, left, right)
    }
}

#[inline(never)]
fn too_deep(node: Node) -> ParseError {
    ParseError { kind: ParseErrorKind::TooDeep, message: format!("formula is nested deeper than {MAX_DEPTH} levels"), span: span_of(node) }
}

/// Builds `left:right`: one area when both sides are plain cells (see [`Converter::range`]).
#[inline(never)]
fn make_range(node: Node, left_node: Node, right_node: Node, left: Expr, right: Expr) -> Result<Expr, ParseError> {
    let plain_cell = |n: Node| n.kind() == "cell" || (n.kind() == "prefixed_reference" && n.child_by_field_name("target").map(|t| t.kind()) == Some("cell"));
    if plain_cell(left_node) && plain_cell(right_node) {
        if let (Expr::Ref { sheet: ls, target: RefTarget::Cell(a) }, Expr::Ref { sheet: rs, target: RefTarget::Cell(b) }) = (&left, &right) {
            if rs.is_none() || rs == ls {
                return Ok(Expr::Ref { sheet: ls.clone(), target: RefTarget::Area(*a, *b) });
            }
        }
    }
    let e = Expr::Binary { op: BinaryOp::Range, left: Box::new(left), right: Box::new(right) };
    check_reference_operands(&e, node)?;
    Ok(e)
}

/// Whether an expression can evaluate to a reference, as the operands of `:`, ` ` and
/// `,` must (`1 2`, `"a":A1` and `(1,2)` are not formulas). Calls, names and the
/// like are accepted: whether they give a reference is only known later.
fn may_be_reference(e: &Expr) -> bool {
    match e {
        Expr::Number(_) | Expr::Text(_) | Expr::Bool(_) | Expr::Array(_) | Expr::Missing => false,
        Expr::Error(k) => *k == ErrorKind::Ref,
        Expr::Unary { op, .. } => *op == UnaryOp::ImplicitIntersection,
        Expr::Binary { op, .. } => {
            matches!(op, BinaryOp::Range | BinaryOp::Union | BinaryOp::Intersect)
        }
        Expr::Ref { .. } | Expr::RefError { .. } | Expr::Name { .. } | Expr::Table(_) | Expr::Call { .. } | Expr::Invoke { .. } | Expr::Spill(_) => true,
    }
}

#[inline(never)]
fn check_reference_operands(e: &Expr, node: Node) -> Result<(), ParseError> {
    if let Expr::Binary { op, left, right } = e {
        for (side, operand) in [("left", left), ("right", right)] {
            if !may_be_reference(operand) {
                let what = match op {
                    BinaryOp::Range => "range",
                    _ => "intersection",
                };
                let at = node.child_by_field_name(side).unwrap_or(node);
                return Err(syntax_at(format!("the {what} operator needs references"), at));
            }
        }
    }
    Ok(())
}

/// `"a""b"` → `a"b`.
fn unquote_string(t: &str) -> String {
    let inner = t.strip_prefix('"').unwrap_or(t);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    inner.replace("\"\"", "\"")
}

/// `Col'#1` → `Col#1`: `'` escapes the next character in a table column name.
fn unescape_column(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Strips a case-insensitive ASCII prefix.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// `_xlpm.x` → `x` (LET/LAMBDA parameters are stored with that prefix).
fn param_name(t: &str) -> &str {
    strip_prefix_ci(t, "_xlpm.").unwrap_or(t)
}

/// `_xlfn._xlws.sort` → `SORT`. A field of a linked data type written with the dot
/// (`A2.Price`, `A2.[Leader(s)]`) is stored as `_FV(A2,"Price")`, with a third argument
/// TRUE for the bracketed form: it is FIELDVALUE (backfilled: the fields come from an
/// online service), never an unknown name.
fn function_name(raw: &str) -> String {
    let mut s = raw;
    loop {
        let stripped = ["_xlfn.", "_xlws.", "_xlpm."].iter().find_map(|p| strip_prefix_ci(s, p));
        match stripped {
            Some(rest) if !rest.is_empty() => s = rest,
            _ => break,
        }
    }
    if s.eq_ignore_ascii_case("_FV") {
        return "FIELDVALUE".to_string();
    }
    s.to_uppercase()
}

/// `$AB` → column coordinate (zero-based).
fn parse_col(t: &str) -> Option<Coord> {
    let (absolute, letters) = match t.strip_prefix('$') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let n = letters.bytes().fold(0u32, |n, b| n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1));
    (1..=MAX_COLS).contains(&n).then_some(Coord { index: n - 1, absolute })
}

/// `$12` → row coordinate (zero-based).
fn parse_row(t: &str) -> Option<Coord> {
    let (absolute, digits) = match t.strip_prefix('$') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    (1..=MAX_ROWS).contains(&n).then(|| Coord { index: n - 1, absolute })
}

/// `$A$1` → address; `None` when beyond the sheet.
fn parse_cell(t: &str) -> Option<CellAddr> {
    let body = t.strip_prefix('$').unwrap_or(t);
    let split = body.find(|c: char| c == '$' || c.is_ascii_digit())?;
    let col_len = split + usize::from(t.starts_with('$'));
    let (col, row) = t.split_at(col_len);
    Some(CellAddr { row: parse_row(row)?, col: parse_col(col)? })
}

/// The text of a `sheet_prefix` token (including the `!`) → [`SheetPrefix`].
fn parse_sheet_prefix(t: &str) -> Option<SheetPrefix> {
    let t = t.strip_suffix('!')?;
    let name: String = if let Some(q) = t.strip_prefix('\'') { q.strip_suffix('\'')?.replace("''", "'") } else { t.to_string() };
    // External workbook: `[1]Sheet1`, `[1]` (workbook-level name), `C:\dir\[Book.xlsx]Sheet1`.
    if let Some(close) = name.rfind(']') {
        let book_part = name.get(..close)?;
        let sheet_part = name.get(close + 1..)?;
        let book = match book_part.find('[') {
            Some(open) => format!("{}{}", book_part.get(..open)?, book_part.get(open + 1..)?),
            None => book_part.to_string(),
        };
        return Some(SheetPrefix::External { book, sheet: (!sheet_part.is_empty()).then(|| sheet_part.to_string()) });
    }
    // Sheet names cannot contain ':', so a colon always means a 3D span.
    Some(match name.split_once(':') {
        Some((a, b)) => SheetPrefix::Span(a.to_string(), b.to_string()),
        None => SheetPrefix::Single(name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(f: &str) -> Expr {
        let mut parser = FormulaParser::new();
        match parser.parse(f) {
            Ok(e) => e,
            Err(e) => panic!("{f:?} failed: {e:?}"),
        }
    }

    fn perr(f: &str) -> ParseError {
        let mut parser = FormulaParser::new();
        match parser.parse(f) {
            Ok(e) => panic!("{f:?} should fail, got {e:?}"),
            Err(e) => e,
        }
    }

    fn n(v: f64) -> Expr {
        Expr::Number(v)
    }
    fn b(op: BinaryOp, l: Expr, r: Expr) -> Expr {
        Expr::Binary { op, left: Box::new(l), right: Box::new(r) }
    }
    fn u(op: UnaryOp, e: Expr) -> Expr {
        Expr::Unary { op, operand: Box::new(e) }
    }
    fn co(index: u32, absolute: bool) -> Coord {
        Coord { index, absolute }
    }
    fn addr(row: u32, col: u32) -> CellAddr {
        CellAddr { row: co(row, false), col: co(col, false) }
    }
    fn cell(row: u32, col: u32) -> Expr {
        Expr::Ref { sheet: None, target: RefTarget::Cell(addr(row, col)) }
    }
    fn area(r1: u32, c1: u32, r2: u32, c2: u32) -> Expr {
        Expr::Ref { sheet: None, target: RefTarget::Area(addr(r1, c1), addr(r2, c2)) }
    }
    fn single(s: &str) -> Option<SheetPrefix> {
        Some(SheetPrefix::Single(s.to_string()))
    }
    fn name(s: &str) -> Expr {
        Expr::Name { sheet: None, name: s.to_string() }
    }
    fn call_parts(e: Expr) -> (String, Vec<Expr>) {
        match e {
            Expr::Call { name, args, .. } => (name, args),
            other => panic!("not a call: {other:?}"),
        }
    }
    fn table(t: Option<&str>, items: Vec<TableItem>, cols: Option<(&str, &str)>) -> Expr {
        Expr::Table(TableRef { table: t.map(str::to_string), items, columns: cols.map(|(a, b)| (a.to_string(), b.to_string())) })
    }

    // ------------------------------------------------------------ literals

    #[test]
    fn numbers() {
        assert_eq!(p("1"), n(1.0));
        assert_eq!(p("1.5"), n(1.5));
        assert_eq!(p(".5"), n(0.5));
        assert_eq!(p("1E+30"), n(1e30));
        assert_eq!(p("1e-5"), n(1e-5));
        assert_eq!(p("1."), n(1.0));
        assert_eq!(p("=1"), n(1.0));
        assert_eq!(p("= 1 "), n(1.0));
    }

    #[test]
    fn strings_and_booleans() {
        assert_eq!(p(r#""a""b""#), Expr::Text("a\"b".into()));
        assert_eq!(p(r#""""#), Expr::Text(String::new()));
        assert_eq!(p("TRUE"), Expr::Bool(true));
        assert_eq!(p("false"), Expr::Bool(false));
        assert_eq!(call_parts(p("TRUE()")), ("TRUE".to_string(), vec![]));
        assert_eq!(p("TRUEX"), name("TRUEX"));
    }

    #[test]
    fn error_literals() {
        for k in [
            ErrorKind::Null,
            ErrorKind::Div0,
            ErrorKind::Value,
            ErrorKind::Ref,
            ErrorKind::Name,
            ErrorKind::Num,
            ErrorKind::NA,
            ErrorKind::GettingData,
            ErrorKind::Spill,
            ErrorKind::Calc,
        ] {
            assert_eq!(p(k.as_str()), Expr::Error(k), "{}", k.as_str());
        }
        assert_eq!(p("#n/a"), Expr::Error(ErrorKind::NA));
    }

    #[test]
    fn arrays() {
        assert_eq!(p("{1,2;3,4}"), Expr::Array(vec![vec![n(1.0), n(2.0)], vec![n(3.0), n(4.0)]]));
        assert_eq!(
            p(r#"{-1,"a",TRUE,#N/A;+2,#REF!,FALSE,-0.5}"#),
            Expr::Array(vec![
                vec![n(-1.0), Expr::Text("a".into()), Expr::Bool(true), Expr::Error(ErrorKind::NA)],
                vec![n(2.0), Expr::Error(ErrorKind::Ref), Expr::Bool(false), n(-0.5)],
            ])
        );
        assert_eq!(p("{ 1 , 2 }"), Expr::Array(vec![vec![n(1.0), n(2.0)]]));
    }

    // ------------------------------------------------------------ references

    #[test]
    fn cells() {
        assert_eq!(p("A1"), cell(0, 0));
        assert_eq!(p("$B$3"), Expr::Ref { sheet: None, target: RefTarget::Cell(CellAddr { row: co(2, true), col: co(1, true) }) });
        assert_eq!(p("A$1"), Expr::Ref { sheet: None, target: RefTarget::Cell(CellAddr { row: co(0, true), col: co(0, false) }) });
        assert_eq!(p("XFD1048576"), cell(1_048_575, 16_383));
        // TAX ≤ XFD: a cell.
        assert_eq!(p("TAX2024"), cell(2023, 20 * 676 + 26 + 24 - 1));
        assert_eq!(p("LOG10"), cell(9, 12 * 676 + 15 * 26 + 7 - 1));
    }

    #[test]
    fn names_that_look_like_cells() {
        for t in ["ABCD1", "XFE1", "A1048577", "R1C1", "_xlnm.Print_Area", "my.name", "\\name", "A1B", "A0"] {
            assert_eq!(p(t), name(t), "{t}");
        }
        assert_eq!(p("_xlpm.x"), name("x"));
        assert_eq!(perr("$XFE$1").kind, ParseErrorKind::Syntax);
    }

    #[test]
    fn areas_columns_rows() {
        assert_eq!(p("A1:B2"), area(0, 0, 1, 1));
        assert_eq!(p("A:C"), Expr::Ref { sheet: None, target: RefTarget::Cols(co(0, false), co(2, false)) });
        assert_eq!(p("$A:$A"), Expr::Ref { sheet: None, target: RefTarget::Cols(co(0, true), co(0, true)) });
        assert_eq!(p("3:5"), Expr::Ref { sheet: None, target: RefTarget::Rows(co(2, false), co(4, false)) });
        assert_eq!(p("$47:$47"), Expr::Ref { sheet: None, target: RefTarget::Rows(co(46, true), co(46, true)) });
    }

    #[test]
    fn sheet_prefixes() {
        assert_eq!(p("Sheet1!A1"), Expr::Ref { sheet: single("Sheet1"), target: RefTarget::Cell(addr(0, 0)) });
        assert_eq!(p("'My Sheet'!A1"), Expr::Ref { sheet: single("My Sheet"), target: RefTarget::Cell(addr(0, 0)) });
        assert_eq!(p("'It''s'!A1"), Expr::Ref { sheet: single("It's"), target: RefTarget::Cell(addr(0, 0)) });
        assert_eq!(p("Données!A1"), Expr::Ref { sheet: single("Données"), target: RefTarget::Cell(addr(0, 0)) });
        assert_eq!(p("'日本'!A1"), Expr::Ref { sheet: single("日本"), target: RefTarget::Cell(addr(0, 0)) });
        assert_eq!(p("Sheet1!A1:B2"), Expr::Ref { sheet: single("Sheet1"), target: RefTarget::Area(addr(0, 0), addr(1, 1)) });
        assert_eq!(p("Sheet1!A:A"), Expr::Ref { sheet: single("Sheet1"), target: RefTarget::Cols(co(0, false), co(0, false)) });
        assert_eq!(p("Sheet1!MyName"), Expr::Name { sheet: single("Sheet1"), name: "MyName".into() });
    }

    #[test]
    fn three_d_references() {
        let span = Some(SheetPrefix::Span("Sheet1".into(), "Sheet3".into()));
        assert_eq!(p("Sheet1:Sheet3!A1:B2"), Expr::Ref { sheet: span, target: RefTarget::Area(addr(0, 0), addr(1, 1)) });
        assert_eq!(p("'Jan:Mar'!A1"), Expr::Ref { sheet: Some(SheetPrefix::Span("Jan".into(), "Mar".into())), target: RefTarget::Cell(addr(0, 0)) });
    }

    #[test]
    fn external_references() {
        assert_eq!(
            p("[1]Sheet1!A1"),
            Expr::Ref { sheet: Some(SheetPrefix::External { book: "1".into(), sheet: Some("Sheet1".into()) }), target: RefTarget::Cell(addr(0, 0)) }
        );
        assert_eq!(
            p("'[1]My Sheet'!A1"),
            Expr::Ref { sheet: Some(SheetPrefix::External { book: "1".into(), sheet: Some("My Sheet".into()) }), target: RefTarget::Cell(addr(0, 0)) }
        );
        assert_eq!(p("[1]!Name"), Expr::Name { sheet: Some(SheetPrefix::External { book: "1".into(), sheet: None }), name: "Name".into() });
        assert_eq!(
            p("[2]Codelist!$A$2:$A$11012"),
            Expr::Ref {
                sheet: Some(SheetPrefix::External { book: "2".into(), sheet: Some("Codelist".into()) }),
                target: RefTarget::Area(CellAddr { row: co(1, true), col: co(0, true) }, CellAddr { row: co(11011, true), col: co(0, true) })
            }
        );
    }

    #[test]
    fn ref_errors() {
        assert_eq!(p("#REF!"), Expr::Error(ErrorKind::Ref));
        assert_eq!(p("Sheet1!#REF!"), Expr::RefError { sheet: single("Sheet1") });
        assert_eq!(p("#REF!A1"), Expr::Ref { sheet: Some(SheetPrefix::RefError), target: RefTarget::Cell(addr(0, 0)) });
        assert_eq!(call_parts(p("SUM(#REF!,1)")).1, vec![Expr::Error(ErrorKind::Ref), n(1.0)]);
    }

    #[test]
    fn general_ranges() {
        let e = p("A1:INDEX(B:B,3)");
        match &e {
            Expr::Binary { op: BinaryOp::Range, left, right } => {
                assert_eq!(**left, cell(0, 0));
                assert_eq!(call_parts((**right).clone()).0, "INDEX");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(p("OFFSET(A1,1,1):B9"), Expr::Binary { op: BinaryOp::Range, .. }));
        // The same sheet on both sides is still one area.
        assert_eq!(p("Sheet1!A1:Sheet1!B2"), Expr::Ref { sheet: single("Sheet1"), target: RefTarget::Area(addr(0, 0), addr(1, 1)) });
        assert!(matches!(p("Sheet1!A1:Sheet2!B2"), Expr::Binary { op: BinaryOp::Range, .. }));
        assert_eq!(p("A1:B2:C3"), b(BinaryOp::Range, area(0, 0, 1, 1), cell(2, 2)));
    }

    #[test]
    fn union_and_intersection() {
        let (f, args) = call_parts(p("SUM((A1,B2))"));
        assert_eq!(f, "SUM");
        assert_eq!(args, vec![b(BinaryOp::Union, cell(0, 0), cell(1, 1))]);
        let (_, args) = call_parts(p("SUM(A1,B2)"));
        assert_eq!(args, vec![cell(0, 0), cell(1, 1)]);
        assert_eq!(p("(A1,B2,C3)"), b(BinaryOp::Union, b(BinaryOp::Union, cell(0, 0), cell(1, 1)), cell(2, 2)));
        assert_eq!(p("A1:B2 B1:C3"), b(BinaryOp::Intersect, area(0, 0, 1, 1), area(0, 1, 2, 2)));
        // Range binds tighter than intersection.
        assert_eq!(p("A1 B1:C3"), b(BinaryOp::Intersect, cell(0, 0), area(0, 1, 2, 2)));
        // Spaces elsewhere are insignificant.
        let (_, args) = call_parts(p("SUM( A1 , B2 )"));
        assert_eq!(args, vec![cell(0, 0), cell(1, 1)]);
        assert_eq!(p("A1 - B1"), b(BinaryOp::Sub, cell(0, 0), cell(0, 1)));
        assert_eq!(p("A1 -B1"), b(BinaryOp::Sub, cell(0, 0), cell(0, 1)));
        assert_eq!(p("1 + 2"), b(BinaryOp::Add, n(1.0), n(2.0)));
        assert_eq!(call_parts(p("IF(A1\n>0,\n 1 ,\n\t2 )")).1, call_parts(p("IF(A1>0,1,2)")).1);
    }

    #[test]
    fn structured_references() {
        use TableItem::*;
        assert_eq!(p("Table1[Col]"), table(Some("Table1"), vec![], Some(("Col", "Col"))));
        assert_eq!(p("Table1[]"), table(Some("Table1"), vec![], None));
        assert_eq!(p("Table1[#All]"), table(Some("Table1"), vec![All], None));
        assert_eq!(p("Table1[[#Headers],[A]:[B]]"), table(Some("Table1"), vec![Headers], Some(("A", "B"))));
        assert_eq!(p("Table1[[#This Row],[Col]]"), table(Some("Table1"), vec![ThisRow], Some(("Col", "Col"))));
        assert_eq!(p("[@Col]"), table(None, vec![ThisRow], Some(("Col", "Col"))));
        assert_eq!(p("Table1[@Col]"), table(Some("Table1"), vec![ThisRow], Some(("Col", "Col"))));
        assert_eq!(p("Table1[@[Col With Space]]"), table(Some("Table1"), vec![ThisRow], Some(("Col With Space", "Col With Space"))));
        assert_eq!(p("[@]"), table(None, vec![ThisRow], None));
        assert_eq!(p("Table1[[Col1]:[Col2]]"), table(Some("Table1"), vec![], Some(("Col1", "Col2"))));
        assert_eq!(p("Table1[[#Headers],[#Data],[Col1]]"), table(Some("Table1"), vec![Headers, Data], Some(("Col1", "Col1"))));
        assert_eq!(p("Table1[a'[1']'#''b]"), table(Some("Table1"), vec![], Some(("a[1]#'b", "a[1]#'b"))));
        assert_eq!(p("Table1[Sales Amount]"), table(Some("Table1"), vec![], Some(("Sales Amount", "Sales Amount"))));
        let (_, args) = call_parts(p("SUM(Table1[Col],[@Col])"));
        assert_eq!(args.len(), 2);
    }

    // ------------------------------------------------------------ calls

    #[test]
    fn calls() {
        let e = p("SUM(A1,2)");
        assert_eq!(e, Expr::Call { name: "SUM".into(), args: vec![cell(0, 0), n(2.0)], span: Span { start: 0, end: 9 } });
        // Span is in the text after the `=`.
        match p("=1+sum(1)") {
            Expr::Binary { right, .. } => match *right {
                Expr::Call { name, span, .. } => {
                    assert_eq!(name, "SUM");
                    assert_eq!(span, Span { start: 2, end: 8 });
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        assert_eq!(call_parts(p("f()")), ("F".to_string(), vec![]));
        assert_eq!(call_parts(p("f( )")), ("F".to_string(), vec![]));
        assert_eq!(call_parts(p("f(,)")), ("F".to_string(), vec![Expr::Missing, Expr::Missing]));
        assert_eq!(call_parts(p("IF(A1,,2)")), ("IF".to_string(), vec![cell(0, 0), Expr::Missing, n(2.0)]));
        assert_eq!(call_parts(p("IF(A1,)")), ("IF".to_string(), vec![cell(0, 0), Expr::Missing]));
        assert_eq!(call_parts(p("_xlfn.NORM.DIST(1,0,1,TRUE)")).0, "NORM.DIST");
        assert_eq!(call_parts(p("_xlfn._xlws.SORT(A1:A3)")).0, "SORT");
        assert_eq!(call_parts(p("_xlws.FILTER(A1:A3,B1:B3)")).0, "FILTER");
        assert_eq!(call_parts(p("_FV(A2,\"Leader(s)\",TRUE)")).0, "FIELDVALUE");
        for f in ["STDEV.S", "CEILING.MATH", "F.DIST.RT", "LOG10", "ATAN2", "DAYS360", "IMLOG2", "BIN2DEC", "DEC2HEX"] {
            assert_eq!(call_parts(p(&format!("{f}(1)"))).0, f);
        }
    }

    #[test]
    fn let_and_lambda() {
        let (f, args) = call_parts(p("_xlfn.LET(_xlpm.x,1,_xlpm.x*8)"));
        assert_eq!(f, "LET");
        assert_eq!(args[0], name("x"));
        assert_eq!(args[2], b(BinaryOp::Mul, name("x"), n(8.0)));
        match p("_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)(2)") {
            Expr::Invoke { callee, args } => {
                assert_eq!(call_parts(*callee).0, "LAMBDA");
                assert_eq!(args, vec![n(2.0)]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(p("LAMBDA(x,x+1)(2)"), Expr::Invoke { .. }));
        assert!(matches!(p("LAMBDA(x,y,x+y)(1,2)(3)"), Expr::Invoke { .. }));
    }

    #[test]
    fn spill_and_implicit_intersection() {
        assert_eq!(p("A1#"), Expr::Spill(Box::new(cell(0, 0))));
        assert_eq!(p("Sheet1!A1#"), Expr::Spill(Box::new(Expr::Ref { sheet: single("Sheet1"), target: RefTarget::Cell(addr(0, 0)) })));
        assert_eq!(p("@A1:A10"), u(UnaryOp::ImplicitIntersection, area(0, 0, 9, 0)));
        match p("@INDEX(A:A,1)") {
            Expr::Unary { op: UnaryOp::ImplicitIntersection, operand } => assert_eq!(call_parts(*operand).0, "INDEX"),
            other => panic!("{other:?}"),
        }
    }

    // ------------------------------------------------------------ precedence

    #[test]
    fn precedence_traps() {
        use BinaryOp::*;
        // Unary minus binds tighter than ^.
        assert_eq!(p("-2^2"), b(Pow, u(UnaryOp::Neg, n(2.0)), n(2.0)));
        assert_eq!(p("2^-2"), b(Pow, n(2.0), u(UnaryOp::Neg, n(2.0))));
        assert_eq!(p("=\"a\"&1+1"), b(Concat, Expr::Text("a".into()), b(Add, n(1.0), n(1.0))));
        assert_eq!(p("=1=1=TRUE"), b(Eq, b(Eq, n(1.0), n(1.0)), Expr::Bool(true)));
        // ^ is left-associative.
        assert_eq!(p("2^3^2"), b(Pow, b(Pow, n(2.0), n(3.0)), n(2.0)));
        // Unary minus binds tighter than %.
        assert_eq!(p("-A1%"), u(UnaryOp::Percent, u(UnaryOp::Neg, cell(0, 0))));
        assert_eq!(p("2^3%"), b(Pow, n(2.0), u(UnaryOp::Percent, n(3.0))));
        assert_eq!(p("=--A1"), u(UnaryOp::Neg, u(UnaryOp::Neg, cell(0, 0))));
        assert_eq!(p("=+A1"), u(UnaryOp::Plus, cell(0, 0)));
        assert_eq!(p("1+2*3"), b(Add, n(1.0), b(Mul, n(2.0), n(3.0))));
        assert_eq!(p("1-2-3"), b(Sub, b(Sub, n(1.0), n(2.0)), n(3.0)));
        assert_eq!(p("8/4/2"), b(Div, b(Div, n(8.0), n(4.0)), n(2.0)));
        assert_eq!(p("1<2<>TRUE"), b(Ne, b(Lt, n(1.0), n(2.0)), Expr::Bool(true)));
        assert_eq!(p("1&2=\"12\""), b(Eq, b(Concat, n(1.0), n(2.0)), Expr::Text("12".into())));
        assert_eq!(p("-A1:B2"), u(UnaryOp::Neg, area(0, 0, 1, 1)));
        assert_eq!(p("(1+2)*3"), b(Mul, b(Add, n(1.0), n(2.0)), n(3.0)));
        assert_eq!(p("1>=2"), b(Ge, n(1.0), n(2.0)));
        assert_eq!(p("1<=2"), b(Le, n(1.0), n(2.0)));
        assert_eq!(p("1>2"), b(Gt, n(1.0), n(2.0)));
    }

    // ------------------------------------------------------------ errors and limits

    #[test]
    fn syntax_errors() {
        let e = perr("SUM(1))");
        assert_eq!(e.kind, ParseErrorKind::Syntax);
        assert!(e.message.contains(")"), "{e:?}");
        assert_eq!(e.span.start, 6);
        let e = perr("SUM(1");
        assert_eq!(e.kind, ParseErrorKind::Syntax);
        assert_eq!(e.message, "unexpected end of formula");
        assert_eq!(e.span, Span { start: 5, end: 5 });
        let e = perr("1+2)*3");
        assert_eq!(e.message, "unexpected \")\"");
        assert_eq!(e.span, Span { start: 3, end: 4 });
        let e = perr("{1,A1}");
        assert_eq!(e.message, "unexpected \"A1\"");
        let e = perr("1+");
        assert_eq!(e.message, "missing number");
        // Only references can be intersected, ranged or united.
        for bad in ["1 2", "\"a\":A1", "(1,2)", "A1 TRUE", "(A1+1) B1"] {
            assert_eq!(perr(bad).kind, ParseErrorKind::Syntax, "{bad}");
        }
        for bad in ["", "   ", "1+", "*1", "(", "A1(", "{1,A1}", "\"abc", "SUM(1,2", "1 2", "1+*2"] {
            let mut parser = FormulaParser::new();
            let r = parser.parse(bad);
            // `A1(` lexes as a call with a missing `)`.
            assert!(r.is_err(), "{bad:?} parsed as {r:?}");
            assert_eq!(r.unwrap_err().kind, ParseErrorKind::Syntax, "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_rejected_not_a_crash() {
        let mut parser = FormulaParser::new();
        // 10,000-deep parentheses: longer than Excel allows.
        let f = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let e = parser.parse(&f).unwrap_err();
        assert!(matches!(e.kind, ParseErrorKind::TooLong | ParseErrorKind::TooDeep));
        let f = format!("{}1{}", "-(".repeat(10_000), ")".repeat(10_000));
        let e = parser.parse(&f).unwrap_err();
        assert!(matches!(e.kind, ParseErrorKind::TooLong | ParseErrorKind::TooDeep));
        // Within the length limit but too deep.
        for (open, close) in [("(", ")"), ("-(", ")"), ("SUM(", ")"), ("-", ""), ("@", "")] {
            let f = format!("{}1{}", open.repeat(1_500), close.repeat(1_500));
            let e = parser.parse(&f).unwrap_err();
            assert_eq!(e.kind, ParseErrorKind::TooDeep, "{open}");
        }
        let f = vec!["1"; 3_000].join("+");
        assert_eq!(parser.parse(&f).unwrap_err().kind, ParseErrorKind::TooDeep);
        let f = format!("({})", vec!["A1"; 2_000].join(","));
        assert_eq!(parser.parse(&f).unwrap_err().kind, ParseErrorKind::TooDeep);
        // Exactly at the limit still parses (and fits a 2 MB test-thread stack in debug
        // builds); one more level does not.
        let f = format!("{}1{}", "(".repeat(MAX_DEPTH - 1), ")".repeat(MAX_DEPTH - 1));
        assert_eq!(parser.parse(&f), Ok(n(1.0)));
        let f = format!("{}1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(parser.parse(&f).unwrap_err().kind, ParseErrorKind::TooDeep);
        let f = format!("{}1{}", "SUM(".repeat(MAX_DEPTH - 1), ")".repeat(MAX_DEPTH - 1));
        assert!(parser.parse(&f).is_ok());
        let f = format!("{}1", "-".repeat(MAX_DEPTH - 1));
        assert!(parser.parse(&f).is_ok());
        let f = vec!["A1"; MAX_DEPTH - 1].join("+");
        assert!(parser.parse(&f).is_ok());
        // Each level here is a call plus a range: two levels.
        let levels = (MAX_DEPTH - 1) / 2;
        let f = format!("{}A1{}", "INDEX(".repeat(levels), ":B2,1)".repeat(levels));
        assert!(parser.parse(&f).is_ok());
        let f = format!("{}A1{}", "INDEX(".repeat(levels + 1), ":B2,1)".repeat(levels + 1));
        assert_eq!(parser.parse(&f).unwrap_err().kind, ParseErrorKind::TooDeep);
        // Unbalanced deep input is a syntax error, found without recursion.
        let f = "(".repeat(8_000);
        assert_eq!(parser.parse(&f).unwrap_err().kind, ParseErrorKind::Syntax);
    }

    #[test]
    fn huge_formula_is_too_long() {
        let mut parser = FormulaParser::new();
        let f = "1+".repeat(512 * 1024) + "1";
        let t = std::time::Instant::now();
        let e = parser.parse(&f).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::TooLong);
        assert!(t.elapsed() < std::time::Duration::from_millis(200));
        // The limit is in characters, not bytes.
        let f = format!("\"{}\"", "é".repeat(MAX_FORMULA_LEN - 2));
        assert!(parser.parse(&f).is_ok());
        let f = format!("\"{}\"", "é".repeat(MAX_FORMULA_LEN - 1));
        assert_eq!(parser.parse(&f).unwrap_err().kind, ParseErrorKind::TooLong);
    }
}
