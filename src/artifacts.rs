//! The charts and report files of a `run`, as chosen by the output flags.

use crate::chart::{ChartFormat, render_each, run_figures};
use crate::cli::{ChartsFlag, OutputOptions};
use crate::output::Staging;
use crate::provenance::Provenance;
use crate::report::run_report;
use crate::scenario::Scenario;
use crate::summary::Summary;
use rayon::prelude::*;

/// The chart formats a `--charts` flag asks for.
pub fn chart_formats(flag: ChartsFlag) -> &'static [ChartFormat] {
    match flag {
        ChartsFlag::Png => &[ChartFormat::Png],
        ChartsFlag::Svg => &[ChartFormat::Svg],
        ChartsFlag::Both => &[ChartFormat::Png, ChartFormat::Svg],
        ChartsFlag::None => &[],
    }
}

/// Renders the run's charts and report into `staging`, each file as soon as
/// it is ready, so its write overlaps the rendering of the rest.
pub fn run_artifacts(
    scenario: &Scenario,
    summary: &Summary,
    prov: &Provenance,
    output: &OutputOptions,
    staging: &Staging,
) -> anyhow::Result<()> {
    let figures = run_figures(scenario, summary, prov);
    // Charts and report side by side: both spread over all cores, and the
    // report's few tasks fill the gaps the charts leave.
    let (charts, report) = rayon::join(
        || {
            render_each(&figures, chart_formats(output.charts))
                .try_for_each(|file| file.map(|f| staging.put(f)))
        },
        || match output.no_report {
            true => Ok(()),
            false => run_report(scenario, summary, prov).map(|files| {
                files.into_iter().for_each(|f| staging.put(f));
            }),
        },
    );
    charts?;
    report
}
