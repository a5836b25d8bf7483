//! `sensitivity FILE`: who and what the guarantee is sensitive to.

use crate::cli::options::{Output, Simulation, load, provenance};
use crate::cli::progress::Progress;
use crate::error::Error;
use crate::render::chart::tornado_chart;
use crate::render::{OutputFile, console, json, tables};
use guarantee_sim_core::analysis::sensitivity::Sensitivity;
use std::fmt::Write;
use std::path::Path;

pub fn sensitivity(file: &Path, sim: &Simulation, output: &Output) -> Result<(), Error> {
    let loaded = load(Some(file), &sim.overrides)?;
    let scenario = &loaded.scenario;
    let dest = output.destination(&format!("{}-sensitivity", scenario.name), &sim.overrides)?;
    let r = sim.resolve(&loaded);
    let runs = 1 + 2 * (scenario.members.len() + scenario.capabilities.len()) as u64;
    let progress = Progress::new(r.trials * runs, sim.quiet, "sensitivity");
    // The core counts the trials of every variant run: the bar's unit.
    let result = guarantee_sim_core::sensitivity(scenario, &r, &|d| progress.set(d))?;
    progress.finish();

    let names = |id: &str| {
        scenario
            .members
            .iter()
            .find(|m| m.id == id)
            .map_or(id.to_string(), |m| m.name.clone())
    };
    let bars: Vec<(String, f64, f64)> = result
        .members
        .iter()
        .map(|m| (names(&m.id), m.p_met_out, m.p_met_in))
        .collect();
    let prov_line = provenance(&loaded, &r).line(&scenario.name);
    let title = "Who makes or breaks the guarantee";
    let mut files = vec![
        OutputFile::new("sensitivity.json", json::json_bytes(&result)?),
        tables::sensitivity_table(&result)?,
    ];
    files.extend(tornado_chart(
        title,
        result.baseline.p_met,
        &bars,
        &prov_line,
        output.charts,
    )?);
    let written = dest.publish(files)?;
    console::say(&table_text(&result, &scenario.name));
    console::say(&format!(
        "Wrote {written} files to {}\n",
        dest.dir().display()
    ));
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

pub fn table_text(s: &Sensitivity, name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Sensitivity of P(guarantee met): {name}");
    let _ = writeln!(
        out,
        "  {} trials per variant, seed {}, common random numbers; baseline {}\n",
        s.trials,
        s.seed,
        pct(s.baseline.p_met)
    );
    // One table per kind of variant: (id, P(met) low variant, high variant, swing).
    let mut section = |title: [&str; 3], rows: Vec<(&str, f64, f64, f64)>| {
        let _ = writeln!(
            out,
            "  {:<24} {:>10} {:>10} {:>10}",
            title[0], title[1], title[2], "swing"
        );
        for (id, a, b, swing) in rows {
            let id: String = id.chars().take(24).collect();
            let _ = writeln!(
                out,
                "  {:<24} {:>10} {:>10} {:>+9.1}pp",
                id,
                pct(a),
                pct(b),
                100.0 * swing
            );
        }
        let _ = writeln!(out);
    };
    section(
        ["member", "stays out", "joins"],
        s.members
            .iter()
            .map(|m| (m.id.as_str(), m.p_met_out, m.p_met_in, m.swing))
            .collect(),
    );
    section(
        ["capability need", "-20%", "+20%"],
        s.capabilities
            .iter()
            .map(|c| (c.id.as_str(), c.p_met_need_low, c.p_met_need_high, c.swing))
            .collect(),
    );
    if let Some(failed) = s.baseline.p_failed {
        // docs/model.md 7: how much failure under attack each member prevents.
        let _ = writeln!(
            out,
            "  P(attacked and not honoured): baseline {}\n",
            pct(failed)
        );
        let mut members: Vec<_> = s
            .members
            .iter()
            .filter_map(|m| m.failed.as_ref().map(|f| (m.id.as_str(), f)))
            .collect();
        members.sort_by(|a, b| b.1.failed_swing.total_cmp(&a.1.failed_swing));
        let _ = writeln!(
            out,
            "  {:<24} {:>10} {:>10} {:>10}",
            "member", "stays out", "joins", "prevents"
        );
        for (id, f) in members {
            let id: String = id.chars().take(24).collect();
            let _ = writeln!(
                out,
                "  {:<24} {:>10} {:>10} {:>+9.1}pp",
                id,
                pct(f.p_failed_out),
                pct(f.p_failed_in),
                100.0 * f.failed_swing
            );
        }
        let _ = writeln!(out);
    }
    out
}
