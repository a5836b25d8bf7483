//! `sweep FILE --param KEY --values ...`: the scenario rerun for each value
//! of one `--set` key, on common random numbers.

use crate::cli::options::{Output, Simulation, provenance};
use crate::cli::progress::Progress;
use crate::error::Error;
use crate::render::chart::{
    CategoryPoint, grid_chart, style::trim, sweep_category_chart, sweep_chart,
};
use crate::render::words::key_in_words;
use crate::render::{OutputFile, console, json, tables};
use guarantee_sim_core::analysis::sweep::{Point, Sweep, SweepValue, categorical};
use guarantee_sim_core::input::load::{load_point, read_file};
use std::fmt::Write;
use std::path::Path;

pub fn sweep(
    file: &Path,
    axes: &[(String, Vec<SweepValue>)],
    target: f64,
    sim: &Simulation,
    output: &Output,
) -> Result<(), Error> {
    let text = read_file(file)?;
    let origin = file.display().to_string();
    // The first point names the sweep and fixes its seed and trials.
    let point: Vec<String> = axes.iter().map(|(k, v)| v[0].flag(k)).collect();
    let first = load_point(&origin, &text, &sim.overrides, &point)?;
    let name = &first.scenario.name;
    let keys: Vec<&str> = axes.iter().map(|(k, _)| k.as_str()).collect();
    let dest = output.destination(
        &format!("{name}-sweep-{}", keys.join("-by-")),
        &sim.overrides,
    )?;
    let r = sim.resolve(&first);
    let points: usize = axes.iter().map(|(_, v)| v.len()).product();
    let progress = Progress::new(r.trials * points as u64, sim.quiet, "sweeping");
    let sweep = guarantee_sim_core::analysis::sweep::sweep_grid(
        &origin,
        &text,
        &sim.overrides,
        axes,
        &sim.config,
        &|d| progress.set(d),
    )?;
    progress.finish();
    let prov_line = provenance(&first, &r).line(name);
    let mut files = vec![
        OutputFile::new("sweep.json", json::json_bytes(&sweep)?),
        tables::sweep_table(&sweep)?,
    ];
    match axes {
        [(a, xs), (b, ys)] => {
            // Rows of the heatmap: the second key's values, bottom up.
            let cells: Vec<Vec<f64>> = (0..ys.len())
                .map(|j| {
                    (0..xs.len())
                        .map(|i| sweep.points[i * ys.len() + j].p_met)
                        .collect()
                })
                .collect();
            files.extend(grid_chart(
                a,
                &ticks(xs),
                b,
                &ticks(ys),
                &cells,
                target,
                &prov_line,
                output.charts,
            )?);
        }
        [(param, values)] if categorical(values) => {
            let chart_points: Vec<CategoryPoint> = sweep
                .points
                .iter()
                .map(|p| CategoryPoint {
                    label: p.value.label.clone(),
                    p_met: p.p_met,
                    p_met_ci95: p.p_met_ci95,
                    coverage_mean: p.coverage_mean,
                })
                .collect();
            files.extend(sweep_category_chart(
                param,
                &key_in_words(&first.scenario, param),
                &chart_points,
                &prov_line,
                output.charts,
            )?);
        }
        _ => {
            let chart_points: Vec<(f64, f64, [f64; 2], f64)> = sweep
                .points
                .iter()
                .filter_map(|p| Some((p.value.number?, p.p_met, p.p_met_ci95, p.coverage_mean)))
                .collect();
            files.extend(sweep_chart(
                &axes[0].0,
                &key_in_words(&first.scenario, &axes[0].0),
                &chart_points,
                &prov_line,
                output.charts,
            )?);
        }
    }
    let written = dest.publish(files)?;
    let across = axes.get(1).map_or(1, |(_, v)| v.len());
    console::say_done(&table_text(&sweep, name, across), written, dest.dir());
    Ok(())
}

/// A heatmap axis's tick labels: numbers to 4 decimals, or every value's
/// label when the values are not all numbers.
fn ticks(values: &[SweepValue]) -> Vec<String> {
    let labelled = categorical(values);
    values
        .iter()
        .map(|v| match v.number {
            Some(x) if !labelled => trim(x, 4),
            _ => v.label.clone(),
        })
        .collect()
}

/// A point's value as the console shows it: its label (a number as a number).
fn shown(v: &SweepValue) -> &str {
    &v.label
}

/// A two-way grid's P(met) as a matrix: the first key's values down, the
/// second's (`across` of them) across.
fn grid_text(s: &Sweep, name: &str, params: &[String; 2], across: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Grid of {} by {} in {name}", params[0], params[1]);
    let _ = writeln!(
        out,
        "  {} trials per point, seed {}, common random numbers; P(guarantee met at the horizon)\n",
        s.trials, s.seed
    );
    let across = across.max(1);
    let columns: Vec<&str> = s
        .points
        .iter()
        .take(across)
        .map(|p| shown(second(p)))
        .collect();
    let corner = format!("{} \\ {}", short(&params[0]), short(&params[1]));
    let row_w = s
        .points
        .iter()
        .map(|p| shown(&p.value).chars().count())
        .chain([corner.chars().count(), 14])
        .max()
        .unwrap_or(14);
    let col_w = columns
        .iter()
        .map(|c| c.chars().count())
        .chain([9])
        .max()
        .unwrap_or(9);
    let _ = write!(out, "  {corner:>row_w$}");
    for b in &columns {
        let _ = write!(out, " {b:>col_w$}");
    }
    let _ = writeln!(out);
    for row in s.points.chunks(across) {
        let _ = write!(out, "  {:>row_w$}", shown(&row[0].value));
        for p in row {
            let cell = format!("{:.1}%", 100.0 * p.p_met);
            let _ = write!(out, " {cell:>col_w$}");
        }
        let _ = writeln!(out);
    }
    out
}

/// A grid point's second value.
fn second(p: &Point) -> &SweepValue {
    p.values.as_ref().map_or(&p.value, |v| &v[1])
}

/// The last part of a key (`member.us.join` -> `join`), for a narrow header.
fn short(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

pub fn table_text(s: &Sweep, name: &str, across: usize) -> String {
    if let Some(params) = &s.params {
        return grid_text(s, name, params, across);
    }
    let mut out = String::new();
    let _ = writeln!(out, "Sweep of {} in {name}", s.param);
    let _ = writeln!(
        out,
        "  {} trials per point, seed {}, common random numbers\n",
        s.trials, s.seed
    );
    // The value column fits the longest label.
    let w = s
        .points
        .iter()
        .map(|p| shown(&p.value).chars().count())
        .chain([12])
        .max()
        .unwrap_or(12);
    let _ = writeln!(
        out,
        "  {:>w$} {:>8} {:>19} {:>10}",
        "value", "P(met)", "95% interval", "coverage"
    );
    for p in &s.points {
        let _ = writeln!(
            out,
            "  {:>w$} {:>7.1}% {:>8.1}% - {:>5.1}% {:>10.3}",
            shown(&p.value),
            100.0 * p.p_met,
            100.0 * p.p_met_ci95[0],
            100.0 * p.p_met_ci95[1],
            p.coverage_mean
        );
    }
    if s.points.iter().any(|p| p.uncertainty.is_some()) {
        // docs/model.md 8: the spread of P(met) over the uncertain inputs.
        let _ = writeln!(
            out,
            "\n  {:>w$} {:>13} {:>26}",
            "value", "outer samples", "P(met) across inputs 5-95%"
        );
        for p in &s.points {
            let (k, spread) = match &p.uncertainty {
                Some(u) => (
                    u.outer_samples.to_string(),
                    format!("{:.1}% - {:.1}%", 100.0 * u.p_met.p05, 100.0 * u.p_met.p95),
                ),
                None => ("1".into(), "(no uncertain input)".into()),
            };
            let _ = writeln!(out, "  {:>w$} {k:>13} {spread:>26}", shown(&p.value));
        }
    }
    if s.points.iter().any(|p| p.p_failed.is_some()) {
        // docs/model.md 7: the guarantee under test, per point.
        let _ = writeln!(
            out,
            "\n  {:>w$} {:>22} {:>11}",
            "value", "P(honoured | attack)", "P(failed)"
        );
        for p in &s.points {
            let honoured = p
                .p_honoured_given_attack
                .flatten()
                .map_or("no attack".into(), |h| format!("{:.1}%", 100.0 * h));
            let failed = p
                .p_failed
                .map_or(String::new(), |f| format!("{:.1}%", 100.0 * f));
            let _ = writeln!(
                out,
                "  {:>w$} {:>22} {:>11}",
                shown(&p.value),
                honoured,
                failed
            );
        }
    }
    out
}
