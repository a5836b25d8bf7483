//! Sampling the distributions of docs/model.md 2.9 by inverse CDF.
//!
//! Every draw maps exactly one uniform in (0, 1) through the quantile
//! function. That keeps the number of random words per entity fixed (so
//! streams never shift, docs/model.md 3.7) and makes common random numbers as
//! strong as they can be: changing a distribution's bounds moves each trial's
//! draw monotonically instead of reshuffling it.

use crate::input::scenario::Dist;
use rayon::prelude::*;
use statrs::distribution::{Beta, ContinuousCDF};
use std::sync::Arc;

/// z such that P(Z <= z) = 0.95 for a standard normal.
const Z95: f64 = 1.644_853_626_951_472_2;

/// Intervals of the tabulated PERT quantile function. The interpolation error
/// is far below Monte Carlo noise at any practical trial count.
const PERT_TABLE_INTERVALS: usize = 4096;

/// A distribution compiled for fast sampling.
#[derive(Debug, Clone)]
pub enum Sampler {
    Constant(f64),
    Uniform {
        a: f64,
        width: f64,
    },
    Triangular {
        min: f64,
        max: f64,
        split: f64,
        left: f64,
        right: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// `min + range * q(u)`, `q` the unit Beta quantile function (see
    /// `PertTable`).
    Pert {
        min: f64,
        range: f64,
        unit: Arc<PertTable>,
    },
    /// Cumulative probabilities (last forced to 1) and their values.
    Choice {
        cumulative: Box<[f64]>,
        values: Box<[f64]>,
    },
}

impl Sampler {
    /// Whether a draw needs no uniform.
    pub fn is_constant(&self) -> bool {
        matches!(self, Sampler::Constant(_))
    }

    pub fn new(dist: &Dist) -> Self {
        match *dist {
            Dist::Constant(v) => Sampler::Constant(v),
            Dist::Uniform { a, b } => Sampler::Uniform { a, width: b - a },
            Dist::Triangular { min, mode, max } => Sampler::Triangular {
                min,
                max,
                split: (mode - min) / (max - min),
                left: (max - min) * (mode - min),
                right: (max - min) * (max - mode),
            },
            Dist::Pert { min, mode, max } => {
                let range = max - min;
                Sampler::Pert {
                    min,
                    range,
                    unit: pert_table(
                        1.0 + 4.0 * (mode - min) / range,
                        1.0 + 4.0 * (max - mode) / range,
                    ),
                }
            }
            Dist::Normal { mean, sd } => Sampler::Normal { mean, sd },
            Dist::Range90 { lo, hi } => Sampler::LogNormal {
                mu: 0.5 * (lo.ln() + hi.ln()),
                sigma: (hi.ln() - lo.ln()) / (2.0 * Z95),
            },
            Dist::Choice(ref pairs) => {
                let total: f64 = pairs.iter().map(|&(_, w)| w).sum();
                let mut acc = 0.0;
                let mut cumulative: Vec<f64> = pairs
                    .iter()
                    .map(|&(_, w)| {
                        acc += w;
                        acc / total
                    })
                    .collect();
                if let Some(last) = cumulative.last_mut() {
                    *last = 1.0;
                }
                Sampler::Choice {
                    cumulative: cumulative.into(),
                    values: pairs.iter().map(|&(v, _)| v).collect(),
                }
            }
        }
    }

    /// The quantile function at `u` in (0, 1).
    #[inline]
    pub fn sample(&self, u: f64) -> f64 {
        let mut x = 0.0;
        self.sample_each(&[0], |_| u, |_, v| x = v);
        x
    }

    /// `out(t, quantile(u(t)))` for every `t` in `idx`, with the dispatch
    /// hoisted out of the loop so that each distribution runs as one tight
    /// loop (its table stays in cache). `sample` is the one-value case.
    #[inline(always)]
    pub fn sample_each(
        &self,
        idx: &[u32],
        u: impl Fn(usize) -> f64,
        mut out: impl FnMut(usize, f64),
    ) {
        macro_rules! each {
            ($x:ident => $e:expr) => {
                for &t in idx {
                    let t = t as usize;
                    let $x = u(t);
                    out(t, $e);
                }
            };
        }
        match *self {
            Sampler::Constant(v) => {
                for &t in idx {
                    out(t as usize, v);
                }
            }
            Sampler::Uniform { a, width } => each!(x => a + width * x),
            Sampler::Triangular {
                min,
                max,
                split,
                left,
                right,
            } => each!(x => triangular(min, max, split, left, right, x)),
            Sampler::Normal { mean, sd } => each!(x => mean + sd * inverse_normal_cdf(x)),
            Sampler::LogNormal { mu, sigma } => {
                each!(x => (mu + sigma * inverse_normal_cdf(x)).exp())
            }
            Sampler::Pert {
                min,
                range,
                ref unit,
            } => each!(x => min + range * unit.quantile(x)),
            Sampler::Choice {
                ref cumulative,
                ref values,
            } => each!(x => choice(cumulative, values, x)),
        }
    }
}

#[inline(always)]
fn triangular(min: f64, max: f64, split: f64, left: f64, right: f64, u: f64) -> f64 {
    // One square root and selects, not a branch: which side a draw falls
    // on is a coin flip.
    let below = u < split;
    let root = if below { u * left } else { (1.0 - u) * right }.sqrt();
    if below { min + root } else { max - root }
}

#[inline(always)]
fn choice(cumulative: &[f64], values: &[f64], u: f64) -> f64 {
    let i = cumulative.partition_point(|&c| c <= u);
    values[i.min(values.len() - 1)]
}

/// Intervals at each end of a PERT table interpolated along a power law.
const PERT_END_INTERVALS: usize = 8;

/// The quantile function of Beta(alpha, beta) on [0, 1] (Beta-PERT with
/// lambda = 4 has alpha, beta in [1, 5]), tabulated at `i / N` for
/// `N = PERT_TABLE_INTERVALS`.
///
/// Inside, linear interpolation between f32 values: each table takes
/// 16 KiB, so a scenario's tables stay in the core's L2 cache (at 8 bytes a
/// value they did not, and the table load was the costliest instruction of
/// sampling); rounding to f32 moves a value by at most 3e-8.
///
/// At the ends the quantile function is steep (near 0 it grows like
/// u^(1/alpha)), and straight lines there biased the mean by up to 1.6e-5 of
/// the range. In the outer `PERT_END_INTERVALS` intervals we interpolate
/// q^alpha (near 0) and (1 - q)^beta (near 1) instead, which are nearly
/// linear in u: the mean is then within about 1e-7 of the range of Beta's,
/// for every PERT shape. Under 0.4% of draws take that branch (one `powf`).
#[derive(Debug)]
pub struct PertTable {
    q: Box<[f32]>,
    /// `q_i^alpha` for `i = 0..=E`, and `(1 - q_(N-E+j))^beta` for `j = 0..=E`.
    low: [f64; PERT_END_INTERVALS + 1],
    high: [f64; PERT_END_INTERVALS + 1],
    inv_alpha: f64,
    inv_beta: f64,
}

impl PertTable {
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        const N: usize = PERT_TABLE_INTERVALS;
        const E: usize = PERT_END_INTERVALS;
        let x = u * N as f64;
        // Through i64: a cheaper conversion than to usize; u is in (0, 1).
        let i = (x as i64).clamp(0, N as i64 - 1) as usize;
        let f = x - i as f64;
        if i < E {
            let (a, b) = (self.low[i], self.low[i + 1]);
            (a + (b - a) * f).powf(self.inv_alpha)
        } else if i >= N - E {
            let (a, b) = (self.high[i - (N - E)], self.high[i + 1 - (N - E)]);
            1.0 - (a + (b - a) * f).powf(self.inv_beta)
        } else {
            let (a, b) = (f64::from(self.q[i]), f64::from(self.q[i + 1]));
            a + (b - a) * f
        }
    }
}

/// Shapes whose unit quantile tables are kept (a sweep over a PERT bound
/// makes a new shape per value; beyond this the cache starts afresh).
const PERT_CACHE_SHAPES: usize = 64;

/// The `PertTable` of Beta(alpha, beta). Inverting the incomplete beta
/// function is the costly part of compiling a model, and the same shapes
/// recur (replicas, members with the same relative PERT, every recompile of
/// a sensitivity analysis), so tables are cached per shape for the life of
/// the process.
fn pert_table(alpha: f64, beta: f64) -> Arc<PertTable> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<HashMap<(u64, u64), Arc<PertTable>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (alpha.to_bits(), beta.to_bits());
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(t) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return t;
    }
    const N: usize = PERT_TABLE_INTERVALS;
    const E: usize = PERT_END_INTERVALS;
    let (alpha, beta, q): (f64, f64, Vec<f64>) = match Beta::new(alpha, beta) {
        Ok(dist) => (alpha, beta, beta_quantiles(&dist, alpha, beta)),
        // Unreachable for validated input (alpha, beta >= 1); fall back to uniform.
        Err(_) => (1.0, 1.0, (0..=N).map(|i| i as f64 / N as f64).collect()),
    };
    let table = Arc::new(PertTable {
        q: q.iter().map(|&x| x as f32).collect(),
        low: std::array::from_fn(|i| q[i].powf(alpha)),
        high: std::array::from_fn(|j| (1.0 - q[N - E + j]).powf(beta)),
        inv_alpha: 1.0 / alpha,
        inv_beta: 1.0 / beta,
    });
    if let Ok(mut c) = cache.lock() {
        if c.len() >= PERT_CACHE_SHAPES {
            c.clear();
        }
        c.insert(key, table.clone());
    }
    table
}

/// Beta(alpha, beta)'s quantiles at `i / N`, `i = 0..=N` (the costly part
/// of compiling a model). Points come in fixed runs, spread over all cores
/// (the values do not depend on how). The first of a run, and the points of
/// the outer intervals (whose power-law pieces want every digit), come from
/// `inverse_cdf`. Each other point `y` follows from the point `x` before it,
/// whose CDF is `u - 1/N`: Newton's method on `integral of the density over
/// [x, y] = 1/N`, the integral by 3-point Gauss-Legendre (exact for
/// polynomials of degree 5; the interval is a small part of the density's
/// scale, so the error is far below rounding), from the quantile function's
/// third-order Taylor step (`Q' = 1/f`, with the log-density's derivatives
/// in closed form), which is so close that one correction settles it. A
/// step costs four densities (two logarithms and an exponential each),
/// where the CDF costs a continued fraction of tens of divisions. A point
/// that does not settle falls back to `inverse_cdf`.
fn beta_quantiles(dist: &Beta, alpha: f64, beta: f64) -> Vec<f64> {
    const N: usize = PERT_TABLE_INTERVALS;
    const E: usize = PERT_END_INTERVALS;
    const RUN: usize = 128;
    const H: f64 = 1.0 / N as f64;
    let ln_b = statrs::function::beta::ln_beta(alpha, beta);
    let density = |x: f64| ((alpha - 1.0) * x.ln() + (beta - 1.0) * (1.0 - x).ln() - ln_b).exp();
    let exact = |i: usize| match i {
        0 => 0.0,
        _ if i == N => 1.0,
        _ => dist.inverse_cdf(i as f64 / N as f64).clamp(0.0, 1.0),
    };
    // The log-density's first two derivatives.
    let slopes = |x: f64| {
        let (a, b) = ((alpha - 1.0) / x, (beta - 1.0) / (1.0 - x));
        (a - b, -a / x - b / (1.0 - x))
    };
    // From `x` (density `fx`) to the next point, with its density.
    let step = |x: f64, fx: f64| -> Option<(f64, f64)> {
        let d = H / fx;
        let (l, dl) = slopes(x);
        let mut y = x + d - d * d * l / 2.0 + d * d * d * (2.0 * l * l - dl) / 6.0;
        const NODE: f64 = 0.774_596_669_241_483_4; // sqrt(3/5)
        for _ in 0..6 {
            if !(y > x && y < 1.0) {
                return None;
            }
            let (mid, half) = (0.5 * (x + y), 0.5 * (y - x));
            let integral = half
                * (5.0 / 9.0 * (density(mid - NODE * half) + density(mid + NODE * half))
                    + 8.0 / 9.0 * density(mid));
            let fy = density(y);
            let delta = (integral - H) / fy;
            y -= delta;
            // Newton converges quadratically: after a correction this
            // small against the step, the error left, about
            // f'/2f * delta^2, is below rounding. The density moves with
            // y to first order (it only guides the next step's guess).
            if delta.abs() <= 1e-6 * d {
                return (y > x && y < 1.0).then(|| (y, fy * (1.0 - slopes(y).0 * delta)));
            }
        }
        None
    };
    let runs: Vec<Vec<f64>> = (0..=N)
        .step_by(RUN)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|first| {
            let mut run = Vec::with_capacity(RUN);
            let mut x = exact(first);
            let mut fx = density(x);
            run.push(x);
            for i in first + 1..(first + RUN).min(N + 1) {
                let stepped = (i > E && i < N - E && x > 0.0)
                    .then(|| step(x, fx))
                    .flatten();
                (x, fx) = stepped.unwrap_or_else(|| {
                    let y = exact(i);
                    (y, density(y))
                });
                run.push(x);
            }
            run
        })
        .collect();
    runs.concat()
}

/// Bits of a 32-bit word that pick its cell in `NormalCells`.
const CELL_BITS: u32 = 10;

/// `inverse_normal_cdf` at the ends of the cells the top `CELL_BITS` bits
/// of a word pick (8 KiB): each cell's two ends bracket the quantile of
/// every word in it.
pub struct NormalCells {
    bounds: Vec<f64>,
}

static NORMAL_CELLS: std::sync::LazyLock<NormalCells> = std::sync::LazyLock::new(|| {
    let cells = 1u32 << CELL_BITS;
    let bounds = (0..=cells)
        .map(|k| inverse_normal_cdf(f64::from(k) / f64::from(cells)))
        .collect();
    NormalCells { bounds }
});

/// Widening of the brackets: far more than the rounding of the rational
/// approximations (about 1e-15 for |z| < 7), so that a bracket holds even
/// where they are not monotone to the last bit.
const CELL_PAD: f64 = 1e-9;

/// `NormalCells::join`: whether
/// `shared + scale * inverse_normal_cdf(open_unit(w)) < threshold`, exactly, for `scale > 0`: the join test of a group member (docs/model.md
/// 3.1). The word's cell brackets the quantile, and the sum is monotone in
/// it (rounding included), so the bracket's ends decide all but the rare
/// words whose bracket straddles the threshold (under 1% of tests); only
/// those evaluate the quantile. The same answers as the direct test, at a
/// fraction of its cost.
impl NormalCells {
    /// The table, built on first use (take it once, outside hot loops).
    pub fn get() -> &'static NormalCells {
        &NORMAL_CELLS
    }

    /// `bracket`, then `exact` where the bracket does not decide: what the
    /// engine's join loop does in two passes (see `simulate::draw_block`),
    /// in one call, for the tests.
    #[cfg(test)]
    pub fn join(&self, w: u32, shared: f64, scale: f64, threshold: f64) -> bool {
        match self.bracket(w, shared, scale, threshold) {
            (surely, false) => surely,
            (_, true) => Self::exact(w, shared, scale, threshold),
        }
    }

    /// `join` in two steps, for a loop without a branch on the answer (a
    /// coin flip): the answer when the bracket decides it, and whether it
    /// does not (then `exact` does).
    #[inline(always)]
    pub fn bracket(&self, w: u32, shared: f64, scale: f64, threshold: f64) -> (bool, bool) {
        let k = (w >> (32 - CELL_BITS)) as usize;
        let surely = shared + scale * (self.bounds[k + 1] + CELL_PAD) < threshold;
        let surely_not = shared + scale * (self.bounds[k] - CELL_PAD) >= threshold;
        (surely, !(surely | surely_not))
    }

    /// The join test by the quantile itself.
    pub fn exact(w: u32, shared: f64, scale: f64, threshold: f64) -> bool {
        shared + scale * inverse_normal_cdf(crate::rng::open_unit(w)) < threshold
    }
}

/// Inverse of the standard normal CDF (Wichura 1988, algorithm AS 241,
/// PPND16: relative accuracy about 1e-16). Returns -inf at 0 and +inf at 1.
// The coefficients are quoted as published.
#[allow(clippy::inconsistent_digit_grouping, clippy::excessive_precision)]
pub fn inverse_normal_cdf(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2509.080_928_730_122_7 * r + 33430.575_583_588_128) * r
                + 67265.770_927_008_7)
                * r
                + 45921.953_931_549_87)
                * r
                + 13731.693_765_509_461)
                * r
                + 1971.590_950_306_551_3)
                * r
                + 133.141_667_891_784_38)
                * r
                + 3.387_132_872_796_366_5)
            / (((((((5226.495_278_852_545 * r + 28729.085_735_721_943) * r
                + 39307.895_800_092_71)
                * r
                + 21213.794_301_586_597)
                * r
                + 5394.196_021_424_751)
                * r
                + 687.187_007_492_057_9)
                * r
                + 42.313_330_701_600_91)
                * r
                + 1.0);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let z = if r <= 5.0 {
        let r = r - 1.6;
        (((((((7.745_450_142_783_414e-4 * r + 0.022_723_844_989_269_184) * r
            + 0.241_780_725_177_450_6)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_546)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((1.050_750_071_644_416_9e-9 * r + 5.475_938_084_995_345e-4) * r
                + 0.015_198_666_563_616_457)
                * r
                + 0.148_103_976_427_480_08)
                * r
                + 0.689_767_334_985_1)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_759)
                * r
                + 1.0)
    } else {
        let r = r - 5.0;
        (((((((2.010_334_399_292_288_1e-7 * r + 2.711_555_568_743_487_6e-5) * r
            + 0.001_242_660_947_388_078_4)
            * r
            + 0.026_532_189_526_576_124)
            * r
            + 0.296_560_571_828_504_9)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_103)
            / (((((((2.044_263_103_389_939_7e-15 * r + 1.421_511_758_316_446e-7) * r
                + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_133e-4)
                * r
                + 0.014_875_361_290_850_615)
                * r
                + 0.136_929_880_922_735_8)
                * r
                + 0.599_832_206_555_888)
                * r
                + 1.0)
    };
    if q < 0.0 { -z } else { z }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::Normal;

    /// The bracketed join test must answer exactly as the direct one,
    /// most of all where the threshold sits at a word's own value (ties)
    /// and at the words on either side of every cell boundary.
    #[test]
    fn normal_join_agrees_with_the_direct_test() {
        use crate::rng::open_unit;
        let direct = |w: u32, shared: f64, scale: f64, threshold: f64| {
            shared + scale * inverse_normal_cdf(open_unit(w)) < threshold
        };
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let cells = 1u32 << CELL_BITS;
        let mut words: Vec<u32> = (0..cells)
            .flat_map(|k| {
                let edge = k << (32 - CELL_BITS);
                [edge, edge.wrapping_sub(1), edge + 1]
            })
            .collect();
        words.extend((0..200_000).map(|_| next() as u32));
        words.extend([0, 1, u32::MAX, u32::MAX - 1]);
        let mut fallbacks = 0;
        for (i, &w) in words.iter().enumerate() {
            let rho: f64 = [0.0, 0.3, 0.7, 0.99][i % 4];
            let (shared, scale) = (
                rho.sqrt() * ((i % 7) as f64 - 3.0) * 0.7,
                (1.0 - rho).sqrt(),
            );
            let exact = shared + scale * inverse_normal_cdf(open_unit(w));
            let random = (next() >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 4.0;
            for threshold in [
                exact,
                exact.next_up(),
                exact.next_down(),
                random,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ] {
                let got = NormalCells::get().join(w, shared, scale, threshold);
                assert_eq!(
                    got,
                    direct(w, shared, scale, threshold),
                    "{w} {shared} {scale} {threshold}"
                );
                let bounds = &NORMAL_CELLS.bounds;
                let k = (w >> (32 - CELL_BITS)) as usize;
                let decided = shared + scale * (bounds[k + 1] + CELL_PAD) < threshold
                    || shared + scale * (bounds[k] - CELL_PAD) >= threshold;
                fallbacks += usize::from(threshold == random && !decided);
            }
        }
        // The brackets decide nearly every test with a threshold not tied
        // to the word (else there is no gain).
        assert!(
            fallbacks * 100 < words.len(),
            "{fallbacks} of {}",
            words.len()
        );
    }

    #[test]
    fn inverse_normal_matches_statrs() {
        let n = Normal::new(0.0, 1.0).unwrap();
        for &p in &[
            1e-12,
            0.001,
            0.025,
            0.3,
            0.5,
            0.7,
            0.975,
            0.999,
            1.0 - 1e-12,
        ] {
            let z = inverse_normal_cdf(p);
            assert!((n.cdf(z) - p).abs() <= 1e-9 * p.min(1.0 - p), "p={p} z={z}");
        }
        assert_eq!(inverse_normal_cdf(0.5), 0.0);
        assert!((inverse_normal_cdf(0.025) + 1.959_963_984_540_054).abs() < 1e-14);
    }

    #[test]
    fn quantiles_of_closed_forms() {
        let tri = Sampler::new(&Dist::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 4.0,
        });
        // F(mode) = 1/4: the quantile at 1/4 is the mode.
        assert!((tri.sample(0.25) - 1.0).abs() < 1e-12);
        assert!((tri.sample(0.5) - (4.0 - (0.5f64 * 4.0 * 3.0).sqrt())).abs() < 1e-12);
        let r90 = Sampler::new(&Dist::Range90 { lo: 2.0, hi: 50.0 });
        assert!((r90.sample(0.05) - 2.0).abs() < 1e-9);
        assert!((r90.sample(0.95) - 50.0).abs() < 1e-9);
        let ch = Sampler::new(&Dist::Choice(vec![(1.0, 1.0), (2.0, 0.0), (3.0, 3.0)]));
        assert_eq!(ch.sample(0.2), 1.0);
        assert_eq!(ch.sample(0.25), 3.0);
        assert_eq!(ch.sample(0.9999), 3.0);
        let pert = Sampler::new(&Dist::Pert {
            min: 0.0,
            mode: 3.0,
            max: 10.0,
        });
        let beta = Beta::new(1.0 + 4.0 * 0.3, 1.0 + 4.0 * 0.7).unwrap();
        for &u in &[0.01, 0.3, 0.5, 0.77, 0.99] {
            assert!((pert.sample(u) - 10.0 * beta.inverse_cdf(u)).abs() < 1e-4);
        }
    }

    #[test]
    fn pert_mean_is_exact_for_the_steepest_shapes() {
        // Mode at an end: Beta(1, 5) and Beta(5, 1), the steepest quantile
        // functions PERT has. A stratified average over u is the mean of
        // the sampled distribution to ~1e-9; straight lines in the end
        // intervals of the table would be off by 1.6e-5.
        for (mode, exact) in [(0.0, 1.0 / 6.0), (1.0, 5.0 / 6.0)] {
            let pert = Sampler::new(&Dist::Pert {
                min: 0.0,
                mode,
                max: 1.0,
            });
            let n = 4_096 * 256;
            let mean: f64 = (0..n)
                .map(|i| pert.sample((i as f64 + 0.5) / n as f64))
                .sum::<f64>()
                / n as f64;
            assert!(
                (mean - exact).abs() < 3e-7,
                "mode {mode}: {mean} vs {exact}"
            );
        }
    }

    /// Stepping from the point before gives the quantiles
    /// `inverse_cdf` gives, for PERT shapes from the steepest to the flat.
    #[test]
    fn beta_quantiles_agree_with_inverse_cdf() {
        for (alpha, beta) in [
            (1.0, 5.0),
            (5.0, 1.0),
            (1.0, 1.0),
            (1.2, 4.8),
            (3.0, 3.0),
            (2.333_333_333_333_333, 3.666_666_666_666_666_5),
            (4.9, 1.1),
        ] {
            let dist = Beta::new(alpha, beta).unwrap();
            let fast = super::beta_quantiles(&dist, alpha, beta);
            let n = super::PERT_TABLE_INTERVALS;
            assert_eq!(fast.len(), n + 1);
            assert_eq!((fast[0], fast[n]), (0.0, 1.0));
            for (i, &q) in fast.iter().enumerate().take(n).skip(1) {
                let exact = dist.inverse_cdf(i as f64 / n as f64);
                assert!((q - exact).abs() < 1e-12, "{alpha} {beta} {i}: {q} {exact}");
            }
        }
    }

    #[test]
    fn pert_mean_is_classic_formula() {
        let pert = Sampler::new(&Dist::Pert {
            min: 2.0,
            mode: 3.0,
            max: 10.0,
        });
        let n = 200_000;
        let mean: f64 = (0..n)
            .map(|i| pert.sample((i as f64 + 0.5) / n as f64))
            .sum::<f64>()
            / n as f64;
        assert!(
            (mean - (2.0 + 4.0 * 3.0 + 10.0) / 6.0).abs() < 1e-4,
            "{mean}"
        );
    }
}
