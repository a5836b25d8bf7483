//! `run [FILE]`: simulate one scenario; write summary.json, charts, report.

use crate::cli::options::{Output, Simulation, load, provenance};
use crate::cli::progress::Progress;
use crate::error::Error;
use crate::render::{OutputFile, console, figures, json, tables};
use guarantee_sim_core::analysis::estimate::estimate;
use std::path::Path;

pub fn run(file: Option<&Path>, sim: &Simulation, output: &Output) -> Result<(), Error> {
    let loaded = load(file, &sim.overrides)?;
    let dest = output.destination(&loaded.scenario.name, &sim.overrides)?;
    let r = sim.resolve(&loaded);
    let progress = Progress::new(r.trials, sim.quiet, "simulating");
    let summary = estimate(&loaded, &r, &|d| progress.set(d))?;
    progress.finish();
    let prov = provenance(&loaded, &r);
    let mut files = vec![OutputFile::new("summary.json", json::json_bytes(&summary)?)];
    files.extend(tables::run_tables(&loaded.scenario, &summary)?);
    files.extend(figures::run_files(
        &loaded.scenario,
        &summary,
        &prov,
        output.charts,
        output.report,
    )?);
    let written = dest.publish(files)?;
    let table = console::run_table(&loaded.scenario, &summary);
    console::say_done(&table, written, dest.dir());
    Ok(())
}
