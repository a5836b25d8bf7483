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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub sources: Vec<String>,
    /// 1..=600
    pub horizon_months: u32,
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
}
