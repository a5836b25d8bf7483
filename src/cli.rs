//! The command line (MODEL.md 5): raw flags -> validated options -> the
//! library's steps. Nothing here computes; it loads, calls, and writes.

use crate::error::{Error, InputError};
use crate::load::{Loaded, load_file, load_str};
use crate::output::{OutputFile, publish};
use crate::provenance::Provenance;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

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
    /// Rerun a scenario for each value of one `--set` key.
    Sweep {
        /// Scenario file (TOML).
        file: PathBuf,
        /// The key to vary, as for --set (e.g. member.us.join).
        #[arg(long)]
        param: String,
        /// Values: V1,V2,... or START:STOP:STEP (STOP included when on the grid).
        #[arg(long, allow_hyphen_values = true)]
        values: String,
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
    /// Random seed [default: the scenario's `seed`, else 1]. Same seed and trials => same numbers.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Override one scenario field for a what-if, without editing the file (repeatable):
    /// member.<id>.<field>, capability.<id>.<field>, phase.<id>.<field>, group.<id>.<field>,
    /// odds.<status>, scenario.<field>. The value is TOML: 0.5, '{ uniform = [1, 3] }', '"us"'.
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

/// Trials when neither the flag nor the scenario says.
pub const DEFAULT_TRIALS: u64 = 100_000;
/// Seed when neither the flag nor the scenario says.
pub const DEFAULT_SEED: u64 = 1;

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
            crate::console::say_err(&format!("{}\n", error_text(&e)));
            e.exit_code()
        }
    }
}

fn error_text(e: &Error) -> String {
    match e {
        Error::Input(InputError(msg)) => msg.trim_end().to_string(),
        Error::Other(err) => format!("error: {err:#}"),
    }
}

fn dispatch(cli: Cli) -> Result<(), Error> {
    match cli.command {
        None => run(None, &RunOptions::default(), &OutputOptions::default()),
        Some(Command::Run { file, opts, output }) => run(file.as_deref(), &opts, &output),
        Some(Command::Validate { files }) => validate(&files),
        Some(Command::Compare {
            files,
            opts,
            output,
        }) => crate::compare::command(&files, &opts, &output),
        Some(Command::Sweep {
            file,
            param,
            values,
            opts,
            output,
        }) => crate::sweep::command(&file, &param, &values, &opts, &output),
        Some(Command::Sensitivity { file, opts, output }) => {
            crate::sensitivity::command(&file, &opts, &output)
        }
    }
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

/// Loads a scenario file, or the built-in default when `file` is `None`.
pub fn load(file: Option<&Path>, overrides: &[String]) -> Result<Loaded, InputError> {
    match file {
        Some(path) => load_file(path, overrides),
        None => load_str(
            crate::DEFAULT_SCENARIO_ORIGIN,
            crate::DEFAULT_SCENARIO,
            overrides,
        ),
    }
}

/// Seed, trials and threads, resolved from flags, then the scenario, then defaults.
#[derive(Debug, Clone, Copy)]
pub struct Resolved {
    pub seed: u64,
    pub trials: u64,
    pub threads: usize,
}

pub fn resolve(opts: &RunOptions, loaded: &Loaded) -> Resolved {
    Resolved {
        seed: opts.seed.or(loaded.scenario.seed).unwrap_or(DEFAULT_SEED),
        trials: opts
            .trials
            .or(loaded.scenario.trials)
            .unwrap_or(DEFAULT_TRIALS),
        threads: opts
            .threads
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

pub fn provenance(loaded: &Loaded, r: &Resolved) -> Provenance {
    Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: loaded.origin.clone(),
        scenario_sha256: loaded.sha256.clone(),
        seed: r.seed,
        trials: r.trials,
        overrides: loaded.overrides.clone(),
        run_date: crate::provenance::now_rfc3339(),
    }
}

/// A progress reporter: a bar on an interactive stderr, otherwise silent.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn new(total: u64, quiet: bool, label: &str) -> Self {
        let show = !quiet && std::io::stderr().is_terminal() && total >= 200_000;
        let bar = show.then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {percent:>3}% {human_pos}/{human_len} trials, eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_string());
            bar
        });
        Progress { bar }
    }

    pub fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
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

/// Simulates a loaded scenario and summarises it; `progress` gets the
/// trials done.
pub fn estimate(
    loaded: &Loaded,
    r: &Resolved,
    progress: &dyn Fn(u64),
) -> anyhow::Result<crate::summary::Summary> {
    let model = crate::compile::Model::compile(&loaded.scenario);
    let acc = crate::simulate::simulate(&model, r.seed, r.trials, r.threads, progress)?;
    Ok(crate::summarise::summarise(
        &loaded.scenario,
        &model,
        &acc,
        r.seed,
        &loaded.overrides,
    ))
}

fn run(file: Option<&Path>, opts: &RunOptions, output: &OutputOptions) -> Result<(), Error> {
    let loaded = load(file, &opts.set)?;
    let r = resolve(opts, &loaded);
    let dir = out_dir(output, &loaded.scenario.name);
    let progress = Progress::new(r.trials, opts.quiet, "simulating");
    let summary = estimate(&loaded, &r, &|d| progress.set(d))?;
    progress.finish();
    let prov = provenance(&loaded, &r);
    let written = publish(&dir, |staging| {
        staging.put(OutputFile::new(
            "summary.json",
            crate::export::json_bytes(&summary)?,
        ));
        crate::artifacts::run_artifacts(&loaded.scenario, &summary, &prov, output, staging)
    })?;
    crate::console::say_done(
        &crate::console::run_table(&loaded.scenario, &summary),
        written,
        &dir,
    );
    Ok(())
}

fn validate(files: &[PathBuf]) -> Result<(), Error> {
    let mut errors = Vec::new();
    for file in files {
        match load_file(file, &[]) {
            Ok(loaded) => {
                let s = &loaded.scenario;
                crate::console::say(&format!(
                    "ok: {} ({:?}: {} capabilities, {} members, {} phases)\n",
                    file.display(),
                    s.name,
                    s.capabilities.len(),
                    s.members.len(),
                    s.phases.len()
                ));
            }
            Err(e) => errors.push(e.0),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InputError(errors.join("\n")).into())
    }
}
