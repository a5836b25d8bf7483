//! Writing a command's files. Exporters (JSON, charts, reports) return bytes;
//! only this module touches the disk. Every file is staged first (written to
//! a temp file in its final directory and synced) and published (renamed into
//! place) only once every file of the command is staged, so a crash never
//! leaves a half-written file, and a failure anywhere, or an invalid input
//! (caught before any of this runs), leaves an existing output directory
//! exactly as it was. A file that already holds exactly the bytes to be
//! written is left as it is (its time stamp too): rerunning a command with
//! the same inputs rewrites nothing.

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{Scope, ScopedJoinHandle};

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

/// A file written and synced under a temp name, waiting for its rename;
/// `tmp` is `None` for one already in place, byte for byte.
struct Staged {
    tmp: Option<PathBuf>,
    path: PathBuf,
}

/// The files of one command as they are made. Each is staged on a thread of
/// its own: the wait for the disk (an `fsync` each, about half a
/// millisecond here) then overlaps the work that makes the next file, and
/// the syncs overlap each other.
pub struct Staging<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    dir: &'env Path,
    writes: Mutex<Vec<ScopedJoinHandle<'scope, Result<Staged>>>>,
    /// Directories that did not exist when a file under them was put:
    /// removed again (if empty) when the command fails.
    missing_dirs: Mutex<Vec<PathBuf>>,
}

impl Staging<'_, '_> {
    /// Stages `file`; `publish` waits for it.
    pub fn put(&self, file: OutputFile) {
        let dir = self.dir;
        let mut missing = self.missing_dirs.lock().unwrap_or_else(|e| e.into_inner());
        let mut parent = dir.join(&file.path).parent().map(Path::to_path_buf);
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            parent = p.parent().map(Path::to_path_buf);
            if !missing.contains(&p) {
                missing.push(p);
            }
        }
        drop(missing);
        let write = self
            .scope
            .spawn(move || stage(&dir.join(&file.path), &file.bytes));
        self.writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(write);
    }
}

/// Runs `make`, which puts the command's files into the staging, and then,
/// if it and every stage succeeded, renames them all into place under
/// `dir`; otherwise removes the temp files and returns the first error
/// (`make`'s first). Returns how many files were written.
pub fn publish(dir: &Path, make: impl FnOnce(&Staging) -> Result<()>) -> Result<usize> {
    std::thread::scope(|scope| {
        let staging = Staging {
            scope,
            dir,
            writes: Mutex::new(Vec::new()),
            missing_dirs: Mutex::new(Vec::new()),
        };
        let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| make(&staging)));
        let writes = staging
            .writes
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let staged = writes
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        let mut missing = staging
            .missing_dirs
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        // Deepest first, so that a directory is empty when its turn comes.
        missing.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        let remove_created = || missing.iter().for_each(|d| drop(fs::remove_dir(d)));
        match made {
            Ok(made) => commit(made, staged).inspect_err(|_| remove_created()),
            Err(panic) => {
                // Not a half-published directory, nor temp files left.
                let _ = commit(Err(anyhow::anyhow!("panicked")), staged);
                remove_created();
                std::panic::resume_unwind(panic)
            }
        }
    })
}

/// Writes every file under `dir`, all staged before any is published;
/// returns how many.
pub fn write_all(dir: &Path, files: Vec<OutputFile>) -> Result<usize> {
    publish(dir, |staging| {
        files.into_iter().for_each(|f| staging.put(f));
        Ok(())
    })
}

/// Writes `bytes` to a temp file beside `path` and syncs it, unless `path`
/// already holds exactly `bytes`. (Replacing a file costs more than reading
/// it: the old file's blocks are freed, some 150 us a file here.)
fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    let path_buf = path.to_path_buf();
    if holds(path, bytes) {
        return Ok(Staged {
            tmp: None,
            path: path_buf,
        });
    }
    // A directory where the file should go would fail its rename, after
    // others were renamed: found now, nothing is renamed.
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        anyhow::bail!("writing {}: a directory is in the way", path.display());
    }
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
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(Staged {
            tmp: Some(tmp),
            path: path_buf,
        }),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e).with_context(|| format!("writing {}", path.display()))
        }
    }
}

/// Whether `path` is a file holding exactly `bytes` (sizes first: a file of
/// another size is not read).
fn holds(path: &Path, bytes: &[u8]) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && fs::read(path).is_ok_and(|old| old == bytes)
}

/// Renames every staged file into place if `made` and every stage
/// succeeded; otherwise (or once a rename fails) removes the temp files left
/// and returns the first error. (Renames one by one: replacing a file frees
/// the old one's blocks, some 150 us each here, and the file system does
/// that one at a time whichever thread asks.)
fn commit(made: Result<()>, staged: Vec<Result<Staged>>) -> Result<usize> {
    let mut error = made.err();
    let mut ready = Vec::new();
    for s in staged {
        match s {
            Ok(s) => ready.push(s),
            Err(e) => {
                error.get_or_insert(e);
            }
        }
    }
    let mut written = 0;
    for s in ready {
        let Some(tmp) = s.tmp else {
            written += 1;
            continue;
        };
        if error.is_none() {
            match fs::rename(&tmp, &s.path) {
                Ok(()) => {
                    written += 1;
                    continue;
                }
                Err(e) => {
                    let e = anyhow::Error::new(e).context(format!("writing {}", s.path.display()));
                    error = Some(e);
                }
            }
        }
        let _ = fs::remove_file(&tmp);
    }
    match error {
        Some(e) => Err(e),
        None => Ok(written),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(listing(&path));
            } else {
                out.push((path.display().to_string(), fs::read(&path).unwrap()));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn publish_writes_every_file_it_is_given() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.json"), "old").unwrap();
        let written = publish(dir.path(), |s| {
            s.put(OutputFile::new("a.json", "new"));
            s.put(OutputFile::new("charts/b.svg", "<svg/>"));
            Ok(())
        })
        .unwrap();
        assert_eq!(written, 2);
        let files = listing(dir.path());
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(files.len(), 2, "no temp files left: {names:?}");
        assert_eq!(fs::read(dir.path().join("a.json")).unwrap(), b"new");
        assert_eq!(
            fs::read(dir.path().join("charts/b.svg")).unwrap(),
            b"<svg/>"
        );
    }

    #[test]
    fn a_file_already_holding_the_bytes_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let (same, other) = (dir.path().join("same.json"), dir.path().join("other.json"));
        fs::write(&same, "{}").unwrap();
        fs::write(&other, "{}").unwrap();
        let stamp = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
        let (same_before, other_before) = (stamp(&same), stamp(&other));
        std::thread::sleep(std::time::Duration::from_millis(20));
        let written = write_all(
            dir.path(),
            vec![
                OutputFile::new("same.json", "{}"),
                OutputFile::new("other.json", "[]"),
            ],
        )
        .unwrap();
        assert_eq!(written, 2);
        assert_eq!(stamp(&same), same_before, "unchanged: not rewritten");
        assert_ne!(stamp(&other), other_before);
        assert_eq!(fs::read(&other).unwrap(), b"[]");
        assert_eq!(listing(dir.path()).len(), 2);
    }

    #[test]
    fn a_failure_while_making_files_leaves_the_directory_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.json"), "old").unwrap();
        let before = listing(dir.path());
        let result = publish(dir.path(), |s| {
            s.put(OutputFile::new("a.json", "new"));
            s.put(OutputFile::new("b.json", "new"));
            anyhow::bail!("a chart failed")
        });
        assert_eq!(result.unwrap_err().to_string(), "a chart failed");
        assert_eq!(listing(dir.path()), before);
    }

    #[test]
    fn a_file_that_cannot_be_written_publishes_none() {
        let dir = tempfile::tempdir().unwrap();
        // A file where a directory is needed.
        fs::write(dir.path().join("charts"), "in the way").unwrap();
        let before = listing(dir.path());
        let result = write_all(
            dir.path(),
            vec![
                OutputFile::new("summary.json", "{}"),
                OutputFile::new("charts/a.png", "png"),
            ],
        );
        assert!(format!("{:#}", result.unwrap_err()).contains("charts"));
        assert_eq!(listing(dir.path()), before);
    }

    /// A directory where a file goes fails the command before anything is
    /// renamed (its rename would fail after others had been done), and the
    /// directories made for a failed command are removed again.
    #[test]
    fn a_directory_in_the_way_publishes_none_and_no_directory_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir_all(out.join("report.md")).unwrap();
        fs::write(out.join("summary.json"), "old").unwrap();
        let result = write_all(
            &out,
            vec![
                OutputFile::new("summary.json", "new"),
                OutputFile::new("charts/deep/a.png", "png"),
                OutputFile::new("report.md", "# report"),
            ],
        );
        let error = format!("{:#}", result.unwrap_err());
        assert!(
            error.contains("report.md: a directory is in the way"),
            "{error}"
        );
        assert_eq!(fs::read(out.join("summary.json")).unwrap(), b"old");
        assert!(!out.join("charts").exists(), "no new directory left");
        assert!(out.join("report.md").is_dir());
        // Nor an output directory that did not exist before.
        let fresh = dir.path().join("fresh/out");
        let result = publish(&fresh, |s| {
            s.put(OutputFile::new("charts/a.png", "png"));
            anyhow::bail!("a chart failed")
        });
        assert!(result.is_err());
        assert!(!dir.path().join("fresh").exists());
    }
}
