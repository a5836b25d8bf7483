//! The raw command line, as clap parses it: commands and flags, before any
//! value is checked against a scenario (see `options`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "guarantee-sim",
    version,
    about = "How likely is it that the pledges to a security guarantee cover what it needs, by when, and who makes or breaks it?",
    long_about = None,
    after_help = "With no command, runs the built-in default scenario (same as `guarantee-sim run`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write summary.json, charts and a report.
    Run {
        /// Scenario file (TOML). Omit to run the built-in default scenario.
        file: Option<PathBuf>,
        /// Run until the 95% interval of P(met) is at most this wide on each side
        /// (e.g. 0.005 for +-0.5 points), --trials at most; stops at the same trial
        /// count whatever the threads.
        #[arg(long, value_name = "HALF_WIDTH")]
        precision: Option<f64>,
        /// Also write one row per trial (met, first met, coverage per capability,
        /// joins and exits per member, the attack) to this CSV file, for the first
        /// 200,000 trials at most.
        #[arg(long, value_name = "FILE.csv")]
        per_trial: Option<PathBuf>,
        #[command(flatten)]
        opts: RunOptions,
        #[command(flatten)]
        output: OutputOptions,
    },
    /// Check scenario files and report every error; writes nothing.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run several plans on common random numbers and report paired differences to the first.
    Compare {
        /// Scenario files; the first is the baseline.
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        opts: RunOptions,
        #[command(flatten)]
        output: OutputOptions,
    },
    /// Rerun a scenario for each value of one `--set` key, or of two (a grid).
    Sweep {
        /// Scenario file (TOML).
        file: PathBuf,
        /// The key to vary, as for --set (e.g. member.us.join); twice for a
        /// two-way grid, each followed by its --values.
        #[arg(long, required = true, num_args = 1, action = clap::ArgAction::Append)]
        param: Vec<String>,
        /// Values: numbers V1,V2,... or START:STOP:STEP (STOP included when on the
        /// grid); or any TOML values, as for --set, separated by `;` (a `;` inside a
        /// quoted string does not count), e.g. '{ pert = [50, 70, 90] }; { pert = [60,
        /// 80, 100] }' or 'us; de' (a word alone: 'us;'). Each is checked as --set
        /// checks it. Values that are not all numbers are shown by readable labels
        /// (pert 50-70-90) on a categorical axis. One --values per --param, in the
        /// same order.
        #[arg(long, required = true, num_args = 1, allow_hyphen_values = true, action = clap::ArgAction::Append)]
        values: Vec<String>,
        /// A grid's heatmap draws the contour where P(met) reaches this.
        #[arg(long, default_value_t = 0.9)]
        target: f64,
        #[command(flatten)]
        opts: RunOptions,
        #[command(flatten)]
        output: OutputOptions,
    },
    /// Find the value of one `--set` key at which a metric reaches a target (e.g. P(met) = 0.9).
    Solve {
        /// Scenario file (TOML).
        file: PathBuf,
        /// The numeric key to solve for, as for --set (e.g. member.us.join).
        #[arg(long)]
        param: String,
        /// The metric's value to reach, in [0, 1] (e.g. 0.9).
        #[arg(long, allow_hyphen_values = true)]
        target: f64,
        /// The metric: p_met, coverage_mean, and with [attack] p_honoured_given_attack, p_failed.
        #[arg(long, default_value = "p_met")]
        metric: String,
        /// The range to search [default: 0:1, for a key that takes values in [0, 1] only;
        /// required otherwise].
        #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
        between: Option<String>,
        #[command(flatten)]
        opts: RunOptions,
        #[command(flatten)]
        output: OutputOptions,
    },
    /// For every member, P(met) with it forced out and forced in (and each need +/-20%).
    Sensitivity {
        /// Scenario file (TOML).
        file: PathBuf,
        #[command(flatten)]
        opts: RunOptions,
        #[command(flatten)]
        output: OutputOptions,
    },
}

/// What to simulate and how.
#[derive(Debug, Clone, Default, Args)]
pub struct RunOptions {
    /// Number of trials [default: the scenario's `trials`, else 100000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub trials: Option<u64>,
    /// Outer samples for uncertain inputs (fields given as distributions where a single
    /// number is expected) [default: the scenario's `outer_samples`, else 100]; at most --trials.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub outer: Option<u64>,
    /// Random seed [default: the scenario's `seed`, else 1]. Same seed and trials => same numbers.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
    /// Override one scenario field for a what-if, without editing the file (repeatable):
    /// member.<id>.<field>, capability.<id>.<field>, phase.<id>.<field>, group.<id>.<field>,
    /// odds.<status>, scenario.<field>, and pledges by position, member.<id>.pledge.<n>.<field>
    /// (n from 0). The value is TOML: 0.5, '{ uniform = [1, 3] }', '"us"'.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Where and what to write.
#[derive(Debug, Clone, Args)]
pub struct OutputOptions {
    /// Output directory [default: output/<scenario-slug>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Which chart formats to write.
    #[arg(long, value_enum, default_value_t = ChartsFlag::Both)]
    pub charts: ChartsFlag,
    /// Do not write report.md / report.html.
    #[arg(long)]
    pub no_report: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartsFlag {
    Png,
    Svg,
    Both,
    None,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            out: None,
            charts: ChartsFlag::Both,
            no_report: false,
        }
    }
}

/// "Did you mean" for a mistyped command too short for clap's own tip
/// (`rn` for `run`): one edit away from a command.
pub fn command_tip(error: &clap::Error, args: &[std::ffi::OsString]) -> Option<String> {
    use clap::CommandFactory;
    if error.kind() != clap::error::ErrorKind::InvalidSubcommand
        || error.to_string().contains("tip:")
    {
        return None;
    }
    let typed = args.get(1)?.to_str()?;
    let commands = Cli::command();
    let name = commands
        .get_subcommands()
        .map(|c| c.get_name())
        .find(|name| strsim::osa_distance(typed, name) <= 1)?;
    Some(format!("\n  tip: did you mean `{name}`?\n"))
}
