//! Raw flags -> validated options: what each command is asked to do, with
//! every flag value checked that can be checked without the scenario (sweep
//! values, the chart formats), and the helpers that finish the job once the
//! scenario is loaded (seed / trials / threads, the output directory).

use crate::cli::flags::{ChartsFlag, Cli, Command, OutputOptions, RunOptions};
use crate::error::Error;
use crate::publish::Destination;
use crate::render::chart::ChartFormat;
use crate::render::provenance::Provenance;
use guarantee_sim_core::analysis::estimate::RunConfig;
use guarantee_sim_core::analysis::solve::{Metric, Request};
use guarantee_sim_core::analysis::sweep::SweepValue;
use guarantee_sim_core::analysis::variants::Resolved;
use guarantee_sim_core::input::load::{Loaded, load_file, load_str, sha256_hex};
use std::path::{Path, PathBuf};

/// A command, its flags checked.
#[derive(Debug, Clone)]
pub enum Task {
    /// `file: None` runs the built-in default scenario.
    Run {
        file: Option<PathBuf>,
        /// `--per-trial FILE.csv`: where the per-trial rows go, if asked.
        per_trial: Option<PathBuf>,
        sim: Simulation,
        output: Output,
    },
    Validate {
        files: Vec<PathBuf>,
    },
    Compare {
        files: Vec<PathBuf>,
        sim: Simulation,
        output: Output,
    },
    Sweep {
        file: PathBuf,
        /// One key with its values, or two (a two-way grid).
        axes: Vec<(String, Vec<SweepValue>)>,
        /// The P(met) level a grid's contour marks.
        target: f64,
        sim: Simulation,
        output: Output,
    },
    Solve {
        file: PathBuf,
        request: Request,
        sim: Simulation,
        output: Output,
    },
    Sensitivity {
        file: PathBuf,
        sim: Simulation,
        output: Output,
    },
}

/// What to simulate and how.
#[derive(Debug, Clone, Default)]
pub struct Simulation {
    /// `--set KEY=VALUE` flags, as typed.
    pub overrides: Vec<String>,
    /// Seed, trials and threads the flags fix (the scenario fills the rest).
    pub config: RunConfig,
    pub quiet: bool,
}

/// Where and what to write.
#[derive(Debug, Clone)]
pub struct Output {
    /// `--out`; `None`: `output/<slug of the command's default name>`.
    pub out: Option<PathBuf>,
    pub charts: &'static [ChartFormat],
    pub report: bool,
}

impl Task {
    pub fn from_flags(cli: Cli) -> Result<Task, Error> {
        Ok(match cli.command {
            None => Task::Run {
                file: None,
                per_trial: None,
                sim: Simulation::from_flags(&RunOptions::default()),
                output: Output::from_flags(&OutputOptions::default()),
            },
            Some(Command::Run {
                file,
                precision,
                per_trial,
                opts,
                output,
            }) => {
                let mut sim = Simulation::from_flags(&opts);
                if let Some(p) = precision {
                    if !(p > 0.0 && p <= 0.5) {
                        return Err(Error::Usage(format!(
                            "error: --precision {p}: give the half-width of P(met)'s 95% interval, \
                             in (0, 0.5], e.g. 0.005"
                        )));
                    }
                    sim.config.precision = Some(p);
                }
                Task::Run {
                    file,
                    per_trial,
                    sim,
                    output: Output::from_flags(&output),
                }
            }
            Some(Command::Validate { files }) => Task::Validate { files },
            Some(Command::Compare {
                files,
                opts,
                output,
            }) => Task::Compare {
                files,
                sim: Simulation::from_flags(&opts),
                output: Output::from_flags(&output),
            },
            Some(Command::Sweep {
                file,
                param,
                values,
                target,
                opts,
                output,
            }) => {
                if param.len() != values.len() || param.len() > 2 {
                    return Err(Error::Usage(format!(
                        "error: sweep takes one or two --param KEY, each with its own --values; \
                         got {} --param and {} --values",
                        param.len(),
                        values.len()
                    )));
                }
                if !(0.0..=1.0).contains(&target) {
                    return Err(Error::Usage(format!(
                        "error: --target {target}: a probability in [0, 1] is expected"
                    )));
                }
                let mut axes = Vec::new();
                for (param, values) in param.into_iter().zip(values) {
                    let values = parse_sweep_values(&values)
                        .map_err(|e| Error::Usage(format!("error: --values {values}: {e}")))?;
                    if param.contains('=') {
                        return Err(Error::Usage(format!(
                            "error: --param {param}: give the key only, e.g. member.us.join"
                        )));
                    }
                    axes.push((param, values));
                }
                if let [(a, _), (b, _)] = &axes[..]
                    && a == b
                {
                    return Err(Error::Usage(format!(
                        "error: --param {a} given twice: a grid needs two different keys"
                    )));
                }
                if axes.iter().map(|(_, v)| v.len()).product::<usize>() > MAX_POINTS {
                    return Err(Error::Usage(format!(
                        "error: a grid of more than {MAX_POINTS} points; use fewer values"
                    )));
                }
                Task::Sweep {
                    file,
                    axes,
                    target,
                    sim: Simulation::from_flags(&opts),
                    output: Output::from_flags(&output),
                }
            }
            Some(Command::Solve {
                file,
                param,
                target,
                metric,
                between,
                opts,
                output,
            }) => Task::Solve {
                file,
                request: solve_request(param, target, &metric, between.as_deref())?,
                sim: Simulation::from_flags(&opts),
                output: Output::from_flags(&output),
            },
            Some(Command::Sensitivity { file, opts, output }) => Task::Sensitivity {
                file,
                sim: Simulation::from_flags(&opts),
                output: Output::from_flags(&output),
            },
        })
    }
}

impl Simulation {
    fn from_flags(opts: &RunOptions) -> Simulation {
        Simulation {
            overrides: opts.set.clone(),
            config: RunConfig {
                seed: opts.seed,
                trials: opts.trials,
                threads: opts.threads.map(usize::from),
                precision: None,
                outer: opts.outer,
            },
            quiet: opts.quiet,
        }
    }

    /// Seed, trials and threads for a loaded scenario: the flags', else the
    /// scenario's, else the defaults.
    pub fn resolve(&self, loaded: &Loaded) -> Resolved {
        self.config.resolve(&loaded.scenario)
    }
}

impl Output {
    fn from_flags(output: &OutputOptions) -> Output {
        Output {
            out: output.out.clone(),
            charts: chart_formats(output.charts),
            report: !output.no_report,
        }
    }

    /// The output directory, `--out` or `output/<default folder name>`
    /// (see `folder_name`), checked before any work is done (a bad one is
    /// a bad flag value).
    pub fn destination(
        &self,
        default_name: &str,
        overrides: &[String],
    ) -> Result<Destination, Error> {
        let dir = self
            .out
            .clone()
            .unwrap_or_else(|| Path::new("output").join(folder_name(default_name, overrides)));
        Destination::check(&dir).map_err(Error::Usage)
    }
}

/// The chart formats a `--charts` flag asks for.
fn chart_formats(flag: ChartsFlag) -> &'static [ChartFormat] {
    match flag {
        ChartsFlag::Png => &[ChartFormat::Png],
        ChartsFlag::Svg => &[ChartFormat::Svg],
        ChartsFlag::Both => &[ChartFormat::Png, ChartFormat::Svg],
        ChartsFlag::None => &[],
    }
}

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

/// A `solve` request, its flags checked as far as they can be without the
/// scenario (the core checks the rest before anything runs).
fn solve_request(
    param: String,
    target: f64,
    metric: &str,
    between: Option<&str>,
) -> Result<Request, Error> {
    if param.contains('=') {
        return Err(Error::Usage(format!(
            "error: --param {param}: give the key only, e.g. member.us.join"
        )));
    }
    let metric = Metric::parse(metric).ok_or_else(|| {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        Error::Usage(format!(
            "error: --metric {metric}: give one of {}",
            names.join(", ")
        ))
    })?;
    if !(target.is_finite() && (0.0..=1.0).contains(&target)) {
        return Err(Error::Usage(format!(
            "error: --target {target}: {} is in [0, 1]; give a target in it, e.g. 0.9",
            metric.name()
        )));
    }
    let between = between
        .map(|spec| {
            parse_between(spec).map_err(|e| Error::Usage(format!("error: --between {spec}: {e}")))
        })
        .transpose()?;
    Ok(Request {
        param,
        metric,
        target,
        between,
    })
}

/// Parses `LO:HI` (finite numbers, LO < HI).
pub fn parse_between(spec: &str) -> Result<[f64; 2], String> {
    let Some((lo, hi)) = spec.split_once(':') else {
        return Err("give the range as LO:HI, e.g. 0:5000".into());
    };
    let number = |s: &str| -> Result<f64, String> {
        let t = s.trim();
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("`{t}` is not a finite number")),
        }
    };
    let (lo, hi) = (number(lo)?, number(hi)?);
    if lo >= hi {
        return Err(format!("LO {lo} must be less than HI {hi}"));
    }
    Ok([lo, hi])
}

/// Most points a sweep may have (a typo like 0:1:0.0001 should not run for hours).
pub const MAX_POINTS: usize = 1000;

/// The characters that make `--values` a list of TOML values: the
/// separator, and what starts an inline table, an array or a string (none
/// can appear in the numeric forms).
const TOML_LIST_MARKS: &[char] = &[';', '{', '[', '"', '\''];

/// Parses `--values`: a list of TOML values separated by `;` when it has a
/// `;` (or an inline table, an array or a string: a single value), else the
/// numeric forms of `parse_values`. Each TOML value is checked later,
/// exactly as `--set` checks it, when its point is loaded.
pub fn parse_sweep_values(spec: &str) -> Result<Vec<SweepValue>, String> {
    if !spec.contains(TOML_LIST_MARKS) {
        return match parse_values(spec) {
            Ok(values) => Ok(values.into_iter().map(SweepValue::number).collect()),
            Err(e) if !e.contains("not a finite number") => Err(e),
            Err(e) => Err(format!(
                "{e}; to sweep other TOML values (distributions, words), separate them with `;`, \
                 e.g. '{{ pert = [50, 70, 90] }}; {{ pert = [60, 80, 100] }}'"
            )),
        };
    }
    let items = split_toml_list(spec);
    // A trailing `;` is allowed (it makes a single bare word a list).
    let last = items.len() - 1;
    let mut values = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.trim().is_empty() {
            if i == last && i > 0 {
                continue;
            }
            return Err(format!(
                "value {} of the `;`-separated list is empty",
                i + 1
            ));
        }
        values.push(SweepValue::toml(item));
    }
    if values.len() > MAX_POINTS {
        return Err(format!(
            "more than the {MAX_POINTS} points a sweep may have"
        ));
    }
    Ok(values)
}

/// `spec` split at each `;` outside TOML strings (`"..."` with `\`
/// escapes, `'...'` without), so a string may hold a `;`.
fn split_toml_list(spec: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut start, mut quote, mut escaped) = (0, None, false);
    for (i, c) in spec.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == ';' => {
                items.push(&spec[start..i]);
                start = i + 1;
            }
            None => {}
        }
    }
    items.push(&spec[start..]);
    items
}

/// Parses `V1,V2,...` or `START:STOP:STEP` (STOP included when it lies on
/// the grid, up to rounding).
pub fn parse_values(spec: &str) -> Result<Vec<f64>, String> {
    let number = |s: &str| -> Result<f64, String> {
        let t = s.trim();
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("`{t}` is not a finite number")),
        }
    };
    let values = if spec.contains(':') {
        let parts: Vec<&str> = spec.split(':').collect();
        let [start, stop, step] = parts[..] else {
            return Err("a range is START:STOP:STEP, e.g. 0:1:0.1".into());
        };
        let (start, stop, step) = (number(start)?, number(stop)?, number(step)?);
        if step == 0.0 || (stop - start) * step < 0.0 {
            return Err(format!(
                "STEP {step} never reaches STOP {stop} from START {start}"
            ));
        }
        let steps = ((stop - start) / step * (1.0 + 1e-12) + 1e-9).floor();
        if steps >= MAX_POINTS as f64 {
            let points = steps + 1.0;
            let points = match points < 1e15 {
                true => format!("{points:.0}"),
                false => format!("{points:.1e}"),
            };
            return Err(format!(
                "{points} points is more than the {MAX_POINTS} a sweep may have"
            ));
        }
        // start + k*step, rounded to 12 significant digits so 0.1 steps print as 0.3, not 0.30000000000000004.
        (0..=steps as usize)
            .map(|k| {
                let v = start + k as f64 * step;
                format!("{v:.12e}").parse::<f64>().unwrap_or(v)
            })
            .collect()
    } else {
        spec.split(',').map(number).collect::<Result<Vec<_>, _>>()?
    };
    if values.is_empty() {
        return Err("no values".into());
    }
    if values.len() > MAX_POINTS {
        return Err(format!(
            "more than the {MAX_POINTS} points a sweep may have"
        ));
    }
    Ok(values)
}

/// Most characters of a default folder name's parts (the scenario's, the
/// overrides').
const MAX_SLUG: usize = 60;

/// A file-system-friendly name: lowercase ASCII letters, digits and single
/// dashes, at most `MAX_SLUG` characters, cut at a dash (between words),
/// not inside a word.
pub fn slug(name: &str) -> String {
    let s = cut_between_words(words(name));
    match s.is_empty() {
        true => "scenario".to_string(),
        false => s,
    }
}

/// `text` as lowercase ASCII letters and digits with single dashes between
/// runs of them, uncut.
fn words(text: &str) -> String {
    let mut s = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            s.push(ch.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// `words` cut to at most `MAX_SLUG` characters at a dash.
fn cut_between_words(mut s: String) -> String {
    if s.len() > MAX_SLUG {
        let cut = s[..=MAX_SLUG]
            .rfind('-')
            .filter(|&i| i > 0)
            .unwrap_or(MAX_SLUG);
        s.truncate(cut);
    }
    s
}

/// The default output folder of a command: the slug of its name and, for
/// a what-if, of its `--set` overrides (`--member-us-join-0-5`), with a
/// short hash of the overrides when that slug had to be cut, so a what-if
/// never writes over the plain run or over another what-if.
pub fn folder_name(name: &str, overrides: &[String]) -> String {
    let base = slug(name);
    if overrides.is_empty() {
        return base;
    }
    let joined = overrides.join(" ");
    let full = words(&joined);
    let what_if = cut_between_words(full.clone());
    match what_if.len() < full.len() {
        false => format!("{base}--{what_if}"),
        true => format!("{base}--{what_if}-{}", &sha256_hex(joined.as_bytes())[..8]),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_values;

    #[test]
    fn values_lists_and_ranges() {
        assert_eq!(parse_values("0,0.5,1").unwrap(), vec![0.0, 0.5, 1.0]);
        assert_eq!(
            parse_values("0:1:0.25").unwrap(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(parse_values("0:1:0.1").unwrap().len(), 11);
        assert_eq!(parse_values("0:1:0.1").unwrap()[3], 0.3);
        assert_eq!(parse_values("0:1:0.3").unwrap(), vec![0.0, 0.3, 0.6, 0.9]);
        assert_eq!(parse_values("1:0:-0.5").unwrap(), vec![1.0, 0.5, 0.0]);
        assert!(parse_values("0:1:0").is_err());
        assert!(parse_values("0:1:-0.1").is_err());
        assert!(parse_values("0:1").is_err());
        assert!(parse_values("a,1").is_err());
        assert!(parse_values("0:1:0.000001").is_err());
        assert!(parse_values("nan").is_err());
    }

    #[test]
    fn toml_values_are_separated_by_semicolons() {
        use super::parse_sweep_values;
        let texts = |spec: &str| -> Vec<String> {
            parse_sweep_values(spec)
                .unwrap()
                .into_iter()
                .map(|v| v.text)
                .collect()
        };
        assert_eq!(
            texts("{ pert = [50, 70, 90] }; { pert = [60, 80, 100] }"),
            ["{ pert = [50, 70, 90] }", "{ pert = [60, 80, 100] }"]
        );
        // One value: an inline table needs no `;`; a bare word takes a trailing one.
        assert_eq!(texts("{ uniform = [1, 4] }"), ["{ uniform = [1, 4] }"]);
        assert_eq!(texts("us;"), ["us"]);
        assert_eq!(texts("us; de ;"), ["us", "de"]);
        // A `;` inside a string does not separate.
        assert_eq!(
            texts(r#""a;b"; 'c;d'; "e\";f""#),
            [r#""a;b""#, "'c;d'", r#""e\";f""#]
        );
        // Numbers in a list are numbers; numeric forms stay numbers.
        let v = parse_sweep_values("0.5; { uniform = [0.3, 0.7] }").unwrap();
        assert_eq!(v[0].number, Some(0.5));
        assert_eq!(v[1].number, None);
        assert_eq!(v[1].label, "uniform 0.3-0.7");
        let n = parse_sweep_values("0:1:0.5").unwrap();
        assert_eq!(
            n.iter().map(|v| v.number).collect::<Vec<_>>(),
            [Some(0.0), Some(0.5), Some(1.0)]
        );
        assert_eq!(n[2].text, "1");
        // Empty values, and numeric errors that say how to give TOML values.
        assert!(parse_sweep_values("1;;2").unwrap_err().contains("value 2"));
        assert!(parse_sweep_values(";").is_err());
        assert!(parse_sweep_values(" ; 1").is_err());
        let e = parse_sweep_values("0,abc").unwrap_err();
        assert!(e.contains("abc") && e.contains("`;`"), "{e}");
    }

    #[test]
    fn between_is_lo_colon_hi() {
        use super::parse_between;
        assert_eq!(parse_between("0:5000").unwrap(), [0.0, 5000.0]);
        assert_eq!(parse_between("-1:1").unwrap(), [-1.0, 1.0]);
        assert!(parse_between("1:1").is_err());
        assert!(parse_between("2:1").is_err());
        assert!(parse_between("0").is_err());
        assert!(parse_between("0:inf").is_err());
        assert!(parse_between("a:1").is_err());
    }

    #[test]
    fn folder_names_say_the_what_if_and_are_cut_between_words() {
        use super::{folder_name, slug};
        assert_eq!(
            folder_name("Coalition, Aug 2025", &[]),
            "coalition-aug-2025"
        );
        assert_eq!(
            folder_name("Coalition", &["member.us.join=0.5".into()]),
            "coalition--member-us-join-0-5"
        );
        // Different what-ifs, different folders; the same, the same.
        let a = folder_name("C", &["member.us.join=0.5".into()]);
        let b = folder_name("C", &["member.us.join=0.6".into()]);
        assert_ne!(a, b);
        assert_eq!(a, folder_name("C", &["member.us.join=0.5".into()]));
        // Long: cut between words, with a hash that tells them apart.
        let long = |v: &str| {
            folder_name(
                "C",
                &[
                    "phase.us_support.lag_months={ uniform = [0, 1] }".into(),
                    format!("member.germany_and_the_nordics.join={v}"),
                ],
            )
        };
        let (x, y) = (long("0.5"), long("0.6"));
        assert_ne!(x, y);
        assert!(x.len() <= 2 + 60 + 2 + 9, "{x}");
        let words = x.trim_start_matches("c--");
        let (cut, hash) = words.rsplit_once('-').unwrap();
        assert_eq!(hash.len(), 8, "{x}");
        assert!(slug("phase.us_support.lag_months={ uniform = [0, 1] } member.germany_and_the_nordics.join=0.5")
            .starts_with(cut));
        assert!(!cut.ends_with('-'));
        let name = "A very long scenario name that goes on and on beyond sixty characters";
        let s = slug(name);
        assert!(
            s.len() <= 60
                && "a-very-long-scenario-name-that-goes-on-and-on-beyond-sixty-characters"
                    .starts_with(&s)
        );
        assert!(s.ends_with("sixty"), "cut between words: {s}");
    }
}
