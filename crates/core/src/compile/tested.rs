//! The contract-v2 parts of a model: political events and exits
//! (docs/model.md 6), a renewed attack and the response to it (7), and what
//! attribution (9) needs to know about who depends on whom.
//!
//! Their random quantities are not drawn with the v1 entities (a v1 file
//! must draw exactly what it drew before): each is one uniform per trial
//! from a stream of its own, listed in `Tested::streams`, and read by its
//! index there (`Slot`). A quantity that needs no draw has no slot.

use crate::compile::dist::Sampler;
use crate::input::scenario::{ExitTrigger, Scenario, Site};
use crate::rng::stream_for_key;
use std::collections::HashSet;

/// The streams of drawn quantities, as slots are handed out.
#[derive(Default)]
struct Slots(Vec<u64>);

impl Slots {
    /// The slot of a quantity with stream key `key`, if it needs a draw.
    fn slot(&mut self, key: String, needed: bool) -> Slot {
        needed.then(|| {
            self.0.push(stream_for_key(&key));
            self.0.len() - 1
        })
    }
}

/// Index of a quantity's uniform in `Tested::streams` (`None`: no draw
/// needed; the quantity is decided without one).
pub type Slot = Option<usize>;

#[derive(Debug, Clone, Default)]
pub struct Tested {
    /// The stream of every drawn v2 quantity, in slot order.
    pub streams: Vec<u64>,
    pub events: Vec<EventModel>,
    /// Per unit (in `Model::units` order), its exit rules.
    pub exits: Vec<Vec<ExitModel>>,
    /// Units with exit rules, in an order where a unit a `with` rule names
    /// comes first.
    pub exit_order: Vec<usize>,
    pub attack: Option<AttackModel>,
    /// Per unit: P(honours | present at the attack), and its slot.
    pub honour: Vec<(f64, Slot)>,
    /// Responses of all units (unit order, then file order).
    pub responses: Vec<ResponseModel>,
    /// Per response: its scenario member and place among the member's
    /// responses (what an uncertain response probability patches).
    pub response_source: Vec<(usize, usize)>,
    /// Per scenario member: whether forcing it out (docs/model.md 9) can
    /// change more than removing its own pledges: it has several replicas,
    /// a member requires it, or an exit rule is `with` it.
    pub forced_out_reaches_others: Vec<bool>,
    /// Per scenario member: forcing it out can only remove joins (every
    /// member that depends on it has `join_without` at most its `join`) and
    /// no exit is `with` it or one of those: the counterfactual then only
    /// takes pledges away.
    pub forcing_out_only_removes: Vec<bool>,
    /// Per scenario member: the units whose join may change when it is
    /// forced out (they require one of its units, directly or through
    /// others), in unit order.
    pub dependent_units: Vec<Vec<usize>>,
}

#[derive(Debug, Clone)]
pub struct EventModel {
    pub probability: f64,
    pub happens: Slot,
    pub month: Sampler,
    pub month_slot: Slot,
}

#[derive(Debug, Clone)]
pub struct ExitModel {
    pub trigger: ExitTriggerModel,
    pub probability: f64,
    pub fire: Slot,
    pub lag: Sampler,
    pub lag_slot: Slot,
}

#[derive(Debug, Clone, Copy)]
pub enum ExitTriggerModel {
    /// Index into `Tested::events`.
    Event(usize),
    /// Unit index of the member it leaves with.
    With(usize),
    /// Mean time to exit in months (`12 / rate_per_year`; +inf: never),
    /// the slot of the exponential draw, and the uniform below which the
    /// time falls within the horizon (`1 - exp(-horizon / mean)`): a time
    /// beyond it changes no output (every lag is >= 0), so it is taken as
    /// never without a logarithm.
    Rate {
        mean_months: f64,
        time: Slot,
        within: f64,
    },
}

#[derive(Debug, Clone)]
pub struct AttackModel {
    /// Hazards per month while the guarantee is not met, and while it is.
    pub rate: f64,
    pub rate_when_met: f64,
    pub window: f64,
    /// Warning capability, its meeting amount (coverage at its threshold)
    /// and the lead in months.
    pub warning: Option<(usize, f64, f64)>,
    /// Capabilities with a `response_need`, and the least response that
    /// meets each (its threshold times the response need, exactly).
    pub tested: Vec<(usize, f64)>,
    pub time: Slot,
}

#[derive(Debug, Clone)]
pub struct ResponseModel {
    pub unit: usize,
    /// Index into `AttackModel::tested`.
    pub tested: usize,
    pub probability: f64,
    pub delivered: Slot,
    pub amount: Sampler,
    pub amount_slot: Slot,
    pub delay: Sampler,
    pub delay_slot: Slot,
}

impl Tested {
    /// Whether the scenario uses any of it (a v1 file does not).
    pub fn has_time(&self) -> bool {
        !self.events.is_empty() || !self.exit_order.is_empty()
    }

    /// `units`: per unit, its scenario member and replica index, in model
    /// order; `unit_of_member`: the first unit of each scenario member;
    /// `uncertain`: the numbers drawn per outer sample (docs/model.md 8),
    /// whose quantities always get a slot, whatever the value compiled.
    pub fn compile(
        scenario: &Scenario,
        units: &[(usize, u32)],
        unit_of_member: &[usize],
        uncertain: &HashSet<Site>,
    ) -> Tested {
        let forced = |site: Site| uncertain.contains(&site);
        let mut t = Tested::default();
        let mut slots = Slots::default();
        let drawn = |p: f64| p > 0.0 && p < 1.0;
        for (i, e) in scenario.events.iter().enumerate() {
            let month = Sampler::new(&e.month);
            t.events.push(EventModel {
                probability: e.probability,
                happens: slots.slot(
                    format!("event/{}/happens", e.id),
                    drawn(e.probability) || forced(Site::EventProbability(i)),
                ),
                month_slot: slots.slot(format!("event/{}/month", e.id), !month.is_constant()),
                month,
            });
        }
        let attack = scenario.attack.as_ref();
        for &(m, replica) in units {
            let member = &scenario.members[m];
            let key = super::unit_key(&member.id, replica);
            let mut exits = Vec::new();
            for (position, exit) in member.exits.iter().enumerate() {
                let rule = format!("exit/{key}/{position}");
                let trigger = match exit.trigger {
                    ExitTrigger::Event(e) => ExitTriggerModel::Event(e),
                    ExitTrigger::With(w) => ExitTriggerModel::With(unit_of_member[w]),
                    ExitTrigger::RatePerYear(r) => {
                        let mean_months = if r > 0.0 { 12.0 / r } else { f64::INFINITY };
                        let horizon = f64::from(scenario.horizon_months);
                        ExitTriggerModel::Rate {
                            mean_months,
                            time: slots.slot(
                                format!("{rule}/time"),
                                r > 0.0 || forced(Site::ExitRate(m, position)),
                            ),
                            // Rounded up a little: a time at the very edge
                            // is computed, not dropped.
                            within: rate_within(mean_months, horizon),
                        }
                    }
                };
                let lag = Sampler::new(&exit.lag);
                exits.push(ExitModel {
                    trigger,
                    probability: exit.probability,
                    fire: slots.slot(
                        format!("{rule}/fire"),
                        drawn(exit.probability) || forced(Site::ExitProbability(m, position)),
                    ),
                    lag_slot: slots.slot(format!("{rule}/lag"), !lag.is_constant()),
                    lag,
                });
            }
            t.exits.push(exits);
            let with_attack = attack.is_some();
            let honour = member.honour;
            t.honour.push((
                honour,
                slots.slot(
                    format!("honour/{key}"),
                    with_attack && (drawn(honour) || forced(Site::Honour(m))),
                ),
            ));
        }
        t.exit_order = exit_order(&t.exits);

        if let Some(a) = attack {
            let tested: Vec<(usize, f64)> = scenario
                .capabilities
                .iter()
                .enumerate()
                // The amounts are `Model::derive`'s.
                .filter_map(|(c, cap)| cap.response_need.map(|_| (c, f64::NAN)))
                .collect();
            for (u, &(m, replica)) in units.iter().enumerate() {
                let member = &scenario.members[m];
                let key = super::unit_key(&member.id, replica);
                let mut seen: Vec<usize> = Vec::new();
                for (j, r) in member.responses.iter().enumerate() {
                    let position = seen.iter().filter(|&&c| c == r.capability).count();
                    seen.push(r.capability);
                    let Some(k) = tested.iter().position(|&(c, _)| c == r.capability) else {
                        continue;
                    };
                    let cap = &scenario.capabilities[r.capability].id;
                    let base = format!("response/{key}/{cap}/{position}");
                    let (amount, delay) = (Sampler::new(&r.amount), Sampler::new(&r.delay));
                    t.response_source.push((m, j));
                    t.responses.push(ResponseModel {
                        unit: u,
                        tested: k,
                        probability: r.probability,
                        delivered: slots.slot(
                            format!("{base}/delivered"),
                            drawn(r.probability) || forced(Site::ResponseProbability(m, j)),
                        ),
                        amount_slot: slots.slot(format!("{base}/amount"), !amount.is_constant()),
                        delay_slot: slots.slot(format!("{base}/delay"), !delay.is_constant()),
                        amount,
                        delay,
                    });
                }
            }
            // The amount is `Model::derive`'s.
            let warning = a
                .warning
                .as_ref()
                .map(|w| (w.capability, f64::NAN, w.lead_months));
            let varies = a.rate_per_year != a.rate_per_year_when_met;
            t.attack = Some(AttackModel {
                rate: a.rate_per_year / 12.0,
                rate_when_met: a.rate_per_year_when_met / 12.0,
                window: a.window_months,
                warning,
                tested,
                time: slots.slot(
                    "attack/time".into(),
                    a.rate_per_year > 0.0
                        || (varies && a.rate_per_year_when_met > 0.0)
                        || forced(Site::AttackRate)
                        || forced(Site::AttackRateWhenMet),
                ),
            });
        }

        t.streams = slots.0;
        t.dependent_units = dependent_units(scenario, units);
        t.forced_out_reaches_others = scenario
            .members
            .iter()
            .enumerate()
            .map(|(m, member)| {
                member.count > 1
                    || scenario.members.iter().any(|o| {
                        o.requires == Some(m)
                            || o.exits.iter().any(|x| x.trigger == ExitTrigger::With(m))
                    })
            })
            .collect();
        t
    }
}

/// The uniform below which an exponential time of mean `mean_months`
/// falls within `horizon` (see `ExitTriggerModel::Rate`), rounded up a
/// little: a time at the very edge is computed, not dropped.
pub(crate) fn rate_within(mean_months: f64, horizon: f64) -> f64 {
    (-(-horizon / mean_months).exp_m1() * (1.0 + 1e-12)).min(1.0)
}

/// Per member, the units of the members that require it, directly or
/// through others, in unit order. (Validation bounds their total.)
fn dependent_units(scenario: &Scenario, units: &[(usize, u32)]) -> Vec<Vec<usize>> {
    let n = scenario.members.len();
    let mut requiring = vec![Vec::new(); n];
    for (m, member) in scenario.members.iter().enumerate() {
        if let Some(r) = member.requires {
            requiring[r].push(m);
        }
    }
    let mut units_of = vec![Vec::new(); n];
    for (u, &(m, _)) in units.iter().enumerate() {
        units_of[m].push(u);
    }
    (0..n)
        .map(|m| {
            let mut out = Vec::new();
            let mut stack = requiring[m].clone();
            // `requires` forms no cycle (validation), so each member is
            // reached once; the bound guards against a cycle all the same.
            let mut steps = 0;
            while let Some(d) = stack.pop() {
                steps += 1;
                if steps > n {
                    break;
                }
                out.extend_from_slice(&units_of[d]);
                stack.extend_from_slice(&requiring[d]);
            }
            out.sort_unstable();
            out
        })
        .collect()
}

/// Units with exit rules, each after the units its `with` rules name
/// (validation rejects cycles; a unit caught in one anyway comes last).
fn exit_order(exits: &[Vec<ExitModel>]) -> Vec<usize> {
    let with = |u: usize| {
        exits[u].iter().filter_map(|x| match x.trigger {
            ExitTriggerModel::With(v) => Some(v),
            _ => None,
        })
    };
    let mut placed = vec![false; exits.len()];
    let mut order = Vec::new();
    let pending: Vec<usize> = (0..exits.len()).filter(|&u| !exits[u].is_empty()).collect();
    // Units without rules never exit: they are "placed" from the start.
    for (u, rules) in exits.iter().enumerate() {
        placed[u] = rules.is_empty();
    }
    loop {
        let before = order.len();
        for &u in &pending {
            if !placed[u] && with(u).all(|v| placed[v]) {
                placed[u] = true;
                order.push(u);
            }
        }
        if order.len() == pending.len() {
            break;
        }
        if order.len() == before {
            order.extend(pending.iter().filter(|&&u| !placed[u]));
            break;
        }
    }
    order
}
