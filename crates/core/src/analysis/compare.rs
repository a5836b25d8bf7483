//! `compare A B ...` (docs/model.md 4): every plan run on the same seed and trial
//! indices, so each entity shared by two plans draws the same random numbers
//! (common random numbers). Differences to the first plan are estimated from
//! per-trial paired outcomes, whose variance is far smaller than that of
//! independent runs when plans differ in a few parameters.

use crate::analysis::variants::{Record, Resolved, run_variants};
use crate::compile::Model;
use crate::error::{Error, InputError};
use crate::input::load::Loaded;
use crate::input::scenario::Scenario;
use crate::simulate::SampleTally;
use crate::simulate::bytes_per_thread;
use crate::stats::Moments;
use crate::summarise::summarise;
use crate::summarise::summary::{Spread, Summary};
use crate::summarise::uncertainty::{self, spread};
use serde::Serialize;
use std::collections::BTreeSet;

/// z for a two-sided 95% normal interval.
const Z95: f64 = 1.959_963_984_540_054;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub trials: u64,
    pub seed: u64,
    pub scenarios: Vec<Headline>,
    pub paired: Vec<Paired>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    pub name: String,
    pub file: String,
    pub p_met: f64,
    /// Extension: Wilson 95% interval of `p_met`.
    pub p_met_ci95: [f64; 2],
    pub coverage_mean: f64,
    /// Extension: median first time met, over trials where it is met.
    pub time_to_met_p50: Option<f64>,
    /// docs/model.md 7, with `[attack]` in any plan: P(honoured | attack)
    /// (null without attacks) and P(failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_honoured_given_attack: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_failed: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paired {
    pub baseline: usize,
    pub other: usize,
    pub p_met_diff: Difference,
    pub coverage_mean_diff: Difference,
    /// With `[attack]` in either plan: the paired difference of
    /// P(honoured | attack) (a ratio; its standard error by the delta
    /// method over the paired trials; null when a plan has no attacks) and
    /// of P(failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_honoured_given_attack_diff: Option<Option<Difference>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_failed_diff: Option<Difference>,
    /// With uncertain inputs in both plans, on the same outer samples
    /// (docs/model.md 8): the spread across samples of the per-sample
    /// difference in P(met) (other - baseline), same draws of the inputs
    /// they share in each sample. `p_met_diff`'s standard error and
    /// interval then treat the samples as clusters (sd of the per-sample
    /// differences / sqrt(K)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_met_diff_across_samples: Option<Spread>,
    /// Extension: how much of their randomness the two plans share (draws
    /// are keyed by ids; see `SharedIds`).
    pub shared_ids: SharedIds,
}

/// The ids (`member.<id>`, `capability.<id>`, `phase.<id>`, `group.<id>`)
/// of two plans: random draws are keyed by them, so only what they share
/// draws common random numbers. With few shared, a paired difference is
/// hardly more precise than one of independent runs (`se_independent`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedIds {
    /// Shared ids over all ids of the two plans, in [0, 1].
    pub share: f64,
    pub only_in_baseline: Vec<String>,
    pub only_in_other: Vec<String>,
}

impl SharedIds {
    /// Below this share, a comparison warns that common random numbers are
    /// mostly lost.
    pub const FEW: f64 = 0.5;

    fn between(baseline: &Scenario, other: &Scenario) -> SharedIds {
        let (a, b) = (ids(baseline), ids(other));
        let shared = a.intersection(&b).count();
        let all = a.union(&b).count();
        SharedIds {
            share: if all == 0 {
                1.0
            } else {
                shared as f64 / all as f64
            },
            only_in_baseline: a.difference(&b).cloned().collect(),
            only_in_other: b.difference(&a).cloned().collect(),
        }
    }
}

/// The ids a scenario's random draws are keyed by, kind-prefixed.
fn ids(s: &Scenario) -> BTreeSet<String> {
    let kinds = [
        (
            "member",
            s.members.iter().map(|m| &m.id).collect::<Vec<_>>(),
        ),
        ("capability", s.capabilities.iter().map(|c| &c.id).collect()),
        ("phase", s.phases.iter().map(|p| &p.id).collect()),
        ("group", s.groups.iter().map(|g| &g.id).collect()),
    ];
    kinds
        .into_iter()
        .flat_map(|(kind, ids)| ids.into_iter().map(move |id| format!("{kind}.{id}")))
        .collect()
}

/// `other - baseline`, from per-trial paired outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub estimate: f64,
    pub se: f64,
    pub ci95: [f64; 2],
    /// Extension: the standard error the same difference would have from
    /// two independent runs, sqrt(se_a^2 + se_b^2). The ratio to `se` is
    /// what common random numbers buy.
    pub se_independent: f64,
}

/// The per-sample differences in P(met) of two plans that ran the same
/// outer samples over the same trials.
struct SampleDifferences {
    spread: Spread,
    /// Standard deviation of the per-sample differences.
    sd: f64,
    samples: usize,
}

impl SampleDifferences {
    /// The pooled paired difference `estimate` with the outer samples as
    /// clusters: se = sd / sqrt(K), as for P(met) itself.
    fn difference(&self, estimate: f64, se_a: f64, se_b: f64) -> Difference {
        let se = self.sd / (self.samples as f64).sqrt();
        Difference {
            estimate,
            se,
            ci95: [estimate - Z95 * se, estimate + Z95 * se],
            se_independent: (se_a * se_a + se_b * se_b).sqrt(),
        }
    }
}

/// The per-sample differences in P(met) (other - baseline), when both
/// plans ran the same outer samples over the same trials (both with
/// uncertain inputs and the same number of samples); else `None`.
fn sample_differences(base: &[SampleTally], other: &[SampleTally]) -> Option<SampleDifferences> {
    let same = base.len() > 1
        && base.len() == other.len()
        && base
            .iter()
            .zip(other)
            .all(|(a, b)| a.sample == b.sample && a.trials == b.trials && a.trials > 0);
    if !same {
        return None;
    }
    let p = |s: &SampleTally| s.met as f64 / s.trials as f64;
    let diffs: Vec<f64> = base.iter().zip(other).map(|(a, b)| p(b) - p(a)).collect();
    let n = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / n;
    let sd = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    Some(SampleDifferences {
        spread: spread(&diffs)?,
        sd,
        samples: diffs.len(),
    })
}

/// The paired difference of P(honoured | attack) between two plans from
/// the counts of trials by their pair of attack outcomes (`attack_states`:
/// 0 none, 1 failed, 2 honoured; baseline by row). Each plan's figure is a
/// ratio H / A of counts; the difference's standard error is the delta
/// method's: per trial, z = (h_b - p_b a_b) / (A_b / n) - (h_a - p_a a_a) /
/// (A_a / n), and se = sqrt(mean(z^2) / n). `None` when a plan has no
/// attacks.
fn honoured_difference(states: &[[u64; 3]; 3]) -> Option<Difference> {
    let n: u64 = states.iter().flatten().sum();
    let count = |f: &dyn Fn(usize, usize) -> bool| -> u64 {
        (0..3)
            .flat_map(|a| (0..3).map(move |b| (a, b)))
            .filter(|&(a, b)| f(a, b))
            .map(|(a, b)| states[a][b])
            .sum()
    };
    let (attacks_a, attacks_b) = (count(&|a, _| a > 0), count(&|_, b| b > 0));
    let (honoured_a, honoured_b) = (count(&|a, _| a == 2), count(&|_, b| b == 2));
    if attacks_a == 0 || attacks_b == 0 {
        return None;
    }
    let nf = n as f64;
    let (pa, pb) = (
        honoured_a as f64 / attacks_a as f64,
        honoured_b as f64 / attacks_b as f64,
    );
    let (ma, mb) = (attacks_a as f64 / nf, attacks_b as f64 / nf);
    let influence = |state: usize, p: f64, mean: f64| {
        (f64::from(u8::from(state == 2)) - p * f64::from(u8::from(state > 0))) / mean
    };
    let mut square = 0.0;
    for (a, row) in states.iter().enumerate() {
        for (b, &k) in row.iter().enumerate() {
            let z = influence(b, pb, mb) - influence(a, pa, ma);
            square += k as f64 * z * z;
        }
    }
    let se = (square / nf / nf).sqrt();
    let estimate = pb - pa;
    let binomial = |p: f64, k: u64| (p * (1.0 - p) / k as f64).sqrt();
    Some(Difference {
        estimate,
        se,
        ci95: [estimate - Z95 * se, estimate + Z95 * se],
        se_independent: binomial(pa, attacks_a).hypot(binomial(pb, attacks_b)),
    })
}

impl Difference {
    fn new(paired: &Moments, se_a: f64, se_b: f64) -> Self {
        let se = paired.se();
        Difference {
            estimate: paired.mean,
            se,
            ci95: [paired.mean - Z95 * se, paired.mean + Z95 * se],
            se_independent: (se_a * se_a + se_b * se_b).sqrt(),
        }
    }
}

/// Most plans one comparison may hold (each keeps its summary).
pub const MAX_PLANS: usize = 100;

/// Memory the loaded plans of one pass may take, by the estimate of
/// `plan_bytes`.
const PASS_BUDGET: usize = 1 << 29;

/// A loaded plan's memory, roughly: its validated scenario and compiled
/// model take some tens of bytes per byte of its text, and each worker
/// thread its share (`bytes_per_thread`).
fn plan_bytes(plan: &Loaded, model: &Model, threads: usize) -> usize {
    64 * plan.source.len() + threads * bytes_per_thread(model)
}

/// Runs `count` plans (`load(k)` gives plan `k`; plan 0 is the baseline)
/// on common random numbers; returns the comparison and each plan's full
/// summary. Plans are loaded when their pass comes, as many to a pass as
/// fit `PASS_BUDGET` beside the baseline, so a comparison of large files
/// holds only a few at a time; the baseline is rerun in each pass after the
/// first (same trials, same results) for the paired differences.
/// `progress` gets the plan-trials done (`count * trials` in all).
pub fn compare(
    count: usize,
    load: &dyn Fn(usize) -> Result<Loaded, InputError>,
    run: &Resolved,
    progress: &dyn Fn(u64),
) -> Result<(Comparison, Vec<Summary>), Error> {
    compare_in_passes(count, load, run, progress, PASS_BUDGET)
}

/// `compare` with the memory budget of a pass.
fn compare_in_passes(
    count: usize,
    load: &dyn Fn(usize) -> Result<Loaded, InputError>,
    run: &Resolved,
    progress: &dyn Fn(u64),
    pass_budget: usize,
) -> Result<(Comparison, Vec<Summary>), Error> {
    let (seed, trials) = (run.seed, run.trials);
    let baseline = load(0)?;
    let base_model = Model::compile(&baseline.scenario);
    let budget = pass_budget.saturating_sub(plan_bytes(&baseline, &base_model, run.threads));
    let mut headlines: Vec<(String, Summary)> = Vec::with_capacity(count);
    let mut paired_moments = Vec::with_capacity(count.saturating_sub(1));
    let mut shared: Vec<SharedIds> = Vec::with_capacity(count.saturating_sub(1));
    let mut across: Vec<Option<SampleDifferences>> = Vec::with_capacity(count.saturating_sub(1));
    let mut base_samples: Vec<SampleTally> = Vec::new();
    let mut next = 1;
    let mut first_pass = true;
    while first_pass || next < count {
        // This pass's plans: at least one, then as many as fit.
        let mut plans = Vec::new();
        let mut models = vec![base_model.clone()];
        let mut used = 0;
        while next < count && (plans.is_empty() || used < budget) {
            let plan = load(next)?;
            let model = Model::compile(&plan.scenario);
            used += plan_bytes(&plan, &model, run.threads);
            plans.push(plan);
            models.push(model);
            next += 1;
        }
        let new_runs = plans.len() as u64 + u64::from(first_pass);
        let done = headlines.len() as u64 * trials;
        let results = run_variants(&models, run, Record::Full, &|d| {
            progress(done + d * new_runs)
        })?;
        if first_pass {
            let acc = &results.accumulators[0];
            base_samples = acc.tally.samples.clone();
            let mut summary = summarise(
                &baseline.scenario,
                &base_model,
                acc,
                seed,
                &baseline.overrides,
            );
            if let Some(outer) = &results.outer[0] {
                uncertainty::apply(&mut summary, &base_model, outer, &acc.tally);
            }
            headlines.push((baseline.origin.clone(), summary));
        }
        for (((plan, model), acc), outer) in plans
            .iter()
            .zip(&models[1..])
            .zip(&results.accumulators[1..])
            .zip(&results.outer[1..])
        {
            let mut summary = summarise(&plan.scenario, model, acc, seed, &plan.overrides);
            if let Some(outer) = outer {
                uncertainty::apply(&mut summary, model, outer, &acc.tally);
            }
            headlines.push((plan.origin.clone(), summary));
            shared.push(SharedIds::between(&baseline.scenario, &plan.scenario));
            across.push(sample_differences(&base_samples, &acc.tally.samples));
        }
        paired_moments.extend(results.paired);
        first_pass = false;
    }
    let (files, summaries): (Vec<String>, Vec<Summary>) = headlines.into_iter().unzip();
    let p_met_se = |s: &Summary| s.guarantee.p_met_se;
    let cov_se = |s: &Summary| s.coverage.overall.se;
    let failed_se = |s: &Summary| s.response.as_ref().map_or(0.0, |r| r.p_failed_se);
    // The response figures appear when any plan is tested by an attack.
    let attack_tested = summaries.iter().any(|s| s.response.is_some());
    let comparison = Comparison {
        trials,
        seed,
        scenarios: files
            .into_iter()
            .zip(&summaries)
            .map(|(file, s)| Headline {
                name: s.scenario.name.clone(),
                file,
                p_met: s.guarantee.p_met,
                p_met_ci95: s.guarantee.p_met_ci95,
                coverage_mean: s.coverage.overall.mean,
                time_to_met_p50: s.guarantee.time_to_met.p50,
                p_honoured_given_attack: attack_tested
                    .then(|| s.response.as_ref().and_then(|r| r.p_honoured_given_attack)),
                p_failed: attack_tested.then(|| s.response.as_ref().map_or(0.0, |r| r.p_failed)),
            })
            .collect(),
        paired: paired_moments
            .iter()
            .enumerate()
            .map(|(k, d)| {
                let (a, b) = (&summaries[0], &summaries[k + 1]);
                Paired {
                    baseline: 0,
                    other: k + 1,
                    p_met_diff: match &across[k] {
                        // Inputs drawn per outer sample: the samples are
                        // the clusters (docs/model.md 8).
                        Some(c) => c.difference(d.met.mean, p_met_se(a), p_met_se(b)),
                        None => Difference::new(&d.met, p_met_se(a), p_met_se(b)),
                    },
                    coverage_mean_diff: Difference::new(&d.coverage, cov_se(a), cov_se(b)),
                    p_honoured_given_attack_diff: attack_tested
                        .then(|| honoured_difference(&d.attack_states)),
                    p_failed_diff: attack_tested
                        .then(|| Difference::new(&d.failed, failed_se(a), failed_se(b))),
                    p_met_diff_across_samples: across[k].as_ref().map(|c| c.spread.clone()),
                    shared_ids: shared[k].clone(),
                }
            })
            .collect(),
    };
    Ok((comparison, summaries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load::load_str;

    /// One plan a pass (the baseline rerun in each) gives exactly what one
    /// pass of every plan gives.
    #[test]
    fn passes_do_not_change_the_comparison() {
        let texts = [
            crate::test_scenarios::DEFAULT,
            crate::test_scenarios::PARIS,
            crate::test_scenarios::DEFAULT,
        ];
        let overrides = [vec![], vec![], vec!["member.us.join=0.3".to_string()]];
        let load = |k: usize| load_str(&format!("plan{k}"), texts[k], &overrides[k]);
        let run = Resolved {
            seed: 3,
            trials: 9000,
            threads: 2,
            precision: None,
            outer: None,
        };
        let done = std::cell::Cell::new(0);
        let one_pass = compare_in_passes(3, &load, &run, &|_| {}, usize::MAX).unwrap();
        let many = compare_in_passes(3, &load, &run, &|d| done.set(done.get().max(d)), 0).unwrap();
        assert_eq!(one_pass.0, many.0);
        assert_eq!(one_pass.1, many.1);
        assert_eq!(done.get(), 3 * 9000, "progress counts each plan once");
    }
}
