//! The validated scenario: what a scenario file means once parsing and
//! validation have succeeded. Every reference is resolved to an index, every
//! default filled in, every range checked, so later steps never re-check.
//!
//! Produced by `validate`, consumed by `compile` (engine), `report` and `chart`.

use std::collections::BTreeMap;

/// A number or a distribution (docs/model.md 2.9), already checked
/// to be possible (finite parameters, a <= b, sd >= 0, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Constant(f64),
    Uniform {
        a: f64,
        b: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Pert {
        min: f64,
        mode: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// Lognormal whose 5th and 95th percentiles are `lo` and `hi`.
    Range90 {
        lo: f64,
        hi: f64,
    },
    /// `(value, weight)` pairs; weights >= 0 with a positive sum.
    Choice(Vec<(f64, f64)>),
}

impl Dist {
    /// The value below which a share `u` in (0, 1) of draws falls, by the
    /// engine's own quantile function (reports mark an uncertain event's
    /// median and 5th-95th percentile with it).
    pub fn quantile(&self, u: f64) -> f64 {
        crate::compile::dist::Sampler::new(self).sample(u)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Capability {
    pub id: String,
    /// Defaults to `id`.
    pub name: String,
    pub unit: Option<String>,
    /// > 0
    pub need: f64,
    /// In (0, 1]; default 1.0.
    pub threshold: f64,
    /// Default true.
    pub critical: bool,
    /// >= 0; default 1.0. The sum over all capabilities is > 0.
    pub weight: f64,
    /// What answering a renewed attack needs, > 0 (docs/model.md 7); only
    /// capabilities with one are tested when an attack comes.
    pub response_need: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: String,
    /// In [0, 1).
    pub correlation: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// Index into `Scenario::capabilities`.
    pub capability: usize,
    /// In (0, 1].
    pub coverage: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PhaseStart {
    /// A phase without `after`: starts at `start_month` (default constant 0).
    At(Dist),
    /// Starts at start(phase) + lag, and not before its gate is reached.
    After {
        /// Index into `Scenario::phases`.
        phase: usize,
        /// Default constant 0.
        lag: Dist,
        gate: Option<Gate>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub id: String,
    /// Defaults to `id`.
    pub name: String,
    pub start: PhaseStart,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pledge {
    /// Index into `Scenario::capabilities`.
    pub capability: usize,
    /// Index into `Scenario::phases`.
    pub phase: usize,
    pub amount: Dist,
    /// Default constant 0.
    pub delay: Dist,
    /// `None`: stays to the horizon.
    pub duration: Option<Dist>,
    /// In [0, 1]; default 1.
    pub probability: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    /// Defaults to `id`.
    pub name: String,
    pub status: Option<String>,
    /// Join probability: `join` if given, else `[odds][status]`. In [0, 1].
    pub join: f64,
    /// Index into `Scenario::groups`.
    pub group: Option<usize>,
    /// Index into `Scenario::members`; never a member with `count > 1`, no cycles.
    pub requires: Option<usize>,
    /// Join probability when the required member is absent; default 0.
    pub join_without: f64,
    /// >= 1
    pub count: u32,
    pub pledges: Vec<Pledge>,
    /// `[[member.exit]]` rules, in file order (docs/model.md 6).
    pub exits: Vec<Exit>,
    /// `commitment` as written (looks up `[honour]`), for reports.
    pub commitment: Option<String>,
    /// P(honours | present at an attack): `honour` if given, else
    /// `[honour][commitment]`, else 1. In [0, 1].
    pub honour: f64,
    /// `[[member.response]]`, in file order (docs/model.md 7).
    pub responses: Vec<Response>,
}

/// A calendar month (`"YYYY-MM"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl YearMonth {
    /// Whole months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        (i64::from(later.year) - i64::from(self.year)) * 12 + i64::from(later.month)
            - i64::from(self.month)
    }

    /// The calendar month `months` after this one.
    pub fn plus_months(self, months: i64) -> YearMonth {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 + months;
        YearMonth {
            year: index.div_euclid(12) as i32,
            month: index.rem_euclid(12) as u32 + 1,
        }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// `[[event]]`: a political event shared by the members that name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    /// Defaults to `id`.
    pub name: String,
    /// When it happens, in months from month 0: `month`, or `date` converted
    /// to a constant (whole months from `scenario.start`, may be negative).
    pub month: Dist,
    /// `date` as written, for reports.
    pub date: Option<YearMonth>,
    /// In [0, 1]; default 1.
    pub probability: f64,
}

/// What starts a member's exit.
#[derive(Debug, Clone, PartialEq)]
pub enum ExitTrigger {
    /// Index into `Scenario::events`.
    Event(usize),
    /// Index into `Scenario::members`: never a member with `count > 1`, nor
    /// the member itself; `with` links form no cycle.
    With(usize),
    /// A constant hazard from month 0, per year (>= 0; 0 never fires).
    RatePerYear(f64),
}

/// `[[member.exit]]`: from the exit time on, none of the member's pledges
/// is deployed.
#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    pub trigger: ExitTrigger,
    /// In [0, 1]; default 1: the member leaves, given the trigger.
    pub probability: f64,
    /// Default constant 0: from the trigger to the pledges' end.
    pub lag: Dist,
}

/// `[[member.response]]`: what a member sends if it honours.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Index into `Scenario::capabilities`; always one with `response_need`.
    pub capability: usize,
    pub amount: Dist,
    /// Default constant 0: from the attack to arrival.
    pub delay: Dist,
    /// In [0, 1]; default 1: delivered, given the member honours.
    pub probability: f64,
}

/// `[attack]`: a renewed attack that tests the guarantee (docs/model.md 7).
#[derive(Debug, Clone, PartialEq)]
pub struct Attack {
    /// Hazard per year while the guarantee is not met; >= 0.
    pub rate_per_year: f64,
    /// Hazard per year while it is met; >= 0, default `rate_per_year`.
    pub rate_per_year_when_met: f64,
    /// > 0; default 1: help must arrive within this time.
    pub window_months: f64,
    pub warning: Option<Warning>,
}

/// Early warning: responses arrive `lead_months` sooner when the
/// capability's coverage at the attack is at least its threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Index into `Scenario::capabilities`.
    pub capability: usize,
    /// >= 0
    pub lead_months: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub sources: Vec<String>,
    /// 1..=600
    pub horizon_months: u32,
    /// `scenario.start`: the calendar month of month 0.
    pub start: Option<YearMonth>,
    /// 1..=10^9, the file's default (CLI overrides).
    pub trials: Option<u64>,
    /// The file's default (CLI overrides).
    pub seed: Option<u64>,
    /// `[odds]` as written, for reports.
    pub odds: BTreeMap<String, f64>,
    pub capabilities: Vec<Capability>,
    pub groups: Vec<Group>,
    /// In file order; `After` references always point to valid indices and
    /// form no cycle.
    pub phases: Vec<Phase>,
    /// In file order; `requires` forms no cycle.
    pub members: Vec<Member>,
    /// `[[event]]`, in file order.
    pub events: Vec<Event>,
    /// `[honour]` as written, for reports.
    pub honour: BTreeMap<String, f64>,
    pub attack: Option<Attack>,
    /// `[scenario] outer_samples`: 1..=10000 (docs/model.md 8).
    pub outer_samples: Option<u32>,
    /// The fields given as a distribution where a single number is
    /// expected (docs/model.md 8), in file order. Each such field holds its
    /// distribution's mean in the structs above (for reports); the engine
    /// draws it once per outer sample.
    pub uncertain: Vec<Uncertain>,
}

/// An uncertain field: one draw per outer sample, keyed by `path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    /// The field's `--set` key, e.g. `member.uk.join`, `odds.confirmed`,
    /// `member.uk.pledge.0.probability`.
    pub path: String,
    pub dist: Dist,
    /// The numbers the draw replaces (an `[odds]` or `[honour]` word may
    /// stand for several members' numbers, `attack.rate_per_year` for the
    /// rate when met too when that is not given).
    pub sites: Vec<Site>,
}

/// One number of a `Scenario` that an uncertain field sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Site {
    /// Indices into `Scenario::members` (and their pledges, exits,
    /// responses), `capabilities`, `groups`, `phases`, `events`.
    Join(usize),
    JoinWithout(usize),
    PledgeProbability(usize, usize),
    Correlation(usize),
    Need(usize),
    Threshold(usize),
    ResponseNeed(usize),
    GateCoverage(usize),
    Honour(usize),
    EventProbability(usize),
    ExitProbability(usize, usize),
    ExitRate(usize, usize),
    ResponseProbability(usize, usize),
    AttackRate,
    AttackRateWhenMet,
}

impl Dist {
    /// The distribution of `factor` times a draw (`factor > 0`): the
    /// sensitivity's pledge amounts x0.8 and x1.2.
    pub fn scaled(&self, factor: f64) -> Dist {
        match *self {
            Dist::Constant(v) => Dist::Constant(v * factor),
            Dist::Uniform { a, b } => Dist::Uniform {
                a: a * factor,
                b: b * factor,
            },
            Dist::Triangular { min, mode, max } => Dist::Triangular {
                min: min * factor,
                mode: mode * factor,
                max: max * factor,
            },
            Dist::Pert { min, mode, max } => Dist::Pert {
                min: min * factor,
                mode: mode * factor,
                max: max * factor,
            },
            Dist::Normal { mean, sd } => Dist::Normal {
                mean: mean * factor,
                sd: sd * factor,
            },
            Dist::Range90 { lo, hi } => Dist::Range90 {
                lo: lo * factor,
                hi: hi * factor,
            },
            Dist::Choice(ref pairs) => {
                Dist::Choice(pairs.iter().map(|&(v, w)| (v * factor, w)).collect())
            }
        }
    }

    /// The distribution's mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Constant(v) => v,
            Dist::Uniform { a, b } => 0.5 * (a + b),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Pert { min, mode, max } => (min + 4.0 * mode + max) / 6.0,
            Dist::Normal { mean, .. } => mean,
            Dist::Range90 { lo, hi } => {
                const Z95: f64 = 1.644_853_626_951_472_2;
                let (mu, sigma) = (0.5 * (lo.ln() + hi.ln()), (hi.ln() - lo.ln()) / (2.0 * Z95));
                (mu + 0.5 * sigma * sigma).exp()
            }
            Dist::Choice(ref pairs) => {
                let total: f64 = pairs.iter().map(|p| p.1).sum();
                pairs.iter().map(|&(v, w)| v * w).sum::<f64>() / total
            }
        }
    }

    /// The least and greatest values a draw can take (the support's ends).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Constant(v) => (v, v),
            Dist::Uniform { a, b } => (a, b),
            Dist::Triangular { min, max, .. } | Dist::Pert { min, max, .. } => (min, max),
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            // Strictly above 0.
            Dist::Range90 { .. } => (f64::MIN_POSITIVE, f64::INFINITY),
            Dist::Choice(ref pairs) => pairs
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(v, _)| {
                    (lo.min(v), hi.max(v))
                }),
        }
    }
}
