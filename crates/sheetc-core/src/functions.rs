//! What the compiler knows about functions: one table, built from the runtime's
//! registry (the TypeScript layer passes each registered function's facts in), so no
//! list of function names is hard-coded here. The only names the compiler knows by
//! itself are its special forms (LET, LAMBDA, ...), which never reach the runtime.

use std::collections::{HashMap, HashSet};

/// Functions the binder handles itself (they never reach the runtime registry as calls).
pub const SPECIAL_FORMS: &[&str] = &["LET", "LAMBDA", "SINGLE", "ANCHORARRAY"];

/// FORMULATEXT reads a cell's formula, not its value: the compiler resolves the text at
/// build time (`stages::formula_text`), and its argument is not a precedent. A compiler
/// form rather than a runtime fact, like LET.
pub const FORMULA_TEXT: &str = "FORMULATEXT";

/// The facts of one runtime function, as the registry declares them.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FunctionFacts {
    /// Upper-case Excel name.
    pub name: String,
    /// Per parameter: reads a value (`v`) or takes a reference (`a`); the last repeats.
    pub params: String,
    /// Recomputed on every run (NOW, RAND, OFFSET, INDIRECT).
    pub volatile: bool,
    /// Returns a reference (INDEX, OFFSET, INDIRECT).
    pub returns_ref: bool,
    /// Builds a reference from run-time values (OFFSET, INDIRECT): its cell may read any
    /// cell, so it is evaluated after every cell it could read.
    pub dynamic_reference: bool,
    /// Reads no evaluation context (the calling cell's row, column or sheet, the clock):
    /// with the same arguments it gives the same value anywhere, so a loop may hoist it.
    pub pure: bool,
    /// Which parameters consume a whole range (never intersected with the calling cell),
    /// as a pattern of `r` (whole range) and `v` (a range there is intersected or lifted):
    /// the last letter repeats, or the parenthesised group at the end (`r(rv)` for SUMIFS).
    pub ranges: String,
    /// Parameters Excel evaluates as arrays even in a legacy (non-array) formula
    /// (SUMPRODUCT's, MMULT's, INDEX's first, LOOKUP's vectors): the same pattern with
    /// `a` for array-typed parameters and `v` for the others (`av`: INDEX). Only those
    /// arguments are evaluated in array mode (codegen).
    pub arrays: String,
    /// Calls the engine cannot honour exactly (CELL("filename"), a REGEX pattern with a
    /// construct the runtime does not run): backfilled and reported, never run.
    pub restrictions: Vec<CallRestriction>,
    /// A cell calling it is a subtotal (SUBTOTAL, AGGREGATE): SUBTOTAL and AGGREGATE skip
    /// such cells in their ranges, to avoid counting twice.
    pub subtotal: bool,
    /// Parameters whose reference is read for its address only, never its cells' values
    /// (ROW, ROWS, AREAS, OFFSET's base): the same pattern with `o` there. A reference
    /// there is no precedent of the formula (bind::reads).
    pub ref_only: String,
    /// The least number of arguments it takes (0 when not given: taken as 1). A function
    /// passed as a LAMBDA (`_xleta.SUM`) takes that many parameters, 1 or 2.
    pub min_args: u32,
}

/// A call the engine cannot honour: when every condition holds, the cell keeps Excel's
/// stored value and is reported with `reason` (the registry's `CallRestriction`).
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CallRestriction {
    pub when: Vec<ArgumentTest>,
    pub reason: String,
}

/// One condition on argument `arg` (0-based) of a bound call.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ArgumentTest {
    pub arg: u32,
    pub test: ArgumentTestKind,
    /// `literal`: texts compared in any letter case; `contains`: substrings, exact case.
    pub texts: Vec<String>,
    /// `literal`: numbers the constant may equal.
    pub numbers: Vec<f64>,
}

/// What an `ArgumentTest` checks (see the registry's `ArgumentTest`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ArgumentTestKind {
    /// Left out, or written empty.
    #[default]
    Omitted,
    /// A reference to a sheet other than the formula's own.
    OtherSheet,
    /// A constant text among `texts` (any case) or a constant number among `numbers`.
    Literal,
    /// A constant text containing one of `texts`.
    Contains,
}

/// Why the runtime does not compute a function Excel has, when there is more to say than
/// "not implemented" (GETPIVOTDATA reads a pivot table, the CUBE functions an OLAP
/// server): the TypeScript layer declares these, with a stable reason code.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FunctionNote {
    /// Upper-case Excel name.
    pub name: String,
    /// Stable reason code in the build report (`pivot-table`, `cube-function`, ...).
    pub code: String,
    /// What the report says.
    pub reason: String,
}

/// The prefixes Excel writes before a user-defined function's name: `_xludf.` (a VBA
/// or add-in function whose name Excel also knows), `_xll.` (an XLL add-in's function).
const USER_PREFIXES: [&str; 2] = ["_XLUDF.", "_XLL."];
/// The prefix of an XLL add-in function.
const ADD_IN_PREFIX: &str = "_XLL.";

/// A call's name without a user-defined-function prefix (`_XLUDF.FOO` → `FOO`), upper-case.
pub fn user_function_base(name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    USER_PREFIXES.iter().find_map(|p| upper.strip_prefix(p).map(str::to_string)).unwrap_or(upper)
}

/// Whether the call names an XLL add-in's function (`_xll.`).
pub fn is_add_in_call(name: &str) -> bool {
    name.len() > ADD_IN_PREFIX.len() && name.get(..ADD_IN_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(ADD_IN_PREFIX))
}

/// Reads position `i` of a pattern such as `rvr`, `r(rv)` or `(rv)`: the last letter
/// repeats, or the group in parentheses at the end. Empty pattern: None.
fn pattern_at(pattern: &str, i: usize) -> Option<u8> {
    let bytes = pattern.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    match pattern.find('(') {
        Some(open) => {
            let head = &bytes[..open];
            let group: Vec<u8> = bytes[open + 1..].iter().copied().filter(|&b| b != b')').collect();
            if i < head.len() {
                Some(head[i])
            } else if group.is_empty() {
                head.last().copied()
            } else {
                Some(group[(i - head.len()) % group.len()])
            }
        }
        None => Some(bytes[i.min(bytes.len() - 1)]),
    }
}

/// The names the runtime implements and their facts, and Excel's catalogue.
#[derive(Default)]
pub struct FunctionTable {
    facts: HashMap<String, FunctionFacts>,
    /// Excel's whole catalogue. A call to a name outside it is what Excel itself
    /// evaluates to `#NAME?` (a typo, a removed add-in): computed, not backfilled.
    /// Empty means "unknown catalogue": every unsupported call is backfilled.
    known: HashSet<String>,
    /// User-defined functions the caller implements (base names, upper-case): calls to
    /// them are compiled (`R.udf`), the engine receives the implementations at load.
    declared: HashSet<String>,
    /// The workbook has a VBA project: a name Excel does not know is a user-defined function.
    vba_project: bool,
    /// Why some unimplemented Excel functions are not computed.
    notes: HashMap<String, FunctionNote>,
}

impl FunctionTable {
    pub fn new(facts: impl IntoIterator<Item = FunctionFacts>) -> Self {
        let facts = facts.into_iter().map(|mut f| {
            f.name = f.name.to_ascii_uppercase();
            (f.name.clone(), f)
        });
        FunctionTable { facts: facts.collect(), ..FunctionTable::default() }
    }

    /// User-defined functions: the names the caller implements (any spelling; prefixes
    /// `_xludf.`/`_xll.` ignored), and whether the workbook has a VBA project.
    pub fn with_user_functions(mut self, declared: impl IntoIterator<Item = String>, vba_project: bool) -> Self {
        self.declared = declared.into_iter().map(|n| user_function_base(&n)).collect();
        self.vba_project = vba_project;
        self
    }

    /// Why the runtime does not compute these Excel functions.
    pub fn with_notes(mut self, notes: impl IntoIterator<Item = FunctionNote>) -> Self {
        self.notes = notes.into_iter().map(|n| (n.name.to_ascii_uppercase(), n)).collect();
        self
    }

    /// The note on an Excel function the runtime does not compute, if any.
    pub fn note(&self, name: &str) -> Option<&FunctionNote> {
        self.notes.get(name)
    }

    /// Whether a call (to a name the runtime does not implement) is a user-defined
    /// function: one the caller implements, an XLL add-in's (`_xll.`), one written with
    /// `_xludf.`, or, in a workbook with a VBA project, any name Excel does not know.
    /// Such a call binds like a function call (its arguments are precedents); whether it
    /// is computed or its cell backfilled is decided by [`FunctionTable::is_declared`].
    pub fn is_user_function(&self, name: &str) -> bool {
        let base = user_function_base(name);
        if self.declared.contains(&base) {
            return true;
        }
        if base.len() != name.len() {
            return true;
        }
        self.vba_project && self.is_unknown_to_excel(name)
    }

    /// Whether a call's result may change with nothing in the workbook changing: the
    /// functions the runtime's registry declares volatile (NOW, TODAY, RAND, CELL, OFFSET,
    /// INDIRECT...) and user-defined functions (their implementation is given per run).
    /// An incremental run recomputes such cells every time, as Excel's recalculation does.
    pub fn is_volatile(&self, name: &str) -> bool {
        self.facts.get(name).is_some_and(|f| f.volatile || f.dynamic_reference) || self.is_user_function(name)
    }

    /// Whether the caller implements this user-defined function.
    pub fn is_declared(&self, name: &str) -> bool {
        !self.declared.is_empty() && self.declared.contains(&user_function_base(name))
    }

    pub fn with_catalogue(mut self, names: impl IntoIterator<Item = String>) -> Self {
        self.known = names.into_iter().map(|n| n.to_ascii_uppercase()).collect();
        self
    }

    pub fn facts(&self, name: &str) -> Option<&FunctionFacts> {
        self.facts.get(name)
    }

    /// Whether parameter `index` of `name` reads a value (so a single cell can be passed
    /// as a plain value, with no reference object per call).
    pub fn is_value_param(&self, name: &str, index: usize) -> bool {
        self.facts.get(name).and_then(|f| pattern_at(&f.params, index)) == Some(b'v')
    }

    /// True when Excel has no function of this name.
    pub fn is_unknown_to_excel(&self, name: &str) -> bool {
        !self.known.is_empty() && !self.known.contains(name) && !self.facts.contains_key(name)
    }

    pub fn is_supported(&self, name: &str) -> bool {
        self.facts.contains_key(name) || SPECIAL_FORMS.contains(&name)
    }

    /// For a pure function: whether parameter `i` consumes a whole range. None for a
    /// function that reads evaluation context (or is unknown).
    pub fn whole_range_param(&self, name: &str, i: usize) -> Option<bool> {
        let f = self.facts.get(name).filter(|f| f.pure)?;
        Some(pattern_at(&f.ranges, i) == Some(b'r'))
    }

    /// Whether parameter `i` of `name` is array-typed (evaluated as an array).
    pub fn is_array_param(&self, name: &str, i: usize) -> bool {
        self.facts.get(name).and_then(|f| pattern_at(&f.arrays, i)) == Some(b'a')
    }

    /// Whether parameter `i` of `name` reads only its reference's address.
    pub fn is_ref_only_param(&self, name: &str, i: usize) -> bool {
        self.facts.get(name).and_then(|f| pattern_at(&f.ref_only, i)) == Some(b'o')
    }

    /// The calls of `name` the engine cannot honour (empty for most functions).
    pub fn restrictions(&self, name: &str) -> &[CallRestriction] {
        self.facts.get(name).map_or(&[], |f| f.restrictions.as_slice())
    }

    /// Whether any function declares restrictions (the backfill stage skips its walk if none).
    pub fn any_restrictions(&self) -> bool {
        self.facts.values().any(|f| !f.restrictions.is_empty())
    }

    /// Whether a cell calling it is a subtotal (SUBTOTAL, AGGREGATE skip such cells).
    pub fn is_subtotal(&self, name: &str) -> bool {
        self.facts.get(name).is_some_and(|f| f.subtotal)
    }

    /// Whether the function builds references at run time (OFFSET, INDIRECT).
    /// The parameters of `name` passed as a LAMBDA (`_xleta.NAME`): its least number of
    /// arguments, at least 1 and at most 2 (PERCENTOF takes the subset and the whole), as
    /// the runtime's `etaLambda` gives it.
    pub fn eta_arity(&self, name: &str) -> u32 {
        self.facts(name).map_or(1, |f| f.min_args.clamp(1, 2))
    }

    pub fn is_dynamic_reference(&self, name: &str) -> bool {
        self.facts.get(name).is_some_and(|f| f.dynamic_reference)
    }
}

/// A table with the facts the runtime registry declares for a few common functions, for
/// the compiler's own unit tests (the real table always comes from the registry).
#[cfg(test)]
pub(crate) fn test_table() -> FunctionTable {
    let f = |name: &str, params: &str, pure: bool, ranges: &str| FunctionFacts {
        name: name.into(),
        params: params.into(),
        pure,
        ranges: ranges.into(),
        ..Default::default()
    };
    let mut facts = vec![
        f("SUM", "a", true, "r"),
        f("MIN", "a", true, "r"),
        f("MAX", "a", true, "r"),
        f("SUMIFS", "a", true, "r(rv)"),
        f("COUNTIFS", "a", true, "(rv)"),
        FunctionFacts { name: "ROW".into(), params: "a".into(), ref_only: "o".into(), ..Default::default() },
        f("ROUND", "vv", true, "v"),
        f("ABS", "v", true, "v"),
        f("MATCH", "vav", true, "vrv"),
        FunctionFacts {
            name: "INDEX".into(),
            params: "avvv".into(),
            pure: true,
            ranges: "rv".into(),
            returns_ref: true,
            arrays: "av".into(),
            ..Default::default()
        },
        FunctionFacts { name: "SUMPRODUCT".into(), params: "a".into(), pure: true, ranges: "r".into(), arrays: "a".into(), ..Default::default() },
        FunctionFacts { name: "OFFSET".into(), params: "avvvv".into(), volatile: true, returns_ref: true, dynamic_reference: true, ..Default::default() },
        FunctionFacts { name: "INDIRECT".into(), params: "vv".into(), volatile: true, returns_ref: true, dynamic_reference: true, ..Default::default() },
    ];
    facts.push(f("IF", "vvv", false, ""));
    FunctionTable::new(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_repeat_their_last_letter_or_group() {
        assert_eq!(pattern_at("rvr", 0), Some(b'r'));
        assert_eq!(pattern_at("rvr", 1), Some(b'v'));
        assert_eq!(pattern_at("rvr", 7), Some(b'r'));
        // SUMIFS: sum range, then (criteria range, criterion) pairs.
        let sumifs: Vec<u8> = (0..6).filter_map(|i| pattern_at("r(rv)", i)).collect();
        assert_eq!(sumifs, b"rrvrvr");
        // COUNTIFS: (criteria range, criterion) pairs from the start.
        let countifs: Vec<u8> = (0..4).filter_map(|i| pattern_at("(rv)", i)).collect();
        assert_eq!(countifs, b"rvrv");
        assert_eq!(pattern_at("", 0), None);
    }

    #[test]
    fn facts_answer_by_name() {
        let table = FunctionTable::new([
            FunctionFacts { name: "sum".into(), params: "a".into(), pure: true, ranges: "r".into(), ..Default::default() },
            FunctionFacts { name: "ROW".into(), params: "a".into(), ..Default::default() },
            FunctionFacts { name: "SUMPRODUCT".into(), params: "a".into(), pure: true, ranges: "r".into(), arrays: "a".into(), ..Default::default() },
        ])
        .with_catalogue(["SUM".to_string(), "ROW".to_string(), "WEBSERVICE".to_string()]);
        assert!(table.is_supported("SUM") && table.is_supported("LET") && !table.is_supported("WEBSERVICE"));
        assert!(!table.is_unknown_to_excel("WEBSERVICE") && table.is_unknown_to_excel("MYUDF"));
        assert_eq!(table.whole_range_param("SUM", 3), Some(true));
        assert_eq!(table.whole_range_param("ROW", 0), None);
        assert!(table.is_array_param("SUMPRODUCT", 4) && !table.is_array_param("SUM", 0));
    }
}
