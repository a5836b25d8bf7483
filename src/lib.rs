//! The `guarantee-sim` command line on top of `guarantee_sim_core`:
//! `cli` (flags -> options) -> `commands` (one per command: load, check the
//! destination, simulate) -> `render` (JSON, console tables, charts,
//! reports, as bytes) -> `publish` (the only module that writes files).

pub mod cli;
pub mod commands;
pub mod error;
pub mod publish;
pub mod render;

use clap::Parser;
use std::ffi::OsString;

/// The built-in default scenario (also shipped as a file).
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/coalition-aug-2025.toml");
pub const DEFAULT_SCENARIO_ORIGIN: &str = "(built-in default: scenarios/coalition-aug-2025.toml)";

/// Runs the command line; returns the process exit status.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    let flags = match cli::flags::Cli::try_parse_from(&args) {
        Ok(flags) => flags,
        Err(e) => {
            let _ = e.print();
            if let Some(tip) = cli::flags::command_tip(&e, &args) {
                render::console::say_err(&tip);
            }
            return e.exit_code();
        }
    };
    match cli::options::Task::from_flags(flags).and_then(commands::execute) {
        Ok(()) => 0,
        Err(e) => {
            render::console::say_err(&format!("{}\n", e.to_string().trim_end()));
            e.exit_code()
        }
    }
}
