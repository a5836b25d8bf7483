//! Phase starts and pledge deployment intervals (docs/model.md, section 3.3).

use super::trial::Trial;
use crate::compile::PhaseStartModel;

impl<'m, const B: usize> Trial<'m, B> {
    /// docs/model.md, section 3.3: phase starts in `after` order, with
    /// gates, and the absolute deployment interval of every pledge, leaving
    /// out unit `skip_unit`'s pledges (if any). Deterministic given the
    /// draws, so a counterfactual (a member's pledges removed) can rerun it.
    #[inline(always)]
    pub(super) fn schedule_phases(&mut self, skip_unit: Option<usize>) {
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
    #[inline(always)]
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
        // docs/model.md 6.1: an exit ends all of the member's pledges.
        // (A model constant: v1 scenarios never take this branch.)
        if self.cut_by_exits {
            for &i in &self.pledges_by_phase[k] {
                ends[i] = ends[i].min(self.exit_time[self.pledge_unit[i]]);
            }
        }
        if let Some(u) = skip_unit {
            for &i in &self.pledges_by_phase[k] {
                if self.pledge_unit[i] == u {
                    (starts[i], ends[i]) = (f64::INFINITY, f64::INFINITY);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::trial::each_scheduled_trial;

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
}
