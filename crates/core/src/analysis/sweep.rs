//! `sweep FILE --param KEY --values ...` (docs/model.md 4): the scenario rerun
//! for each value of one `--set` key, on common random numbers, so the curve
//! is smooth and its end points are exact where the model makes them so.

use crate::analysis::estimate::{RunConfig, estimate};
use crate::error::Error;
use crate::input::load::load_str;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    pub param: String,
    /// Extension.
    pub trials: u64,
    /// Extension.
    pub seed: u64,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub value: f64,
    pub p_met: f64,
    pub p_met_ci95: [f64; 2],
    pub coverage_mean: f64,
    /// Extension: median first time met (months), over trials where met.
    pub time_to_met_p50: Option<f64>,
    /// With `[attack]` (docs/model.md 7): P(honoured | attack) (null
    /// without attacks), its Wilson interval, and P(failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_honoured_given_attack: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_honoured_given_attack_ci95: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_failed: Option<f64>,
}

/// The value as TOML for `--set`: integers without a decimal point so that
/// integer fields (e.g. `count`, `horizon_months`) accept them, and very
/// large or small values with an exponent (not hundreds of digits).
pub fn toml_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.abs() >= 1e15 || v.abs() < 1e-5 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The `--set` flag that puts `value` into `param`.
pub fn point_flag(param: &str, value: f64) -> String {
    format!("{param}={}", toml_number(value))
}

/// Reruns the scenario `text` (named `origin`, with `overrides`) once for
/// each value of `param`, on common random numbers. Every point is
/// validated before any runs, and only one point's scenario is held at a
/// time. Seed and trials come from `config`, else from the first point.
pub fn sweep(
    origin: &str,
    text: &str,
    overrides: &[String],
    param: &str,
    values: &[f64],
    config: &RunConfig,
    progress: &dyn Fn(u64),
) -> Result<Sweep, Error> {
    let load_point = |value: f64| {
        let mut set = overrides.to_vec();
        set.push(point_flag(param, value));
        load_str(origin, text, &set)
    };
    let mut run = None;
    for &value in values {
        let loaded = load_point(value)?;
        run.get_or_insert_with(|| config.resolve(&loaded.scenario));
    }
    let Some(run) = run else {
        return Ok(Sweep {
            param: param.to_string(),
            trials: config.trials.unwrap_or(0),
            seed: config.seed.unwrap_or(0),
            points: Vec::new(),
        });
    };
    let mut sweep = Sweep {
        param: param.to_string(),
        trials: run.trials,
        seed: run.seed,
        points: Vec::with_capacity(values.len()),
    };
    for (k, &value) in values.iter().enumerate() {
        let loaded = load_point(value)?;
        let done = k as u64 * run.trials;
        let s = estimate(&loaded, &run, &|d| progress(done + d))?;
        sweep.points.push(Point {
            value,
            p_met: s.guarantee.p_met,
            p_met_ci95: s.guarantee.p_met_ci95,
            coverage_mean: s.coverage.overall.mean,
            time_to_met_p50: s.guarantee.time_to_met.p50,
            p_honoured_given_attack: s.response.as_ref().map(|r| r.p_honoured_given_attack),
            p_honoured_given_attack_ci95: s
                .response
                .as_ref()
                .map(|r| r.p_honoured_given_attack_ci95),
            p_failed: s.response.as_ref().map(|r| r.p_failed),
        });
    }
    Ok(sweep)
}
