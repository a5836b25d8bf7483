//! A hand-built scenario and a plausible summary for chart and report tests
//! (3 capabilities, 6 members, 2 phases, horizon 24).
#![allow(dead_code)]

use guarantee_sim_app::render::provenance::Provenance;
use guarantee_sim_core::input::scenario::*;
use guarantee_sim_core::summarise::summary::*;
use std::collections::BTreeMap;

pub const HORIZON: u32 = 24;

fn cap(id: &str, name: &str, unit: &str, need: f64, threshold: f64, critical: bool) -> Capability {
    Capability {
        id: id.into(),
        name: name.into(),
        unit: Some(unit.into()),
        need,
        threshold,
        critical,
        weight: 1.0,
        response_need: None,
    }
}

fn pledge(capability: usize, phase: usize, amount: Dist) -> Pledge {
    Pledge {
        capability,
        phase,
        amount,
        delay: Dist::Uniform { a: 1.0, b: 4.0 },
        duration: None,
        probability: 1.0,
    }
}

fn member(id: &str, name: &str, status: &str, join: f64, pledges: Vec<Pledge>) -> Member {
    Member {
        id: id.into(),
        name: name.into(),
        status: Some(status.into()),
        join,
        group: None,
        requires: None,
        join_without: 0.0,
        count: 1,
        pledges,
        exits: Vec::new(),
        commitment: None,
        honour: 1.0,
        responses: Vec::new(),
    }
}

pub fn scenario() -> Scenario {
    let tri = |a, b, c| Dist::Triangular {
        min: a,
        mode: b,
        max: c,
    };
    let mut us = member(
        "us",
        "United States",
        "reported",
        0.5,
        vec![pledge(1, 1, Dist::Choice(vec![(4.0, 1.0), (8.0, 2.0)]))],
    );
    us.pledges[0].duration = Some(Dist::Range90 { lo: 6.0, hi: 30.0 });
    let mut nordics = member(
        "nordic",
        "Nordic battalion",
        "reported",
        0.7,
        vec![pledge(
            2,
            0,
            Dist::Pert {
                min: 100.0,
                mode: 300.0,
                max: 500.0,
            },
        )],
    );
    nordics.count = 3;
    nordics.group = Some(0);
    let mut de = member(
        "de",
        "Germany <Bundeswehr> & \"partners\"",
        "undecided",
        0.4,
        vec![pledge(
            0,
            0,
            Dist::Normal {
                mean: 800.0,
                sd: 200.0,
            },
        )],
    );
    de.requires = Some(5);
    de.join_without = 0.2;
    de.pledges[0].probability = 0.8;
    Scenario {
        name: "Coalition of the willing, test | edition".into(),
        description: Some(
            "A hand-built test scenario: European training contingent first, US air defence \
             support after a lag. <script>alert(1)</script>"
                .into(),
        ),
        sources: vec![
            "Bloomberg via G.Business, 19 Aug 2025".into(),
            "https://example.org/report".into(),
        ],
        horizon_months: HORIZON,
        trials: Some(100_000),
        seed: Some(20250819),
        odds: BTreeMap::from([("confirmed".into(), 0.9), ("reported".into(), 0.6)]),
        capabilities: vec![
            cap(
                "training",
                "Training and regeneration",
                "troops",
                5000.0,
                0.8,
                true,
            ),
            cap("air_defence", "Air defence", "systems", 12.0, 0.75, true),
            cap(
                "monitoring",
                "Ceasefire monitoring",
                "observers",
                2000.0,
                0.6,
                false,
            ),
        ],
        groups: vec![Group {
            id: "nordic".into(),
            correlation: 0.6,
        }],
        phases: vec![
            Phase {
                id: "training".into(),
                name: "European training contingent".into(),
                start: PhaseStart::At(Dist::Constant(0.0)),
            },
            Phase {
                id: "us_support".into(),
                name: "US support".into(),
                start: PhaseStart::After {
                    phase: 0,
                    lag: Dist::Uniform { a: 2.0, b: 6.0 },
                    gate: Some(Gate {
                        capability: 0,
                        coverage: 0.5,
                    }),
                },
            },
        ],
        members: vec![
            member(
                "uk",
                "United Kingdom",
                "confirmed",
                0.95,
                vec![
                    pledge(0, 0, tri(500.0, 1000.0, 2000.0)),
                    pledge(2, 0, Dist::Constant(400.0)),
                ],
            ),
            member(
                "fr",
                "France",
                "confirmed",
                0.9,
                vec![pledge(
                    0,
                    0,
                    Dist::Uniform {
                        a: 1000.0,
                        b: 2500.0,
                    },
                )],
            ),
            de,
            member(
                "pl",
                "Poland",
                "confirmed",
                0.85,
                vec![pledge(1, 0, tri(1.0, 2.0, 4.0))],
            ),
            nordics,
            us,
        ],
        start: None,
        events: Vec::new(),
        honour: BTreeMap::new(),
        attack: None,
        outer_samples: None,
        uncertain: Vec::new(),
    }
}

fn curve(h: u32, f: impl Fn(f64) -> f64) -> Vec<f64> {
    (0..=h).map(|t| f(t as f64).clamp(0.0, 1.0)).collect()
}

fn logistic(t: f64, mid: f64, scale: f64, top: f64) -> f64 {
    top / (1.0 + (-(t - mid) / scale).exp())
}

fn dist(mean: f64, sd: f64, p: [f64; 5]) -> Distribution {
    Distribution {
        mean,
        sd,
        se: sd / (100_000f64).sqrt(),
        p05: p[0],
        p25: p[1],
        p50: p[2],
        p75: p[3],
        p95: p[4],
    }
}

pub fn summary() -> Summary {
    let h = HORIZON;
    let med = curve(h, |t| logistic(t, 5.0, 2.5, 0.78));
    let shift = |d: f64| curve(h, |t| logistic(t, 5.0, 2.5, 0.78) + d * (t / 24.0).sqrt());
    let mut counts = vec![0u64; 1000];
    for (i, c) in counts.iter_mut().enumerate() {
        let x = i as f64 / 1000.0;
        *c = (300.0 * (-((x - 0.72) / 0.11).powi(2) / 2.0).exp()) as u64;
    }
    counts[999] += 4000;
    let cap_cov = |mean: f64, p_met: f64, p: [f64; 3], mid: f64| CapabilityCoverage {
        mean,
        p_met,
        p_shortfall: None,
        p_sole_shortfall: None,
        p05: p[0],
        p50: p[1],
        p95: p[2],
        mean_by_month: curve(h, |t| logistic(t, mid, 2.0, mean)),
    };
    let committed = |mean: f64, p05: f64, p50: f64, p95: f64| Committed {
        mean,
        p05,
        p50,
        p95,
        se: mean / 300.0,
    };
    let ms = |p_joined: f64, p_pivotal: f64| MemberStats {
        p_joined,
        p_pivotal,
        p_pivotal_total: p_pivotal,
        p_exited: None,
    };
    Summary {
        scenario: ScenarioInfo {
            name: "Coalition of the willing, test | edition".into(),
            horizon_months: h,
            start: None,
        },
        trials: 100_000,
        seed: 20250819,
        precision: None,
        overrides: vec!["member.us.join=0.5".into()],
        guarantee: Guarantee {
            p_met: 0.412,
            p_met_se: 0.00156,
            p_met_ci95: [0.409, 0.415],
            p_met_by_month: curve(h, |t| logistic(t, 8.0, 2.0, 0.47) - 0.0025 * t),
            time_to_met: TimeToMet {
                p50: Some(7.5),
                p90: Some(14.0),
                p_never: 0.32,
                cdf_by_month: curve(h, |t| logistic(t, 8.0, 2.0, 0.68)),
            },
        },
        coverage: Coverage {
            overall: dist(0.74, 0.13, [0.52, 0.65, 0.73, 0.84, 1.0]),
            overall_by_month: ByMonth {
                mean: shift(-0.02),
                p05: shift(-0.3),
                p25: shift(-0.1),
                p50: med,
                p75: shift(0.1),
                p95: shift(0.22),
            },
            overall_histogram: Histogram {
                bin_width: 0.001,
                counts,
            },
            capability: Keyed(vec![
                (
                    "training".into(),
                    cap_cov(0.86, 0.63, [0.55, 0.9, 1.0], 4.0),
                ),
                (
                    "air_defence".into(),
                    cap_cov(0.61, 0.44, [0.08, 0.67, 1.0], 9.0),
                ),
                (
                    "monitoring".into(),
                    cap_cov(0.52, 0.48, [0.2, 0.55, 0.75], 3.0),
                ),
            ]),
        },
        committed: Keyed(vec![
            ("training".into(), committed(4380.0, 2600.0, 4400.0, 6100.0)),
            ("air_defence".into(), committed(7.5, 1.0, 8.0, 12.0)),
            (
                "monitoring".into(),
                committed(1040.0, 400.0, 1100.0, 1500.0),
            ),
        ]),
        members: Keyed(vec![
            ("uk".into(), ms(0.95, 0.18)),
            ("fr".into(), ms(0.9, 0.27)),
            ("de".into(), ms(0.28, 0.04)),
            ("pl".into(), ms(0.85, 0.09)),
            ("nordic".into(), ms(0.7, 0.02)),
            ("us".into(), ms(0.5, 0.55)),
        ]),
        phases: Keyed(vec![
            (
                "training".into(),
                PhaseStats {
                    p_started: 1.0,
                    start_p50: Some(0.0),
                },
            ),
            (
                "us_support".into(),
                PhaseStats {
                    p_started: 0.81,
                    start_p50: Some(6.3),
                },
            ),
        ]),
        events: Keyed(Vec::new()),
        response: None,
        uncertainty: None,
    }
}

pub fn provenance() -> Provenance {
    Provenance {
        tool_version: "0.1.0".into(),
        scenario_file: "scenarios/test.toml".into(),
        scenario_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        seed: 20250819,
        trials: 100_000,
        overrides: vec!["member.us.join=0.5".into()],
        run_date: "2025-08-20T10:00:00Z".into(),
    }
}

/// Writes `files` under `dir` as they are (for looking at them by eye).
pub fn write_files(
    dir: impl AsRef<std::path::Path>,
    files: &[guarantee_sim_app::render::OutputFile],
) {
    for f in files {
        let path = dir.as_ref().join(&f.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
        std::fs::write(&path, &f.bytes).expect("write");
    }
}

/// The v2 fixture: `scenario()` with a calendar start (Jan 2026), two
/// political events (one on a fixed date, one uncertain), exits, honour
/// words, responses and an `[attack]` block.
pub fn scenario_v2() -> Scenario {
    let mut sc = scenario();
    sc.start = Some(YearMonth {
        year: 2026,
        month: 1,
    });
    sc.events = vec![
        Event {
            id: "fr-2027".into(),
            name: "French presidential election returns a government opposed to the deployment"
                .into(),
            month: Dist::Constant(15.0),
            date: Some(YearMonth {
                year: 2027,
                month: 4,
            }),
            probability: 0.4,
        },
        Event {
            id: "us-midterms".into(),
            name: "US midterms".into(),
            month: Dist::Triangular {
                min: 8.0,
                mode: 10.0,
                max: 14.0,
            },
            date: None,
            probability: 0.5,
        },
    ];
    sc.capabilities[0].response_need = Some(3000.0);
    sc.capabilities[1].response_need = Some(10.0);
    sc.honour = BTreeMap::from([("legal".into(), 0.75), ("political".into(), 0.4)]);
    sc.attack = Some(Attack {
        rate_per_year: 0.25,
        rate_per_year_when_met: 0.08,
        window_months: 1.0,
        warning: Some(Warning {
            capability: 2,
            lead_months: 0.5,
        }),
    });
    let [uk, fr, de, pl, _nordic, us] = &mut sc.members[..] else {
        panic!("six members")
    };
    uk.commitment = Some("legal".into());
    uk.honour = 0.75;
    uk.responses.push(Response {
        capability: 1,
        amount: Dist::Pert {
            min: 1.0,
            mode: 2.0,
            max: 4.0,
        },
        delay: Dist::Uniform { a: 0.25, b: 2.0 },
        probability: 1.0,
    });
    fr.commitment = Some("political".into());
    fr.honour = 0.4;
    fr.exits.push(Exit {
        trigger: ExitTrigger::Event(0),
        probability: 0.8,
        lag: Dist::Uniform { a: 1.0, b: 6.0 },
    });
    fr.responses.push(Response {
        capability: 0,
        amount: Dist::Constant(1500.0),
        delay: Dist::Constant(0.5),
        probability: 0.9,
    });
    de.exits.push(Exit {
        trigger: ExitTrigger::With(5),
        probability: 1.0,
        lag: Dist::Constant(0.0),
    });
    pl.honour = 0.9;
    us.exits.push(Exit {
        trigger: ExitTrigger::Event(1),
        probability: 0.3,
        lag: Dist::Constant(2.0),
    });
    us.exits.push(Exit {
        trigger: ExitTrigger::RatePerYear(0.05),
        probability: 1.0,
        lag: Dist::Constant(0.0),
    });
    sc
}

/// A plausible summary of `scenario_v2()`: the US brings Germany (which
/// requires it), so its p_pivotal_total exceeds its p_pivotal; shortfalls
/// for the two critical capabilities; a response with ~35% attacks.
pub fn summary_v2() -> Summary {
    let h = HORIZON;
    let mut s = summary();
    s.scenario.start = Some("2026-01".into());
    s.events = Keyed(vec![
        ("fr-2027".into(), EventStats { p_occurred: 0.4 }),
        ("us-midterms".into(), EventStats { p_occurred: 0.5 }),
    ]);
    let extra = [
        ("uk", 0.19, 0.0),
        ("fr", 0.3, 0.26),
        ("de", 0.04, 0.06),
        ("pl", 0.1, 0.0),
        ("nordic", 0.02, 0.0),
        ("us", 0.63, 0.21),
    ];
    for (id, total, exited) in extra {
        let m = s.members.0.iter_mut().find(|(k, _)| k == id).unwrap();
        m.1.p_pivotal_total = total;
        m.1.p_exited = Some(exited);
    }
    let short = [("training", 0.31, 0.07), ("air_defence", 0.48, 0.2)];
    for (id, shortfall, sole) in short {
        let c = s.coverage.capability.0.iter_mut().find(|(k, _)| k == id);
        let c = &mut c.unwrap().1;
        c.p_shortfall = Some(shortfall);
        c.p_sole_shortfall = Some(sole);
    }
    let trials = 100_000.0;
    let cdf = |t: f64| 1.0 - (-0.018 * t).exp();
    let attacks_by_month: Vec<u64> = (0..h)
        .map(|t| (trials * (cdf(t as f64 + 1.0) - cdf(t as f64))).round() as u64)
        .collect();
    let attacks: u64 = attacks_by_month.iter().sum();
    let p_honoured = 0.55;
    let n = attacks as f64;
    let half = 1.96 * (p_honoured * (1.0 - p_honoured) / n).sqrt();
    let member = |p_honours: f64, p_pivotal: f64| MemberResponse {
        p_honours_given_attack: Some(p_honours),
        p_pivotal_given_attack: Some(p_pivotal),
    };
    s.response = Some(ResponseStats {
        p_attack: n / trials,
        p_attack_by_month: curve(h, cdf),
        p_honoured_given_attack: Some(p_honoured),
        p_honoured_given_attack_ci95: [p_honoured - half, p_honoured + half],
        p_failed: n / trials * (1.0 - p_honoured),
        time_to_response: TimeToResponse {
            p50: Some(0.4),
            p90: Some(0.9),
        },
        capability: Keyed(vec![
            (
                "training".into(),
                CapabilityResponse {
                    p_met_given_attack: Some(0.8),
                },
            ),
            (
                "air_defence".into(),
                CapabilityResponse {
                    p_met_given_attack: Some(0.6),
                },
            ),
        ]),
        members: Keyed(vec![
            ("uk".into(), member(0.7, 0.12)),
            ("fr".into(), member(0.33, 0.2)),
            ("de".into(), member(0.15, 0.02)),
            ("pl".into(), member(0.75, 0.05)),
            ("nordic".into(), member(0.6, 0.01)),
            ("us".into(), member(0.4, 0.31)),
        ]),
        attacks,
        p_honoured_given_attack_se: Some(half / 1.96),
        p_failed_se: 0.0011,
        p_warned_given_attack: Some(0.42),
        p_honoured_by_attack_month: (0..h)
            .map(|t| Some(logistic(t as f64, 8.0, 3.0, 0.75).max(0.25)))
            .collect(),
        attacks_by_month,
    });
    s
}

/// `summary()` with uncertain inputs (docs/model.md 8): P(met) 41.2%
/// pooled, 22% to 61% across 100 outer samples; three inputs, one
/// negative and one undefined.
pub fn summary_uncertain() -> Summary {
    let mut s = summary();
    s.uncertainty = Some(uncertainty());
    s
}

pub fn uncertainty() -> Uncertainty {
    let input = |field: &str, r: Option<f64>| InputRank {
        field: field.into(),
        rank_correlation: r,
    };
    Uncertainty {
        outer_samples: 100,
        p_met: Spread {
            mean: 0.412,
            p05: 0.221,
            p25: 0.334,
            p50: 0.405,
            p75: 0.489,
            p95: 0.613,
        },
        mc_noise_share: Some(0.03),
        inputs: vec![
            input("odds.confirmed", Some(0.91)),
            input("capability.training.need", Some(-0.42)),
            input("member.us.join", None),
        ],
        p_honoured_given_attack: None,
    }
}

/// `summary_v2()` (with an attack) with uncertain inputs.
pub fn summary_v2_uncertain() -> Summary {
    let mut s = summary_v2();
    let mut u = uncertainty();
    u.p_honoured_given_attack = Some(Some(Spread {
        mean: 0.55,
        p05: 0.31,
        p25: 0.47,
        p50: 0.56,
        p75: 0.64,
        p95: 0.77,
    }));
    s.uncertainty = Some(u);
    s
}
