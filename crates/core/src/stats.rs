//! Mergeable accumulators in bounded memory. Sums merge in chunk order and
//! counts and bin extremes merge exactly in any order, so results do not
//! depend on threads.
//! Counts, means and variances are exact for the trials run; percentiles come
//! from histograms that keep each bin's extreme values, so a point mass (a
//! constant pledge, a capped coverage of exactly 1) is reported exactly.

/// Count, mean and sum of squared deviations (Welford; Chan et al. to merge).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub mean: f64,
    pub m2: f64,
}

impl Moments {
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let d = other.mean - self.mean;
        self.mean += d * other.n as f64 / n as f64;
        self.m2 += other.m2 + d * d * (self.n as f64 * other.n as f64 / n as f64);
        self.n = n;
    }

    /// Sample standard deviation (n - 1 denominator).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2.max(0.0) / (self.n - 1) as f64).sqrt()
        }
    }

    /// Standard error of the mean.
    pub fn se(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sd() / (self.n as f64).sqrt()
        }
    }
}

/// Wilson 95% score interval for `k` successes in `n` trials.
pub fn wilson95(k: u64, n: u64) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    const Z: f64 = 1.959_963_984_540_054;
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = Z * Z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    // Exactly 0 / 1 at the ends (rounding would otherwise leave 2e-19 or
    // 0.9999999999999998), and never excluding the estimate itself.
    let lo = if k == 0 {
        0.0
    } else {
        (centre - half).clamp(0.0, p)
    };
    let hi = if k as f64 == n {
        1.0
    } else {
        (centre + half).clamp(p, 1.0)
    };
    [lo, hi]
}

/// A histogram bin that remembers the smallest and largest value it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bin {
    count: u64,
    min: f64,
    max: f64,
}

impl Default for Bin {
    fn default() -> Self {
        Bin {
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Bin {
    #[inline(always)]
    fn push(&mut self, x: f64) {
        // -0.0 + 0.0 is +0.0: the extremes then never hold both zeros,
        // whose min and max are either one, so merges in any order agree.
        let x = x + 0.0;
        self.count += 1;
        // min/max, not branches: in the many sparse bins of a sketch the
        // extremes still move often enough to cost a mispredict each time
        // (8 a trial on the default scenario, cachegrind; 2.5% of the time).
        // x is never NaN, so these are the branches' results.
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }
    fn merge(&mut self, o: &Bin) {
        self.count += o.count;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }
}

/// Percentiles of a quantity in [0, 1] (coverage): fixed bins of 1/1000
/// and two catch-all bins outside; each bin keeps its extremes. Within a
/// bin, quantiles interpolate between its extremes, so the error is at
/// most 1/1000, and zero for a bin holding one value (exact 0 and 1).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitSketch {
    /// `[below 0, 1000 bins..., 1 and above]`
    bins: Vec<Bin>,
}

/// Bins of a `UnitSketch` inside [0, 1).
const UNIT_SKETCH_BINS: usize = 1000;

impl Default for UnitSketch {
    fn default() -> Self {
        UnitSketch {
            bins: vec![Bin::default(); UNIT_SKETCH_BINS + 2],
        }
    }
}

impl UnitSketch {
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        let last = self.bins.len() as i64 - 1;
        // Truncating pos + 1 is floor(pos) + 1 for pos >= 0 and 0 for
        // pos in (-1, 0); the clamp sends the rest to the outer bins. (Where
        // pos + 1 rounds up to an integer, a value lands one bin up; bins
        // keep their extremes, so quantiles stay within the values seen.)
        let pos = x * UNIT_SKETCH_BINS as f64 + 1.0;
        let i = (pos as i64).clamp(0, last) as usize;
        self.bins[i].push(x);
    }

    pub fn merge(&mut self, other: &UnitSketch) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            a.merge(b);
        }
    }

    /// The q-quantile (inverse CDF: smallest x with F(x) >= q), `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        quantile_of_bins(&self.bins, q)
    }

    /// Counts in `k` equal bins over [0, 1] (for histograms).
    pub fn coarse_counts(&self, k: usize) -> Vec<u64> {
        let inner = self.bins.len() - 2;
        let mut out = vec![0; k];
        out[0] += self.bins[0].count;
        for (i, b) in self.bins[1..=inner].iter().enumerate() {
            out[(i * k / inner).min(k - 1)] += b.count;
        }
        out[k - 1] += self.bins[inner + 1].count;
        out
    }
}

/// The q-quantile of values in `bins` (in order of value), interpolating
/// between a bin's extremes.
fn quantile_of_bins<'a>(bins: impl IntoIterator<Item = &'a Bin> + Clone, q: f64) -> Option<f64> {
    let n: u64 = bins.clone().into_iter().map(|b| b.count).sum();
    if n == 0 {
        return None;
    }
    let rank = (q * n as f64).max(f64::MIN_POSITIVE);
    let mut below = 0.0;
    let mut last = None;
    for b in bins {
        if b.count == 0 {
            continue;
        }
        let c = b.count as f64;
        if below + c >= rank {
            if b.count == 1 {
                return Some(b.min);
            }
            let f = ((rank - below) / c).clamp(0.0, 1.0);
            return Some(b.min + (b.max - b.min) * f);
        }
        below += c;
        last = Some(b.max);
    }
    last
}

/// Sub-bins per power of two in a `RelativeSketch`: a bin spans at most
/// 1/128 of its lower bound, so any value in it is within 0.8% of any other.
const BINS_PER_OCTAVE: i64 = 128;

/// The most bins a `RelativeSketch` keeps, 64 powers of two (a factor of
/// 1.8e19) below the largest value: beyond that the lowest bins are merged
/// into one, which still keeps its exact extremes. Bounds its memory at
/// 8,192 bins (200 KB), however wide the values.
pub(crate) const MAX_RELATIVE_BINS: usize = 64 * BINS_PER_OCTAVE as usize;

/// Percentiles of a quantity >= 0 of any magnitude (committed amounts,
/// times) with a stated relative accuracy: log-spaced bins (as in
/// DDSketch), 128 to each power of two, each keeping its extremes; exact 0
/// in a bin of its own. A quantile is within 0.8% (relative) of a value
/// at that rank, exact for a point mass. Bins are indexed from the float's
/// bits (exponent and top 7 mantissa bits), so a value's bin is the same on
/// every machine, and counts add, so sketches merge exactly in any order.
/// Memory grows with the span of the values seen, not the number.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RelativeSketch {
    /// Zeros (and negative values, which callers never push).
    zero: Bin,
    /// The bin index of `bins[0]`.
    offset: i64,
    bins: Vec<Bin>,
}

impl RelativeSketch {
    /// The bin of `x > 0`: exponent and top mantissa bits, monotone in `x`.
    #[inline(always)]
    fn index(x: f64) -> i64 {
        // For positive floats the bit pattern is monotone in the value:
        // shifting off all but 7 mantissa bits gives 128 bins per octave
        // (subnormals get the same uniform spacing below the smallest
        // normal).
        (x.to_bits() >> (52 - 7)) as i64
    }

    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        if x <= 0.0 || x.is_nan() {
            self.zero.push(x.max(0.0));
            return;
        }
        let i = Self::index(x) - self.offset;
        match usize::try_from(i) {
            Ok(i) if i < self.bins.len() => self.bins[i].push(x),
            _ => self.push_outside(x),
        }
    }

    /// `push` for a value outside the bins held: grows them, or merges the
    /// lowest when the span would pass `MAX_RELATIVE_BINS`.
    #[cold]
    fn push_outside(&mut self, x: f64) {
        let i = Self::index(x);
        self.cover(i, i);
        let at = (i - self.offset).max(0) as usize;
        self.bins[at].push(x);
    }

    /// Makes the bins cover indices `lo..=hi` (as far as the cap allows: the
    /// lowest ones then share bin 0).
    fn cover(&mut self, lo: i64, hi: i64) {
        if self.bins.is_empty() {
            self.offset = lo;
            self.bins.push(Bin::default());
        }
        let (old_lo, old_hi) = (self.offset, self.offset + self.bins.len() as i64 - 1);
        let hi = hi.max(old_hi);
        let lo = lo.min(old_lo).max(hi - MAX_RELATIVE_BINS as i64 + 1);
        let mut bins = vec![Bin::default(); (hi - lo + 1) as usize];
        for (k, b) in self.bins.iter().enumerate() {
            let at = (old_lo + k as i64 - lo).max(0) as usize;
            bins[at].merge(b);
        }
        self.offset = lo;
        self.bins = bins;
    }

    pub fn merge(&mut self, other: &RelativeSketch) {
        self.zero.merge(&other.zero);
        if other.bins.is_empty() {
            return;
        }
        let other_hi = other.offset + other.bins.len() as i64 - 1;
        self.cover(other.offset, other_hi);
        for (k, b) in other.bins.iter().enumerate() {
            let at = (other.offset + k as i64 - self.offset).max(0) as usize;
            self.bins[at].merge(b);
        }
    }

    /// The q-quantile (inverse CDF: smallest x with F(x) >= q), `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        quantile_of_bins(std::iter::once(&self.zero).chain(&self.bins), q)
    }
}

/// Bins of a `UnitHistograms` row: exact 0, 1000 bins of 1/1000 on (0, 1),
/// exact 1.
pub(crate) const UNIT_BINS: usize = 1002;

/// Counts-only histograms of several quantities in [0, 1] (say overall
/// coverage, one per month): bins of 1/1000 plus exact bins for 0 and 1
/// (values below 0 count as 0, above 1 as 1). Quantiles are exact for the
/// point masses at 0 and 1 and within 1/1000 elsewhere. Counts are `u32`
/// (at most 10^9 trials) to keep the histograms small and cache-resident.
/// Laid out bin-major (`[bin * len + k]`): neighbouring quantities (months)
/// usually fall in the same bin, so one trial's increments share cache lines.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitHistograms {
    len: usize,
    counts: Vec<u32>,
}

impl UnitHistograms {
    pub fn new(len: usize) -> Self {
        UnitHistograms {
            len,
            counts: vec![0; len * UNIT_BINS],
        }
    }

    /// Bins per histogram.
    pub const BINS: usize = UNIT_BINS;

    /// Adds `x` to histogram `k`. The engine adds runs of months by
    /// `add_steps`; this one-value form is the reference tests check it by.
    #[cfg(test)]
    pub fn push(&mut self, k: usize, x: f64) {
        self.counts[unit_bin(x) * self.len + k] += 1;
    }

    /// The bin `x` falls in (see `add_steps`).
    #[inline(always)]
    pub fn bin(x: f64) -> usize {
        unit_bin(x)
    }

    /// Adds values given as steps along the histograms (months, say):
    /// `steps[bin * len + k]` is, as a wrapping count, the change from
    /// histogram `k - 1` to `k` of the count in `bin`, so histogram `k`
    /// gets the running total up to `k`. Rows of `steps` past the last bin
    /// are ignored. Clears `steps`. Counts of 16 bits suffice for fewer
    /// than 2^16 values per histogram: the wrapping running total is then
    /// the true count.
    pub fn add_steps(&mut self, steps: &mut [u16]) {
        let rows = self.counts.chunks_exact_mut(self.len);
        for (counts, steps) in rows.zip(steps.chunks_exact_mut(self.len)) {
            let mut run = 0u16;
            for (count, step) in counts.iter_mut().zip(steps) {
                run = run.wrapping_add(std::mem::take(step));
                *count += u32::from(run);
            }
        }
    }

    pub fn merge(&mut self, other: &UnitHistograms) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// The q-quantile of histogram `k` (smallest x with F(x) >= q, linear
    /// within a bin), `None` when empty.
    pub fn quantile(&self, k: usize, q: f64) -> Option<f64> {
        let counts = || self.counts.iter().skip(k).step_by(self.len);
        let n: u64 = counts().map(|&c| u64::from(c)).sum();
        if n == 0 {
            return None;
        }
        let rank = (q * n as f64).max(f64::MIN_POSITIVE);
        let mut below = 0.0;
        for (b, &count) in counts().enumerate() {
            if count == 0 {
                continue;
            }
            let c = f64::from(count);
            if below + c >= rank {
                return Some(match b {
                    0 => 0.0,
                    _ if b == UNIT_BINS - 1 => 1.0,
                    _ => {
                        let f = ((rank - below) / c).clamp(0.0, 1.0);
                        ((b - 1) as f64 + f) / 1000.0
                    }
                });
            }
            below += c;
        }
        Some(1.0)
    }
}

#[inline(always)]
fn unit_bin(x: f64) -> usize {
    // Selects rather than branches: coverage is 0 or 1 often, but not
    // predictably.
    // Through i64: a cheaper conversion than to usize.
    let inner = ((x * 1000.0) as i64).clamp(0, 999) as usize + 1;
    let bin = if x >= 1.0 { UNIT_BINS - 1 } else { inner };
    if x <= 0.0 { 0 } else { bin }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_merge_equals_single_pass() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1013) as f64 / 10.0)
            .collect();
        let mut all = Moments::default();
        xs.iter().for_each(|&x| all.push(x));
        let mut a = Moments::default();
        let mut b = Moments::default();
        xs[..333].iter().for_each(|&x| a.push(x));
        xs[333..].iter().for_each(|&x| b.push(x));
        a.merge(&b);
        assert_eq!(a.n, all.n);
        assert!((a.mean - all.mean).abs() < 1e-12);
        assert!((a.sd() - all.sd()).abs() < 1e-9);
    }

    #[test]
    fn wilson_matches_hand_computation() {
        // p = 0.5, n = 100: centre 0.5, half = 1.96*sqrt(0.0025 + 0.96^2/40000)/(1+0.0384)
        let [lo, hi] = wilson95(50, 100);
        assert!(
            (lo - 0.403_831).abs() < 1e-5 && (hi - 0.596_169).abs() < 1e-5,
            "{lo} {hi}"
        );
        assert_eq!(wilson95(0, 10)[0], 0.0);
        for n in [999u64, 1000, 1001, 7] {
            assert_eq!(wilson95(0, n)[0], 0.0);
            assert_eq!(wilson95(n, n)[1], 1.0);
        }
    }

    #[test]
    fn unit_sketch_is_exact_on_point_masses_and_close_elsewhere() {
        let mut s = UnitSketch::default();
        for _ in 0..30 {
            s.push(0.0);
        }
        for _ in 0..50 {
            s.push(0.8);
        }
        for _ in 0..20 {
            s.push(1.0);
        }
        assert_eq!(s.quantile(0.05), Some(0.0));
        assert_eq!(s.quantile(0.5), Some(0.8));
        assert_eq!(s.quantile(0.95), Some(1.0));
        let mut u = UnitSketch::default();
        for i in 0..100_000 {
            u.push(i as f64 / 100_000.0);
        }
        assert!((u.quantile(0.25).unwrap() - 0.25).abs() < 0.0011);
        u.push(-5.0);
        u.push(7.0);
        assert_eq!(u.quantile(0.0), Some(-5.0));
        assert_eq!(u.quantile(1.0), Some(7.0));
    }

    /// The sketch of `n` stratified draws `F^-1((i + 1/2) / n)` of a
    /// distribution, pushed in a scrambled order.
    fn stratified(n: u64, quantile: impl Fn(f64) -> f64) -> RelativeSketch {
        let mut s = RelativeSketch::default();
        for i in 0..n {
            let k = (i * 7919) % n;
            s.push(quantile((k as f64 + 0.5) / n as f64));
        }
        s
    }

    /// Within the sketch's stated relative accuracy (0.8%) of the exact
    /// quantile (the stratified sample's own quantile is off by at most a
    /// rank of 1 in 200,000, far less).
    fn assert_relative(what: &str, s: &RelativeSketch, quantile: impl Fn(f64) -> f64) {
        for q in [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] {
            let (est, exact) = (s.quantile(q).unwrap(), quantile(q));
            let tol = 0.008 * exact.abs() + 1e-12;
            assert!(
                (est - exact).abs() <= tol,
                "{what} q{q}: {est} vs exact {exact}"
            );
        }
    }

    #[test]
    fn relative_sketch_meets_its_accuracy_on_lognormal_pert_and_mixtures() {
        use statrs::distribution::{Beta, ContinuousCDF};
        const N: u64 = 200_000;
        // range90 = [1, 1000]: the case, quantiles 1 / 31.6 / 1000.
        let (mu, sigma) = (
            1000f64.ln() / 2.0,
            1000f64.ln() / (2.0 * 1.644_853_626_951_472),
        );
        let lognormal = |u: f64| (mu + sigma * crate::compile::dist::inverse_normal_cdf(u)).exp();
        let s = stratified(N, lognormal);
        assert_relative("lognormal", &s, lognormal);
        assert!((s.quantile(0.05).unwrap() - 1.0).abs() < 0.009);
        assert!((s.quantile(0.95).unwrap() - 1000.0).abs() < 9.0);
        // Beta-PERT(500, 1000, 2000).
        let beta = Beta::new(1.0 + 4.0 * 500.0 / 1500.0, 1.0 + 4.0 * 1000.0 / 1500.0).unwrap();
        let pert = |u: f64| 500.0 + 1500.0 * beta.inverse_cdf(u);
        assert_relative("pert", &stratified(N, pert), pert);
        // 30% exactly 0, 20% exactly 5, 50% lognormal: point masses exact.
        let mixture = |u: f64| match u {
            u if u < 0.3 => 0.0,
            u if u < 0.5 => 5.0,
            u => lognormal((u - 0.5) / 0.5),
        };
        let m = stratified(N, mixture);
        assert_eq!(m.quantile(0.1), Some(0.0));
        assert_eq!(m.quantile(0.3), Some(0.0));
        // The mass at 5 shares its bin with lognormal values just above it.
        for q in [0.4, 0.6, 0.75, 0.9, 0.99] {
            let (est, exact) = (m.quantile(q).unwrap(), mixture(q));
            assert!(
                (est - exact).abs() <= 0.008 * exact,
                "mixture q{q}: {est} vs {exact}"
            );
        }
    }

    #[test]
    fn relative_sketch_merges_exactly_in_any_order_and_stays_bounded() {
        let values: Vec<f64> = (0..30_000u64)
            .map(|i| match i % 5 {
                0 => 0.0,
                1 => 1e-300 * (1 + i) as f64,
                2 => 1e15 / (1 + i) as f64,
                _ => (i as f64).sqrt(),
            })
            .collect();
        let part = |k: usize| {
            let mut s = RelativeSketch::default();
            values.iter().skip(k).step_by(3).for_each(|&x| s.push(x));
            s
        };
        let (a, b, c) = (part(0), part(1), part(2));
        let mut abc = a.clone();
        abc.merge(&b);
        abc.merge(&c);
        let mut cba = c.clone();
        cba.merge(&b);
        cba.merge(&a);
        let mut all = RelativeSketch::default();
        values.iter().for_each(|&x| all.push(x));
        assert_eq!(abc, cba);
        assert_eq!(abc, all);
        assert!(all.bins.len() <= MAX_RELATIVE_BINS, "{}", all.bins.len());
        // The top keeps its accuracy; the extremes are exact.
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let exact = sorted[(0.99 * sorted.len() as f64).ceil() as usize - 1];
        let est = all.quantile(0.99).unwrap();
        assert!((est - exact).abs() <= 0.008 * exact, "{est} vs {exact}");
        assert_eq!(all.quantile(1.0), Some(sorted[sorted.len() - 1]));
        assert_eq!(all.quantile(0.0), Some(0.0));
    }

    #[test]
    fn unit_histograms_are_exact_at_0_and_1_and_close_elsewhere() {
        let mut h = UnitHistograms::new(2);
        for i in 0..100 {
            let x = match i {
                0..30 => 0.0,
                30..80 => 0.8,
                _ => 1.0,
            };
            h.push(0, x);
            h.push(1, i as f64 / 100.0);
        }
        assert_eq!(h.quantile(0, 0.05), Some(0.0));
        assert!((h.quantile(0, 0.5).unwrap() - 0.8).abs() <= 0.001);
        assert_eq!(h.quantile(0, 0.95), Some(1.0));
        assert!((h.quantile(1, 0.5).unwrap() - 0.49).abs() <= 0.011);
        let mut g = UnitHistograms::new(2);
        g.merge(&h);
        assert_eq!(g, h);
        assert_eq!(UnitHistograms::new(1).quantile(0, 0.5), None);
    }
}
