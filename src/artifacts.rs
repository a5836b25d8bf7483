//! The charts and report files of a `run`, as chosen by the output flags.

use crate::chart::{ChartFormat, run_charts};
use crate::cli::{ChartsFlag, OutputOptions};
use crate::output::OutputFile;
use crate::provenance::Provenance;
use crate::report::run_report;
use crate::scenario::Scenario;
use crate::summary::Summary;

/// The chart formats a `--charts` flag asks for.
pub fn chart_formats(flag: ChartsFlag) -> &'static [ChartFormat] {
    match flag {
        ChartsFlag::Png => &[ChartFormat::Png],
        ChartsFlag::Svg => &[ChartFormat::Svg],
        ChartsFlag::Both => &[ChartFormat::Png, ChartFormat::Svg],
        ChartsFlag::None => &[],
    }
}

pub fn run_artifacts(
    scenario: &Scenario,
    summary: &Summary,
    prov: &Provenance,
    output: &OutputOptions,
) -> anyhow::Result<Vec<OutputFile>> {
    // Charts and report side by side: both spread over all cores, and the
    // report's few tasks fill the gaps the charts leave.
    let (charts, report) = rayon::join(
        || run_charts(scenario, summary, prov, chart_formats(output.charts)),
        || match output.no_report {
            true => Ok(Vec::new()),
            false => run_report(scenario, summary, prov),
        },
    );
    let mut files = charts?;
    files.extend(report?);
    Ok(files)
}
