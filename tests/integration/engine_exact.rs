//! The engine against exact answers derived by hand, by enumeration and by
//! quadrature. Every statistical check allows 4.5 standard errors of the
//! estimate (a false alarm about once in 150,000 checks).

use guarantee_sim_core::analysis::estimate::estimate;
use guarantee_sim_core::analysis::variants::Resolved;
use guarantee_sim_core::input::load::Loaded;
use guarantee_sim_core::input::scenario::*;
use guarantee_sim_core::summarise::summary::Summary;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};
use std::collections::BTreeMap;

const TRIALS: u64 = 200_000;

fn capability(id: &str, need: f64, threshold: f64) -> Capability {
    Capability {
        id: id.into(),
        name: id.into(),
        unit: None,
        need,
        threshold,
        critical: true,
        weight: 1.0,
        response_need: None,
    }
}

fn phase(id: &str) -> Phase {
    Phase {
        id: id.into(),
        name: id.into(),
        start: PhaseStart::At(Dist::Constant(0.0)),
    }
}

fn pledge(capability: usize, amount: Dist) -> Pledge {
    Pledge {
        capability,
        phase: 0,
        amount,
        delay: Dist::Constant(0.0),
        duration: None,
        probability: 1.0,
    }
}

fn member(id: &str, join: f64, pledges: Vec<Pledge>) -> Member {
    Member {
        id: id.into(),
        name: id.into(),
        status: None,
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

fn scenario(horizon: u32, capabilities: Vec<Capability>, members: Vec<Member>) -> Scenario {
    Scenario {
        name: "test".into(),
        description: None,
        sources: vec![],
        horizon_months: horizon,
        trials: None,
        seed: None,
        odds: BTreeMap::new(),
        capabilities,
        groups: vec![],
        phases: vec![phase("p1")],
        members,
        start: None,
        events: Vec::new(),
        honour: BTreeMap::new(),
        attack: None,
        outer_samples: None,
        uncertain: Vec::new(),
    }
}

fn run(s: &Scenario, seed: u64, threads: usize) -> Summary {
    let run = Resolved {
        seed,
        trials: TRIALS,
        threads,
        precision: None,
        outer: None,
    };
    estimate(&Loaded::from_scenario(s.clone()), &run, &|_| {}).expect("simulate")
}

/// |estimate - exact| within 4.5 binomial standard errors of `exact`.
fn assert_prob(what: &str, estimate: f64, exact: f64) {
    let se = (exact * (1.0 - exact) / TRIALS as f64).sqrt().max(1e-12);
    assert!(
        (estimate - exact).abs() <= 4.5 * se,
        "{what}: estimate {estimate} vs exact {exact} (se {se})"
    );
}

fn assert_mean(what: &str, estimate: f64, exact: f64, sd: f64) {
    let se = (sd / (TRIALS as f64).sqrt()).max(1e-12);
    assert!(
        (estimate - exact).abs() <= 4.5 * se,
        "{what}: estimate {estimate} vs exact {exact} (se {se})"
    );
}

/// Independent members with constant pledges deployed from month 0: every
/// figure at the horizon follows from enumerating who joins.
#[test]
fn independent_members_match_enumeration() {
    let joins = [0.6, 0.5, 0.3, 0.8];
    let amounts = [60.0, 50.0, 40.0, 10.0];
    let need = 100.0;
    let members = (0..4)
        .map(|i| {
            member(
                &format!("m{i}"),
                joins[i],
                vec![pledge(0, Dist::Constant(amounts[i]))],
            )
        })
        .collect();
    let s = scenario(6, vec![capability("cap", need, 1.0)], members);
    let summary = run(&s, 42, 2);

    let (mut p_met, mut mean_cov, mut mean_sq) = (0.0, 0.0, 0.0);
    let mut pivotal = [0.0; 4];
    for mask in 0u32..16 {
        let joined = |i: usize| mask & (1 << i) != 0;
        let p: f64 = (0..4)
            .map(|i| if joined(i) { joins[i] } else { 1.0 - joins[i] })
            .product();
        let total: f64 = (0..4).filter(|&i| joined(i)).map(|i| amounts[i]).sum();
        let cov = (total / need).min(1.0);
        mean_cov += p * cov;
        mean_sq += p * cov * cov;
        if total >= need {
            p_met += p;
            for i in (0..4).filter(|&i| joined(i)) {
                if total - amounts[i] < need {
                    pivotal[i] += p;
                }
            }
        }
    }
    let g = &summary.guarantee;
    assert_prob("p_met", g.p_met, p_met);
    for t in 0..=6 {
        assert_prob("p_met_by_month", g.p_met_by_month[t], p_met);
    }
    assert_prob("p_never", g.time_to_met.p_never, 1.0 - p_met);
    assert_eq!(g.time_to_met.p50, Some(0.0));
    let sd = (mean_sq - mean_cov * mean_cov).sqrt();
    assert_mean("coverage mean", summary.coverage.overall.mean, mean_cov, sd);
    assert!((summary.coverage.overall.sd - sd).abs() < 0.01);
    for i in 0..4 {
        let m = summary.members.get(&format!("m{i}")).unwrap();
        assert_prob("p_joined", m.p_joined, joins[i]);
        assert_prob("p_pivotal", m.p_pivotal, pivotal[i]);
    }
    let committed_mean: f64 = (0..4).map(|i| joins[i] * amounts[i]).sum();
    let committed_sd = (0..4)
        .map(|i| joins[i] * (1.0 - joins[i]) * amounts[i] * amounts[i])
        .sum::<f64>()
        .sqrt();
    assert_mean(
        "committed",
        summary.committed.get("cap").unwrap().mean,
        committed_mean,
        committed_sd,
    );
    let [lo, hi] = g.p_met_ci95;
    assert!(lo < g.p_met && g.p_met < hi && hi - lo < 0.01);

    // Percentiles of a discrete total are its atoms (sketch bins keep their
    // extremes), and coverage's are the same atoms mapped by min(1, x/need).
    let mut atoms: Vec<(f64, f64)> = (0u32..16)
        .map(|mask| {
            let joined = |i: usize| mask & (1 << i) != 0;
            let p: f64 = (0..4)
                .map(|i| if joined(i) { joins[i] } else { 1.0 - joins[i] })
                .product();
            let total: f64 = (0..4).filter(|&i| joined(i)).map(|i| amounts[i]).sum();
            (total, p)
        })
        .collect();
    atoms.sort_by(|a, b| a.0.total_cmp(&b.0));
    let committed = summary.committed.get("cap").unwrap();
    let coverage = summary.coverage.capability.get("cap").unwrap();
    for (q, est_committed, est_coverage) in [
        (0.05, committed.p05, coverage.p05),
        (0.5, committed.p50, coverage.p50),
        (0.95, committed.p95, coverage.p95),
    ] {
        let mut cdf = 0.0;
        let (exact, _) = atoms
            .iter()
            .find(|&&(_, p)| {
                cdf += p;
                cdf >= q
            })
            .unwrap();
        // Not decidable when q is within sampling error of a step of the CDF.
        let se = (q * (1.0 - q) / TRIALS as f64).sqrt();
        if (cdf - q).abs() > 4.5 * se {
            assert_eq!(est_committed, *exact, "committed p{q}");
            assert_eq!(est_coverage, (exact / need).min(1.0), "coverage p{q}");
        }
    }
}

#[test]
fn requires_and_join_without_change_only_the_conditional_probability() {
    let mut b = member("b", 0.9, vec![pledge(0, Dist::Constant(50.0))]);
    b.requires = Some(0);
    b.join_without = 0.2;
    let s = scenario(
        3,
        vec![capability("cap", 100.0, 0.5)],
        vec![member("a", 0.4, vec![pledge(0, Dist::Constant(50.0))]), b],
    );
    let summary = run(&s, 7, 2);
    let pb = 0.4 * 0.9 + 0.6 * 0.2;
    assert_prob("b joins", summary.members.get("b").unwrap().p_joined, pb);
    // Met (50% of 100) iff anyone joins.
    assert_prob("p_met", summary.guarantee.p_met, 1.0 - 0.6 * 0.8);
}

/// Two members in a one-factor Gaussian copula group: P(both join) is the
/// bivariate normal CDF, computed here by quadrature over the group factor.
#[test]
fn group_copula_matches_quadrature() {
    let rho: f64 = 0.6;
    let (p1, p2) = (0.7, 0.4);
    let mut m1 = member("m1", p1, vec![pledge(0, Dist::Constant(50.0))]);
    let mut m2 = member("m2", p2, vec![pledge(0, Dist::Constant(50.0))]);
    m1.group = Some(0);
    m2.group = Some(0);
    let mut s = scenario(2, vec![capability("cap", 100.0, 1.0)], vec![m1, m2]);
    s.groups = vec![Group {
        id: "g".into(),
        correlation: rho,
    }];
    let summary = run(&s, 11, 3);

    let n = Normal::new(0.0, 1.0).unwrap();
    let (z1, z2) = (n.inverse_cdf(p1), n.inverse_cdf(p2));
    let steps = 20_000;
    let (lo, hi) = (-9.0, 9.0);
    let h = (hi - lo) / steps as f64;
    let both: f64 = (0..=steps)
        .map(|k| {
            let f = lo + k as f64 * h;
            let w = if k == 0 || k == steps { 0.5 } else { 1.0 };
            let c = |z: f64| n.cdf((z - rho.sqrt() * f) / (1.0 - rho).sqrt());
            w * h * n.pdf(f) * c(z1) * c(z2)
        })
        .sum();
    assert!(both > p1 * p2 + 0.05, "correlation must raise P(both)");
    assert_prob("both join", summary.guarantee.p_met, both);
    assert_prob(
        "m1 marginal",
        summary.members.get("m1").unwrap().p_joined,
        p1,
    );
    assert_prob(
        "m2 marginal",
        summary.members.get("m2").unwrap().p_joined,
        p2,
    );
}

/// A sure member whose pledge deploys after a uniform delay: met by month t
/// with probability t / 10, first met at the delay.
#[test]
fn deployment_delay_gives_uniform_time_to_met() {
    let mut p = pledge(0, Dist::Constant(100.0));
    p.delay = Dist::Uniform { a: 0.0, b: 10.0 };
    let s = scenario(
        12,
        vec![capability("cap", 100.0, 1.0)],
        vec![member("m", 1.0, vec![p])],
    );
    let summary = run(&s, 3, 2);
    let g = &summary.guarantee;
    for t in 0..=12 {
        assert_prob(
            "p_met_by_month",
            g.p_met_by_month[t],
            (t as f64 / 10.0).min(1.0),
        );
        assert_prob(
            "cdf_by_month",
            g.time_to_met.cdf_by_month[t],
            (t as f64 / 10.0).min(1.0),
        );
    }
    // Median of U(0,10) is 5 with se 10 / (2 sqrt(n)) ~ 0.011.
    let p50 = g.time_to_met.p50.unwrap();
    let p90 = g.time_to_met.p90.unwrap();
    assert!((p50 - 5.0).abs() < 0.06, "{p50}");
    assert!((p90 - 9.0).abs() < 0.06, "{p90}");
    assert_eq!(g.time_to_met.p_never, 0.0);
}

/// Withdrawal after a uniform duration; met at month t iff duration > t.
/// The pledge drops out between months, so the first-met time stays 0.
#[test]
fn withdrawal_after_duration() {
    let mut p = pledge(0, Dist::Constant(100.0));
    p.duration = Some(Dist::Uniform { a: 2.0, b: 8.0 });
    let s = scenario(
        10,
        vec![capability("cap", 100.0, 1.0)],
        vec![member("m", 1.0, vec![p])],
    );
    let summary = run(&s, 5, 2);
    for t in 0..=10 {
        let exact = ((8.0 - t as f64) / 6.0).clamp(0.0, 1.0);
        assert_prob("met by month", summary.guarantee.p_met_by_month[t], exact);
    }
    assert_eq!(summary.guarantee.time_to_met.p50, Some(0.0));
}

/// A deployment window that opens and closes between two integer months is
/// invisible on the month grid but still counts as the first time met.
#[test]
fn met_between_months_is_found() {
    let mut early = pledge(0, Dist::Constant(100.0));
    early.delay = Dist::Constant(2.25);
    early.duration = Some(Dist::Constant(0.5));
    let mut late = pledge(0, Dist::Constant(100.0));
    late.delay = Dist::Constant(6.5);
    let s = scenario(
        8,
        vec![capability("cap", 100.0, 1.0)],
        vec![member("m", 1.0, vec![early, late])],
    );
    let summary = run(&s, 5, 1);
    assert_eq!(summary.guarantee.time_to_met.p50, Some(2.25));
    assert_eq!(summary.guarantee.p_met_by_month[3], 0.0);
    assert_eq!(summary.guarantee.p_met_by_month[7], 1.0);
}

/// Phase chained by `after` with a uniform lag and gated by coverage.
#[test]
fn phases_after_lag_and_gate() {
    let mut s = scenario(
        24,
        vec![
            capability("train", 100.0, 1.0),
            capability("air", 10.0, 1.0),
        ],
        vec![],
    );
    s.phases = vec![
        phase("p1"),
        Phase {
            id: "p2".into(),
            name: "p2".into(),
            start: PhaseStart::After {
                phase: 0,
                lag: Dist::Uniform { a: 2.0, b: 6.0 },
                gate: Some(Gate {
                    capability: 0,
                    coverage: 0.5,
                }),
            },
        },
    ];
    // Europe: joins with 0.7 and deploys 60 troops after a U(0, 8) delay.
    let mut eu = pledge(0, Dist::Constant(60.0));
    eu.delay = Dist::Uniform { a: 0.0, b: 8.0 };
    // US: sure, deploys air defence as phase two starts.
    let mut us = pledge(1, Dist::Constant(10.0));
    us.phase = 1;
    s.members = vec![member("eu", 0.7, vec![eu]), member("us", 1.0, vec![us])];
    let summary = run(&s, 9, 2);
    let p2 = summary.phases.get("p2").unwrap();
    // Starts iff the gate is reached: iff Europe joins (delay <= 8 < 24).
    assert_prob("p2 started", p2.p_started, 0.7);
    // Start = max(lag, delay) with lag ~ U(2,6), delay ~ U(0,8) independent:
    // P(max <= x) = F_lag(x) F_delay(x) = ((x-2)/4) (x/8) = 1/2  =>  x^2 - 2x - 16 = 0.
    let median = 1.0 + 17f64.sqrt();
    assert!(
        (p2.start_p50.unwrap() - median).abs() < 0.05,
        "{:?} vs {median}",
        p2.start_p50
    );
    // Air defence met at month t iff Europe joined and max(lag, delay) <= t.
    for t in [0usize, 3, 5, 7, 9] {
        let x = t as f64;
        let f = ((x - 2.0) / 4.0).clamp(0.0, 1.0) * (x / 8.0).clamp(0.0, 1.0);
        let exact_air = 0.7 * f;
        assert_mean(
            "air coverage by month",
            summary
                .coverage
                .capability
                .get("air")
                .unwrap()
                .mean_by_month[t],
            exact_air,
            (exact_air * (1.0 - exact_air)).sqrt(),
        );
    }
    assert_eq!(summary.phases.get("p1").unwrap().start_p50, Some(0.0));
}

/// Each distribution form through the pledge amount: the mean committed
/// amount against the closed form (with negative draws taken as 0).
#[test]
fn distribution_means() {
    let n = Normal::new(0.0, 1.0).unwrap();
    let (mu, sd) = (2.0, 3.0);
    let clamped_normal_mean = mu * n.cdf(mu / sd) + sd * n.pdf(mu / sd);
    let z95 = n.inverse_cdf(0.95);
    let (lo, hi): (f64, f64) = (2.0, 50.0);
    let (lmu, lsig) = ((lo.ln() + hi.ln()) / 2.0, (hi.ln() - lo.ln()) / (2.0 * z95));
    let cases: Vec<(Dist, f64, f64)> = vec![
        (
            Dist::Uniform { a: 10.0, b: 30.0 },
            20.0,
            20.0 / 12f64.sqrt(),
        ),
        (
            Dist::Triangular {
                min: 0.0,
                mode: 10.0,
                max: 50.0,
            },
            20.0,
            11.0,
        ),
        (
            Dist::Pert {
                min: 0.0,
                mode: 10.0,
                max: 50.0,
            },
            (0.0 + 4.0 * 10.0 + 50.0) / 6.0,
            9.0,
        ),
        (Dist::Normal { mean: mu, sd }, clamped_normal_mean, sd),
        (
            Dist::Range90 { lo, hi },
            (lmu + lsig * lsig / 2.0).exp(),
            16.0,
        ),
        (Dist::Choice(vec![(5.0, 1.0), (20.0, 3.0)]), 16.25, 6.5),
    ];
    for (i, (dist, mean, sd)) in cases.into_iter().enumerate() {
        let s = scenario(
            1,
            vec![capability("cap", 1000.0, 1.0)],
            vec![member("m", 1.0, vec![pledge(0, dist.clone())])],
        );
        let summary = run(&s, 100 + i as u64, 2);
        assert_mean(
            &format!("{dist:?}"),
            summary.committed.get("cap").unwrap().mean,
            mean,
            sd,
        );
    }
}

/// Four replicas of one member, each joining with 1/2; the guarantee needs
/// all four. Each replica is then pivotal.
#[test]
fn replicas_are_drawn_separately() {
    let mut m = member("unnamed", 0.5, vec![pledge(0, Dist::Constant(30.0))]);
    m.count = 4;
    let s = scenario(2, vec![capability("cap", 100.0, 1.0)], vec![m]);
    let summary = run(&s, 1, 2);
    assert_prob("p_met", summary.guarantee.p_met, 0.0625);
    let stats = summary.members.get("unnamed").unwrap();
    assert_prob("p_joined per replica", stats.p_joined, 0.5);
    assert_prob("p_pivotal", stats.p_pivotal, 0.0625);
    assert_eq!(summary.committed.get("cap").unwrap().p50, 60.0);
}

/// Delivery probability, weights and a non-critical capability.
#[test]
fn delivery_probability_and_weights() {
    let mut p = pledge(0, Dist::Constant(100.0));
    p.probability = 0.25;
    let mut side = capability("side", 10.0, 1.0);
    side.critical = false;
    side.weight = 3.0;
    let s = scenario(
        1,
        vec![capability("cap", 100.0, 1.0), side],
        vec![member("m", 0.8, vec![p])],
    );
    let summary = run(&s, 8, 2);
    assert_prob("p_met", summary.guarantee.p_met, 0.2);
    // Overall = (1 * cov_cap + 3 * 0) / 4.
    let e = 0.2 / 4.0;
    assert_mean(
        "overall",
        summary.coverage.overall.mean,
        e,
        (0.2f64 * 0.8).sqrt() / 4.0,
    );
    assert_eq!(summary.coverage.capability.get("side").unwrap().p_met, 0.0);
}

/// A member whose pledges only open a gate is pivotal through it: without
/// its pledges the gated phase never starts (the schedule is recomputed).
#[test]
fn pivotal_through_a_gate() {
    let mut train = capability("train", 100.0, 1.0);
    train.critical = false;
    let mut s = scenario(12, vec![train, capability("air", 10.0, 1.0)], vec![]);
    s.phases.push(Phase {
        id: "p2".into(),
        name: "p2".into(),
        start: PhaseStart::After {
            phase: 0,
            lag: Dist::Constant(1.0),
            gate: Some(Gate {
                capability: 0,
                coverage: 0.5,
            }),
        },
    });
    let mut us = pledge(1, Dist::Constant(10.0));
    us.phase = 1;
    s.members = vec![
        member("eu", 0.7, vec![pledge(0, Dist::Constant(60.0))]),
        member("us", 0.9, vec![us]),
    ];
    let summary = run(&s, 4, 2);
    assert_prob("p_met", summary.guarantee.p_met, 0.63);
    assert_prob(
        "eu pivotal",
        summary.members.get("eu").unwrap().p_pivotal,
        0.63,
    );
    assert_prob(
        "us pivotal",
        summary.members.get("us").unwrap().p_pivotal,
        0.63,
    );
    assert_eq!(summary.phases.get("p2").unwrap().start_p50, Some(1.0));
}

/// Percentiles of an unbounded quantity keep their relative accuracy: one
/// member that always joins, `amount = range90 [1, 1000]`, need 1000.
/// Committed p05 / p50 / p95 are the lognormal's exact 1 / 31.6 / 1000,
/// and coverage percentiles follow (p50 0.0316, not 1.0). Tolerance: the
/// sketch's 0.8% plus 4.5 standard errors of a sample quantile,
/// `sqrt(q(1-q)/n) * sigma / phi(z_q)` relative.
#[test]
fn wide_amounts_get_percentiles_within_their_relative_accuracy() {
    let amount = Dist::Range90 {
        lo: 1.0,
        hi: 1000.0,
    };
    let s = scenario(
        6,
        vec![capability("cap", 1000.0, 0.9)],
        vec![member("m", 1.0, vec![pledge(0, amount)])],
    );
    let summary = run(&s, 11, 2);
    let sigma = 1000f64.ln() / (2.0 * 1.644_853_626_951_472);
    let normal = Normal::new(0.0, 1.0).unwrap();
    let committed = summary.committed.get("cap").unwrap();
    let coverage = summary.coverage.capability.get("cap").unwrap();
    for (q, est, exact) in [
        (0.05, committed.p05, 1.0),
        (0.5, committed.p50, 1000f64.sqrt()),
        (0.95, committed.p95, 1000.0),
    ] {
        let z = normal.inverse_cdf(q);
        let se = (q * (1.0 - q) / TRIALS as f64).sqrt() * sigma / normal.pdf(z);
        let tol = 0.008 + 4.5 * se;
        assert!(
            (est / exact - 1.0).abs() <= tol,
            "committed q{q}: {est} vs exact {exact} (relative tolerance {tol})"
        );
    }
    assert!((coverage.p50 - 1000f64.sqrt() / 1000.0).abs() <= 0.04 * 0.0317);
    assert!(
        coverage.p95 > 0.95 && coverage.p95 <= 1.0,
        "{}",
        coverage.p95
    );
    // P(coverage >= 0.9) = P(amount >= 900) = 1 - Phi(ln 900 / sigma - ln 1000 / (2 sigma)).
    let exact = 1.0 - normal.cdf((900f64.ln() - 0.5 * 1000f64.ln()) / sigma);
    assert_prob("p_met", coverage.p_met, exact);
    assert!(summary.committed.get("cap").unwrap().se.is_finite());
}
