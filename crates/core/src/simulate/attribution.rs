//! Attribution (docs/model.md 9): members pivotal when forced out, with
//! what they bring through others.

use super::trial::{Patch, Trial};
use crate::compile::dist::NormalCells;
use crate::rng::{EntityStream, open_unit};

impl<'m, const B: usize> Trial<'m, B> {
    /// Per member, after `mark_pivotal` in a trial met at the horizon:
    /// whether the guarantee is no longer met there with the member forced
    /// out. For a member with one replica that nobody requires or leaves
    /// with, that is exactly `pivotal` (its pledges removed, phases
    /// recomputed); the others (`reaching`) are settled by a shortcut or
    /// the counterfactual.
    pub(super) fn mark_pivotal_total(&mut self) {
        let model = self.model;
        self.pivotal_total.copy_from_slice(&self.pivotal);
        for k in 0..self.reaching.len() {
            let m = self.reaching[k];
            let units = self.member_units[m].clone();
            let joined = units.clone().any(|u| self.b_joined[u * B + self.t]);
            // Removing a superset of a pivotal replica's pledges, where
            // removing pledges can only lower what is committed at the
            // horizon, fails too.
            let superset = self.pivotal[m]
                && model.delays_only_remove
                && model.tested.forcing_out_only_removes[m];
            self.pivotal_total[m] = joined
                && (superset || {
                    self.forced_out_joins(m);
                    match self.forced_out_by_subtraction(m) {
                        Some(pivotal) => pivotal,
                        None => !self.met_at_horizon_forced_out(),
                    }
                });
        }
    }

    /// Settles member `m`'s forced-out test (after `forced_out_joins(m)`)
    /// from the sums `mark_pivotal` left (`condition_sums`) when the counterfactual only takes pledges
    /// away: without the parts of the units that no longer join, a
    /// critical sum falls short, or none does and no gate's sum does (the
    /// schedule then stands). `None` when that cannot decide: a gate may
    /// move (unless moving only delays pledges that stay, and a critical
    /// sum already fails), or a sum lands within rounding of its amount.
    /// Two thirds of the cost of the counterfactuals on the default
    /// scenario went into rescheduling that this settles (cachegrind).
    fn forced_out_by_subtraction(&mut self, m: usize) -> Option<bool> {
        let model = self.model;
        if !model.tested.forcing_out_only_removes[m] {
            return None;
        }
        let units = model.units.len();
        let n_crit = model.critical.len();
        let (mut fails, mut moves, mut unsure) = (false, false, false);
        for c in 0..self.conditions.len() {
            let (total, amount) = (self.condition_total[c], self.conditions[c].amount);
            let parts = &self.condition_part[c * units..(c + 1) * units];
            let removed: f64 = self.removed.iter().map(|&u| parts[u]).sum();
            if removed == 0.0 {
                continue;
            }
            let rest = total - removed;
            let tolerance = 1e-9 * total.max(amount);
            let short = rest < amount - tolerance;
            unsure |= !short && rest < amount + tolerance;
            match c < n_crit {
                true => fails |= short,
                false => moves |= short || rest < amount + tolerance,
            }
        }
        match (fails, moves, unsure) {
            (true, false, _) => Some(true),
            (true, true, _) if model.delays_only_remove => Some(true),
            (false, false, false) => Some(false),
            _ => None,
        }
    }

    /// With member `m` forced out: `forced_joined` (stamped) for its units,
    /// which do not join, and for the units that require one of them,
    /// directly or through others, which redraw their join on the same
    /// word (`join_without` where their required unit no longer joins);
    /// and `removed`, the units that joined and no longer do.
    fn forced_out_joins(&mut self, m: usize) {
        let model = self.model;
        let t = self.t;
        self.stamp += 1;
        let stamp = self.stamp;
        self.removed.clear();
        for u in self.member_units[m].clone() {
            self.forced_joined[u] = false;
            self.forced_stamp[u] = stamp;
            if self.b_joined[u * B + t] {
                self.removed.push(u);
            }
        }
        let cells = NormalCells::get();
        // In unit order: a unit comes after the unit it requires.
        for &u in &model.tested.dependent_units[m] {
            let unit = &model.units[u];
            let r = unit.requires.expect("a dependent unit requires one");
            let before = self.b_joined[r * B + t];
            let now = match self.forced_stamp[r] == stamp {
                true => self.forced_joined[r],
                false => before,
            };
            let was = self.b_joined[u * B + t];
            let joined = match now == before {
                true => was,
                false => {
                    let rule = if now { unit.join } else { unit.join_without };
                    let word = self.b_join_word[u * B + t];
                    match unit.group {
                        None => open_unit(word) < rule.p,
                        Some(g) => {
                            let group = &model.groups[g];
                            let shared = group.sqrt_rho * self.b_factor[g * B + t];
                            let scale = group.sqrt_one_minus_rho;
                            match cells.bracket(word, shared, scale, rule.z) {
                                (surely, false) => surely,
                                _ => NormalCells::exact(word, shared, scale, rule.z),
                            }
                        }
                    }
                }
            };
            self.forced_joined[u] = joined;
            self.forced_stamp[u] = stamp;
            if was && !joined {
                self.removed.push(u);
            }
        }
    }

    /// Whether the guarantee is met at the horizon with the member of the
    /// last `forced_out_joins` forced out: the joins that gives; exits
    /// `with` a unit that no longer joined never fire; every other draw
    /// unchanged; phases recomputed. Restores the trial.
    fn met_at_horizon_forced_out(&mut self) -> bool {
        let model = self.model;
        let t = self.t;
        let mut joined = std::mem::take(&mut self.forced_joined);
        for (u, j) in joined.iter_mut().enumerate() {
            if self.forced_stamp[u] != self.stamp {
                *j = self.b_joined[u * B + t];
            }
        }
        // Pledges of units whose join changed: removed, or drawn now.
        let mut patches = std::mem::take(&mut self.patches);
        patches.clear();
        for (i, p) in model.pledges.iter().enumerate() {
            let before = self.b_joined[p.unit * B + t];
            if joined[p.unit] == before {
                continue;
            }
            let cell = i * Self::ROW + t;
            patches.push(Patch {
                pledge: i,
                amount: self.b_amount[cell],
                delay: self.b_delay[cell],
                duration: self.b_duration[cell],
                loaded: self.amount[i],
            });
            if before {
                self.b_delay[cell] = f64::INFINITY;
            } else {
                let (amount, delay, duration) = self.draw_pledge_now(i);
                self.b_amount[cell] = amount;
                self.b_delay[cell] = delay;
                self.b_duration[cell] = duration;
                self.amount[i] = amount;
            }
        }
        let mut exits = std::mem::take(&mut self.forced_exit);
        let cut = !model.tested.exit_order.is_empty();
        if cut {
            self.exit_times(&joined, &mut exits);
            std::mem::swap(&mut self.exit_time, &mut exits);
        }
        self.swap_schedule();
        self.schedule_phases(None);
        let met = self.met_at(f64::from(model.horizon));
        self.swap_schedule();
        if cut {
            std::mem::swap(&mut self.exit_time, &mut exits);
        }
        for p in &patches {
            let cell = p.pledge * Self::ROW + t;
            self.b_amount[cell] = p.amount;
            self.b_delay[cell] = p.delay;
            self.b_duration[cell] = p.duration;
            self.amount[p.pledge] = p.loaded;
        }
        self.patches = patches;
        self.forced_exit = exits;
        self.forced_joined = joined;
        met
    }

    /// Pledge `i`'s draws in the current trial as `draw_block` makes them
    /// for a unit that joined (amount, delay, duration; delay +inf when not
    /// delivered): for a unit that joins only in a counterfactual, whose
    /// pledges the block did not draw. Reads each word out of turn.
    fn draw_pledge_now(&self, i: usize) -> (f64, f64, f64) {
        let p = &self.model.pledges[i];
        let trial = self.block_first + self.t as u64;
        let word = |slot: usize| {
            let mut w = [0u32];
            EntityStream::<1>::new(&self.key, p.streams[slot], trial).fill(&mut w);
            open_unit(w[0])
        };
        let delivered = match p.probability {
            x if x >= 1.0 => true,
            x if x <= 0.0 => false,
            x => word(0) < x,
        };
        if !delivered {
            return (0.0, f64::INFINITY, 0.0);
        }
        let sample = |s: &crate::compile::dist::Sampler, slot| match s.is_constant() {
            true => s.sample(0.5),
            false => s.sample(word(slot)),
        };
        let amount = sample(&p.amount, 1).max(0.0);
        let delay = sample(&p.delay, 2).max(0.0);
        let duration = p
            .duration
            .as_ref()
            .map_or(f64::INFINITY, |d| sample(d, 3).max(0.0));
        (amount, delay, duration)
    }
}

#[cfg(test)]
mod tests {
    use crate::simulate::trial::each_scheduled_trial;

    /// A scenario where forcing out reaches others every way: a member
    /// required by a group member whose `join_without` exceeds its `join`
    /// (it joins only in the counterfactual, with pledges drawn then), a
    /// replicated member, a gate fed by dependents, durations after the
    /// gate, and exits `with` a member.
    const REACHING: &str = r#"
        [scenario]
        name = "reaching"
        horizon_months = 12
        [[capability]]
        id = "c"
        need = 3
        [[capability]]
        id = "g"
        need = 2
        [[group]]
        id = "west"
        correlation = 0.5
        [[phase]]
        id = "p"
        [[phase]]
        id = "q"
        after = "p"
        lag_months = { uniform = [0, 3] }
        gate = { capability = "g", coverage = 0.5 }
        [[event]]
        id = "e"
        month = { uniform = [2, 10] }
        probability = 0.5
        [[member]]
        id = "hub"
        join = 0.7
        [[member.pledge]]
        capability = "g"
        phase = "p"
        amount = 1
        [[member.exit]]
        event = "e"
        probability = 0.5
        [[member]]
        id = "contrarian"
        join = 0.3
        join_without = 0.8
        requires = "hub"
        group = "west"
        [[member.pledge]]
        capability = "c"
        phase = "p"
        amount = { uniform = [1, 2] }
        delay_months = { uniform = [0, 4] }
        [[member]]
        id = "loyal"
        join = 0.9
        requires = "hub"
        group = "west"
        [[member.pledge]]
        capability = "g"
        phase = "p"
        amount = 1
        delay_months = { uniform = [0, 6] }
        [[member.exit]]
        with = "hub"
        lag_months = 1
        [[member]]
        id = "many"
        join = 0.6
        count = 3
        [[member.pledge]]
        capability = "c"
        phase = "q"
        amount = 1
        duration_months = { uniform = [2, 12] }
    "#;

    /// The shortcuts of `mark_pivotal_total` (a pivotal replica; the
    /// subtraction) give what the full counterfactual gives, in every
    /// trial met at the horizon, and the counterfactual's out-of-turn
    /// draws are the block's own.
    #[test]
    fn shortcuts_match_the_full_counterfactual() {
        let mut checked = [0usize; 2];
        for text in [
            crate::test_scenarios::DEFAULT,
            crate::test_scenarios::PARIS,
            REACHING,
        ] {
            each_scheduled_trial(text, &[], 23, |trial, t| {
                let model = trial.model;
                // Out-of-turn draws of joined units' pledges are the block's.
                for (i, p) in model.pledges.iter().enumerate() {
                    if trial.b_joined[p.unit * crate::simulate::BLOCK + t] {
                        let (amount, delay, duration) = trial.draw_pledge_now(i);
                        let cell = i * super::Trial::<{ crate::simulate::BLOCK }>::ROW + t;
                        assert_eq!(delay.to_bits(), trial.b_delay[cell].to_bits());
                        if delay.is_finite() {
                            assert_eq!(amount.to_bits(), trial.b_amount[cell].to_bits());
                            assert_eq!(duration.to_bits(), trial.b_duration[cell].to_bits());
                        }
                    }
                }
                trial.sweep_months(false);
                if !trial.met_at_horizon {
                    return;
                }
                trial.mark_pivotal();
                trial.mark_pivotal_total();
                for m in 0..model.member_count {
                    let joined = trial.member_units[m]
                        .clone()
                        .any(|u| trial.b_joined[u * crate::simulate::BLOCK + t]);
                    let full = joined && {
                        trial.forced_out_joins(m);
                        !trial.met_at_horizon_forced_out()
                    };
                    assert_eq!(trial.pivotal_total[m], full, "member {m}");
                    checked[usize::from(full)] += 1;
                }
            });
        }
        assert!(checked[0] > 1000 && checked[1] > 1000, "{checked:?}");
    }
}
