//! `run [FILE]`: simulate one scenario; write summary.json, charts, report.

use crate::cli::options::{Output, Simulation, load, provenance};
use crate::cli::progress::Progress;
use crate::error::Error;
use crate::render::{OutputFile, console, figures, json, tables};
use guarantee_sim_core::analysis::estimate::estimate;
use guarantee_sim_core::analysis::per_trial;
use std::path::Path;

pub fn run(
    file: Option<&Path>,
    per_trial: Option<&Path>,
    sim: &Simulation,
    output: &Output,
) -> Result<(), Error> {
    let loaded = load(file, &sim.overrides)?;
    let dest = output.destination(&loaded.scenario.name, &sim.overrides)?;
    if let Some(path) = per_trial {
        check_per_trial_path(path)?;
    }
    let r = sim.resolve(&loaded);
    let progress = Progress::new(r.trials, sim.quiet, "simulating");
    let summary = estimate(&loaded, &r, &|d| progress.set(d))?;
    progress.finish();
    let prov = provenance(&loaded, &r);
    let mut files = vec![
        OutputFile::new("summary.json", json::json_bytes(&summary)?),
        OutputFile::new("scenario.json", json::scenario_json(&loaded.scenario)?),
    ];
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
    if let Some(path) = per_trial {
        let rows = per_trial::per_trial(&loaded, &r)?;
        write_whole(path, &tables::per_trial_csv(&rows)?)?;
        if !sim.quiet {
            console::say_err(&format!(
                "Wrote {} trial rows to {}{}\n",
                rows.rows.len(),
                path.display(),
                match r.trials > per_trial::MAX_ROWS {
                    true => format!(" (the first {} trials)", per_trial::MAX_ROWS),
                    false => String::new(),
                }
            ));
        }
    }
    Ok(())
}

/// `--per-trial FILE.csv` must name a file in an existing directory, and not
/// a directory: checked before anything is simulated (exit 2).
fn check_per_trial_path(path: &Path) -> Result<(), Error> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let problem = if path.is_dir() {
        Some("is a directory")
    } else if !parent.is_dir() {
        Some("is in a directory that does not exist")
    } else {
        None
    };
    match problem {
        Some(p) => Err(Error::Usage(format!(
            "error: --per-trial {}: {p}; give a CSV file path in an existing directory",
            path.display()
        ))),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file
/// beside it, synced, then renamed over it.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| Error::Other(anyhow::anyhow!("{}: {e}", path.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
