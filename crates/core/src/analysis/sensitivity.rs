//! `sensitivity FILE` (docs/model.md 4): what if this member stays out, or
//! commits for sure? Every member's join probability is forced to 0 and to 1
//! (its `join_without` too, so the answer does not depend on who it
//! requires), and, as the analyst's next question, every capability's need
//! is moved by -20% and +20%; as @RISK and Crystal Ball users expect,
//! every uncertain input (docs/model.md 8) is fixed at its 10th and 90th
//! percentile in every outer sample (the others still drawn), and every
//! member's pledge amounts are scaled by 0.8 and 1.2. All variants run on
//! the same seed and trial indices (common random numbers).

use crate::analysis::variants::{Record, Resolved, run_variants};
use crate::compile::dist::Sampler;
use crate::compile::{JoinRule, Model};
use crate::error::Error;
use crate::input::scenario::{Scenario, Site};
use crate::stats::{Moments, wilson95};
use serde::Serialize;

/// Relative change of each capability's need in the need sensitivity.
pub const NEED_CHANGE: f64 = 0.2;
/// The percentiles an uncertain input is fixed at.
pub const INPUT_QUANTILES: [f64; 2] = [0.1, 0.9];
/// Relative change of a member's pledge amounts in the amount sensitivity.
pub const AMOUNT_CHANGE: f64 = 0.2;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub trials: u64,
    pub seed: u64,
    pub baseline: Baseline,
    /// Sorted by swing, largest first.
    pub members: Vec<MemberSwing>,
    /// Extension: each capability's need -20% / +20%, sorted by swing.
    pub capabilities: Vec<NeedSwing>,
    /// Extension: each uncertain input (docs/model.md 8) fixed at its 10th
    /// and 90th percentile in every outer sample, sorted by |swing|.
    pub inputs: Vec<InputSwing>,
    /// Extension: each member's pledge amounts (all of them) x0.8 and x1.2,
    /// sorted by |swing|; members without pledges are left out.
    pub amounts: Vec<AmountSwing>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    pub p_met: f64,
    /// Extension.
    pub p_met_ci95: [f64; 2],
    /// With `[attack]`: P(attack within the horizon and not honoured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_failed: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberSwing {
    pub id: String,
    /// P(met at the horizon) with the member's join probability forced to 0.
    pub p_met_out: f64,
    /// ... forced to 1.
    pub p_met_in: f64,
    /// `p_met_in - p_met_out`.
    pub swing: f64,
    /// Extension: standard error of `swing` from paired trials.
    pub swing_se: f64,
    /// With `[attack]` (docs/model.md 7): P(failed) with the member out and
    /// in, and `p_failed_out - p_failed_in` (how much failure it prevents)
    /// with its paired standard error.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub failed: Option<FailedSwing>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedSwing {
    pub p_failed_out: f64,
    pub p_failed_in: f64,
    pub failed_swing: f64,
    pub failed_swing_se: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedSwing {
    pub id: String,
    pub need: f64,
    /// P(met) with the need 20% lower.
    pub p_met_need_low: f64,
    /// P(met) with the need 20% higher.
    pub p_met_need_high: f64,
    /// `p_met_need_low - p_met_need_high`.
    pub swing: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSwing {
    /// The field's `--set` key, e.g. `odds.confirmed`.
    pub field: String,
    /// Its 10th and 90th percentile.
    pub low_value: f64,
    pub high_value: f64,
    /// P(met) with the field fixed at `low_value` / `high_value`.
    pub p_met_low: f64,
    pub p_met_high: f64,
    /// `p_met_high - p_met_low`.
    pub swing: f64,
    /// Standard error of `swing` from paired trials.
    pub swing_se: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AmountSwing {
    /// The member.
    pub id: String,
    /// P(met) with all the member's pledge amounts x0.8 / x1.2.
    pub p_met_low: f64,
    pub p_met_high: f64,
    /// `p_met_high - p_met_low`.
    pub swing: f64,
    /// Standard error of `swing` from paired trials.
    pub swing_se: f64,
}

/// What a pair of variants changes (low, then high).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Change {
    /// Member forced out / in.
    Member(usize),
    /// Capability's need -20% / +20%.
    Need(usize),
    /// Uncertain field (index into `Model::uncertain`) at p10 / p90.
    Input(usize),
    /// Member's pledge amounts x0.8 / x1.2.
    Amounts(usize),
}

/// Every pair of variants, in the order of the report's kinds: members,
/// needs, inputs, amounts.
fn changes(scenario: &Scenario, base: &Model) -> Vec<Change> {
    let members = 0..scenario.members.len();
    members
        .clone()
        .map(Change::Member)
        .chain((0..scenario.capabilities.len()).map(Change::Need))
        .chain((0..base.uncertain.len()).map(Change::Input))
        .chain(
            members
                .filter(|&m| !scenario.members[m].pledges.is_empty())
                .map(Change::Amounts),
        )
        .collect()
}

/// Variant `k` of the scenario: 0 is the baseline, then come (low, high)
/// pairs, `2p + 1` and `2p + 2` for pair `p` (`changes`): each member out
/// and in, each capability's need -20% and +20%, each uncertain input at
/// p10 and p90, each member's amounts x0.8 and x1.2. Made by patching the baseline's
/// compiled model, which gives the model of the changed scenario (only a
/// member's join rules, a capability's need, an uncertain field's
/// distribution or a member's amount distributions differ) without
/// compiling it again: compiling formats and hashes every stream key, two thirds of the
/// time of a sensitivity of 1,000 members at one trial (callgrind).
fn variant(base: &Model, scenario: &Scenario, changes: &[Change], k: usize) -> Model {
    let mut model = base.clone();
    let Some(k) = k.checked_sub(1) else {
        return model;
    };
    let high = k % 2 == 1;
    match changes[k / 2] {
        Change::Member(pair) => {
            let p = JoinRule::new(if high { 1.0 } else { 0.0 });
            for unit in model.units.iter_mut().filter(|u| u.member == pair) {
                unit.join = p;
                unit.join_without = p;
            }
            // An uncertain join of the member no longer applies.
            for u in &mut model.uncertain {
                u.sites
                    .retain(|s| !matches!(s, Site::Join(m) | Site::JoinWithout(m) if *m == pair));
            }
        }
        Change::Need(c) => {
            let factor = if high {
                1.0 + NEED_CHANGE
            } else {
                1.0 - NEED_CHANGE
            };
            let cap = &scenario.capabilities[c];
            model.capabilities[c].need = cap.need * factor;
            // An uncertain need: each outer sample's draw moves alike.
            for u in &mut model.uncertain {
                if u.sites.contains(&Site::Need(c)) {
                    u.scale = factor;
                }
            }
        }
        Change::Input(f) => {
            // The same value in every outer sample: the field's stream is
            // still read, the other fields' draws do not move.
            let u = &mut model.uncertain[f];
            u.sampler = Sampler::Constant(u.sampler.sample(INPUT_QUANTILES[usize::from(high)]));
        }
        Change::Amounts(m) => {
            let factor = if high {
                1.0 + AMOUNT_CHANGE
            } else {
                1.0 - AMOUNT_CHANGE
            };
            // What compiling the scaled distributions gives (a constant
            // stays a constant, so no stream starts or stops being read).
            let pledges = &scenario.members[m].pledges;
            for (p, &(member, j)) in model.pledges.iter_mut().zip(&base.pledge_source) {
                if member == m {
                    p.amount = Sampler::new(&pledges[j].amount.scaled(factor));
                }
            }
        }
    }
    // What follows from a changed need or join (the warning's threshold,
    // who forcing out only removes pledges from).
    model.derive();
    model
}

/// Runs of a sensitivity of `scenario` (the baseline and two per pair of
/// variants): what `progress` counts the trials of.
pub fn variant_runs(scenario: &Scenario) -> u64 {
    // As `changes`: members, needs, inputs, members with pledges.
    let with_pledges = scenario.members.iter().filter(|m| !m.pledges.is_empty());
    let pairs = scenario.members.len()
        + scenario.capabilities.len()
        + scenario.uncertain.len()
        + with_pledges.count();
    1 + 2 * pairs as u64
}

/// Every member forced out and in, every need -20% and +20%, every
/// uncertain input at p10 and p90, every member's amounts x0.8 and x1.2,
/// each against the baseline on common random numbers; `progress` gets the
/// variant runs' trials done.
pub fn sensitivity(
    scenario: &Scenario,
    run: &Resolved,
    progress: &dyn Fn(u64),
) -> Result<Sensitivity, Error> {
    let (seed, trials) = (run.seed, run.trials);
    let base = Model::compile(scenario);
    let changes = changes(scenario, &base);
    let pairs = changes.len();
    // Trials met at the horizon per variant, and per pair the paired
    // moments of high - low.
    let mut met = vec![0u64; 1 + 2 * pairs];
    let mut failed = vec![0u64; 1 + 2 * pairs];
    let mut swings = vec![Moments::default(); pairs];
    let mut failed_swings = vec![Moments::default(); pairs];
    // Pass by pass, the baseline and then each pair, so that only one
    // pass's models are alive at a time: there are two per member and
    // capability, and a large scenario's model takes megabytes (all of them
    // at once took 24 GB on one). Variant runs done, for `progress`.
    let mut done = 0;
    for pass in 0..=pairs {
        let ks = match pass {
            0 => vec![0],
            _ => vec![2 * pass - 1, 2 * pass],
        };
        let models: Vec<Model> = ks
            .iter()
            .map(|&k| variant(&base, scenario, &changes, k))
            .collect();
        let runs = models.len() as u64;
        let results = run_variants(&models, run, Record::MetOnly, &|n| {
            progress(done + n * runs)
        })?;
        for ((&k, m), f) in ks.iter().zip(&results.met).zip(&results.failed) {
            met[k] += m;
            failed[k] += f;
        }
        if let Some(d) = results.paired.first() {
            swings[pass - 1] = d.met;
            failed_swings[pass - 1] = d.failed;
        }
        done += trials * runs;
    }

    let p = |k: usize| met[k] as f64 / trials as f64;
    let p_failed = |k: usize| failed[k] as f64 / trials as f64;
    let attack = scenario.attack.is_some();
    let n_members = scenario.members.len();
    let mut members: Vec<MemberSwing> = scenario
        .members
        .iter()
        .enumerate()
        .map(|(m, member)| {
            let (out, inn) = (p(1 + 2 * m), p(2 + 2 * m));
            MemberSwing {
                id: member.id.clone(),
                p_met_out: out,
                p_met_in: inn,
                swing: inn - out,
                swing_se: swings[m].se(),
                failed: attack.then(|| {
                    let (out, inn) = (p_failed(1 + 2 * m), p_failed(2 + 2 * m));
                    FailedSwing {
                        p_failed_out: out,
                        p_failed_in: inn,
                        // The paired moments are of in - out.
                        failed_swing: out - inn,
                        failed_swing_se: failed_swings[m].se(),
                    }
                }),
            }
        })
        .collect();
    members.sort_by(|a, b| b.swing.total_cmp(&a.swing).then_with(|| a.id.cmp(&b.id)));
    let mut capabilities: Vec<NeedSwing> = scenario
        .capabilities
        .iter()
        .enumerate()
        .map(|(c, cap)| {
            let k = n_members + c;
            let (low, high) = (p(1 + 2 * k), p(2 + 2 * k));
            NeedSwing {
                id: cap.id.clone(),
                need: cap.need,
                p_met_need_low: low,
                p_met_need_high: high,
                swing: low - high,
            }
        })
        .collect();
    capabilities.sort_by(|a, b| b.swing.total_cmp(&a.swing).then_with(|| a.id.cmp(&b.id)));
    let by_swing = |a: f64, b: f64| b.abs().total_cmp(&a.abs());
    let mut inputs = Vec::new();
    let mut amounts = Vec::new();
    for (pair, change) in changes.iter().enumerate() {
        let (low, high) = (p(1 + 2 * pair), p(2 + 2 * pair));
        let swing_se = swings[pair].se();
        match *change {
            Change::Input(f) => {
                let u = &base.uncertain[f];
                let [lo, hi] = INPUT_QUANTILES.map(|q| u.sampler.sample(q) * u.scale);
                inputs.push(InputSwing {
                    field: u.path.clone(),
                    low_value: lo,
                    high_value: hi,
                    p_met_low: low,
                    p_met_high: high,
                    swing: high - low,
                    swing_se,
                });
            }
            Change::Amounts(m) => amounts.push(AmountSwing {
                id: scenario.members[m].id.clone(),
                p_met_low: low,
                p_met_high: high,
                swing: high - low,
                swing_se,
            }),
            Change::Member(_) | Change::Need(_) => {}
        }
    }
    inputs.sort_by(|a, b| by_swing(a.swing, b.swing).then_with(|| a.field.cmp(&b.field)));
    amounts.sort_by(|a, b| by_swing(a.swing, b.swing).then_with(|| a.id.cmp(&b.id)));
    Ok(Sensitivity {
        trials,
        seed,
        baseline: Baseline {
            p_met: p(0),
            p_met_ci95: wilson95(met[0], trials),
            p_failed: attack.then(|| p_failed(0)),
        },
        members,
        capabilities,
        inputs,
        amounts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::scenario::Dist;
    use crate::simulate::run_outcomes;

    /// Uncertain inputs (a join, a need, a pledge probability) and a member
    /// with two pledges of drawn amounts.
    const UNCERTAIN: &str = r#"
[scenario]
name = "u"
horizon_months = 6

[[capability]]
id = "c"
need = { choice = [[90, 1], [120, 1]] }

[[phase]]
id = "p"

[[member]]
id = "a"
join = { uniform = [0.2, 0.8] }
[[member.pledge]]
capability = "c"
phase = "p"
amount = { triangular = [20, 50, 90] }
[[member.pledge]]
capability = "c"
phase = "p"
amount = 30
probability = { pert = [0.4, 0.7, 0.9] }

[[member]]
id = "b"
join = 0.5
[[member.pledge]]
capability = "c"
phase = "p"
amount = { uniform = [40, 80] }
"#;

    /// Each patched variant draws exactly what compiling the changed
    /// scenario would.
    #[test]
    fn patched_variants_are_the_compiled_variants() {
        for text in [
            crate::test_scenarios::DEFAULT,
            crate::test_scenarios::PARIS,
            UNCERTAIN,
        ] {
            let scenario = crate::input::load::load_str("t", text, &[])
                .unwrap()
                .scenario;
            let base = Model::compile(&scenario);
            let changes = changes(&scenario, &base);
            for k in 0..=2 * changes.len() {
                let mut changed = scenario.clone();
                if let Some(k) = k.checked_sub(1) {
                    let high = k % 2 == 1;
                    let factor = if high { 1.2 } else { 0.8 };
                    match changes[k / 2] {
                        Change::Member(m) => {
                            let p = if high { 1.0 } else { 0.0 };
                            changed.members[m].join = p;
                            changed.members[m].join_without = p;
                            // Only this member's sites: a status's odds
                            // stay uncertain for the other members.
                            for u in &mut changed.uncertain {
                                u.sites.retain(|s| {
                                    !matches!(s, Site::Join(x) | Site::JoinWithout(x) if *x == m)
                                });
                            }
                        }
                        Change::Need(c) => {
                            changed.capabilities[c].need *= factor;
                            for u in &mut changed.uncertain {
                                if u.sites.contains(&Site::Need(c)) {
                                    u.dist = u.dist.scaled(factor);
                                }
                            }
                        }
                        Change::Input(f) => {
                            let q = Sampler::new(&changed.uncertain[f].dist)
                                .sample(INPUT_QUANTILES[usize::from(high)]);
                            changed.uncertain[f].dist = Dist::Constant(q);
                        }
                        Change::Amounts(m) => {
                            for p in &mut changed.members[m].pledges {
                                p.amount = p.amount.scaled(factor);
                            }
                        }
                    }
                }
                let run = |m: Model| {
                    let m = m.with_outer(5, 2000, 7);
                    run_outcomes(&m, 5, 0, 2000)
                };
                let compiled = run(Model::compile(&changed));
                let patched = run(variant(&base, &scenario, &changes, k));
                assert_eq!(
                    compiled,
                    patched,
                    "variant {k}: {:?}",
                    changes[(k.max(1) - 1) / 2]
                );
            }
        }
    }
}
