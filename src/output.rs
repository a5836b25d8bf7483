//! Writing a run's files. Exporters (JSON, charts, reports) return bytes;
//! only this module touches the disk, and it writes every file atomically
//! (temp file in the same directory, then rename), so a crash never leaves a
//! half-written file and an invalid input, caught before any of this runs,
//! leaves an existing output directory exactly as it was.

use anyhow::{Context, Result};
use rayon::prelude::*;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// One file of a run's output, relative to the output directory
/// (e.g. `summary.json`, `charts/coverage_fan.svg`).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// Writes every file under `dir`, each atomically, on all cores (each
/// write waits for its `fsync`, so they overlap well).
pub fn write_all(dir: &Path, files: &[OutputFile]) -> Result<()> {
    files
        .par_iter()
        .try_for_each(|file| write_atomic(&dir.join(&file.path), &file.bytes))
}

/// Writes `bytes` to `path` through a temp file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and call, so concurrent writers never share a temp file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = parent.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}
