//! Scenario -> `Model`: the validated scenario turned into flat arrays the
//! trial loop can run without lookups, allocation or string handling.
//! Member replicas are expanded into units, references resolved to unit and
//! pledge indices, evaluation orders fixed, stream numbers derived from ids.

pub(crate) mod dist;
pub mod outer;
pub(crate) mod tested;

use crate::compile::dist::{Sampler, inverse_normal_cdf};
use crate::compile::outer::{OuterRun, UncertainModel};
use crate::compile::tested::Tested;
use crate::input::scenario::{PhaseStart, Scenario, Site};
use crate::rng::stream_for_key;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Model {
    pub horizon: u32,
    pub capabilities: Vec<CapabilityModel>,
    pub weight_sum: f64,
    /// Capability indices that decide whether the guarantee is met.
    pub critical: Vec<usize>,
    pub groups: Vec<GroupModel>,
    /// Member replicas, in an order where a required member comes first.
    pub units: Vec<UnitModel>,
    /// Pledges of all units, grouped by capability (capability order); within
    /// a capability in unit order, then file order. That is the order a
    /// capability's amounts are summed in, and each capability's pledges are
    /// one contiguous range (`capability_pledges`) the trial loop scans.
    pub pledges: Vec<PledgeModel>,
    /// `pledges[capability_pledges[c]]` are capability `c`'s.
    pub capability_pledges: Vec<Range<usize>>,
    /// Phases, in an order where a phase comes after the phase it follows.
    pub phases: Vec<PhaseModel>,
    /// Index of each scenario phase in `phases`.
    pub phase_slot: Vec<usize>,
    /// Number of scenario members (units map back to these).
    pub member_count: usize,
    /// No pledge of a gated phase or a phase after one has a duration. Then
    /// a later gate only delays pledges that stay once deployed, so it can
    /// only lower what is committed at the horizon (the pivotal test uses it).
    pub delays_only_remove: bool,
    /// Events, exits, the attack and responses (docs/model.md 6, 7, 9).
    pub tested: Tested,
    /// Uncertain inputs (docs/model.md 8), in the scenario's order; empty
    /// for a file without any.
    pub uncertain: Vec<UncertainModel>,
    /// Per model pledge: its scenario member and place among the member's
    /// pledges (what an uncertain pledge probability patches).
    pub pledge_source: Vec<(usize, usize)>,
    /// Set for a run with uncertain inputs (`Model::with_outer`): the
    /// outer samples and their values; the trial loop then runs each
    /// sample's block of trials on the sample's model.
    pub outer: Option<Arc<OuterRun>>,
    /// `[scenario] outer_samples`, when the file gives it.
    pub outer_samples: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct CapabilityModel {
    pub need: f64,
    pub threshold: f64,
    pub critical: bool,
    pub weight: f64,
    pub response_need: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct GroupModel {
    pub stream: u64,
    pub sqrt_rho: f64,
    pub sqrt_one_minus_rho: f64,
}

#[derive(Debug, Clone)]
pub struct UnitModel {
    /// Index of the scenario member this replica belongs to.
    pub member: usize,
    pub stream: u64,
    pub group: Option<usize>,
    /// Unit index of the required member (always earlier in `units`).
    pub requires: Option<usize>,
    pub join: JoinRule,
    pub join_without: JoinRule,
    /// Some of its pledges count towards a phase gate, so removing them can
    /// move a phase (the pivotal test must then reschedule).
    pub feeds_gate: bool,
}

/// A join probability in the form the trial compares against: the uniform
/// itself for ungrouped members, the copula variable Z for grouped ones
/// (U < p  <=>  Z < Phi^-1(p), so Phi is never evaluated per trial).
#[derive(Debug, Clone, Copy)]
pub struct JoinRule {
    pub p: f64,
    pub z: f64,
}

impl JoinRule {
    pub(crate) fn new(p: f64) -> Self {
        Self {
            p,
            z: inverse_normal_cdf(p),
        }
    }
}

/// The random quantities of a pledge, each read from its own stream (keyed
/// `pledge/<replica>/<capability>/<phase>/<position>/<slot>`), so that a
/// quantity that needs no draw (a constant, no duration, probability 0 or
/// 1) costs no random words.
pub const PLEDGE_SLOTS: [&str; 4] = ["delivered", "amount", "delay", "duration"];

#[derive(Debug, Clone)]
pub struct PledgeModel {
    pub unit: usize,
    pub capability: usize,
    /// Index into `Model::phases` (evaluation order).
    pub phase: usize,
    /// One stream per random quantity, in `PLEDGE_SLOTS` order.
    pub streams: [u64; 4],
    pub probability: f64,
    pub amount: Sampler,
    pub delay: Sampler,
    /// `None`: stays to the horizon.
    pub duration: Option<Sampler>,
}

#[derive(Debug, Clone)]
pub struct PhaseModel {
    pub stream: u64,
    pub start: PhaseStartModel,
}

#[derive(Debug, Clone)]
pub enum PhaseStartModel {
    At(Sampler),
    After {
        /// Index into `Model::phases`, always earlier.
        parent: usize,
        lag: Sampler,
        gate: Option<GateModel>,
    },
}

#[derive(Debug, Clone)]
pub struct GateModel {
    pub capability: usize,
    pub coverage: f64,
    /// For each pledge to the gate capability (`capability_pledges` order):
    /// 1 if it comes from a phase earlier in the `after` chain, the only ones
    /// the gate counts (docs/model.md 3.3), else 0. A factor rather than a flag,
    /// so the gate's sum is the same loop as any other capability's.
    pub counted: Vec<f64>,
}

/// Stream key of a member replica (docs/model.md 3.7: member id and index).
pub fn unit_key(member_id: &str, replica: u32) -> String {
    format!("member/{member_id}#{replica}")
}

impl Model {
    pub fn compile(scenario: &Scenario) -> Model {
        let phase_order =
            topological_order(scenario.phases.len(), |i| match scenario.phases[i].start {
                PhaseStart::After { phase, .. } => Some(phase),
                PhaseStart::At(_) => None,
            });
        let mut phase_slot = vec![0; scenario.phases.len()];
        for (slot, &i) in phase_order.iter().enumerate() {
            phase_slot[i] = slot;
        }

        let member_order =
            topological_order(scenario.members.len(), |i| scenario.members[i].requires);
        let mut units = Vec::new();
        let mut pledges = Vec::new();
        // (scenario member, place among its pledges) of each pledge.
        let mut sources: Vec<(usize, usize)> = Vec::new();
        // First unit of each member, for `requires` (which never names a replicated member).
        let mut first_unit = vec![usize::MAX; scenario.members.len()];
        // (scenario member, replica) of each unit.
        let mut unit_members = Vec::new();
        for &m in &member_order {
            let member = &scenario.members[m];
            first_unit[m] = units.len();
            for replica in 0..member.count {
                let first_source = sources.len();
                let key = unit_key(&member.id, replica);
                let mut seen: Vec<(usize, usize)> = Vec::new();
                for pledge in &member.pledges {
                    let pair = (pledge.capability, pledge.phase);
                    let position = seen.iter().filter(|&&p| p == pair).count();
                    seen.push(pair);
                    let pledge_key = format!(
                        "pledge/{key}/{}/{}/{position}",
                        scenario.capabilities[pledge.capability].id,
                        scenario.phases[pledge.phase].id
                    );
                    sources.push((m, sources.len() - first_source));
                    pledges.push(PledgeModel {
                        unit: units.len(),
                        capability: pledge.capability,
                        phase: phase_slot[pledge.phase],
                        streams: PLEDGE_SLOTS
                            .map(|slot| stream_for_key(&format!("{pledge_key}/{slot}"))),
                        probability: pledge.probability,
                        amount: Sampler::new(&pledge.amount),
                        delay: Sampler::new(&pledge.delay),
                        duration: pledge.duration.as_ref().map(Sampler::new),
                    });
                }
                unit_members.push((m, replica));
                units.push(UnitModel {
                    member: m,
                    stream: stream_for_key(&key),
                    group: member.group,
                    requires: member.requires.map(|r| first_unit[r]),
                    join: JoinRule::new(member.join),
                    join_without: JoinRule::new(member.join_without),
                    feeds_gate: false,
                });
            }
        }

        // Stable: unit order, then file order, within each capability.
        let mut paired: Vec<(PledgeModel, (usize, usize))> =
            pledges.into_iter().zip(sources).collect();
        paired.sort_by_key(|(p, _)| p.capability);
        let (pledges, pledge_source): (Vec<PledgeModel>, Vec<(usize, usize)>) =
            paired.into_iter().unzip();
        let capability_pledges: Vec<Range<usize>> = (0..scenario.capabilities.len())
            .map(|c| {
                let lo = pledges.partition_point(|p| p.capability < c);
                let hi = pledges.partition_point(|p| p.capability <= c);
                lo..hi
            })
            .collect();

        let phases: Vec<PhaseModel> = phase_order
            .iter()
            .map(|&i| {
                let phase = &scenario.phases[i];
                let start = match &phase.start {
                    PhaseStart::At(d) => PhaseStartModel::At(Sampler::new(d)),
                    PhaseStart::After {
                        phase: parent,
                        lag,
                        gate,
                    } => PhaseStartModel::After {
                        parent: phase_slot[*parent],
                        lag: Sampler::new(lag),
                        gate: gate.as_ref().map(|g| {
                            // By slot: whether the phase comes before this
                            // one in its `after` chain.
                            let mut earlier = vec![false; scenario.phases.len()];
                            for a in ancestors(scenario, i) {
                                earlier[phase_slot[a]] = true;
                            }
                            GateModel {
                                capability: g.capability,
                                coverage: g.coverage,
                                counted: pledges[capability_pledges[g.capability].clone()]
                                    .iter()
                                    .map(|p| if earlier[p.phase] { 1.0 } else { 0.0 })
                                    .collect(),
                            }
                        }),
                    },
                };
                PhaseModel {
                    stream: stream_for_key(&format!("phase/{}", phase.id)),
                    start,
                }
            })
            .collect();

        for phase in &phases {
            if let PhaseStartModel::After { gate: Some(g), .. } = &phase.start {
                for (p, &counted) in pledges[capability_pledges[g.capability].clone()]
                    .iter()
                    .zip(&g.counted)
                {
                    if counted > 0.0 {
                        units[p.unit].feeds_gate = true;
                    }
                }
            }
        }

        let capabilities: Vec<CapabilityModel> = scenario
            .capabilities
            .iter()
            .map(|c| CapabilityModel {
                need: c.need,
                threshold: c.threshold,
                critical: c.critical,
                weight: c.weight,
                response_need: c.response_need,
            })
            .collect();
        // Phases a gate can move: gated ones and every phase after one.
        let mut movable = vec![false; phases.len()];
        for (k, phase) in phases.iter().enumerate() {
            if let PhaseStartModel::After { parent, gate, .. } = &phase.start {
                movable[k] = gate.is_some() || movable[*parent];
            }
        }
        let forced: HashSet<Site> = scenario
            .uncertain
            .iter()
            .flat_map(|u| u.sites.iter().copied())
            .collect();
        let tested = Tested::compile(scenario, &unit_members, &first_unit, &forced);
        // An exit ends pledges as a duration does.
        let delays_only_remove = pledges.iter().all(|p| {
            !movable[p.phase] || (p.duration.is_none() && tested.exits[p.unit].is_empty())
        });
        let mut model = Model {
            delays_only_remove,
            horizon: scenario.horizon_months,
            weight_sum: capabilities.iter().map(|c| c.weight).sum(),
            critical: (0..capabilities.len())
                .filter(|&c| capabilities[c].critical)
                .collect(),
            capabilities,
            groups: scenario
                .groups
                .iter()
                .map(|g| GroupModel {
                    stream: stream_for_key(&format!("group/{}", g.id)),
                    sqrt_rho: g.correlation.sqrt(),
                    sqrt_one_minus_rho: (1.0 - g.correlation).sqrt(),
                })
                .collect(),
            units,
            pledges,
            capability_pledges,
            phases,
            phase_slot,
            member_count: scenario.members.len(),
            tested,
            uncertain: scenario.uncertain.iter().map(UncertainModel::new).collect(),
            pledge_source,
            outer: None,
            outer_samples: scenario.outer_samples,
        };
        model.derive();
        model
    }

    /// Computes what follows from numbers an outer sample or a sensitivity
    /// variant may change: the least amounts that meet the response needs
    /// and the warning's threshold, and which members forcing out only
    /// removes pledges from (`Trial::new` derives the rest). The one place
    /// these are computed: `compile` calls it too.
    pub(crate) fn derive(&mut self) {
        let caps = &self.capabilities;
        if let Some(a) = &mut self.tested.attack {
            for (c, amount) in &mut a.tested {
                if let Some(need) = caps[*c].response_need {
                    *amount = least_meeting(need, caps[*c].threshold);
                }
            }
            if let Some((c, amount, _)) = &mut a.warning {
                *amount = least_meeting(caps[*c].need, caps[*c].threshold);
            }
        }
        // As `Tested::compile` does, from the patched joins.
        let mut left_with = vec![false; self.member_count];
        for x in self.tested.exits.iter().flatten() {
            if let tested::ExitTriggerModel::With(v) = x.trigger {
                left_with[self.units[v].member] = true;
            }
        }
        let units = &self.units;
        self.tested.forcing_out_only_removes = (0..self.member_count)
            .map(|m| {
                !left_with[m]
                    && self.tested.dependent_units[m].iter().all(|&u| {
                        units[u].join_without.p <= units[u].join.p && !left_with[units[u].member]
                    })
            })
            .collect();
    }

    /// Number of months evaluated: 0..=horizon.
    pub fn months(&self) -> usize {
        self.horizon as usize + 1
    }
}

/// Phases before `phase` in its `after` chain (scenario indices), in time
/// linear in the chain's length.
fn ancestors(scenario: &Scenario, phase: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut current = phase;
    while let PhaseStart::After { phase: parent, .. } = scenario.phases[current].start {
        // Validation rejects cycles; never loop regardless.
        if out.len() >= scenario.phases.len() {
            break;
        }
        out.push(parent);
        current = parent;
    }
    out
}

/// Indices `0..n` ordered so that each item's parent comes before it
/// (stable: file order otherwise). Validation guarantees no cycles; an item
/// caught in one anyway is placed last rather than looping.
fn topological_order(n: usize, parent: impl Fn(usize) -> Option<usize>) -> Vec<usize> {
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let before = order.len();
        for i in 0..n {
            if !placed[i] && parent(i).is_none_or(|p| p >= n || placed[p]) {
                placed[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            order.extend((0..n).filter(|&i| !placed[i]));
            break;
        }
    }
    order
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
