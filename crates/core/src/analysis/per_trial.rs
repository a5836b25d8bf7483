//! Per-trial outcomes (`run --per-trial FILE.csv`): one row per trial, for
//! analysts who want to find and study the futures in which the guarantee
//! fails.

use crate::analysis::variants::{Resolved, with_outer};
use crate::compile::Model;
use crate::error::Error;
use crate::input::load::Loaded;
pub use crate::simulate::TrialRow;

/// The most rows one run gives (the first trials): a row takes some tens of
/// bytes per capability and member, so 200,000 rows of the default
/// scenario take about 30 MB, and their CSV about 20 MB.
pub const MAX_ROWS: u64 = 200_000;

/// The rows of a run, with what their columns name.
#[derive(Debug, Clone, PartialEq)]
pub struct PerTrial {
    /// Capability ids, in the order of `TrialRow::coverage`.
    pub capabilities: Vec<String>,
    /// Member ids, in the order of `TrialRow::joined` and `exited`.
    pub members: Vec<String>,
    pub has_exits: bool,
    pub has_attack: bool,
    pub uncertain: bool,
    pub rows: Vec<TrialRow>,
}

/// The first `min(run.trials, MAX_ROWS)` trials of `loaded`, on the run's
/// seed: the same trials, and the same values, the run's statistics count.
pub fn per_trial(loaded: &Loaded, run: &Resolved) -> Result<PerTrial, Error> {
    let scenario = &loaded.scenario;
    let compiled = Model::compile(scenario);
    let model = with_outer(std::slice::from_ref(&compiled), run)?.remove(0);
    let count = run.trials.min(MAX_ROWS);
    Ok(PerTrial {
        capabilities: scenario.capabilities.iter().map(|c| c.id.clone()).collect(),
        members: scenario.members.iter().map(|m| m.id.clone()).collect(),
        has_exits: model.tested.has_time(),
        has_attack: model.tested.attack.is_some(),
        uncertain: model.outer.is_some(),
        rows: crate::simulate::trial_rows(&model, run.seed, 0, count),
    })
}
