//! Pivotal members (docs/model.md, section 3.6).

use super::trial::Trial;

impl<'m, const B: usize> Trial<'m, B> {
    /// docs/model.md, section 3.6: a joined member is pivotal when the
    /// guarantee is met at the horizon and would not be without that replica's
    /// pledges, every draw of the trial unchanged. A replica whose pledges
    /// count towards a phase gate can also delay or cancel that phase, so for
    /// those the phase schedule is rerun without its pledges, unless no gate's
    /// time moves.
    #[inline(always)]
    pub(super) fn mark_pivotal(&mut self) {
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
    #[inline(always)]
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
    #[inline(always)]
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

    pub(super) fn swap_schedule(&mut self) {
        let spare = &mut self.spare;
        std::mem::swap(&mut self.start, &mut spare.0);
        std::mem::swap(&mut self.end, &mut spare.1);
        std::mem::swap(&mut self.phase_start, &mut spare.2);
        std::mem::swap(&mut self.gate_time, &mut spare.3);
    }
}

#[cfg(test)]
mod tests {
    use crate::simulate::BLOCK;
    use crate::simulate::trial::each_scheduled_trial;

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
}
