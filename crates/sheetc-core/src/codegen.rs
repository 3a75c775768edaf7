//! Code generation for one formula shape: a bound expression becomes the body of a JS
//! function `(x, B, r, c) => value`, where `x` is the runtime context, `B` the run's
//! sheet stores, and `r`/`c` the cell the shape is evaluated for. Relative references
//! become `r + dr` / `c + dc`, so one function serves every cell of the shape.

use crate::ast::{BinaryOp, ErrorKind, UnaryOp};
use crate::bind::{Area, Bound, Coord};
use crate::js;

/// How a reference is wanted where it appears.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The value (a single cell is read directly).
    Value,
    /// A reference object (function arguments, range operators).
    Ref,
}

/// Functions whose parameters are array-typed: their arguments are evaluated as arrays.
const ARRAY_ARGUMENT_FUNCTIONS: &[&str] = &[
    "SUMPRODUCT", "MMULT", "MDETERM", "MINVERSE", "TRANSPOSE", "FREQUENCY", "LINEST", "LOGEST", "TREND", "GROWTH",
    "SUMX2MY2", "SUMX2PY2", "SUMXMY2",
];

pub struct ShapeCode {
    /// `function NAME(x, B, r, c) { ... }` source.
    pub source: String,
}

/// Generates the JS function for a shape.
pub fn shape_function(name: &str, bound: &Bound) -> ShapeCode {
    let mut g = Gen::new(name, 0);
    // A top-level single cell is read as a value; areas stay references (array formulas).
    let body = g.expr(bound, Want::Value);
    let main = g.function_source(name, &body);
    let mut source = g.hoisted.concat();
    source.push_str(&main);
    ShapeCode { source }
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
        Bound::Array { items, .. } | Bound::Areas(items) | Bound::Call { args: items, .. } => {
            items.iter().any(|i| reads_outer_locals(i, bound_inside))
        }
        Bound::Unary(_, x) | Bound::Spill(x) | Bound::CellValue(x) => reads_outer_locals(x, bound_inside),
        Bound::Binary(_, l, r) => reads_outer_locals(l, bound_inside) || reads_outer_locals(r, bound_inside),
        Bound::Invoke { callee, args } => {
            reads_outer_locals(callee, bound_inside) || args.iter().any(|a| reads_outer_locals(a, bound_inside))
        }
        _ => false,
    }
}

/// Small expressions that may be written twice without growing the code.
fn is_simple(b: &Bound) -> bool {
    matches!(
        b,
        Bound::Number(_) | Bound::Text(_) | Bound::Bool(_) | Bound::Error(_) | Bound::Missing | Bound::Cell { .. } | Bound::Local(_)
    ) || matches!(b, Bound::CellValue(_) | Bound::Area(_))
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

struct Gen {
    temps: usize,
    locals: Vec<u32>,
    /// The shape function's name, prefix of its hoisted branch functions.
    prefix: String,
    next_fn: usize,
    /// Branch functions (module-level sources) referenced by the generated code.
    hoisted: Vec<String>,
}

impl Gen {
    fn new(prefix: &str, next_fn: usize) -> Self {
        Gen { temps: 0, locals: Vec::new(), prefix: prefix.to_string(), next_fn, hoisted: Vec::new() }
    }

    fn function_source(&self, name: &str, body: &str) -> String {
        let mut decls: Vec<String> = (0..self.temps).map(|i| format!("t{i}")).collect();
        decls.extend(self.locals.iter().map(|l| format!("l{l}")));
        let decl = if decls.is_empty() { String::new() } else { format!("let {};", decls.join(",")) };
        format!("function {name}(x,B,r,c){{{decl}return {body};}}\n")
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
        let mut child = Gen::new(&self.prefix, self.next_fn + 1);
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
        format!(
            "new R.Ref(B[{}],{},{},{},{})",
            a.sheet,
            coord(a.r0, "r"),
            coord(a.c0, "c"),
            coord(a.r1, "r"),
            coord(a.c1, "c")
        )
    }

    fn expr(&mut self, b: &Bound, want: Want) -> String {
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
                let v = self.expr(inner, if *op == UnaryOp::ImplicitIntersection { Want::Ref } else { Want::Value });
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
        let a = self.expr(l, want);
        let b = self.expr(r, want);
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
                match (self.branch(&yes_b), self.branch(&no_b)) {
                    (Some(yes), Some(no)) => {
                        let t = self.temp();
                        return format!("(({t}=R.condition({cond},x))===true?{yes}:{t}===false?{no}:R.ifOther({t},x,()=>{yes},()=>{no}))");
                    }
                    _ => {
                        // Branches read LET/LAMBDA variables: one closure each.
                        let yes = self.expr(&yes_b, Want::Ref);
                        let no = self.expr(&no_b, Want::Ref);
                        return format!("R.ifOther(R.condition({cond},x),x,()=>{yes},()=>{no})");
                    }
                }
            }
            ("IFERROR", 2) | ("IFNA", 2) => {
                let v = self.expr(&args[0], Want::Ref);
                let na = name == "IFNA";
                let t = self.temp();
                let test = if na { format!("{t}===R.ERR.NA") } else { format!("{t} instanceof R.ExcelError") };
                let alt = match self.branch(&args[1]) {
                    Some(alt) => alt,
                    None => {
                        let alt = self.expr(&args[1], Want::Ref);
                        return format!("R.iferrorLazy(R.val({v},x),()=>{alt},{na},x)");
                    }
                };
                return format!("(({t}=R.val({v},x)),{test}?{alt}:{t} instanceof R.Matrix?R.iferrorMatrix({t},()=>{alt},{na},x):{t})");
            }
            _ => {}
        }
        let args: Vec<String> = args.iter().map(|a| self.expr(a, Want::Ref)).collect();
        let call = if args.is_empty() {
            format!("{}(x)", function_access(name))
        } else {
            format!("{}(x,{})", function_access(name), args.join(","))
        };
        if ARRAY_ARGUMENT_FUNCTIONS.contains(&name) {
            // Excel evaluates these functions' arguments as arrays even in an ordinary
            // formula (SUMPRODUCT((A1:A9>1)*B1:B9)): evaluate them in array mode.
            format!("R.arrayScope(x,x.array,(x.array=true,{call}))")
        } else {
            call
        }
    }
}
