//! Outputs appear whole or not at all: `run` killed with SIGKILL at random
//! instants, and runs racing into one directory, leave either the earlier
//! run's complete output or the new run's, never a mix or a half file.

use assert_cmd::cargo::CommandCargoExt;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gate.toml")
}

fn run(seed: u64, out: &Path) -> Command {
    let mut cmd = Command::cargo_bin("guarantee-sim").expect("binary");
    cmd.arg("run")
        .arg(fixture())
        .args(["--trials", "6000", "--quiet", "--seed", &seed.to_string()])
        .arg("--out")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

/// A reference run: its seed and its files.
type Reference = (u64, BTreeMap<String, Vec<u8>>);

/// Every file under `dir` (relative path -> bytes).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.insert(
                    rel.to_string_lossy().into_owned(),
                    std::fs::read(&path).expect("read"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Whether `dir` holds exactly one of the reference runs, whole: the same
/// files, the same bytes (the reports name their run date: they must name
/// the reference's seed instead).
fn whole_run_of(dir: &Path, refs: &[Reference]) -> Option<u64> {
    let got = files(dir);
    refs.iter()
        .find(|(seed, want)| {
            got.len() == want.len()
                && want.iter().all(|(name, bytes)| match got.get(name) {
                    Some(b) if name.starts_with("report.") => {
                        String::from_utf8_lossy(b).contains(&format!("seed {seed}, run"))
                    }
                    Some(b) => b == bytes,
                    None => false,
                })
        })
        .map(|(seed, _)| *seed)
}

/// Staging directories left beside `out` (by killed runs).
fn leftovers(out: &Path) -> usize {
    std::fs::read_dir(out.parent().expect("parent"))
        .expect("read_dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".staging-"))
        .count()
}

fn references(root: &Path) -> (Vec<Reference>, Duration) {
    let mut refs = Vec::new();
    let mut longest = Duration::ZERO;
    for seed in [1, 2] {
        let dir = root.join(format!("ref-{seed}"));
        let started = Instant::now();
        assert!(run(seed, &dir).status().expect("run").success());
        longest = longest.max(started.elapsed());
        refs.push((seed, files(&dir)));
    }
    (refs, longest)
}

#[cfg(unix)]
#[test]
fn killed_runs_leave_the_old_or_the_new_output_whole() {
    let root = tempfile::tempdir().expect("tempdir");
    let (refs, duration) = references(root.path());
    let out = root.path().join("out");
    assert!(run(1, &out).status().expect("run").success());
    // A fixed sequence of kill times across the whole run, start to end.
    let mut lcg: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut seen = [0usize; 3];
    for round in 0..30u64 {
        lcg = lcg.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let fraction = (lcg >> 11) as f64 / (1u64 << 53) as f64;
        // Up to 1.6 times the reference run: under load a run can take longer
        // than its reference, and some kills must land after the swap.
        let delay = duration.mul_f64(1.6 * fraction);
        let mut child = run(1 + round % 2, &out).spawn().expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let seed = whole_run_of(&out, &refs).unwrap_or_else(|| {
            panic!(
                "round {round}, killed after {delay:?}: a mixed or partial output: {:?}",
                files(&out).keys().collect::<Vec<_>>()
            )
        });
        seen[seed as usize] += 1;
    }
    // The kills landed both before and after the swap.
    assert!(
        seen[1] > 0 && seen[2] > 0,
        "outputs seen per seed: {seen:?}"
    );
    // A run that completes removes what killed runs left.
    assert!(run(2, &out).status().expect("run").success());
    assert_eq!(whole_run_of(&out, &refs), Some(2));
    assert_eq!(leftovers(&out), 0);
}

#[test]
fn concurrent_runs_into_one_directory_never_mix() {
    let root = tempfile::tempdir().expect("tempdir");
    let (refs, _) = references(root.path());
    for round in 0..6 {
        let out = root.path().join(format!("out-{round}"));
        let mut a = run(1, &out).spawn().expect("spawn");
        let mut b = run(2, &out).spawn().expect("spawn");
        assert!(a.wait().expect("wait").success());
        assert!(b.wait().expect("wait").success());
        assert!(
            whole_run_of(&out, &refs).is_some(),
            "round {round}: mixed output {:?}",
            files(&out).keys().collect::<Vec<_>>()
        );
        assert_eq!(leftovers(&out), 0);
    }
}
