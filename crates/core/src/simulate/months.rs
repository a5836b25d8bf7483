//! The month sweep (docs/model.md, section 3.4) and the per-month
//! statistics of a chunk, kept as steps.

use super::record::{Histograms, Tally};
use super::trial::{Trial, ceil_month, round_to_int, select};
use super::{CHUNK_TRIALS, SPARE_ROWS};
use crate::compile::Model;
use crate::stats::UnitHistograms;
use std::hint::select_unpredictable;

impl<'m, const B: usize> Trial<'m, B> {
    /// docs/model.md, section 3.4, at integer months. Committed amounts only
    /// change at the months where a pledge starts or stops counting (about six
    /// a trial on the default scenario, of 25), so only those are visited: each
    /// gets the exact committed amount per capability (summed in pledge order,
    /// the same bits as `committed_at`), coverage, overall and met, and, with
    /// `record`, adds the change since the month before to `steps`.
    #[inline(always)]
    pub(super) fn sweep_months(&mut self, record: bool) {
        let model = self.model;
        let months = model.months();
        let n = model.pledges.len();
        let none = months as i64 as f64;
        // Deployed at integer month m iff s <= m < e; `s` is +inf for a
        // pledge that never deploys. Each capability's pledges deployed at
        // some month, compacted in pledge order, without a branch (whether
        // a pledge deploys is a coin flip): a sum over them is the sum over all its pledges
        // with the +0.0 of the others left out, the same bits. (About half
        // the pledges on the shipped scenarios; the write is unconditional
        // and the end moves only past a deployed pledge.)
        let caps = model.capabilities.len();
        let (start, end, amount) = (&self.start[..n], &self.end[..n], &self.amount[..n]);
        let (first_month, last_month) = (&mut self.first_month[..n], &mut self.last_month[..n]);
        let deployed_amount = &mut self.deployed_amount[..n];
        let mut len = 0;
        for c in 0..caps {
            self.deployed_range[c] = len;
            for i in model.capability_pledges[c].clone() {
                // Without a branch: an end past the horizon rounds up to
                // `none` all the same.
                let first = ceil_month(start[i].min(none));
                let last = ceil_month(end[i].min(none));
                first_month[len] = first;
                last_month[len] = last;
                deployed_amount[len] = amount[i];
                len += usize::from(first < last);
            }
        }
        self.deployed_range[caps] = len;
        // The fields the visits use, as local slices: LLVM then keeps their
        // addresses and lengths in registers instead of reloading them from
        // `self` after every store.
        let Trial {
            first_month,
            last_month,
            deployed_amount,
            deployed_range,
            changes,
            changed_capabilities,
            weights,
            need,
            meeting_amount,
            committed,
            coverage,
            steps,
            ..
        } = self;
        let changed_capabilities = &mut changed_capabilities[..months + 1 + SPARE_ROWS];
        // A deployed pledge starts before the sentinel, but most stop there
        // (not within the horizon), and ORs into one memory word wait for
        // each other: so the bits of months below 64 collect in a register,
        // and a pledge's flags for the sentinel go to one of the spare rows
        // (never read) instead. Month 0 is always visited; capabilities not
        // flagged there are at 0.
        changes.fill(0);
        let long = months >= 64;
        let mut low = 1u64;
        for c in 0..caps {
            let flag = 1u64 << (c % 64);
            for j in deployed_range[c]..deployed_range[c + 1] {
                let first = round_to_int(first_month[j]) as usize;
                let last = round_to_int(last_month[j]) as usize;
                let bit = |m: usize| select_unpredictable(m < 64, 1u64 << (m % 64), 0);
                low |= bit(first) | bit(last);
                if long {
                    changes[first / 64] |= 1 << (first % 64);
                    changes[last / 64] |= 1 << (last % 64);
                }
                let spare = months + 1 + j % SPARE_ROWS;
                changed_capabilities[first] |= flag;
                changed_capabilities[select_unpredictable(last == months, spare, last)] |= flag;
            }
        }
        changes[0] |= low;
        let (amounts, first_month, last_month) = (
            &deployed_amount[..len],
            &first_month[..len],
            &last_month[..len],
        );
        let (weights, need, meeting_amount) =
            (&weights[..caps], &need[..caps], &meeting_amount[..caps]);
        let (committed, coverage) = (&mut committed[..caps], &mut coverage[..caps]);
        committed.fill(0.0);
        coverage.fill(0.0);
        steps.last_coverage.fill(0);
        let mut visited = 0;
        // Capabilities at or above their meeting amount; met when all are
        // (those that are not critical always are).
        let mut meeting = self.meeting_at_zero;
        let mut first_met_month = usize::MAX;
        let (mut overall_at_horizon, mut met_at_horizon) = (0.0, false);
        for (w, &word) in changes.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let m = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if m >= months {
                    break;
                }
                let month = m as i64 as f64;
                // Capabilities flagged at m (a flag stands for every
                // capability with that index mod 64).
                let mut flags = std::mem::take(&mut changed_capabilities[m]);
                while flags != 0 {
                    let mut c = flags.trailing_zeros() as usize;
                    flags &= flags - 1;
                    while c < caps {
                        let range = deployed_range[c]..deployed_range[c + 1];
                        let on = first_month[range.clone()]
                            .iter()
                            .zip(&last_month[range.clone()]);
                        let mut sum = 0.0;
                        for ((&first, &last), &a) in on.zip(&amounts[range]) {
                            // Adding +0.0 leaves the sum as it is (see
                            // `committed_at`).
                            sum += select((first <= month) & (month < last), a, 0.0);
                        }
                        let meets = meeting_amount[c];
                        meeting = meeting + usize::from(sum >= meets)
                            - usize::from(committed[c] >= meets);
                        let cov = (sum / need[c]).min(1.0);
                        committed[c] = sum;
                        coverage[c] = cov;
                        if record {
                            steps.add_coverage(c, m, cov);
                        }
                        c += 64;
                    }
                }
                let mut overall = 0.0;
                for (&weight, &cov) in weights.iter().zip(coverage.iter()) {
                    overall += weight * cov;
                }
                // A division, as docs/model.md (section 3.4) writes it: full
                // coverage everywhere gives exactly 1, which a multiplication
                // by 1/W need not.
                let overall = overall / model.weight_sum;
                let met = meeting == caps;
                // A min, not a branch on met (a coin flip).
                first_met_month = first_met_month.min(if met { m } else { usize::MAX });
                // Recorded after the sweep (see `MonthSteps::add_visits`).
                steps.visits[visited] = (m, overall, met);
                visited += 1;
                overall_at_horizon = overall;
                met_at_horizon = met;
            }
        }
        if record {
            steps.add_visits(visited);
        }
        self.first_met_month = (first_met_month < months).then_some(first_met_month);
        self.overall_at_horizon = overall_at_horizon;
        self.met_at_horizon = met_at_horizon;
    }
}

/// Fixed-point scale of coverage in `MonthSteps`: 2^40, so a chunk's sum
/// (at most `CHUNK_TRIALS` values in [0, 1]) is an exact integer below
/// 2^53 and converts to f64 exactly.
const COVERAGE_SCALE: f64 = (1u64 << 40) as f64;
const _: () = assert!(CHUNK_TRIALS <= 1 << 12);

#[inline(always)]
fn fixed(coverage: f64) -> i64 {
    round_to_int(coverage * COVERAGE_SCALE)
}

/// What `MonthSteps::add_visits` compares the next visited month with.
#[derive(Clone, Copy)]
struct MonthState {
    overall: i64,
    met: bool,
    bin: usize,
}

/// The per-month statistics of a chunk, as steps: a trial's values only
/// change at the months `sweep_months` visits, so each adds there the
/// change since the month before, and `flush` turns the steps into sums
/// per month by running totals. Coverage is kept in fixed point (see
/// `COVERAGE_SCALE`, about 1e-12): integer steps add up exactly, in any
/// order, and a running total never comes out a hair below 0.
pub(super) struct MonthSteps {
    months: usize,
    /// `[capability * months + month]`
    coverage: Vec<i64>,
    overall: Vec<i64>,
    met: Vec<i64>,
    /// `[bin * months + month]`, `UnitHistograms::BINS + 1` rows (the last
    /// a spare row for the month before month 0); wrapping counts, of 16
    /// bits as a chunk has fewer than 2^16 trials (`CHUNK_TRIALS`): half
    /// the cache footprint of 32 (each visited month updates two random
    /// cells).
    histogram: Vec<u16>,
    /// Each capability's coverage at the month visited last.
    last_coverage: Vec<i64>,
    /// The months the current trial's sweep visited, in order, with
    /// overall coverage and met there (at most every month once).
    visits: Vec<(usize, f64, bool)>,
}

impl MonthSteps {
    pub(super) fn new(model: &Model) -> Self {
        let months = model.months();
        let caps = model.capabilities.len();
        MonthSteps {
            months,
            coverage: vec![0; caps * months],
            overall: vec![0; months],
            met: vec![0; months],
            histogram: vec![0; (UnitHistograms::BINS + 1) * months],
            last_coverage: vec![0; caps],
            visits: vec![(0, 0.0, false); months],
        }
    }

    /// Adds the change of capability `c`'s coverage at month `m` from the
    /// month before.
    #[inline(always)]
    fn add_coverage(&mut self, c: usize, m: usize, coverage: f64) {
        let now = fixed(coverage);
        self.coverage[c * self.months + m] += now - self.last_coverage[c];
        self.last_coverage[c] = now;
    }

    /// Adds the change of overall coverage and met at each of the first
    /// `n` of `visits` from the month visited before. After the sweep, not
    /// in its loop: a histogram cell's index comes at the end of a long
    /// chain of arithmetic (sums, coverage, overall, bin), and updates at
    /// such late addresses inside the loop held up the loads after them
    /// (3% of the run's time; benches/README.md, twelfth session).
    #[inline(always)]
    fn add_visits(&mut self, n: usize) {
        // The state before month 0 is all zeros: the first steps are the
        // values at month 0. `UnitHistograms::BINS` is a spare row of
        // steps, never read.
        let mut last = MonthState {
            overall: 0,
            met: false,
            bin: UnitHistograms::BINS,
        };
        let months = self.months;
        for k in 0..n {
            let (m, overall, met) = self.visits[k];
            let now = MonthState {
                overall: fixed(overall),
                met,
                bin: UnitHistograms::bin(overall),
            };
            self.overall[m] += now.overall - last.overall;
            self.met[m] += i64::from(now.met) - i64::from(last.met);
            let cell = &mut self.histogram[now.bin * months + m];
            *cell = cell.wrapping_add(1);
            let cell = &mut self.histogram[last.bin * months + m];
            *cell = cell.wrapping_sub(1);
            last = now;
        }
    }

    /// Adds the running totals to `tally` and `histograms`, and clears.
    pub(super) fn flush(&mut self, tally: &mut Tally, histograms: &mut Histograms) {
        fn running(steps: &mut [i64]) -> impl Iterator<Item = i64> + '_ {
            steps.iter_mut().scan(0, |run, step| {
                *run += std::mem::take(step);
                Some(*run)
            })
        }
        let months = self.months;
        let sums = tally.capability_sum_by_month.chunks_exact_mut(months);
        for (sums, steps) in sums.zip(self.coverage.chunks_exact_mut(months)) {
            for (sum, run) in sums.iter_mut().zip(running(steps)) {
                *sum += run as f64 / COVERAGE_SCALE;
            }
        }
        let sums = tally.overall_sum_by_month.iter_mut();
        for (sum, run) in sums.zip(running(&mut self.overall)) {
            *sum += run as f64 / COVERAGE_SCALE;
        }
        for (count, run) in tally.met_by_month.iter_mut().zip(running(&mut self.met)) {
            *count += run as u64;
        }
        histograms.overall_by_month.add_steps(&mut self.histogram);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::trial::Condition;
    use crate::simulate::{BLOCK, run_chunk};

    /// The sweep visits only the months where something changes; every
    /// per-month statistic must be what evaluating each month directly
    /// gives, from the exact sums of `committed_at`: counts exactly,
    /// coverage sums within the fixed-point resolution.
    #[test]
    fn month_sweep_matches_every_month_evaluated_directly() {
        let paris = crate::test_scenarios::PARIS;
        for (text, set) in [
            (crate::test_scenarios::DEFAULT, None),
            // More than 64 months (several words of changes), withdrawals.
            (paris, Some("scenario.horizon_months=130".to_string())),
        ] {
            let set: Vec<String> = set.into_iter().collect();
            let scenario = crate::input::load::load_str("test", text, &set).expect("valid");
            let model = Model::compile(&scenario.scenario);
            let (months, caps, trials) = (model.months(), model.capabilities.len(), 3000);
            let mut histograms = Histograms::new(&model);
            let (tally, _) = run_chunk(&model, 5, 0, trials, false, &mut histograms);

            let every_capability: Vec<Condition> = (0..caps)
                .map(|c| Condition {
                    pledges: model.capability_pledges[c].clone(),
                    factors: model.capability_pledges[c].start,
                    amount: 0.0,
                })
                .collect();
            let mut coverage_sums = vec![0.0; caps * months];
            let mut overall_sums = vec![0.0; months];
            let mut met = vec![0u64; months];
            let mut overall_histograms = UnitHistograms::new(months);
            let mut trial = Trial::<BLOCK>::new(&model, 5, 0);
            for block in 0..(trials as usize).div_ceil(BLOCK) {
                let n = BLOCK.min(trials as usize - block * BLOCK);
                trial.draw_block(n);
                for t in 0..n {
                    trial.load(t);
                    trial.schedule_phases(None);
                    for m in 0..months {
                        let month = m as f64;
                        let mut overall = 0.0;
                        for (c, cap) in model.capabilities.iter().enumerate() {
                            let committed = trial.committed_at(&every_capability[c], month, None);
                            let coverage = (committed / cap.need).min(1.0);
                            coverage_sums[c * months + m] += coverage;
                            overall += cap.weight * coverage;
                        }
                        let overall = overall / model.weight_sum;
                        overall_sums[m] += overall;
                        overall_histograms.push(m, overall);
                        met[m] += u64::from(trial.met_at(month));
                    }
                }
            }
            assert_eq!(tally.met_by_month, met);
            assert!(met.iter().any(|&k| k > 0) && met[0] < met[months - 1]);
            assert_eq!(histograms.overall_by_month, overall_histograms);
            let sums = tally.capability_sum_by_month.iter().zip(&coverage_sums);
            for (a, b) in sums.chain(tally.overall_sum_by_month.iter().zip(&overall_sums)) {
                assert!((a - b).abs() <= 1e-9, "{a} {b}");
            }
        }
    }
}
