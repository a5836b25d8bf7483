//! The first time conditions hold: the first time met (docs/model.md,
//! section 3.5), gates reached, and the exact sums they are tested by.

use super::trial::{Condition, Trial, select};
#[cfg(test)]
use crate::compile::least_meeting;
use std::ops::Range;

impl<'m, const B: usize> Trial<'m, B> {
    /// The first time `t` in (lo, hi] at which all of `conditions[which]`
    /// hold, by exact sums. Sums only rise when a pledge deploys, so the
    /// candidates are deployment times, taken in order. Deployed amounts so
    /// far, withdrawals ignored, bound each sum from above, so only where
    /// every bound reaches its amount (within a margin for rounding) is an
    /// exact sum needed: usually once. When even everything deployed by
    /// `hi` falls short of an amount, no time qualifies and nothing is
    /// sorted (a quarter of searches on the shipped scenarios).
    pub(super) fn first_reached(&mut self, which: Range<usize>, lo: f64, hi: f64) -> Option<f64> {
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
    #[inline(always)]
    pub(super) fn committed_at(&self, cond: &Condition, t: f64, skip_unit: Option<usize>) -> f64 {
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
    pub(super) fn met_at(&self, t: f64) -> bool {
        self.conditions[..self.model.critical.len()]
            .iter()
            .all(|c| self.committed_at(c, t, None) >= c.amount)
    }

    /// First time in [0, horizon] the guarantee is met, exactly (continuous).
    #[inline(always)]
    pub(super) fn first_met(&mut self) -> Option<f64> {
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
    #[inline(always)]
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::trial::each_scheduled_trial;

    /// The first time met is searched only in the month before the first
    /// met month unless a critical pledge withdraws before that, and found
    /// without a search when none withdraws by then; it must be what the
    /// search over the whole horizon gives, in every trial.
    #[test]
    fn first_met_matches_the_full_search() {
        let paris = crate::test_scenarios::V1_PARIS;
        let (mut narrowed, mut shortcut) = (0, 0);
        for (text, set) in [
            (crate::test_scenarios::V1_DEFAULT, vec![]),
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
