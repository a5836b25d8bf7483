//! The one driver behind every analysis: a list of models (plans, what-if
//! variants, sweep points) run chunk by chunk on the same seed and trial
//! indices, so each entity they share draws the same random numbers
//! (common random numbers), with per-trial paired differences to the first.

use crate::compile::Model;
use crate::error::Error;
use crate::simulate::{
    Accumulator, HistogramPool, THREADS_MEMORY_BUDGET, Tally, bytes_per_thread, for_each_chunk,
    run_chunk, run_outcomes,
};
use crate::stats::Moments;

/// Seed, trial count and worker threads of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub seed: u64,
    pub trials: u64,
    pub threads: usize,
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
}

pub(crate) struct VariantResults {
    /// With `Record::Full`, each model's statistics; else empty.
    pub accumulators: Vec<Accumulator>,
    /// Trials met at the horizon, per model.
    pub met: Vec<u64>,
    /// For each model after the first, its paired differences to the first.
    pub paired: Vec<PairedMoments>,
}

/// One chunk's results: per model a tally (with `Record::Full`) and a met
/// count, and the paired differences.
struct ChunkResult {
    tallies: Vec<Tally>,
    met: Vec<u64>,
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
    // Memory grows with the threads: run on as many as fit the budget.
    let per_thread: usize = models.iter().map(bytes_per_thread).sum();
    let threads = run
        .threads
        .min((THREADS_MEMORY_BUDGET / per_thread.max(1)).max(1));
    let full = record == Record::Full;
    let pair = models.len() > 1;
    let pools: Vec<HistogramPool> = match full {
        true => models.iter().map(HistogramPool::new).collect(),
        false => Vec::new(),
    };
    let mut tallies: Vec<Tally> = match full {
        true => models.iter().map(Tally::new).collect(),
        false => Vec::new(),
    };
    let mut met = vec![0u64; models.len()];
    let mut paired = vec![PairedMoments::default(); models.len().saturating_sub(1)];
    for_each_chunk(
        run.trials,
        threads,
        |first, count| {
            let runs: Vec<_> = models
                .iter()
                .enumerate()
                .map(|(k, m)| match full {
                    true => {
                        let (tally, outcomes) =
                            pools[k].with(|h| run_chunk(m, run.seed, first, count, pair, h));
                        (Some(tally), outcomes)
                    }
                    false => (None, run_outcomes(m, run.seed, first, count)),
                })
                .collect();
            let met = runs
                .iter()
                .map(|(tally, outcomes)| match tally {
                    Some(tally) => tally.met_by_month.last().copied().unwrap_or(0),
                    None => outcomes.iter().filter(|o| o.met_at_horizon).count() as u64,
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
                    }
                    d
                })
                .collect();
            ChunkResult {
                tallies: runs.into_iter().filter_map(|(tally, _)| tally).collect(),
                met,
                paired,
            }
        },
        |chunk| {
            for (a, b) in tallies.iter_mut().zip(&chunk.tallies) {
                a.merge(b);
            }
            for (a, b) in met.iter_mut().zip(&chunk.met) {
                *a += b;
            }
            for (a, b) in paired.iter_mut().zip(&chunk.paired) {
                a.met.merge(&b.met);
                a.coverage.merge(&b.coverage);
            }
        },
        progress,
    )?;
    let accumulators = tallies
        .into_iter()
        .zip(pools)
        .map(|(tally, pool)| Accumulator {
            tally,
            histograms: pool.into_merged(),
        })
        .collect();
    Ok(VariantResults {
        accumulators,
        met,
        paired,
    })
}
