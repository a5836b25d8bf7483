//! `sweep FILE --param KEY --values ...`: the scenario rerun for each value
//! of one `--set` key, on common random numbers.

use crate::cli::options::{Output, Simulation, provenance};
use crate::cli::progress::Progress;
use crate::error::Error;
use crate::render::chart::sweep_chart;
use crate::render::{OutputFile, console, json, tables};
use guarantee_sim_core::analysis::sweep::{Sweep, point_flag};
use guarantee_sim_core::input::load::{load_str, read_file};
use std::fmt::Write;
use std::path::Path;

pub fn sweep(
    file: &Path,
    param: &str,
    values: &[f64],
    sim: &Simulation,
    output: &Output,
) -> Result<(), Error> {
    let text = read_file(file)?;
    let origin = file.display().to_string();
    // The first point names the sweep and fixes its seed and trials.
    let mut first = sim.overrides.clone();
    first.push(point_flag(param, values[0]));
    let first = load_str(&origin, &text, &first)?;
    let name = &first.scenario.name;
    let dest = output.destination(&format!("{name}-sweep-{param}"), &sim.overrides)?;
    let r = sim.resolve(&first);
    let progress = Progress::new(r.trials * values.len() as u64, sim.quiet, "sweeping");
    let sweep = guarantee_sim_core::sweep(
        &origin,
        &text,
        &sim.overrides,
        param,
        values,
        &sim.config,
        &|d| progress.set(d),
    )?;
    progress.finish();
    let prov_line = provenance(&first, &r).line(name);
    let chart_points: Vec<(f64, f64, [f64; 2], f64)> = sweep
        .points
        .iter()
        .map(|p| (p.value, p.p_met, p.p_met_ci95, p.coverage_mean))
        .collect();
    let mut files = vec![
        OutputFile::new("sweep.json", json::json_bytes(&sweep)?),
        tables::sweep_table(&sweep)?,
    ];
    files.extend(sweep_chart(
        param,
        &chart_points,
        &prov_line,
        output.charts,
    )?);
    let written = dest.publish(files)?;
    console::say_done(&table_text(&sweep, name), written, dest.dir());
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
