//! `solve FILE --param KEY --target T` (docs/model.md 4.8): the value of one
//! numeric `--set` key at which a metric reaches a target. Every evaluation
//! is a full estimate of the scenario with the key set (as `sweep` does), on
//! the same seed and trial indices (common random numbers), so the estimated
//! curve is smooth, and monotone wherever the model is: the crossing is
//! found by bisection on that curve. The interval on the answer is where the
//! curve's 95% interval bounds cross the target: the values the Monte Carlo
//! error cannot tell apart from the answer.

use crate::analysis::estimate::{RunConfig, estimate};
use crate::analysis::sweep::point_flag;
use crate::analysis::variants::Resolved;
use crate::error::Error;
use crate::input::load::{Loaded, load_str};
use crate::stats::wilson95;
use serde::Serialize;

/// Most evaluations (full estimates) a solve runs, the two ends included.
pub const MAX_EVALUATIONS: usize = 40;
/// The answer is bisected until its bracket is at most this share of the
/// searched range wide (at most 14 halvings)...
pub const ANSWER_TOLERANCE: f64 = 1e-4;
/// ... and each end of its interval to this share (at most 10 halvings).
pub const INTERVAL_TOLERANCE: f64 = 1e-3;

/// The figure whose value is sought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// P(guarantee met at the horizon), Wilson 95% interval.
    PMet,
    /// Mean overall coverage at the horizon, mean +/- 1.96 standard errors.
    CoverageMean,
    /// P(honoured | attack) (needs `[attack]`), Wilson 95% interval.
    PHonouredGivenAttack,
    /// P(failed): attacked and not honoured (needs `[attack]`); lower is
    /// better. Wilson 95% interval.
    PFailed,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::PMet,
        Metric::CoverageMean,
        Metric::PHonouredGivenAttack,
        Metric::PFailed,
    ];

    /// The name in `solve.json` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Metric::PMet => "p_met",
            Metric::CoverageMean => "coverage_mean",
            Metric::PHonouredGivenAttack => "p_honoured_given_attack",
            Metric::PFailed => "p_failed",
        }
    }

    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// A short label for tables and charts.
    pub fn label(self) -> &'static str {
        match self {
            Metric::PMet => "P(guarantee met at the horizon)",
            Metric::CoverageMean => "Mean overall coverage at the horizon",
            Metric::PHonouredGivenAttack => "P(honoured | attack)",
            Metric::PFailed => "P(failed: attacked and not honoured)",
        }
    }

    /// A shorter label, for titles.
    pub fn short_label(self) -> &'static str {
        match self {
            Metric::PMet => "P(met)",
            Metric::CoverageMean => "mean coverage",
            Metric::PHonouredGivenAttack => "P(honoured | attack)",
            Metric::PFailed => "P(failed)",
        }
    }

    /// Whether a larger value is better (all but P(failed)).
    pub fn higher_is_better(self) -> bool {
        self != Metric::PFailed
    }

    /// Whether the metric needs an `[attack]` table.
    pub fn needs_attack(self) -> bool {
        matches!(self, Metric::PHonouredGivenAttack | Metric::PFailed)
    }
}

/// What to solve for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// A `--set` key with a numeric value.
    pub param: String,
    pub metric: Metric,
    /// In [0, 1].
    pub target: f64,
    /// The range searched; `None`: [0, 1], for a key that only takes
    /// values in [0, 1] (see `plan`).
    pub between: Option<[f64; 2]>,
}

/// A checked request, ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The range searched.
    pub between: [f64; 2],
    /// Whether the key takes whole numbers only: the search is then on
    /// whole numbers.
    pub integer: bool,
    pub run: Resolved,
    /// The scenario at the low end of the range (its name, its source).
    pub first: Loaded,
}

/// One estimate of the scenario with the key set to `value`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evaluation {
    pub value: f64,
    pub metric: f64,
    /// The metric's 95% interval.
    pub ci95: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solve {
    pub param: String,
    pub metric: Metric,
    pub target: f64,
    /// Whether the target lies between the metric's values at the two ends
    /// of the range.
    pub reached: bool,
    /// The value at which the metric crosses the target (`null` when not
    /// reached): interpolated on the curve between the last two values
    /// bisected; for a whole-number key, the whole number next to the
    /// crossing on the side where the target is met (the metric at least
    /// the target; for P(failed), at most).
    pub value: Option<f64>,
    /// Where the 95% interval's bounds cross the target: values the Monte
    /// Carlo error cannot tell apart from the answer (`null` when not
    /// reached).
    pub interval: Option<[f64; 2]>,
    pub trials: u64,
    pub seed: u64,
    /// Extension: the range searched.
    pub between: [f64; 2],
    /// Extension: whether the search was on whole numbers.
    pub integer: bool,
    /// Extension: "increasing" or "decreasing": how the metric moves from
    /// the low end of the range to the high end.
    pub direction: &'static str,
    /// Extension: per end of `interval`, whether the Monte Carlo error
    /// reaches past the searched range there (the interval is cut at it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_clipped: Option<[bool; 2]>,
    /// Extension: when not reached, the end of the range whose metric is
    /// closest to the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closest: Option<Evaluation>,
    /// Extension: every estimate run, in the order run (the two ends
    /// first).
    pub evaluations: Vec<Evaluation>,
}

fn request_error(message: String) -> Error {
    Error::Request(message)
}

/// Checks a request against the scenario `text` (named `origin`, with
/// `overrides`) without simulating: the target, the metric, the range and
/// the key (both ends must validate). Without `between`, the key must take
/// values in [0, 1] only (the scenario accepts 0 and 1 there and rejects
/// 1.5: a probability, a share); [0, 1] is then searched. The search is on
/// whole numbers when both ends are whole and the scenario rejects a value
/// halfway between whole numbers (`count`, `horizon_months`).
pub fn plan(
    origin: &str,
    text: &str,
    overrides: &[String],
    request: &Request,
    config: &RunConfig,
) -> Result<Plan, Error> {
    let param = &request.param;
    let t = request.target;
    if !(t.is_finite() && (0.0..=1.0).contains(&t)) {
        return Err(request_error(format!(
            "error: --target {t}: {} is in [0, 1]; give a target in it, e.g. 0.9",
            request.metric.name()
        )));
    }
    let load_at = |value: f64| {
        let mut set = overrides.to_vec();
        set.push(point_flag(param, value));
        load_str(origin, text, &set)
    };
    let between = match request.between {
        Some([lo, hi]) => {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(request_error(format!(
                    "error: --between {lo}:{hi}: give LO:HI with finite LO < HI, e.g. 0:5000"
                )));
            }
            [lo, hi]
        }
        None => {
            let (zero, one) = (load_at(0.0), load_at(1.0));
            if let (Err(e), Err(_)) = (&zero, &one) {
                // Neither end takes: an unknown key or a field that is not
                // a number; the scenario's message says which.
                return Err(e.clone().into());
            }
            if zero.is_err() || one.is_err() || load_at(1.5).is_ok() {
                return Err(request_error(format!(
                    "error: --param {param}: give the range to search with --between LO:HI \
                     (e.g. --between 0:5000); only a key that takes values in [0, 1] \
                     (a probability such as member.<id>.join) is searched over [0, 1] without it"
                )));
            }
            [0.0, 1.0]
        }
    };
    let [lo, hi] = between;
    let first = load_at(lo)?;
    load_at(hi)?;
    if request.metric.needs_attack() && first.scenario.attack.is_none() {
        return Err(request_error(format!(
            "error: --metric {}: the scenario has no [attack] table; use p_met or coverage_mean",
            request.metric.name()
        )));
    }
    let whole = |v: f64| v.fract() == 0.0 && v.abs() < 1e15;
    let integer = whole(lo) && whole(hi) && load_at(lo + 0.5).is_err();
    let run = config.resolve(&first.scenario);
    Ok(Plan {
        between,
        integer,
        run,
        first,
    })
}

/// Which figure of an evaluation a bisection follows: the metric or an
/// end of its interval.
type Pick = fn(&Evaluation) -> f64;

/// How a bracket on the sampled curve ends: the crossing of one function
/// of an evaluation (the metric or an end of its interval) with the target.
enum Bracket {
    /// At or below the low end (already crossed there).
    Low { exact: bool },
    /// Beyond the high end (not crossed within the range).
    High,
    /// Between evaluations `a` and `b` (by value, a < b).
    Between(Evaluation, Evaluation),
}

/// The first crossing of `g = s * (pick - target)` from < 0 to >= 0 among
/// the evaluations (sorted by value), which include both ends.
fn bracket(points: &[Evaluation], pick: Pick, s: f64, target: f64) -> Bracket {
    let g = |e: &Evaluation| s * (pick(e) - target);
    let first = &points[0];
    if g(first) >= 0.0 {
        return Bracket::Low {
            exact: g(first) == 0.0,
        };
    }
    match points.iter().position(|e| g(e) >= 0.0) {
        None => Bracket::High,
        Some(k) => Bracket::Between(points[k - 1], points[k]),
    }
}

/// Runs the solve planned by `plan` (see there); `progress` gets the
/// trials done, over all evaluations.
pub fn solve(
    origin: &str,
    text: &str,
    overrides: &[String],
    request: &Request,
    config: &RunConfig,
    progress: &dyn Fn(u64),
) -> Result<Solve, Error> {
    let plan = plan(origin, text, overrides, request, config)?;
    let run = plan.run;
    let metric = request.metric;
    let target = request.target;
    let [lo, hi] = plan.between;
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let evaluate = |value: f64, evaluations: &mut Vec<Evaluation>| -> Result<(), Error> {
        let mut set = overrides.to_vec();
        set.push(point_flag(&request.param, value));
        let loaded = load_str(origin, text, &set)?;
        let done = evaluations.len() as u64 * run.trials;
        let s = estimate(&loaded, &run, &|d| progress(done + d))?;
        let (m, ci95) = match metric {
            Metric::PMet => (s.guarantee.p_met, s.guarantee.p_met_ci95),
            Metric::CoverageMean => {
                let c = &s.coverage.overall;
                let half = 1.959_963_984_540_054 * c.se;
                (c.mean, [(c.mean - half).max(0.0), (c.mean + half).min(1.0)])
            }
            Metric::PHonouredGivenAttack | Metric::PFailed => {
                let r = s.response.as_ref().ok_or_else(|| {
                    request_error(format!(
                        "error: --metric {}: the scenario has no [attack] table",
                        metric.name()
                    ))
                })?;
                match metric {
                    Metric::PFailed => {
                        let failed = (r.p_failed * s.trials as f64).round() as u64;
                        (r.p_failed, wilson95(failed, s.trials))
                    }
                    _ => {
                        let h = r.p_honoured_given_attack.ok_or_else(|| {
                            request_error(format!(
                                "error: --metric p_honoured_given_attack is undefined at {} = {value}: \
                                 no trial was attacked; use p_failed, or raise attack.rate_per_year",
                                request.param
                            ))
                        })?;
                        (h, r.p_honoured_given_attack_ci95)
                    }
                }
            }
        };
        evaluations.push(Evaluation {
            value,
            metric: m,
            ci95,
        });
        Ok(())
    };
    evaluate(lo, &mut evaluations)?;
    evaluate(hi, &mut evaluations)?;
    let (at_lo, at_hi) = (evaluations[0], evaluations[1]);
    let increasing = at_hi.metric >= at_lo.metric;
    let s = if increasing { 1.0 } else { -1.0 };
    let reached = s * (at_lo.metric - target) <= 0.0 && s * (at_hi.metric - target) >= 0.0;
    let mut solve = Solve {
        param: request.param.clone(),
        metric,
        target,
        reached,
        value: None,
        interval: None,
        trials: run.trials,
        seed: run.seed,
        between: plan.between,
        integer: plan.integer,
        direction: if increasing {
            "increasing"
        } else {
            "decreasing"
        },
        interval_clipped: None,
        closest: None,
        evaluations: Vec::new(),
    };
    if !reached {
        let closest = match (at_lo.metric - target).abs() <= (at_hi.metric - target).abs() {
            true => at_lo,
            false => at_hi,
        };
        solve.closest = Some(closest);
        solve.evaluations = evaluations;
        return Ok(solve);
    }
    // For a whole-number key, the answer is the whole number on the side
    // where the target is met: with g = s * (metric - target) >= 0 at the
    // upper end of a bracket, that is the upper end when "met" means
    // g >= 0, i.e. when the metric rises towards the good side.
    let upper_is_met = increasing == metric.higher_is_better();
    let range = hi - lo;
    let tolerance = |share: f64| match plan.integer {
        true => (range * share).floor().max(1.0),
        false => range * share,
    };
    // The metric, then the interval's ends: the metric's upper bound
    // crosses the target first on an increasing curve, its lower bound
    // last (and the other way round on a decreasing one).
    let picks: [(Pick, f64); 3] = [
        (|e| e.metric, tolerance(ANSWER_TOLERANCE)),
        (|e| e.ci95[0], tolerance(INTERVAL_TOLERANCE)),
        (|e| e.ci95[1], tolerance(INTERVAL_TOLERANCE)),
    ];
    let mut roots: Vec<(f64, bool)> = Vec::with_capacity(3);
    for (pick, tol) in picks {
        let root = loop {
            let mut sorted = evaluations.clone();
            sorted.sort_by(|a, b| a.value.total_cmp(&b.value));
            match bracket(&sorted, pick, s, target) {
                Bracket::Low { exact } => break (lo, !exact),
                Bracket::High => break (hi, true),
                Bracket::Between(a, b) => {
                    let narrow = b.value - a.value <= tol;
                    if narrow || evaluations.len() >= MAX_EVALUATIONS {
                        break (
                            crossing(&a, &b, pick, target, plan.integer, upper_is_met),
                            false,
                        );
                    }
                    let mid = match plan.integer {
                        true => ((a.value + b.value) / 2.0).floor(),
                        false => (a.value + b.value) / 2.0,
                    };
                    evaluate(mid, &mut evaluations)?;
                }
            }
        };
        roots.push(root);
    }
    let value = roots[0].0;
    let left = roots.iter().map(|r| r.0).fold(value, f64::min);
    let right = roots.iter().map(|r| r.0).fold(value, f64::max);
    let clipped_at = |end: f64| roots[1..].iter().any(|r| r.1 && r.0 == end);
    solve.value = Some(value);
    solve.interval = Some([left, right]);
    solve.interval_clipped = Some([clipped_at(lo) && left == lo, clipped_at(hi) && right == hi]);
    solve.evaluations = evaluations;
    Ok(solve)
}

/// The crossing in a bracket: linear interpolation on the curve, or for a
/// whole-number key the end on the side where the target is met.
fn crossing(
    a: &Evaluation,
    b: &Evaluation,
    pick: Pick,
    target: f64,
    integer: bool,
    upper_is_met: bool,
) -> f64 {
    if integer {
        return if upper_is_met { b.value } else { a.value };
    }
    let (ya, yb) = (pick(a), pick(b));
    let w = ((target - ya) / (yb - ya)).clamp(0.0, 1.0);
    a.value + w * (b.value - a.value)
}
