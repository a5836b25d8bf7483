//! `sweep FILE --param KEY --values ...` (MODEL.md 4): the scenario rerun
//! for each value of one `--set` key, on common random numbers, so the curve
//! is smooth and its end points are exact where the model makes them so.

use crate::chart::sweep_chart;
use crate::cli::{
    OutputOptions, Progress, RunOptions, estimate, load, out_dir, provenance, resolve,
};
use crate::error::{Error, InputError};
use crate::load::Loaded;
use crate::output::{OutputFile, write_all};
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// Most points a sweep may have (a typo like 0:1:0.0001 should not run for hours).
pub const MAX_POINTS: usize = 1000;

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
}

/// Parses `V1,V2,...` or `START:STOP:STEP` (STOP included when it lies on
/// the grid, up to rounding).
pub fn parse_values(spec: &str) -> Result<Vec<f64>, String> {
    let number = |s: &str| -> Result<f64, String> {
        let t = s.trim();
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("`{t}` is not a finite number")),
        }
    };
    let values = if spec.contains(':') {
        let parts: Vec<&str> = spec.split(':').collect();
        let [start, stop, step] = parts[..] else {
            return Err("a range is START:STOP:STEP, e.g. 0:1:0.1".into());
        };
        let (start, stop, step) = (number(start)?, number(stop)?, number(step)?);
        if step == 0.0 || (stop - start) * step < 0.0 {
            return Err(format!(
                "STEP {step} never reaches STOP {stop} from START {start}"
            ));
        }
        let steps = ((stop - start) / step * (1.0 + 1e-12) + 1e-9).floor();
        if steps >= MAX_POINTS as f64 {
            let points = steps + 1.0;
            let points = match points < 1e15 {
                true => format!("{points:.0}"),
                false => format!("{points:.1e}"),
            };
            return Err(format!(
                "{points} points is more than the {MAX_POINTS} a sweep may have"
            ));
        }
        // start + k*step, rounded to 12 significant digits so 0.1 steps print as 0.3, not 0.30000000000000004.
        (0..=steps as usize)
            .map(|k| {
                let v = start + k as f64 * step;
                format!("{v:.12e}").parse::<f64>().unwrap_or(v)
            })
            .collect()
    } else {
        spec.split(',').map(number).collect::<Result<Vec<_>, _>>()?
    };
    if values.is_empty() {
        return Err("no values".into());
    }
    if values.len() > MAX_POINTS {
        return Err(format!(
            "more than the {MAX_POINTS} points a sweep may have"
        ));
    }
    Ok(values)
}

/// The value as TOML for `--set`: integers without a decimal point so that
/// integer fields (e.g. `count`, `horizon_months`) accept them, and very
/// large or small values with an exponent (not hundreds of digits).
fn toml_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.abs() >= 1e15 || v.abs() < 1e-5 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

pub fn command(
    file: &Path,
    param: &str,
    values: &str,
    opts: &RunOptions,
    output: &OutputOptions,
) -> Result<(), Error> {
    let values =
        parse_values(values).map_err(|e| InputError(format!("error: --values {values}: {e}")))?;
    if param.contains('=') {
        return Err(InputError(format!(
            "error: --param {param}: give the key only, e.g. member.us.join"
        ))
        .into());
    }
    // Every point is loaded and validated before anything runs or is written.
    let mut points: Vec<Loaded> = Vec::with_capacity(values.len());
    for &v in &values {
        let mut set = opts.set.clone();
        set.push(format!("{param}={}", toml_number(v)));
        points.push(load(Some(file), &set)?);
    }
    let r = resolve(opts, &points[0]);
    let progress = Progress::new(r.trials * points.len() as u64, opts.quiet, "sweeping");
    let mut sweep = Sweep {
        param: param.to_string(),
        trials: r.trials,
        seed: r.seed,
        points: Vec::new(),
    };
    for (k, (loaded, &value)) in points.iter().zip(&values).enumerate() {
        let done = k as u64 * r.trials;
        let s = estimate(loaded, &r, &|d| progress.set(done + d))?;
        sweep.points.push(Point {
            value,
            p_met: s.guarantee.p_met,
            p_met_ci95: s.guarantee.p_met_ci95,
            coverage_mean: s.coverage.overall.mean,
            time_to_met_p50: s.guarantee.time_to_met.p50,
        });
    }
    progress.finish();

    let name = &points[0].scenario.name;
    let prov_line = provenance(&points[0], &r).line(name);
    let chart_points: Vec<(f64, f64, [f64; 2], f64)> = sweep
        .points
        .iter()
        .map(|p| (p.value, p.p_met, p.p_met_ci95, p.coverage_mean))
        .collect();
    let dir = out_dir(output, &format!("{name}-sweep-{param}"));
    let mut files = vec![OutputFile::new(
        "sweep.json",
        crate::export::json_bytes(&sweep)?,
    )];
    files.extend(sweep_chart(
        param,
        &chart_points,
        &prov_line,
        crate::artifacts::chart_formats(output.charts),
    )?);
    let written = write_all(&dir, files)?;
    crate::console::say_done(&table_text(&sweep, name), written, &dir);
    Ok(())
}

pub fn table_text(s: &Sweep, name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Sweep of {} in {name}", s.param);
    let _ = writeln!(
        out,
        "  {} trials per point, seed {}, common random numbers\n",
        s.trials, s.seed
    );
    let _ = writeln!(
        out,
        "  {:>12} {:>8} {:>19} {:>10}",
        "value", "P(met)", "95% interval", "coverage"
    );
    for p in &s.points {
        let _ = writeln!(
            out,
            "  {:>12} {:>7.1}% {:>8.1}% - {:>5.1}% {:>10.3}",
            p.value,
            100.0 * p.p_met,
            100.0 * p.p_met_ci95[0],
            100.0 * p.p_met_ci95[1],
            p.coverage_mean
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_values;

    #[test]
    fn values_lists_and_ranges() {
        assert_eq!(parse_values("0,0.5,1").unwrap(), vec![0.0, 0.5, 1.0]);
        assert_eq!(
            parse_values("0:1:0.25").unwrap(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(parse_values("0:1:0.1").unwrap().len(), 11);
        assert_eq!(parse_values("0:1:0.1").unwrap()[3], 0.3);
        assert_eq!(parse_values("0:1:0.3").unwrap(), vec![0.0, 0.3, 0.6, 0.9]);
        assert_eq!(parse_values("1:0:-0.5").unwrap(), vec![1.0, 0.5, 0.0]);
        assert!(parse_values("0:1:0").is_err());
        assert!(parse_values("0:1:-0.1").is_err());
        assert!(parse_values("0:1").is_err());
        assert!(parse_values("a,1").is_err());
        assert!(parse_values("0:1:0.000001").is_err());
        assert!(parse_values("nan").is_err());
    }
}
