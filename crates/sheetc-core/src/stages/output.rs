//! Output stage: the engine is written to a temporary sibling of the output directory and
//! renamed into place at the end, so a failed or cancelled build never leaves a
//! half-written engine (and leaves a previous engine untouched).

use std::path::{Path, PathBuf};

use crate::error::{ErrorCode, Result, SheetcError};

/// An existing output directory is only replaced when it is empty or an earlier engine
/// (it has sheetc's manifest.json): a build never deletes a user's other files.
pub fn check_out_dir(out_dir: &Path) -> Result<()> {
    match std::fs::read_dir(out_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SheetcError::io(&format!("cannot use output directory {}", out_dir.display()), e)),
        Ok(mut entries) => {
            if entries.next().is_none() || out_dir.join("manifest.json").is_file() && out_dir.join("engine.js").is_file() {
                Ok(())
            } else {
                Err(SheetcError::new(
                    ErrorCode::Io,
                    format!("output directory {} exists and is not a sheetc engine; choose an empty or new directory", out_dir.display()),
                ))
            }
        }
    }
}

/// A fresh temporary directory next to `out_dir` (same filesystem, so rename is atomic).
pub fn temp_sibling(out_dir: &Path) -> Result<PathBuf> {
    let parent = out_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| SheetcError::io("creating the output's parent directory", e))?;
    let base = out_dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "engine".into());
    for i in 0..1000u32 {
        let candidate = parent.join(format!(".{base}.sheetc-tmp-{}-{i}", std::process::id()));
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(SheetcError::io("creating a temporary output directory", e)),
        }
    }
    Err(SheetcError::new(ErrorCode::Io, "cannot create a temporary output directory"))
}

/// Moves `tmp` to `out_dir`, replacing an existing engine only once the new one is complete.
pub fn replace_dir(tmp: &Path, out_dir: &Path) -> Result<()> {
    check_out_dir(out_dir)?;
    if out_dir.exists() {
        let old = tmp.with_extension("old");
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
