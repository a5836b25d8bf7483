//! A scenario's estimate: compile, simulate, summarise.

use crate::analysis::variants::{Record, Resolved, run_variants};
use crate::compile::Model;
use crate::error::Error;
use crate::input::load::Loaded;
use crate::input::scenario::Scenario;
use crate::summarise::summarise;
use crate::summarise::summary::Summary;

/// Trials when neither the caller nor the scenario says.
pub const DEFAULT_TRIALS: u64 = 100_000;
/// Seed when neither the caller nor the scenario says.
pub const DEFAULT_SEED: u64 = 1;

/// How to run: each field left `None` comes from the scenario (`seed`,
/// `trials`), else from the defaults (seed 1, 100,000 trials, every core).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunConfig {
    pub seed: Option<u64>,
    pub trials: Option<u64>,
    pub threads: Option<usize>,
    /// Stop once the 95% interval of P(met) is at most this wide on each
    /// side (`trials` is then the most trials); see `Resolved::precision`.
    pub precision: Option<f64>,
    /// `--outer K` (docs/model.md 8).
    pub outer: Option<u64>,
}

impl RunConfig {
    /// Seed, trials and threads for `scenario`.
    pub fn resolve(&self, scenario: &Scenario) -> Resolved {
        Resolved {
            seed: self.seed.or(scenario.seed).unwrap_or(DEFAULT_SEED),
            trials: self.trials.or(scenario.trials).unwrap_or(DEFAULT_TRIALS),
            threads: self
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            precision: self.precision,
            outer: self.outer,
        }
    }
}

/// Simulates a loaded scenario and summarises it; `progress` gets the
/// trials done. The result depends on the seed and trials only, never on
/// the threads.
pub fn estimate(loaded: &Loaded, run: &Resolved, progress: &dyn Fn(u64)) -> Result<Summary, Error> {
    let model = Model::compile(&loaded.scenario);
    let results = run_variants(std::slice::from_ref(&model), run, Record::Full, progress)?;
    let acc = &results.accumulators[0];
    let mut summary = summarise(&loaded.scenario, &model, acc, run.seed, &loaded.overrides);
    if let Some(outer) = &results.outer[0] {
        crate::summarise::uncertainty::apply(&mut summary, &model, outer, &acc.tally);
    }
    summary.precision = run.precision;
    Ok(summary)
}
