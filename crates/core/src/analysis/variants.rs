//! The one driver behind every analysis: a list of models (plans, what-if
//! variants, sweep points) run chunk by chunk on the same seed and trial
//! indices, so each entity they share draws the same random numbers
//! (common random numbers), with per-trial paired differences to the first.

use crate::compile::Model;
use crate::compile::outer::{DEFAULT_OUTER_SAMPLES, OuterRun};
use crate::error::Error;
use crate::input::error::InputError;
use crate::simulate::{
    Accumulator, HistogramPool, Histograms, THREADS_MEMORY_BUDGET, Tally, TrialOutcome,
    bytes_per_thread, for_each_chunk, run_chunk, run_outcomes,
};
use crate::stats::{Moments, wilson95};
use std::ops::ControlFlow;
use std::sync::Arc;

/// Whether every model's P(met) so far has a 95% (Wilson) interval at most
/// `target` wide on each side, and, for a model with an attack that can
/// come (docs/model.md 7), P(honoured | attack) too.
fn precise_enough(tallies: &[Tally], models: &[Model], target: f64) -> bool {
    let narrow = |k: u64, n: u64| {
        let [lo, hi] = wilson95(k, n);
        n > 0 && (hi - lo) / 2.0 <= target
    };
    tallies.iter().zip(models).all(|(t, model)| {
        let met = t.met_by_month.last().copied().unwrap_or(0);
        let attack_can_come = model
            .tested
            .attack
            .as_ref()
            .is_some_and(|a| a.time.is_some());
        let r = &t.response;
        narrow(met, t.trials) && (!attack_can_come || narrow(r.honoured, r.attacks))
    })
}

/// Seed, trial count and worker threads of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved {
    pub seed: u64,
    /// The trials, or with `precision` the most trials.
    pub trials: u64,
    pub threads: usize,
    /// Run chunk by chunk until the 95% interval of P(met) is at most this
    /// wide on each side, `trials` at most. The stopping point is checked
    /// after each chunk in chunk order, so it depends on the seed and the
    /// target only, never on the threads.
    pub precision: Option<f64>,
    /// `--outer K`: outer samples for scenarios with uncertain inputs
    /// (docs/model.md 8); `None`: the scenario's `outer_samples`, else
    /// `DEFAULT_OUTER_SAMPLES` (at most the trials).
    pub outer: Option<u64>,
}

/// The outer samples of a run of `model` (docs/model.md 8): `--outer`,
/// else the file's `outer_samples`, else 100 with uncertain inputs (at
/// most the trials) and 1 without; an error when asked for more than the
/// trials.
pub fn outer_samples(model: &Model, run: &Resolved) -> Result<u64, Error> {
    let asked = run.outer.or(model.outer_samples.map(u64::from));
    match asked {
        Some(k) if k > run.trials => Err(Error::Input(InputError::Outer(format!(
            "{k} outer samples cannot be run in {} trials: give at most as many outer samples (--outer or `[scenario] outer_samples`) as trials",
            run.trials
        )))),
        Some(k) => Ok(k.max(1)),
        None if model.uncertain.is_empty() => Ok(1),
        None => Ok(DEFAULT_OUTER_SAMPLES.min(run.trials)),
    }
}

/// `models` set up for `run`'s outer samples (see `Model::with_outer`).
pub(crate) fn with_outer(models: &[Model], run: &Resolved) -> Result<Vec<Model>, Error> {
    models
        .iter()
        .map(|m| {
            if m.uncertain.is_empty() || m.outer.is_some() {
                return Ok(m.clone());
            }
            if run.precision.is_some() {
                return Err(Error::Input(InputError::Outer(
                    "--precision cannot be used with uncertain inputs: give --trials (and --outer) instead".into(),
                )));
            }
            let k = outer_samples(m, run)?;
            Ok(m.clone().with_outer(run.seed, run.trials, k))
        })
        .collect()
}

/// What the driver records of each model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Record {
    /// Every statistic of a `Summary`.
    Full,
    /// Only whether each trial met the guarantee at the horizon: what-if
    /// variants that need P(met) alone skip the rest.
    MetOnly,
}

/// Paired per-trial differences of one model to the first: met at the
/// horizon (0/1) and overall coverage at the horizon.
#[derive(Debug, Clone, Default)]
pub(crate) struct PairedMoments {
    pub met: Moments,
    pub coverage: Moments,
    /// Failed: attacked and not honoured (0/1; docs/model.md 7).
    pub failed: Moments,
    /// Trials by the pair of attack outcomes (`AttackState`), first model
    /// by row: what a paired difference of P(honoured | attack), a ratio,
    /// needs.
    pub attack_states: [[u64; 3]; 3],
}

/// A trial's attack outcome: none, failed, honoured (index of
/// `PairedMoments::attack_states`).
pub(crate) fn attack_state(o: &TrialOutcome) -> usize {
    usize::from(o.attacked) + usize::from(o.honoured)
}

pub(crate) struct VariantResults {
    /// Per model, its outer samples when it has uncertain inputs.
    pub outer: Vec<Option<Arc<OuterRun>>>,
    /// With `Record::Full`, each model's statistics; else empty.
    pub accumulators: Vec<Accumulator>,
    /// Trials met at the horizon, per model.
    pub met: Vec<u64>,
    /// Trials attacked and not honoured, per model.
    pub failed: Vec<u64>,
    /// For each model after the first, its paired differences to the first.
    pub paired: Vec<PairedMoments>,
}

/// One chunk's results: per model a tally (with `Record::Full`; with a
/// precision target, with the chunk's own histograms) and a met count, and
/// the paired differences.
struct ChunkResult {
    tallies: Vec<(Tally, Option<Histograms>)>,
    met: Vec<u64>,
    failed: Vec<u64>,
    paired: Vec<PairedMoments>,
}

/// Runs every model in `models` on the same trials; `progress` gets the
/// trials done (of each model).
pub(crate) fn run_variants(
    models: &[Model],
    run: &Resolved,
    record: Record,
    progress: &dyn Fn(u64),
) -> Result<VariantResults, Error> {
    let prepared = with_outer(models, run)?;
    let models = prepared.as_slice();
    // Memory grows with the threads: run on as many as fit the budget.
    let per_thread: usize = models.iter().map(bytes_per_thread).sum();
    let threads = run
        .threads
        .min((THREADS_MEMORY_BUDGET / per_thread.max(1)).max(1));
    let full = record == Record::Full;
    let pair = models.len() > 1;
    // With a precision target the run may stop after any chunk, and chunks
    // computed beyond it must leave no trace: each chunk then fills
    // histograms of its own, merged in order with its tally.
    let per_chunk = full && run.precision.is_some();
    let pools: Vec<HistogramPool> = match full && !per_chunk {
        true => models.iter().map(HistogramPool::new).collect(),
        false => Vec::new(),
    };
    let mut tallies: Vec<Tally> = match full {
        true => models.iter().map(Tally::new).collect(),
        false => Vec::new(),
    };
    let mut merged_histograms: Vec<Histograms> = match per_chunk {
        true => models.iter().map(Histograms::new).collect(),
        false => Vec::new(),
    };
    let mut met = vec![0u64; models.len()];
    let mut failed = vec![0u64; models.len()];
    let mut paired = vec![PairedMoments::default(); models.len().saturating_sub(1)];
    for_each_chunk(
        run.trials,
        threads,
        |first, count| {
            let runs: Vec<_> = models
                .iter()
                .enumerate()
                .map(|(k, m)| match (full, per_chunk) {
                    (true, false) => {
                        let (tally, outcomes) =
                            pools[k].with(|h| run_chunk(m, run.seed, first, count, pair, h));
                        (Some((tally, None)), outcomes)
                    }
                    (true, true) => {
                        let mut h = Histograms::new(m);
                        let (tally, outcomes) = run_chunk(m, run.seed, first, count, pair, &mut h);
                        (Some((tally, Some(h))), outcomes)
                    }
                    (false, _) => (None, run_outcomes(m, run.seed, first, count)),
                })
                .collect();
            let met = runs
                .iter()
                .map(|(tally, outcomes)| match tally {
                    Some((tally, _)) => tally.met_by_month.last().copied().unwrap_or(0),
                    None => outcomes.iter().filter(|o| o.met_at_horizon).count() as u64,
                })
                .collect();
            let failed = runs
                .iter()
                .map(|(tally, outcomes)| match tally {
                    Some((tally, _)) => tally.response.attacks - tally.response.honoured,
                    None => outcomes
                        .iter()
                        .filter(|o| o.attacked && !o.honoured)
                        .count() as u64,
                })
                .collect();
            let base = &runs[0].1;
            let paired = runs[1..]
                .iter()
                .map(|(_, outcomes)| {
                    let mut d = PairedMoments::default();
                    for (a, b) in base.iter().zip(outcomes) {
                        d.met.push(
                            f64::from(u8::from(b.met_at_horizon))
                                - f64::from(u8::from(a.met_at_horizon)),
                        );
                        d.coverage.push(b.overall_at_horizon - a.overall_at_horizon);
                        let failed =
                            |o: &TrialOutcome| f64::from(u8::from(o.attacked && !o.honoured));
                        d.failed.push(failed(b) - failed(a));
                        d.attack_states[attack_state(a)][attack_state(b)] += 1;
                    }
                    d
                })
                .collect();
            ChunkResult {
                tallies: runs.into_iter().filter_map(|(tally, _)| tally).collect(),
                met,
                failed,
                paired,
            }
        },
        |chunk| {
            for (k, (tally, histograms)) in chunk.tallies.iter().enumerate() {
                tallies[k].merge(tally);
                if let Some(h) = histograms {
                    merged_histograms[k].merge(h);
                }
            }
            for (a, b) in met.iter_mut().zip(&chunk.met) {
                *a += b;
            }
            for (a, b) in failed.iter_mut().zip(&chunk.failed) {
                *a += b;
            }
            for (a, b) in paired.iter_mut().zip(&chunk.paired) {
                a.met.merge(&b.met);
                a.coverage.merge(&b.coverage);
                a.failed.merge(&b.failed);
                for (x, y) in a
                    .attack_states
                    .iter_mut()
                    .flatten()
                    .zip(b.attack_states.iter().flatten())
                {
                    *x += y;
                }
            }
            match run.precision {
                Some(target) if precise_enough(&tallies, models, target) => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        },
        progress,
    )?;
    let histograms: Vec<Histograms> = match per_chunk {
        true => merged_histograms,
        false => pools.into_iter().map(HistogramPool::into_merged).collect(),
    };
    let accumulators = tallies
        .into_iter()
        .zip(histograms)
        .map(|(tally, histograms)| Accumulator { tally, histograms })
        .collect();
    Ok(VariantResults {
        outer: models.iter().map(|m| m.outer.clone()).collect(),
        accumulators,
        met,
        failed,
        paired,
    })
}
