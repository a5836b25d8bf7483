//! A renewed attack and the response to it (docs/model.md 7): when the
//! attack comes, who is there and honours, what arrives within the window,
//! and who the response hinges on.

use super::trial::{AttackOutcome, Trial};
use crate::compile::tested::AttackModel;

impl<'m, const B: usize> Trial<'m, B> {
    /// docs/model.md 7.1 for the current trial, after `sweep_months`: sets
    /// `attack`, and with one `honours`, `tested_met` and `pivotal_attack`.
    pub(super) fn test_guarantee(&mut self) {
        let model = self.model;
        let Some(a) = &model.tested.attack else {
            return;
        };
        self.attack = None;
        // E = -ln(1 - U): where the cumulative hazard must reach.
        let reach = -(1.0 - self.uniform(a.time)).ln();
        let Some(time) = self.attack_time(a, reach) else {
            return;
        };
        let lead = match a.warning {
            Some((c, amount, lead)) => {
                let cond = self.capability_condition(c, amount);
                (self.committed_at(&cond, time, None) >= amount).then_some(lead)
            }
            None => None,
        };
        for (u, (honour, slot)) in model.tested.honour.iter().enumerate() {
            let present = self.b_joined[u * B + self.t] && self.exit_time[u] > time;
            self.honours[u] = present && self.uniform(*slot) < *honour;
        }
        // Responses of honouring units that arrive within the window, in
        // order of arrival (stable: ties keep response order).
        let mut arrivals = std::mem::take(&mut self.arrivals);
        arrivals.clear();
        for r in &model.tested.responses {
            if !self.honours[r.unit] || self.uniform(r.delivered) >= r.probability {
                continue;
            }
            let delay = r.delay.sample(self.uniform(r.delay_slot)).max(0.0);
            let arrival = (delay - lead.unwrap_or(0.0)).max(0.0);
            if arrival <= a.window {
                let amount = r.amount.sample(self.uniform(r.amount_slot)).max(0.0);
                arrivals.push((arrival, r.tested, amount, r.unit));
            }
        }
        arrivals.sort_by(|x, y| x.0.total_cmp(&y.0));
        // Forces in place of honouring units, then arrivals in order: the
        // sums only rise, so the first time all meet is the first arrival
        // (or the attack itself) after which they do.
        self.in_place_sums(a, time, None);
        let mut response_time = self.all_responses_meet(a).then_some(0.0);
        let mut k = 0;
        while k < arrivals.len() {
            let at = arrivals[k].0;
            while k < arrivals.len() && arrivals[k].0 == at {
                self.response_sums[arrivals[k].1] += arrivals[k].2;
                k += 1;
            }
            if response_time.is_none() && self.all_responses_meet(a) {
                response_time = Some(at);
            }
        }
        for (j, &(_, amount)) in a.tested.iter().enumerate() {
            self.tested_met[j] = self.response_sums[j] >= amount;
        }
        // Pivotal: honoured, and not without the unit's part (forces in
        // place and responses), everything else unchanged.
        self.pivotal_attack.fill(false);
        if response_time.is_some() {
            for u in 0..model.units.len() {
                let member = model.units[u].member;
                if !self.honours[u] || self.pivotal_attack[member] {
                    continue;
                }
                self.in_place_sums(a, time, Some(u));
                for &(_, j, amount, unit) in &arrivals {
                    if unit != u {
                        self.response_sums[j] += amount;
                    }
                }
                self.pivotal_attack[member] = !self.all_responses_meet(a);
            }
        }
        self.arrivals = arrivals;
        self.attack = Some(AttackOutcome {
            time,
            warned: lead.is_some(),
            response_time,
        });
    }

    /// The attack time: where the cumulative hazard, at `rate` while the
    /// guarantee is not met and `rate_when_met` while it is, first reaches
    /// `reach`; `None` when not within the horizon.
    fn attack_time(&mut self, a: &AttackModel, reach: f64) -> Option<f64> {
        let horizon = f64::from(self.model.horizon);
        // No slot: both hazards are 0 (compile gives the draw a slot otherwise).
        a.time?;
        if a.rate == a.rate_when_met {
            let time = reach / a.rate;
            return (time <= horizon).then_some(time);
        }
        // Met is constant between the times a critical pledge deploys or
        // withdraws (intervals are closed at their start, open at their end).
        let mut breaks = std::mem::take(&mut self.breaks);
        breaks.clear();
        for cond in &self.conditions[..self.model.critical.len()] {
            for i in cond.pledges.clone() {
                let (s, e) = (self.start[i], self.end[i]);
                if s < e {
                    breaks.extend([s, e].into_iter().filter(|&x| x > 0.0 && x < horizon));
                }
            }
        }
        breaks.push(horizon);
        breaks.sort_by(f64::total_cmp);
        breaks.dedup();
        let (mut cumulative, mut from) = (0.0, 0.0);
        let mut found = None;
        for &to in &breaks {
            let rate = match self.met_at(from) {
                true => a.rate_when_met,
                false => a.rate,
            };
            let added = rate * (to - from);
            if cumulative + added >= reach {
                found = Some((from + (reach - cumulative) / rate).min(to));
                break;
            }
            cumulative += added;
            from = to;
        }
        self.breaks = breaks;
        found
    }

    /// `response_sums`: per tested capability, the amounts of the pledges
    /// deployed at `time` of units that honour (leaving out `skip`'s).
    fn in_place_sums(&mut self, a: &AttackModel, time: f64, skip: Option<usize>) {
        for (j, &(c, _)) in a.tested.iter().enumerate() {
            let mut sum = 0.0;
            for i in self.model.capability_pledges[c].clone() {
                let u = self.pledge_unit[i];
                let on = self.start[i] <= time && time < self.end[i];
                if on && self.honours[u] && skip != Some(u) {
                    sum += self.amount[i];
                }
            }
            self.response_sums[j] = sum;
        }
    }

    fn all_responses_meet(&self, a: &AttackModel) -> bool {
        a.tested
            .iter()
            .zip(&self.response_sums)
            .all(|(&(_, amount), &sum)| sum >= amount)
    }
}
