//! Recording a trial into the tallies and percentile sketches of a chunk.

use super::TrialOutcome;
use super::trial::{AttackOutcome, Trial};
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
    /// docs/model.md 9, per capability (counted for critical ones): below
    /// its threshold at the horizon while not met; the only one below.
    pub capability_shortfall: Vec<u64>,
    pub capability_sole_shortfall: Vec<u64>,
    pub member_pivotal_total: Vec<u64>,
    /// docs/model.md 6.2: replicas joined and exited by the horizon; events
    /// that happen within [0, horizon].
    pub member_exited: Vec<u64>,
    pub event_occurred: Vec<u64>,
    /// docs/model.md 7.2 (empty without `[attack]`).
    pub response: ResponseTally,
    /// docs/model.md 8: with uncertain inputs, the figures of each outer
    /// sample these trials touch, in sample order (empty otherwise).
    pub samples: Vec<SampleTally>,
}

/// What the clustered standard errors and the spread across outer samples
/// need of one sample's trials (docs/model.md 8).
#[derive(Debug, Clone, Default)]
pub struct SampleTally {
    /// The outer sample.
    pub sample: u64,
    pub trials: u64,
    /// Met at the horizon.
    pub met: u64,
    /// Overall coverage at the horizon.
    pub overall: Moments,
    /// Committed amount at the horizon, per capability.
    pub committed: Vec<Moments>,
    pub attacks: u64,
    pub honoured: u64,
}

impl SampleTally {
    /// Sample `k`'s figures from the tally of (some of) its trials.
    pub fn of(sample: u64, t: &Tally) -> Self {
        SampleTally {
            sample,
            trials: t.trials,
            met: t.met_by_month.last().copied().unwrap_or(0),
            overall: t.overall_at_horizon,
            committed: t.committed.clone(),
            attacks: t.response.attacks,
            honoured: t.response.honoured,
        }
    }

    fn merge(&mut self, o: &SampleTally) {
        self.trials += o.trials;
        self.met += o.met;
        self.overall.merge(&o.overall);
        for (a, b) in self.committed.iter_mut().zip(&o.committed) {
            a.merge(b);
        }
        self.attacks += o.attacks;
        self.honoured += o.honoured;
    }
}

/// Counts of the attacks of a set of trials and the responses to them.
#[derive(Debug, Clone, Default)]
pub struct ResponseTally {
    pub attacks: u64,
    pub honoured: u64,
    pub warned: u64,
    /// Attacks at a time in (t-1, t] (index t; index 0 holds t = 0).
    pub attacks_by_month: Vec<u64>,
    /// Attacks, and those honoured, at a time in [t, t + 1) (the last
    /// entry also holds an attack at exactly the horizon).
    pub attacks_in_month: Vec<u64>,
    pub honoured_in_month: Vec<u64>,
    /// Per tested capability: its response met the threshold.
    pub capability_met: Vec<u64>,
    /// Per member: replicas present and honouring; a replica pivotal.
    pub member_honours: Vec<u64>,
    pub member_pivotal: Vec<u64>,
}

impl ResponseTally {
    fn new(model: &Model) -> Self {
        let Some(a) = &model.tested.attack else {
            return ResponseTally::default();
        };
        let months = model.months();
        ResponseTally {
            attacks_by_month: vec![0; months],
            attacks_in_month: vec![0; months - 1],
            honoured_in_month: vec![0; months - 1],
            capability_met: vec![0; a.tested.len()],
            member_honours: vec![0; model.member_count],
            member_pivotal: vec![0; model.member_count],
            ..ResponseTally::default()
        }
    }

    fn merge(&mut self, o: &ResponseTally) {
        self.attacks += o.attacks;
        self.honoured += o.honoured;
        self.warned += o.warned;
        for (a, b) in [
            (&mut self.attacks_by_month, &o.attacks_by_month),
            (&mut self.attacks_in_month, &o.attacks_in_month),
            (&mut self.honoured_in_month, &o.honoured_in_month),
            (&mut self.capability_met, &o.capability_met),
            (&mut self.member_honours, &o.member_honours),
            (&mut self.member_pivotal, &o.member_pivotal),
        ] {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
    }
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
            capability_shortfall: vec![0; caps],
            capability_sole_shortfall: vec![0; caps],
            member_pivotal_total: vec![0; model.member_count],
            member_exited: vec![0; model.member_count],
            event_occurred: vec![0; model.tested.events.len()],
            response: ResponseTally::new(model),
            samples: Vec::new(),
        }
    }

    /// Adds the tally of the trials of outer sample `k` that follow this
    /// one's, recording the sample's own figures.
    pub fn merge_sample(&mut self, k: u64, o: &Tally) {
        self.add_samples(&[SampleTally::of(k, o)]);
        self.merge_counts(o);
    }

    /// Appends `samples` (which follow this tally's), joining the figures
    /// of a sample split between the two.
    fn add_samples(&mut self, samples: &[SampleTally]) {
        let mut rest = samples;
        if let (Some(last), Some(first)) = (self.samples.last_mut(), samples.first())
            && last.sample == first.sample
        {
            last.merge(first);
            rest = &samples[1..];
        }
        self.samples.extend_from_slice(rest);
    }

    /// Adds `o`, the tally of the trials that follow this one's.
    pub fn merge(&mut self, o: &Tally) {
        self.add_samples(&o.samples);
        self.merge_counts(o);
    }

    fn merge_counts(&mut self, o: &Tally) {
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
        add(&mut self.capability_shortfall, &o.capability_shortfall);
        add(
            &mut self.capability_sole_shortfall,
            &o.capability_sole_shortfall,
        );
        add(&mut self.member_pivotal_total, &o.member_pivotal_total);
        add(&mut self.member_exited, &o.member_exited);
        add(&mut self.event_occurred, &o.event_occurred);
        self.response.merge(&o.response);
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
    /// Months from an attack to the response, when honoured.
    pub time_to_response: RelativeSketch,
}

impl Histograms {
    pub fn new(model: &Model) -> Self {
        Histograms {
            time_to_met: RelativeSketch::default(),
            overall_by_month: UnitHistograms::new(model.months()),
            overall_horizon: UnitSketch::default(),
            committed: vec![RelativeSketch::default(); model.capabilities.len()],
            phase_start: vec![RelativeSketch::default(); model.phases.len()],
            time_to_response: RelativeSketch::default(),
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
        self.time_to_response.merge(&o.time_to_response);
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
        // docs/model.md 9: critical capabilities below their threshold
        // (none when met).
        if !self.met_at_horizon {
            let below = |c: usize| self.committed[c] < self.meeting_amount[c];
            let short = model.critical.iter().filter(|&&c| below(c)).count();
            for &c in &model.critical {
                tally.capability_shortfall[c] += u64::from(below(c));
                tally.capability_sole_shortfall[c] += u64::from(below(c) && short == 1);
            }
        }
        if self.met_at_horizon {
            self.mark_pivotal();
            for (m, &p) in self.pivotal.iter().enumerate() {
                tally.member_pivotal[m] += u64::from(p);
            }
            self.mark_pivotal_total();
            for (m, &p) in self.pivotal_total.iter().enumerate() {
                tally.member_pivotal_total[m] += u64::from(p);
            }
        }
        if model.tested.has_time() {
            self.record_exits(tally);
        }
        if let Some(a) = self.attack {
            self.record_attack(a, tally, histograms);
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

    /// docs/model.md 6.2: exits by the horizon, events within it.
    fn record_exits(&self, tally: &mut Tally) {
        let horizon = f64::from(self.model.horizon);
        for (u, unit) in self.model.units.iter().enumerate() {
            let exited = self.b_joined[u * B + self.t] && self.exit_time[u] <= horizon;
            tally.member_exited[unit.member] += u64::from(exited);
        }
        for (e, &time) in self.event_time.iter().enumerate() {
            tally.event_occurred[e] += u64::from((0.0..=horizon).contains(&time));
        }
    }

    /// docs/model.md 7.2: the trial's attack and the response to it.
    fn record_attack(&self, a: AttackOutcome, tally: &mut Tally, histograms: &mut Histograms) {
        let r = &mut tally.response;
        let last = r.attacks_in_month.len() - 1;
        r.attacks += 1;
        r.warned += u64::from(a.warned);
        r.attacks_by_month[a.time.ceil() as usize] += 1;
        let month = (a.time as usize).min(last);
        r.attacks_in_month[month] += 1;
        if let Some(t) = a.response_time {
            r.honoured += 1;
            r.honoured_in_month[month] += 1;
            histograms.time_to_response.push(t);
        }
        for (j, &met) in self.tested_met.iter().enumerate() {
            r.capability_met[j] += u64::from(met);
        }
        for (u, unit) in self.model.units.iter().enumerate() {
            r.member_honours[unit.member] += u64::from(self.honours[u]);
        }
        for (m, &p) in self.pivotal_attack.iter().enumerate() {
            r.member_pivotal[m] += u64::from(p);
        }
    }
}
