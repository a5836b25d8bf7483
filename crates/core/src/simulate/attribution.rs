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
    /// recomputed); others run the counterfactual.
    pub(super) fn mark_pivotal_total(&mut self) {
        let model = self.model;
        for m in 0..model.member_count {
            let units = self.member_units[m].clone();
            let joined = units.clone().any(|u| self.b_joined[u * B + self.t]);
            self.pivotal_total[m] = joined
                && match model.tested.forced_out_reaches_others[m] {
                    false => self.pivotal[m],
                    true => !self.met_at_horizon_forced_out(m),
                };
        }
    }

    /// Whether the guarantee is met at the horizon with member `m` forced
    /// out: its replicas do not join; members that require one redraw their
    /// join on the same word with `join_without` (and so on down the
    /// chain); exits `with` a unit that no longer joined never fire; every
    /// other draw unchanged; phases recomputed. Restores the trial.
    fn met_at_horizon_forced_out(&mut self, m: usize) -> bool {
        let model = self.model;
        let t = self.t;
        let mut joined = std::mem::take(&mut self.forced_joined);
        for (u, j) in joined.iter_mut().enumerate() {
            *j = self.b_joined[u * B + t];
        }
        for u in self.member_units[m].clone() {
            joined[u] = false;
        }
        // Units come after the units they require.
        for (u, unit) in model.units.iter().enumerate() {
            let Some(r) = unit.requires else { continue };
            if unit.member == m || joined[r] == self.b_joined[r * B + t] {
                continue;
            }
            let rule = if joined[r] {
                unit.join
            } else {
                unit.join_without
            };
            let word = self.b_join_word[u * B + t];
            joined[u] = match unit.group {
                None => open_unit(word) < rule.p,
                Some(g) => {
                    let group = &model.groups[g];
                    let shared = group.sqrt_rho * self.b_factor[g * B + t];
                    NormalCells::exact(word, shared, group.sqrt_one_minus_rho, rule.z)
                }
            };
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
