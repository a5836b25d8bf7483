//! `sensitivity FILE` (MODEL.md 4): what if this member stays out, or
//! commits for sure? Every member's join probability is forced to 0 and to 1
//! (its `join_without` too, so the answer does not depend on who it
//! requires), and, as the analyst's next question, every capability's need
//! is moved by -20% and +20%. All variants run on the same seed and trial
//! indices (common random numbers), in one pass over the chunks.

use crate::chart::tornado_chart;
use crate::cli::{OutputOptions, Progress, RunOptions, load, out_dir, provenance, resolve};
use crate::compile::Model;
use crate::error::Error;
use crate::output::{OutputFile, write_all};
use crate::scenario::Scenario;
use crate::simulate::{for_each_chunk, run_outcomes};
use crate::stats::{Moments, wilson95};
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// Relative change of each capability's need in the need sensitivity.
pub const NEED_CHANGE: f64 = 0.2;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub trials: u64,
    pub seed: u64,
    pub baseline: Baseline,
    /// Sorted by swing, largest first.
    pub members: Vec<MemberSwing>,
    /// Extension: each capability's need -20% / +20%, sorted by swing.
    pub capabilities: Vec<NeedSwing>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    pub p_met: f64,
    /// Extension.
    pub p_met_ci95: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberSwing {
    pub id: String,
    /// P(met at the horizon) with the member's join probability forced to 0.
    pub p_met_out: f64,
    /// ... forced to 1.
    pub p_met_in: f64,
    /// `p_met_in - p_met_out`.
    pub swing: f64,
    /// Extension: standard error of `swing` from paired trials.
    pub swing_se: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedSwing {
    pub id: String,
    pub need: f64,
    /// P(met) with the need 20% lower.
    pub p_met_need_low: f64,
    /// P(met) with the need 20% higher.
    pub p_met_need_high: f64,
    /// `p_met_need_low - p_met_need_high`.
    pub swing: f64,
}

/// Variant `k` of the scenario: 0 is the baseline, then come (low, high)
/// pairs, `2p + 1` and `2p + 2` for pair `p`: each member out and in, then
/// each capability's need -20% and +20%.
fn variant(base: &Scenario, k: usize) -> Scenario {
    let mut s = base.clone();
    let Some(k) = k.checked_sub(1) else {
        return s;
    };
    let (pair, high) = (k / 2, k % 2 == 1);
    match pair.checked_sub(base.members.len()) {
        None => {
            let p = if high { 1.0 } else { 0.0 };
            s.members[pair].join = p;
            s.members[pair].join_without = p;
        }
        Some(c) => {
            s.capabilities[c].need *= if high {
                1.0 + NEED_CHANGE
            } else {
                1.0 - NEED_CHANGE
            }
        }
    }
    s
}

pub fn sensitivity(
    scenario: &Scenario,
    seed: u64,
    trials: u64,
    threads: usize,
    progress: &dyn Fn(u64),
) -> anyhow::Result<Sensitivity> {
    let pairs = scenario.members.len() + scenario.capabilities.len();
    // Trials met at the horizon per variant, and per pair the paired
    // moments of high - low.
    let mut met = vec![0u64; 1 + 2 * pairs];
    let mut swings = vec![Moments::default(); pairs];
    // Pass by pass, the baseline and then each pair, so that only one
    // pass's models are alive at a time: there are two per member and
    // capability, and a large scenario's model takes megabytes (all of them
    // at once took 24 GB on one). Variant runs done, for `progress`.
    let mut done = 0;
    for pass in 0..=pairs {
        let ks = match pass {
            0 => vec![0],
            _ => vec![2 * pass - 1, 2 * pass],
        };
        let models: Vec<Model> = ks
            .iter()
            .map(|&k| Model::compile(&variant(scenario, k)))
            .collect();
        let runs = models.len() as u64;
        for_each_chunk(
            trials,
            threads,
            |first, count| {
                let outcomes: Vec<Vec<bool>> = models
                    .iter()
                    .map(|m| {
                        run_outcomes(m, seed, first, count)
                            .iter()
                            .map(|t| t.met_at_horizon)
                            .collect()
                    })
                    .collect();
                let met: Vec<u64> = outcomes
                    .iter()
                    .map(|o| o.iter().filter(|&&m| m).count() as u64)
                    .collect();
                let swing = (outcomes.len() == 2).then(|| {
                    let mut d = Moments::default();
                    for (lo, hi) in outcomes[0].iter().zip(&outcomes[1]) {
                        d.push(f64::from(u8::from(*hi)) - f64::from(u8::from(*lo)));
                    }
                    d
                });
                (met, swing)
            },
            |(chunk_met, swing)| {
                for (&k, m) in ks.iter().zip(chunk_met) {
                    met[k] += m;
                }
                if let Some(d) = swing {
                    swings[pass - 1].merge(&d);
                }
            },
            &|n| progress(done + n * runs),
        )?;
        done += trials * runs;
    }

    let p = |k: usize| met[k] as f64 / trials as f64;
    let n_members = scenario.members.len();
    let mut members: Vec<MemberSwing> = scenario
        .members
        .iter()
        .enumerate()
        .map(|(m, member)| {
            let (out, inn) = (p(1 + 2 * m), p(2 + 2 * m));
            MemberSwing {
                id: member.id.clone(),
                p_met_out: out,
                p_met_in: inn,
                swing: inn - out,
                swing_se: swings[m].se(),
            }
        })
        .collect();
    members.sort_by(|a, b| b.swing.total_cmp(&a.swing).then_with(|| a.id.cmp(&b.id)));
    let mut capabilities: Vec<NeedSwing> = scenario
        .capabilities
        .iter()
        .enumerate()
        .map(|(c, cap)| {
            let k = n_members + c;
            let (low, high) = (p(1 + 2 * k), p(2 + 2 * k));
            NeedSwing {
                id: cap.id.clone(),
                need: cap.need,
                p_met_need_low: low,
                p_met_need_high: high,
                swing: low - high,
            }
        })
        .collect();
    capabilities.sort_by(|a, b| b.swing.total_cmp(&a.swing).then_with(|| a.id.cmp(&b.id)));
    Ok(Sensitivity {
        trials,
        seed,
        baseline: Baseline {
            p_met: p(0),
            p_met_ci95: wilson95(met[0], trials),
        },
        members,
        capabilities,
    })
}

pub fn command(file: &Path, opts: &RunOptions, output: &OutputOptions) -> Result<(), Error> {
    let loaded = load(Some(file), &opts.set)?;
    let r = resolve(opts, &loaded);
    let scenario = &loaded.scenario;
    let runs = 1 + 2 * (scenario.members.len() + scenario.capabilities.len()) as u64;
    let progress = Progress::new(r.trials * runs, opts.quiet, "sensitivity");
    let result = sensitivity(scenario, r.seed, r.trials, r.threads, &|d| {
        progress.set(d * runs)
    })?;
    progress.finish();

    let names = |id: &str| {
        scenario
            .members
            .iter()
            .find(|m| m.id == id)
            .map_or(id.to_string(), |m| m.name.clone())
    };
    let bars: Vec<(String, f64, f64)> = result
        .members
        .iter()
        .map(|m| (names(&m.id), m.p_met_out, m.p_met_in))
        .collect();
    let prov_line = provenance(&loaded, &r).line(&scenario.name);
    let title = "Who makes or breaks the guarantee";
    let dir = out_dir(output, &format!("{}-sensitivity", scenario.name));
    let mut files = vec![OutputFile::new(
        "sensitivity.json",
        crate::export::json_bytes(&result)?,
    )];
    files.extend(tornado_chart(
        title,
        result.baseline.p_met,
        &bars,
        &prov_line,
        crate::artifacts::chart_formats(output.charts),
    )?);
    let written = write_all(&dir, files)?;
    crate::console::say(&table_text(&result, &scenario.name));
    crate::console::say(&format!("Wrote {written} files to {}\n", dir.display()));
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

pub fn table_text(s: &Sensitivity, name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Sensitivity of P(guarantee met): {name}");
    let _ = writeln!(
        out,
        "  {} trials per variant, seed {}, common random numbers; baseline {}\n",
        s.trials,
        s.seed,
        pct(s.baseline.p_met)
    );
    // One table per kind of variant: (id, P(met) low variant, high variant, swing).
    let mut section = |title: [&str; 3], rows: Vec<(&str, f64, f64, f64)>| {
        let _ = writeln!(
            out,
            "  {:<24} {:>10} {:>10} {:>10}",
            title[0], title[1], title[2], "swing"
        );
        for (id, a, b, swing) in rows {
            let id: String = id.chars().take(24).collect();
            let _ = writeln!(
                out,
                "  {:<24} {:>10} {:>10} {:>+9.1}pp",
                id,
                pct(a),
                pct(b),
                100.0 * swing
            );
        }
        let _ = writeln!(out);
    };
    section(
        ["member", "stays out", "joins"],
        s.members
            .iter()
            .map(|m| (m.id.as_str(), m.p_met_out, m.p_met_in, m.swing))
            .collect(),
    );
    section(
        ["capability need", "-20%", "+20%"],
        s.capabilities
            .iter()
            .map(|c| (c.id.as_str(), c.p_met_need_low, c.p_met_need_high, c.swing))
            .collect(),
    );
    out
}
