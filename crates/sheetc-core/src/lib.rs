//! sheetc compiler core: turns an Excel workbook into a JavaScript calculation engine.
//!
//! The pipeline runs one way, each stage a module with a narrow interface:
//! [`read`] → [`partition`] → [`parse`] (+ [`shape`]) → [`bind`] → [`graph`] →
//! [`backfill`] → [`layout`] → [`emit`] (with [`codegen`]). [`compile::compile`] drives it.
//! Plain Rust, no N-API: the binding crate is a thin wrapper.

pub mod ast;
pub mod backfill;
pub mod bind;
pub mod cached;
pub mod codegen;
pub mod compile;
pub mod emit;
pub mod error;
pub mod graph;
pub mod js;
pub mod layout;
pub mod numfmt;
pub mod parse;
pub mod partition;
pub mod profile;
pub mod read;
pub mod shape;

pub use compile::{compile, BuildReport, CompileOptions};
pub use error::{ErrorCode, SheetcError};
pub use read::Limits;

/// Stack size for the compile thread. Formulas nest up to `parse::MAX_DEPTH` levels
/// and the bind/codegen stages recurse over them; a dedicated thread with a generous
/// stack makes that safe on any host thread (libuv's pool threads are small).
pub const COMPILE_STACK_BYTES: usize = 256 << 20;

/// Runs `f` on a thread with a stack of `COMPILE_STACK_BYTES`.
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::thread::Result<T> {
    std::thread::Builder::new()
        .name("sheetc-compile".into())
        .stack_size(COMPILE_STACK_BYTES)
        .spawn(f)
        .map_err(|e| Box::new(e.to_string()) as Box<dyn std::any::Any + Send>)?
        .join()
}

/// Test helper: a deterministic xorshift generator, `next(m)` in `0..m` (no dependency,
/// same sequence on every run).
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut(u32) -> u32 {
    move |m: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as u32
    }
}
