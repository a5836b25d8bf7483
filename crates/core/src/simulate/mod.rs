//! The trial loop (docs/model.md, section 3) and the chunked, parallel
//! driver.
//!
//! Trials run in fixed-size chunks; each chunk owns its streams, scratch
//! buffers and `Accumulator`, and never allocates per trial. Chunk results are
//! merged in chunk order, so the result is identical for any thread count.
//!
//! A chunk runs its trials in blocks (`run_blocks`, here) of `BLOCK` trials,
//! or `SMALL_BLOCK` for very large scenarios. Its engine is one struct,
//! `Trial`, in `trial` with `Trial::new`, `run_block` and the small helpers
//! the stages share (`select`, `Condition`...). Each stage of a trial is an
//! `impl` block of `Trial` in a file of its own; `run_block` runs them in
//! this order:
//!
//! 1. `draw`: the draws of a whole block, entity by entity (`draw_block`;
//!    docs/model.md, sections 3.1 and 3.2); `load` then makes each trial of
//!    the block in turn the current trial.
//! 2. `schedule`: phase starts, with gates, and each pledge's deployment
//!    interval (`schedule_phases`; section 3.3).
//! 3. `months`: the month sweep: committed amounts, coverage, overall and
//!    met at the integer months where something changes (`sweep_months`;
//!    section 3.4), and the chunk's per-month statistics, kept as steps
//!    (`MonthSteps`).
//! 4. `record`: the trial's statistics at the horizon into the chunk's
//!    `Tally` and `Histograms` (`record`; without statistics, only the
//!    trial's outcome, `Trial::outcome`). Recording runs two more stages:
//!    - `first_met`: the first time met, exactly (`first_met`; section
//!      3.5), by the search for the first time conditions hold, which
//!      gates use too (`first_reached`), and exact sums (`committed_at`);
//!    - `pivotal`: when met at the horizon, the pivotal members
//!      (`mark_pivotal`; section 3.6).
//!
//! `record` also holds the tallies and sketches themselves, and `chunks`
//! runs the chunks on worker threads and hands their results to the merge in
//! chunk order (`for_each_chunk`).

mod attack;
mod attribution;
mod chunks;
mod draw;
mod exits;
mod first_met;
mod months;
mod pivotal;
mod record;
mod rows;
mod schedule;
mod trial;

pub use chunks::for_each_chunk;
pub use record::{Accumulator, HistogramPool, Histograms, SampleTally, Tally};
pub use rows::{TrialRow, trial_rows};

use crate::compile::Model;
use trial::Trial;

/// Trials per chunk. Part of the reproducibility contract: it fixes the order
/// in which floating-point sums are merged.
pub const CHUNK_TRIALS: u64 = 4096;

/// Trials drawn together, entity by entity (structure of arrays), inside a
/// chunk. Not part of the reproducibility contract: every draw depends only
/// on (seed, entity, trial, slot) and trials are recorded in order.
const BLOCK: usize = 256;

/// The block for scenarios so large that `BLOCK` trials of draws would take
/// more than `BLOCK_BYTES` (above about 680 pledges): memory then stays at a
/// few hundred bytes a pledge or member. (A scenario at the validation
/// limits, a million pledges, took 9.6 GB with full blocks.) Such scenarios
/// do so much work a trial that the block length no longer matters.
const SMALL_BLOCK: usize = 8;
const BLOCK_BYTES: usize = 4 << 20;

/// Whether `model` is drawn in blocks of `BLOCK` trials, not `SMALL_BLOCK`.
fn full_blocks(model: &Model) -> bool {
    // Per trial of a block: a join flag and a trial index per unit, an
    // amount, delay and duration per pledge, a factor per group, a uniform
    // per phase.
    let per_trial = 5 * model.units.len()
        + 24 * model.pledges.len()
        + 8 * (model.groups.len() + model.phases.len());
    per_trial * BLOCK <= BLOCK_BYTES
}

/// What all worker threads together may use at most (bytes): a run with
/// more threads than fit is run on fewer (results do not depend on it).
pub(crate) const THREADS_MEMORY_BUDGET: usize = 1 << 30;

/// The most memory one worker thread may need for `model` (bytes): its
/// random streams and block arrays (blocks are shortened past
/// `BLOCK_BYTES`; a few hundred bytes a pledge and unit beyond), its
/// percentile sketches at their largest, and the tallies of the chunks it
/// may have in flight (`for_each_chunk` keeps at most 5 a thread).
pub(crate) fn bytes_per_thread(model: &Model) -> usize {
    use crate::stats::{MAX_RELATIVE_BINS, UNIT_BINS};
    let months = model.months();
    let caps = model.capabilities.len();
    let phases = model.phases.len();
    let sketches =
        (caps + phases + 1) * MAX_RELATIVE_BINS * 24 + months * UNIT_BINS * 4 + UNIT_BINS * 24;
    let tally = 8 * (months * (caps + 3) + 6 * caps + 2 * model.member_count + phases);
    let trial = BLOCK_BYTES + 600 * (model.pledges.len() + model.units.len() + phases);
    sketches + trial + 5 * tally
}

/// Spare rows of `Trial::changed_capabilities` (see `sweep_months`).
const SPARE_ROWS: usize = 8;

/// What a paired comparison needs from one trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialOutcome {
    pub met_at_horizon: bool,
    pub overall_at_horizon: f64,
    /// docs/model.md 7: an attack within the horizon, and the guarantee
    /// honoured then (both false without `[attack]`).
    pub attacked: bool,
    pub honoured: bool,
}

/// Runs trials `first .. first + count` of `model`, adding their
/// percentiles to `histograms`; returns their tally and, with `outcomes`,
/// each trial's outcome (for paired comparisons).
pub fn run_chunk(
    model: &Model,
    seed: u64,
    first: u64,
    count: u64,
    outcomes: bool,
    histograms: &mut Histograms,
) -> (Tally, Vec<TrialOutcome>) {
    let mut tally = Tally::new(model);
    let acc = Some((&mut tally, histograms));
    let out = match model.outer {
        None => blocks_for(model)(model, seed, first, count, acc, outcomes),
        Some(_) => run_samples(model, seed, first, count, acc, outcomes),
    };
    (tally, out)
}

/// `run_blocks` for a model with uncertain inputs (docs/model.md 8): the
/// trials `first .. first + count` split where outer samples begin, each
/// piece run on its sample's model and recorded with the sample's figures.
fn run_samples(
    model: &Model,
    seed: u64,
    first: u64,
    count: u64,
    mut acc: Option<(&mut Tally, &mut Histograms)>,
    keep: bool,
) -> Vec<TrialOutcome> {
    let Some(outer) = model.outer.as_deref() else {
        return blocks_for(model)(model, seed, first, count, acc, keep);
    };
    let mut out = Vec::with_capacity(if keep { count as usize } else { 0 });
    let (mut t, end) = (first, first + count);
    while t < end {
        let k = outer.sample_of(t);
        let piece_end = outer.first_trial(k + 1).min(end);
        let sample = model.sample(k);
        let run = blocks_for(&sample);
        let outcomes = match acc.as_mut() {
            Some((tally, histograms)) => {
                let mut piece = Tally::new(&sample);
                let outcomes = run(
                    &sample,
                    seed,
                    t,
                    piece_end - t,
                    Some((&mut piece, &mut **histograms)),
                    keep,
                );
                tally.merge_sample(k, &piece);
                outcomes
            }
            None => run(&sample, seed, t, piece_end - t, None, keep),
        };
        out.extend(outcomes);
        t = piece_end;
    }
    out
}

/// Only the outcomes of trials `first .. first + count`: for what-if
/// variants that need P(met) and nothing else (sensitivity), this skips
/// every statistic `run_chunk` records.
pub fn run_outcomes(model: &Model, seed: u64, first: u64, count: u64) -> Vec<TrialOutcome> {
    match model.outer {
        None => blocks_for(model)(model, seed, first, count, None, true),
        Some(_) => run_samples(model, seed, first, count, None, true),
    }
}

type RunBlocks =
    fn(&Model, u64, u64, u64, Option<(&mut Tally, &mut Histograms)>, bool) -> Vec<TrialOutcome>;

/// `run_blocks` with the block length for `model` (see `full_blocks`), in
/// the build for x86-64-v3 where the CPU has it.
fn blocks_for(model: &Model) -> RunBlocks {
    match (full_blocks(model), has_x86_64_v3()) {
        (true, false) => run_blocks::<BLOCK>,
        (false, false) => run_blocks::<SMALL_BLOCK>,
        (true, true) => run_blocks_v3::<BLOCK>,
        (false, true) => run_blocks_v3::<SMALL_BLOCK>,
    }
}

/// Whether the CPU runs x86-64-v3 code (AVX2, BMI1/2, FMA, LZCNT, MOVBE:
/// Intel Haswell and AMD Zen onwards).
fn has_x86_64_v3() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        has!("avx2")
            && has!("bmi1")
            && has!("bmi2")
            && has!("fma")
            && has!("lzcnt")
            && has!("movbe")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `run_blocks` compiled for x86-64-v3. The trial's stages are inlined into
/// `run_blocks` (`#[inline(always)]` on each but `first_reached`, which is
/// faster out of line), so they are compiled for it too: 6% fewer
/// instructions a trial than the baseline build (cachegrind, 100,000 trials
/// of the default scenario on one thread: 945.2M against 1,005.9M; a whole
/// build for x86-64-v3 does 924.9M), with the same results to the bit: Rust
/// never fuses a multiplication and an addition into an FMA, and no other
/// instruction these features add changes a value (tested).
fn run_blocks_v3<const B: usize>(
    model: &Model,
    seed: u64,
    first: u64,
    count: u64,
    acc: Option<(&mut Tally, &mut Histograms)>,
    keep: bool,
) -> Vec<TrialOutcome> {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,bmi1,bmi2,fma,lzcnt,movbe,popcnt")]
        fn v3<const B: usize>(
            model: &Model,
            seed: u64,
            first: u64,
            count: u64,
            acc: Option<(&mut Tally, &mut Histograms)>,
            keep: bool,
        ) -> Vec<TrialOutcome> {
            run_blocks::<B>(model, seed, first, count, acc, keep)
        }
        debug_assert!(has_x86_64_v3());
        // SAFETY: `blocks_for` returns this only where the CPU has every
        // feature enabled here.
        unsafe { v3::<B>(model, seed, first, count, acc, keep) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    run_blocks::<B>(model, seed, first, count, acc, keep)
}

/// Trials `first .. first + count` in blocks of `B`, recorded in `acc` if
/// given; their outcomes if `keep`.
#[inline(always)]
fn run_blocks<const B: usize>(
    model: &Model,
    seed: u64,
    first: u64,
    count: u64,
    mut acc: Option<(&mut Tally, &mut Histograms)>,
    keep: bool,
) -> Vec<TrialOutcome> {
    let mut trial = Trial::<B>::new(model, seed, first);
    let mut out = Vec::with_capacity(if keep { count as usize } else { 0 });
    let mut left = count as usize;
    while left > 0 {
        let n = left.min(B);
        let block_acc = acc.as_mut().map(|(t, h)| (&mut **t, &mut **h));
        trial.run_block(n, block_acc, &mut out, keep);
        left -= n;
    }
    if let Some((tally, histograms)) = acc {
        trial.steps.flush(tally, histograms);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The x86-64-v3 build of the trial loop gives the baseline's results
    /// to the bit: outcomes, tallies and sketches.
    #[test]
    fn the_x86_64_v3_path_gives_the_same_results() {
        if !has_x86_64_v3() {
            return;
        }
        for text in [crate::test_scenarios::DEFAULT, crate::test_scenarios::PARIS] {
            let loaded = crate::input::load::load_str("t", text, &[]).expect("valid");
            let model = Model::compile(&loaded.scenario);
            let run = |f: RunBlocks| {
                let (mut tally, mut histograms) = (Tally::new(&model), Histograms::new(&model));
                let out = f(
                    &model,
                    9,
                    777,
                    3000,
                    Some((&mut tally, &mut histograms)),
                    true,
                );
                (out, format!("{tally:?}"), format!("{histograms:?}"))
            };
            let baseline = run(run_blocks::<BLOCK>);
            let v3 = run(run_blocks_v3::<BLOCK>);
            assert!(baseline == v3, "x86-64-v3 results differ");
        }
    }

    /// The memory model: a thread's share grows linearly with capabilities
    /// and phases, and even a scenario at the validation limits (1,000
    /// capabilities and phases, 600 months) fits one thread in the budget,
    /// so the threads chosen (`run_variants`) keep any valid file near it.
    #[test]
    fn memory_per_thread_is_linear_and_fits_the_budget_at_the_limits() {
        let scenario = |caps: usize, phases: usize| {
            let mut text = String::from("[scenario]\nname = \"big\"\nhorizon_months = 600\n");
            for c in 0..caps {
                text.push_str(&format!("[[capability]]\nid = \"c{c}\"\nneed = 1\n"));
            }
            for p in 0..phases {
                text.push_str(&format!("[[phase]]\nid = \"p{p}\"\n"));
            }
            let loaded = crate::input::load::load_str("big", &text, &[]).expect("valid");
            bytes_per_thread(&Model::compile(&loaded.scenario))
        };
        let (small, double) = (scenario(100, 100), scenario(200, 200));
        let at_limits = scenario(1000, 1000);
        assert!(double < 2 * small, "{small} -> {double}");
        assert!(at_limits <= THREADS_MEMORY_BUDGET, "{at_limits}");
        assert!(
            at_limits > THREADS_MEMORY_BUDGET / 4,
            "the model counts the sketches: {at_limits}"
        );
    }

    /// The statistics-free path used by `sensitivity` gives exactly the
    /// trial outcomes of the full path.
    #[test]
    fn outcome_only_path_matches_the_full_path() {
        let text = crate::test_scenarios::DEFAULT;
        let loaded = crate::input::load::load_str("default", text, &[]).expect("default scenario");
        let model = Model::compile(&loaded.scenario);
        let mut histograms = Histograms::new(&model);
        let (_, full) = run_chunk(&model, 3, 1000, 3000, true, &mut histograms);
        let lean = run_outcomes(&model, 3, 1000, 3000);
        assert_eq!(full, lean);
        assert!(full.iter().any(|o| o.met_at_horizon) && full.iter().any(|o| !o.met_at_horizon));
    }

    /// The block length is not part of the reproducibility contract: short
    /// blocks (for very large scenarios) give the same tallies, sketches
    /// and outcomes to the bit, including a last block that is partly
    /// filled. And a scenario with far more pledges than fit in full blocks
    /// is drawn in short ones.
    #[test]
    fn short_blocks_give_the_same_results() {
        // Two blocks and a partly filled one of the full length.
        fn results<const B: usize>(model: &Model) -> String {
            let (mut tally, mut histograms) = (Tally::new(model), Histograms::new(model));
            let acc = Some((&mut tally, &mut histograms));
            let outcomes = run_blocks::<B>(model, 9, 1000, 2 * BLOCK as u64 + 5, acc, true);
            let only = run_blocks::<B>(model, 9, 1000, 77, None, true);
            format!("{tally:?} {histograms:?} {outcomes:?} {only:?}")
        }
        let paris = crate::test_scenarios::PARIS;
        for text in [crate::test_scenarios::DEFAULT, paris] {
            let scenario = crate::input::load::load_str("test", text, &[]).expect("valid");
            let model = Model::compile(&scenario.scenario);
            assert!(full_blocks(&model));
            assert_eq!(results::<BLOCK>(&model), results::<SMALL_BLOCK>(&model));
        }
        let mut big = String::from(
            "[scenario]\nname = \"big\"\nhorizon_months = 12\n\
             [[capability]]\nid = \"c\"\nneed = 1000\n[[phase]]\nid = \"p\"\n",
        );
        for m in 0..1000 {
            big += &format!(
                "[[member]]\nid = \"m{m}\"\njoin = 0.5\n\
                 [[member.pledge]]\ncapability = \"c\"\nphase = \"p\"\namount = 1\n"
            );
        }
        let scenario = crate::input::load::load_str("big", &big, &[]).expect("valid");
        assert!(!full_blocks(&Model::compile(&scenario.scenario)));
    }
}
