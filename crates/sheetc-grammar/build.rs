//! Compiles the generated parser (`src/parser.c`) and the hand-written external scanner
//! (`src/scanner.c`). The parser is committed, so building never needs tree-sitter-cli.

fn main() {
    let src_dir = std::path::Path::new("src");

    let mut c_config = cc::Build::new();
    c_config.std("c11").include(src_dir);
    c_config.flag_if_supported("-Wno-unused-parameter").flag_if_supported("-Wno-unused-but-set-variable").flag_if_supported("-Wno-trigraphs");
    #[cfg(target_env = "msvc")]
    c_config.flag("-utf-8");

    for file in ["parser.c", "scanner.c"] {
        let path = src_dir.join(file);
        c_config.file(&path);
        println!("cargo:rerun-if-changed={}", path.to_str().unwrap());
    }
    println!("cargo:rerun-if-changed=src/tree_sitter/parser.h");

    c_config.compile("tree-sitter-excel-formula");
}
