//! `run [FILE]`: simulate one scenario; write summary.json, charts, report.

use crate::cli::error::Error;
use crate::cli::flags::{OutputOptions, RunOptions};
use crate::cli::options::{chart_formats, load, out_dir, provenance, resolve};
use crate::cli::progress::Progress;
use crate::publish::{OutputFile, publish};
use crate::render::{console, figures, json};
use guarantee_sim_core::analysis::estimate::estimate;
use std::path::Path;

pub fn run(file: Option<&Path>, opts: &RunOptions, output: &OutputOptions) -> Result<(), Error> {
    let loaded = load(file, &opts.set)?;
    let r = resolve(opts, &loaded);
    let dir = out_dir(output, &loaded.scenario.name);
    let progress = Progress::new(r.trials, opts.quiet, "simulating");
    let summary = estimate(&loaded, &r, &|d| progress.set(d))?;
    progress.finish();
    let prov = provenance(&loaded, &r);
    let written = publish(&dir, |staging| {
        staging.put(OutputFile::new("summary.json", json::json_bytes(&summary)?));
        figures::run_artifacts(
            &loaded.scenario,
            &summary,
            &prov,
            chart_formats(output.charts),
            !output.no_report,
            staging,
        )
    })?;
    console::say_done(
        &console::run_table(&loaded.scenario, &summary),
        written,
        &dir,
    );
    Ok(())
}
