//! `sweep FILE --param KEY --values ...`: the scenario rerun for each value
//! of one `--set` key, on common random numbers.

use crate::cli::options::{Output, Simulation, provenance};
use crate::cli::progress::Progress;
use crate::error::Error;
use crate::render::chart::{grid_chart, sweep_chart};
use crate::render::{OutputFile, console, json, tables};
use guarantee_sim_core::analysis::sweep::{Sweep, point_flag};
use guarantee_sim_core::input::load::{load_str, read_file};
use std::fmt::Write;
use std::path::Path;

pub fn sweep(
    file: &Path,
    axes: &[(String, Vec<f64>)],
    target: f64,
    sim: &Simulation,
    output: &Output,
) -> Result<(), Error> {
    let text = read_file(file)?;
    let origin = file.display().to_string();
    // The first point names the sweep and fixes its seed and trials.
    let mut first = sim.overrides.clone();
    first.extend(axes.iter().map(|(k, v)| point_flag(k, v[0])));
    let first = load_str(&origin, &text, &first)?;
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
                xs,
                b,
                ys,
                &cells,
                target,
                &prov_line,
                output.charts,
            )?);
        }
        _ => {
            let chart_points: Vec<(f64, f64, [f64; 2], f64)> = sweep
                .points
                .iter()
                .map(|p| (p.value, p.p_met, p.p_met_ci95, p.coverage_mean))
                .collect();
            files.extend(sweep_chart(
                &axes[0].0,
                &chart_points,
                &prov_line,
                output.charts,
            )?);
        }
    }
    let written = dest.publish(files)?;
    console::say_done(&table_text(&sweep, name), written, dest.dir());
    Ok(())
}

/// A two-way grid's P(met) as a matrix: the first key's values down, the
/// second's across.
fn grid_text(s: &Sweep, name: &str, params: &[String; 2]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Grid of {} by {} in {name}", params[0], params[1]);
    let _ = writeln!(
        out,
        "  {} trials per point, seed {}, common random numbers; P(guarantee met at the horizon)\n",
        s.trials, s.seed
    );
    let mut across: Vec<f64> = Vec::new();
    for p in &s.points {
        let b = p.values.map_or(p.value, |v| v[1]);
        if !across.contains(&b) {
            across.push(b);
        }
    }
    let _ = write!(
        out,
        "  {:>14}",
        format!("{} \\ {}", short(&params[0]), short(&params[1]))
    );
    for b in &across {
        let _ = write!(out, " {b:>9}");
    }
    let _ = writeln!(out);
    for row in s.points.chunks(across.len().max(1)) {
        let _ = write!(out, "  {:>14}", row[0].value);
        for p in row {
            let _ = write!(out, " {:>8.1}%", 100.0 * p.p_met);
        }
        let _ = writeln!(out);
    }
    out
}

/// The last part of a key (`member.us.join` -> `join`), for a narrow header.
fn short(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

pub fn table_text(s: &Sweep, name: &str) -> String {
    if let Some(params) = &s.params {
        return grid_text(s, name, params);
    }
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
    if s.points.iter().any(|p| p.p_failed.is_some()) {
        // docs/model.md 7: the guarantee under test, per point.
        let _ = writeln!(
            out,
            "\n  {:>12} {:>22} {:>11}",
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
            let _ = writeln!(out, "  {:>12} {:>22} {:>11}", p.value, honoured, failed);
        }
    }
    out
}
