//! The trial loop (MODEL.md 3) and the chunked, parallel driver.
//!
//! Trials run in fixed-size chunks; each chunk owns its streams, scratch
//! buffers and `Accumulator`, and never allocates per trial. Chunk results are
//! merged in chunk order, so the result is identical for any thread count.

use crate::compile::dist::{NormalCells, inverse_normal_cdf};
use crate::compile::{GateModel, Model, PhaseStartModel};
use crate::rng::{EntityStream, key_for_seed, open_unit};
use crate::stats::{Moments, Sketch, UnitHistograms};
use std::collections::BTreeMap;
use std::hint::select_unpredictable;
use std::ops::Range;
use std::sync::{Condvar, Mutex};

/// Trials per chunk. Part of the reproducibility contract: it fixes the order
/// in which floating-point sums are merged.
pub const CHUNK_TRIALS: u64 = 4096;

/// Bins of the percentile sketches for unbounded quantities.
const SKETCH_BINS: usize = 4_000;

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

/// Spare rows of `Trial::changed_capabilities` (see `sweep_months`).
const SPARE_ROWS: usize = 8;

/// What a paired comparison needs from one trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialOutcome {
    pub met_at_horizon: bool,
    pub overall_at_horizon: f64,
}

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
/// allocating, zeroing and merging about a megabyte per chunk.
#[derive(Debug, Clone)]
pub struct Histograms {
    pub time_to_met: Sketch,
    /// Overall coverage by month, counts only (1/1000 bins, exact 0 and 1).
    pub overall_by_month: UnitHistograms,
    /// Overall coverage at the horizon, with exact bin extremes.
    pub overall_horizon: Sketch,
    /// Committed amount at the horizon, per capability. (Coverage there is
    /// a non-decreasing function of it, so its percentiles are this
    /// sketch's, mapped: no sketch of its own to fill.)
    pub committed: Vec<Sketch>,
    /// Start time of each model phase slot, when it starts.
    pub phase_start: Vec<Sketch>,
}

impl Histograms {
    pub fn new(model: &Model) -> Self {
        let horizon = f64::from(model.horizon);
        let caps = model.capabilities.len();
        Histograms {
            time_to_met: Sketch::new(0.0, horizon, SKETCH_BINS),
            overall_by_month: UnitHistograms::new(model.months()),
            overall_horizon: Sketch::unit(),
            committed: (0..caps)
                .map(|c| Sketch::new(0.0, committed_range(model, c), SKETCH_BINS))
                .collect(),
            phase_start: vec![Sketch::new(0.0, horizon.max(1.0), SKETCH_BINS); model.phases.len()],
        }
    }

    /// Adds `o`; the order of merges does not change the result.
    pub fn merge(&mut self, o: &Histograms) {
        fn sketches(a: &mut [Sketch], b: &[Sketch]) {
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

/// Working range for the committed-amount sketch of a capability: from 0 to
/// (nearly) the most all its pledges could add up to, and at least the need.
fn committed_range(model: &Model, c: usize) -> f64 {
    let top: f64 = model
        .pledges
        .iter()
        .filter(|p| p.capability == c)
        .map(|p| p.amount.sample(1.0 - 1e-9).max(0.0))
        .sum();
    let hi = top.max(model.capabilities[c].need);
    if hi.is_finite() && hi > 0.0 {
        hi * (1.0 + 1e-9)
    } else {
        1.0
    }
}

/// The least committed amount `x` with `min(1, x / need) >= threshold`, so
/// that `x >= least_meeting(..)` agrees bit for bit with the division form
/// (the division is monotone in `x`, so the predicate is a threshold).
/// Found by bisection over the bit patterns, which order the non-negative
/// floats: at most 64 steps, even where the answer lies a quadrillion ulps
/// from `threshold * need` (a threshold of 5e-324).
pub fn least_meeting(need: f64, threshold: f64) -> f64 {
    let meets = |bits: u64| (f64::from_bits(bits) / need).min(1.0) >= threshold;
    // Validation keeps need > 0 and threshold in (0, 1], so nothing meets
    // at 0 and everything at infinity; the ends are checked all the same.
    let (mut lo, mut hi) = (0.0f64.to_bits(), f64::INFINITY.to_bits());
    if meets(lo) {
        return 0.0;
    }
    if !meets(hi) {
        return f64::INFINITY;
    }
    // Invariant: !meets(lo), meets(hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if meets(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    f64::from_bits(hi)
}

/// `if c { a } else { b }` by bit masks: LLVM turns a float `if` into a
/// branch, which mispredicts on the coin flips of a trial. It still
/// recognises the masks as a select in some loops and branches there (x86
/// has no scalar float `cmov`, and `select_unpredictable` does not change
/// that for f64); those loops add amounts times 0 or 1 instead, which
/// cannot become a branch (see `first_reached`). Where LLVM keeps the masks,
/// they are cheaper than the multiplication.
#[inline(always)]
fn select(c: bool, a: f64, b: f64) -> f64 {
    let mask = u64::from(c).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// 2^52: adding it to a value in [0, 2^52) rounds the value to an integer,
/// which then sits in the low bits of the sum (the ulp there is 1).
const TWO_POW_52: f64 = (1u64 << 52) as f64;

/// `x` in [0, 2^52) rounded to the nearest integer, as an integer: cheaper
/// than a saturating `as` conversion.
#[inline(always)]
fn round_to_int(x: f64) -> i64 {
    (x + TWO_POW_52).to_bits() as i64 - TWO_POW_52.to_bits() as i64
}

/// `x.max(0).ceil()` for `x <= 2^51`: without SSE4.1 in plain arithmetic
/// (`f64::ceil` is a library call there). 1% fewer instructions a trial
/// with it (cachegrind).
#[inline(always)]
fn ceil_month(x: f64) -> f64 {
    let x = x.max(0.0);
    if cfg!(target_feature = "sse4.1") {
        // One instruction (`roundsd`; x86-64-v3 has it, see
        // `.cargo/config.toml`), the same value.
        x.ceil()
    } else {
        let nearest = (x + TWO_POW_52) - TWO_POW_52;
        nearest + if nearest < x { 1.0 } else { 0.0 }
    }
}

/// A sum the trial tests against a least amount: the pledges of one
/// capability, each times its factor in `Trial::factors` (0 for those a gate
/// does not count, else 1), reach `amount` (see `least_meeting`).
#[derive(Debug, Clone)]
struct Condition {
    pledges: Range<usize>,
    factors: usize,
    amount: f64,
}

/// Per-chunk random streams and scratch space, reused for every trial;
/// blocks of `B` trials (see `full_blocks`).
struct Trial<'m, const B: usize> {
    model: &'m Model,
    group_streams: Vec<EntityStream<1>>,
    unit_streams: Vec<EntityStream<1>>,
    /// Per pledge, a stream per `PLEDGE_SLOTS` quantity; per phase, one for
    /// its start or lag. `None` where the quantity needs no draw.
    pledge_streams: Vec<[Option<EntityStream<1>>; 4]>,
    phase_streams: Vec<Option<EntityStream<1>>>,
    /// Raw random words of one entity for a block of trials.
    words: Vec<u32>,
    /// Scratch list of trials of the block: those where a pledge is
    /// delivered, or where a group member's join is left unsure by its
    /// bracket (see `draw_block`).
    idx: Vec<u32>,
    /// `[unit * BLOCK + k]`: the trials of the block where the unit
    /// joined, the first `unit_joined_len[unit]` entries.
    unit_joined: Vec<u32>,
    unit_joined_len: Vec<usize>,
    /// Block arrays: `[group * BLOCK + t]`, `[unit * BLOCK + t]`.
    b_factor: Vec<f64>,
    b_joined: Vec<bool>,
    /// Block arrays `[pledge * ROW + t]`: drawn pledge by pledge, so each
    /// pledge's draws are stored one after another (trial-major, every
    /// store would touch another cache line). A pledge not delivered has
    /// delay +inf, so it is placed at +inf without a branch or select.
    b_amount: Vec<f64>,
    b_delay: Vec<f64>,
    b_duration: Vec<f64>,
    /// `[t * phases + k]`
    b_phase_u: Vec<f64>,
    /// The current trial's index in the block, and its pledge amounts
    /// (gathered from the block arrays by `load`; delays and durations are
    /// read there in place).
    t: usize,
    amount: Vec<f64>,
    /// Absolute deployment interval [start, end); +inf start = never.
    start: Vec<f64>,
    end: Vec<f64>,
    phase_start: Vec<f64>,
    /// A time at which each gated phase's gate holds, from which its start
    /// follows: the first time reached, or the phase's earliest start when
    /// reached by then (+inf: never; -inf: no gate).
    gate_time: Vec<f64>,
    /// Spare `start`, `end`, `phase_start`, `gate_time` for a counterfactual
    /// schedule (see `met_at_horizon_without`).
    spare: (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>),
    /// The pledges deployed at some month (see `sweep_months`): months
    /// `first <= m < last` (as f64, to compare with a month without
    /// conversions; `last = months` for none within the horizon) and
    /// amounts. Those of capability `c` are
    /// `deployed_range[c]..deployed_range[c + 1]`.
    first_month: Vec<f64>,
    last_month: Vec<f64>,
    deployed_amount: Vec<f64>,
    deployed_range: Vec<usize>,
    /// Bit set of the months where some pledge starts or stops counting
    /// (bit `months` is a sentinel, never visited).
    changes: Vec<u64>,
    /// Per month, bit `c % 64` set when a pledge to capability `c` starts
    /// or stops counting there; cleared as visited. Then the sentinel row
    /// and `SPARE_ROWS` rows written for it, never read.
    changed_capabilities: Vec<u64>,
    /// Capability weights and needs, apart: summing weights from the
    /// capabilities' structs costs the sweep 7 branch mispredicts a trial
    /// (cachegrind).
    weights: Vec<f64>,
    need: Vec<f64>,
    /// Per capability, the least committed amount that meets it: the
    /// condition's amount when critical, else -inf (always met). How many
    /// capabilities meet theirs with nothing committed.
    meeting_amount: Vec<f64>,
    meeting_at_zero: usize,
    /// Committed amount and coverage of each capability, at the last month
    /// swept: after `sweep_months`, at the horizon.
    committed: Vec<f64>,
    coverage: Vec<f64>,
    /// Overall coverage and met at the horizon; the first integer month met.
    overall_at_horizon: f64,
    met_at_horizon: bool,
    first_met_month: Option<usize>,
    /// The per-month statistics of the chunk, as steps (see `MonthSteps`).
    steps: MonthSteps,
    /// (deployment time, condition, amount), room for every condition's
    /// pledges, and per-condition upper bounds: scratch of `first_reached`.
    candidates: Vec<(f64, usize, f64)>,
    bounds: Vec<f64>,
    /// Room for the start of every critical pledge: scratch of
    /// `first_met_in_month`.
    window_starts: Vec<f64>,
    pivotal: Vec<bool>,
    /// The unit (member replica) of each pledge.
    pledge_unit: Vec<usize>,
    /// Pledges of each phase slot.
    pledges_by_phase: Vec<Vec<usize>>,
    /// Meeting each critical capability's threshold (in `model.critical`
    /// order), then reaching each gate (in `gate_phases` order).
    conditions: Vec<Condition>,
    /// The factors `Condition::factors` points into: 1 for every pledge,
    /// then each gate's `counted`.
    factors: Vec<f64>,
    /// Phases with a gate; for each phase, the index of its gate in
    /// `conditions` (unused for phases without one).
    gate_phases: Vec<usize>,
    gate_condition: Vec<usize>,
    /// Per condition: its time, and its sum then (`condition_sums`), in
    /// total and `[condition * units + unit]` per unit.
    condition_time: Vec<f64>,
    condition_total: Vec<f64>,
    condition_part: Vec<f64>,
    /// Per unit, scratch of `mark_pivotal`.
    fails: Vec<bool>,
    moves: Vec<bool>,
}

impl<'m, const B: usize> Trial<'m, B> {
    /// Row length of the per-pledge block arrays: a block, plus one cache
    /// line when the block is a multiple of 64 values, so that rows do not
    /// all map to the same few sets of the first level cache (such a stride
    /// does, and `load` reads down a column).
    const ROW: usize = B + if B.is_multiple_of(64) { 8 } else { 0 };

    fn new(model: &'m Model, seed: u64, first_trial: u64) -> Self {
        let key = key_for_seed(seed);
        let caps = model.capabilities.len();
        let n_pledges = model.pledges.len();
        let n_phases = model.phases.len();
        let mut pledges_by_phase = vec![Vec::new(); n_phases];
        for (i, p) in model.pledges.iter().enumerate() {
            pledges_by_phase[p.phase].push(i);
        }
        let gates: Vec<(usize, &GateModel)> = model
            .phases
            .iter()
            .enumerate()
            .filter_map(|(k, p)| match &p.start {
                PhaseStartModel::After { gate: Some(g), .. } => Some((k, g)),
                _ => None,
            })
            .collect();
        let mut factors = vec![1.0; n_pledges];
        let mut conditions: Vec<Condition> = model
            .critical
            .iter()
            .map(|&c| {
                let cap = &model.capabilities[c];
                let pledges = model.capability_pledges[c].clone();
                Condition {
                    factors: pledges.start,
                    pledges,
                    amount: least_meeting(cap.need, cap.threshold),
                }
            })
            .collect();
        for &(_, g) in &gates {
            conditions.push(Condition {
                pledges: model.capability_pledges[g.capability].clone(),
                factors: factors.len(),
                amount: least_meeting(model.capabilities[g.capability].need, g.coverage),
            });
            factors.extend_from_slice(&g.counted);
        }
        let n_conditions = conditions.len();
        let mut meeting_amount = vec![f64::NEG_INFINITY; caps];
        for (&c, cond) in model.critical.iter().zip(&conditions) {
            meeting_amount[c] = cond.amount;
        }
        Trial {
            model,
            group_streams: model
                .groups
                .iter()
                .map(|g| EntityStream::new(&key, g.stream, first_trial))
                .collect(),
            unit_streams: model
                .units
                .iter()
                .map(|u| EntityStream::new(&key, u.stream, first_trial))
                .collect(),
            pledge_streams: model
                .pledges
                .iter()
                .map(|p| {
                    let drawn = [
                        p.probability > 0.0 && p.probability < 1.0,
                        !p.amount.is_constant(),
                        !p.delay.is_constant(),
                        p.duration.as_ref().is_some_and(|d| !d.is_constant()),
                    ];
                    std::array::from_fn(|slot| {
                        drawn[slot].then(|| EntityStream::new(&key, p.streams[slot], first_trial))
                    })
                })
                .collect(),
            phase_streams: model
                .phases
                .iter()
                .map(|p| {
                    let drawn = match &p.start {
                        PhaseStartModel::At(d) => !d.is_constant(),
                        PhaseStartModel::After { lag, .. } => !lag.is_constant(),
                    };
                    drawn.then(|| EntityStream::new(&key, p.stream, first_trial))
                })
                .collect(),
            words: vec![0; 4 * B],
            idx: vec![0; B],
            unit_joined: vec![0; model.units.len() * B],
            unit_joined_len: vec![0; model.units.len()],
            b_factor: vec![0.0; model.groups.len() * B],
            b_joined: vec![false; model.units.len() * B],
            b_amount: vec![0.0; n_pledges * Self::ROW],
            b_delay: vec![0.0; n_pledges * Self::ROW],
            b_duration: vec![0.0; n_pledges * Self::ROW],
            b_phase_u: vec![0.0; n_phases * B],
            t: 0,
            amount: vec![0.0; n_pledges],
            start: vec![f64::INFINITY; n_pledges],
            end: vec![f64::INFINITY; n_pledges],
            phase_start: vec![f64::INFINITY; n_phases],
            gate_time: vec![f64::NEG_INFINITY; n_phases],
            spare: (
                vec![0.0; n_pledges],
                vec![0.0; n_pledges],
                vec![0.0; n_phases],
                vec![0.0; n_phases],
            ),
            first_month: vec![0.0; n_pledges],
            last_month: vec![0.0; n_pledges],
            deployed_amount: vec![0.0; n_pledges],
            deployed_range: vec![0; caps + 1],
            changes: vec![0; model.months() / 64 + 1],
            changed_capabilities: vec![0; model.months() + 1 + SPARE_ROWS],
            weights: model.capabilities.iter().map(|c| c.weight).collect(),
            need: model.capabilities.iter().map(|c| c.need).collect(),
            meeting_at_zero: meeting_amount.iter().filter(|&&a| 0.0 >= a).count(),
            meeting_amount,
            committed: vec![0.0; caps],
            coverage: vec![0.0; caps],
            overall_at_horizon: 0.0,
            met_at_horizon: false,
            first_met_month: None,
            steps: MonthSteps::new(model),
            candidates: vec![(0.0, 0, 0.0); conditions.iter().map(|c| c.pledges.len()).sum()],
            bounds: Vec::with_capacity(conditions.len()),
            window_starts: vec![
                0.0;
                model
                    .critical
                    .iter()
                    .map(|&c| model.capability_pledges[c].len())
                    .sum()
            ],
            pivotal: vec![false; model.member_count],
            pledge_unit: model.pledges.iter().map(|p| p.unit).collect(),
            pledges_by_phase,
            conditions,
            factors,
            condition_time: vec![0.0; n_conditions],
            condition_total: vec![0.0; n_conditions],
            condition_part: vec![0.0; model.units.len() * n_conditions],
            fails: vec![false; model.units.len()],
            moves: vec![false; model.units.len()],
            gate_condition: (0..n_phases)
                .map(|k| {
                    let g = gates.iter().position(|&(p, _)| p == k).unwrap_or(0);
                    model.critical.len() + g
                })
                .collect(),
            gate_phases: gates.iter().map(|&(k, _)| k).collect(),
        }
    }

    /// Runs the next `n <= B` trials and records them in order.
    fn run_block(
        &mut self,
        n: usize,
        mut acc: Option<(&mut Tally, &mut Histograms)>,
        out: &mut Vec<TrialOutcome>,
        keep: bool,
    ) {
        self.draw_block(n);
        if let Some((tally, _)) = acc.as_mut() {
            for (unit, &joined) in self.model.units.iter().zip(&self.unit_joined_len) {
                tally.member_joined[unit.member] += joined as u64;
            }
        }
        for t in 0..n {
            self.load(t);
            self.schedule_phases(None);
            self.sweep_months(acc.is_some());
            let o = match acc.as_mut() {
                Some((tally, histograms)) => self.record(tally, histograms),
                None => self.outcome(),
            };
            if keep {
                out.push(o);
            }
        }
    }

    /// The trial's outcome alone, without recording any statistics; the
    /// same values `record` returns.
    fn outcome(&self) -> TrialOutcome {
        TrialOutcome {
            met_at_horizon: self.met_at_horizon,
            overall_at_horizon: self.overall_at_horizon,
        }
    }

    /// MODEL.md 3.1 and 3.2 for a block of trials, entity by entity: group
    /// factors, joins (required members first), then each pledge's
    /// delivery, amount, delay and duration, and the phase uniforms. Each
    /// quantity that needs a draw reads one word per trial of its own
    /// stream (see `rng`), used or not (a pledge not delivered draws no
    /// amount, but its word is skipped all the same).
    fn draw_block(&mut self, n: usize) {
        let model = self.model;
        let words = &mut self.words;
        for (g, stream) in self.group_streams.iter_mut().enumerate() {
            stream.fill(&mut words[..n]);
            let factor = &mut self.b_factor[g * B..g * B + n];
            for (f, &w) in factor.iter_mut().zip(&words[..n]) {
                *f = inverse_normal_cdf(open_unit(w));
            }
        }
        let cells = NormalCells::get();
        for (i, unit) in model.units.iter().enumerate() {
            self.unit_streams[i].fill(&mut words[..n]);
            let (before, rest) = self.b_joined.split_at_mut(i * B);
            let out = &mut rest[..n];
            let required = unit.requires.map(|r| &before[r * B..r * B + n]);
            // The rule by indexing, not a branch: the required member's
            // join is a coin flip.
            let rules = [unit.join, unit.join_without];
            let rule = |t: usize| rules[usize::from(required.is_some_and(|r| !r[t]))];
            match unit.group {
                None => {
                    for t in 0..n {
                        out[t] = open_unit(words[t]) < rule(t).p;
                    }
                }
                Some(g) => {
                    let group = &model.groups[g];
                    let factor = &self.b_factor[g * B..g * B + n];
                    let scale = group.sqrt_one_minus_rho;
                    // The brackets decide almost every trial; the rest
                    // are gathered without a branch (a join is a coin
                    // flip, so a branch on the bracket's answer would
                    // mispredict) and settled after.
                    let mut m = 0;
                    for t in 0..n {
                        let shared = group.sqrt_rho * factor[t];
                        let (surely, unsure) = cells.bracket(words[t], shared, scale, rule(t).z);
                        out[t] = surely;
                        self.idx[m] = t as u32;
                        m += usize::from(unsure);
                    }
                    for &t in &self.idx[..m] {
                        let t = t as usize;
                        let shared = group.sqrt_rho * factor[t];
                        out[t] = NormalCells::exact(words[t], shared, scale, rule(t).z);
                    }
                }
            }
            // The trials where the unit joined, for all its pledges.
            let joined = &mut self.unit_joined[i * B..(i + 1) * B];
            let mut m = 0;
            for (t, &j) in out.iter().enumerate() {
                joined[m] = t as u32;
                m += usize::from(j);
            }
            self.unit_joined_len[i] = m;
        }
        for (i, p) in model.pledges.iter().enumerate() {
            // Words of quantities that need no draw are left as they are:
            // constants never read them, and a delivery probability of 0
            // or 1 decides the same for any word.
            let slots = self.pledge_streams[i]
                .iter_mut()
                .zip(words.chunks_exact_mut(B));
            for (stream, w) in slots {
                if let Some(stream) = stream {
                    stream.fill(&mut w[..n]);
                }
            }
            let [delivered, w_amount, w_delay, w_duration] =
                [0, 1, 2, 3].map(|s| &words[s * B..s * B + n]);
            let u = p.unit;
            let joined = &self.unit_joined[u * B..u * B + self.unit_joined_len[u]];
            let delay = &mut self.b_delay[i * Self::ROW..(i + 1) * Self::ROW];
            delay[..n].fill(f64::INFINITY);
            // Delivered: of the trials where the unit joined, those where
            // the delivery draw falls below the probability (all of them
            // for probability 1, without a loop).
            let idx = if p.probability >= 1.0 {
                joined
            } else {
                let mut m = 0;
                for &t in joined {
                    self.idx[m] = t;
                    m += usize::from(open_unit(delivered[t as usize]) < p.probability);
                }
                &self.idx[..m]
            };
            let amount = &mut self.b_amount[i * Self::ROW..(i + 1) * Self::ROW];
            p.amount.sample_each(
                idx,
                |t| open_unit(w_amount[t]),
                |t, x| amount[t] = x.max(0.0),
            );
            p.delay
                .sample_each(idx, |t| open_unit(w_delay[t]), |t, x| delay[t] = x.max(0.0));
            let duration = &mut self.b_duration[i * Self::ROW..(i + 1) * Self::ROW];
            match &p.duration {
                Some(d) => d.sample_each(
                    idx,
                    |t| open_unit(w_duration[t]),
                    |t, x| duration[t] = x.max(0.0),
                ),
                None => {
                    for &t in idx {
                        duration[t as usize] = f64::INFINITY;
                    }
                }
            }
        }
        let nk = model.phases.len();
        for (k, stream) in self.phase_streams.iter_mut().enumerate() {
            // A constant start or lag never reads its uniform.
            let Some(stream) = stream else { continue };
            stream.fill(&mut words[..n]);
            for (t, &w) in words[..n].iter().enumerate() {
                self.b_phase_u[t * nk + k] = open_unit(w);
            }
        }
    }

    /// Makes trial `t` of the block the current trial. (Its draws of a
    /// pledge share a cache line with the next 7 trials', so the gather
    /// mostly hits the first level cache.)
    #[inline]
    fn load(&mut self, t: usize) {
        self.t = t;
        let rows = self.b_amount.chunks_exact(Self::ROW);
        for (x, row) in self.amount.iter_mut().zip(rows) {
            *x = row[t];
        }
    }

    /// MODEL.md 3.3: phase starts in `after` order, with gates, and the
    /// absolute deployment interval of every pledge, leaving out unit
    /// `skip_unit`'s pledges (if any). Deterministic given the
    /// draws, so a counterfactual (a member's pledges removed) can rerun it.
    fn schedule_phases(&mut self, skip_unit: Option<usize>) {
        let model = self.model;
        let horizon = f64::from(model.horizon);
        for k in 0..model.phases.len() {
            let u = self.b_phase_u[self.t * model.phases.len() + k];
            let start = match &model.phases[k].start {
                PhaseStartModel::At(d) => d.sample(u),
                PhaseStartModel::After { parent, lag, gate } => {
                    let earliest = self.phase_start[*parent] + lag.sample(u).max(0.0);
                    match gate {
                        None => earliest,
                        Some(_) => {
                            let c = self.gate_condition[k];
                            let amount = self.conditions[c].amount;
                            // Reached at `earliest` already: then it was first
                            // reached no later than the last start among the
                            // pledges counted then (all still deployed at that
                            // start), so the phase starts at `earliest`, and
                            // the search is skipped. `gate_time` need only be
                            // a time the gate holds at from which the start
                            // follows (see `mark_pivotal`). With amount 0,
                            // nothing deployed means never reached.
                            if earliest <= horizon
                                && amount > 0.0
                                && self.committed_at(&self.conditions[c], earliest, None) >= amount
                            {
                                self.gate_time[k] = earliest;
                                self.phase_start[k] = earliest;
                                self.place_pledges(k, earliest, skip_unit);
                                continue;
                            }
                            let reached = self.first_reached(c..c + 1, f64::NEG_INFINITY, horizon);
                            self.gate_time[k] = reached.unwrap_or(f64::INFINITY);
                            match reached {
                                Some(t) => earliest.max(t),
                                None => f64::INFINITY,
                            }
                        }
                    }
                }
            };
            self.phase_start[k] = start;
            self.place_pledges(k, start, skip_unit);
        }
    }

    /// The deployment interval of each pledge of phase `k`, starting at
    /// `start`, leaving out unit `skip_unit`'s.
    #[inline]
    fn place_pledges(&mut self, k: usize, start: f64, skip_unit: Option<usize>) {
        // No branch on delivery (a coin flip per trial): a pledge not
        // delivered has delay +inf, and a phase that never starts gives
        // +inf through the sums.
        // Delays and durations are read from the block arrays in place
        // (gathering them like amounts would cost more than it saves).
        let n = self.start.len();
        let t = self.t;
        // (`get`: the block arrays are empty when no member pledges anything.)
        let (delay, duration) = (
            self.b_delay.get(t..).unwrap_or_default(),
            self.b_duration.get(t..).unwrap_or_default(),
        );
        let (starts, ends) = (&mut self.start[..n], &mut self.end[..n]);
        for &i in &self.pledges_by_phase[k] {
            let s = start + delay[i * Self::ROW];
            starts[i] = s;
            ends[i] = s + duration[i * Self::ROW];
        }
        if let Some(u) = skip_unit {
            for &i in &self.pledges_by_phase[k] {
                if self.pledge_unit[i] == u {
                    (starts[i], ends[i]) = (f64::INFINITY, f64::INFINITY);
                }
            }
        }
    }

    /// The first time `t` in (lo, hi] at which all of `conditions[which]`
    /// hold, by exact sums. Sums only rise when a pledge deploys, so the
    /// candidates are deployment times, taken in order. Deployed amounts so
    /// far, withdrawals ignored, bound each sum from above, so only where
    /// every bound reaches its amount (within a margin for rounding) is an
    /// exact sum needed: usually once. When even everything deployed by
    /// `hi` falls short of an amount, no time qualifies and nothing is
    /// sorted (a quarter of searches on the shipped scenarios).
    fn first_reached(&mut self, which: Range<usize>, lo: f64, hi: f64) -> Option<f64> {
        let mut candidates = std::mem::take(&mut self.candidates);
        let mut bounds = std::mem::take(&mut self.bounds);
        bounds.clear();
        let conditions = &self.conditions[which];
        let mut reachable = true;
        // Without branches (whether a pledge deploys by `hi` is a coin
        // flip): every pledge is written at the end of the candidates, and
        // the end moves past it only when it is one; the sums add amounts
        // times 0 or 1 (amounts are not negative, and finite as validation
        // bounds every parameter, so times 0 is +0.0, which leaves a sum as
        // it is). The buffer has room for every condition's pledges, so a
        // write never overruns.
        let mut len = 0;
        for (c, cond) in conditions.iter().enumerate() {
            let range = cond.pledges.clone();
            let (start, end) = (&self.start[range.clone()], &self.end[range.clone()]);
            let amount = &self.amount[range];
            let factors = &self.factors[cond.factors..cond.factors + start.len()];
            let (mut bound, mut most) = (0.0, 0.0);
            for j in 0..start.len() {
                let (s, a) = (start[j], amount[j]);
                let counted = (factors[j] > 0.0) & (s < end[j]) & (s <= hi);
                let before = s <= lo;
                most += a * f64::from(u8::from(counted));
                bound += a * f64::from(u8::from(counted & before));
                candidates[len] = (s, c, a);
                len += usize::from(counted & !before);
            }
            bounds.push(bound);
            // The same test as `may_hold` below on the last bound (summed
            // in another order: the wider margin absorbs the rounding).
            reachable &= most >= cond.amount * (1.0 - 2e-9);
        }
        if !reachable {
            self.candidates = candidates;
            self.bounds = bounds;
            return None;
        }
        let found = &mut candidates[..len];
        found.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut first = None;
        let mut k = 0;
        while k < found.len() {
            let t = found[k].0;
            while k < found.len() && found[k].0 == t {
                bounds[found[k].1] += found[k].2;
                k += 1;
            }
            let may_hold = bounds
                .iter()
                .zip(conditions)
                .all(|(&b, c)| b >= c.amount * (1.0 - 1e-9));
            if may_hold
                && conditions
                    .iter()
                    .all(|c| self.committed_at(c, t, None) >= c.amount)
            {
                first = Some(t);
                break;
            }
        }
        self.candidates = candidates;
        self.bounds = bounds;
        first
    }

    /// Exact sum of `cond` at time `t`: its pledges deployed at `t`, times
    /// their factors, leaving out `skip_unit`'s; summed in pledge order, the
    /// same order as the month grid.
    #[inline]
    fn committed_at(&self, cond: &Condition, t: f64, skip_unit: Option<usize>) -> f64 {
        let range = cond.pledges.clone();
        let start = &self.start[range.clone()];
        let end = &self.end[range.clone()];
        let unit = &self.pledge_unit[range.clone()];
        let amount = &self.amount[range.clone()];
        let factors = &self.factors[cond.factors..cond.factors + start.len()];
        let mut sum = 0.0;
        for j in 0..start.len() {
            // Adding +0.0 leaves a sum of non-negative amounts unchanged, so
            // the select gives the same bits as skipping, without a branch.
            let kept = skip_unit.is_none_or(|u| unit[j] != u);
            let on = (start[j] <= t) & (t < end[j]) & kept;
            sum += select(on, amount[j] * factors[j], 0.0);
        }
        sum
    }

    /// Whether the critical capabilities are all met at `t` by the current
    /// schedule.
    #[inline]
    fn met_at(&self, t: f64) -> bool {
        self.conditions[..self.model.critical.len()]
            .iter()
            .all(|c| self.committed_at(c, t, None) >= c.amount)
    }

    /// MODEL.md 3.4 at integer months. Committed amounts only change at the
    /// months where a pledge starts or stops counting (about six a trial on
    /// the default scenario, of 25), so only those are visited: each gets the
    /// exact committed amount per capability (summed in pledge order, the
    /// same bits as `committed_at`), coverage, overall and met, and, with
    /// `record`, adds the change since the month before to `steps`.
    fn sweep_months(&mut self, record: bool) {
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
                // A division, as MODEL.md 3.4 writes it: full coverage
                // everywhere gives exactly 1, which a multiplication by 1/W
                // need not.
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

    /// First time in [0, horizon] the guarantee is met, exactly (continuous).
    fn first_met(&mut self) -> Option<f64> {
        let model = self.model;
        match self.first_met_month {
            Some(0) => return Some(0.0),
            Some(t) => {
                if let Some(found) = self.first_met_in_month(t) {
                    return Some(found);
                }
            }
            None => {}
        }
        // Met at integer month t (exactly: the swept sums are the exact
        // sums) bounds the first time met from above. Below, met can only
        // have held between two integer months, and not at the later one,
        // if a pledge withdrew in between: where no critical pledge
        // withdraws by month t - 1, every pledge deployed at a time before
        // it is still deployed then, so the sums there are no smaller (a
        // superset of non-negative terms, summed in the same order) and
        // the first time met lies in (t - 1, t]; where none withdraws
        // within the horizon, not met at the horizon means never met.
        let horizon = f64::from(model.horizon);
        let until = self.first_met_month.map_or(horizon, |t| (t - 1) as f64);
        let critical = &self.conditions[..model.critical.len()];
        let withdrawals = critical
            .iter()
            .flat_map(|c| c.pledges.clone())
            .any(|i| self.end[i] <= until && self.start[i] < self.end[i]);
        let (lo, hi) = match (withdrawals, self.first_met_month) {
            (true, None) => (0.0, horizon),
            (true, Some(t)) => (0.0, t as f64),
            (false, None) => return None,
            (false, Some(t)) => ((t - 1) as f64, t as f64),
        };
        let found = self.first_reached(0..model.critical.len(), lo, hi);
        debug_assert!(withdrawals || found.is_some());
        found
    }

    /// The first time met when month `t > 0` is the first integer month
    /// met and no critical pledge withdraws by then: `None` otherwise (the
    /// search of `first_met` decides). Nothing then deploys or withdraws in
    /// (t - 1, t] but the pledges that start there, so the sums rise, and
    /// only at those starts: met fails at the earlier ones and holds from
    /// some start on, at the last one at the latest (the sums there are
    /// month t's). So the answer is the first start where the exact sums
    /// meet, found without the search's bounds, with one exact check or
    /// none in most trials (on the default scenario, four trials met in
    /// five start one to three pledges in that month).
    fn first_met_in_month(&mut self, t: usize) -> Option<f64> {
        let (lo, hi) = ((t - 1) as f64, t as f64);
        let mut starts = std::mem::take(&mut self.window_starts);
        let (mut len, mut withdraws) = (0, false);
        for cond in &self.conditions[..self.model.critical.len()] {
            for i in cond.pledges.clone() {
                // Without branches, as in `first_reached`.
                let (s, e) = (self.start[i], self.end[i]);
                let deployed = s < e;
                withdraws |= deployed & (e <= hi);
                starts[len] = s;
                len += usize::from(deployed & (s > lo) & (s <= hi));
            }
        }
        // No start in (t - 1, t] cannot happen (met at t, not at t - 1);
        // the search would settle it all the same.
        let found = match withdraws || len == 0 {
            true => None,
            false => {
                let starts = &mut starts[..len];
                starts.sort_unstable_by(f64::total_cmp);
                let last = starts[len - 1];
                starts
                    .iter()
                    .copied()
                    .find(|&s| s == last || self.met_at(s))
            }
        };
        self.window_starts = starts;
        found
    }

    /// MODEL.md 3.4: a joined member is pivotal when the guarantee is met at
    /// the horizon and would not be without that replica's pledges, every
    /// draw of the trial unchanged. A replica whose pledges count towards a
    /// phase gate can also delay or cancel that phase, so for those the phase
    /// schedule is rerun without its pledges, unless no gate's time moves.
    fn mark_pivotal(&mut self) {
        let model = self.model;
        let n_crit = model.critical.len();
        self.pivotal.fill(false);
        self.condition_sums();
        // Per unit, whether the sum of a critical condition (`fails`:
        // without its pledges and the schedule unchanged) or of a gate
        // (`moves`: at its `gate_time`) falls short without the unit's part.
        // If every gate still holds, each phase starts when it did
        // (coverage without the part is never higher, so an unreached gate
        // stays unreached) and the schedule stays as it is.
        let (mut fails, mut moves) = (
            std::mem::take(&mut self.fails),
            std::mem::take(&mut self.moves),
        );
        fails.fill(false);
        moves.fill(false);
        for c in 0..self.conditions.len() {
            let short = if c < n_crit { &mut fails } else { &mut moves };
            self.short_without(c, short);
        }
        for (u, unit) in model.units.iter().enumerate() {
            if !self.b_joined[u * B + self.t] || self.pivotal[unit.member] {
                continue;
            }
            self.pivotal[unit.member] = if unit.feeds_gate && moves[u] {
                // Some phase moves. When moving can only delay pledges that
                // then stay (none withdraws), the rescheduled sums are at
                // most the direct ones: failing directly settles it.
                (fails[u] && model.delays_only_remove) || !self.met_at_horizon_without(u)
            } else {
                fails[u]
            };
        }
        (self.fails, self.moves) = (fails, moves);
    }

    /// Each condition's exact sum at its time (critical capabilities: the
    /// horizon; gates: when reached, if ever), in total and per unit, in
    /// pledge order: the same bits as `committed_at`. Without branches
    /// (whether a pledge is deployed then is a coin flip): the others add
    /// +0.0 (see `first_reached`).
    fn condition_sums(&mut self) {
        let horizon = f64::from(self.model.horizon);
        let n_crit = self.model.critical.len();
        let units = self.model.units.len();
        self.condition_part.fill(0.0);
        for (c, cond) in self.conditions.iter().enumerate() {
            let t = match c.checked_sub(n_crit) {
                None => horizon,
                Some(g) => self.gate_time[self.gate_phases[g]],
            };
            let range = cond.pledges.clone();
            let (start, end) = (&self.start[range.clone()], &self.end[range.clone()]);
            let (amount, unit) = (&self.amount[range.clone()], &self.pledge_unit[range]);
            let factors = &self.factors[cond.factors..cond.factors + start.len()];
            let parts = &mut self.condition_part[c * units..(c + 1) * units];
            let mut total = 0.0;
            for j in 0..start.len() {
                let on = (start[j] <= t) & (t < end[j]);
                let a = amount[j] * factors[j] * f64::from(u8::from(on));
                total += a;
                parts[unit[j]] += a;
            }
            self.condition_time[c] = t;
            self.condition_total[c] = total;
        }
    }

    /// Marks in `short` each unit without whose part condition `c`'s sum
    /// falls short of its amount (after `condition_sums`). Subtraction
    /// decides, for all units at once and without branches, unless it lands
    /// within rounding of the amount; then the exact sum does.
    fn short_without(&self, c: usize, short: &mut [bool]) {
        let units = short.len();
        let (total, m) = (self.condition_total[c], self.conditions[c].amount);
        let parts = &self.condition_part[c * units..(c + 1) * units];
        let tolerance = 1e-9 * total.max(m);
        // (surely short, too close to call) without the part `own`.
        let test = |own: f64| {
            let (counted, rest) = (own != 0.0, total - own);
            let surely = rest < m - tolerance;
            (counted & surely, counted & !surely & (rest < m + tolerance))
        };
        let mut unsure = false;
        for (s, &own) in short.iter_mut().zip(parts) {
            let (surely, close) = test(own);
            *s |= surely;
            unsure |= close;
        }
        if unsure {
            let (cond, t) = (&self.conditions[c], self.condition_time[c]);
            for (u, &own) in parts.iter().enumerate() {
                if test(own).1 {
                    short[u] |= self.committed_at(cond, t, Some(u)) < m;
                }
            }
        }
    }

    /// Whether the guarantee is met at the horizon once unit `u`'s pledges
    /// are withdrawn and the phase schedule is recomputed; restores the trial.
    fn met_at_horizon_without(&mut self, u: usize) -> bool {
        let horizon = f64::from(self.model.horizon);
        // The counterfactual schedule goes into the spare arrays, swapped in
        // and back out: nothing is copied.
        self.swap_schedule();
        self.schedule_phases(Some(u));
        let met = self.met_at(horizon);
        self.swap_schedule();
        met
    }

    fn swap_schedule(&mut self) {
        let spare = &mut self.spare;
        std::mem::swap(&mut self.start, &mut spare.0);
        std::mem::swap(&mut self.end, &mut spare.1);
        std::mem::swap(&mut self.phase_start, &mut spare.2);
        std::mem::swap(&mut self.gate_time, &mut spare.3);
    }

    /// Records the trial's statistics at the horizon (those by month are in
    /// `steps`, added by `sweep_months`).
    fn record(&mut self, tally: &mut Tally, histograms: &mut Histograms) -> TrialOutcome {
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
struct MonthSteps {
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
    fn new(model: &Model) -> Self {
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
    fn flush(&mut self, tally: &mut Tally, histograms: &mut Histograms) {
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
    let out = blocks_for(model)(model, seed, first, count, acc, outcomes);
    (tally, out)
}

/// Only the outcomes of trials `first .. first + count`: for what-if
/// variants that need P(met) and nothing else (sensitivity), this skips
/// every statistic `run_chunk` records.
pub fn run_outcomes(model: &Model, seed: u64, first: u64, count: u64) -> Vec<TrialOutcome> {
    blocks_for(model)(model, seed, first, count, None, true)
}

type RunBlocks =
    fn(&Model, u64, u64, u64, Option<(&mut Tally, &mut Histograms)>, bool) -> Vec<TrialOutcome>;

/// `run_blocks` with the block length for `model` (see `full_blocks`).
fn blocks_for(model: &Model) -> RunBlocks {
    match full_blocks(model) {
        true => run_blocks::<BLOCK>,
        false => run_blocks::<SMALL_BLOCK>,
    }
}

/// Trials `first .. first + count` in blocks of `B`, recorded in `acc` if
/// given; their outcomes if `keep`.
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

/// Calls `work` on every chunk of `trials` on `threads` worker threads and
/// hands the results to `merge` strictly in chunk order, on the calling
/// thread, as soon as each is next in line. Workers take chunks in order
/// and never wait for each other (no batches, no barriers); a worker only
/// waits when it is `4 * threads` chunks ahead of the merge, so at most that
/// many results are alive at once and memory does not grow with the number
/// of trials. `progress` gets the trials merged.
pub fn for_each_chunk<T: Send>(
    trials: u64,
    threads: usize,
    work: impl Fn(u64, u64) -> T + Sync,
    mut merge: impl FnMut(T),
    progress: &dyn Fn(u64),
) -> Result<(), rayon::ThreadPoolBuildError> {
    let threads = threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let chunks = trials.div_ceil(CHUNK_TRIALS);
    let ahead = 4 * threads as u64;
    let queue = ChunkQueue {
        state: Mutex::new(QueueState {
            next: 0,
            merged: 0,
            ready: BTreeMap::new(),
            failed: false,
        }),
        changed: Condvar::new(),
    };
    pool.in_place_scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|_| {
                let _stop = StopOnPanic(&queue);
                while let Some(c) = queue.claim(chunks, ahead) {
                    let first = c * CHUNK_TRIALS;
                    let result = work(first, CHUNK_TRIALS.min(trials - first));
                    queue.deliver(c, result);
                }
            });
        }
        // A worker that panicked leaves its chunk missing: stop merging,
        // and the scope passes the panic on. A panic in `merge` likewise
        // releases workers waiting to run ahead.
        let _stop = StopOnPanic(&queue);
        for c in 0..chunks {
            let Some(result) = queue.take(c) else { break };
            merge(result);
            progress(((c + 1) * CHUNK_TRIALS).min(trials));
        }
    });
    Ok(())
}

/// Marks the queue failed if its thread unwinds, so nobody waits for it.
struct StopOnPanic<'q, T>(&'q ChunkQueue<T>);

impl<T> Drop for StopOnPanic<'_, T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().failed = true;
            self.0.changed.notify_all();
        }
    }
}

/// The chunks handed out and the results waiting to be merged.
struct QueueState<T> {
    next: u64,
    merged: u64,
    ready: BTreeMap<u64, T>,
    /// A worker panicked.
    failed: bool,
}

struct ChunkQueue<T> {
    state: Mutex<QueueState<T>>,
    changed: Condvar,
}

impl<T> ChunkQueue<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState<T>> {
        // Poisoned only if a thread panicked while holding it; the state
        // is then still consistent (every update is a single step).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next chunk to run, once it is fewer than `ahead` chunks past the
    /// merge; `None` when every chunk is handed out.
    fn claim(&self, chunks: u64, ahead: u64) -> Option<u64> {
        let mut state = self.lock();
        loop {
            if state.next >= chunks || state.failed {
                return None;
            }
            if state.next < state.merged + ahead {
                state.next += 1;
                return Some(state.next - 1);
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn deliver(&self, chunk: u64, result: T) {
        self.lock().ready.insert(chunk, result);
        self.changed.notify_all();
    }

    /// Waits for chunk `c`'s result (all before it are taken); `None` once
    /// a worker has panicked.
    fn take(&self, c: u64) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(result) = state.ready.remove(&c) {
                state.merged = c + 1;
                drop(state);
                self.changed.notify_all();
                return Some(result);
            }
            if state.failed {
                return None;
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn chunks_merge_in_order_with_bounded_results_alive() {
        for threads in 1..=4 {
            let trials = 37 * CHUNK_TRIALS + 5;
            let alive = AtomicU64::new(0);
            let most_alive = AtomicU64::new(0);
            let mut merged = Vec::new();
            let reported = std::cell::RefCell::new(Vec::new());
            for_each_chunk(
                trials,
                threads,
                |first, count| {
                    let now = alive.fetch_add(1, Ordering::SeqCst) + 1;
                    most_alive.fetch_max(now, Ordering::SeqCst);
                    (first, count)
                },
                |chunk| {
                    alive.fetch_sub(1, Ordering::SeqCst);
                    merged.push(chunk);
                },
                &|n| reported.borrow_mut().push(n),
            )
            .expect("pool");
            let expected: Vec<(u64, u64)> = (0..38)
                .map(|c| {
                    (
                        c * CHUNK_TRIALS,
                        CHUNK_TRIALS.min(trials - c * CHUNK_TRIALS),
                    )
                })
                .collect();
            assert_eq!(merged, expected, "threads {threads}");
            // Waiting or being made, plus the one being merged.
            let limit = 4 * threads as u64 + 1;
            let most = most_alive.into_inner();
            assert!(most <= limit, "threads {threads}: {most} results alive");
            let reported = reported.into_inner();
            assert!(reported.windows(2).all(|w| w[0] <= w[1]));
            assert_eq!(reported.last(), Some(&trials));
        }
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

    /// A panic in a chunk or in the merge reaches the caller instead of
    /// leaving the other threads waiting for each other.
    #[test]
    fn a_panic_in_work_or_merge_is_passed_on_not_a_hang() {
        for panic_in_work in [true, false] {
            let (done, finished) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let result = std::panic::catch_unwind(|| {
                    for_each_chunk(
                        100 * CHUNK_TRIALS,
                        2,
                        |first, _| {
                            assert!(!(panic_in_work && first == 3 * CHUNK_TRIALS), "work");
                            first
                        },
                        |first| assert!(panic_in_work || first != 3 * CHUNK_TRIALS, "merge"),
                        &|_| {},
                    )
                });
                let _ = done.send(result.is_err());
            });
            let panicked = finished.recv_timeout(std::time::Duration::from_secs(60));
            assert_eq!(panicked, Ok(true), "panic in work: {panic_in_work}");
        }
    }

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

    /// A gate reached by its phase's earliest start skips the search; the
    /// start must be what the full search gives, in every trial.
    #[test]
    fn gated_starts_match_the_full_search() {
        let paris = crate::test_scenarios::PARIS;
        let mut shortcuts = 0;
        for text in [crate::test_scenarios::DEFAULT, paris] {
            each_scheduled_trial(text, &[], 9, |trial, t| {
                let model = trial.model;
                let horizon = f64::from(model.horizon);
                for (k, phase) in model.phases.iter().enumerate() {
                    let PhaseStartModel::After {
                        parent,
                        lag,
                        gate: Some(_),
                    } = &phase.start
                    else {
                        continue;
                    };
                    let u = trial.b_phase_u[t * model.phases.len() + k];
                    let earliest = trial.phase_start[*parent] + lag.sample(u).max(0.0);
                    let c = trial.gate_condition[k];
                    // Pledges of later phases do not count towards the
                    // gate, so the schedule as it stands serves.
                    let searched = trial.first_reached(c..c + 1, f64::NEG_INFINITY, horizon);
                    let expected = searched.map_or(f64::INFINITY, |g| earliest.max(g));
                    assert_eq!(trial.phase_start[k].to_bits(), expected.to_bits());
                    shortcuts += usize::from(trial.gate_time[k] == earliest);
                }
            });
        }
        assert!(shortcuts > 100, "{shortcuts}");
    }

    /// Draws 8 blocks of trials of scenario `text` (with `set` overrides)
    /// and calls `check` on each trial (and its index in the block) once
    /// its phases are scheduled.
    fn each_scheduled_trial(
        text: &str,
        set: &[String],
        seed: u64,
        mut check: impl FnMut(&mut Trial<BLOCK>, usize),
    ) {
        let scenario = crate::input::load::load_str("test", text, set).expect("valid");
        let model = Model::compile(&scenario.scenario);
        let mut trial = Trial::<BLOCK>::new(&model, seed, 0);
        for _ in 0..8 {
            trial.draw_block(BLOCK);
            for t in 0..BLOCK {
                trial.load(t);
                trial.schedule_phases(None);
                check(&mut trial, t);
            }
        }
    }

    /// The first time met is searched only in the month before the first
    /// met month unless a critical pledge withdraws before that, and found
    /// without a search when none withdraws by then; it must be what the
    /// search over the whole horizon gives, in every trial.
    #[test]
    fn first_met_matches_the_full_search() {
        let paris = crate::test_scenarios::PARIS;
        let (mut narrowed, mut shortcut) = (0, 0);
        for (text, set) in [
            (crate::test_scenarios::DEFAULT, vec![]),
            (paris, vec!["scenario.horizon_months=130".to_string()]),
        ] {
            each_scheduled_trial(text, &set, 13, |trial, _| {
                let model = trial.model;
                let (horizon, critical) = (f64::from(model.horizon), 0..model.critical.len());
                trial.sweep_months(false);
                if trial.first_met_month == Some(0) {
                    return;
                }
                let full = trial.first_reached(critical.clone(), 0.0, horizon);
                let found = trial.first_met();
                assert_eq!(found.map(f64::to_bits), full.map(f64::to_bits));
                if let Some(t) = trial.first_met_month {
                    shortcut += usize::from(trial.first_met_in_month(t).is_some());
                }
                let withdrawn = critical
                    .flat_map(|c| trial.conditions[c].pledges.clone())
                    .any(|i| trial.end[i] <= horizon && trial.start[i] < trial.end[i]);
                narrowed += usize::from(withdrawn && found.is_some());
            });
        }
        // Trials met that have a withdrawal within the horizon: where the
        // narrowing differs from the search it replaced.
        assert!(narrowed > 100, "{narrowed}");
        // Trials settled by `first_met_in_month`.
        assert!(shortcut > 1000, "{shortcut}");
    }

    /// Pivotal members by brute force: every joined replica's pledges
    /// removed and the whole schedule rerun. Includes sums that tie with
    /// the amount up to rounding (0.1 + 0.2 against 0.3), where the
    /// subtraction cannot decide.
    #[test]
    fn pivotal_matches_rescheduling_without_each_unit() {
        let ties = r#"
            [scenario]
            name = "ties"
            horizon_months = 6
            [[capability]]
            id = "c"
            need = 0.3
            [[phase]]
            id = "p"
            [[phase]]
            id = "q"
            after = "p"
            gate = { capability = "c", coverage = 0.5 }
            [[member]]
            id = "a"
            join = 0.9
            [[member.pledge]]
            capability = "c"
            phase = "p"
            amount = 0.1
            [[member]]
            id = "b"
            join = 0.9
            [[member.pledge]]
            capability = "c"
            phase = "p"
            amount = 0.2
            delay_months = { uniform = [0, 3] }
            [[member]]
            id = "d"
            join = 0.5
            count = 2
            [[member.pledge]]
            capability = "c"
            phase = "q"
            amount = 0.1
        "#;
        let paris = crate::test_scenarios::PARIS;
        let mut checked = 0;
        for text in [crate::test_scenarios::DEFAULT, paris, ties] {
            each_scheduled_trial(text, &[], 17, |trial, t| {
                let model = trial.model;
                trial.sweep_months(false);
                if !trial.met_at_horizon {
                    return;
                }
                trial.mark_pivotal();
                let mut expected = vec![false; model.member_count];
                for (u, unit) in model.units.iter().enumerate() {
                    if trial.b_joined[u * BLOCK + t] {
                        trial.swap_schedule();
                        trial.schedule_phases(Some(u));
                        expected[unit.member] |= !trial.met_at(f64::from(model.horizon));
                        trial.swap_schedule();
                    }
                }
                assert_eq!(trial.pivotal, expected);
                checked += expected.iter().filter(|&&p| p).count();
            });
        }
        assert!(checked > 500, "{checked}");
    }

    #[test]
    fn least_meeting_agrees_with_the_division_form() {
        for &(need, thr) in &[
            (10_000.0, 0.5),
            (6000.0, 0.5),
            (100.0, 0.7),
            (3.0, 0.1),
            (7.3, 1.0),
            (1e-3, 0.3),
            (25.0, 0.3),
            // Extremes within validation's limits (the old walk from
            // threshold * need took ~10^15 steps on the first).
            (999_999_999_999_999.0, 5e-324),
            (1e-300, 1.0),
            (1e300, 1e-300),
            (f64::MIN_POSITIVE, 0.5),
        ] {
            let meets = |x: f64| (x / need).min(1.0) >= thr;
            let m = least_meeting(need, thr);
            assert!(meets(m) && !meets(m.next_down()), "{need} {thr} {m}");
            let (mut up, mut down) = (m, m.next_down());
            for _ in 0..1000 {
                up = up.next_up();
                down = down.next_down();
                assert!(meets(up) && !meets(down));
            }
        }
    }
}
