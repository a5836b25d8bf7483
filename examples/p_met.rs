//! Loads a scenario, runs it and prints P(met), using only the core library
//! (`guarantee-sim-core`): what another Rust program needs to use the engine.
//!
//! `cargo run --release --example p_met [FILE] [TRIALS]`
//! (default: scenarios/coalition-aug-2025.toml, 100,000 trials).

use guarantee_sim_core::{RunConfig, estimate, load_file};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let file = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "scenarios/coalition-aug-2025.toml".into()),
    );
    let trials = args.next().and_then(|t| t.parse().ok());
    // Overrides work as `--set` does on the command line.
    let loaded = match load_file(&file, &[]) {
        Ok(loaded) => loaded,
        Err(e) => {
            // The message names file, line and column.
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let config = RunConfig {
        trials,
        ..RunConfig::default()
    };
    let run = config.resolve(&loaded.scenario);
    match estimate(&loaded, &run, &|_trials_done| {}) {
        Ok(summary) => {
            let g = &summary.guarantee;
            println!(
                "{}: P(met at month {}) = {:.1}% (95% CI {:.1}% to {:.1}%), {} trials, seed {}",
                loaded.scenario.name,
                loaded.scenario.horizon_months,
                100.0 * g.p_met,
                100.0 * g.p_met_ci95[0],
                100.0 * g.p_met_ci95[1],
                summary.trials,
                summary.seed
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
