//! `sensitivity FILE` (docs/model.md 4): what if this member stays out, or
//! commits for sure? Every member's join probability is forced to 0 and to 1
//! (its `join_without` too, so the answer does not depend on who it
//! requires), and, as the analyst's next question, every capability's need
//! is moved by -20% and +20%. All variants run on the same seed and trial
//! indices (common random numbers), in one pass over the chunks.

use crate::analysis::variants::{Record, Resolved, run_variants};
use crate::compile::{JoinRule, Model, least_meeting};
use crate::error::Error;
use crate::input::scenario::{Scenario, Site};
use crate::stats::{Moments, wilson95};
use serde::Serialize;

/// Relative change of each capability's need in the need sensitivity.
pub const NEED_CHANGE: f64 = 0.2;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub trials: u64,
    pub seed: u64,
    pub baseline: Baseline,
    /// Sorted by swing, largest first.
    pub members: Vec<MemberSwing>,
    /// Extension: each capability's need -20% / +20%, sorted by swing.
    pub capabilities: Vec<NeedSwing>,
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

/// Variant `k` of the scenario: 0 is the baseline, then come (low, high)
/// pairs, `2p + 1` and `2p + 2` for pair `p`: each member out and in, then
/// each capability's need -20% and +20%. Made by patching the baseline's
/// compiled model, which gives the model of the changed scenario (only a
/// member's join rules or a capability's need differ) without compiling it
/// again: compiling formats and hashes every stream key, two thirds of the
/// time of a sensitivity of 1,000 members at one trial (callgrind).
fn variant(base: &Model, scenario: &Scenario, k: usize) -> Model {
    let mut model = base.clone();
    let Some(k) = k.checked_sub(1) else {
        return model;
    };
    let (pair, high) = (k / 2, k % 2 == 1);
    match pair.checked_sub(scenario.members.len()) {
        None => {
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
        Some(c) => {
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
            // The warning tests the capability's coverage too.
            if let Some(a) = &mut model.tested.attack
                && let Some(w) = &mut a.warning
                && w.0 == c
            {
                w.1 = least_meeting(cap.need * factor, cap.threshold);
            }
        }
    }
    model
}

/// Every member forced out and in, every need -20% and +20%, each against
/// the baseline on common random numbers; `progress` gets the variant
/// runs' trials done.
pub fn sensitivity(
    scenario: &Scenario,
    run: &Resolved,
    progress: &dyn Fn(u64),
) -> Result<Sensitivity, Error> {
    let (seed, trials) = (run.seed, run.trials);
    let pairs = scenario.members.len() + scenario.capabilities.len();
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
    let base = Model::compile(scenario);
    for pass in 0..=pairs {
        let ks = match pass {
            0 => vec![0],
            _ => vec![2 * pass - 1, 2 * pass],
        };
        let models: Vec<Model> = ks.iter().map(|&k| variant(&base, scenario, k)).collect();
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::run_outcomes;

    /// Each patched variant draws exactly what compiling the changed
    /// scenario would.
    #[test]
    fn patched_variants_are_the_compiled_variants() {
        for text in [crate::test_scenarios::DEFAULT, crate::test_scenarios::PARIS] {
            let scenario = crate::input::load::load_str("t", text, &[])
                .unwrap()
                .scenario;
            let base = Model::compile(&scenario);
            let pairs = scenario.members.len() + scenario.capabilities.len();
            for k in 0..=2 * pairs {
                let mut changed = scenario.clone();
                if let Some(k) = k.checked_sub(1) {
                    let (pair, high) = (k / 2, k % 2 == 1);
                    match pair.checked_sub(scenario.members.len()) {
                        None => {
                            let p = if high { 1.0 } else { 0.0 };
                            changed.members[pair].join = p;
                            changed.members[pair].join_without = p;
                        }
                        Some(c) => changed.capabilities[c].need *= if high { 1.2 } else { 0.8 },
                    }
                }
                let compiled = run_outcomes(&Model::compile(&changed), 5, 0, 2000);
                let patched = run_outcomes(&variant(&base, &scenario, k), 5, 0, 2000);
                assert_eq!(compiled, patched, "variant {k}");
            }
        }
    }
}
