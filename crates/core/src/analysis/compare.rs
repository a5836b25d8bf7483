//! `compare A B ...` (docs/model.md 4): every plan run on the same seed and trial
//! indices, so each entity shared by two plans draws the same random numbers
//! (common random numbers). Differences to the first plan are estimated from
//! per-trial paired outcomes, whose variance is far smaller than that of
//! independent runs when plans differ in a few parameters.

use crate::analysis::variants::{Record, Resolved, run_variants};
use crate::compile::Model;
use crate::error::Error;
use crate::input::load::Loaded;
use crate::stats::Moments;
use crate::summarise::summarise;
use crate::summarise::summary::Summary;
use serde::Serialize;

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

/// Runs every plan on common random numbers; returns the comparison and
/// each plan's full summary.
pub fn compare(
    plans: &[Loaded],
    run: &Resolved,
    progress: &dyn Fn(u64),
) -> Result<(Comparison, Vec<Summary>), Error> {
    let models: Vec<Model> = plans.iter().map(|p| Model::compile(&p.scenario)).collect();
    let results = run_variants(&models, run, Record::Full, progress)?;
    let (seed, trials) = (run.seed, run.trials);
    let summaries: Vec<Summary> = plans
        .iter()
        .zip(&models)
        .zip(&results.accumulators)
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
        paired: results
            .paired
            .iter()
            .enumerate()
            .map(|(k, d)| {
                let (a, b) = (&summaries[0], &summaries[k + 1]);
                Paired {
                    baseline: 0,
                    other: k + 1,
                    p_met_diff: Difference::new(&d.met, p_met_se(a), p_met_se(b)),
                    coverage_mean_diff: Difference::new(&d.coverage, cov_se(a), cov_se(b)),
                }
            })
            .collect(),
    };
    Ok((comparison, summaries))
}
