//! Raw flags -> validated options: the scenario loaded (file or built-in
//! default, with `--set`), seed / trials / threads resolved, the output
//! directory and chart formats chosen.

use crate::cli::error::Error;
use crate::cli::flags::{ChartsFlag, OutputOptions, RunOptions};
use crate::render::chart::ChartFormat;
use crate::render::provenance::Provenance;
use guarantee_sim_core::analysis::estimate::RunConfig;
use guarantee_sim_core::analysis::variants::Resolved;
use guarantee_sim_core::input::load::{Loaded, load_file, load_str};
use std::path::{Path, PathBuf};

/// Loads a scenario file, or the built-in default when `file` is `None`.
pub fn load(file: Option<&Path>, overrides: &[String]) -> Result<Loaded, Error> {
    let loaded = match file {
        Some(path) => load_file(path, overrides),
        None => load_str(
            crate::DEFAULT_SCENARIO_ORIGIN,
            crate::DEFAULT_SCENARIO,
            overrides,
        ),
    };
    Ok(loaded?)
}

/// The flags' part of the run configuration (the scenario fills the rest).
pub fn run_config(opts: &RunOptions) -> RunConfig {
    RunConfig {
        seed: opts.seed,
        trials: opts.trials,
        threads: opts.threads.map(usize::from),
    }
}

/// Seed, trials and threads, resolved from flags, then the scenario, then defaults.
pub fn resolve(opts: &RunOptions, loaded: &Loaded) -> Resolved {
    run_config(opts).resolve(&loaded.scenario)
}

pub fn provenance(loaded: &Loaded, r: &Resolved) -> Provenance {
    Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: loaded.origin.clone(),
        scenario_sha256: loaded.sha256.clone(),
        seed: r.seed,
        trials: r.trials,
        overrides: loaded.overrides.clone(),
        run_date: crate::render::provenance::now_rfc3339(),
    }
}

/// The chart formats a `--charts` flag asks for.
pub fn chart_formats(flag: ChartsFlag) -> &'static [ChartFormat] {
    match flag {
        ChartsFlag::Png => &[ChartFormat::Png],
        ChartsFlag::Svg => &[ChartFormat::Svg],
        ChartsFlag::Both => &[ChartFormat::Png, ChartFormat::Svg],
        ChartsFlag::None => &[],
    }
}

/// A file-system-friendly name for a scenario: lowercase ASCII letters,
/// digits and single dashes.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            s.push(ch.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-');
    let s: String = s.chars().take(60).collect();
    if s.is_empty() {
        "scenario".to_string()
    } else {
        s
    }
}

pub fn out_dir(output: &OutputOptions, default_name: &str) -> PathBuf {
    output
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(slug(default_name)))
}
