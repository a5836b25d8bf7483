//! The command line: raw flags (`flags`) -> validated options (`options`)
//! -> one command (`crate::commands`). Nothing here computes or writes.

pub mod error;
pub mod flags;
pub mod options;
pub mod progress;

use clap::Parser;
use error::Error;
use flags::{Cli, Command, OutputOptions, RunOptions};
use std::ffi::OsString;

/// Runs the command line; returns the process exit status.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    match dispatch(cli) {
        Ok(()) => 0,
        Err(e) => {
            crate::render::console::say_err(&format!("{}\n", e.to_string().trim_end()));
            e.exit_code()
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), Error> {
    use crate::commands;
    match cli.command {
        None => commands::run::run(None, &RunOptions::default(), &OutputOptions::default()),
        Some(Command::Run { file, opts, output }) => {
            commands::run::run(file.as_deref(), &opts, &output)
        }
        Some(Command::Validate { files }) => commands::validate::validate(&files),
        Some(Command::Compare {
            files,
            opts,
            output,
        }) => commands::compare::command(&files, &opts, &output),
        Some(Command::Sweep {
            file,
            param,
            values,
            opts,
            output,
        }) => commands::sweep::command(&file, &param, &values, &opts, &output),
        Some(Command::Sensitivity { file, opts, output }) => {
            commands::sensitivity::command(&file, &opts, &output)
        }
    }
}
