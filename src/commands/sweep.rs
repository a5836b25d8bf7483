//! `sweep FILE --param KEY --values ...`: the scenario rerun for each value
//! of one `--set` key, on common random numbers.

use crate::cli::error::Error;
use crate::cli::flags::{OutputOptions, RunOptions};
use crate::cli::options::{chart_formats, out_dir, provenance, resolve, run_config};
use crate::cli::progress::Progress;
use crate::publish::{OutputFile, write_all};
use crate::render::chart::sweep_chart;
use crate::render::{console, json};
use guarantee_sim_core::analysis::sweep::{Sweep, point_flag, sweep};
use guarantee_sim_core::input::load::{load_str, read_file};
use std::fmt::Write;
use std::path::Path;

/// Most points a sweep may have (a typo like 0:1:0.0001 should not run for hours).
pub const MAX_POINTS: usize = 1000;

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

pub fn command(
    file: &Path,
    param: &str,
    values: &str,
    opts: &RunOptions,
    output: &OutputOptions,
) -> Result<(), Error> {
    let values =
        parse_values(values).map_err(|e| Error::Usage(format!("error: --values {values}: {e}")))?;
    if param.contains('=') {
        return Err(Error::Usage(format!(
            "error: --param {param}: give the key only, e.g. member.us.join"
        )));
    }
    let text = read_file(file)?;
    let origin = file.display().to_string();
    // The first point names the sweep and fixes its seed and trials.
    let mut first = opts.set.clone();
    first.push(point_flag(param, values[0]));
    let first = load_str(&origin, &text, &first)?;
    let r = resolve(opts, &first);
    let progress = Progress::new(r.trials * values.len() as u64, opts.quiet, "sweeping");
    let sweep = sweep(
        &origin,
        &text,
        &opts.set,
        param,
        &values,
        &run_config(opts),
        &|d| progress.set(d),
    )?;
    progress.finish();
    let points = [first];
    let name = &points[0].scenario.name;
    let prov_line = provenance(&points[0], &r).line(name);
    let chart_points: Vec<(f64, f64, [f64; 2], f64)> = sweep
        .points
        .iter()
        .map(|p| (p.value, p.p_met, p.p_met_ci95, p.coverage_mean))
        .collect();
    let dir = out_dir(output, &format!("{name}-sweep-{param}"));
    let mut files = vec![OutputFile::new("sweep.json", json::json_bytes(&sweep)?)];
    files.extend(sweep_chart(
        param,
        &chart_points,
        &prov_line,
        chart_formats(output.charts),
    )?);
    let written = write_all(&dir, files)?;
    console::say_done(&table_text(&sweep, name), written, &dir);
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
