//! The tree-sitter grammar of the Excel formula language, as Excel stores formulas in
//! .xlsx files (A1 references, `,` argument separator, no leading `=`).
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser.set_language(&sheetc_grammar::language()).expect("loading the formula grammar");
//! let tree = parser.parse("SUM(A1:B2)", None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```
//!
//! The parser in `src/parser.c` is generated from `grammar.js`; see README.md to
//! regenerate it.

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_excel_formula() -> *const ();
}

/// The tree-sitter [`LanguageFn`] of the grammar.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_excel_formula) };

/// The formula language, ready for `tree_sitter::Parser::set_language`.
pub fn language() -> tree_sitter::Language {
    tree_sitter::Language::new(LANGUAGE)
}

/// The content of [`node-types.json`][] for this grammar.
///
/// [`node-types.json`]: https://tree-sitter.github.io/tree-sitter/using-parsers/6-static-node-types
pub const NODE_TYPES: &str = include_str!("node-types.json");

#[cfg(test)]
mod tests {
    #[test]
    fn loads_the_grammar() {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&super::language()).expect("Error loading the Excel formula grammar");
        let tree = parser.parse("SUM(A1:B2, 'My Sheet'!C3)", None).unwrap();
        assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
    }
}

/// Runs the tree-sitter corpus tests of `test/corpus/*.txt` without tree-sitter-cli,
/// comparing S-expressions with field names ignored (as `tree-sitter test` does).
#[cfg(test)]
mod corpus {
    use std::path::Path;

    fn normalize(sexp: &str) -> String {
        // Drop `field: ` labels, then all whitespace differences.
        let mut out = String::new();
        for token in sexp.split_whitespace() {
            if token.ends_with(':') {
                continue;
            }
            if !out.is_empty() && !token.starts_with(')') {
                out.push(' ');
            }
            out.push_str(token);
        }
        out
    }

    /// Splits a corpus file into (title, input, expected tree).
    fn cases(text: &str) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let lines: Vec<&str> = text.lines().collect();
        let is_rule = |l: &str| l.len() >= 3 && l.chars().all(|c| c == '=');
        let mut i = 0;
        while i < lines.len() {
            if is_rule(lines[i]) && i + 2 < lines.len() && is_rule(lines[i + 2]) {
                let title = lines[i + 1].to_string();
                i += 3;
                let start = i;
                while i < lines.len() && !(lines[i].len() >= 3 && lines[i].chars().all(|c| c == '-')) {
                    i += 1;
                }
                let input = lines[start..i].join("\n").trim_matches('\n').to_string();
                i += 1;
                let start = i;
                while i < lines.len() && !(is_rule(lines[i]) && i + 2 < lines.len() && is_rule(lines[i + 2])) {
                    i += 1;
                }
                let expected = lines[start..i].join("\n");
                out.push((title, input, expected));
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn corpus_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/corpus");
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&super::language()).unwrap();
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        let (mut total, mut failures) = (0, Vec::new());
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            for (title, input, expected) in cases(&text) {
                total += 1;
                let tree = parser.parse(&input, None).unwrap();
                let got = normalize(&tree.root_node().to_sexp());
                let want = normalize(&expected);
                if got != want {
                    failures.push(format!("{}: {title}\n  input: {input:?}\n  want: {want}\n  got:  {got}", path.display()));
                }
            }
        }
        assert!(total > 100, "only {total} corpus cases found");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
