//! `solve` (docs/model.md 4.8 and 5.1) against exact answers: a member whose
//! join probability is P(met) (the answer is the target itself), a uniform
//! pledge amount (P(met) linear in the need), a whole-number key (`count`),
//! a target out of reach, and bad input (exit status 2, nothing written).

use assert_cmd::Command;
use guarantee_sim_core::analysis::estimate::RunConfig;
use guarantee_sim_core::analysis::solve::{Metric, Request, Solve};
use serde_json::Value;
use std::path::Path;

const TRIALS: u64 = 20_000;

fn config() -> RunConfig {
    RunConfig {
        seed: Some(5),
        trials: Some(TRIALS),
        threads: Some(2),
        precision: None,
        outer: None,
    }
}

fn request(param: &str, target: f64, between: Option<[f64; 2]>) -> Request {
    Request {
        param: param.into(),
        metric: Metric::PMet,
        target,
        between,
    }
}

fn solve(text: &str, request: &Request) -> Solve {
    guarantee_sim_core::solve("test", text, &[], request, &config(), &|_| {})
        .unwrap_or_else(|e| panic!("{e}"))
}

/// One member "m" pledging the full need with `join = 0.5` (solved for), or
/// the pledge `amount` given.
fn one_member(amount: &str) -> String {
    format!(
        r#"
[scenario]
name = "Solve fixture"
horizon_months = 3

[[capability]]
id = "cap"
need = 100

[[phase]]
id = "p"

[[member]]
id = "m"
join = 0.5

[[member.pledge]]
capability = "cap"
phase = "p"
amount = {amount}
"#
    )
}

/// P(met) = join exactly, so the answer is the target; on common random
/// numbers the curve is the empirical distribution of the trials' join
/// draws, so the answer is off by about sqrt(p (1 - p) / N), and the
/// interval is about +/- 1.96 of that around it.
#[test]
fn join_probability_solves_to_the_target() {
    let s = solve(&one_member("100"), &request("member.m.join", 0.7, None));
    assert!(s.reached, "{s:?}");
    assert_eq!(s.between, [0.0, 1.0], "a probability: [0, 1] by default");
    assert!(!s.integer);
    assert_eq!(s.direction, "increasing");
    let sd = (0.21 / TRIALS as f64).sqrt();
    let value = s.value.expect("value");
    assert!((value - 0.7).abs() <= 4.5 * sd, "value {value} vs 0.7");
    let [a, b] = s.interval.expect("interval");
    assert!(a <= value && value <= b, "[{a}, {b}] vs {value}");
    assert!(a <= 0.7 && 0.7 <= b, "interval [{a}, {b}] must contain 0.7");
    let want = 2.0 * 1.96 * sd;
    assert!(
        ((b - a) - want).abs() <= 0.2 * want,
        "interval width {} vs 2 x 1.96 x sd = {want}",
        b - a
    );
    assert_eq!(s.interval_clipped, Some([false, false]));
    assert!(s.evaluations.len() <= 40, "{}", s.evaluations.len());
    assert_eq!(s.evaluations[0].value, 0.0);
    assert_eq!(s.evaluations[0].metric, 0.0, "join 0: never met");
    assert_eq!(s.evaluations[1].value, 1.0);
    assert_eq!(s.evaluations[1].metric, 1.0, "join 1: always met");
    // Monotone on common random numbers.
    let mut pts = s.evaluations.clone();
    pts.sort_by(|x, y| x.value.total_cmp(&y.value));
    assert!(
        pts.windows(2).all(|w| w[0].metric <= w[1].metric),
        "{pts:?}"
    );
}

/// With `join = 1` and an amount uniform on [50, 150] against the need n,
/// P(met) = P(amount >= n) = (150 - n) / 100: decreasing in n, and 0.9 at
/// n = 60. The answer's error is 100 sqrt(0.09 / N) on the need's scale.
#[test]
fn uniform_amount_solves_the_need_exactly() {
    let text = one_member("{ uniform = [50, 150] }").replace("join = 0.5", "join = 1");
    let s = solve(
        &text,
        &request("capability.cap.need", 0.9, Some([50.0, 150.0])),
    );
    assert!(s.reached, "{s:?}");
    assert_eq!(s.direction, "decreasing");
    assert!(!s.integer, "need takes fractions");
    let sd = 100.0 * (0.09 / TRIALS as f64).sqrt();
    let value = s.value.expect("value");
    assert!((value - 60.0).abs() <= 4.5 * sd, "need {value} vs 60");
    let [a, b] = s.interval.expect("interval");
    assert!(
        a <= 60.0 && 60.0 <= b,
        "interval [{a}, {b}] must contain 60"
    );
    let want = 2.0 * 1.96 * sd;
    assert!(
        ((b - a) - want).abs() <= 0.25 * want,
        "interval width {} vs {want}",
        b - a
    );
}

/// `count` takes whole numbers only: the search is on whole numbers. With
/// 10 per replica against a need of 95 and `join = 1`, P(met) is 0 below
/// 10 replicas and 1 from 10: the answer and both ends of its interval are
/// exactly 10.
#[test]
fn whole_number_key_is_searched_on_whole_numbers() {
    let text = one_member("10")
        .replace("need = 100", "need = 95")
        .replace("join = 0.5", "join = 1\ncount = 1");
    let s = solve(&text, &request("member.m.count", 0.9, Some([1.0, 40.0])));
    assert!(s.integer, "{s:?}");
    assert_eq!(s.value, Some(10.0));
    assert_eq!(s.interval, Some([10.0, 10.0]));
    assert!(s.evaluations.iter().all(|e| e.value.fract() == 0.0));
    assert!(s.evaluations.len() <= 2 + 3 * 6, "{}", s.evaluations.len());
}

/// P(failed) falls as the honour probability rises: the direction comes
/// from the ends, and the answer is where P(failed) drops to the target.
/// One member that always joins and covers the response need, an attack in
/// every trial (a high rate), honour h: P(failed) = 1 - h.
#[test]
fn p_failed_falls_and_is_solved_from_above() {
    let text = r#"
[scenario]
name = "Solve attack fixture"
horizon_months = 12

[attack]
rate_per_year = 50

[[capability]]
id = "cap"
need = 1
response_need = 1

[[phase]]
id = "p"

[[member]]
id = "m"
join = 1
honour = 0.5

[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
"#;
    let mut req = request("member.m.honour", 0.25, None);
    req.metric = Metric::PFailed;
    let s = solve(text, &req);
    assert!(s.reached, "{s:?}");
    assert_eq!(s.direction, "decreasing");
    let value = s.value.expect("value");
    // About every trial is attacked (rate 50 a year over 12 months).
    assert!((value - 0.75).abs() <= 0.02, "honour {value} vs 0.75");
}

// ------------------------------------------------------------ the binary

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn exec(args: &[&str], out: &Path) -> std::process::Output {
    Command::cargo_bin("guarantee-sim")
        .expect("binary")
        .args(args)
        .arg("--out")
        .arg(out)
        .args(["--threads", "2", "-q"])
        .output()
        .expect("spawn")
}

fn describe(out: &std::process::Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

#[test]
fn solve_writes_json_chart_and_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    // P(met) = join_a / 2 (tests/fixtures/required.toml): 0.3 at join_a = 0.6.
    let out = exec(
        &[
            "solve",
            &fixture("required.toml"),
            "--param",
            "member.a.join",
            "--target",
            "0.3",
            "--trials",
            "20000",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let v = read_json(&dir.path().join("solve.json"));
    assert_eq!(v["param"], "member.a.join");
    assert_eq!(v["metric"], "p_met");
    assert_eq!(v["target"], 0.3);
    assert_eq!(v["reached"], true);
    assert_eq!(v["trials"], 20000);
    assert_eq!(v["seed"], 11, "the fixture's seed");
    let value = v["value"].as_f64().expect("value");
    // sd of the answer: sqrt(0.3 * 0.7 / N) / (dP/djoin = 0.5).
    let sd = (0.21f64 / 20000.0).sqrt() / 0.5;
    assert!((value - 0.6).abs() <= 4.5 * sd, "value {value}");
    let interval: Vec<f64> = v["interval"]
        .as_array()
        .expect("interval")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect();
    assert!(interval[0] <= value && value <= interval[1], "{interval:?}");
    let evaluations = v["evaluations"].as_array().expect("evaluations");
    assert!((3..=40).contains(&evaluations.len()));
    for e in evaluations {
        let (m, ci) = (e["metric"].as_f64().unwrap(), e["ci95"].as_array().unwrap());
        assert!(ci[0].as_f64().unwrap() <= m && m <= ci[1].as_f64().unwrap());
    }
    for ext in ["png", "svg"] {
        let chart = dir.path().join(format!("charts/solve.{ext}"));
        assert!(
            std::fs::metadata(&chart)
                .map(|m| m.len() > 1000)
                .unwrap_or(false),
            "{} missing or empty",
            chart.display()
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("  member.a.join = 0."), "{stdout}");
    assert!(stdout.contains("95% interval"), "{stdout}");
}

#[test]
fn solve_out_of_reach_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    // P(met) = join_a / 2 is at most 0.5.
    let out = exec(
        &[
            "solve",
            &fixture("required.toml"),
            "--param",
            "member.a.join",
            "--target",
            "0.9",
            "--trials",
            "5000",
            "--charts",
            "svg",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let v = read_json(&dir.path().join("solve.json"));
    assert_eq!(v["reached"], false);
    assert!(v["value"].is_null() && v["interval"].is_null(), "{v}");
    assert_eq!(v["closest"]["value"], 1.0);
    assert_eq!(v["evaluations"].as_array().map(Vec::len), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("out of reach"), "{stdout}");
    assert!(stdout.contains("closest is member.a.join = 1,"), "{stdout}");
    assert!(dir.path().join("charts/solve.svg").exists());
}

#[test]
fn solve_bad_input_exits_2_and_writes_nothing() {
    let required = fixture("required.toml");
    let cases: [(&[&str], &str); 9] = [
        (
            &["--param", "member.nobody.join", "--target", "0.5"],
            "nobody",
        ),
        (
            &[
                "--param",
                "scenario.name",
                "--target",
                "0.5",
                "--between",
                "0:1",
            ],
            "name",
        ),
        (&["--param", "member.a.join", "--target", "1.5"], "--target"),
        (
            &[
                "--param",
                "member.a.join",
                "--target",
                "0.5",
                "--between",
                "1:0",
            ],
            "--between",
        ),
        (
            &[
                "--param",
                "member.a.join",
                "--target",
                "0.5",
                "--between",
                "0:2",
            ],
            "join",
        ),
        (
            &["--param", "capability.cap.need", "--target", "0.5"],
            "--between",
        ),
        (
            &[
                "--param",
                "member.a.join",
                "--target",
                "0.5",
                "--metric",
                "p_failed",
            ],
            "[attack]",
        ),
        (
            &[
                "--param",
                "member.a.join",
                "--target",
                "0.5",
                "--metric",
                "p_win",
            ],
            "--metric",
        ),
        (
            &["--param", "member.a.join=1", "--target", "0.5"],
            "--param",
        ),
    ];
    for (args, names) in cases {
        let parent = tempfile::tempdir().expect("tempdir");
        let dir = parent.path().join("out");
        let mut all = vec!["solve", required.as_str(), "--trials", "1000"];
        all.extend_from_slice(args);
        let out = exec(&all, &dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains(names), "{args:?}: want {names:?} in\n{err}");
        assert!(!dir.exists(), "{args:?}: wrote {}", dir.display());
        assert_eq!(
            std::fs::read_dir(parent.path()).expect("read_dir").count(),
            0,
            "{args:?}: left files beside the output directory"
        );
    }
}

/// `solve` and a `sweep` of the same key on the same seed and trials share
/// their random numbers, so the solved value lies between the two sweep
/// points whose P(met) straddles the target, and the exact crossing
/// (P(met) = join_a / 2 in tests/fixtures/required.toml: 0.3 at 0.6) lies in
/// the interval `solve` reports.
#[test]
fn solve_agrees_with_a_sweeps_crossing() {
    // Each command on tests/fixtures/required.toml with the same seed and
    // trials; its JSON file.
    let json = |args: &[&str], file: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        let scenario = fixture("required.toml");
        let mut all = vec![args[0], scenario.as_str()];
        all.extend_from_slice(&args[1..]);
        all.extend(["--trials", "20000", "--seed", "3", "--charts", "none"]);
        let out = exec(&all, dir.path());
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        read_json(&dir.path().join(file))
    };
    let sweep = json(
        &[
            "sweep",
            "--param",
            "member.a.join",
            "--values",
            "0:1:0.05",
            "--no-report",
        ],
        "sweep.json",
    );
    let points: Vec<(f64, f64)> = sweep["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| {
            (
                p["value"].as_f64().expect("value"),
                p["p_met"].as_f64().expect("p_met"),
            )
        })
        .collect();
    let (lo, hi) = points
        .windows(2)
        .find(|w| w[0].1 < 0.3 && w[1].1 >= 0.3)
        .map(|w| (w[0].0, w[1].0))
        .expect("the sweep crosses 0.3");

    let v = json(
        &["solve", "--param", "member.a.join", "--target", "0.3"],
        "solve.json",
    );
    let value = v["value"].as_f64().expect("value");
    assert!(
        lo <= value && value <= hi,
        "solved {value} outside the sweep's crossing [{lo}, {hi}]"
    );
    let interval: Vec<f64> = v["interval"]
        .as_array()
        .expect("interval")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect();
    assert!(
        interval[0] <= 0.6 && 0.6 <= interval[1],
        "exact crossing 0.6 outside {interval:?}"
    );
}
