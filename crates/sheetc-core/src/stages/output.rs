//! Output stage: the engine is written to a temporary sibling of the output directory and
//! renamed into place at the end, so a failed or cancelled build never leaves a
//! half-written engine (and leaves a previous engine untouched).
//!
//! A build replaces an existing directory only when it is an engine sheetc wrote and holds
//! nothing else ([`check_out_dir`]), and the temporary siblings of builds that were killed
//! are swept by the next build into the same place ([`temp_sibling`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{ErrorCode, Result, SheetcError};
use crate::plan::EnginePlan;
use crate::report::BuildReport;
use crate::stages::{cancelled_err, emit};

/// The manifest's marker: the program that wrote the engine directory...
pub const GENERATOR: &str = "sheetc";
/// ...and the engine's format version (its files and their layout).
pub const FORMAT_VERSION: u32 = 1;

/// The largest manifest.json read to recognise an engine.
const MAX_MANIFEST_BYTES: u64 = 256 << 20;
/// How many foreign files an error names.
const FOREIGN_SHOWN: usize = 5;

/// An existing output directory is replaced only when it is empty, or an engine sheetc
/// wrote that holds nothing else: its `manifest.json` says `"generator": "sheetc"` with a
/// format version and lists the engine's files (`files`), and every file in the directory
/// is one of them. Anything else (a user's project folder that happens to hold a
/// `manifest.json` and an `engine.js`, an engine someone added files to) is `E_IO`: a
/// build never deletes what it did not write.
pub fn check_out_dir(out_dir: &Path) -> Result<()> {
    match std::fs::read_dir(out_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SheetcError::io(&format!("cannot use output directory {}", out_dir.display()), e)),
        Ok(mut entries) => {
            if entries.next().is_none() {
                return Ok(());
            }
            match foreign_files(out_dir) {
                Ok(foreign) if foreign.is_empty() => Ok(()),
                Ok(foreign) => Err(refuse(out_dir, &format!("holds files sheetc did not write ({})", foreign.join(", ")))),
                Err(why) => Err(refuse(out_dir, &why)),
            }
        }
    }
}

fn refuse(out_dir: &Path, why: &str) -> SheetcError {
    SheetcError::new(
        ErrorCode::Io,
        format!(
            "output directory {} {why}; sheetc only replaces an empty directory or an engine it wrote, so nothing was written (choose a new directory, or empty this one)",
            out_dir.display()
        ),
    )
}

/// The files in `dir` that its manifest does not list (the first few), or why `dir` is
/// not an engine sheetc wrote.
fn foreign_files(dir: &Path) -> std::result::Result<Vec<String>, String> {
    use std::io::Read;
    let not_ours = "is not empty and is not an engine sheetc wrote (its manifest.json does not name sheetc as its generator)";
    let file = std::fs::File::open(dir.join("manifest.json")).map_err(|_| "is not empty and holds no sheetc manifest.json".to_string())?;
    let mut text = Vec::new();
    file.take(MAX_MANIFEST_BYTES).read_to_end(&mut text).map_err(|_| not_ours.to_string())?;
    let manifest: serde_json::Value = serde_json::from_slice(&text).map_err(|_| not_ours.to_string())?;
    let version = manifest.get("formatVersion").and_then(|v| v.as_u64()).filter(|&v| v >= 1);
    if manifest.get("generator").and_then(|g| g.as_str()) != Some(GENERATOR) || version.is_none() {
        return Err(not_ours.to_string());
    }
    let listed: HashSet<&str> = manifest
        .get("files")
        .and_then(|f| f.as_array())
        .map(|files| files.iter().filter_map(|f| f.as_str()).filter(|f| is_plain_relative(f)).collect())
        .ok_or_else(|| "has a manifest.json without the list of the engine's files".to_string())?;
    // Directories that hold listed files (`modules`).
    let dirs: HashSet<&str> = listed.iter().flat_map(|f| f.match_indices('/').map(move |(i, _)| &f[..i])).collect();
    let mut foreign = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let entries = std::fs::read_dir(&path).map_err(|e| format!("cannot be listed ({e})"))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot be listed ({e})"))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            // Not followed: a link is a file here, and only a listed one may be replaced.
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && dirs.contains(rel.as_str()) {
                stack.push((entry.path(), rel));
            } else if is_dir || !listed.contains(rel.as_str()) {
                foreign.push(if is_dir { format!("{rel}/") } else { rel });
                if foreign.len() == FOREIGN_SHOWN {
                    return Ok(foreign);
                }
            }
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// A listed path must stay inside the directory: relative, `/`-separated, no `..`.
fn is_plain_relative(p: &str) -> bool {
    !p.is_empty() && !p.starts_with('/') && !p.contains('\\') && p.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// The engine's files as its manifest lists them: everything the build wrote into `tmp`
/// (a fresh directory), and the manifest itself.
pub fn engine_files(tmp: &Path) -> Result<Vec<String>> {
    let mut files = vec!["manifest.json".to_string()];
    let mut stack = vec![(tmp.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        for entry in std::fs::read_dir(&path).map_err(|e| SheetcError::io("listing the engine's files", e))? {
            let entry = entry.map_err(|e| SheetcError::io("listing the engine's files", e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push((entry.path(), rel));
            } else if rel != "manifest.json" {
                files.push(rel);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Marks a temporary sibling (`.NAME.sheetc-tmp-PID-N`) and a previous engine moved aside
/// (`.NAME.sheetc-old-PID-N`): the pid of the build that made it, so a later build can
/// tell a leftover of a killed build from a build still running.
const TMP_TAG: &str = "sheetc-tmp-";
const OLD_TAG: &str = "sheetc-old-";

/// A fresh temporary directory next to `out_dir` (same filesystem, so rename is atomic).
/// Leftovers of killed builds into the same place are removed first.
pub fn temp_sibling(out_dir: &Path) -> Result<PathBuf> {
    let parent = out_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| SheetcError::io("creating the output's parent directory", e))?;
    let base = out_dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "engine".into());
    sweep_stale(parent, &base);
    for i in 0..1000u32 {
        let candidate = parent.join(format!(".{base}.{TMP_TAG}{}-{i}", std::process::id()));
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(SheetcError::io("creating a temporary output directory", e)),
        }
    }
    Err(SheetcError::new(ErrorCode::Io, "cannot create a temporary output directory"))
}

/// Removes `.{base}.sheetc-tmp-PID-N` and `.{base}.sheetc-old-PID-N` in `parent` whose
/// build (PID) is no longer running: a build killed while it wrote leaves them, and no
/// later build would otherwise. Where a process cannot be looked up (no `/proc`), nothing
/// is removed.
pub fn sweep_stale(parent: &Path, base: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let prefix = format!(".{base}.");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(&prefix)).and_then(leftover_pid) else { continue };
        if pid != std::process::id() && process_alive(pid) == Some(false) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The pid in `sheetc-tmp-PID-N` or `sheetc-old-PID-N`.
fn leftover_pid(tail: &str) -> Option<u32> {
    let rest = tail.strip_prefix(TMP_TAG).or_else(|| tail.strip_prefix(OLD_TAG))?;
    let (pid, n) = rest.split_once('-')?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(())?;
    pid.parse().ok()
}

/// Whether process `pid` runs: known on Linux (`/proc`), None elsewhere.
fn process_alive(pid: u32) -> Option<bool> {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        Some(Path::new(&format!("/proc/{pid}")).exists())
    } else {
        None
    }
}

/// Moves `tmp` to `out_dir`, replacing an existing engine only once the new one is complete.
pub fn replace_dir(tmp: &Path, out_dir: &Path) -> Result<()> {
    check_out_dir(out_dir)?;
    if out_dir.exists() {
        let name = tmp.file_name().map(|s| s.to_string_lossy().replace(TMP_TAG, OLD_TAG)).unwrap_or_else(|| format!(".{OLD_TAG}{}", std::process::id()));
        let old = tmp.with_file_name(name);
        std::fs::rename(out_dir, &old).map_err(|e| SheetcError::io("moving the previous engine aside", e))?;
        if let Err(e) = std::fs::rename(tmp, out_dir) {
            let _ = std::fs::rename(&old, out_dir);
            return Err(SheetcError::io("moving the new engine into place", e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(tmp, out_dir).map_err(|e| SheetcError::io("moving the new engine into place", e))?;
    }
    Ok(())
}

/// Emits `engine` into a temporary sibling of `out_dir` (with the runtime bundle and the
/// manifest, which carries the final `report`), then renames it into place; on any
/// failure the sibling is removed and `out_dir` is as it was. `started` are the emit
/// stage's and the whole build's start times (the manifest gives both); `side_files`
/// writes the files that go beside the engine (the what-if labels and explain index).
/// `staged`: `out_dir` is the caller's own empty staging directory (see
/// `CompileOptions::staged`): the engine is written into it directly, and on failure the
/// caller removes it.
#[allow(clippy::too_many_arguments)]
pub fn write_engine(
    engine: &EnginePlan<'_>,
    out_dir: &Path,
    staged: bool,
    runtime_js: Option<&Path>,
    report: &mut BuildReport,
    cancelled: &dyn Fn() -> bool,
    started: (Instant, Instant),
    side_files: &dyn Fn(&Path) -> Result<()>,
) -> Result<()> {
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    let tmp = if staged { out_dir.to_path_buf() } else { temp_sibling(out_dir)? };
    let written = (|| -> Result<()> {
        let stats = emit::emit(engine, &tmp, cancelled)?;
        side_files(&tmp)?;
        if let Some(rt) = runtime_js {
            std::fs::copy(rt, tmp.join("runtime.js")).map_err(|e| SheetcError::io("copying the runtime", e))?;
        }
        report.modules = stats.modules;
        report.segments = stats.segments;
        report.engine_bytes = stats.bytes;
        report.largest_module_bytes = stats.largest_module_bytes;
        report.timings.emit_ms = ms(started.0);
        report.timings.total_ms = report.timings.read_ms + ms(started.1);
        report.files = engine_files(&tmp)?;
        emit::write_manifest(&tmp, report)?;
        if cancelled() {
            return Err(cancelled_err());
        }
        if staged {
            return Ok(());
        }
        replace_dir(&tmp, out_dir)
    })();
    if written.is_err() && !staged {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written?;
    // The manifest stays free of the build machine's paths; the report returned to the
    // caller names the directory.
    report.out_dir = out_dir.display().to_string();
    report.timings.total_ms = report.timings.read_ms + ms(started.1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(dir: &Path, files: &[&str]) {
        let json = serde_json::json!({ "generator": "sheetc", "formatVersion": 1, "files": files });
        std::fs::write(dir.join("manifest.json"), json.to_string()).expect("manifest");
    }

    #[test]
    fn a_folder_with_a_manifest_and_an_engine_js_of_its_own_is_not_an_engine() {
        let t = tempfile::tempdir().expect("temp");
        let dir = t.path().join("project");
        std::fs::create_dir_all(dir.join("src")).expect("mkdir");
        std::fs::write(dir.join("manifest.json"), "{\"name\":\"my-app\"}").expect("write");
        std::fs::write(dir.join("engine.js"), "// mine").expect("write");
        std::fs::write(dir.join("src/index.js"), "// mine").expect("write");
        let e = check_out_dir(&dir).expect_err("not an engine");
        assert_eq!(e.code, ErrorCode::Io);
        assert!(e.message.contains("not an engine sheetc wrote"), "{}", e.message);
    }

    #[test]
    fn an_engine_with_a_file_added_is_refused_and_names_it() {
        let t = tempfile::tempdir().expect("temp");
        let dir = t.path().join("engine");
        std::fs::create_dir_all(dir.join("modules")).expect("mkdir");
        for f in ["engine.js", "runtime.js", "modules/m0.js"] {
            std::fs::write(dir.join(f), "x").expect("write");
        }
        manifest(&dir, &["engine.js", "manifest.json", "modules/m0.js", "runtime.js"]);
        check_out_dir(&dir).expect("its own files only");
        std::fs::write(dir.join("README.md"), "mine").expect("write");
        std::fs::write(dir.join("modules/notes.txt"), "mine").expect("write");
        let e = check_out_dir(&dir).expect_err("a foreign file");
        assert_eq!(e.code, ErrorCode::Io);
        assert!(e.message.contains("README.md") && e.message.contains("modules/notes.txt"), "{}", e.message);
    }

    #[test]
    fn a_manifest_cannot_list_files_outside_its_directory() {
        let t = tempfile::tempdir().expect("temp");
        let dir = t.path().join("engine");
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        std::fs::write(dir.join("sub/x.js"), "x").expect("write");
        manifest(&dir, &["manifest.json", "../engine/sub/x.js", "/etc/passwd", "sub/../sub/x.js"]);
        assert_eq!(check_out_dir(&dir).expect_err("unlisted").code, ErrorCode::Io);
    }

    #[test]
    fn leftovers_of_dead_builds_are_swept_and_live_ones_kept() {
        let t = tempfile::tempdir().expect("temp");
        let parent = t.path();
        // A pid that is not running: past the kernel's pid limit.
        let dead = 4_194_304 + 17;
        let me = std::process::id();
        for name in [
            format!(".engine.sheetc-tmp-{dead}-0"),
            format!(".engine.sheetc-old-{dead}-3"),
            format!(".engine.sheetc-tmp-{me}-0"),
            format!(".other.sheetc-tmp-{dead}-0"),
        ] {
            std::fs::create_dir_all(parent.join(&name).join("modules")).expect("mkdir");
        }
        std::fs::write(parent.join(".engine.sheetc-tmp-notapid-0"), "x").expect("write");
        let tmp = temp_sibling(&parent.join("engine")).expect("temp sibling");
        let mut left: Vec<String> = std::fs::read_dir(parent).expect("list").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        let mut want = vec![
            format!(".engine.sheetc-tmp-{me}-0"),
            tmp.file_name().expect("name").to_string_lossy().into_owned(),
            ".engine.sheetc-tmp-notapid-0".to_string(),
            format!(".other.sheetc-tmp-{dead}-0"),
        ];
        if cfg!(not(target_os = "linux")) {
            want.push(format!(".engine.sheetc-tmp-{dead}-0"));
            want.push(format!(".engine.sheetc-old-{dead}-3"));
        }
        want.sort();
        want.dedup();
        assert_eq!(left, want);
    }
}
