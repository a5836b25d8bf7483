//! Golden files: the exact bytes of `summary.json` for every shipped
//! scenario and test fixture, at seed 7 and 20,000 trials. Reproducibility
//! across versions is checked here, not promised: a change to the engine,
//! the random streams or the summary that moves any figure fails this test.
//!
//! A deliberate change re-blesses the files with
//! `GUARANTEE_SIM_BLESS=1 cargo test golden`, in the commit that changes
//! them, saying why.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const SEED: &str = "7";
const TRIALS: &str = "20000";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// (golden name, scenario file) for every shipped scenario and fixture.
fn cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    for (dir, prefix) in [
        ("scenarios", ""),
        ("scenarios/plans", "plans-"),
        ("tests/fixtures", "fixture-"),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .expect("scenario directory")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for file in files {
            let stem = file.file_stem().expect("stem").to_string_lossy();
            cases.push((format!("{prefix}{stem}"), file));
        }
    }
    cases
}

#[test]
fn summary_json_bytes_are_pinned() {
    let bless = std::env::var_os("GUARANTEE_SIM_BLESS").is_some();
    let out = tempfile::tempdir().expect("tempdir");
    let mut changed = Vec::new();
    let cases = cases();
    assert!(
        cases.len() >= 11,
        "expected every shipped scenario and fixture"
    );
    for (name, file) in &cases {
        let dir = out.path().join(name);
        let run = Command::cargo_bin("guarantee-sim")
            .expect("binary")
            .args(["run", "--quiet", "--charts", "none", "--no-report"])
            .args(["--seed", SEED, "--trials", TRIALS, "--threads", "2"])
            .arg(file)
            .arg("--out")
            .arg(&dir)
            .output()
            .expect("spawn");
        assert_eq!(run.status.code(), Some(0), "{name}: {run:?}");
        let bytes = std::fs::read(dir.join("summary.json")).expect("summary.json");
        let golden = root()
            .join("tests/golden")
            .join(format!("{name}.summary.json"));
        if bless {
            std::fs::write(&golden, &bytes).expect("write golden");
        } else if std::fs::read(&golden).ok().as_deref() != Some(&bytes[..]) {
            changed.push(name.clone());
        }
    }
    assert!(
        changed.is_empty(),
        "summary.json differs from tests/golden for {changed:?}; if the change is \
         deliberate, re-bless with GUARANTEE_SIM_BLESS=1 cargo test golden"
    );
}
