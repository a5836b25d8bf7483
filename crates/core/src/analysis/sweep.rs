//! `sweep FILE --param KEY --values ...` (docs/model.md 4): the scenario rerun
//! for each value of one `--set` key, on common random numbers, so the curve
//! is smooth and its end points are exact where the model makes them so.

use crate::analysis::estimate::{RunConfig, estimate};
use crate::error::Error;
use crate::input::load::load_str;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    /// The swept key (with two, the first).
    pub param: String,
    /// A two-way grid's two keys; absent for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<[String; 2]>,
    /// Extension.
    pub trials: u64,
    /// Extension.
    pub seed: u64,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The swept key's value (in a grid, the first key's).
    pub value: f64,
    /// In a two-way grid: the values of both keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<[f64; 2]>,
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
    let axes = [(param.to_string(), values.to_vec())];
    sweep_grid(origin, text, overrides, &axes, config, progress)
}

/// `sweep` over one key or a two-way grid of two (`axes`: each key with
/// its values): every combination, the first key's values outermost.
pub fn sweep_grid(
    origin: &str,
    text: &str,
    overrides: &[String],
    axes: &[(String, Vec<f64>)],
    config: &RunConfig,
    progress: &dyn Fn(u64),
) -> Result<Sweep, Error> {
    let combinations: Vec<Vec<f64>> = match axes {
        [(_, a)] => a.iter().map(|&x| vec![x]).collect(),
        [(_, a), (_, b)] => a
            .iter()
            .flat_map(|&x| b.iter().map(move |&y| vec![x, y]))
            .collect(),
        _ => Vec::new(),
    };
    let load_point = |point: &[f64]| {
        let mut set = overrides.to_vec();
        set.extend(axes.iter().zip(point).map(|((k, _), &v)| point_flag(k, v)));
        load_str(origin, text, &set)
    };
    let param = axes.first().map_or(String::new(), |(k, _)| k.clone());
    let params = match axes {
        [(a, _), (b, _)] => Some([a.clone(), b.clone()]),
        _ => None,
    };
    let mut run = None;
    for point in &combinations {
        let loaded = load_point(point)?;
        run.get_or_insert_with(|| config.resolve(&loaded.scenario));
    }
    let Some(run) = run else {
        return Ok(Sweep {
            param,
            params,
            trials: config.trials.unwrap_or(0),
            seed: config.seed.unwrap_or(0),
            points: Vec::new(),
        });
    };
    let mut sweep = Sweep {
        param,
        params,
        trials: run.trials,
        seed: run.seed,
        points: Vec::with_capacity(combinations.len()),
    };
    for (k, point) in combinations.iter().enumerate() {
        let loaded = load_point(point)?;
        let done = k as u64 * run.trials;
        let s = estimate(&loaded, &run, &|d| progress(done + d))?;
        sweep.points.push(Point {
            value: point[0],
            values: (point.len() == 2).then(|| [point[0], point[1]]),
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
