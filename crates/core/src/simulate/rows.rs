//! Per-trial rows (`run --per-trial FILE.csv`): what one trial's outcome
//! was, for analysts who want to find the futures in which the guarantee
//! fails. The trials are rerun here, apart from the statistics, so that
//! the hot loop records nothing per trial; a row's values are the ones the
//! statistics count, from the same draws.

use super::BLOCK;
use super::trial::Trial;
use crate::compile::Model;

/// One trial's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRow {
    pub trial: u64,
    /// The outer sample (docs/model.md 8); 0 without uncertain inputs.
    pub sample: u64,
    pub met: bool,
    /// First time met (continuous months), if within the horizon.
    pub first_met: Option<f64>,
    /// Coverage of each capability at the horizon (model order = file order).
    pub coverage: Vec<f64>,
    /// Replicas joined, per scenario member (file order).
    pub joined: Vec<u32>,
    /// Replicas joined and exited by the horizon, per member (docs/model.md 6).
    pub exited: Vec<u32>,
    /// The attack time, if any, and whether the guarantee was honoured.
    pub attack: Option<(f64, bool)>,
}

/// Rows of trials `first .. first + count` of `model`.
pub fn trial_rows(model: &Model, seed: u64, first: u64, count: u64) -> Vec<TrialRow> {
    let mut rows = Vec::with_capacity(count as usize);
    let (mut t, end) = (first, first + count);
    while t < end {
        let (k, piece_end, sample) = match model.outer.as_deref() {
            Some(outer) => {
                let k = outer.sample_of(t);
                (k, outer.first_trial(k + 1).min(end), model.sample(k))
            }
            None => (0, end, model.clone()),
        };
        rows_of(&sample, seed, t, piece_end - t, k, &mut rows);
        t = piece_end;
    }
    rows
}

fn rows_of(model: &Model, seed: u64, first: u64, count: u64, k: u64, rows: &mut Vec<TrialRow>) {
    let mut trial = Trial::<BLOCK>::new(model, seed, first);
    let horizon = f64::from(model.horizon);
    let mut left = count as usize;
    let mut index = first;
    while left > 0 {
        let n = left.min(BLOCK);
        trial.draw_block(n);
        for t in 0..n {
            trial.load(t);
            trial.schedule_phases(None);
            trial.sweep_months(false);
            if model.tested.attack.is_some() {
                trial.test_guarantee();
            }
            let mut joined = vec![0u32; model.member_count];
            let mut exited = vec![0u32; model.member_count];
            for (u, unit) in model.units.iter().enumerate() {
                let j = trial.b_joined[u * BLOCK + t];
                joined[unit.member] += u32::from(j);
                exited[unit.member] += u32::from(j && trial.exit_time[u] <= horizon);
            }
            rows.push(TrialRow {
                trial: index,
                sample: k,
                met: trial.met_at_horizon,
                first_met: trial.first_met(),
                coverage: trial.coverage.clone(),
                joined,
                exited,
                attack: trial.attack.map(|a| (a.time, a.response_time.is_some())),
            });
            index += 1;
        }
        left -= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{Histograms, run_chunk};

    /// Rows count what the statistics count: met and joined, from the same
    /// draws, over trials that start mid-block and span two blocks.
    #[test]
    fn rows_agree_with_the_tally() {
        let loaded =
            crate::input::load::load_str("t", crate::test_scenarios::PARIS, &[]).expect("valid");
        let model = Model::compile(&loaded.scenario);
        let (first, count) = (1000, 700);
        let rows = trial_rows(&model, 4, first, count);
        let mut histograms = Histograms::new(&model);
        let (tally, outcomes) = run_chunk(&model, 4, first, count, true, &mut histograms);
        assert_eq!(rows.len(), 700);
        assert_eq!(rows[0].trial, 1000);
        for (row, o) in rows.iter().zip(&outcomes) {
            assert_eq!(row.met, o.met_at_horizon);
        }
        for m in 0..model.member_count {
            let joined: u64 = rows.iter().map(|r| u64::from(r.joined[m])).sum();
            assert_eq!(joined, tally.member_joined[m]);
        }
        let met = rows.iter().filter(|r| r.met).count() as u64;
        assert_eq!(met, *tally.met_by_month.last().unwrap());
        assert!(met > 0 && met < 700);
    }
}
