//! The chart and report files of a command, as chosen by the output flags.

use crate::render::OutputFile;
use crate::render::chart::{ChartFormat, Figure, render_each, render_svgs, run_figures};
use crate::render::provenance::Provenance;
use crate::render::report::report_files;
use guarantee_sim_core::input::scenario::Scenario;
use guarantee_sim_core::summarise::summary::Summary;
use rayon::prelude::*;

/// The run's charts in `formats`, and its report if asked for (neither:
/// no figure is even built).
pub fn run_files(
    scenario: &Scenario,
    summary: &Summary,
    prov: &Provenance,
    formats: &[ChartFormat],
    with_report: bool,
) -> anyhow::Result<Vec<OutputFile>> {
    if formats.is_empty() && !with_report {
        return Ok(Vec::new());
    }
    let figures = run_figures(scenario, summary, prov);
    let report = |svgs: &[String]| report_files(scenario, summary, prov, &figures, svgs, formats);
    let report = with_report.then_some(&report as &Report);
    figure_files(&figures, formats, report)
}

/// Builds a report's files from its figures drawn as SVG, in figure order.
pub type Report<'a> = dyn Fn(&[String]) -> Vec<OutputFile> + Sync + 'a;

/// `figures` in `formats`, and the report if there is one. Each figure is
/// drawn as SVG once, for its chart file and the report; the PNGs are drawn
/// on all cores, the report beside them.
pub fn figure_files(
    figures: &[Figure],
    formats: &[ChartFormat],
    report: Option<&Report>,
) -> anyhow::Result<Vec<OutputFile>> {
    let svg_files = formats.contains(&ChartFormat::Svg);
    let svgs = match svg_files || report.is_some() {
        true => render_svgs(figures)?,
        false => Vec::new(),
    };
    let pngs: &[ChartFormat] = match formats.contains(&ChartFormat::Png) {
        true => &[ChartFormat::Png],
        false => &[],
    };
    let (pngs, report) = rayon::join(
        || render_each(figures, pngs).collect::<anyhow::Result<Vec<_>>>(),
        || report.map(|report| report(&svgs)).unwrap_or_default(),
    );
    let mut files = pngs?;
    if svg_files {
        for (fig, svg) in figures.iter().zip(svgs) {
            files.push(OutputFile::new(fig.path(ChartFormat::Svg), svg));
        }
    }
    files.extend(report);
    Ok(files)
}
