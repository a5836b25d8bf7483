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
        // place and responses), everything else unchanged. Subtracting the
        // part from each final sum decides, unless it lands within
        // rounding of the amount; then the sums without it are redone.
        self.pivotal_attack.fill(false);
        if response_time.is_some() {
            let n = a.tested.len();
            let mut parts = std::mem::take(&mut self.response_parts);
            parts.fill(0.0);
            for (j, &(c, _)) in a.tested.iter().enumerate() {
                for i in model.capability_pledges[c].clone() {
                    let u = self.pledge_unit[i];
                    if self.honours[u] && self.start[i] <= time && time < self.end[i] {
                        parts[u * n + j] += self.amount[i];
                    }
                }
            }
            for &(_, j, amount, u) in &arrivals {
                parts[u * n + j] += amount;
            }
            let mut totals = std::mem::take(&mut self.response_totals);
            totals.clone_from(&self.response_sums);
            for u in 0..model.units.len() {
                let member = model.units[u].member;
                if !self.honours[u] || self.pivotal_attack[member] {
                    continue;
                }
                let (mut short, mut unsure) = (false, false);
                for (j, &(_, amount)) in a.tested.iter().enumerate() {
                    let own = parts[u * n + j];
                    if own == 0.0 {
                        continue;
                    }
                    let rest = totals[j] - own;
                    let tolerance = 1e-9 * totals[j].max(amount);
                    short |= rest < amount - tolerance;
                    unsure |= rest < amount + tolerance;
                }
                self.pivotal_attack[member] = short
                    || (unsure && {
                        self.in_place_sums(a, time, Some(u));
                        for &(_, j, amount, unit) in &arrivals {
                            if unit != u {
                                self.response_sums[j] += amount;
                            }
                        }
                        !self.all_responses_meet(a)
                    });
            }
            self.response_parts = parts;
            self.response_totals = totals;
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
    pub(super) fn attack_time(&mut self, a: &AttackModel, reach: f64) -> Option<f64> {
        let horizon = f64::from(self.model.horizon);
        // No slot: both hazards are 0 (compile gives the draw a slot otherwise).
        a.time?;
        if a.rate == a.rate_when_met {
            let time = reach / a.rate;
            return (time <= horizon).then_some(time);
        }
        // No attack whatever the guarantee's path: the most hazard the
        // horizon can hold falls short (45% of trials on the default
        // scenario with rates 0.4 and 0.1 a year).
        if reach > a.rate.max(a.rate_when_met) * horizon {
            return None;
        }
        // Met is constant between the times a critical pledge deploys or
        // withdraws (intervals are closed at their start, open at their
        // end). Each capability's sum follows by adding and subtracting
        // amounts there; where a running sum comes within rounding of its
        // amount, the exact sum (`committed_at`) decides.
        let n_crit = self.model.critical.len();
        let mut breaks = std::mem::take(&mut self.breaks);
        breaks.clear();
        for (c, cond) in self.conditions[..n_crit].iter().enumerate() {
            for i in cond.pledges.clone() {
                let (s, e, x) = (self.start[i], self.end[i], self.amount[i]);
                if s < e {
                    if s > 0.0 && s < horizon {
                        breaks.push((s, c, x));
                    }
                    if e > 0.0 && e < horizon {
                        breaks.push((e, c, -x));
                    }
                }
            }
        }
        breaks.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut sums = std::mem::take(&mut self.path_sums);
        sums.clear();
        let conditions = &self.conditions[..n_crit];
        sums.extend(conditions.iter().map(|c| self.committed_at(c, 0.0, None)));
        let mut count = conditions
            .iter()
            .zip(&sums)
            .filter(|(c, s)| **s >= c.amount)
            .count();
        let (mut cumulative, mut from, mut k) = (0.0, 0.0, 0);
        let mut found = None;
        loop {
            let to = breaks.get(k).map_or(horizon, |b| b.0);
            let rate = match count == n_crit {
                true => a.rate_when_met,
                false => a.rate,
            };
            let added = rate * (to - from);
            if cumulative + added >= reach {
                found = Some((from + (reach - cumulative) / rate).min(to));
                break;
            }
            if k >= breaks.len() {
                break;
            }
            cumulative += added;
            from = to;
            let first = k;
            while k < breaks.len() && breaks[k].0 == to {
                k += 1;
            }
            // Each capability that changes at `to` once (the first of its
            // entries there), then all the changes.
            let firsts = |j: usize| breaks[first..j].iter().all(|b| b.1 != breaks[j].1);
            for j in (first..k).filter(|&j| firsts(j)) {
                let c = breaks[j].1;
                count -= usize::from(sums[c] >= self.conditions[c].amount);
            }
            for &(_, c, delta) in &breaks[first..k] {
                sums[c] += delta;
            }
            for j in (first..k).filter(|&j| firsts(j)) {
                let c = breaks[j].1;
                let cond = &self.conditions[c];
                if (sums[c] - cond.amount).abs() <= 1e-9 * sums[c].abs().max(cond.amount) {
                    sums[c] = self.committed_at(cond, to, None);
                }
                count += usize::from(sums[c] >= cond.amount);
            }
        }
        self.breaks = breaks;
        self.path_sums = sums;
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

#[cfg(test)]
mod tests {
    use crate::simulate::trial::each_scheduled_trial;

    /// The attack time from running sums along the met path (and the
    /// bound that skips the walk) is what testing `met_at` at every time a
    /// critical pledge deploys or withdraws gives, in every trial: here
    /// with withdrawals (durations, exits) that make met come and go.
    #[test]
    fn attack_time_matches_met_at_every_change() {
        let text = format!(
            "{}\n[attack]\nrate_per_year = 3\nrate_per_year_when_met = 0.5\n",
            crate::test_scenarios::V1_PARIS
        );
        let set = ["scenario.horizon_months=60".to_string()];
        let mut attacks = 0;
        each_scheduled_trial(&text, &set, 31, |trial, _| {
            let model = trial.model;
            let a = model.tested.attack.clone().expect("attack");
            let horizon = f64::from(model.horizon);
            let reach = -(1.0 - trial.uniform(a.time)).ln();
            let mut times: Vec<f64> = model.critical[..]
                .iter()
                .enumerate()
                .flat_map(|(k, _)| trial.conditions[k].pledges.clone())
                .filter(|&i| trial.start[i] < trial.end[i])
                .flat_map(|i| [trial.start[i], trial.end[i]])
                .filter(|&x| x > 0.0 && x < horizon)
                .collect();
            times.push(horizon);
            times.sort_by(f64::total_cmp);
            times.dedup();
            let (mut cumulative, mut from, mut expected) = (0.0, 0.0, None);
            for &to in &times {
                let rate = if trial.met_at(from) {
                    a.rate_when_met
                } else {
                    a.rate
                };
                let added = rate * (to - from);
                if cumulative + added >= reach {
                    expected = Some((from + (reach - cumulative) / rate).min(to));
                    break;
                }
                cumulative += added;
                from = to;
            }
            let found = trial.attack_time(&a, reach);
            assert_eq!(found.map(f64::to_bits), expected.map(f64::to_bits));
            attacks += usize::from(found.is_some());
        });
        assert!(attacks > 500, "{attacks}");
    }
}
