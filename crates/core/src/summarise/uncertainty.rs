//! Uncertain inputs (docs/model.md 8): clustered standard errors and the
//! `uncertainty` block of `summary.json`.
//!
//! The headline figures pool all trials. Their errors treat the K outer
//! samples as clusters: a sample's trials share its input values, so the
//! K sample means (not the T trials) are the independent observations.

use crate::compile::Model;
use crate::compile::outer::OuterRun;
use crate::simulate::{SampleTally, Tally};
use crate::summarise::summary::{InputRank, Spread, Summary, Uncertainty};

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Replaces `summary`'s standard errors and intervals by clustered ones
/// and adds the `uncertainty` block, from the tally's per-sample figures.
pub(crate) fn apply(summary: &mut Summary, model: &Model, outer: &OuterRun, tally: &Tally) {
    let samples = &tally.samples;
    let k = samples.len();
    let p_met: Vec<f64> = samples.iter().map(|s| ratio(s.met, s.trials)).collect();
    if k >= 2 {
        let (mean, se) = mean_se(&p_met);
        let g = &mut summary.guarantee;
        g.p_met_se = se;
        g.p_met_ci95 = interval(mean, se);
        let coverage: Vec<f64> = samples.iter().map(|s| s.overall.mean).collect();
        summary.coverage.overall.se = mean_se(&coverage).1;
        for (c, (_, committed)) in summary.committed.0.iter_mut().enumerate() {
            let means: Vec<f64> = samples.iter().map(|s| s.committed[c].mean).collect();
            committed.se = mean_se(&means).1;
        }
        if let Some(r) = &mut summary.response {
            let failed: Vec<f64> = samples
                .iter()
                .map(|s| ratio(s.attacks - s.honoured, s.trials))
                .collect();
            r.p_failed_se = mean_se(&failed).1;
            if let Some((estimate, se)) = ratio_se(samples) {
                r.p_honoured_given_attack_se = Some(se);
                r.p_honoured_given_attack_ci95 = interval(estimate, se);
            }
        }
    }
    let variance = variance(&p_met);
    let binomial = p_met
        .iter()
        .zip(samples)
        .map(|(&p, s)| p * (1.0 - p) / s.trials.max(1) as f64)
        .sum::<f64>()
        / k.max(1) as f64;
    let mut inputs: Vec<InputRank> = model
        .uncertain
        .iter()
        .enumerate()
        .map(|(f, u)| InputRank {
            field: u.path.clone(),
            rank_correlation: spearman(&outer.field(f)[..k.min(outer.samples as usize)], &p_met),
        })
        .collect();
    // Largest magnitude first, undefined last; ties keep file order.
    inputs.sort_by(|a, b| {
        let key = |r: &InputRank| r.rank_correlation.map_or(-1.0, f64::abs);
        key(b).total_cmp(&key(a))
    });
    let honoured = summary.response.as_ref().map(|_| {
        let given: Vec<f64> = samples
            .iter()
            .filter(|s| s.attacks > 0)
            .map(|s| ratio(s.honoured, s.attacks))
            .collect();
        spread(&given)
    });
    summary.uncertainty = Some(Uncertainty {
        outer_samples: outer.samples,
        p_met: spread(&p_met).unwrap_or(Spread {
            mean: 0.0,
            p05: 0.0,
            p25: 0.0,
            p50: 0.0,
            p75: 0.0,
            p95: 0.0,
        }),
        mc_noise_share: variance.filter(|&v| v > 0.0).map(|v| binomial / v),
        inputs,
        p_honoured_given_attack: honoured,
    });
}

fn ratio(k: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { k as f64 / n as f64 }
}

/// The mean of `xs` and its standard error `s / sqrt(K)`.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let k = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / k;
    let se = variance(xs).map_or(0.0, |v| (v / k).sqrt());
    (mean, se)
}

/// Sample variance (K - 1 denominator); `None` below two values.
fn variance(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let k = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / k;
    Some(xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (k - 1.0))
}

/// `estimate +- 1.96 se`, clipped to [0, 1].
fn interval(estimate: f64, se: f64) -> [f64; 2] {
    [
        (estimate - Z95 * se).max(0.0),
        (estimate + Z95 * se).min(1.0),
    ]
}

/// P(honoured | attack), a ratio of sums over clusters, `R = sum h_k /
/// sum a_k`, and its clustered (linearised, "ratio estimator") standard
/// error: `sqrt(K / (K - 1) * sum (h_k - R a_k)^2) / sum a_k`. `None`
/// without attacks.
fn ratio_se(samples: &[SampleTally]) -> Option<(f64, f64)> {
    let attacks: u64 = samples.iter().map(|s| s.attacks).sum();
    if attacks == 0 || samples.len() < 2 {
        return None;
    }
    let honoured: u64 = samples.iter().map(|s| s.honoured).sum();
    let r = honoured as f64 / attacks as f64;
    let k = samples.len() as f64;
    let residuals: f64 = samples
        .iter()
        .map(|s| {
            let e = s.honoured as f64 - r * s.attacks as f64;
            e * e
        })
        .sum();
    Some((r, (k / (k - 1.0) * residuals).sqrt() / attacks as f64))
}

/// Type-7 percentile (linear between order statistics) of sorted `xs`.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Mean and percentiles of `xs`; `None` when empty.
pub fn spread(xs: &[f64]) -> Option<Spread> {
    if xs.is_empty() {
        return None;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let p = |q| percentile(&sorted, q);
    Some(Spread {
        mean: xs.iter().sum::<f64>() / xs.len() as f64,
        p05: p(0.05),
        p25: p(0.25),
        p50: p(0.5),
        p75: p(0.75),
        p95: p(0.95),
    })
}

/// Ranks from 1, ties given their average rank.
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            out[o] = rank;
        }
        i = j + 1;
    }
    out
}

/// Spearman's rank correlation (Pearson's of the average ranks); `None`
/// when either side is constant or there are fewer than two values.
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = xs.len().min(ys.len());
    if n < 2 {
        return None;
    }
    let (rx, ry) = (ranks(&xs[..n]), ranks(&ys[..n]));
    let mean = (n as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mean) * (b - mean);
        sxx += (a - mean) * (a - mean);
        syy += (b - mean) * (b - mean);
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_percentiles() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&xs, 0.5), 3.0);
        assert_eq!(percentile(&xs, 0.25), 2.0);
        assert!((percentile(&xs, 0.05) - 1.2).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
    }

    #[test]
    fn spearman_with_ties_and_constants() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(ranks(&[5.0, 1.0, 5.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        let r = spearman(&[1.0, 2.0, 2.0, 4.0], &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!(r > 0.9 && r < 1.0, "{r}");
    }
}
