//! `solve FILE --param KEY --target T`: the value of one `--set` key at
//! which a metric reaches a target, by bisection on common random numbers.

use crate::cli::options::{Output, Simulation, provenance};
use crate::cli::progress::Progress;
use crate::error::Error;
use crate::render::chart::{solve_chart, solve_value_text};
use crate::render::words::key_in_words;
use crate::render::{OutputFile, console, json};
use guarantee_sim_core::analysis::solve::{self, MAX_EVALUATIONS, Request, Solve};
use guarantee_sim_core::input::load::read_file;
use std::fmt::Write;
use std::path::Path;

pub fn solve(
    file: &Path,
    request: &Request,
    sim: &Simulation,
    output: &Output,
) -> Result<(), Error> {
    let text = read_file(file)?;
    let origin = file.display().to_string();
    // Every check (the key at both ends, the range, the metric) before the
    // output directory is touched or anything runs.
    let plan = solve::plan(&origin, &text, &sim.overrides, request, &sim.config)?;
    let name = plan.first.scenario.name.clone();
    let dest = output.destination(&format!("{name}-solve-{}", request.param), &sim.overrides)?;
    let r = plan.run;
    // The number of estimates depends on the curve: the bar runs to the
    // most there can be and is cleared at the end.
    let progress = Progress::new(r.trials * MAX_EVALUATIONS as u64, sim.quiet, "solving");
    let solved = solve::solve(&origin, &text, &sim.overrides, request, &sim.config, &|d| {
        progress.set(d)
    })?;
    progress.finish();
    let mut prov = provenance(&plan.first, &r);
    prov.overrides = sim.overrides.clone();
    let prov_line = prov.line(&name);
    let mut files = vec![OutputFile::new("solve.json", json::json_bytes(&solved)?)];
    let words = key_in_words(&plan.first.scenario, &solved.param);
    files.extend(solve_chart(&solved, &words, &prov_line, output.charts)?);
    let written = dest.publish(files)?;
    console::say_done(&summary_text(&solved, &name), written, dest.dir());
    Ok(())
}

/// The console summary: the answer and its interval, or why there is none.
pub fn summary_text(s: &Solve, name: &str) -> String {
    let v = |x: f64| solve_value_text(s, x);
    let pct = |p: f64| format!("{:.1}%", 100.0 * p);
    let metric = s.metric.name();
    let [lo, hi] = s.between;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Solve {} for {metric} = {} in {name}",
        s.param,
        pct(s.target)
    );
    let _ = writeln!(
        out,
        "  searched [{}, {}]{}, {} estimates of {} trials each, seed {}, common random numbers\n",
        v(lo),
        v(hi),
        if s.integer { " (whole numbers)" } else { "" },
        s.evaluations.len(),
        s.trials,
        s.seed
    );
    let ends: Vec<String> = s
        .evaluations
        .iter()
        .take(2)
        .map(|e| format!("{} at {}", pct(e.metric), v(e.value)))
        .collect();
    match (s.value, s.interval) {
        (Some(value), Some([a, b])) => {
            let _ = writeln!(out, "  {} = {}", s.param, v(value));
            let clipped = s.interval_clipped.unwrap_or([false, false]);
            let end = |x: f64, cut: bool| match cut {
                true => format!("{} (range end)", v(x)),
                false => v(x),
            };
            let _ = writeln!(
                out,
                "  95% interval {} to {}: the values the Monte Carlo error cannot tell apart",
                end(a, clipped[0]),
                end(b, clipped[1])
            );
            let _ = writeln!(
                out,
                "  ({metric} is {}, {})",
                ends.join(" and "),
                s.direction
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  Target {} is out of reach for {} in [{}, {}]: {metric} is {}",
                pct(s.target),
                s.param,
                v(lo),
                v(hi),
                ends.join(" and ")
            );
            if let Some(c) = s.closest {
                let _ = writeln!(
                    out,
                    "  closest is {} = {}, with {metric} {}",
                    s.param,
                    v(c.value),
                    pct(c.metric)
                );
            }
            let _ = writeln!(out, "  (widen --between, or change the target)");
        }
    }
    out
}
