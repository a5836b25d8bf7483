//! Accumulator -> `Summary` (docs/model.md 4): probabilities, intervals,
//! percentiles, per-id tables in scenario file order.

pub mod summary;
pub mod uncertainty;

use crate::compile::Model;
use crate::compile::tested::AttackModel;
use crate::input::scenario::Scenario;
use crate::simulate::Accumulator;
use crate::stats::{RelativeSketch, UnitSketch, wilson95};
use crate::summarise::summary::*;

/// Bins of the overall-coverage histogram in `summary.json`.
const HISTOGRAM_BINS: usize = 50;

pub(crate) fn summarise(
    scenario: &Scenario,
    model: &Model,
    acc: &Accumulator,
    seed: u64,
    overrides: &[String],
) -> Summary {
    let n = acc.tally.trials.max(1) as f64;
    let prob = |k: u64| k as f64 / n;
    let months = model.months();
    let h = months - 1;
    let met = acc.tally.met_by_month[h];
    let p_met = prob(met);
    let quantile = |s: &RelativeSketch, q: f64| s.quantile(q).unwrap_or(0.0);
    let unit_quantile = |s: &UnitSketch, q: f64| s.quantile(q).unwrap_or(0.0);

    let mut cdf = Vec::with_capacity(months);
    let mut ever = 0;
    for &k in &acc.tally.first_met_by_month {
        ever += k;
        cdf.push(prob(ever));
    }
    let overall_h = &acc.histograms.overall_horizon;
    // Months before the horizon from counts-only histograms (1/1000 bins,
    // exact 0 and 1); the horizon from the exact-extremes sketch, so that the
    // last entry equals the headline percentile.
    let by_month = |q: f64| {
        (0..months)
            .map(|k| match k {
                _ if k == h => unit_quantile(overall_h, q),
                _ => acc
                    .histograms
                    .overall_by_month
                    .quantile(k, q)
                    .unwrap_or(0.0),
            })
            .collect()
    };

    Summary {
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            horizon_months: scenario.horizon_months,
            start: scenario.start.map(|s| s.to_string()),
        },
        trials: acc.tally.trials,
        seed,
        precision: None,
        overrides: overrides.to_vec(),
        guarantee: Guarantee {
            p_met,
            p_met_se: (p_met * (1.0 - p_met) / n).sqrt(),
            p_met_ci95: wilson95(met, acc.tally.trials),
            p_met_by_month: acc.tally.met_by_month.iter().map(|&k| prob(k)).collect(),
            time_to_met: TimeToMet {
                p50: acc.histograms.time_to_met.quantile(0.5),
                p90: acc.histograms.time_to_met.quantile(0.9),
                p_never: prob(acc.tally.trials - ever),
                cdf_by_month: cdf,
            },
        },
        coverage: Coverage {
            overall: Distribution {
                mean: acc.tally.overall_at_horizon.mean,
                sd: acc.tally.overall_at_horizon.sd(),
                se: acc.tally.overall_at_horizon.se(),
                p05: unit_quantile(overall_h, 0.05),
                p25: unit_quantile(overall_h, 0.25),
                p50: unit_quantile(overall_h, 0.5),
                p75: unit_quantile(overall_h, 0.75),
                p95: unit_quantile(overall_h, 0.95),
            },
            overall_by_month: ByMonth {
                mean: acc
                    .tally
                    .overall_sum_by_month
                    .iter()
                    .map(|s| s / n)
                    .collect(),
                p05: by_month(0.05),
                p25: by_month(0.25),
                p50: by_month(0.5),
                p75: by_month(0.75),
                p95: by_month(0.95),
            },
            overall_histogram: Histogram {
                bin_width: 1.0 / HISTOGRAM_BINS as f64,
                counts: overall_h.coarse_counts(HISTOGRAM_BINS),
            },
            capability: Keyed(
                scenario
                    .capabilities
                    .iter()
                    .enumerate()
                    .map(|(c, cap)| {
                        let sums = &acc.tally.capability_sum_by_month[c * months..(c + 1) * months];
                        // Quantiles commute with the non-decreasing
                        // map from committed amount to coverage.
                        let committed = &acc.histograms.committed[c];
                        let quantile = |q| (quantile(committed, q) / cap.need).min(1.0);
                        (
                            cap.id.clone(),
                            CapabilityCoverage {
                                mean: sums[h] / n,
                                p_met: prob(acc.tally.capability_met[c]),
                                p_shortfall: cap
                                    .critical
                                    .then(|| prob(acc.tally.capability_shortfall[c])),
                                p_sole_shortfall: cap
                                    .critical
                                    .then(|| prob(acc.tally.capability_sole_shortfall[c])),
                                p05: quantile(0.05),
                                p50: quantile(0.5),
                                p95: quantile(0.95),
                                mean_by_month: sums.iter().map(|x| x / n).collect(),
                            },
                        )
                    })
                    .collect(),
            ),
        },
        committed: Keyed(
            scenario
                .capabilities
                .iter()
                .enumerate()
                .map(|(c, cap)| {
                    let s = &acc.histograms.committed[c];
                    let m = &acc.tally.committed[c];
                    (
                        cap.id.clone(),
                        Committed {
                            mean: m.mean,
                            p05: quantile(s, 0.05),
                            p50: quantile(s, 0.5),
                            p95: quantile(s, 0.95),
                            se: m.se(),
                        },
                    )
                })
                .collect(),
        ),
        members: Keyed(
            scenario
                .members
                .iter()
                .enumerate()
                .map(|(m, member)| {
                    (
                        member.id.clone(),
                        MemberStats {
                            p_joined: acc.tally.member_joined[m] as f64
                                / (n * f64::from(member.count)),
                            p_pivotal: prob(acc.tally.member_pivotal[m]),
                            p_pivotal_total: prob(acc.tally.member_pivotal_total[m]),
                            p_exited: model.tested.has_time().then(|| {
                                acc.tally.member_exited[m] as f64 / (n * f64::from(member.count))
                            }),
                        },
                    )
                })
                .collect(),
        ),
        phases: Keyed(
            scenario
                .phases
                .iter()
                .enumerate()
                .map(|(i, phase)| {
                    let k = model.phase_slot[i];
                    (
                        phase.id.clone(),
                        PhaseStats {
                            p_started: prob(acc.tally.phase_started[k]),
                            start_p50: acc.histograms.phase_start[k].quantile(0.5),
                        },
                    )
                })
                .collect(),
        ),
        events: Keyed(
            scenario
                .events
                .iter()
                .zip(&acc.tally.event_occurred)
                .map(|(e, &k)| {
                    (
                        e.id.clone(),
                        EventStats {
                            p_occurred: prob(k),
                        },
                    )
                })
                .collect(),
        ),
        response: model
            .tested
            .attack
            .as_ref()
            .map(|a| response(scenario, a, acc)),
        uncertainty: None,
    }
}

/// docs/model.md 7.2: the `response` block.
fn response(scenario: &Scenario, a: &AttackModel, acc: &Accumulator) -> ResponseStats {
    let r = &acc.tally.response;
    let n = acc.tally.trials.max(1) as f64;
    let given = |k: u64| (r.attacks > 0).then(|| k as f64 / r.attacks as f64);
    let p_honoured = given(r.honoured);
    let failed = (r.attacks - r.honoured) as f64 / n;
    let mut attacks = 0;
    let p_attack_by_month = r
        .attacks_by_month
        .iter()
        .map(|&k| {
            attacks += k;
            attacks as f64 / n
        })
        .collect();
    ResponseStats {
        p_attack: r.attacks as f64 / n,
        p_attack_by_month,
        p_honoured_given_attack: p_honoured,
        p_honoured_given_attack_ci95: wilson95(r.honoured, r.attacks),
        p_failed: failed,
        time_to_response: TimeToResponse {
            p50: acc.histograms.time_to_response.quantile(0.5),
            p90: acc.histograms.time_to_response.quantile(0.9),
        },
        capability: Keyed(
            a.tested
                .iter()
                .zip(&r.capability_met)
                .map(|(&(c, _), &k)| {
                    let p_met_given_attack = given(k);
                    let id = scenario.capabilities[c].id.clone();
                    (id, CapabilityResponse { p_met_given_attack })
                })
                .collect(),
        ),
        members: Keyed(
            scenario
                .members
                .iter()
                .enumerate()
                .map(|(m, member)| {
                    let per_replica = |k: u64| given(k).map(|p| p / f64::from(member.count));
                    (
                        member.id.clone(),
                        MemberResponse {
                            p_honours_given_attack: per_replica(r.member_honours[m]),
                            p_pivotal_given_attack: given(r.member_pivotal[m]),
                        },
                    )
                })
                .collect(),
        ),
        attacks: r.attacks,
        p_honoured_given_attack_se: p_honoured.map(|p| (p * (1.0 - p) / r.attacks as f64).sqrt()),
        p_failed_se: (failed * (1.0 - failed) / n).sqrt(),
        p_warned_given_attack: a.warning.and_then(|_| given(r.warned)),
        attacks_by_month: r.attacks_in_month.clone(),
        p_honoured_by_attack_month: r
            .attacks_in_month
            .iter()
            .zip(&r.honoured_in_month)
            .map(|(&k, &h)| (k > 0).then(|| h as f64 / k as f64))
            .collect(),
    }
}
