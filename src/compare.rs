//! `compare A B ...` (MODEL.md 4): every plan run on the same seed and trial
//! indices, so each entity shared by two plans draws the same random numbers
//! (common random numbers). Differences to the first plan are estimated from
//! per-trial paired outcomes, whose variance is far smaller than that of
//! independent runs when plans differ in a few parameters.

use crate::artifacts::{Report, chart_formats, stage_figures};
use crate::chart::compare_figures;
use crate::cli::{OutputOptions, Progress, RunOptions, load, out_dir, provenance, resolve, slug};
use crate::compile::Model;
use crate::error::{Error, InputError};
use crate::load::Loaded;
use crate::output::{OutputFile, publish};
use crate::report::{Block, document_files, para, table};
use crate::simulate::{Accumulator, HistogramPool, Tally, for_each_chunk, run_chunk};
use crate::stats::Moments;
use crate::summarise::summarise;
use crate::summary::Summary;
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;

/// z for a two-sided 95% normal interval.
const Z95: f64 = 1.959_963_984_540_054;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub trials: u64,
    pub seed: u64,
    pub scenarios: Vec<Headline>,
    pub paired: Vec<Paired>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    pub name: String,
    pub file: String,
    pub p_met: f64,
    /// Extension: Wilson 95% interval of `p_met`.
    pub p_met_ci95: [f64; 2],
    pub coverage_mean: f64,
    /// Extension: median first time met, over trials where it is met.
    pub time_to_met_p50: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paired {
    pub baseline: usize,
    pub other: usize,
    pub p_met_diff: Difference,
    pub coverage_mean_diff: Difference,
}

/// `other - baseline`, from per-trial paired outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub estimate: f64,
    pub se: f64,
    pub ci95: [f64; 2],
    /// Extension: the standard error the same difference would have from
    /// two independent runs, sqrt(se_a^2 + se_b^2). The ratio to `se` is
    /// what common random numbers buy.
    pub se_independent: f64,
}

impl Difference {
    fn new(paired: &Moments, se_a: f64, se_b: f64) -> Self {
        let se = paired.se();
        Difference {
            estimate: paired.mean,
            se,
            ci95: [paired.mean - Z95 * se, paired.mean + Z95 * se],
            se_independent: (se_a * se_a + se_b * se_b).sqrt(),
        }
    }
}

/// Per-chunk state: each plan's tally, and for each plan after the first
/// the paired differences (P(met), coverage) to the first.
struct ChunkResult {
    tallies: Vec<Tally>,
    diffs: Vec<(Moments, Moments)>,
}

/// Runs every plan on common random numbers; returns the comparison and
/// each plan's full summary.
pub fn compare(
    plans: &[Loaded],
    seed: u64,
    trials: u64,
    threads: usize,
    progress: &dyn Fn(u64),
) -> anyhow::Result<(Comparison, Vec<Summary>)> {
    let models: Vec<Model> = plans.iter().map(|p| Model::compile(&p.scenario)).collect();
    let mut tallies: Vec<Tally> = models.iter().map(Tally::new).collect();
    let mut diffs: Vec<(Moments, Moments)> =
        vec![Default::default(); models.len().saturating_sub(1)];
    let pools: Vec<HistogramPool> = models.iter().map(HistogramPool::new).collect();
    for_each_chunk(
        trials,
        threads,
        |first, count| {
            let runs: Vec<_> = models
                .iter()
                .zip(&pools)
                .map(|(m, pool)| pool.with(|h| run_chunk(m, seed, first, count, true, h)))
                .collect();
            let base = &runs[0].1;
            let diffs = runs[1..]
                .iter()
                .map(|(_, outcomes)| {
                    let mut met = Moments::default();
                    let mut cov = Moments::default();
                    for (a, b) in base.iter().zip(outcomes) {
                        met.push(
                            f64::from(u8::from(b.met_at_horizon))
                                - f64::from(u8::from(a.met_at_horizon)),
                        );
                        cov.push(b.overall_at_horizon - a.overall_at_horizon);
                    }
                    (met, cov)
                })
                .collect();
            ChunkResult {
                tallies: runs.into_iter().map(|(tally, _)| tally).collect(),
                diffs,
            }
        },
        |chunk| {
            for (a, b) in tallies.iter_mut().zip(&chunk.tallies) {
                a.merge(b);
            }
            for ((m, c), (dm, dc)) in diffs.iter_mut().zip(&chunk.diffs) {
                m.merge(dm);
                c.merge(dc);
            }
        },
        progress,
    )?;
    let accumulators: Vec<Accumulator> = tallies
        .into_iter()
        .zip(pools)
        .map(|(tally, pool)| Accumulator {
            tally,
            histograms: pool.into_merged(),
        })
        .collect();

    let summaries: Vec<Summary> = plans
        .iter()
        .zip(&models)
        .zip(&accumulators)
        .map(|((p, m), acc)| summarise(&p.scenario, m, acc, seed, &p.overrides))
        .collect();
    let p_met_se = |s: &Summary| s.guarantee.p_met_se;
    let cov_se = |s: &Summary| s.coverage.overall.se;
    let comparison = Comparison {
        trials,
        seed,
        scenarios: plans
            .iter()
            .zip(&summaries)
            .map(|(p, s)| Headline {
                name: s.scenario.name.clone(),
                file: p.origin.clone(),
                p_met: s.guarantee.p_met,
                p_met_ci95: s.guarantee.p_met_ci95,
                coverage_mean: s.coverage.overall.mean,
                time_to_met_p50: s.guarantee.time_to_met.p50,
            })
            .collect(),
        paired: diffs
            .iter()
            .enumerate()
            .map(|(k, (met, cov))| {
                let (a, b) = (&summaries[0], &summaries[k + 1]);
                Paired {
                    baseline: 0,
                    other: k + 1,
                    p_met_diff: Difference::new(met, p_met_se(a), p_met_se(b)),
                    coverage_mean_diff: Difference::new(cov, cov_se(a), cov_se(b)),
                }
            })
            .collect(),
    };
    Ok((comparison, summaries))
}

pub fn command(files: &[PathBuf], opts: &RunOptions, output: &OutputOptions) -> Result<(), Error> {
    // Load and validate every plan before anything runs or is written.
    let mut plans = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match load(Some(f), &opts.set) {
            Ok(p) => plans.push(p),
            Err(InputError(e)) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(InputError(errors.join("\n")).into());
    }
    let r = resolve(opts, &plans[0]);
    let progress = Progress::new(r.trials * plans.len() as u64, opts.quiet, "comparing");
    let n = plans.len() as u64;
    let (comparison, summaries) = compare(&plans, r.seed, r.trials, r.threads, &|d| {
        progress.set(d * n)
    })?;
    progress.finish();

    let names: Vec<String> = summaries.iter().map(|s| s.scenario.name.clone()).collect();
    let default_dir = format!(
        "compare-{}",
        plans
            .iter()
            .map(|p| slug(&p.scenario.name))
            .collect::<Vec<_>>()
            .join("-vs-")
    );
    let dir = out_dir(output, &default_dir);
    let prov_line = provenance(&plans[0], &r).line("comparison");
    let figures = compare_figures(&names, &summaries, &prov_line);
    let doc = document(&comparison, &figures);
    let report =
        |svgs: &[String]| document_files("comparison", "Plan comparison", &doc, &figures, svgs);
    let report = (!output.no_report).then_some(&report as &Report);
    let written = publish(&dir, |staging| {
        staging.put(OutputFile::new(
            "comparison.json",
            crate::export::json_bytes(&comparison)?,
        ));
        stage_figures(&figures, chart_formats(output.charts), report, staging)
    })?;
    crate::console::say_done(&table_text(&comparison), written, &dir);
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn signed_pp(x: f64) -> String {
    format!("{:+.2} pp", 100.0 * x)
}

/// The comparison table printed on stdout.
pub fn table_text(c: &Comparison) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Plan comparison: {} trials, seed {}, common random numbers\n",
        c.trials, c.seed
    );
    let _ = writeln!(
        s,
        "  {:<3} {:<52} {:>8} {:>10}",
        "#", "plan", "P(met)", "coverage"
    );
    for (i, h) in c.scenarios.iter().enumerate() {
        let name: String = h.name.chars().take(52).collect();
        let _ = writeln!(
            s,
            "  {:<3} {:<52} {:>8} {:>10.3}",
            i,
            name,
            pct(h.p_met),
            h.coverage_mean
        );
    }
    let _ = writeln!(
        s,
        "\n  Paired differences to plan 0 (other - baseline), 95% intervals:"
    );
    for p in &c.paired {
        let d = &p.p_met_diff;
        let _ = writeln!(
            s,
            "  plan {}: P(met) {} ({} to {}), se {:.5} (independent runs: {:.5}, {:.0}x larger)",
            p.other,
            signed_pp(d.estimate),
            signed_pp(d.ci95[0]),
            signed_pp(d.ci95[1]),
            d.se,
            d.se_independent,
            if d.se > 0.0 {
                d.se_independent / d.se
            } else {
                f64::INFINITY
            }
        );
        let d = &p.coverage_mean_diff;
        let _ = writeln!(
            s,
            "          mean coverage {:+.4} ({:+.4} to {:+.4}), se {:.5}",
            d.estimate, d.ci95[0], d.ci95[1], d.se
        );
    }
    s
}

/// The comparison report: headline table, paired differences, charts.
fn document(c: &Comparison, figures: &[crate::chart::Figure]) -> Vec<Block> {
    let mut doc = vec![
        Block::Heading(1, "Plan comparison".into()),
        para(format!(
            "{} trials, seed {}. Every plan runs on the same random numbers (common random numbers), \
             so differences come from the plans, not from chance; intervals are from per-trial paired outcomes.",
            c.trials, c.seed
        )),
        Block::Heading(2, "Plans".into()),
        table(
            &[
                "#",
                "plan",
                "file",
                "P(met at horizon)",
                "95% interval",
                "mean coverage",
                "first met (median month)",
            ],
            c.scenarios
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    vec![
                        i.to_string(),
                        h.name.clone(),
                        h.file.clone(),
                        pct(h.p_met),
                        format!("{} – {}", pct(h.p_met_ci95[0]), pct(h.p_met_ci95[1])),
                        format!("{:.3}", h.coverage_mean),
                        h.time_to_met_p50
                            .map_or("never".into(), |m| format!("{m:.1}")),
                    ]
                })
                .collect(),
            &[0, 3, 5, 6],
        ),
        Block::Heading(2, "Differences to plan 0".into()),
        table(
            &[
                "plan",
                "P(met) difference",
                "95% interval",
                "paired se",
                "se if run independently",
                "coverage difference",
            ],
            c.paired
                .iter()
                .map(|p| {
                    let d = &p.p_met_diff;
                    vec![
                        format!("{} vs 0", p.other),
                        signed_pp(d.estimate),
                        format!("{} to {}", signed_pp(d.ci95[0]), signed_pp(d.ci95[1])),
                        format!("{:.5}", d.se),
                        format!("{:.5}", d.se_independent),
                        format!("{:+.4}", p.coverage_mean_diff.estimate),
                    ]
                })
                .collect(),
            &[1, 3, 4, 5],
        ),
        Block::Heading(2, "Charts".into()),
    ];
    doc.extend((0..figures.len()).map(Block::Figure));
    doc
}
