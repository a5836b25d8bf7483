//! The input pipeline end to end: valid files, the malformed corpus, `--set`
//! overrides and file loading.

use guarantee_sim_core::input::load::{load_file, load_str};
use guarantee_sim_core::input::scenario::{Dist, ExitTrigger, PhaseStart, Scenario, YearMonth};
use std::path::Path;

const FULL: &str = r#"
[scenario]
name = "Coalition test"
description = "all the things"
sources = ["a", "b"]
horizon_months = 24
trials = 1000
seed = 7

[odds]
confirmed = 0.9
reported = 0.6

[[capability]]
id = "training"
name = "Training"
unit = "troops"
need = 5000
threshold = 0.8
critical = false
weight = 2

[[capability]]
id = "air"
need = 4

[[group]]
id = "western"
correlation = 0.6

[[phase]]
id = "p0"
start_month = { uniform = [0, 2] }

[[phase]]
id = "p1"
after = "p0"
lag_months = { normal = [3, 1] }
gate = { capability = "training", coverage = 0.5 }

[[member]]
id = "uk"
name = "United Kingdom"
status = "confirmed"
group = "western"

[[member.pledge]]
capability = "training"
phase = "p0"
amount = { triangular = [500, 1000, 2000] }
delay_months = { uniform = [1, 4] }
duration_months = 18
probability = 0.9

[[member.pledge]]
capability = "air"
phase = "p1"
amount = { choice = [[1, 0.5], [2, 0.5]] }

[[member]]
id = "fr"
status = "reported"
join = 0.7

[[member]]
id = "us"
join = 0.5
requires = "uk"
join_without = 0.1
count = 3

[[member.pledge]]
capability = "air"
phase = "p1"
amount = { range90 = [1, 3] }
delay_months = { pert = [0, 1, 5] }
"#;

fn err(text: &str, overrides: &[&str]) -> String {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match load_str("t.toml", text, &overrides) {
        Ok(_) => panic!("expected an error for overrides {overrides:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn full_scenario_loads() {
    let l = load_str("full.toml", FULL, &[]).unwrap_or_else(|e| panic!("{e}"));
    let s = &l.scenario;
    assert_eq!(s.name, "Coalition test");
    assert_eq!(s.description.as_deref(), Some("all the things"));
    assert_eq!(s.sources, vec!["a", "b"]);
    assert_eq!(
        (s.horizon_months, s.trials, s.seed),
        (24, Some(1000), Some(7))
    );
    assert_eq!(s.odds.get("reported"), Some(&0.6));
    let c = &s.capabilities[0];
    assert_eq!(
        (c.name.as_str(), c.unit.as_deref()),
        ("Training", Some("troops"))
    );
    assert_eq!(
        (c.need, c.threshold, c.critical, c.weight),
        (5000.0, 0.8, false, 2.0)
    );
    assert_eq!(s.groups[0].correlation, 0.6);
    assert_eq!(
        s.phases[0].start,
        PhaseStart::At(Dist::Uniform { a: 0.0, b: 2.0 })
    );
    match &s.phases[1].start {
        PhaseStart::After { phase, lag, gate } => {
            assert_eq!(*phase, 0);
            assert_eq!(*lag, Dist::Normal { mean: 3.0, sd: 1.0 });
            let g = gate.as_ref().expect("gate");
            assert_eq!((g.capability, g.coverage), (0, 0.5));
        }
        other => panic!("{other:?}"),
    }
    let uk = &s.members[0];
    assert_eq!(
        (uk.join, uk.group, uk.status.as_deref()),
        (0.9, Some(0), Some("confirmed"))
    );
    assert_eq!(uk.pledges.len(), 2);
    assert_eq!(uk.pledges[0].duration, Some(Dist::Constant(18.0)));
    assert_eq!(
        uk.pledges[1].amount,
        Dist::Choice(vec![(1.0, 0.5), (2.0, 0.5)])
    );
    // An explicit join wins over the status' odds.
    assert_eq!(s.members[1].join, 0.7);
    let us = &s.members[2];
    assert_eq!((us.requires, us.join_without, us.count), (Some(0), 0.1, 3));
    assert_eq!(us.pledges[0].amount, Dist::Range90 { lo: 1.0, hi: 3.0 });
    assert_eq!(
        us.pledges[0].delay,
        Dist::Pert {
            min: 0.0,
            mode: 1.0,
            max: 5.0
        }
    );
    assert_eq!(l.origin, "full.toml");
    assert_eq!(l.sha256.len(), 64);
}

#[test]
fn builtin_default_loads() {
    let l = load_str(
        guarantee_sim_app::DEFAULT_SCENARIO_ORIGIN,
        guarantee_sim_app::DEFAULT_SCENARIO,
        &[],
    );
    assert!(
        l.is_ok(),
        "{}",
        l.err().map(|e| e.to_string()).unwrap_or_default()
    );
}

/// Every file of tests/malformed gives an error at the line its first
/// comment names, with the phrase its second comment names.
#[test]
fn malformed_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/malformed")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 35, "only {} malformed files", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let header = |prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("{}: no `{prefix}` header", path.display()))
                .trim()
                .to_string()
        };
        let line = header("# expect-line:");
        let phrase = header("# expect:");
        let msg = match load_file(&path, &[]) {
            Ok(_) => panic!("{} loaded without error", path.display()),
            Err(e) => e.to_string(),
        };
        let at = format!("{}:{line}:", path.display());
        assert!(msg.contains(&at), "{}: want {at} in\n{msg}", path.display());
        assert!(
            msg.contains(&phrase),
            "{}: want {phrase:?} in\n{msg}",
            path.display()
        );
        assert!(msg.starts_with("error: "), "{msg}");
        assert!(msg.contains(" | "), "no snippet in\n{msg}");
    }
}

#[test]
fn all_errors_are_reported() {
    let text = "[scenario]\nname = 3\nhorizon_months = 0\n\n[[capability]]\nid = \"a\"\nneed = -1\nthreshold = 2\n";
    let msg = err(text, &[]);
    for want in [
        "t.toml:2:8",
        "t.toml:3:18",
        "t.toml:7:8",
        "t.toml:8:13",
        "4 errors",
    ] {
        assert!(msg.contains(want), "want {want} in\n{msg}");
    }
}

#[test]
fn status_error_lists_known_statuses() {
    let text = "[scenario]\nname = \"t\"\nhorizon_months = 5\n[odds]\nconfirmed = 0.9\nreported = 0.5\n[[capability]]\nid = \"a\"\nneed = 1\n[[member]]\nid = \"x\"\nstatus = \"rumoured\"\n";
    let msg = err(text, &[]);
    assert!(msg.contains("\"rumoured\""), "{msg}");
    assert!(msg.contains("known statuses: confirmed, reported"), "{msg}");
    assert!(msg.contains("t.toml:12:10"), "{msg}");
}

#[test]
fn missing_file_is_named() {
    let e = load_file(Path::new("/no/such/dir/scen.toml"), &[]).expect_err("error");
    assert!(e.to_string().contains("/no/such/dir/scen.toml"), "{e}");
}

#[test]
fn sha256_is_of_the_file_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.toml");
    std::fs::write(&path, guarantee_sim_app::DEFAULT_SCENARIO).expect("write");
    let l = load_file(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.source, guarantee_sim_app::DEFAULT_SCENARIO);
    assert_eq!(l.origin, path.display().to_string());
    assert_eq!(
        guarantee_sim_core::input::load::sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        l.sha256,
        guarantee_sim_core::input::load::sha256_hex(guarantee_sim_app::DEFAULT_SCENARIO.as_bytes())
    );
}

#[test]
fn non_utf8_file_is_an_input_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, b"[scenario]\nname = \"\xc3\xa9t\xff\"\n").expect("write");
    let e = load_file(&path, &[]).expect_err("error");
    assert!(
        e.to_string().contains("UTF-8") && e.to_string().contains("bad.toml:2:11"),
        "{e}"
    );
}

/// A FIFO would block `open` forever, a directory cannot be read: both are
/// refused at once.
#[cfg(unix)]
#[test]
fn a_fifo_or_a_directory_is_refused_without_opening_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("scenario.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let e = load_file(&fifo, &[]).expect_err("error");
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
    let e = load_file(dir.path(), &[]).expect_err("error");
    assert!(e.to_string().contains("is a directory"), "{e}");
}

// ---- --set overrides ----

fn set(overrides: &[&str]) -> guarantee_sim_core::input::scenario::Scenario {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match load_str("full.toml", FULL, &overrides) {
        Ok(l) => {
            assert_eq!(l.overrides, overrides);
            l.scenario
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn set_replaces_values_of_every_section() {
    let s = set(&[
        "member.fr.join=0.25",
        "capability.air.need=8",
        "phase.p0.start_month={ uniform = [1, 3] }",
        "group.western.correlation=0.1",
        "odds.confirmed=0.5",
        "scenario.horizon_months=36",
        "scenario.name=\"Renamed\"",
    ]);
    assert_eq!(s.members[1].join, 0.25);
    assert_eq!(s.capabilities[1].need, 8.0);
    assert_eq!(
        s.phases[0].start,
        PhaseStart::At(Dist::Uniform { a: 1.0, b: 3.0 })
    );
    assert_eq!(s.groups[0].correlation, 0.1);
    // uk has status "confirmed" and no join: it follows the odds.
    assert_eq!(s.members[0].join, 0.5);
    assert_eq!(s.horizon_months, 36);
    assert_eq!(s.name, "Renamed");
}

#[test]
fn set_adds_missing_fields_and_bare_words_are_strings() {
    let s = set(&["member.fr.requires=uk", "member.fr.count=2"]);
    assert_eq!((s.members[1].requires, s.members[1].count), (Some(0), 2));
    let s = set(&["member.fr.requires=\"uk\""]);
    assert_eq!(s.members[1].requires, Some(0));
}

#[test]
fn set_reaches_pledges_and_gates() {
    let s = set(&["member.uk.pledge.1.amount=7", "phase.p1.gate.coverage=0.9"]);
    assert_eq!(s.members[0].pledges[1].amount, Dist::Constant(7.0));
    match &s.phases[1].start {
        PhaseStart::After { gate: Some(g), .. } => assert_eq!(g.coverage, 0.9),
        other => panic!("{other:?}"),
    }
}

/// FULL with every contract-v2 table: a start, two events, `[attack]`,
/// `[honour]`, a capability with `response_need`, and exits and a response
/// on `us` (the last member).
fn full_v2() -> String {
    let text = FULL
        .replace(
            "horizon_months = 24\n",
            "horizon_months = 24\nstart = \"2026-01\"\n",
        )
        .replace(
            "id = \"air\"\nneed = 4\n",
            "id = \"air\"\nneed = 4\nresponse_need = 2\n",
        )
        .replace(
            "id = \"uk\"\nname = \"United Kingdom\"\n",
            "id = \"uk\"\nname = \"United Kingdom\"\ncommitment = \"legal\"\n",
        );
    format!(
        "{text}
[[member.exit]]
event = \"fr-2027\"

[[member.exit]]
rate_per_year = 0.1

[[member.response]]
capability = \"air\"
amount = 1

[[event]]
id = \"fr-2027\"
month = 15

[[event]]
id = \"de-2029\"
date = \"2029-09\"

[attack]
rate_per_year = 0.25
warning = {{ capability = \"air\", lead_months = 0.5 }}

[honour]
legal = 0.75
"
    )
}

fn set_v2(overrides: &[&str]) -> Result<Scenario, String> {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    load_str("full.toml", &full_v2(), &overrides)
        .map(|l| l.scenario)
        .map_err(|e| e.to_string())
}

#[test]
fn full_v2_scenario_loads() {
    let s = set_v2(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.start,
        Some(YearMonth {
            year: 2026,
            month: 1
        })
    );
    assert_eq!(s.events[1].month, Dist::Constant(44.0));
    assert_eq!(s.members[0].honour, 0.75);
    let us = &s.members[2];
    assert_eq!(us.exits[0].trigger, ExitTrigger::Event(0));
    assert_eq!(us.exits[1].trigger, ExitTrigger::RatePerYear(0.1));
    assert_eq!(us.responses[0].capability, 1);
    let a = s.attack.as_ref().expect("attack");
    assert_eq!(a.warning.as_ref().map(|w| w.lead_months), Some(0.5));
}

#[test]
fn set_reaches_every_v2_key() {
    let s = set_v2(&[
        "scenario.start=\"2025-01\"",
        "event.fr-2027.month={ uniform = [10, 20] }",
        "event.fr-2027.probability=0.3",
        "event.fr-2027.name=\"Election\"",
        "event.de-2029.date=\"2027-04\"",
        "member.us.exit.0.probability=0.5",
        "member.us.exit.0.lag_months.uniform=[1, 6]",
        "member.us.exit.1.rate_per_year=0.4",
        "member.us.response.0.amount={ pert = [1, 2, 4] }",
        "member.us.response.0.delay_months=2",
        "member.us.response.0.probability=0.9",
        "member.us.commitment=\"legal\"",
        "member.fr.honour=0.2",
        "attack.rate_per_year=0.5",
        "attack.rate_per_year_when_met=0.1",
        "attack.window_months=2",
        "attack.warning.lead_months=1",
        "honour.legal=0.6",
        "capability.air.response_need=3",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.start,
        Some(YearMonth {
            year: 2025,
            month: 1
        })
    );
    let fr = &s.events[0];
    assert_eq!(fr.month, Dist::Uniform { a: 10.0, b: 20.0 });
    assert_eq!((fr.probability, fr.name.as_str()), (0.3, "Election"));
    // 2027-04 is 27 months after the new start.
    assert_eq!(s.events[1].month, Dist::Constant(27.0));
    let us = &s.members[2];
    assert_eq!(us.exits[0].probability, 0.5);
    assert_eq!(us.exits[0].lag, Dist::Uniform { a: 1.0, b: 6.0 });
    assert_eq!(us.exits[1].trigger, ExitTrigger::RatePerYear(0.4));
    let r = &us.responses[0];
    assert_eq!(
        r.amount,
        Dist::Pert {
            min: 1.0,
            mode: 2.0,
            max: 4.0
        }
    );
    assert_eq!((&r.delay, r.probability), (&Dist::Constant(2.0), 0.9));
    // `honour.legal` reaches both members with that commitment; an
    // explicit `honour` wins.
    assert_eq!(
        (s.members[0].honour, s.members[1].honour, us.honour),
        (0.6, 0.2, 0.6)
    );
    let a = s.attack.as_ref().expect("attack");
    assert_eq!(
        (a.rate_per_year, a.rate_per_year_when_met, a.window_months),
        (0.5, 0.1, 2.0)
    );
    assert_eq!(a.warning.as_ref().map(|w| w.lead_months), Some(1.0));
    assert_eq!(s.capabilities[1].response_need, Some(3.0));
    assert_eq!(s.honour.get("legal"), Some(&0.6));
}

#[test]
fn set_adds_v2_tables_to_a_v1_file() {
    let s = set(&[
        "attack.rate_per_year=0.2",
        "honour.binding by treaty=0.9",
        "scenario.start=\"2026-03\"",
    ]);
    let a = s.attack.as_ref().expect("attack added");
    assert_eq!((a.rate_per_year, a.rate_per_year_when_met), (0.2, 0.2));
    assert_eq!(s.honour.get("binding by treaty"), Some(&0.9));
    assert_eq!(
        s.start,
        Some(YearMonth {
            year: 2026,
            month: 3
        })
    );
    // A calendar month whose quotes the shell ate is still a string.
    let s = set(&["scenario.start=2026-04"]);
    assert_eq!(
        s.start,
        Some(YearMonth {
            year: 2026,
            month: 4
        })
    );
}

#[test]
fn set_v2_errors_name_the_flag() {
    for (flag, want) in [
        ("attak.rate_per_year=1", "did you mean `attack`?"),
        ("attack=1", "attack.<field>"),
        ("honour=1", "honour.<commitment>"),
        ("event.fr-2072.month=1", "did you mean `fr-2027`?"),
        ("event.fr-2027=1", "event.<id>.<field>"),
        ("member.us.exit.2.rate_per_year=1", "index in 0..2"),
        ("member.us.response.1.amount=1", "index in 0..1"),
    ] {
        let msg = set_v2(&[flag]).expect_err(flag);
        assert!(msg.contains(&format!("--set {flag}:")), "{flag}: {msg}");
        assert!(msg.contains(want), "{flag}: want {want:?} in\n{msg}");
    }
    // Validated like the file: unknown fields, ranges, exactly-one rules.
    for (flag, want) in [
        ("attack.rate=1", "did you mean `rate_per_year`?"),
        ("attack.window_months=0", "`window_months` must be > 0"),
        ("honour.legal=2", "`honour.legal` must be a probability"),
        ("event.fr-2027.date=\"2027-04\"", "found both"),
        (
            "member.us.exit.1.with=\"uk\"",
            "found `rate_per_year` and `with`",
        ),
        ("scenario.start=\"2026\"", "calendar month \"YYYY-MM\""),
        (
            "capability.air.response_need=0",
            "`response_need` must be > 0",
        ),
        (
            "attack.warning.capability=\"sea\"",
            "no capability with id \"sea\"",
        ),
    ] {
        let msg = set_v2(&[flag]).expect_err(flag);
        assert!(msg.contains("--set:1:"), "{flag}: {msg}");
        assert!(msg.contains(want), "{flag}: want {want:?} in\n{msg}");
    }
}

#[test]
fn set_equals_editing_the_file() {
    let edited = FULL.replace("join = 0.7", "join = 0.3");
    let a = load_str("x", &edited, &[])
        .map(|l| l.scenario)
        .map_err(|e| e.to_string());
    let b = load_str("x", FULL, &["member.fr.join=0.3".to_string()])
        .map(|l| l.scenario)
        .map_err(|e| e.to_string());
    assert_eq!(a, b);
}

#[test]
fn set_later_flags_win() {
    let s = set(&["member.fr.join=0.2", "member.fr.join=0.4"]);
    assert_eq!(s.members[1].join, 0.4);
}

#[test]
fn set_unknown_id_names_the_flag_with_hint() {
    let msg = err(FULL, &["member.ux.join=0.5"]);
    assert!(
        msg.contains(
            "error: --set member.ux.join=0.5: no member with id \"ux\" (did you mean `uk`?)"
        ),
        "{msg}"
    );
    let msg = err(FULL, &["member.xx.join=0.5"]);
    assert!(msg.contains("known member ids: `uk`, `fr`, `us`"), "{msg}");
}

#[test]
fn set_bad_value_points_at_the_flag() {
    let msg = err(FULL, &["member.uk.join=1.5"]);
    assert!(msg.contains("error: --set member.uk.join=1.5:"), "{msg}");
    assert!(msg.contains("--set:1:16"), "{msg}");
    assert!(msg.contains("member.uk.join=1.5\n"), "{msg}");
    assert!(
        !msg.contains("full.toml:") && !msg.contains("t.toml:"),
        "{msg}"
    );
}

#[test]
fn set_unknown_field_gets_a_hint() {
    let msg = err(FULL, &["member.uk.jion=0.5"]);
    assert!(
        msg.contains("unknown key `jion`") && msg.contains("did you mean `join`?"),
        "{msg}"
    );
    assert!(msg.contains("--set:1:11"), "{msg}");
}

#[test]
fn set_malformed_flags() {
    for (flag, want) in [
        ("member.uk.join", "expected KEY=VALUE"),
        ("membr.uk.join=1", "did you mean `member`?"),
        ("member.uk=1", "member.<id>.<field>"),
        ("scenario=1", "scenario.<field>"),
        ("member..join=1", "empty part"),
        ("member.uk.join=[1,", "invalid TOML"),
        ("member.uk.pledge.5.amount=1", "index in 0..2"),
        ("member.fr.join.x=1", "has no field `x`"),
        ("member.uk.join=1 2", "invalid TOML"),
        ("scenario.a.b.c.d.e.f.g.h=1", "the most a KEY may have is 8"),
    ] {
        let msg = err(FULL, &[flag]);
        assert!(msg.contains(&format!("--set {flag}:")), "{flag}: {msg}");
        assert!(msg.contains(want), "{flag}: want {want:?} in\n{msg}");
    }
}

/// Common slips get a hint: a percentage where a fraction goes, and the
/// name `lognormal`.
#[test]
fn percentages_and_lognormal_get_hints() {
    let msg = err(FULL, &["member.uk.join=85"]);
    assert!(msg.contains("0.85 for 85%"), "{msg}");
    let msg = err(FULL, &["capability.air.threshold=80"]);
    assert!(msg.contains("0.8 for 80%"), "{msg}");
    let msg = err(FULL, &["member.uk.pledge.0.amount={ lognormal = [1, 2] }"]);
    assert!(msg.contains("range90 = [lo, hi]"), "{msg}");
}

/// A duplicate id made by a flag is the flag's error; the first definition
/// shown is the file's.
#[test]
fn a_duplicate_id_from_a_flag_points_at_the_flag_and_the_file() {
    let msg = err(FULL, &["member.uk.id=\"fr\""]);
    let flag = msg.find("--set:1:").expect("the flag is named");
    let file = msg.find("first defined here").expect("context");
    assert!(flag < file, "{msg}");
    assert!(msg.contains("duplicate member id `fr`"), "{msg}");
    assert!(
        msg.contains("id = \"fr\""),
        "the file's line is shown: {msg}"
    );
}

/// A key of 16,000 parts (32 KB) is refused at once, not recursed into.
#[test]
fn a_very_deep_set_key_is_refused() {
    let key = vec!["a"; 16_000].join(".");
    let msg = err(FULL, &[&format!("scenario.{key}=1")]);
    assert!(
        msg.contains("16001 parts"),
        "{}",
        &msg[..msg.len().min(400)]
    );
}

#[test]
fn set_cannot_break_out_of_validation() {
    // A type change made by a flag is validated like the file.
    let msg = err(FULL, &["capability.air.need=\"many\""]);
    assert!(msg.contains("`need` must be a number"), "{msg}");
    let msg = err(FULL, &["scenario.horizon_months=601"]);
    assert!(msg.contains("1..=600") && msg.contains("--set:1:"), "{msg}");
}

#[test]
fn size_limits_are_enforced() {
    let mut text = String::from(
        "[scenario]\nname = \"t\"\nhorizon_months = 5\n[[capability]]\nid = \"a\"\nneed = 1\n[[phase]]\nid = \"p\"\n",
    );
    text.push_str("[[member]]\nid = \"m\"\njoin = 1\ncount = 10000\n");
    for _ in 0..101 {
        text.push_str("[[member.pledge]]\ncapability = \"a\"\nphase = \"p\"\namount = 1\n");
    }
    let msg = err(&text, &[]);
    assert!(msg.contains("scenario too large"), "{msg}");
}

/// Counts of tables beyond the limits are refused, naming the first table
/// past the limit (its line) and the limit.
#[test]
fn table_counts_are_limited() {
    let head = "[scenario]\nname = \"t\"\nhorizon_months = 5\n";
    for (kind, max, table) in [
        (
            "capability",
            1000,
            "[[capability]]\nid = \"c{}\"\nneed = 1\n",
        ),
        ("phase", 1000, "[[phase]]\nid = \"p{}\"\n"),
        (
            "group",
            1000,
            "[[group]]\nid = \"g{}\"\ncorrelation = 0.1\n",
        ),
    ] {
        let mut text = String::from(head);
        for i in 0..=max {
            text.push_str(&table.replace("{}", &i.to_string()));
        }
        let lines_per_table = table.matches('\n').count();
        let line = 4 + max * lines_per_table;
        let msg = err(&text, &[]);
        assert!(
            msg.contains(&format!("1001 `[[{kind}]]` tables, at most {max}")),
            "{kind}: {msg}"
        );
        assert!(
            msg.contains(&format!("t.toml:{line}:")),
            "{kind}: want line {line}: {msg}"
        );
    }
    // At the limit, no such error.
    let mut text = String::from(head);
    for i in 0..1000 {
        text.push_str(&format!("[[capability]]\nid = \"c{i}\"\nneed = 1\n"));
    }
    text.push_str("[[phase]]\nid = \"p\"\n");
    assert!(load_str("t.toml", &text, &[]).is_ok());
}

/// Gates keep a number per pledge to their capability: the sum over gated
/// phases is bounded.
#[test]
fn gate_bookkeeping_is_limited() {
    let mut text = String::from(
        "[scenario]\nname = \"t\"\nhorizon_months = 5\n[[capability]]\nid = \"a\"\nneed = 1\n[[phase]]\nid = \"p0\"\n",
    );
    for i in 1..=11 {
        text.push_str(&format!(
            "[[phase]]\nid = \"p{i}\"\nafter = \"p0\"\ngate = {{ capability = \"a\", coverage = 0.5 }}\n"
        ));
    }
    for m in 0..100 {
        text.push_str(&format!(
            "[[member]]\nid = \"m{m}\"\njoin = 1\ncount = 10000\n"
        ));
        text.push_str("[[member.pledge]]\ncapability = \"a\"\nphase = \"p0\"\namount = 1\n");
    }
    let msg = err(&text, &[]);
    assert!(
        msg.contains("gates' capabilities may not exceed 10000000"),
        "{msg}"
    );
}
