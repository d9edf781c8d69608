//! Writing output files: every file of one run under a temporary name
//! first, renamed into place only when all are complete, so that a failed
//! run leaves the previous output as it was.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// A file path as the folder it is in ("." for a bare name) and its name,
/// the two parts [`write_atomically`] takes.
pub fn folder_and_name(path: &Path) -> (&Path, String) {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    (dir, name)
}

/// Writes each `(name, bytes)` to `dir/.name.tmp`, then renames all of them
/// into place; on any failure the temporary files are removed.
pub fn write_atomically(dir: &Path, files: &[(&str, &[u8])]) -> Result<Vec<PathBuf>> {
    let mut temps = Vec::new();
    let cleanup = |temps: &[(PathBuf, PathBuf)]| {
        for (t, _) in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (name, bytes) in files {
        let target = dir.join(name);
        let parent = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let temp = parent.join(format!(".{file_name}.tmp"));
        if let Err(e) = std::fs::write(&temp, bytes) {
            cleanup(&temps);
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io(&temp, e));
        }
        temps.push((temp, target));
    }
    for (temp, target) in &temps {
        std::fs::rename(temp, target).map_err(|e| {
            cleanup(&temps);
            Error::io(target, e)
        })?;
    }
    Ok(temps.into_iter().map(|(_, t)| t).collect())
}
