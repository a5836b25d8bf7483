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
    let runs = guarantee_sim_core::analysis::sensitivity::variant_runs(scenario);
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
    let bars = tornado_bars(&result, &names);
    let prov_line = provenance(&loaded, &r).line(&scenario.name);
    let title = "Who and what makes or breaks the guarantee";
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

/// One tornado bar per pair of variants of every kind, labelled with the
/// kind and its low / high setting: (label, P(met) low, P(met) high).
pub fn tornado_bars(s: &Sensitivity, names: &dyn Fn(&str) -> String) -> Vec<(String, f64, f64)> {
    let members = s.members.iter().map(|m| {
        let label = format!("member {}: out / in", names(&m.id));
        (label, m.p_met_out, m.p_met_in)
    });
    let needs = s.capabilities.iter().map(|c| {
        let label = format!("need {}: -20% / +20%", c.id);
        (label, c.p_met_need_low, c.p_met_need_high)
    });
    let inputs = s.inputs.iter().map(|i| {
        let label = format!("{}: p10 / p90", i.field);
        (label, i.p_met_low, i.p_met_high)
    });
    let amounts = s.amounts.iter().map(|a| {
        let label = format!("amounts of {}: x0.8 / x1.2", names(&a.id));
        (label, a.p_met_low, a.p_met_high)
    });
    members.chain(needs).chain(inputs).chain(amounts).collect()
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
    // The first column as wide as its longest id or key (uncertain inputs'
    // keys are long: `phase.us_support.gate.coverage`), within limits; an
    // id past the limit is cut with an ellipsis, never silently mid-word.
    let width = s
        .members
        .iter()
        .map(|m| m.id.as_str())
        .chain(s.capabilities.iter().map(|c| c.id.as_str()))
        .chain(s.inputs.iter().map(|i| i.field.as_str()))
        .chain(s.amounts.iter().map(|a| a.id.as_str()))
        .map(|id| id.chars().count())
        .fold(24, usize::max)
        .min(60);
    let cell = |id: &str| match id.chars().count() > width {
        true => id.chars().take(width - 1).collect::<String>() + "…",
        false => id.to_string(),
    };
    // One table per kind of variant: (id, P(met) low variant, high variant, swing).
    let mut section = |title: [&str; 3], rows: Vec<(&str, f64, f64, f64)>| {
        let _ = writeln!(
            out,
            "  {:<width$} {:>10} {:>10} {:>10}",
            title[0], title[1], title[2], "swing"
        );
        for (id, a, b, swing) in rows {
            let _ = writeln!(
                out,
                "  {:<width$} {:>10} {:>10} {:>+9.1}pp",
                cell(id),
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
    if !s.inputs.is_empty() {
        section(
            ["uncertain input", "p10", "p90"],
            s.inputs
                .iter()
                .map(|i| (i.field.as_str(), i.p_met_low, i.p_met_high, i.swing))
                .collect(),
        );
    }
    if !s.amounts.is_empty() {
        section(
            ["member's amounts", "x0.8", "x1.2"],
            s.amounts
                .iter()
                .map(|a| (a.id.as_str(), a.p_met_low, a.p_met_high, a.swing))
                .collect(),
        );
    }
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
            "  {:<width$} {:>10} {:>10} {:>10}",
            "member", "stays out", "joins", "prevents"
        );
        for (id, f) in members {
            let _ = writeln!(
                out,
                "  {:<width$} {:>10} {:>10} {:>+9.1}pp",
                cell(id),
                pct(f.p_failed_out),
                pct(f.p_failed_in),
                100.0 * f.failed_swing
            );
        }
        let _ = writeln!(out);
    }
    out
}
