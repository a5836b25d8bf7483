//! Political events and member exits (docs/model.md 6): each event's time
//! and each joined unit's exit time in the current trial.

use super::trial::Trial;
use crate::compile::tested::{ExitTriggerModel, Slot};

impl<'m, const B: usize> Trial<'m, B> {
    /// The current trial's uniform of a v2 quantity; 0.5 for one that needs
    /// no draw (a constant ignores it; a probability of 0 or 1 decides the
    /// same for any uniform in (0, 1)).
    #[inline]
    pub(super) fn uniform(&self, slot: Slot) -> f64 {
        slot.map_or(0.5, |s| self.b_tested_u[s * B + self.t])
    }

    /// docs/model.md 6.1: event times (+inf for an event that does not
    /// happen) and, from the units' joins, their exit times.
    pub(super) fn place_exits(&mut self) {
        let tested = &self.model.tested;
        for (e, event) in tested.events.iter().enumerate() {
            let happens = self.uniform(event.happens) < event.probability;
            self.event_time[e] = match happens {
                true => event.month.sample(self.uniform(event.month_slot)),
                false => f64::INFINITY,
            };
        }
        let mut joined = std::mem::take(&mut self.joined_now);
        for (u, j) in joined.iter_mut().enumerate() {
            *j = self.b_joined[u * B + self.t];
        }
        let mut exit_time = std::mem::take(&mut self.exit_time);
        self.exit_times(&joined, &mut exit_time);
        self.joined_now = joined;
        self.exit_time = exit_time;
    }

    /// Each unit's exit time given which units joined (`joined`), into
    /// `out`: the earliest time its rules give, +inf when none fires or it
    /// did not join. Units without rules are left at +inf.
    pub(super) fn exit_times(&self, joined: &[bool], out: &mut [f64]) {
        let tested = &self.model.tested;
        for &u in &tested.exit_order {
            let mut exit = f64::INFINITY;
            if joined[u] {
                for rule in &tested.exits[u] {
                    if self.uniform(rule.fire) >= rule.probability {
                        continue;
                    }
                    let trigger = match rule.trigger {
                        ExitTriggerModel::Event(e) => self.event_time[e],
                        // `with` units come first in `exit_order`.
                        ExitTriggerModel::With(v) if joined[v] => out[v],
                        ExitTriggerModel::With(_) => f64::INFINITY,
                        ExitTriggerModel::Rate {
                            mean_months,
                            time,
                            within,
                        } => {
                            // An exponential time by inversion; `uniform`
                            // is in (0, 1), so the logarithm is finite.
                            let u = self.uniform(time);
                            match u < within {
                                true => -(1.0 - u).ln() * mean_months,
                                false => f64::INFINITY,
                            }
                        }
                    };
                    let lag = rule.lag.sample(self.uniform(rule.lag_slot)).max(0.0);
                    exit = exit.min(trigger + lag);
                }
            }
            out[u] = exit;
        }
    }
}
