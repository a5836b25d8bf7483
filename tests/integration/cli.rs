//! The binary as an analyst and an external checker use it (docs/model.md 4 and 5):
//! the files `run` writes and their shapes, reproducibility, exact answers
//! through the command line, `--set`, bad input (exit status 2, nothing
//! written, the output directory left exactly as it was), `validate`, the
//! built-in default scenario, and `compare` / `sweep` / `sensitivity`.
//!
//! Fixtures with answers derived by hand live in tests/fixtures/; each file's
//! header comment gives the derivation. Statistical checks allow 4.5 standard
//! errors of the estimate (a false alarm about once in 150,000 checks; with
//! fixed seeds the outcome is deterministic anyway).

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The five charts every `run` writes (docs/model.md 4).
const CHARTS: [&str; 5] = [
    "coverage_hist",
    "coverage_fan",
    "capabilities",
    "p_met_by_month",
    "members",
];

/// Slug of the built-in default scenario's name.
const DEFAULT_SLUG: &str = "coalition-of-the-willing-august-2025-reporting";

// ---------------------------------------------------------------- helpers

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    manifest().join("tests/fixtures").join(name)
}

fn bin() -> Command {
    Command::cargo_bin("guarantee-sim").expect("binary guarantee-sim")
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Runs the binary with `args`; returns its output (whatever the status).
fn exec<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    bin().args(args).output().expect("spawn guarantee-sim")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// Asserts exit status 0 and no panic.
fn assert_ok(out: &Output, what: &str) {
    assert_eq!(out.status.code(), Some(0), "{what}: {}", describe(out));
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{what}: panic text on stderr\n{}",
        describe(out)
    );
}

/// Asserts exit status 2, a message on stderr and no panic; returns stderr.
fn assert_input_error(out: &Output, what: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {}", describe(out));
    assert!(!err.contains("panicked"), "{what}: panic text\n{err}");
    assert!(!err.trim().is_empty(), "{what}: empty stderr");
    err
}

/// `run FILE --out DIR ARGS... -q` (with `--threads 2` unless ARGS say),
/// asserting success.
fn run_ok(file: &Path, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.arg("run").arg(file).arg("--out").arg(dir).arg("-q");
    if !args.contains(&"--threads") {
        cmd.args(["--threads", "2"]);
    }
    cmd.args(args);
    let out = cmd.output().expect("spawn");
    assert_ok(&out, &format!("run {} {args:?}", file.display()));
    out
}

/// `run FILE` with the fast flags (no charts, no report); returns the bytes
/// of summary.json.
fn summary_bytes(file: &Path, args: &[&str]) -> Vec<u8> {
    let dir = tempdir();
    let mut all = vec!["--charts", "none", "--no-report"];
    all.extend_from_slice(args);
    run_ok(file, dir.path(), &all);
    std::fs::read(dir.path().join("summary.json")).expect("summary.json written")
}

fn summary(file: &Path, args: &[&str]) -> Value {
    parse_json(&summary_bytes(file, args), "summary.json")
}

fn parse_json(bytes: &[u8], what: &str) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{what} is not JSON: {e}"))
}

fn read_json(path: &Path) -> Value {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_json(&bytes, &path.display().to_string())
}

/// Every file and directory under `dir`, relative, with file contents
/// (`None` for directories).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read_dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            if path.is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(std::fs::read(&path).expect("read file")));
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// The files (not directories) under `dir`, relative, as strings.
/// The files under `dir`, but the marker every output directory holds.
fn listing(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_iter()
        .filter(|(k, v)| v.is_some() && !k.ends_with(".guarantee-sim"))
        .map(|(k, _)| k.to_string_lossy().replace('\\', "/"))
        .collect()
}

/// An output directory of an earlier run (it holds the marker file) with a
/// known summary.json and a charts/ directory with a file in it.
fn seeded_out_dir() -> tempfile::TempDir {
    let dir = tempdir();
    std::fs::write(dir.path().join(".guarantee-sim"), b"").expect("write");
    std::fs::write(
        dir.path().join("summary.json"),
        b"{\"sentinel\": \"from an earlier run\"}\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("charts")).expect("mkdir");
    std::fs::write(dir.path().join("charts/old.svg"), b"<svg/>").expect("write");
    dir
}

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what}: expected a number, found {v}"))
}

fn prob(v: &Value, what: &str) -> f64 {
    let p = num(v, what);
    assert!((0.0..=1.0).contains(&p), "{what} = {p} is not in [0,1]");
    p
}

fn array<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what}: expected an array, found {v}"))
}

fn object<'a>(v: &'a Value, what: &str) -> &'a serde_json::Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("{what}: expected an object, found {v}"))
}

fn sorted_keys(v: &Value, what: &str) -> Vec<String> {
    let mut keys: Vec<String> = object(v, what).keys().cloned().collect();
    keys.sort();
    keys
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// |estimate - exact| <= 4.5 binomial standard errors of `exact` over `n`.
fn assert_prob(what: &str, estimate: f64, exact: f64, n: f64) {
    let se = (exact * (1.0 - exact) / n).sqrt();
    if se == 0.0 {
        assert_eq!(estimate, exact, "{what}: exact answer {exact} is certain");
    }
    assert!(
        (estimate - exact).abs() <= 4.5 * se,
        "{what}: estimate {estimate} vs exact {exact} (se {se}, {:.1} se off)",
        (estimate - exact).abs() / se
    );
}

/// |estimate - exact| <= 4.5 * sd / sqrt(n).
fn assert_mean(what: &str, estimate: f64, exact: f64, sd: f64, n: f64) {
    let se = sd / n.sqrt();
    assert!(
        (estimate - exact).abs() <= 4.5 * se,
        "{what}: estimate {estimate} vs exact {exact} (se {se})"
    );
}

/// Exact answers for independent members with constant pledges to one
/// capability deployed over the whole horizon, by enumerating join patterns.
struct Exact {
    p_met: f64,
    /// P(member i pivotal).
    pivotal: Vec<f64>,
    coverage_mean: f64,
    coverage_sd: f64,
}

fn enumerate(joins: &[f64], amounts: &[f64], need: f64, threshold: f64) -> Exact {
    let n = joins.len();
    let met = |total: f64| (total / need).min(1.0) >= threshold;
    let (mut p_met, mut mean, mut sq) = (0.0, 0.0, 0.0);
    let mut pivotal = vec![0.0; n];
    for mask in 0u32..(1 << n) {
        let joined = |i: usize| mask & (1 << i) != 0;
        let p: f64 = (0..n)
            .map(|i| if joined(i) { joins[i] } else { 1.0 - joins[i] })
            .product();
        let total: f64 = (0..n).filter(|&i| joined(i)).map(|i| amounts[i]).sum();
        let cov = (total / need).min(1.0);
        mean += p * cov;
        sq += p * cov * cov;
        if met(total) {
            p_met += p;
            for i in (0..n).filter(|&i| joined(i)) {
                if !met(total - amounts[i]) {
                    pivotal[i] += p;
                }
            }
        }
    }
    Exact {
        p_met,
        pivotal,
        coverage_mean: mean,
        coverage_sd: (sq - mean * mean).max(0.0).sqrt(),
    }
}

/// tests/fixtures/independent.toml.
const IND_JOINS: [f64; 4] = [0.6, 0.5, 0.3, 0.8];
const IND_AMOUNTS: [f64; 4] = [60.0, 50.0, 40.0, 10.0];
const IND_IDS: [&str; 4] = ["m0", "m1", "m2", "m3"];

/// Checks every field docs/model.md 4 lists for summary.json, and their shapes.
fn assert_summary_shape(
    v: &Value,
    horizon: usize,
    trials: u64,
    caps: &[&str],
    members: &[&str],
    phases: &[&str],
) {
    let months = horizon + 1;
    assert!(v["scenario"]["name"].is_string(), "scenario.name: {v}");
    assert_eq!(
        v["scenario"]["horizon_months"].as_u64(),
        Some(horizon as u64),
        "scenario.horizon_months"
    );
    assert_eq!(v["trials"].as_u64(), Some(trials), "trials");
    assert!(v["seed"].is_u64(), "seed must be a u64: {}", v["seed"]);

    let g = &v["guarantee"];
    let p_met = prob(&g["p_met"], "guarantee.p_met");
    let ci = array(&g["p_met_ci95"], "guarantee.p_met_ci95");
    assert_eq!(ci.len(), 2, "p_met_ci95 has two ends");
    let (lo, hi) = (prob(&ci[0], "ci95[0]"), prob(&ci[1], "ci95[1]"));
    assert!(
        lo <= p_met && p_met <= hi && lo < hi,
        "p_met_ci95 [{lo}, {hi}] does not bracket p_met {p_met}"
    );
    let by_month = array(&g["p_met_by_month"], "p_met_by_month");
    assert_eq!(by_month.len(), months, "p_met_by_month length");
    for (t, p) in by_month.iter().enumerate() {
        prob(p, &format!("p_met_by_month[{t}]"));
    }
    assert_eq!(
        num(&by_month[horizon], "p_met_by_month[horizon]"),
        p_met,
        "p_met is P(met at the horizon)"
    );
    let ttm = &g["time_to_met"];
    let p_never = prob(&ttm["p_never"], "time_to_met.p_never");
    assert!(
        p_never <= 1.0 - p_met + 1e-12,
        "p_never {p_never} > 1 - p_met {p_met}: met at the horizon means met within it"
    );
    for key in ["p50", "p90"] {
        let q = &ttm[key];
        assert!(
            object(ttm, "time_to_met").contains_key(key),
            "time_to_met.{key} missing"
        );
        if p_never == 1.0 {
            assert!(q.is_null(), "time_to_met.{key} must be null when never met");
        } else {
            let x = num(q, &format!("time_to_met.{key}"));
            assert!(
                (0.0..=horizon as f64).contains(&x),
                "time_to_met.{key} = {x} outside [0, horizon]"
            );
        }
    }
    if p_never < 1.0 {
        assert!(
            num(&ttm["p50"], "p50") <= num(&ttm["p90"], "p90"),
            "time_to_met p50 > p90"
        );
    }

    let o = &v["coverage"]["overall"];
    let mean = prob(&o["mean"], "coverage.overall.mean");
    let sd = num(&o["sd"], "coverage.overall.sd");
    let se = num(&o["se"], "coverage.overall.se");
    assert!((0.0..=0.5).contains(&sd), "coverage sd {sd}");
    if v.get("uncertainty").is_none() {
        assert!(
            (se - sd / (trials as f64).sqrt()).abs() <= 1e-9 + 1e-6 * se,
            "coverage se {se} != sd / sqrt(trials)"
        );
    } else {
        // With uncertain inputs the outer samples are clusters: the standard
        // error is their spread, not sd / sqrt(trials).
        assert!(se.is_finite() && se > 0.0, "clustered coverage se {se}");
    }
    let qs: Vec<f64> = ["p05", "p25", "p50", "p75", "p95"]
        .iter()
        .map(|k| prob(&o[*k], &format!("coverage.overall.{k}")))
        .collect();
    assert!(
        qs.windows(2).all(|w| w[0] <= w[1]),
        "coverage percentiles not ordered: {qs:?}"
    );
    let obm = &v["coverage"]["overall_by_month"];
    for key in ["mean", "p05", "p50", "p95"] {
        let a = array(&obm[key], &format!("overall_by_month.{key}"));
        assert_eq!(a.len(), months, "overall_by_month.{key} length");
        for (t, x) in a.iter().enumerate() {
            prob(x, &format!("overall_by_month.{key}[{t}]"));
        }
    }
    for t in 0..months {
        let p05 = num(&obm["p05"][t], "p05");
        let p50 = num(&obm["p50"][t], "p50");
        let p95 = num(&obm["p95"][t], "p95");
        assert!(
            p05 <= p50 && p50 <= p95,
            "overall_by_month month {t}: p05 {p05} p50 {p50} p95 {p95} not ordered"
        );
    }
    let mean_h = num(&obm["mean"][horizon], "mean at horizon");
    assert!(
        (mean_h - mean).abs() <= 1e-9,
        "overall_by_month.mean[horizon] {mean_h} must equal coverage.overall.mean {mean}"
    );

    let cap = &v["coverage"]["capability"];
    assert_eq!(sorted_keys(cap, "coverage.capability"), sorted(caps));
    for c in caps {
        prob(&cap[*c]["mean"], &format!("capability.{c}.mean"));
        prob(&cap[*c]["p_met"], &format!("capability.{c}.p_met"));
    }
    let committed = &v["committed"];
    assert_eq!(sorted_keys(committed, "committed"), sorted(caps));
    for c in caps {
        for key in ["mean", "p05", "p50", "p95"] {
            let x = num(&committed[*c][key], &format!("committed.{c}.{key}"));
            assert!(x >= 0.0, "committed.{c}.{key} = {x} < 0");
        }
    }
    let m = &v["members"];
    assert_eq!(sorted_keys(m, "members"), sorted(members));
    for id in members {
        prob(&m[*id]["p_joined"], &format!("members.{id}.p_joined"));
        prob(&m[*id]["p_pivotal"], &format!("members.{id}.p_pivotal"));
    }
    let ph = &v["phases"];
    assert_eq!(sorted_keys(ph, "phases"), sorted(phases));
    for id in phases {
        let p = prob(&ph[*id]["p_started"], &format!("phases.{id}.p_started"));
        let s = &ph[*id]["start_p50"];
        if p == 0.0 {
            assert!(s.is_null(), "phases.{id}.start_p50 must be null: {s}");
        } else {
            let x = num(s, &format!("phases.{id}.start_p50"));
            assert!((0.0..=horizon as f64).contains(&x), "start_p50 {x}");
        }
    }
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 1000,
        "{} is not a PNG ({} bytes)",
        path.display(),
        bytes.len()
    );
}

fn assert_svg(path: &Path) {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        s.contains("<svg") && s.trim_end().ends_with("</svg>"),
        "{} is not an SVG document",
        path.display()
    );
}

// ------------------------------------------------------ 1. files and shapes

#[test]
fn run_writes_summary_charts_and_report() {
    let dir = tempdir();
    let out = run_ok(&fixture("gate.toml"), dir.path(), &["--trials", "20000"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("P(guarantee met"),
        "run prints a headline table:\n{stdout}"
    );

    let v = read_json(&dir.path().join("summary.json"));
    assert_summary_shape(
        &v,
        12,
        20000,
        &["training", "air"],
        &["a", "b"],
        &["base", "support"],
    );
    for chart in CHARTS {
        assert_png(&dir.path().join(format!("charts/{chart}.png")));
        assert_svg(&dir.path().join(format!("charts/{chart}.svg")));
    }
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    assert!(md.contains("Fixture: gate"), "report.md names the scenario");
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    assert!(html.contains("<html"), "report.html is HTML");
    assert!(
        html.contains("Fixture: gate"),
        "report.html names the scenario"
    );
    for external in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "url(http",
        "@import",
    ] {
        assert!(
            !html.contains(external),
            "report.html is not self-contained: contains {external:?}"
        );
    }
    // Provenance: seed and trials appear in the report.
    assert!(
        md.contains("20000") || md.contains("20,000") || md.contains("20 000"),
        "report.md states the trial count"
    );
    // No leftover temp files from the atomic writes.
    for f in listing(dir.path()) {
        assert!(!f.contains(".tmp"), "temp file left behind: {f}");
    }
}

#[test]
fn summary_shape_holds_for_replicas_and_several_phases() {
    let v = summary(&fixture("count.toml"), &["--trials", "20000"]);
    assert_summary_shape(&v, 4, 20000, &["cap"], &["baltic", "x"], &["p1"]);
    let v = summary(&fixture("independent.toml"), &[]);
    assert_summary_shape(&v, 6, 20000, &["cap"], &IND_IDS, &["p1"]);
}

#[test]
fn charts_none_and_no_report_write_only_summary() {
    let dir = tempdir();
    run_ok(
        &fixture("gate.toml"),
        dir.path(),
        &["--trials", "20000", "--charts", "none", "--no-report"],
    );
    assert_eq!(
        listing(dir.path()),
        vec![
            "by_month.csv",
            "capabilities.csv",
            "members.csv",
            "scenario.json",
            "summary.json"
        ]
    );
}

#[test]
fn charts_svg_writes_only_svgs_and_png_only_pngs() {
    for (flag, ext) in [("svg", "svg"), ("png", "png")] {
        let dir = tempdir();
        run_ok(
            &fixture("gate.toml"),
            dir.path(),
            &["--trials", "20000", "--charts", flag, "--no-report"],
        );
        let files = listing(dir.path());
        for f in &files {
            assert!(
                f == "summary.json"
                    || f == "scenario.json"
                    || f.ends_with(".csv")
                    || (f.starts_with("charts/") && f.ends_with(&format!(".{ext}"))),
                "--charts {flag} --no-report wrote {f}; all: {files:?}"
            );
        }
        for chart in CHARTS {
            let path = dir.path().join(format!("charts/{chart}.{ext}"));
            if ext == "svg" {
                assert_svg(&path);
            } else {
                assert_png(&path);
            }
        }
    }
    // The report does not depend on the chart format flag being `both`.
    let dir = tempdir();
    run_ok(
        &fixture("gate.toml"),
        dir.path(),
        &["--trials", "20000", "--charts", "svg"],
    );
    let files = listing(dir.path());
    assert!(files.contains(&"report.md".to_string()), "{files:?}");
    assert!(files.contains(&"report.html".to_string()), "{files:?}");
    assert!(
        !files.iter().any(|f| f.ends_with(".png")),
        "--charts svg wrote a PNG: {files:?}"
    );
}

#[test]
fn time_to_met_is_null_when_never_met() {
    let v = summary(
        &fixture("independent.toml"),
        &["--set", "capability.cap.need=1000"],
    );
    assert_summary_shape(&v, 6, 20000, &["cap"], &IND_IDS, &["p1"]);
    let g = &v["guarantee"];
    assert_eq!(g["p_met"].as_f64(), Some(0.0), "cannot be met: {g}");
    assert_eq!(g["time_to_met"]["p_never"].as_f64(), Some(1.0));
    assert!(
        g["time_to_met"]["p50"].is_null(),
        "p50: {}",
        g["time_to_met"]
    );
    assert!(
        g["time_to_met"]["p90"].is_null(),
        "p90: {}",
        g["time_to_met"]
    );
    let ci = array(&g["p_met_ci95"], "ci");
    assert_eq!(ci[0].as_f64(), Some(0.0), "Wilson lower end at k = 0");
    assert!(
        num(&ci[1], "ci hi") > 0.0,
        "Wilson upper end at k = 0 is > 0"
    );
    for (id, m) in object(&v["members"], "members") {
        assert_eq!(
            m["p_pivotal"].as_f64(),
            Some(0.0),
            "{id} pivotal when never met"
        );
    }
}

/// When the guarantee is never (k = 0) or always (k = n) met, the Wilson
/// interval must still bracket p_met: [0, hi] and [lo, 1]. Plain rounding
/// would give lo = 2.2e-19 > p_met = 0 for n = 1000 and
/// hi = 0.9999999999999998 < p_met = 1 for n = 999 (about a fifth to a third
/// of all trial counts).
#[test]
fn p_met_ci95_brackets_p_met_at_zero_and_one() {
    let never = summary(
        &fixture("independent.toml"),
        &["--set", "capability.cap.need=1000", "--trials", "1000"],
    );
    let always = summary(&fixture("uniform-delay.toml"), &["--trials", "999"]);
    for (v, p, what) in [
        (&never, 0.0, "never met, n = 1000"),
        (&always, 1.0, "always met, n = 999"),
    ] {
        assert_eq!(v["guarantee"]["p_met"].as_f64(), Some(p), "{what}");
        let ci = array(&v["guarantee"]["p_met_ci95"], "ci");
        let (lo, hi) = (num(&ci[0], "lo"), num(&ci[1], "hi"));
        assert!(
            lo <= p && p <= hi,
            "{what}: p_met_ci95 [{lo:e}, {hi}] does not bracket p_met {p}"
        );
    }
}

// ------------------------------------------------------ 2. reproducibility

#[test]
fn summary_is_identical_across_threads_and_repeats() {
    let file = fixture("gate.toml");
    let one = summary_bytes(&file, &["--trials", "30000", "--threads", "1"]);
    for threads in ["2", "3"] {
        let other = summary_bytes(&file, &["--trials", "30000", "--threads", threads]);
        assert!(
            one == other,
            "summary.json differs between --threads 1 and --threads {threads}"
        );
    }
    let again = summary_bytes(&file, &["--trials", "30000", "--threads", "1"]);
    assert!(
        one == again,
        "summary.json differs between two identical runs"
    );
    let v = parse_json(&one, "summary");
    assert_eq!(
        v["seed"].as_u64(),
        Some(1),
        "default seed when neither flag nor file"
    );
}

#[test]
fn another_seed_gives_another_summary() {
    let file = fixture("independent.toml");
    let a = summary_bytes(&file, &["--seed", "1"]);
    let b = summary_bytes(&file, &["--seed", "2"]);
    assert!(a != b, "--seed 1 and --seed 2 give the same summary.json");
    let (va, vb) = (parse_json(&a, "a"), parse_json(&b, "b"));
    assert_eq!(va["seed"].as_u64(), Some(1));
    assert_eq!(vb["seed"].as_u64(), Some(2));
    assert_ne!(va["guarantee"]["p_met"], vb["guarantee"]["p_met"]);
}

#[test]
fn trials_and_seed_default_from_file_and_flags_override() {
    // independent.toml says trials = 20000, seed = 7.
    let file = fixture("independent.toml");
    let from_file = summary_bytes(&file, &[]);
    let v = parse_json(&from_file, "summary");
    assert_eq!(v["trials"].as_u64(), Some(20000), "trials from the file");
    assert_eq!(v["seed"].as_u64(), Some(7), "seed from the file");
    let explicit = summary_bytes(&file, &["--trials", "20000", "--seed", "7"]);
    assert!(
        from_file == explicit,
        "flags equal to the file's defaults must give the same summary.json"
    );
    let v = summary(&file, &["--trials", "3000", "--seed", "9"]);
    assert_eq!(
        v["trials"].as_u64(),
        Some(3000),
        "--trials overrides the file"
    );
    assert_eq!(v["seed"].as_u64(), Some(9), "--seed overrides the file");
    // Only one flag: the other still comes from the file.
    let v = summary(&file, &["--seed", "9"]);
    assert_eq!(v["trials"].as_u64(), Some(20000));
    assert_eq!(v["seed"].as_u64(), Some(9));
    // gate.toml gives neither: defaults 100000 trials, seed 1.
    let v = summary(&fixture("gate.toml"), &[]);
    assert_eq!(v["trials"].as_u64(), Some(100_000), "default trials");
    assert_eq!(v["seed"].as_u64(), Some(1), "default seed");
    // Seeds use the whole u64 range.
    let v = summary(
        &file,
        &["--seed", "18446744073709551615", "--trials", "1000"],
    );
    assert_eq!(
        v["seed"].as_u64(),
        Some(u64::MAX),
        "u64::MAX seed round-trips"
    );
}

// ------------------------------------------------------ 3. exact answers

#[test]
fn independent_members_match_enumeration() {
    let n = 100_000.0;
    let v = summary(&fixture("independent.toml"), &["--trials", "100000"]);
    let exact = enumerate(&IND_JOINS, &IND_AMOUNTS, 100.0, 1.0);
    let g = &v["guarantee"];
    assert_prob("p_met", num(&g["p_met"], "p_met"), exact.p_met, n);
    for t in 0..=6 {
        // Pledges deploy at month 0 and stay: every month is the same trial set.
        assert_eq!(g["p_met_by_month"][t], g["p_met"], "p_met_by_month[{t}]");
    }
    assert_prob(
        "p_never",
        num(&g["time_to_met"]["p_never"], "p_never"),
        1.0 - exact.p_met,
        n,
    );
    assert_eq!(
        g["time_to_met"]["p50"].as_f64(),
        Some(0.0),
        "met from month 0"
    );
    assert_prob(
        "capability p_met",
        num(&v["coverage"]["capability"]["cap"]["p_met"], "cap p_met"),
        exact.p_met,
        n,
    );
    assert_mean(
        "coverage mean",
        num(&v["coverage"]["overall"]["mean"], "mean"),
        exact.coverage_mean,
        exact.coverage_sd,
        n,
    );
    let sd = num(&v["coverage"]["overall"]["sd"], "sd");
    assert!(
        (sd - exact.coverage_sd).abs() < 0.01,
        "coverage sd {sd} vs exact {}",
        exact.coverage_sd
    );
    let committed_mean: f64 = IND_JOINS.iter().zip(IND_AMOUNTS).map(|(p, a)| p * a).sum();
    let committed_sd = IND_JOINS
        .iter()
        .zip(IND_AMOUNTS)
        .map(|(p, a)| p * (1.0 - p) * a * a)
        .sum::<f64>()
        .sqrt();
    assert_mean(
        "committed mean",
        num(&v["committed"]["cap"]["mean"], "committed"),
        committed_mean,
        committed_sd,
        n,
    );
    for (i, id) in IND_IDS.iter().enumerate() {
        let m = &v["members"][*id];
        assert_prob(
            &format!("{id} p_joined"),
            num(&m["p_joined"], "p_joined"),
            IND_JOINS[i],
            n,
        );
        assert_prob(
            &format!("{id} p_pivotal"),
            num(&m["p_pivotal"], "p_pivotal"),
            exact.pivotal[i],
            n,
        );
    }
}

#[test]
fn uniform_delay_gives_linear_p_met_by_month() {
    let n = 100_000.0;
    let v = summary(&fixture("uniform-delay.toml"), &["--trials", "100000"]);
    let g = &v["guarantee"];
    for t in 0..=12 {
        let exact = (t as f64).min(10.0) / 10.0;
        assert_prob(
            &format!("p_met_by_month[{t}]"),
            num(&g["p_met_by_month"][t], "p"),
            exact,
            n,
        );
        assert_prob(
            &format!("overall_by_month.mean[{t}]"),
            num(&v["coverage"]["overall_by_month"]["mean"][t], "mean"),
            exact,
            n,
        );
    }
    let ttm = &g["time_to_met"];
    assert_eq!(ttm["p_never"].as_f64(), Some(0.0), "always met by month 10");
    // Median and 90th percentile of U[0, 10]: 5 and 9. The sample quantile's
    // se is sqrt(q(1-q)/n) / density = 0.016 and 0.009 months; allow 4.5 se
    // plus a little for the sketch's bins.
    let p50 = num(&ttm["p50"], "p50");
    let p90 = num(&ttm["p90"], "p90");
    assert!((p50 - 5.0).abs() < 0.08, "time_to_met.p50 {p50} vs 5");
    assert!((p90 - 9.0).abs() < 0.06, "time_to_met.p90 {p90} vs 9");
    assert_eq!(v["members"]["solo"]["p_joined"].as_f64(), Some(1.0));
    assert_eq!(
        v["members"]["solo"]["p_pivotal"].as_f64(),
        Some(1.0),
        "the only member is always pivotal when met at the horizon"
    );
}

#[test]
fn member_with_count_three_matches_enumeration() {
    let n = 100_000.0;
    let v = summary(&fixture("count.toml"), &["--trials", "100000"]);
    assert_prob("p_met", num(&v["guarantee"]["p_met"], "p"), 0.3125, n);
    // p_joined is per replica: 3n draws.
    assert_prob(
        "baltic p_joined (per replica)",
        num(&v["members"]["baltic"]["p_joined"], "p"),
        0.5,
        3.0 * n,
    );
    assert_prob(
        "baltic p_pivotal (any replica)",
        num(&v["members"]["baltic"]["p_pivotal"], "p"),
        0.25,
        n,
    );
    assert_prob(
        "x p_pivotal",
        num(&v["members"]["x"]["p_pivotal"], "p"),
        0.1875,
        n,
    );
    assert_mean(
        "committed mean",
        num(&v["committed"]["cap"]["mean"], "m"),
        70.0,
        1300f64.sqrt(),
        n,
    );
    // Committed amounts take the values 0, 20, 40, ..., 140; the median
    // (P(<= 60) = 0.5 exactly is a tie) lies in [60, 80].
    let p50 = num(&v["committed"]["cap"]["p50"], "p50");
    assert!((59.9..=80.1).contains(&p50), "committed p50 {p50}");
}

#[test]
fn gated_phase_starts_when_the_gate_is_reached() {
    let n = 100_000.0;
    let v = summary(&fixture("gate.toml"), &["--trials", "100000"]);
    for t in 0..=12 {
        let exact = 0.7 * (t as f64).min(10.0) / 10.0;
        assert_prob(
            &format!("p_met_by_month[{t}]"),
            num(&v["guarantee"]["p_met_by_month"][t], "p"),
            exact,
            n,
        );
    }
    let ph = &v["phases"];
    assert_eq!(ph["base"]["p_started"].as_f64(), Some(1.0));
    assert_eq!(ph["base"]["start_p50"].as_f64(), Some(0.0));
    assert_prob(
        "support p_started",
        num(&ph["support"]["p_started"], "p"),
        0.7,
        n,
    );
    let s = num(&ph["support"]["start_p50"], "start_p50");
    assert!((s - 5.0).abs() < 0.1, "support start_p50 {s} vs 5");
    assert_prob(
        "p_never",
        num(&v["guarantee"]["time_to_met"]["p_never"], "p"),
        0.3,
        n,
    );
    // Whenever met, both are pivotal; so p_pivotal equals p_met exactly.
    for id in ["a", "b"] {
        assert_eq!(
            v["members"][id]["p_pivotal"], v["guarantee"]["p_met"],
            "{id} is pivotal in every trial where the guarantee is met"
        );
    }
    assert_prob(
        "air capability p_met",
        num(&v["coverage"]["capability"]["air"]["p_met"], "p"),
        0.7,
        n,
    );
    // Training is not critical: its P(coverage >= 1) is also 0.7 at the horizon.
    assert_prob(
        "training capability p_met",
        num(&v["coverage"]["capability"]["training"]["p_met"], "p"),
        0.7,
        n,
    );
}

// ------------------------------------------------------ 4. --set

/// Removes the `overrides` extension so that a `--set` run can be compared
/// with a run of an edited file.
fn without_overrides(mut v: Value) -> Value {
    object(&v, "summary");
    v.as_object_mut().expect("object").remove("overrides");
    v
}

fn write_edited(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let src = std::fs::read_to_string(fixture(name)).expect("fixture");
    assert_eq!(
        src.matches(from).count(),
        1,
        "{from:?} must occur exactly once in {name}"
    );
    let path = dir.join(name);
    std::fs::write(&path, src.replace(from, to)).expect("write");
    path
}

#[test]
fn set_equals_editing_the_file() {
    let tmp = tempdir();
    let cases: [(&str, &str, &str, &str); 3] = [
        (
            "independent.toml",
            "member.m1.join=0.3",
            "join = 0.5",
            "join = 0.3",
        ),
        (
            "independent.toml",
            "member.m0.pledge.0.amount={ uniform = [40, 80] }",
            "amount = 60",
            "amount = { uniform = [40, 80] }",
        ),
        (
            "gate.toml",
            "phase.support.lag_months=3",
            "after = \"base\"",
            "after = \"base\"\nlag_months = 3",
        ),
    ];
    for (name, flag, from, to) in cases {
        let sub = tmp
            .path()
            .join(flag.replace(['/', ' ', '{', '}', '[', ']', ','], "_"));
        std::fs::create_dir(&sub).expect("mkdir");
        let edited = write_edited(&sub, name, from, to);
        let args = ["--trials", "20000", "--seed", "5"];
        let with_set = summary(&fixture(name), &[&args[..], &["--set", flag]].concat());
        assert_eq!(
            with_set["overrides"],
            serde_json::json!([flag]),
            "summary.json records the override"
        );
        let with_edit = summary(&edited, &args);
        let plain = summary(&fixture(name), &args);
        assert_ne!(
            plain["guarantee"], with_edit["guarantee"],
            "{flag}: the edit must change the result (else this test proves nothing)"
        );
        assert_eq!(
            without_overrides(with_set),
            without_overrides(with_edit),
            "--set {flag} differs from editing the file"
        );
    }
}

#[test]
fn set_later_flag_wins_and_both_are_recorded() {
    let v = summary(
        &fixture("required.toml"),
        &["--set", "member.a.join=0", "--set", "member.a.join=1"],
    );
    assert_eq!(
        v["overrides"],
        serde_json::json!(["member.a.join=0", "member.a.join=1"])
    );
    assert_eq!(
        v["members"]["a"]["p_joined"].as_f64(),
        Some(1.0),
        "last --set wins"
    );
}

#[test]
fn set_errors_exit_2_name_the_flag_and_write_nothing() {
    let file = fixture("independent.toml");
    let cases = [
        ("member.nobody.join=0.3", "nobody"),
        ("member.m1.join=abc", "join"),
        ("member.m1.join=1.5", "join"),
        ("member.m1.join=[1,", "TOML"),
        ("member.m1.join", "KEY=VALUE"),
        ("member.m1.joinn=0.3", "joinn"),
        ("members.m1.join=0.3", "members"),
        ("member.m1=0.3", "member.<id>.<field>"),
        ("capability.cap.need=-5", "need"),
        ("scenario.horizon_months=0", "horizon_months"),
        ("member.m0.pledge.7.amount=1", "7"),
        ("member.m0.pledge.0.amount={ uniform = [5, 1] }", "uniform"),
    ];
    for (flag, names) in cases {
        let dir = seeded_out_dir();
        let before = snapshot(dir.path());
        let cwd = tempdir();
        let out = bin()
            .current_dir(cwd.path())
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(dir.path())
            .args(["--set", flag, "-q"])
            .output()
            .expect("spawn");
        let err = assert_input_error(&out, &format!("--set {flag}"));
        assert!(
            err.contains("--set") && err.contains(flag.split('=').next().unwrap_or(flag)),
            "--set {flag}: stderr must name the flag\n{err}"
        );
        assert!(
            err.contains(names),
            "--set {flag}: want {names:?} in\n{err}"
        );
        assert!(
            before == snapshot(dir.path()),
            "--set {flag}: output directory changed"
        );
        assert!(
            snapshot(cwd.path()).is_empty(),
            "--set {flag}: wrote into the working directory"
        );
    }
}

// ------------------------------------------------------ 5. bad input

/// For every file of tests/malformed: exit 2, `FILE:LINE:` on stderr, no
/// panic, nothing on stdout, and an existing output directory untouched.
#[test]
fn malformed_files_exit_2_and_leave_output_untouched() {
    let dir = manifest().join("tests/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/malformed")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 70, "only {} malformed files", files.len());
    let out_dir = seeded_out_dir();
    let before = snapshot(out_dir.path());
    let mut failures = Vec::new();
    for path in &files {
        let src = std::fs::read_to_string(path).expect("readable");
        let line = src
            .lines()
            .find_map(|l| l.strip_prefix("# expect-line:"))
            .unwrap_or_else(|| panic!("{}: no `# expect-line:` header", path.display()))
            .trim()
            .to_string();
        let rel = path.strip_prefix(manifest()).expect("under manifest");
        let out = bin()
            .current_dir(manifest())
            .arg("run")
            .arg(rel)
            .arg("--out")
            .arg(out_dir.path())
            .args(["--trials", "1000", "-q"])
            .output()
            .expect("spawn");
        let err = text(&out.stderr);
        let at = format!("{}:{line}:", rel.display());
        let mut problems = Vec::new();
        if out.status.code() != Some(2) {
            problems.push(format!("exit status {:?}, want 2", out.status.code()));
        }
        if !err.contains(&at) {
            problems.push(format!("no {at} on stderr"));
        }
        if err.contains("panicked") {
            problems.push("panic text".into());
        }
        if !out.stdout.is_empty() {
            problems.push(format!("stdout not empty: {}", text(&out.stdout)));
        }
        if before != snapshot(out_dir.path()) {
            problems.push("output directory changed".into());
            // Restore it so that later files are checked against the seed.
            std::fs::remove_dir_all(out_dir.path()).expect("rm");
            std::fs::create_dir(out_dir.path()).expect("mkdir");
            for (rel, bytes) in &before {
                let p = out_dir.path().join(rel);
                match bytes {
                    None => std::fs::create_dir_all(&p).expect("mkdir"),
                    Some(b) => std::fs::write(&p, b).expect("write"),
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n{err}", rel.display(), problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} malformed files misbehave:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn missing_or_unreadable_file_exits_2_naming_it() {
    let tmp = tempdir();
    let out_dir = seeded_out_dir();
    let before = snapshot(out_dir.path());
    let missing = tmp.path().join("no-such-scenario.toml");
    let not_utf8 = tmp.path().join("latin1.toml");
    std::fs::write(&not_utf8, b"[scenario]\nname = \"caf\xe9\"\n").expect("write");
    let empty = tmp.path().join("empty.toml");
    std::fs::write(&empty, b"").expect("write");
    let a_dir = tmp.path().join("a-directory");
    std::fs::create_dir(&a_dir).expect("mkdir");
    for file in [&missing, &not_utf8, &empty, &a_dir] {
        let out = bin()
            .arg("run")
            .arg(file)
            .arg("--out")
            .arg(out_dir.path())
            .output()
            .expect("spawn");
        let err = assert_input_error(&out, &format!("run {}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.contains(&name), "stderr must name {name}:\n{err}");
        assert!(
            before == snapshot(out_dir.path()),
            "run {}: output directory changed",
            file.display()
        );
    }
    // validate too.
    let out = exec([Path::new("validate"), &missing]);
    let err = assert_input_error(&out, "validate missing");
    assert!(err.contains("no-such-scenario.toml"), "{err}");
}

#[test]
fn bad_flag_values_exit_2_and_write_nothing() {
    let file = fixture("independent.toml");
    let cases: [(&[&str], &str); 11] = [
        (&["--trials", "0"], "--trials"),
        (&["--trials", "abc"], "--trials"),
        (&["--trials", "-5"], "-5"),
        (&["--trials", "1000000001"], "--trials"),
        (&["--threads", "0"], "--threads"),
        (&["--threads", "many"], "--threads"),
        (&["--seed", "-1"], "-1"),
        (&["--seed", "18446744073709551616"], "--seed"),
        (&["--charts", "gif"], "--charts"),
        (&["--no-such-flag"], "--no-such-flag"),
        (&["--set"], "--set"),
    ];
    for (args, names) in cases {
        let out_dir = seeded_out_dir();
        let before = snapshot(out_dir.path());
        let cwd = tempdir();
        let out = bin()
            .current_dir(cwd.path())
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(out_dir.path())
            .args(args)
            .output()
            .expect("spawn");
        let err = assert_input_error(&out, &format!("{args:?}"));
        assert!(
            err.contains(names),
            "{args:?}: stderr must name {names}:\n{err}"
        );
        assert!(
            before == snapshot(out_dir.path()),
            "{args:?}: output directory changed"
        );
        assert!(
            snapshot(cwd.path()).is_empty(),
            "{args:?}: wrote into the cwd"
        );
    }
    // Unknown command.
    let out = exec(["frobnicate"]);
    assert_input_error(&out, "unknown command");
}

#[test]
fn an_unusable_output_is_a_bad_flag_found_before_simulating() {
    // An existing regular file, one under a file, /dev/full, a directory of
    // someone else's files: each a bad flag value, exit 2, found before a
    // billion trials (minutes) would run, and nothing touched.
    let tmp = tempdir();
    let blocker = tmp.path().join("blocker");
    std::fs::write(&blocker, b"keep me").expect("write");
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).expect("mkdir");
    std::fs::write(notes.join("mine.txt"), b"keep me").expect("write");
    for (dir, expected) in [
        (blocker.clone(), "is a file, not a directory"),
        (blocker.join("out"), "is a file"),
        (PathBuf::from("/dev/full"), "is a file"),
        (notes.clone(), "did not write"),
    ] {
        let out = bin()
            .arg("run")
            .arg(fixture("independent.toml"))
            .arg("--out")
            .arg(&dir)
            .args(["--trials", "1000000000", "--charts", "none", "--no-report"])
            .output()
            .expect("spawn");
        let err = assert_input_error(&out, &dir.display().to_string());
        assert!(err.contains(expected), "{err}");
    }
    assert_eq!(std::fs::read(&blocker).expect("read"), b"keep me");
    assert_eq!(listing(&notes), vec!["mine.txt"]);
}

#[test]
fn validate_good_files_exits_0_and_writes_nothing() {
    let cwd = tempdir();
    let out = bin()
        .current_dir(cwd.path())
        .arg("validate")
        .arg(fixture("independent.toml"))
        .arg(fixture("gate.toml"))
        .arg(fixture("count.toml"))
        .output()
        .expect("spawn");
    assert_ok(&out, "validate good fixtures");
    let stdout = text(&out.stdout);
    for name in ["independent.toml", "gate.toml", "count.toml"] {
        assert!(stdout.contains(name), "validate reports {name}:\n{stdout}");
    }
    assert!(snapshot(cwd.path()).is_empty(), "validate wrote files");
}

#[test]
fn validate_reports_the_bad_file_among_good_ones() {
    let bad = manifest().join("tests/malformed/need-zero.toml");
    let bad2 = manifest().join("tests/malformed/requires-cycle.toml");
    let line = |p: &Path| {
        std::fs::read_to_string(p)
            .expect("read")
            .lines()
            .find_map(|l| l.strip_prefix("# expect-line:"))
            .expect("header")
            .trim()
            .to_string()
    };
    let out = bin()
        .arg("validate")
        .arg(fixture("independent.toml"))
        .arg(&bad)
        .arg(fixture("gate.toml"))
        .output()
        .expect("spawn");
    let err = assert_input_error(&out, "validate good bad good");
    let at = format!("{}:{}:", bad.display(), line(&bad));
    assert!(err.contains(&at), "want {at} in\n{err}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("independent.toml") && stdout.contains("gate.toml"),
        "the good files are still reported:\n{stdout}"
    );
    assert!(
        !stdout.contains("need-zero"),
        "the bad file is not reported ok:\n{stdout}"
    );
    // Two bad files: both reported.
    let out = bin()
        .arg("validate")
        .arg(&bad)
        .arg(&bad2)
        .output()
        .expect("spawn");
    let err = assert_input_error(&out, "validate bad bad");
    for p in [&bad, &bad2] {
        let at = format!("{}:{}:", p.display(), line(p));
        assert!(err.contains(&at), "want {at} in\n{err}");
    }
    // No files at all is a usage error.
    assert_input_error(&exec(["validate"]), "validate with no files");
}

// ------------------------------------------------------ 6. shipped scenarios

#[test]
fn validate_every_shipped_scenario() {
    let mut files = Vec::new();
    for sub in ["scenarios", "scenarios/plans"] {
        let dir = manifest().join(sub);
        for e in std::fs::read_dir(&dir).expect("scenarios dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 6, "found only {files:?}");
    for file in &files {
        let out = exec([Path::new("validate"), file]);
        assert_ok(&out, &format!("validate {}", file.display()));
        assert!(
            text(&out.stdout).contains("ok"),
            "validate {} prints ok",
            file.display()
        );
    }
    let out = bin().arg("validate").args(&files).output().expect("spawn");
    assert_ok(&out, "validate all shipped scenarios at once");
}

// ------------------------------------------------------ 7. default scenario

#[test]
fn no_arguments_runs_the_default_scenario() {
    let cwd = tempdir();
    let out = bin().current_dir(cwd.path()).output().expect("spawn");
    assert_ok(&out, "guarantee-sim (no args)");
    let dir = cwd.path().join("output").join(DEFAULT_SLUG);
    let v = read_json(&dir.join("summary.json"));
    let horizon = v["scenario"]["horizon_months"].as_u64().expect("horizon") as usize;
    let members: Vec<String> = sorted_keys(&v["members"], "members");
    let members: Vec<&str> = members.iter().map(String::as_str).collect();
    let caps: Vec<String> = sorted_keys(&v["committed"], "committed");
    let caps: Vec<&str> = caps.iter().map(String::as_str).collect();
    let phases: Vec<String> = sorted_keys(&v["phases"], "phases");
    let phases: Vec<&str> = phases.iter().map(String::as_str).collect();
    assert_summary_shape(&v, horizon, 100_000, &caps, &members, &phases);
    assert_eq!(
        v["seed"].as_u64(),
        Some(20250819),
        "seed from the default file"
    );
    for chart in CHARTS {
        assert_png(&dir.join(format!("charts/{chart}.png")));
        assert_svg(&dir.join(format!("charts/{chart}.svg")));
    }
    assert!(dir.join("report.md").is_file() && dir.join("report.html").is_file());
    // Only output/<slug>/ was created.
    let top: Vec<_> = std::fs::read_dir(cwd.path())
        .expect("cwd")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(top, vec![std::ffi::OsString::from("output")]);
}

#[test]
fn run_without_file_is_the_shipped_default_scenario() {
    let cwd = tempdir();
    let args = ["--trials", "20000", "--charts", "none", "--no-report", "-q"];
    let out = bin()
        .current_dir(cwd.path())
        .arg("run")
        .args(args)
        .output()
        .expect("spawn");
    assert_ok(&out, "guarantee-sim run");
    let written = cwd
        .path()
        .join("output")
        .join(DEFAULT_SLUG)
        .join("summary.json");
    let builtin = std::fs::read(&written)
        .unwrap_or_else(|e| panic!("{} not written: {e}", written.display()));
    let shipped = summary_bytes(
        &manifest().join("scenarios/coalition-aug-2025.toml"),
        &["--trials", "20000"],
    );
    assert!(
        builtin == shipped,
        "`run` with no file differs from `run scenarios/coalition-aug-2025.toml`"
    );
}

#[test]
fn default_out_dir_is_output_slug_of_the_scenario_name() {
    let cwd = tempdir();
    let out = bin()
        .current_dir(cwd.path())
        .arg("run")
        .arg(fixture("gate.toml"))
        .args(["--trials", "1000", "--charts", "none", "--no-report", "-q"])
        .output()
        .expect("spawn");
    assert_ok(&out, "run gate.toml without --out");
    // "Fixture: gate" -> "fixture-gate".
    let summaries: Vec<String> = listing(cwd.path())
        .into_iter()
        .filter(|f| f.ends_with("summary.json"))
        .collect();
    assert_eq!(
        summaries,
        vec!["output/fixture-gate/summary.json"],
        "default output directory"
    );
}

// ------------------------------------------------------ 8. compare, sweep, sensitivity

fn analysis_ok(args: &[&str], dir: &Path) -> Output {
    let out = bin()
        .args(args)
        .arg("--out")
        .arg(dir)
        .args(["--threads", "2", "-q"])
        .output()
        .expect("spawn");
    assert_ok(&out, &format!("{args:?}"));
    out
}

fn fx(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

/// Shape of one `{ estimate, se, ci95 }` entry; returns (estimate, se).
fn paired_diff(v: &Value, what: &str) -> (f64, f64) {
    let est = num(&v["estimate"], &format!("{what}.estimate"));
    let se = num(&v["se"], &format!("{what}.se"));
    assert!(se >= 0.0, "{what}.se {se} < 0");
    let ci = array(&v["ci95"], &format!("{what}.ci95"));
    assert_eq!(ci.len(), 2, "{what}.ci95 has two ends");
    let (lo, hi) = (num(&ci[0], "lo"), num(&ci[1], "hi"));
    assert!(
        lo <= est && est <= hi,
        "{what}.ci95 [{lo}, {hi}] does not bracket {est}"
    );
    assert!(
        (hi - lo - 2.0 * 1.96 * se).abs() <= 1e-6 + 0.05 * (hi - lo),
        "{what}.ci95 [{lo}, {hi}] is not about estimate +/- 1.96 se ({se})"
    );
    (est, se)
}

#[test]
fn compare_paired_difference_matches_exact() {
    let tmp = tempdir();
    // B: member m1 joins with 0.6 instead of 0.5; everything else equal.
    let b = write_edited(tmp.path(), "independent.toml", "join = 0.5", "join = 0.6");
    let b = b.to_string_lossy().into_owned();
    let a = fx("independent.toml");
    let dir = tempdir();
    analysis_ok(
        &["compare", &a, &b, "--trials", "50000", "--charts", "none"],
        dir.path(),
    );
    let v = read_json(&dir.path().join("comparison.json"));
    let n = 50_000.0;
    assert_eq!(v["trials"].as_u64(), Some(50_000));
    assert_eq!(v["seed"].as_u64(), Some(7), "seed from the first file");
    let sc = array(&v["scenarios"], "scenarios");
    assert_eq!(sc.len(), 2, "one entry per scenario");
    let exact_a = enumerate(&IND_JOINS, &IND_AMOUNTS, 100.0, 1.0);
    let mut joins_b = IND_JOINS;
    joins_b[1] = 0.6;
    let exact_b = enumerate(&joins_b, &IND_AMOUNTS, 100.0, 1.0);
    for (i, (s, exact)) in sc.iter().zip([&exact_a, &exact_b]).enumerate() {
        assert!(s["name"].is_string(), "scenarios[{i}].name");
        assert!(s["file"].is_string(), "scenarios[{i}].file");
        assert_prob(
            &format!("scenarios[{i}].p_met"),
            prob(&s["p_met"], "p_met"),
            exact.p_met,
            n,
        );
        prob(&s["coverage_mean"], "coverage_mean");
    }
    let paired = array(&v["paired"], "paired");
    assert_eq!(paired.len(), 1, "one paired entry for two scenarios");
    let p = &paired[0];
    assert_eq!(p["baseline"].as_u64(), Some(0));
    assert_eq!(p["other"].as_u64(), Some(1));
    let (est, se) = paired_diff(&p["p_met_diff"], "p_met_diff");
    let exact = exact_b.p_met - exact_a.p_met;
    // On common random numbers the paired outcome B - A is 1 exactly when
    // m1's U lies in [0.5, 0.6) and m1 tips the balance, else 0: a 0/1
    // variable with mean `exact`, so its se is sqrt(d (1 - d) / n).
    assert_prob("p_met_diff", est, exact, n);
    let exact_se = (exact * (1.0 - exact) / n).sqrt();
    assert!(
        (se - exact_se).abs() <= 0.1 * exact_se,
        "paired se {se} vs exact {exact_se}"
    );
    let pa = num(&sc[0]["p_met"], "a");
    let pb = num(&sc[1]["p_met"], "b");
    assert!(
        (est - (pb - pa)).abs() < 1e-12,
        "paired estimate {est} is the difference of the two p_met ({pb} - {pa})"
    );
    let unpaired = ((pa * (1.0 - pa) + pb * (1.0 - pb)) / n).sqrt();
    assert!(
        se < 0.5 * unpaired,
        "paired se {se} is not well under half the unpaired se {unpaired}"
    );
    let (cest, cse) = paired_diff(&p["coverage_mean_diff"], "coverage_mean_diff");
    let cexact = exact_b.coverage_mean - exact_a.coverage_mean;
    assert!(
        (cest - cexact).abs() <= 4.5 * cse.max(1e-4),
        "coverage_mean_diff {cest} vs exact {cexact} (se {cse})"
    );
}

#[test]
fn compare_a_file_with_itself_gives_zero() {
    let a = fx("gate.toml");
    let dir = tempdir();
    analysis_ok(
        &["compare", &a, &a, "--trials", "20000", "--charts", "none"],
        dir.path(),
    );
    let v = read_json(&dir.path().join("comparison.json"));
    let p = &array(&v["paired"], "paired")[0];
    for key in ["p_met_diff", "coverage_mean_diff"] {
        assert_eq!(p[key]["estimate"].as_f64(), Some(0.0), "{key}: {}", p[key]);
        assert_eq!(p[key]["se"].as_f64(), Some(0.0), "{key}: {}", p[key]);
    }
    let sc = array(&v["scenarios"], "scenarios");
    assert_eq!(sc[0]["p_met"], sc[1]["p_met"]);
    // Each scenario's headline is that of a plain run with the same seed and trials.
    let run = summary(&fixture("gate.toml"), &["--trials", "20000"]);
    assert_eq!(
        sc[0]["p_met"], run["guarantee"]["p_met"],
        "compare's p_met equals run's"
    );
    assert_eq!(
        sc[0]["coverage_mean"], run["coverage"]["overall"]["mean"],
        "compare's coverage_mean equals run's"
    );
}

#[test]
fn compare_is_identical_across_threads() {
    let a = fx("gate.toml");
    let tmp = tempdir();
    let b = write_edited(tmp.path(), "gate.toml", "join = 0.7", "join = 0.4");
    let b = b.to_string_lossy().into_owned();
    let mut files = Vec::new();
    for threads in ["1", "3"] {
        let dir = tempdir();
        let out = bin()
            .args(["compare", &a, &b, "--trials", "20000", "--charts", "none"])
            .args(["--no-report", "-q", "--threads", threads])
            .arg("--out")
            .arg(dir.path())
            .output()
            .expect("spawn");
        assert_ok(&out, "compare");
        files.push(std::fs::read(dir.path().join("comparison.json")).expect("comparison.json"));
    }
    assert!(
        files[0] == files[1],
        "comparison.json differs between --threads 1 and 3"
    );
}

#[test]
fn compare_three_scenarios_pairs_each_with_the_first() {
    let tmp = tempdir();
    let b = write_edited(tmp.path(), "required.toml", "join = 0.6", "join = 0.9");
    let a = fx("required.toml");
    let b = b.to_string_lossy().into_owned();
    let dir = tempdir();
    analysis_ok(
        &[
            "compare", &a, &b, &a, "--trials", "20000", "--charts", "none",
        ],
        dir.path(),
    );
    let v = read_json(&dir.path().join("comparison.json"));
    assert_eq!(array(&v["scenarios"], "scenarios").len(), 3);
    let paired = array(&v["paired"], "paired");
    assert_eq!(paired.len(), 2, "paired entries for scenarios 1 and 2");
    for (i, p) in paired.iter().enumerate() {
        assert_eq!(p["baseline"].as_u64(), Some(0));
        assert_eq!(p["other"].as_u64(), Some(i as u64 + 1));
    }
    assert_eq!(paired[1]["p_met_diff"]["estimate"].as_f64(), Some(0.0));
}

#[test]
fn compare_bad_input_exits_2_and_writes_nothing() {
    let out_dir = seeded_out_dir();
    let before = snapshot(out_dir.path());
    let bad = manifest().join("tests/malformed/need-zero.toml");
    let out = bin()
        .arg("compare")
        .arg(fixture("gate.toml"))
        .arg(&bad)
        .arg("--out")
        .arg(out_dir.path())
        .output()
        .expect("spawn");
    let err = assert_input_error(&out, "compare good bad");
    assert!(err.contains("need-zero.toml:"), "{err}");
    assert!(
        before == snapshot(out_dir.path()),
        "output directory changed"
    );
    // A single file is a usage error.
    assert_input_error(&exec(["compare", &fx("gate.toml")]), "compare one file");
}

#[test]
fn sensitivity_matches_exact_and_sorts_by_swing() {
    let dir = tempdir();
    analysis_ok(
        &[
            "sensitivity",
            &fx("independent.toml"),
            "--trials",
            "20000",
            "--charts",
            "both",
        ],
        dir.path(),
    );
    let v = read_json(&dir.path().join("sensitivity.json"));
    let n = 20_000.0;
    assert_eq!(v["trials"].as_u64(), Some(20_000));
    assert_eq!(v["seed"].as_u64(), Some(7));
    let exact = enumerate(&IND_JOINS, &IND_AMOUNTS, 100.0, 1.0);
    assert_prob(
        "baseline p_met",
        prob(&v["baseline"]["p_met"], "baseline"),
        exact.p_met,
        n,
    );
    let members = array(&v["members"], "members");
    assert_eq!(members.len(), 4, "one entry per member");
    let mut seen = Vec::new();
    let mut last_swing = f64::INFINITY;
    for m in members {
        let id = m["id"].as_str().expect("id").to_string();
        let i = IND_IDS
            .iter()
            .position(|x| *x == id)
            .unwrap_or_else(|| panic!("unknown member {id}"));
        let (mut out_j, mut in_j) = (IND_JOINS, IND_JOINS);
        out_j[i] = 0.0;
        in_j[i] = 1.0;
        let p_out = enumerate(&out_j, &IND_AMOUNTS, 100.0, 1.0).p_met;
        let p_in = enumerate(&in_j, &IND_AMOUNTS, 100.0, 1.0).p_met;
        let est_out = prob(&m["p_met_out"], "p_met_out");
        let est_in = prob(&m["p_met_in"], "p_met_in");
        assert_prob(&format!("{id} p_met_out"), est_out, p_out, n);
        assert_prob(&format!("{id} p_met_in"), est_in, p_in, n);
        let swing = num(&m["swing"], "swing");
        assert!(
            (swing - (est_in - est_out).abs()).abs() < 1e-12,
            "{id}: swing {swing} != |p_met_in - p_met_out|"
        );
        assert!(
            swing <= last_swing,
            "members not sorted by swing (descending): {id} {swing} after {last_swing}"
        );
        last_swing = swing;
        seen.push(id);
    }
    seen.sort();
    assert_eq!(seen, sorted(&IND_IDS), "every member once");
    assert_png(&dir.path().join("charts/tornado.png"));
    assert_svg(&dir.path().join("charts/tornado.svg"));
    // Forcing a member in is `--set member.<id>.join=1` on the same numbers.
    let run = summary(
        &fixture("independent.toml"),
        &["--set", "member.m3.join=1", "--trials", "20000"],
    );
    let m3 = members
        .iter()
        .find(|m| m["id"] == "m3")
        .expect("m3 in sensitivity.json");
    assert_eq!(
        m3["p_met_in"], run["guarantee"]["p_met"],
        "sensitivity p_met_in of m3 equals run --set member.m3.join=1"
    );
}

/// Uncertain inputs and pledge amounts in `sensitivity`: `inputs` and
/// `amounts` in sensitivity.json, `input` / `amount` rows in
/// sensitivity.csv, every kind in one tornado chart and the console table.
#[test]
fn sensitivity_covers_uncertain_inputs_and_amounts() {
    let dir = tempdir();
    let file = dir.path().join("u.toml");
    std::fs::write(
        &file,
        "[scenario]\nname = \"u\"\nhorizon_months = 6\n\
         [[capability]]\nid = \"c\"\nneed = 1\n[[phase]]\nid = \"p\"\n\
         [[member]]\nid = \"a\"\njoin = { uniform = [0.2, 0.8] }\n\
         [[member.pledge]]\ncapability = \"c\"\nphase = \"p\"\namount = 1\n",
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let f = file.to_string_lossy().into_owned();
    let out = analysis_ok(
        &["sensitivity", &f, "--trials", "4000", "--charts", "svg"],
        &out_dir,
    );
    let v = read_json(&out_dir.join("sensitivity.json"));
    // The existing fields are all there.
    for key in ["trials", "seed", "baseline", "members", "capabilities"] {
        assert!(v.get(key).is_some(), "sensitivity.json lacks {key}");
    }
    let inputs = array(&v["inputs"], "inputs");
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0]["field"], "member.a.join");
    assert!((num(&inputs[0]["low_value"], "low") - 0.26).abs() < 1e-12);
    assert!((num(&inputs[0]["high_value"], "high") - 0.74).abs() < 1e-12);
    assert_prob(
        "join at p10",
        prob(&inputs[0]["p_met_low"], "low"),
        0.26,
        4000.0,
    );
    assert_prob(
        "join at p90",
        prob(&inputs[0]["p_met_high"], "high"),
        0.74,
        4000.0,
    );
    let amounts = array(&v["amounts"], "amounts");
    assert_eq!(amounts.len(), 1);
    assert_eq!(amounts[0]["id"], "a");
    assert_eq!(prob(&amounts[0]["p_met_low"], "x0.8"), 0.0);
    let csv = std::fs::read_to_string(out_dir.join("sensitivity.csv")).unwrap();
    let kinds: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(kinds, ["member", "need", "input", "amount"]);
    let svg = std::fs::read_to_string(out_dir.join("charts/tornado.svg")).unwrap();
    for label in [
        "member a: out / in",
        "need c: -20% / +20%",
        "member.a.join: p10 / p90",
        "amounts of a: x0.8 / x1.2",
    ] {
        assert!(svg.contains(label), "tornado lacks {label:?}");
    }
    let console = String::from_utf8_lossy(&out.stdout);
    for section in ["uncertain input", "member's amounts", "member.a.join"] {
        assert!(
            console.contains(section),
            "console lacks {section:?}:\n{console}"
        );
    }
}

#[test]
fn sensitivity_bad_input_exits_2_and_writes_nothing() {
    let out_dir = seeded_out_dir();
    let before = snapshot(out_dir.path());
    for file in [
        manifest().join("tests/malformed/need-zero.toml"),
        manifest().join("tests/no-such-file.toml"),
    ] {
        let out = bin()
            .arg("sensitivity")
            .arg(&file)
            .arg("--out")
            .arg(out_dir.path())
            .output()
            .expect("spawn");
        let err = assert_input_error(&out, &format!("sensitivity {}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.contains(&name), "stderr must name {name}:\n{err}");
        assert!(
            before == snapshot(out_dir.path()),
            "output directory changed"
        );
    }
}

fn sweep_points(v: &Value) -> Vec<(f64, f64)> {
    array(&v["points"], "points")
        .iter()
        .map(|p| {
            let value = num(&p["value"], "value");
            let p_met = prob(&p["p_met"], "p_met");
            let ci = array(&p["p_met_ci95"], "p_met_ci95");
            let (lo, hi) = (prob(&ci[0], "lo"), prob(&ci[1], "hi"));
            assert!(lo <= p_met && p_met <= hi, "ci [{lo}, {hi}] vs {p_met}");
            prob(&p["coverage_mean"], "coverage_mean");
            (value, p_met)
        })
        .collect()
}

#[test]
fn sweep_list_of_values_matches_exact() {
    let dir = tempdir();
    analysis_ok(
        &[
            "sweep",
            &fx("required.toml"),
            "--param",
            "member.a.join",
            "--values",
            "0,0.5,1",
            "--trials",
            "50000",
        ],
        dir.path(),
    );
    let v = read_json(&dir.path().join("sweep.json"));
    assert_eq!(v["param"].as_str(), Some("member.a.join"));
    let pts = sweep_points(&v);
    let values: Vec<f64> = pts.iter().map(|p| p.0).collect();
    assert_eq!(values, vec![0.0, 0.5, 1.0]);
    // Numbers: no labels (nor any other key) beside the point's fields.
    for p in array(&v["points"], "points") {
        assert_eq!(
            sorted_keys(p, "point"),
            sorted(&[
                "value",
                "p_met",
                "p_met_ci95",
                "coverage_mean",
                "time_to_met_p50"
            ])
        );
    }
    // P(met) = join_a * join_b = v / 2; "a" is required, so v = 0 gives 0 exactly.
    assert_eq!(
        pts[0].1, 0.0,
        "join = 0 for a required member: P(met) = 0 exactly"
    );
    for (value, p) in &pts {
        assert_prob(&format!("p_met at {value}"), *p, value * 0.5, 50_000.0);
    }
    assert_png(&dir.path().join("charts/sweep.png"));
    assert_svg(&dir.path().join("charts/sweep.svg"));
}

#[test]
fn sweep_range_includes_stop_on_the_grid() {
    let dir = tempdir();
    analysis_ok(
        &[
            "sweep",
            &fx("required.toml"),
            "--param",
            "member.a.join",
            "--values",
            "0:1:0.25",
            "--trials",
            "20000",
            "--charts",
            "none",
        ],
        dir.path(),
    );
    let v = read_json(&dir.path().join("sweep.json"));
    let pts = sweep_points(&v);
    let values: Vec<f64> = pts.iter().map(|p| p.0).collect();
    assert_eq!(values.len(), 5, "0:1:0.25 has 5 points: {values:?}");
    for (got, want) in values.iter().zip([0.0, 0.25, 0.5, 0.75, 1.0]) {
        assert!((got - want).abs() < 1e-12, "values {values:?}");
    }
    assert_eq!(pts[0].1, 0.0, "join = 0: P(met) = 0 exactly");
    assert_prob("p_met at 1", pts[4].1, 0.5, 20_000.0);
    // Monotone in join (common random numbers): each point's met trials
    // contain the previous point's.
    assert!(
        pts.windows(2).all(|w| w[0].1 <= w[1].1),
        "P(met) not monotone in join: {pts:?}"
    );
    // A point matches a plain run with --set (same seed, same trials).
    let run = summary(
        &fixture("required.toml"),
        &["--set", "member.a.join=0.75", "--trials", "20000"],
    );
    assert_eq!(
        run["guarantee"]["p_met"].as_f64(),
        Some(pts[3].1),
        "sweep point 0.75 equals run --set member.a.join=0.75"
    );
    assert!(
        !dir.path().join("charts").exists(),
        "--charts none writes no sweep chart"
    );
}

#[test]
fn sweep_grid_is_exact_at_the_stop() {
    // (values, expected points): STOP is included when it lies on the grid,
    // despite floating-point steps; not when it does not.
    let cases: [(&str, &[f64]); 4] = [
        (
            "0:1:0.1",
            &[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
        ),
        ("0.1:0.3:0.1", &[0.1, 0.2, 0.3]),
        ("0:1:0.3", &[0.0, 0.3, 0.6, 0.9]),
        ("0.2,0.1", &[0.2, 0.1]),
    ];
    for (values, want) in cases {
        let dir = tempdir();
        analysis_ok(
            &[
                "sweep",
                &fx("required.toml"),
                "--param",
                "member.a.join",
                "--values",
                values,
                // Not 1000: see p_met_ci95_brackets_p_met_at_zero_and_one.
                "--trials",
                "5000",
                "--charts",
                "none",
                "--no-report",
            ],
            dir.path(),
        );
        let v = read_json(&dir.path().join("sweep.json"));
        let got: Vec<f64> = sweep_points(&v).iter().map(|p| p.0).collect();
        assert_eq!(got.len(), want.len(), "--values {values}: {got:?}");
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() < 1e-9,
                "--values {values}: {got:?} vs {want:?}"
            );
        }
        assert_eq!(
            *got.last().expect("points"),
            *want.last().expect("points"),
            "--values {values}: the last point is exactly the stop"
        );
    }
}

/// A bad key or value exits 2 naming it, before anything runs, and writes
/// nothing; a TOML value that `--set` would refuse is named as
/// `--values KEY=VALUE`.
#[test]
fn sweep_bad_param_or_values_exit_2_and_write_nothing() {
    let amount = "member.a.pledge.0.amount";
    let cases: [(&str, &str, &str); 11] = [
        ("member.nobody.join", "0,1", "nobody"),
        ("member.a.join", "0,abc", "abc"),
        ("member.a.join", "0,1.5", "join"),
        ("member.a.join", "1:0:0.25", "--values"),
        ("member.a.join", "0:1:0", "--values"),
        (
            amount,
            "{ uniform = [1, 2] }; { pert = [3, 2, 1] }",
            "{ pert = [3, 2, 1] }",
        ),
        (
            amount,
            "{ uniform = [1, 2] }; { pert = [1, 2",
            "{ pert = [1, 2",
        ),
        (amount, "{ lognormal = [1, 2] }", "lognormal"),
        (amount, "{ uniform = [1, 2] };; 3", "empty"),
        (
            "member.a.join",
            "0.5; { normal = [0.5, 0.1] }",
            "{ normal = [0.5, 0.1] }",
        ),
        ("member.a.requires", "b; nobody", "nobody"),
    ];
    for (param, values, names) in cases {
        let toml_value = values.contains([';', '{']);
        let out_dir = seeded_out_dir();
        let before = snapshot(out_dir.path());
        let out = bin()
            .arg("sweep")
            .arg(fixture("required.toml"))
            .args(["--param", param, "--values", values, "--trials", "1000"])
            .arg("--out")
            .arg(out_dir.path())
            .output()
            .expect("spawn");
        let err = assert_input_error(&out, &format!("sweep {param} {values}"));
        assert!(
            err.contains(names) && (!toml_value || err.contains("--values")),
            "sweep {param} {values}: want {names:?} (and --values for a TOML value) in\n{err}"
        );
        assert!(
            before == snapshot(out_dir.path()),
            "sweep {param} {values}: output directory changed"
        );
    }
}

/// Sensitivity forces every replica of a `count = 3` member out or in
/// (tests/fixtures/count.toml): all three in give 120 >= 100, so P(met) = 1
/// exactly; all out leave at most 20, so 0 exactly. For "x": out needs all
/// three replicas (1/8), in needs two of three (1/2).
#[test]
fn sensitivity_forces_all_replicas_of_a_counted_member() {
    let dir = tempdir();
    analysis_ok(
        &[
            "sensitivity",
            &fx("count.toml"),
            "--trials",
            "20000",
            "--charts",
            "none",
            "--no-report",
        ],
        dir.path(),
    );
    let v = read_json(&dir.path().join("sensitivity.json"));
    let members = array(&v["members"], "members");
    let get = |id: &str| {
        members
            .iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing from {members:?}"))
    };
    let baltic = get("baltic");
    assert_eq!(
        baltic["p_met_out"].as_f64(),
        Some(0.0),
        "baltic out: {baltic}"
    );
    assert_eq!(
        baltic["p_met_in"].as_f64(),
        Some(1.0),
        "baltic in: {baltic}"
    );
    let x = get("x");
    assert_prob("x p_met_out", num(&x["p_met_out"], "out"), 0.125, 20_000.0);
    assert_prob("x p_met_in", num(&x["p_met_in"], "in"), 0.5, 20_000.0);
    assert_eq!(members[0]["id"], "baltic", "largest swing first");
}

/// A scenario valid by every limit, with far more members and capabilities
/// than a chart can show, runs (it once panicked asking plotters for a
/// 6.7 GB bitmap): the bar charts show `MAX_ROWS` rows and say so.
#[test]
fn charts_of_a_very_large_scenario_show_a_bounded_number_of_rows() {
    let (caps, members) = (300, 3000);
    let mut text = String::from(
        "[scenario]\nname = \"large\"\nhorizon_months = 6\n\n[[phase]]\nid = \"p\"\nstart_month = 0\n",
    );
    for c in 0..caps {
        text += &format!("[[capability]]\nid = \"c{c}\"\nneed = 10\nthreshold = 0.5\n");
    }
    for m in 0..members {
        text += &format!(
            "[[member]]\nid = \"m{m}\"\njoin = 0.5\n[[member.pledge]]\ncapability = \"c{}\"\nphase = \"p\"\namount = 4\n",
            m % caps
        );
    }
    let dir = tempdir();
    let file = dir.path().join("large.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    run_ok(&file, &out, &["--trials", "20", "--charts", "png"]);
    let rows = guarantee_sim_app::render::chart::MAX_ROWS as u32;
    // Members: three bars a row (joins, and both pivotal measures).
    for (chart, per_row) in [("members", 100), ("capabilities", 90), ("committed", 90)] {
        let img = crate::bitmap::Bitmap::open(out.join(format!("charts/{chart}.png")));
        assert_eq!(img.height, 300 + rows * per_row, "{chart}");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains(&format!("Only the first {rows} of {members} members")));
    assert!(report.contains(&format!("Only the first {rows} of {caps} capabilities")));
}

/// Valid scenarios at odd corners, found by black-box fuzzing: phases but
/// no members (a panic: empty block arrays), a threshold, gate coverage or
/// need of 5e-324 (a hang: the least meeting amount was found by stepping
/// one ulp at a time, ~10^15 steps). Each runs, with charts and report,
/// and under `sensitivity` and `compare`, and gives the answers derived by
/// hand: nothing is pledged where it counts, so the guarantee is never met.
#[test]
fn odd_but_valid_scenarios_run_and_answer_exactly() {
    let head = "[scenario]\nname = \"odd\"\nhorizon_months = 12\n";
    let cases = [
        // Phase `p` starts at 0; nothing is pledged.
        (
            "no_members",
            "[[capability]]\nid = \"c\"\nneed = 1\n[[phase]]\nid = \"p\"\n",
        ),
        (
            "tiny_threshold",
            "[[capability]]\nid = \"c\"\nneed = 999999999999999\nthreshold = 5e-324\n",
        ),
        (
            "tiny_need",
            "[[capability]]\nid = \"c\"\nneed = 5e-324\nthreshold = 0.5\n",
        ),
        // The gate counts pledges of phases before `b` (`a` has none): `b`
        // never starts, so `m`'s pledge never deploys.
        (
            "tiny_gate",
            "[[capability]]\nid = \"c\"\nneed = 1e-15\n[[phase]]\nid = \"a\"\n\
             [[phase]]\nid = \"b\"\nafter = \"a\"\ngate = { capability = \"c\", coverage = 5e-324 }\n\
             [[member]]\nid = \"m\"\njoin = 1\n\
             [[member.pledge]]\ncapability = \"c\"\nphase = \"b\"\namount = 1\n",
        ),
    ];
    let dir = tempdir();
    for (name, body) in cases {
        let file = dir.path().join(format!("{name}.toml"));
        std::fs::write(&file, format!("{head}{body}")).unwrap();
        let out = dir.path().join(name);
        run_ok(&file, &out, &["--trials", "300"]);
        let v = read_json(&out.join("summary.json"));
        assert_eq!(prob(&v["guarantee"]["p_met"], name), 0.0, "{name}");
        assert_eq!(
            prob(&v["coverage"]["capability"]["c"]["p_met"], name),
            0.0,
            "{name}"
        );
        let phases = &v["phases"];
        match name {
            "no_members" => {
                assert_eq!(prob(&phases["p"]["p_started"], name), 1.0);
                assert_eq!(num(&phases["p"]["start_p50"], name), 0.0);
            }
            "tiny_gate" => {
                assert_eq!(prob(&phases["a"]["p_started"], name), 1.0);
                assert_eq!(prob(&phases["b"]["p_started"], name), 0.0);
                assert_eq!(prob(&v["members"]["m"]["p_joined"], name), 1.0);
            }
            _ => {}
        }
        let f = file.to_string_lossy().into_owned();
        analysis_ok(
            &["sensitivity", &f, "--trials", "200"],
            &dir.path().join(format!("{name}-s")),
        );
        analysis_ok(
            &["compare", &f, &f, "--trials", "200"],
            &dir.path().join(format!("{name}-c")),
        );
    }
}

/// A scenario file over `MAX_FILE_BYTES` is refused before it is read
/// through (exit 2, nothing written): `/dev/zero` used to be read until
/// memory ran out.
#[test]
fn an_oversized_scenario_file_is_refused_unread() {
    let dir = tempdir();
    let big = dir.path().join("big.toml");
    let limit = guarantee_sim_core::input::load::MAX_FILE_BYTES as usize;
    let mut text = String::from("[scenario]\nname = \"big\"\nhorizon_months = 12\n");
    text += &"#".repeat(limit + 1 - text.len());
    std::fs::write(&big, &text).unwrap();
    let mut files = vec![big.clone()];
    if cfg!(unix) {
        files.push(PathBuf::from("/dev/zero"));
    }
    for file in files {
        let out_dir = dir.path().join("out");
        let out = exec([
            "run".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out_dir.as_os_str(),
        ]);
        let err = assert_input_error(&out, &file.display().to_string());
        // A device is refused before it is read at all.
        assert!(
            err.contains("larger than 16 MB") || err.contains("not a regular file"),
            "{err}"
        );
        assert!(!out_dir.exists(), "nothing written");
    }
    // One byte less is read (and then fails validation for its own reasons).
    std::fs::write(&big, &text[..limit]).unwrap();
    let err = assert_input_error(
        &exec(["validate".as_ref(), big.as_os_str()]),
        "at the limit",
    );
    assert!(!err.contains("larger than"), "{err}");
}

/// A full or closed stdout is no reason to panic (`print!` did): the
/// command still does its work and reports by its exit status.
#[cfg(unix)]
#[test]
fn a_full_stdout_is_not_a_panic() {
    let dir = tempdir();
    let scenario = manifest().join("scenarios/template.toml");
    for args in [
        vec!["validate".into(), scenario.clone().into_os_string()],
        vec![
            "run".into(),
            scenario.clone().into_os_string(),
            "--trials".into(),
            "100".into(),
            "--charts".into(),
            "none".into(),
            "--out".into(),
            dir.path().join("out").into_os_string(),
        ],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_guarantee-sim"))
            .args(&args)
            .stdout(full)
            .output()
            .unwrap();
        assert_ok(&out, &format!("{args:?} > /dev/full"));
    }
    assert!(dir.path().join("out/summary.json").is_file());
}

/// Names with control characters (legal in TOML strings) leave every SVG
/// well-formed XML: such characters are replaced, not written raw.
#[test]
fn control_characters_in_names_leave_svg_well_formed() {
    let dir = tempdir();
    let file = dir.path().join("ctl.toml");
    std::fs::write(
        &file,
        "[scenario]\nname = \"a\\u0007b\\u001b[31m\"\nhorizon_months = 3\n\
         [[capability]]\nid = \"c\"\nname = \"x\\u0000y\\ufffe\"\nneed = 1\n[[phase]]\nid = \"p\"\n\
         [[member]]\nid = \"m\"\nname = \"m\\u0001\"\njoin = 0.5\n\
         [[member.pledge]]\ncapability = \"c\"\nphase = \"p\"\namount = 1\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    run_ok(&file, &out, &["--trials", "50", "--charts", "svg"]);
    let charts: Vec<PathBuf> = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(charts.len() >= 5);
    for svg in charts.iter().chain([&out.join("report.html")]) {
        let text = std::fs::read_to_string(svg).unwrap();
        let bad = text
            .chars()
            .find(|&c| (c.is_control() && !"\t\n\r".contains(c)) || c == '\u{fffe}');
        assert_eq!(bad, None, "{}", svg.display());
    }
}

/// report.md links exactly the chart files the run wrote.
#[test]
fn the_report_links_exactly_the_charts_written() {
    for (flag, linked, absent) in [
        ("both", Some(".png)"), ".svg)"),
        ("png", Some(".png)"), ".svg)"),
        ("svg", Some(".svg)"), ".png)"),
        ("none", None, "](charts/"),
    ] {
        let dir = tempdir();
        run_ok(
            &fixture("gate.toml"),
            dir.path(),
            &["--trials", "2000", "--charts", flag],
        );
        let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
        assert!(
            !md.contains(absent),
            "--charts {flag}: {absent} in report.md"
        );
        if let Some(linked) = linked {
            for chart in CHARTS {
                let ext = &linked[..4];
                assert!(
                    md.contains(&format!("(charts/{chart}{ext})")),
                    "--charts {flag}: {chart} not linked"
                );
                assert!(dir.path().join(format!("charts/{chart}{ext}")).is_file());
            }
        }
    }
}

/// A command one edit away gets a "did you mean", however short.
#[test]
fn a_mistyped_command_gets_a_tip() {
    for (typed, meant) in [
        ("rn", "run"),
        ("compar", "compare"),
        ("valdate", "validate"),
    ] {
        let out = exec([typed]);
        let err = assert_input_error(&out, typed);
        assert!(
            err.contains(&format!("`{meant}`")) || err.contains(&format!("'{meant}'")),
            "{typed}: {err}"
        );
    }
}

/// `compare` says when plans share few ids (their draws are keyed by ids,
/// so common random numbers are mostly lost), on stderr, in
/// comparison.json and in the report; plans that share every id get no
/// warning.
#[test]
fn compare_warns_when_plans_share_few_ids() {
    let root = manifest();
    let dir = tempdir();
    let out = exec([
        "compare".as_ref(),
        fixture("gate.toml").as_os_str(),
        fixture("independent.toml").as_os_str(),
        "--trials".as_ref(),
        "2000".as_ref(),
        "--charts".as_ref(),
        "none".as_ref(),
        "--out".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_ok(&out, "compare gate independent");
    assert!(
        text(&out.stderr).contains("warning: plan 1 shares only"),
        "{}",
        describe(&out)
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("comparison.json")).unwrap())
            .unwrap();
    let shared = &json["paired"][0]["shared_ids"];
    assert!(num(&shared["share"], "share") < 0.5);
    assert!(!array(&shared["only_in_other"], "only_in_other").is_empty());
    let md = std::fs::read_to_string(dir.path().join("comparison.md")).unwrap();
    assert!(md.contains("Common random numbers mostly lost"));
    // Plans with the same ids: no warning, a share of 1.
    let dir = tempdir();
    let plans = root.join("scenarios/plans");
    let out = exec([
        "compare".as_ref(),
        plans.join("sequential.toml").as_os_str(),
        plans.join("parallel.toml").as_os_str(),
        "--trials".as_ref(),
        "2000".as_ref(),
        "--charts".as_ref(),
        "none".as_ref(),
        "--no-report".as_ref(),
        "--out".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_ok(&out, "compare plans");
    assert!(!text(&out.stderr).contains("warning"), "{}", describe(&out));
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("comparison.json")).unwrap())
            .unwrap();
    assert_eq!(num(&json["paired"][0]["shared_ids"]["share"], "share"), 1.0);
}

/// A what-if (`--set`) writes to a folder of its own, named for its
/// overrides, never over the plain run; the console header lists them.
#[test]
fn a_what_if_never_overwrites_the_plain_run() {
    let cwd = tempdir();
    let run = |set: &[&str]| {
        let mut cmd = bin();
        cmd.current_dir(cwd.path())
            .arg("run")
            .arg(fixture("gate.toml"))
            .args(["--trials", "1000", "--charts", "none", "--no-report", "-q"]);
        for s in set {
            cmd.args(["--set", s]);
        }
        cmd.output().expect("spawn")
    };
    let plain = run(&[]);
    assert_ok(&plain, "plain run");
    let what_if = run(&["member.a.join=0.5"]);
    assert_ok(&what_if, "what-if");
    assert!(text(&what_if.stdout).contains("what-if: --set member.a.join=0.5"));
    let summaries: Vec<String> = listing(cwd.path())
        .into_iter()
        .filter(|f| f.ends_with("summary.json"))
        .collect();
    assert_eq!(
        summaries,
        vec![
            "output/fixture-gate/summary.json",
            "output/fixture-gate--member-a-join-0-5/summary.json",
        ]
    );
}

/// `--precision` runs until P(met)'s 95% half-width is at most the target,
/// stopping at the same trial count for 1, 2 and 3 threads (the same
/// summary.json), at a chunk boundary, with `precision` recorded; an
/// unreachable target stops at `--trials`.
#[test]
fn precision_stops_at_the_same_trials_for_any_threads() {
    let mut summaries = Vec::new();
    for threads in ["1", "2", "3"] {
        let dir = tempdir();
        run_ok(
            &fixture("independent.toml"),
            dir.path(),
            &[
                "--precision",
                "0.01",
                "--trials",
                "1000000",
                "--threads",
                threads,
            ],
        );
        summaries.push(std::fs::read(dir.path().join("summary.json")).unwrap());
    }
    assert!(
        summaries.iter().all(|s| s == &summaries[0]),
        "same bytes for 1, 2, 3 threads"
    );
    let v: Value = serde_json::from_slice(&summaries[0]).unwrap();
    let trials = num(&v["trials"], "trials");
    assert_eq!(num(&v["precision"], "precision"), 0.01);
    assert!(trials < 1_000_000.0 && trials % 4096.0 == 0.0, "{trials}");
    let ci = array(&v["guarantee"]["p_met_ci95"], "ci");
    let half = (num(&ci[1], "hi") - num(&ci[0], "lo")) / 2.0;
    assert!(half <= 0.01, "half-width {half}");
    // One chunk fewer would not have been precise enough.
    let p = num(&v["guarantee"]["p_met"], "p_met");
    let n = trials - 4096.0;
    assert!(
        1.96 * (p * (1.0 - p) / n).sqrt() > 0.0095,
        "stopped late: {trials}"
    );
    // Unreachable within the cap: all the trials.
    let dir = tempdir();
    run_ok(
        &fixture("independent.toml"),
        dir.path(),
        &["--precision", "0.0001", "--trials", "5000"],
    );
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(num(&v["trials"], "trials"), 5000.0);
    // A target outside (0, 0.5] is a bad flag.
    let out = exec(["run", "--precision", "0", "--out", "/tmp/unused-precision"]);
    assert_input_error(&out, "--precision 0");
}

/// The CSV tables beside every JSON file: a header row, one row a month /
/// capability / member (plan, point, variant), numbers that parse, and the
/// same figures as the JSON.
#[test]
fn csv_tables_hold_the_json_figures() {
    let dir = tempdir();
    run_ok(
        &fixture("gate.toml"),
        dir.path(),
        &["--trials", "4000", "--charts", "none"],
    );
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    let read = |name: &str| {
        let text = std::fs::read_to_string(dir.path().join(name)).expect(name);
        let mut lines = text.lines();
        let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        let rows: Vec<Vec<String>> = lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        (header, rows)
    };
    let (header, rows) = read("by_month.csv");
    assert_eq!(header[..3], ["month", "p_met", "p_first_met_by_month"]);
    let by_month = array(&v["guarantee"]["p_met_by_month"], "by month");
    assert_eq!(rows.len(), by_month.len());
    for (row, p) in rows.iter().zip(by_month) {
        assert_eq!(row[1].parse::<f64>().unwrap(), num(p, "p_met_by_month"));
        assert_eq!(row.len(), header.len());
    }
    let (header, rows) = read("capabilities.csv");
    assert_eq!(header[0], "id");
    assert_eq!(rows.len(), 2);
    let p_met_col = header.iter().position(|h| h == "p_met").unwrap();
    let id = &rows[0][0];
    assert_eq!(
        rows[0][p_met_col].parse::<f64>().unwrap(),
        num(
            &v["coverage"]["capability"][id]["p_met"],
            "capability p_met"
        )
    );
    let (header, rows) = read("members.csv");
    assert_eq!(
        header,
        [
            "id",
            "name",
            "status",
            "count",
            "p_joined",
            "p_pivotal",
            "p_pivotal_total",
            "p_exited"
        ]
    );
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(
            row[4].parse::<f64>().unwrap(),
            num(&v["members"][&row[0]]["p_joined"], "p_joined")
        );
    }
}

/// A two-way grid: P(met) = join_a * join_b for the two required members,
/// at every pair of values; sweep.json carries both keys and each point's
/// pair beside the one-way fields; sweep.csv heads its first two columns
/// with the keys; the heatmap is charts/sweep.
#[test]
fn sweep_two_way_grid_matches_exact() {
    let dir = tempdir();
    analysis_ok(
        &[
            "sweep",
            &fx("required.toml"),
            "--param",
            "member.a.join",
            "--values",
            "0.2,0.6",
            "--param",
            "member.b.join",
            "--values",
            "0.5:1:0.25",
            "--trials",
            "40000",
        ],
        dir.path(),
    );
    let v = read_json(&dir.path().join("sweep.json"));
    assert_eq!(v["param"].as_str(), Some("member.a.join"));
    assert_eq!(v["params"][0].as_str(), Some("member.a.join"));
    assert_eq!(v["params"][1].as_str(), Some("member.b.join"));
    let points = array(&v["points"], "points");
    assert_eq!(points.len(), 6);
    for (k, p) in points.iter().enumerate() {
        let (a, b) = ([0.2, 0.6][k / 3], [0.5, 0.75, 1.0][k % 3]);
        assert_eq!(num(&p["values"][0], "a"), a);
        assert_eq!(num(&p["values"][1], "b"), b);
        assert_eq!(num(&p["value"], "value"), a);
        assert_prob("p_met", prob(&p["p_met"], "p_met"), a * b, 40_000.0);
    }
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).expect("sweep.csv");
    assert!(
        csv.starts_with("member.a.join,member.b.join,p_met,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 7);
    assert_png(&dir.path().join("charts/sweep.png"));
    assert_svg(&dir.path().join("charts/sweep.svg"));
}

/// A grid's keys and values must pair up; a key may not be crossed with
/// itself: exit 2, nothing written.
#[test]
fn sweep_grid_flags_must_pair_up() {
    let file = fx("required.toml");
    for (args, names) in [
        (
            vec![
                "--param",
                "member.a.join",
                "--values",
                "0,1",
                "--param",
                "member.b.join",
            ],
            "--values",
        ),
        (
            vec![
                "--param",
                "member.a.join",
                "--values",
                "0,1",
                "--param",
                "member.a.join",
                "--values",
                "0,1",
            ],
            "twice",
        ),
        (
            vec![
                "--param",
                "member.a.join",
                "--values",
                "0,1",
                "--target",
                "1.5",
            ],
            "--target",
        ),
    ] {
        let out_dir = tempdir();
        let out = bin()
            .arg("sweep")
            .arg(&file)
            .args(&args)
            .arg("--out")
            .arg(out_dir.path().join("o"))
            .output()
            .expect("spawn");
        let err = assert_input_error(&out, &format!("{args:?}"));
        assert!(err.contains(names), "{args:?}: {err}");
        assert!(!out_dir.path().join("o").exists(), "{args:?}: wrote output");
    }
}

/// One member that surely joins with one pledge to a need of 100 (threshold
/// 0.5), deployed at once: coverage at the horizon is amount / 100 while the
/// amount is at most 100, and the guarantee is met iff amount >= 50.
const ONE_PLEDGE: &str = r#"
[scenario]
name = "Amounts"
horizon_months = 1
seed = 5

[[capability]]
id = "cap"
need = 100
threshold = 0.5

[[phase]]
id = "p"

[[member]]
id = "m"
join = 1

[[member.pledge]]
capability = "cap"
phase = "p"
amount = 10
"#;

/// A pledge amount swept over distributions (`;`-separated TOML values, a
/// number among them): each point's coverage mean is the distribution's
/// mean / 100 and P(met) is P(amount >= 50), within 4.5 standard errors;
/// `value` is the TOML text, `label` the readable label, in sweep.json,
/// sweep.csv (a `_label` column), the console and the chart's axis; the
/// default folder is named for the key.
#[test]
fn sweep_over_distributions_matches_exact_means() {
    let cwd = tempdir();
    let file = cwd.path().join("amounts.toml");
    std::fs::write(&file, ONE_PLEDGE).expect("write");
    let values = "{ uniform = [20, 60] }; { triangular = [0, 30, 90] }; \
                  { pert = [10, 40, 100] }; { choice = [[20, 1], [80, 3]] }; 50";
    let n = 40_000.0;
    let out = bin()
        .current_dir(cwd.path())
        .arg("sweep")
        .arg(&file)
        .args(["--param", "member.m.pledge.0.amount", "--values", values])
        .args(["--trials", "40000", "--threads", "2", "-q"])
        .output()
        .expect("spawn");
    assert_ok(&out, "sweep over distributions");
    // The default folder is named for the key, not for the values.
    let dir = cwd
        .path()
        .join("output/amounts-sweep-member-m-pledge-0-amount");
    assert!(dir.is_dir(), "default folder: {:?}", listing(cwd.path()));
    let v = read_json(&dir.join("sweep.json"));
    let points = array(&v["points"], "points");
    // (TOML text, label, mean amount, sd of amount, P(amount >= 50)).
    let want: [(&str, &str, f64, f64, f64); 4] = [
        (
            "{ uniform = [20, 60] }",
            "uniform 20-60",
            40.0,
            40.0 / 12f64.sqrt(),
            0.25,
        ),
        (
            "{ triangular = [0, 30, 90] }",
            "triangular 0-30-90",
            40.0,
            350f64.sqrt(),
            1600.0 / 5400.0,
        ),
        // Beta-PERT: alpha = 7/3, beta = 11/3 on [10, 100]; P(X >= 50) by
        // numerical integration of the beta density.
        (
            "{ pert = [10, 40, 100] }",
            "pert 10-40-100",
            45.0,
            275f64.sqrt(),
            0.371_787_116,
        ),
        (
            "{ choice = [[20, 1], [80, 3]] }",
            "choice 20 (25%), 80 (75%)",
            65.0,
            675f64.sqrt(),
            0.75,
        ),
    ];
    assert_eq!(points.len(), 5);
    for (p, (text, label, mean, sd, met)) in points.iter().zip(want) {
        assert_eq!(
            p["value"].as_str(),
            Some(text),
            "value is the TOML text: {p}"
        );
        assert_eq!(p["label"].as_str(), Some(label), "{p}");
        assert!(p.get("uncertainty").is_none(), "no uncertain input: {p}");
        let cov = prob(&p["coverage_mean"], "coverage_mean");
        assert_mean(
            &format!("coverage mean at {label}"),
            cov,
            mean / 100.0,
            sd / 100.0,
            n,
        );
        assert_prob(
            &format!("p_met at {label}"),
            prob(&p["p_met"], "p_met"),
            met,
            n,
        );
    }
    // A number among them stays a number, labelled as one; it is exact.
    let last = &points[4];
    assert_eq!(last["value"].as_f64(), Some(50.0));
    assert_eq!(last["label"].as_str(), Some("50"));
    assert_eq!(last["p_met"].as_f64(), Some(1.0));
    assert_eq!(last["coverage_mean"].as_f64(), Some(0.5));
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).expect("sweep.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "member.m.pledge.0.amount,member.m.pledge.0.amount_label,p_met,p_met_ci95_lo,\
             p_met_ci95_hi,coverage_mean,time_to_met_p50"
        )
    );
    assert!(
        lines
            .next()
            .unwrap_or("")
            .starts_with("\"{ uniform = [20, 60] }\",uniform 20-60,"),
        "{csv}"
    );
    assert!(csv.contains(",\"choice 20 (25%), 80 (75%)\","), "{csv}");
    assert!(
        csv.lines().last().unwrap_or("").starts_with("50,50,1,"),
        "{csv}"
    );
    let stdout = text(&out.stdout);
    for (_, label, ..) in want {
        assert!(stdout.contains(label), "console names {label}:\n{stdout}");
    }
    assert_png(&dir.join("charts/sweep.png"));
    assert_svg(&dir.join("charts/sweep.svg"));
    let svg = std::fs::read_to_string(dir.join("charts/sweep.svg")).expect("svg");
    for label in ["uniform 20-60", "triangular 0-30-90", "pert 10-40-100"] {
        assert!(svg.contains(label), "the chart's axis shows {label}");
    }
}

/// A distribution swept into `odds.<status>` makes that point uncertain
/// (docs/model.md 8): it runs its outer samples, its P(met) estimates the
/// distribution's mean and its interval covers the input uncertainty (not
/// a binomial one over the trials); the point with a plain number has none.
#[test]
fn sweep_distribution_on_odds_makes_the_point_uncertain() {
    let dir = tempdir();
    let file = dir.path().join("odds.toml");
    // One member, covering the need alone, joins with [odds] reported.
    let scenario = ONE_PLEDGE
        .replace("join = 1\n", "status = \"reported\"\n")
        .replace("amount = 10", "amount = 100")
        .replace("[[capability]]", "[odds]\nreported = 0.9\n\n[[capability]]");
    std::fs::write(&file, scenario).expect("write");
    let out_dir = dir.path().join("out");
    let (k, t): (f64, f64) = (2000.0, 100_000.0);
    let out = analysis_ok(
        &[
            "sweep",
            &file.to_string_lossy(),
            "--param",
            "odds.reported",
            "--values",
            "{ uniform = [0.2, 0.6] }; { choice = [[0, 1], [1, 1]] }; 0.5",
            "--trials",
            "100000",
            "--outer",
            "2000",
            "--charts",
            "none",
        ],
        &out_dir,
    );
    let v = read_json(&out_dir.join("sweep.json"));
    let points = array(&v["points"], "points");
    assert_eq!(points.len(), 3);
    let ci = |p: &Value| {
        let c = array(&p["p_met_ci95"], "ci");
        (num(&c[0], "lo"), num(&c[1], "hi"))
    };

    // Uniform on [0.2, 0.6]: P(met) = E[odds] = 0.4. Its standard error
    // has both sources: the K draws of the odds (variance 0.4^2 / 12) and
    // the trials (E[p (1 - p)] = 0.4 - 0.16 - 0.4^2 / 12).
    let u = &points[0];
    assert_eq!(u["label"].as_str(), Some("uniform 0.2-0.6"));
    assert_eq!(u["uncertainty"]["outer_samples"].as_u64(), Some(2000));
    let var: f64 = 0.16 / 12.0;
    let se = (var / k + (0.4 - 0.16 - var) / t).sqrt();
    let p = prob(&u["p_met"], "p_met");
    assert!((p - 0.4).abs() <= 4.5 * se, "p_met {p} vs 0.4 (se {se})");
    let (lo, hi) = ci(u);
    let stated = (hi - lo) / (2.0 * 1.96);
    assert!(
        (0.75 * se..=1.33 * se).contains(&stated),
        "the interval's se {stated} covers the input uncertainty (se {se}), \
         not the binomial {}",
        (0.4 * 0.6 / t).sqrt()
    );

    // Odds 0 or 1, equally likely: every outer sample's P(met) is exactly
    // 0 or 1, so the spread is 0 to 1, none of it Monte Carlo noise, and
    // P(met) is the share of samples drawing 1.
    let c = &points[1];
    assert_eq!(c["label"].as_str(), Some("choice 0, 1"));
    let unc = &c["uncertainty"];
    assert_eq!(unc["outer_samples"].as_u64(), Some(2000));
    assert_eq!(unc["p_met"]["p05"].as_f64(), Some(0.0));
    assert_eq!(unc["p_met"]["p95"].as_f64(), Some(1.0));
    assert_eq!(unc["mc_noise_share"].as_f64(), Some(0.0));
    let p = prob(&c["p_met"], "p_met");
    assert!((p - 0.5).abs() <= 4.5 * 0.5 / k.sqrt(), "p_met {p} vs 0.5");

    // A plain number: no uncertain input, a binomial interval.
    let plain = &points[2];
    assert_eq!(plain["value"].as_f64(), Some(0.5));
    assert!(plain.get("uncertainty").is_none(), "{plain}");
    assert_prob("p_met at 0.5", prob(&plain["p_met"], "p_met"), 0.5, t);

    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("outer samples") && stdout.contains("(no uncertain input)"),
        "{stdout}"
    );
}

/// A grid with a distribution on one axis: P(met) = join_a x 0.5 x
/// P(amount_a >= 50); both values' labels in each point (`label` only when
/// the first key's values are labelled), a `_label` column for that key,
/// the labels in the console matrix and on the heatmap's axis.
#[test]
fn sweep_grid_labels_a_distribution_axis() {
    let dir = tempdir();
    let out = analysis_ok(
        &[
            "sweep",
            &fx("required.toml"),
            "--param",
            "member.a.join",
            "--values",
            "0.5,1",
            "--param",
            "member.a.pledge.0.amount",
            "--values",
            "{ uniform = [40, 80] }; 60",
            "--trials",
            "40000",
        ],
        dir.path(),
    );
    let v = read_json(&dir.path().join("sweep.json"));
    let points = array(&v["points"], "points");
    assert_eq!(points.len(), 4);
    for (k, p) in points.iter().enumerate() {
        let (a, (amount, label, p_big)) = (
            [0.5, 1.0][k / 2],
            [
                ("{ uniform = [40, 80] }", "uniform 40-80", 0.75),
                ("60", "60", 1.0),
            ][k % 2],
        );
        assert_eq!(p["values"][0].as_f64(), Some(a), "{p}");
        match p_big {
            1.0 => assert_eq!(p["values"][1].as_f64(), Some(60.0), "{p}"),
            _ => assert_eq!(p["values"][1].as_str(), Some(amount), "{p}"),
        }
        assert_eq!(
            p["labels"][0].as_str(),
            Some(if a == 1.0 { "1" } else { "0.5" })
        );
        assert_eq!(p["labels"][1].as_str(), Some(label));
        assert!(p.get("label").is_none(), "the first key is numeric: {p}");
        assert_prob(
            "p_met",
            prob(&p["p_met"], "p_met"),
            a * 0.5 * p_big,
            40_000.0,
        );
    }
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).expect("sweep.csv");
    assert!(
        csv.starts_with(
            "member.a.join,member.a.pledge.0.amount,member.a.pledge.0.amount_label,p_met,"
        ),
        "{csv}"
    );
    assert!(
        csv.contains("\n0.5,\"{ uniform = [40, 80] }\",uniform 40-80,"),
        "{csv}"
    );
    assert!(text(&out.stdout).contains("uniform 40-80"));
    let svg = std::fs::read_to_string(dir.path().join("charts/sweep.svg")).expect("svg");
    assert!(
        svg.contains("uniform 40-80"),
        "the heatmap's axis is labelled"
    );
    assert_png(&dir.path().join("charts/sweep.png"));
}

/// `--per-trial FILE.csv`: a row per trial with the values the statistics
/// count: the share of rows met is summary.json's P(met) exactly, and the
/// mean of a member's joins its P(joined). A path in a missing directory
/// exits 2 before anything is simulated or written.
#[test]
fn per_trial_rows_add_up_to_the_summary() {
    let dir = tempdir();
    let csv_path = dir.path().join("trials.csv");
    let out = bin()
        .args([
            "run",
            &fx("required.toml"),
            "--trials",
            "3000",
            "--quiet",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .arg("--per-trial")
        .arg(&csv_path)
        .output()
        .expect("spawn");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&csv_path).expect("per-trial csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("trial,met,first_met,coverage_cap,joined_a,joined_b")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3000);
    assert_eq!(rows[2999][0], "2999");
    let summary = read_json(&dir.path().join("out/summary.json"));
    let met = rows.iter().filter(|r| r[1] == "1").count() as f64;
    assert_eq!(met / 3000.0, num(&summary["guarantee"]["p_met"], "p_met"));
    let joined_a = rows.iter().filter(|r| r[4] == "1").count() as f64;
    let p_joined = num(&summary["members"]["a"]["p_joined"], "p_joined");
    assert_eq!(joined_a / 3000.0, p_joined);
    // Met iff both joined (60 + 50 against a need of 100).
    assert!(
        rows.iter()
            .all(|r| (r[1] == "1") == (r[4] == "1" && r[5] == "1"))
    );

    let missing = dir.path().join("no-such-dir/trials.csv");
    let out = bin()
        .args(["run", &fx("required.toml"), "--trials", "100", "--out"])
        .arg(dir.path().join("out2"))
        .arg("--per-trial")
        .arg(&missing)
        .output()
        .expect("spawn");
    let err = assert_input_error(&out, "missing directory");
    assert!(err.contains("--per-trial"), "{err}");
    assert!(!dir.path().join("out2").exists());
}

/// With an uncertain input, `run` writes `charts/uncertainty` and the
/// report's section on it; without, neither (docs/model.md 8.4).
#[test]
fn an_uncertain_input_adds_the_uncertainty_chart_and_report_section() {
    let dir = tempdir();
    let plain = dir.path().join("plain");
    run_ok(&fixture("independent.toml"), &plain, &["--trials", "2000"]);
    assert!(!plain.join("charts/uncertainty.png").exists());
    let md = std::fs::read_to_string(plain.join("report.md")).unwrap();
    assert!(!md.contains("What we do not know"));
    assert!(md.contains("Monte Carlo error only"));

    let out = dir.path().join("uncertain");
    run_ok(
        &fixture("independent.toml"),
        &out,
        &[
            "--trials",
            "2000",
            "--outer",
            "20",
            "--set",
            "member.m1.join={ uniform = [0.2, 0.8] }",
        ],
    );
    for ext in ["png", "svg"] {
        assert!(out.join(format!("charts/uncertainty.{ext}")).exists());
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("\n## What we do not know\n"));
    assert!(md.contains("across plausible inputs (90%)**"));
    assert!(!md.contains("Monte Carlo error only"));
    assert!(md.contains("| member.m1.join |"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<figure id=\"chart-uncertainty\">"));
}

/// scenario.json beside summary.json names what summary.json keys by id:
/// capability names, units, needs, thresholds, critical flags; member
/// names and statuses; phases.
#[test]
fn scenario_json_describes_the_ids_of_the_summary() {
    let dir = tempdir();
    run_ok(
        &fixture("gate.toml"),
        dir.path(),
        &["--trials", "1000", "--charts", "none", "--no-report"],
    );
    let s = read_json(&dir.path().join("scenario.json"));
    let summary = read_json(&dir.path().join("summary.json"));
    let caps = array(&s["capabilities"], "capabilities");
    let mut ids: Vec<&str> = caps.iter().map(|c| c["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    // (serde_json's objects read back sorted by key.)
    let in_summary: Vec<&str> = summary["coverage"]["capability"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(ids, in_summary);
    for c in caps {
        assert!(c["name"].is_string() && c["need"].as_f64().unwrap() > 0.0);
        assert!(c["threshold"].is_number() && c["critical"].is_boolean());
    }
    let members = array(&s["members"], "members");
    assert_eq!(members.len(), summary["members"].as_object().unwrap().len());
    assert!(members.iter().all(|m| m["name"].is_string()));
    assert_eq!(s["horizon_months"], summary["scenario"]["horizon_months"]);
}
