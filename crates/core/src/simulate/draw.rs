//! Drawing a block of trials (docs/model.md, sections 3.1 and 3.2), and
//! loading one trial of it.

use super::trial::Trial;
use crate::compile::dist::{NormalCells, inverse_normal_cdf};
use crate::rng::open_unit;

impl<'m, const B: usize> Trial<'m, B> {
    /// docs/model.md, sections 3.1 and 3.2, for a block of trials, entity by
    /// entity: group factors, joins (required members first), then each
    /// pledge's delivery, amount, delay and duration, and the phase uniforms.
    /// Each quantity that needs a draw reads one word per trial of its own
    /// stream (see `rng`), used or not (a pledge not delivered draws no amount,
    /// but its word is skipped all the same).
    #[inline(always)]
    pub(super) fn draw_block(&mut self, n: usize) {
        let model = self.model;
        let words = &mut self.words;
        for (g, stream) in self.group_streams.iter_mut().enumerate() {
            stream.fill(&mut words[..n]);
            let factor = &mut self.b_factor[g * B..g * B + n];
            for (f, &w) in factor.iter_mut().zip(&words[..n]) {
                *f = inverse_normal_cdf(open_unit(w));
            }
        }
        let cells = NormalCells::get();
        for (i, unit) in model.units.iter().enumerate() {
            self.unit_streams[i].fill(&mut words[..n]);
            if unit.requires.is_some() {
                // Kept for `mark_pivotal_total`, which redraws this join
                // when the required member is forced out.
                self.b_join_word[i * B..i * B + n].copy_from_slice(&words[..n]);
            }
            let (before, rest) = self.b_joined.split_at_mut(i * B);
            let out = &mut rest[..n];
            let required = unit.requires.map(|r| &before[r * B..r * B + n]);
            // The rule by indexing, not a branch: the required member's
            // join is a coin flip.
            let rules = [unit.join, unit.join_without];
            let rule = |t: usize| rules[usize::from(required.is_some_and(|r| !r[t]))];
            match unit.group {
                None => {
                    for t in 0..n {
                        out[t] = open_unit(words[t]) < rule(t).p;
                    }
                }
                Some(g) => {
                    let group = &model.groups[g];
                    let factor = &self.b_factor[g * B..g * B + n];
                    let scale = group.sqrt_one_minus_rho;
                    // The brackets decide almost every trial; the rest
                    // are gathered without a branch (a join is a coin
                    // flip, so a branch on the bracket's answer would
                    // mispredict) and settled after.
                    let mut m = 0;
                    for t in 0..n {
                        let shared = group.sqrt_rho * factor[t];
                        let (surely, unsure) = cells.bracket(words[t], shared, scale, rule(t).z);
                        out[t] = surely;
                        self.idx[m] = t as u32;
                        m += usize::from(unsure);
                    }
                    for &t in &self.idx[..m] {
                        let t = t as usize;
                        let shared = group.sqrt_rho * factor[t];
                        out[t] = NormalCells::exact(words[t], shared, scale, rule(t).z);
                    }
                }
            }
            // The trials where the unit joined, for all its pledges.
            let joined = &mut self.unit_joined[i * B..(i + 1) * B];
            let mut m = 0;
            for (t, &j) in out.iter().enumerate() {
                joined[m] = t as u32;
                m += usize::from(j);
            }
            self.unit_joined_len[i] = m;
        }
        for (i, p) in model.pledges.iter().enumerate() {
            // Words of quantities that need no draw are left as they are:
            // constants never read them, and a delivery probability of 0
            // or 1 decides the same for any word.
            let slots = self.pledge_streams[i]
                .iter_mut()
                .zip(words.chunks_exact_mut(B));
            for (stream, w) in slots {
                if let Some(stream) = stream {
                    stream.fill(&mut w[..n]);
                }
            }
            let [delivered, w_amount, w_delay, w_duration] =
                [0, 1, 2, 3].map(|s| &words[s * B..s * B + n]);
            let u = p.unit;
            let joined = &self.unit_joined[u * B..u * B + self.unit_joined_len[u]];
            let delay = &mut self.b_delay[i * Self::ROW..(i + 1) * Self::ROW];
            delay[..n].fill(f64::INFINITY);
            // Delivered: of the trials where the unit joined, those where
            // the delivery draw falls below the probability (all of them
            // for probability 1, without a loop).
            let idx = if p.probability >= 1.0 {
                joined
            } else {
                let mut m = 0;
                for &t in joined {
                    self.idx[m] = t;
                    m += usize::from(open_unit(delivered[t as usize]) < p.probability);
                }
                &self.idx[..m]
            };
            let amount = &mut self.b_amount[i * Self::ROW..(i + 1) * Self::ROW];
            p.amount.sample_each(
                idx,
                |t| open_unit(w_amount[t]),
                |t, x| amount[t] = x.max(0.0),
            );
            p.delay
                .sample_each(idx, |t| open_unit(w_delay[t]), |t, x| delay[t] = x.max(0.0));
            let duration = &mut self.b_duration[i * Self::ROW..(i + 1) * Self::ROW];
            match &p.duration {
                Some(d) => d.sample_each(
                    idx,
                    |t| open_unit(w_duration[t]),
                    |t, x| duration[t] = x.max(0.0),
                ),
                None => {
                    for &t in idx {
                        duration[t as usize] = f64::INFINITY;
                    }
                }
            }
        }
        let nk = model.phases.len();
        for (k, stream) in self.phase_streams.iter_mut().enumerate() {
            // A constant start or lag never reads its uniform.
            let Some(stream) = stream else { continue };
            stream.fill(&mut words[..n]);
            for (t, &w) in words[..n].iter().enumerate() {
                self.b_phase_u[t * nk + k] = open_unit(w);
            }
        }
        // Contract v2 quantities: one uniform per trial each, drawn after
        // (and apart from) the v1 ones, which they leave as they were.
        for (slot, stream) in self.tested_streams.iter_mut().enumerate() {
            stream.fill(&mut words[..n]);
            let u = &mut self.b_tested_u[slot * B..slot * B + n];
            for (x, &w) in u.iter_mut().zip(&words[..n]) {
                *x = open_unit(w);
            }
        }
        self.block_first = self.next_block_first;
        self.next_block_first += n as u64;
    }

    /// Makes trial `t` of the block the current trial. (Its draws of a
    /// pledge share a cache line with the next 7 trials', so the gather
    /// mostly hits the first level cache.)
    #[inline]
    pub(super) fn load(&mut self, t: usize) {
        self.t = t;
        let rows = self.b_amount.chunks_exact(Self::ROW);
        for (x, row) in self.amount.iter_mut().zip(rows) {
            *x = row[t];
        }
        if self.model.tested.has_time() {
            self.place_exits();
        }
    }
}
