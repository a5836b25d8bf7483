//! `Trial`: a chunk's streams and scratch space, the trials of a block run
//! stage by stage (`run_block`), and small helpers the stages share.

use super::months::MonthSteps;
use super::record::{Histograms, Tally};
use super::{SPARE_ROWS, TrialOutcome};
use crate::compile::least_meeting;
use crate::compile::{GateModel, Model, PhaseStartModel};
use crate::rng::{EntityStream, key_for_seed};
use std::ops::Range;

#[cfg(test)]
use super::BLOCK;

/// `if c { a } else { b }` by bit masks: LLVM turns a float `if` into a
/// branch, which mispredicts on the coin flips of a trial. It still
/// recognises the masks as a select in some loops and branches there (x86
/// has no scalar float `cmov`, and `select_unpredictable` does not change
/// that for f64); those loops add amounts times 0 or 1 instead, which
/// cannot become a branch (see `first_reached`). Where LLVM keeps the masks,
/// they are cheaper than the multiplication.
#[inline(always)]
pub(super) fn select(c: bool, a: f64, b: f64) -> f64 {
    let mask = u64::from(c).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// 2^52: adding it to a value in [0, 2^52) rounds the value to an integer,
/// which then sits in the low bits of the sum (the ulp there is 1).
const TWO_POW_52: f64 = (1u64 << 52) as f64;

/// `x` in [0, 2^52) rounded to the nearest integer, as an integer: cheaper
/// than a saturating `as` conversion.
#[inline(always)]
pub(super) fn round_to_int(x: f64) -> i64 {
    (x + TWO_POW_52).to_bits() as i64 - TWO_POW_52.to_bits() as i64
}

/// `x.max(0).ceil()` for `x <= 2^51`: without SSE4.1 in plain arithmetic
/// (`f64::ceil` is a library call there). 1% fewer instructions a trial
/// with it (cachegrind).
#[inline(always)]
pub(super) fn ceil_month(x: f64) -> f64 {
    let x = x.max(0.0);
    if cfg!(target_feature = "sse4.1") {
        // One instruction (`roundsd`, in builds for a CPU with SSE4.1,
        // e.g. `RUSTFLAGS=-Ctarget-cpu=native`), the same value.
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
pub(super) struct Condition {
    pub(super) pledges: Range<usize>,
    pub(super) factors: usize,
    pub(super) amount: f64,
}

/// Per-chunk random streams and scratch space, reused for every trial;
/// blocks of `B` trials (see `full_blocks`).
pub(super) struct Trial<'m, const B: usize> {
    pub(super) model: &'m Model,
    pub(super) group_streams: Vec<EntityStream<1>>,
    pub(super) unit_streams: Vec<EntityStream<1>>,
    /// Per pledge, a stream per `PLEDGE_SLOTS` quantity; per phase, one for
    /// its start or lag. `None` where the quantity needs no draw.
    pub(super) pledge_streams: Vec<[Option<EntityStream<1>>; 4]>,
    pub(super) phase_streams: Vec<Option<EntityStream<1>>>,
    /// Raw random words of one entity for a block of trials.
    pub(super) words: Vec<u32>,
    /// Scratch list of trials of the block: those where a pledge is
    /// delivered, or where a group member's join is left unsure by its
    /// bracket (see `draw_block`).
    pub(super) idx: Vec<u32>,
    /// `[unit * BLOCK + k]`: the trials of the block where the unit
    /// joined, the first `unit_joined_len[unit]` entries.
    pub(super) unit_joined: Vec<u32>,
    pub(super) unit_joined_len: Vec<usize>,
    /// Block arrays: `[group * BLOCK + t]`, `[unit * BLOCK + t]`.
    pub(super) b_factor: Vec<f64>,
    pub(super) b_joined: Vec<bool>,
    /// Block arrays `[pledge * ROW + t]`: drawn pledge by pledge, so each
    /// pledge's draws are stored one after another (trial-major, every
    /// store would touch another cache line). A pledge not delivered has
    /// delay +inf, so it is placed at +inf without a branch or select.
    pub(super) b_amount: Vec<f64>,
    pub(super) b_delay: Vec<f64>,
    pub(super) b_duration: Vec<f64>,
    /// `[t * phases + k]`
    pub(super) b_phase_u: Vec<f64>,
    /// The current trial's index in the block, and its pledge amounts
    /// (gathered from the block arrays by `load`; delays and durations are
    /// read there in place).
    pub(super) t: usize,
    pub(super) amount: Vec<f64>,
    /// Absolute deployment interval [start, end); +inf start = never.
    pub(super) start: Vec<f64>,
    pub(super) end: Vec<f64>,
    pub(super) phase_start: Vec<f64>,
    /// A time at which each gated phase's gate holds, from which its start
    /// follows: the first time reached, or the phase's earliest start when
    /// reached by then (+inf: never; -inf: no gate).
    pub(super) gate_time: Vec<f64>,
    /// Spare `start`, `end`, `phase_start`, `gate_time` for a counterfactual
    /// schedule (see `met_at_horizon_without`).
    pub(super) spare: (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>),
    /// The pledges deployed at some month (see `sweep_months`): months
    /// `first <= m < last` (as f64, to compare with a month without
    /// conversions; `last = months` for none within the horizon) and
    /// amounts. Those of capability `c` are
    /// `deployed_range[c]..deployed_range[c + 1]`.
    pub(super) first_month: Vec<f64>,
    pub(super) last_month: Vec<f64>,
    pub(super) deployed_amount: Vec<f64>,
    pub(super) deployed_range: Vec<usize>,
    /// Bit set of the months where some pledge starts or stops counting
    /// (bit `months` is a sentinel, never visited).
    pub(super) changes: Vec<u64>,
    /// Per month, bit `c % 64` set when a pledge to capability `c` starts
    /// or stops counting there; cleared as visited. Then the sentinel row
    /// and `SPARE_ROWS` rows written for it, never read.
    pub(super) changed_capabilities: Vec<u64>,
    /// Capability weights and needs, apart: summing weights from the
    /// capabilities' structs costs the sweep 7 branch mispredicts a trial
    /// (cachegrind).
    pub(super) weights: Vec<f64>,
    pub(super) need: Vec<f64>,
    /// Per capability, the least committed amount that meets it: the
    /// condition's amount when critical, else -inf (always met). How many
    /// capabilities meet theirs with nothing committed.
    pub(super) meeting_amount: Vec<f64>,
    pub(super) meeting_at_zero: usize,
    /// Committed amount and coverage of each capability, at the last month
    /// swept: after `sweep_months`, at the horizon.
    pub(super) committed: Vec<f64>,
    pub(super) coverage: Vec<f64>,
    /// Overall coverage and met at the horizon; the first integer month met.
    pub(super) overall_at_horizon: f64,
    pub(super) met_at_horizon: bool,
    pub(super) first_met_month: Option<usize>,
    /// The per-month statistics of the chunk, as steps (see `MonthSteps`).
    pub(super) steps: MonthSteps,
    /// (deployment time, condition, amount), room for every condition's
    /// pledges, and per-condition upper bounds: scratch of `first_reached`.
    pub(super) candidates: Vec<(f64, usize, f64)>,
    pub(super) bounds: Vec<f64>,
    /// Room for the start of every critical pledge: scratch of
    /// `first_met_in_month`.
    pub(super) window_starts: Vec<f64>,
    pub(super) pivotal: Vec<bool>,
    /// The unit (member replica) of each pledge.
    pub(super) pledge_unit: Vec<usize>,
    /// Pledges of each phase slot.
    pub(super) pledges_by_phase: Vec<Vec<usize>>,
    /// Meeting each critical capability's threshold (in `model.critical`
    /// order), then reaching each gate (in `gate_phases` order).
    pub(super) conditions: Vec<Condition>,
    /// The factors `Condition::factors` points into: 1 for every pledge,
    /// then each gate's `counted`.
    pub(super) factors: Vec<f64>,
    /// Phases with a gate; for each phase, the index of its gate in
    /// `conditions` (unused for phases without one).
    pub(super) gate_phases: Vec<usize>,
    pub(super) gate_condition: Vec<usize>,
    /// Per condition: its time, and its sum then (`condition_sums`), in
    /// total and `[condition * units + unit]` per unit.
    pub(super) condition_time: Vec<f64>,
    pub(super) condition_total: Vec<f64>,
    pub(super) condition_part: Vec<f64>,
    /// Per unit, scratch of `mark_pivotal`.
    pub(super) fails: Vec<bool>,
    pub(super) moves: Vec<bool>,

    // Contract v2 (docs/model.md 6, 7 and 9); empty for a v1 scenario.
    /// The seed's key and the first trial of the current block: a
    /// counterfactual (`mark_pivotal_total`) draws out of turn.
    pub(super) key: [u8; 32],
    pub(super) block_first: u64,
    pub(super) next_block_first: u64,
    /// One stream per drawn v2 quantity (`Tested::streams`), and the block's
    /// uniforms `[slot * B + t]`.
    pub(super) tested_streams: Vec<EntityStream<1>>,
    pub(super) b_tested_u: Vec<f64>,
    /// `[unit * B + t]`: the join word of each unit that requires another
    /// (a counterfactual redraws its join on it); empty otherwise.
    pub(super) b_join_word: Vec<u32>,
    /// The current trial: each event's time (+inf: does not happen), each
    /// unit's exit time (+inf: never), and whether each unit joined.
    pub(super) event_time: Vec<f64>,
    pub(super) exit_time: Vec<f64>,
    pub(super) joined_now: Vec<bool>,
    /// Some unit has exit rules: pledges' ends are cut at exit times.
    pub(super) cut_by_exits: bool,
    /// The current trial's attack, if any (`test_guarantee`).
    pub(super) attack: Option<AttackOutcome>,
    /// Per unit: present at the attack and honours. Per tested capability:
    /// its response meets the threshold within the window. Per member: a
    /// replica is pivotal to the response.
    pub(super) honours: Vec<bool>,
    pub(super) tested_met: Vec<bool>,
    pub(super) pivotal_attack: Vec<bool>,
    /// Scratch of `test_guarantee`: (arrival after the attack, tested
    /// capability, amount, unit); running response sums; the times the
    /// guarantee's status may change.
    pub(super) arrivals: Vec<(f64, usize, f64, usize)>,
    pub(super) response_sums: Vec<f64>,
    /// `[unit * tested + j]`: each unit's part of each response sum.
    pub(super) response_parts: Vec<f64>,
    /// The response sums before the pivotal tests (scratch).
    pub(super) response_totals: Vec<f64>,
    pub(super) breaks: Vec<(f64, usize, f64)>,
    pub(super) path_sums: Vec<f64>,
    /// Per member: pivotal when forced out (docs/model.md 9); each
    /// member's units; scratch of the counterfactual.
    pub(super) pivotal_total: Vec<bool>,
    pub(super) member_units: Vec<Range<usize>>,
    /// Members that forcing out can change more than removing their own
    /// pledges (`Tested::forced_out_reaches_others`).
    pub(super) reaching: Vec<usize>,
    pub(super) forced_joined: Vec<bool>,
    /// Units whose `forced_joined` entry is set for the current forced-out
    /// member: those with `forced_stamp[u] == stamp`.
    pub(super) forced_stamp: Vec<u64>,
    pub(super) stamp: u64,
    /// The units that joined and do not with the member forced out.
    pub(super) removed: Vec<usize>,
    pub(super) forced_exit: Vec<f64>,
    pub(super) patches: Vec<Patch>,
}

/// The attack of a trial (docs/model.md 7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct AttackOutcome {
    /// Months from month 0.
    pub(super) time: f64,
    pub(super) warned: bool,
    /// Months from the attack to the response; `None`: not honoured.
    pub(super) response_time: Option<f64>,
}

/// A pledge's block values and gathered amount, saved while a
/// counterfactual changes them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Patch {
    pub(super) pledge: usize,
    pub(super) amount: f64,
    pub(super) delay: f64,
    pub(super) duration: f64,
    pub(super) loaded: f64,
}

impl<'m, const B: usize> Trial<'m, B> {
    /// Row length of the per-pledge block arrays: a block, plus one cache
    /// line when the block is a multiple of 64 values, so that rows do not
    /// all map to the same few sets of the first level cache (such a stride
    /// does, and `load` reads down a column).
    pub(super) const ROW: usize = B + if B.is_multiple_of(64) { 8 } else { 0 };

    pub(super) fn new(model: &'m Model, seed: u64, first_trial: u64) -> Self {
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
        let units = model.units.len();
        let tested = &model.tested;
        let mut member_units = vec![0..0; model.member_count];
        for (u, unit) in model.units.iter().enumerate() {
            let r = &mut member_units[unit.member];
            *r = if r.start == r.end {
                u..u + 1
            } else {
                r.start..u + 1
            };
        }
        let dependents = model.units.iter().any(|u| u.requires.is_some());
        let attack = tested.attack.as_ref();
        Trial {
            key,
            block_first: first_trial,
            next_block_first: first_trial,
            tested_streams: tested
                .streams
                .iter()
                .map(|&s| EntityStream::new(&key, s, first_trial))
                .collect(),
            b_tested_u: vec![0.0; tested.streams.len() * B],
            b_join_word: vec![0; if dependents { units * B } else { 0 }],
            event_time: vec![f64::INFINITY; tested.events.len()],
            exit_time: vec![f64::INFINITY; units],
            cut_by_exits: !tested.exit_order.is_empty(),
            joined_now: vec![false; units],
            attack: None,
            honours: vec![false; units],
            tested_met: vec![false; attack.map_or(0, |a| a.tested.len())],
            pivotal_attack: vec![false; model.member_count],
            arrivals: Vec::with_capacity(tested.responses.len()),
            response_sums: vec![0.0; attack.map_or(0, |a| a.tested.len())],
            response_totals: Vec::new(),
            response_parts: vec![0.0; units * attack.map_or(0, |a| a.tested.len())],
            breaks: Vec::with_capacity(2 * n_pledges),
            path_sums: Vec::with_capacity(model.critical.len()),
            pivotal_total: vec![false; model.member_count],
            member_units,
            reaching: (0..model.member_count)
                .filter(|&m| tested.forced_out_reaches_others[m])
                .collect(),
            forced_joined: vec![false; units],
            forced_stamp: vec![0; units],
            stamp: 0,
            removed: Vec::new(),
            forced_exit: vec![f64::INFINITY; units],
            patches: Vec::new(),
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
    #[inline(always)]
    pub(super) fn run_block(
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
            if self.model.tested.attack.is_some() {
                self.test_guarantee();
            }
            let o = match acc.as_mut() {
                Some((tally, histograms)) => self.record(tally, histograms),
                None => self.outcome(),
            };
            if keep {
                out.push(o);
            }
        }
    }

    /// The sum that tests capability `c`'s coverage against `amount`.
    pub(super) fn capability_condition(&self, c: usize, amount: f64) -> Condition {
        let pledges = self.model.capability_pledges[c].clone();
        Condition {
            // The first factors (one per pledge) are all 1.
            factors: pledges.start,
            pledges,
            amount,
        }
    }

    /// The trial's outcome alone, without recording any statistics; the
    /// same values `record` returns.
    pub(super) fn outcome(&self) -> TrialOutcome {
        TrialOutcome {
            met_at_horizon: self.met_at_horizon,
            overall_at_horizon: self.overall_at_horizon,
            attacked: self.attack.is_some(),
            honoured: self.attack.is_some_and(|a| a.response_time.is_some()),
        }
    }
}

/// Draws 8 blocks of trials of scenario `text` (with `set` overrides)
/// and calls `check` on each trial (and its index in the block) once
/// its phases are scheduled.
#[cfg(test)]
pub(super) fn each_scheduled_trial(
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
