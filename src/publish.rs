//! Writing a command's files: the only module that touches the disk.
//!
//! A command's output directory appears whole or not at all, even when the
//! process is killed at any instant:
//! 1. `Destination::check` looks at `--out` before any work is done: a file
//!    in the way, a directory of someone else's files, a place that cannot
//!    be written are bad flag values (exit status 2), found in milliseconds,
//!    not after the simulation.
//! 2. `publish` writes every file into a new staging directory beside the
//!    target (`.<name>.staging-XXXXXX`, created exclusively with a random
//!    name, so no symlink or other process can be in the way), syncs it, and
//!    then swaps it with the target in one atomic `renameat2(RENAME_EXCHANGE)`
//!    (a plain rename when there is no target yet). The old directory, now
//!    under the staging name, is removed.
//! 3. An exclusive lock on the parent directory (`flock`, released by the
//!    kernel when a process dies) serialises publishing, so two runs into
//!    one directory never mix their files: the later one replaces the
//!    earlier whole. Under the lock, staging directories left by killed runs
//!    are removed.
//!
//! A file whose bytes are unchanged since the last run is hard-linked from
//! the old directory instead of written, so it keeps its time stamp:
//! rerunning a command with the same inputs leaves such files as they were.
//!
//! Because a directory is replaced whole, guarantee-sim only replaces
//! directories it wrote itself (they hold a `.guarantee-sim` marker file)
//! or empty ones.

use crate::render::OutputFile;
use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// The marker file in every output directory guarantee-sim writes.
pub const MARKER: &str = ".guarantee-sim";
const MARKER_TEXT: &str = "This directory was written by guarantee-sim. Each run replaces it whole:\n\
                           keep files of your own elsewhere.\n";

/// An output directory, checked before any work is done.
#[derive(Debug, Clone)]
pub struct Destination {
    dir: PathBuf,
}

impl Destination {
    /// Checks that `dir` can take a command's output: every existing part
    /// of the path is a directory, `dir` itself is new, empty, or one that
    /// guarantee-sim wrote, and the nearest existing directory can be
    /// written. The message says what is wrong (for a bad flag value).
    pub fn check(dir: &Path) -> Result<Destination, String> {
        let shown = dir.display();
        if dir.as_os_str().is_empty() || dir.file_name().is_none() {
            return Err(format!(
                "error: --out `{shown}`: give a directory path that ends in a name"
            ));
        }
        let mut existing = None;
        for ancestor in dir.ancestors().filter(|a| !a.as_os_str().is_empty()) {
            match fs::metadata(ancestor) {
                Ok(m) if m.is_dir() => {
                    existing = Some(ancestor);
                    break;
                }
                Ok(_) => {
                    return Err(format!(
                        "error: --out `{shown}`: `{}` is a file, not a directory",
                        ancestor.display()
                    ));
                }
                // Missing, or under a file: the ancestors tell which.
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) => {}
                Err(e) => {
                    return Err(format!(
                        "error: --out `{shown}`: cannot use `{}`: {e}",
                        ancestor.display()
                    ));
                }
            }
        }
        let existing = existing.unwrap_or(Path::new("."));
        if existing == dir {
            let ours = dir.join(MARKER).is_file();
            fs::read_dir(dir)
                .map_err(|e| format!("error: --out `{shown}`: cannot read it: {e}"))?;
            if !ours && !is_empty_dir(dir) {
                return Err(format!(
                    "error: --out `{shown}` holds files guarantee-sim did not write; \
                     give a new or empty directory (each run replaces its output directory whole)"
                ));
            }
        }
        // Where the staging directory will go: beside `dir`, so in the
        // nearest existing directory at or above its parent.
        let parent = match existing == dir {
            true => dir.parent().filter(|p| !p.as_os_str().is_empty()),
            false => Some(existing),
        };
        let parent = parent.unwrap_or(Path::new("."));
        tempfile::Builder::new()
            .prefix(".guarantee-sim-probe")
            .tempfile_in(parent)
            .map_err(|e| {
                format!(
                    "error: --out `{shown}`: cannot write in `{}`: {e}",
                    parent.display()
                )
            })?;
        Ok(Destination {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Replaces the directory with exactly `files` (and the marker);
    /// returns how many files were written. On an error the directory is
    /// as it was.
    pub fn publish(&self, files: Vec<OutputFile>) -> Result<usize> {
        let dir = &self.dir;
        let name = dir
            .file_name()
            .context("the output directory has no name")?
            .to_string_lossy()
            .into_owned();
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let created = create_parents(&parent)?;
        let result = (|| {
            let lock =
                fs::File::open(&parent).with_context(|| format!("opening {}", parent.display()))?;
            lock.lock()
                .with_context(|| format!("locking {}", parent.display()))?;
            remove_stale(&parent, &name);
            // Checked again under the lock: files may have appeared there
            // since `check`, while the command was simulating.
            anyhow::ensure!(
                !dir.exists() || dir.join(MARKER).is_file() || is_empty_dir(dir),
                "{} now holds files guarantee-sim did not write; nothing was replaced",
                dir.display()
            );
            let staging = tempfile::Builder::new()
                .prefix(&staging_prefix(&name))
                .tempdir_in(&parent)
                .with_context(|| format!("creating a directory in {}", parent.display()))?;
            let count = files.len();
            write_tree(staging.path(), dir, files)?;
            swap(staging.path(), dir)?;
            sync_dir(&parent);
            // `staging` now names the old directory: dropping it removes it.
            drop(staging);
            Ok(count)
        })();
        if result.is_err() {
            // Deepest first, so each is empty when its turn comes.
            created.iter().rev().for_each(|d| drop(fs::remove_dir(d)));
        }
        result
    }
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

fn staging_prefix(name: &str) -> String {
    format!(".{name}.staging-")
}

/// Creates `dir` and its missing ancestors; returns those it created,
/// outermost first.
fn create_parents(dir: &Path) -> Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    let mut created = Vec::new();
    for d in missing.into_iter().rev() {
        fs::create_dir(&d).with_context(|| format!("creating {}", d.display()))?;
        created.push(d);
    }
    Ok(created)
}

/// Removes staging directories of `name` in `parent` that killed runs left
/// (called under the lock, so no live run is writing one).
fn remove_stale(parent: &Path, name: &str) {
    let prefix = staging_prefix(name);
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes `files` and the marker under `staging`, each synced; a file that
/// `old` holds with the same bytes is hard-linked from there instead.
fn write_tree(staging: &Path, old: &Path, files: Vec<OutputFile>) -> Result<()> {
    let mut dirs = vec![staging.to_path_buf()];
    for file in files.iter().chain([&OutputFile::new(MARKER, MARKER_TEXT)]) {
        let relative = Path::new(&file.path);
        anyhow::ensure!(
            relative
                .components()
                .all(|c| matches!(c, Component::Normal(_))),
            "output path {} leaves the output directory",
            file.path
        );
        let path = staging.join(relative);
        let parent = path.parent().unwrap_or(staging);
        if !dirs.iter().any(|d| d == parent) {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
            dirs.push(parent.to_path_buf());
        }
        let previous = old.join(relative);
        if holds(&previous, &file.bytes) && fs::hard_link(&previous, &path).is_ok() {
            continue;
        }
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| {
                f.write_all(&file.bytes)?;
                f.sync_all()
            });
        written.with_context(|| format!("writing {}", old.join(relative).display()))?;
    }
    dirs.iter().for_each(|d| sync_dir(d));
    Ok(())
}

/// Whether `path` is a file holding exactly `bytes` (sizes first: a file of
/// another size is not read).
fn holds(path: &Path, bytes: &[u8]) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && fs::read(path).is_ok_and(|old| old == bytes)
}

/// Puts `staging` in place of `dir`; afterwards `staging` names the old
/// directory (or nothing).
fn swap(staging: &Path, dir: &Path) -> Result<()> {
    let context = || format!("replacing {}", dir.display());
    if !dir.exists() {
        return fs::rename(staging, dir).with_context(context);
    }
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        renameat_with(CWD, staging, CWD, dir, RenameFlags::EXCHANGE)
            .map_err(std::io::Error::from)
            .with_context(context)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    {
        // No atomic exchange here: the old directory steps aside first, so
        // a kill between the two renames leaves no output directory (and
        // the old one under a staging name, removed by the next run).
        let aside = staging.with_extension("old");
        fs::rename(dir, &aside).with_context(context)?;
        fs::rename(staging, dir).with_context(context)?;
        fs::rename(&aside, staging).with_context(context)
    }
}

/// Makes a directory's entries durable (best effort: not every file system
/// or platform can sync a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
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

    fn publish(dir: &Path, files: Vec<OutputFile>) -> Result<usize> {
        Destination::check(dir)
            .map_err(anyhow::Error::msg)?
            .publish(files)
    }

    #[test]
    fn publish_replaces_the_directory_with_exactly_the_files_given() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        publish(
            &out,
            vec![
                OutputFile::new("a.json", "old"),
                OutputFile::new("charts/old.png", "png"),
            ],
        )
        .unwrap();
        let written = publish(
            &out,
            vec![
                OutputFile::new("a.json", "new"),
                OutputFile::new("charts/b.svg", "<svg/>"),
            ],
        )
        .unwrap();
        assert_eq!(written, 2);
        let names: Vec<String> = listing(&out).into_iter().map(|(p, _)| p).collect();
        let expected: Vec<String> = [MARKER, "a.json", "charts/b.svg"]
            .iter()
            .map(|n| out.join(n).display().to_string())
            .collect();
        assert_eq!(names, expected, "the old run's chart is gone");
        assert_eq!(fs::read(out.join("a.json")).unwrap(), b"new");
        // Nothing but the output directory beside it.
        let beside: Vec<_> = fs::read_dir(root.path()).unwrap().flatten().collect();
        assert_eq!(beside.len(), 1);
    }

    #[test]
    fn a_file_already_holding_the_bytes_keeps_its_time_stamp() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let files = |other: &str| {
            vec![
                OutputFile::new("same.json", "{}"),
                OutputFile::new("other.json", other.to_string()),
            ]
        };
        publish(&out, files("{}")).unwrap();
        let stamp = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
        let (same, other) = (out.join("same.json"), out.join("other.json"));
        let (same_before, other_before) = (stamp(&same), stamp(&other));
        std::thread::sleep(std::time::Duration::from_millis(20));
        publish(&out, files("[]")).unwrap();
        assert_eq!(stamp(&same), same_before, "unchanged: not rewritten");
        assert_ne!(stamp(&other), other_before);
        assert_eq!(fs::read(&other).unwrap(), b"[]");
    }

    #[test]
    fn bad_destinations_are_found_before_any_work() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("file");
        fs::write(&file, "x").unwrap();
        let foreign = root.path().join("notes");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("mine.txt"), "keep me").unwrap();
        for (dir, expected) in [
            (file.clone(), "is a file"),
            (file.join("under"), "is a file"),
            (foreign.clone(), "did not write"),
            (PathBuf::from("/dev/full"), "is a file"),
            (PathBuf::from(""), "ends in a name"),
        ] {
            let e = Destination::check(&dir).unwrap_err();
            assert!(e.contains(expected), "{}: {e}", dir.display());
        }
        assert_eq!(fs::read(foreign.join("mine.txt")).unwrap(), b"keep me");
        // An empty directory is fine, and so is a new one.
        let empty = root.path().join("empty");
        fs::create_dir(&empty).unwrap();
        assert!(Destination::check(&empty).is_ok());
        assert!(Destination::check(&root.path().join("new/deeper")).is_ok());
        // Nothing was left by the checks.
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 3);
    }

    #[test]
    fn a_failed_publish_leaves_the_directory_as_it_was_and_no_new_directories() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        publish(&out, vec![OutputFile::new("summary.json", "old")]).unwrap();
        let before = listing(root.path());
        let result = publish(
            &out,
            vec![
                OutputFile::new("summary.json", "new"),
                OutputFile::new("../escape.json", "x"),
            ],
        );
        assert!(result.is_err());
        assert_eq!(listing(root.path()), before);
        let fresh = root.path().join("fresh/deep/out");
        let result = publish(&fresh, vec![OutputFile::new("../../x", "x")]);
        assert!(result.is_err());
        assert!(!root.path().join("fresh").exists());
    }

    /// Files that appear in a checked directory while the command runs
    /// are not swapped away.
    #[test]
    fn files_that_appear_after_the_check_are_kept() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        fs::create_dir(&out).unwrap();
        let dest = Destination::check(&out).unwrap();
        fs::write(out.join("mine.txt"), "keep me").unwrap();
        let e = dest.publish(vec![OutputFile::new("summary.json", "{}")]);
        assert!(format!("{:#}", e.unwrap_err()).contains("did not write"));
        assert_eq!(fs::read(out.join("mine.txt")).unwrap(), b"keep me");
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            1,
            "no staging left"
        );
    }

    #[test]
    fn stale_staging_directories_of_killed_runs_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let stale = root.path().join(".out.staging-abc123");
        fs::create_dir_all(stale.join("charts")).unwrap();
        fs::write(stale.join("summary.json"), "half").unwrap();
        publish(&out, vec![OutputFile::new("summary.json", "{}")]).unwrap();
        assert!(!stale.exists());
    }

    /// A symlink planted where a temporary file might go is never followed:
    /// files are created exclusively inside a new directory with a random
    /// name.
    #[cfg(unix)]
    #[test]
    fn planted_symlinks_are_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let victim = root.path().join("victim.txt");
        fs::write(&victim, "precious").unwrap();
        let out = root.path().join("out");
        publish(&out, vec![OutputFile::new("summary.json", "old")]).unwrap();
        for name in [
            "out/.summary.json.tmp-1-0",
            "out/summary.json.tmp",
            ".out.staging-",
        ] {
            let _ = std::os::unix::fs::symlink(&victim, root.path().join(name));
        }
        publish(&out, vec![OutputFile::new("summary.json", "new")]).unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert_eq!(fs::read(out.join("summary.json")).unwrap(), b"new");
    }
}
