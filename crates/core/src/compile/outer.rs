//! Uncertain inputs: two-level Monte Carlo (docs/model.md 8).
//!
//! A field given as a distribution where a single number is expected is
//! drawn once per *outer sample*. The trials `0..T` are split into `K`
//! consecutive blocks, sample `k` covering trials `floor(k T / K)` to
//! `floor((k + 1) T / K) - 1`. Field `path` takes, in sample `k`, the
//! quantile of the uniform of word `k` of the stream keyed `outer/<path>`.
//!
//! The engine compiles the scenario once; a sample's model is the compiled
//! model with the drawn numbers patched in (`Model::sample`), which is the
//! model of the scenario with those numbers written in: every random stream
//! an uncertain quantity may need is created whatever its compiled value
//! (`Tested::compile`), and the rest are keyed, so no draw moves.

use super::dist::Sampler;
use super::{JoinRule, Model, PhaseStartModel};
use crate::input::scenario::{Site, Uncertain};
use crate::rng::{EntityStream, key_for_seed, open_unit, stream_for_key};
use std::sync::Arc;

/// An uncertain field of a compiled model.
#[derive(Debug, Clone)]
pub struct UncertainModel {
    /// The field's `--set` key, e.g. `member.uk.join`.
    pub path: String,
    /// The stream of `outer/<path>`.
    pub stream: u64,
    pub sampler: Sampler,
    pub sites: Vec<Site>,
    /// A factor every draw is multiplied by (1; the need sensitivity's
    /// -20% and +20% of an uncertain need).
    pub scale: f64,
}

impl UncertainModel {
    pub(crate) fn new(u: &Uncertain) -> Self {
        UncertainModel {
            path: u.path.clone(),
            stream: stream_for_key(&format!("outer/{}", u.path)),
            sampler: Sampler::new(&u.dist),
            sites: u.sites.clone(),
            scale: 1.0,
        }
    }
}

/// Outer samples when neither `--outer` nor `[scenario] outer_samples`
/// says, for a file with uncertain inputs (at most the trials).
pub const DEFAULT_OUTER_SAMPLES: u64 = 100;

/// The outer samples of one run: how the trials split, and each field's
/// value in each sample.
#[derive(Debug, Clone, PartialEq)]
pub struct OuterRun {
    /// K, 1..=10000 and at most `trials`.
    pub samples: u64,
    /// T.
    pub trials: u64,
    /// `values[field * samples + k]`, fields in `Model::uncertain` order.
    pub values: Vec<f64>,
}

impl OuterRun {
    /// The first trial of sample `k` (`k = samples`: `trials`).
    pub fn first_trial(&self, k: u64) -> u64 {
        (u128::from(k) * u128::from(self.trials) / u128::from(self.samples)) as u64
    }

    /// The sample trial `t` belongs to: the largest `k` with
    /// `first_trial(k) <= t`.
    pub fn sample_of(&self, t: u64) -> u64 {
        let k = ((u128::from(t) + 1) * u128::from(self.samples) - 1) / u128::from(self.trials);
        (k as u64).min(self.samples - 1)
    }

    /// Field `f`'s value in sample `k`.
    pub fn value(&self, f: usize, k: u64) -> f64 {
        self.values[f * self.samples as usize + k as usize]
    }

    /// Field `f`'s values, sample by sample.
    pub fn field(&self, f: usize) -> &[f64] {
        let k = self.samples as usize;
        &self.values[f * k..(f + 1) * k]
    }
}

impl Model {
    /// This model set up for a run of `trials` trials on `seed` in `samples`
    /// outer samples (a model without uncertain inputs is returned as it
    /// is: it runs as one sample).
    pub fn with_outer(mut self, seed: u64, trials: u64, samples: u64) -> Model {
        if self.uncertain.is_empty() {
            return self;
        }
        let key = key_for_seed(seed);
        let k = samples as usize;
        let mut values = Vec::with_capacity(self.uncertain.len() * k);
        let mut words = vec![0u32; k];
        for u in &self.uncertain {
            EntityStream::<1>::new(&key, u.stream, 0).fill(&mut words);
            values.extend(words.iter().map(|&w| u.sampler.sample(open_unit(w))));
        }
        self.outer = Some(Arc::new(OuterRun {
            samples,
            trials,
            values,
        }));
        self
    }

    /// The model of outer sample `k`: every uncertain number patched to its
    /// draw, and what is derived from those numbers recomputed.
    pub fn sample(&self, k: u64) -> Model {
        let mut m = self.clone();
        m.outer = None;
        let Some(outer) = &self.outer else { return m };
        for (f, u) in self.uncertain.iter().enumerate() {
            let x = outer.value(f, k) * u.scale;
            for &site in &u.sites {
                m.patch(site, x);
            }
        }
        m.derive();
        m
    }

    fn patch(&mut self, site: Site, x: f64) {
        let units_of = |m: usize, units: &[super::UnitModel]| -> Vec<usize> {
            (0..units.len()).filter(|&u| units[u].member == m).collect()
        };
        let t = &mut self.tested;
        match site {
            Site::Join(m) => {
                for u in units_of(m, &self.units) {
                    self.units[u].join = JoinRule::new(x);
                }
            }
            Site::JoinWithout(m) => {
                for u in units_of(m, &self.units) {
                    self.units[u].join_without = JoinRule::new(x);
                }
            }
            Site::Honour(m) => {
                for u in units_of(m, &self.units) {
                    t.honour[u].0 = x;
                }
            }
            Site::PledgeProbability(m, j) => {
                for (p, &source) in self.pledges.iter_mut().zip(&self.pledge_source) {
                    if source == (m, j) {
                        p.probability = x;
                    }
                }
            }
            Site::Correlation(g) => {
                let group = &mut self.groups[g];
                group.sqrt_rho = x.sqrt();
                group.sqrt_one_minus_rho = (1.0 - x).sqrt();
            }
            Site::Need(c) => self.capabilities[c].need = x,
            Site::Threshold(c) => self.capabilities[c].threshold = x,
            Site::ResponseNeed(c) => self.capabilities[c].response_need = Some(x),
            Site::GateCoverage(phase) => {
                let slot = self.phase_slot[phase];
                if let PhaseStartModel::After { gate: Some(g), .. } = &mut self.phases[slot].start {
                    g.coverage = x;
                }
            }
            Site::EventProbability(e) => t.events[e].probability = x,
            Site::ExitProbability(m, j) => {
                for u in units_of(m, &self.units) {
                    t.exits[u][j].probability = x;
                }
            }
            Site::ExitRate(m, j) => {
                for u in units_of(m, &self.units) {
                    if let super::tested::ExitTriggerModel::Rate {
                        mean_months,
                        within,
                        ..
                    } = &mut t.exits[u][j].trigger
                    {
                        *mean_months = if x > 0.0 { 12.0 / x } else { f64::INFINITY };
                        *within = super::tested::rate_within(*mean_months, f64::from(self.horizon));
                    }
                }
            }
            Site::ResponseProbability(m, j) => {
                for (r, &source) in t.responses.iter_mut().zip(&t.response_source) {
                    if source == (m, j) {
                        r.probability = x;
                    }
                }
            }
            Site::AttackRate => {
                if let Some(a) = &mut t.attack {
                    a.rate = x / 12.0;
                }
            }
            Site::AttackRateWhenMet => {
                if let Some(a) = &mut t.attack {
                    a.rate_when_met = x / 12.0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_split_the_trials_in_consecutive_blocks() {
        for (trials, samples) in [(10, 3), (100, 100), (7, 1), (1000, 7), (5, 5)] {
            let run = OuterRun {
                samples,
                trials,
                values: Vec::new(),
            };
            for t in 0..trials {
                let k = run.sample_of(t);
                assert!(run.first_trial(k) <= t && t < run.first_trial(k + 1));
            }
            assert_eq!(run.first_trial(samples), trials);
        }
    }
}
