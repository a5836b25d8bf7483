//! `compare A B ...`: plans on common random numbers, paired differences
//! to the first.

use crate::cli::options::{Output, Simulation, provenance, slug};
use crate::cli::progress::Progress;
use crate::error::Error;
use crate::render::chart::{Figure, compare_figures};
use crate::render::figures::{Report, figure_files};
use crate::render::report::{Block, document_files, para, table};
use crate::render::{OutputFile, console, json, tables};
use guarantee_sim_core::analysis::compare::{Comparison, Difference, MAX_PLANS, SharedIds};
use guarantee_sim_core::input::load::load_file;
use std::fmt::Write;
use std::path::PathBuf;

pub fn compare(files: &[PathBuf], sim: &Simulation, output: &Output) -> Result<(), Error> {
    if files.len() > MAX_PLANS {
        return Err(Error::Usage(format!(
            "error: {} plans given; compare takes at most {MAX_PLANS}",
            files.len()
        )));
    }
    // Validate every plan before anything runs or is written, holding one
    // at a time (the core loads each again when its pass comes).
    let load = |k: usize| load_file(&files[k], &sim.overrides);
    let mut slugs = Vec::new();
    let mut errors = Vec::new();
    for k in 0..files.len() {
        match load(k) {
            Ok(p) => slugs.push(slug(&p.scenario.name)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    let dest = output.destination(&format!("compare-{}", slugs.join("-vs-")), &sim.overrides)?;
    let baseline = load(0)?;
    let r = sim.resolve(&baseline);
    let progress = Progress::new(r.trials * files.len() as u64, sim.quiet, "comparing");
    let (comparison, summaries) =
        guarantee_sim_core::compare(files.len(), &load, &r, &|d| progress.set(d))?;
    progress.finish();

    let names: Vec<String> = summaries.iter().map(|s| s.scenario.name.clone()).collect();
    let prov_line = provenance(&baseline, &r).line("comparison");
    let figures = compare_figures(&names, &summaries, &comparison, &prov_line);
    let doc = document(&comparison, &figures);
    let report = |svgs: &[String]| {
        document_files(
            "comparison",
            "Plan comparison",
            &doc,
            &figures,
            svgs,
            output.charts,
        )
    };
    let report = output.report.then_some(&report as &Report);
    let mut out = vec![OutputFile::new(
        "comparison.json",
        json::json_bytes(&comparison)?,
    )];
    out.push(tables::comparison_table(&comparison)?);
    out.extend(figure_files(&figures, output.charts, report)?);
    let written = dest.publish(out)?;
    console::say_done(&table_text(&comparison), written, dest.dir());
    for warning in crn_warnings(&comparison) {
        console::say_err(&format!("warning: {warning}\n"));
    }
    Ok(())
}

/// A signed difference to 4 decimals; one that rounds to zero is `+0.0000`,
/// never `-0.0000`.
fn signed4(x: f64) -> String {
    let rounded = (x * 1e4).round() / 1e4;
    format!("{:+.4}", rounded + 0.0)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// A difference in percentage points to 2 decimals, never `-0.00`.
fn signed_pp(x: f64) -> String {
    let rounded = (x * 1e4).round() / 1e2;
    format!("{:+.2} pp", rounded + 0.0)
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
            "  plan {}: P(met) {} ({} to {}), se {:.5} (independent runs: {:.5}{})",
            p.other,
            signed_pp(d.estimate),
            signed_pp(d.ci95[0]),
            signed_pp(d.ci95[1]),
            d.se,
            d.se_independent,
            match d.se > 0.0 {
                // One decimal below 10x, so 1.45 does not read as "1x".
                true => match d.se_independent / d.se {
                    r if r < 10.0 => format!(", {r:.1}x larger"),
                    r => format!(", {r:.0}x larger"),
                },
                // Every trial paired the same outcome: no ratio to give.
                false => String::new(),
            }
        );
        let d = &p.coverage_mean_diff;
        let _ = writeln!(
            s,
            "          mean coverage {} ({} to {}), se {:.5}",
            signed4(d.estimate),
            signed4(d.ci95[0]),
            signed4(d.ci95[1]),
            d.se
        );
        if let Some(d) = &p.p_failed_diff {
            let _ = writeln!(
                s,
                "          P(attacked and not honoured) {} ({} to {})",
                signed_pp(d.estimate),
                signed_pp(d.ci95[0]),
                signed_pp(d.ci95[1])
            );
        }
        match &p.p_honoured_given_attack_diff {
            Some(Some(d)) => {
                let _ = writeln!(
                    s,
                    "          P(honoured | attack) {} ({} to {})",
                    signed_pp(d.estimate),
                    signed_pp(d.ci95[0]),
                    signed_pp(d.ci95[1])
                );
            }
            Some(None) => {
                let _ = writeln!(s, "          P(honoured | attack): a plan has no attack");
            }
            None => {}
        }
    }
    s
}

/// With `[attack]` in a plan (docs/model.md 7): each plan's response
/// figures and their paired differences to plan 0.
fn response_blocks(c: &Comparison) -> Vec<Block> {
    if c.scenarios.iter().all(|h| h.p_failed.is_none()) {
        return Vec::new();
    }
    let interval = |d: &Difference| {
        format!(
            "{} ({} to {})",
            signed_pp(d.estimate),
            signed_pp(d.ci95[0]),
            signed_pp(d.ci95[1])
        )
    };
    let rows = c
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let paired = c.paired.iter().find(|p| p.other == i);
            vec![
                i.to_string(),
                h.name.clone(),
                h.p_honoured_given_attack
                    .flatten()
                    .map_or("no attack".into(), pct),
                h.p_failed.map_or(String::new(), pct),
                paired
                    .and_then(|p| p.p_honoured_given_attack_diff.clone().flatten())
                    .map_or(String::new(), |d| interval(&d)),
                paired
                    .and_then(|p| p.p_failed_diff.as_ref())
                    .map_or(String::new(), interval),
            ]
        })
        .collect();
    vec![
        Block::Heading(2, "If the guarantee is tested".into()),
        para(
            "P(honoured | attack) is over the trials with a renewed attack within the horizon;              P(failed) is the chance of an attack that is not answered. Differences are paired              (the ratio's interval by the delta method)."
                .to_string(),
        ),
        table(
            &[
                "#",
                "plan",
                "P(honoured | attack)",
                "P(failed)",
                "honoured difference to plan 0",
                "failed difference to plan 0",
            ],
            rows,
            &[0, 2, 3, 4, 5],
        ),
    ]
}

/// The comparison report: headline table, paired differences, charts.
/// For each plan that shares few ids with the baseline, a sentence saying
/// so and which ids differ: draws are keyed by ids, so its paired
/// difference is hardly more precise than one of independent runs.
fn crn_warnings(c: &Comparison) -> Vec<String> {
    let list = |ids: &[String]| match ids.len() {
        0 => "none".to_string(),
        n if n <= 12 => ids.join(", "),
        n => format!("{}, and {} more", ids[..12].join(", "), n - 12),
    };
    c.paired
        .iter()
        .filter(|p| p.shared_ids.share < SharedIds::FEW)
        .map(|p| {
            let s = &p.shared_ids;
            format!(
                "plan {} shares only {:.0}% of its ids with plan 0, so their random draws are mostly \
                 not common and the paired difference is little more precise than independent runs. \
                 Only in plan 0: {}. Only in plan {}: {}.",
                p.other,
                100.0 * s.share,
                list(&s.only_in_baseline),
                p.other,
                list(&s.only_in_other)
            )
        })
        .collect()
}

fn document(c: &Comparison, figures: &[Figure]) -> Vec<Block> {
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
                        signed4(p.coverage_mean_diff.estimate),
                    ]
                })
                .collect(),
            &[1, 3, 4, 5],
        ),
    ];
    doc.extend(response_blocks(c));
    let warnings = crn_warnings(c);
    if !warnings.is_empty() {
        doc.push(Block::Heading(
            2,
            "Common random numbers mostly lost".into(),
        ));
        doc.extend(warnings.into_iter().map(para));
    }
    doc.push(Block::Heading(2, "Charts".into()));
    doc.extend((0..figures.len()).map(Block::Figure));
    doc
}

#[cfg(test)]
mod tests {
    use super::{signed_pp, signed4};

    #[test]
    fn differences_that_round_to_zero_have_no_minus_sign() {
        assert_eq!(signed4(-0.00001), "+0.0000");
        assert_eq!(signed4(-0.0), "+0.0000");
        assert_eq!(signed4(-0.00006), "-0.0001");
        assert_eq!(signed_pp(-0.000001), "+0.00 pp");
        assert_eq!(signed_pp(0.0581), "+5.81 pp");
        assert_eq!(signed_pp(-0.3505), "-35.05 pp");
    }
}
