//! Recording a trial into the tallies and percentile sketches of a chunk.

use super::TrialOutcome;
use super::trial::Trial;
use crate::compile::Model;
use crate::stats::{Moments, RelativeSketch, UnitHistograms, UnitSketch};
use std::sync::Mutex;

/// Counts and exact sums of a set of trials. Floating-point sums depend on
/// their order, so tallies merge strictly in chunk order.
#[derive(Debug, Clone)]
pub struct Tally {
    pub trials: u64,
    pub met_by_month: Vec<u64>,
    /// Trials first met at a time in (t-1, t] (index t; index 0 holds t = 0).
    pub first_met_by_month: Vec<u64>,
    pub overall_at_horizon: Moments,
    pub overall_sum_by_month: Vec<f64>,
    /// `[capability * months + month]` sums of coverage.
    pub capability_sum_by_month: Vec<f64>,
    pub capability_met: Vec<u64>,
    pub committed: Vec<Moments>,
    /// Replica-joins per scenario member.
    pub member_joined: Vec<u64>,
    pub member_pivotal: Vec<u64>,
    /// Per model phase slot.
    pub phase_started: Vec<u64>,
}

impl Tally {
    pub fn new(model: &Model) -> Self {
        let months = model.months();
        let caps = model.capabilities.len();
        Tally {
            trials: 0,
            met_by_month: vec![0; months],
            first_met_by_month: vec![0; months],
            overall_at_horizon: Moments::default(),
            overall_sum_by_month: vec![0.0; months],
            capability_sum_by_month: vec![0.0; caps * months],
            capability_met: vec![0; caps],
            committed: vec![Moments::default(); caps],
            member_joined: vec![0; model.member_count],
            member_pivotal: vec![0; model.member_count],
            phase_started: vec![0; model.phases.len()],
        }
    }

    /// Adds `o`, the tally of the trials that follow this one's.
    pub fn merge(&mut self, o: &Tally) {
        fn add(a: &mut [u64], b: &[u64]) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        fn addf(a: &mut [f64], b: &[f64]) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self.trials += o.trials;
        add(&mut self.met_by_month, &o.met_by_month);
        add(&mut self.first_met_by_month, &o.first_met_by_month);
        self.overall_at_horizon.merge(&o.overall_at_horizon);
        addf(&mut self.overall_sum_by_month, &o.overall_sum_by_month);
        addf(
            &mut self.capability_sum_by_month,
            &o.capability_sum_by_month,
        );
        add(&mut self.capability_met, &o.capability_met);
        for (a, b) in self.committed.iter_mut().zip(&o.committed) {
            a.merge(b);
        }
        add(&mut self.member_joined, &o.member_joined);
        add(&mut self.member_pivotal, &o.member_pivotal);
        add(&mut self.phase_started, &o.phase_started);
    }
}

/// The percentile sketches of a set of trials. They hold only counts and
/// bin extremes, which merge exactly in any order, so each worker thread
/// fills one set for the whole run (see `HistogramPool`) instead of
/// allocating, zeroing and merging them per chunk. The relative sketches
/// start empty and grow with the span of the values they see.
#[derive(Debug, Clone)]
pub struct Histograms {
    /// First time met, in months.
    pub time_to_met: RelativeSketch,
    /// Overall coverage by month, counts only (1/1000 bins, exact 0 and 1).
    pub overall_by_month: UnitHistograms,
    /// Overall coverage at the horizon, with exact bin extremes.
    pub overall_horizon: UnitSketch,
    /// Committed amount at the horizon, per capability. (Coverage there is
    /// a non-decreasing function of it, so its percentiles are this
    /// sketch's, mapped: no sketch of its own to fill.)
    pub committed: Vec<RelativeSketch>,
    /// Start time of each model phase slot, when it starts.
    pub phase_start: Vec<RelativeSketch>,
}

impl Histograms {
    pub fn new(model: &Model) -> Self {
        Histograms {
            time_to_met: RelativeSketch::default(),
            overall_by_month: UnitHistograms::new(model.months()),
            overall_horizon: UnitSketch::default(),
            committed: vec![RelativeSketch::default(); model.capabilities.len()],
            phase_start: vec![RelativeSketch::default(); model.phases.len()],
        }
    }

    /// Adds `o`; the order of merges does not change the result.
    pub fn merge(&mut self, o: &Histograms) {
        fn sketches(a: &mut [RelativeSketch], b: &[RelativeSketch]) {
            a.iter_mut().zip(b).for_each(|(x, y)| x.merge(y));
        }
        self.time_to_met.merge(&o.time_to_met);
        self.overall_by_month.merge(&o.overall_by_month);
        self.overall_horizon.merge(&o.overall_horizon);
        sketches(&mut self.committed, &o.committed);
        sketches(&mut self.phase_start, &o.phase_start);
    }
}

/// One `Histograms` per worker thread: a chunk borrows a free set and
/// returns it, so at most as many sets exist as chunks run at once.
pub struct HistogramPool<'m> {
    model: &'m Model,
    free: Mutex<Vec<Histograms>>,
}

impl<'m> HistogramPool<'m> {
    pub fn new(model: &'m Model) -> Self {
        HistogramPool {
            model,
            free: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with a set of histograms no other chunk is using.
    pub fn with<R>(&self, f: impl FnOnce(&mut Histograms) -> R) -> R {
        // A poisoned lock only means another chunk panicked; its sets are
        // still whole (nothing is modified under the lock).
        let free = self.free.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut histograms = free.unwrap_or_else(|| Histograms::new(self.model));
        let result = f(&mut histograms);
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(histograms);
        result
    }

    /// Every set merged into one (a fresh set if no chunk ran): the first,
    /// with the others added, so no further megabyte is filled and merged.
    pub fn into_merged(self) -> Histograms {
        let free = self.free.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut sets = free.into_iter();
        let mut total = sets.next().unwrap_or_else(|| Histograms::new(self.model));
        sets.for_each(|h| total.merge(&h));
        total
    }
}

/// Everything summarised from a set of trials.
#[derive(Debug, Clone)]
pub struct Accumulator {
    pub tally: Tally,
    pub histograms: Histograms,
}

impl<'m, const B: usize> Trial<'m, B> {
    /// Records the trial's statistics at the horizon (those by month are in
    /// `steps`, added by `sweep_months`).
    #[inline(always)]
    pub(super) fn record(
        &mut self,
        tally: &mut Tally,
        histograms: &mut Histograms,
    ) -> TrialOutcome {
        let model = self.model;
        let h = model.months() - 1;
        tally.trials += 1;
        for (c, cap) in model.capabilities.iter().enumerate() {
            let (committed, coverage) = (self.committed[c], self.coverage[c]);
            tally.capability_met[c] += u64::from(coverage >= cap.threshold);
            tally.committed[c].push(committed);
            histograms.committed[c].push(committed);
        }
        let overall_h = self.overall_at_horizon;
        histograms.overall_horizon.push(overall_h);
        tally.overall_at_horizon.push(overall_h);

        if let Some(t) = self.first_met() {
            histograms.time_to_met.push(t);
            tally.first_met_by_month[(t.ceil() as usize).min(h)] += 1;
        }
        if self.met_at_horizon {
            self.mark_pivotal();
            for (m, &p) in self.pivotal.iter().enumerate() {
                tally.member_pivotal[m] += u64::from(p);
            }
        }
        let horizon = f64::from(model.horizon);
        for (k, &s) in self.phase_start.iter().enumerate() {
            if s <= horizon {
                tally.phase_started[k] += 1;
                histograms.phase_start[k].push(s);
            }
        }
        self.outcome()
    }
}
