//! The charts and report files of a `run` (and of `compare`), as chosen by
//! the output flags.

use crate::publish::{OutputFile, Staging};
use crate::render::chart::{ChartFormat, Figure, render_each, render_svgs, run_figures};
use crate::render::provenance::Provenance;
use crate::render::report::report_files;
use guarantee_sim_core::input::scenario::Scenario;
use guarantee_sim_core::summarise::summary::Summary;
use rayon::prelude::*;

/// Renders the run's charts and report into `staging` (see `stage_figures`).
pub fn run_artifacts(
    scenario: &Scenario,
    summary: &Summary,
    prov: &Provenance,
    formats: &[ChartFormat],
    with_report: bool,
    staging: &Staging,
) -> anyhow::Result<()> {
    let figures = run_figures(scenario, summary, prov);
    let report = |svgs: &[String]| report_files(scenario, summary, prov, &figures, svgs);
    let report = with_report.then_some(&report as &Report);
    stage_figures(&figures, formats, report, staging)
}

/// Builds a report's files from its figures drawn as SVG, in figure order.
pub type Report<'a> = dyn Fn(&[String]) -> Vec<OutputFile> + Sync + 'a;

/// Renders `figures` in `formats`, and the report if there is one, into
/// `staging`, each file as soon as it is ready, so its write overlaps the
/// rendering of the rest. Each figure is drawn as SVG once, for its chart
/// file and the report; the PNGs go on all cores, the report beside them.
pub fn stage_figures(
    figures: &[Figure],
    formats: &[ChartFormat],
    report: Option<&Report>,
    staging: &Staging,
) -> anyhow::Result<()> {
    let svg_files = formats.contains(&ChartFormat::Svg);
    let svgs = match svg_files || report.is_some() {
        true => render_svgs(figures)?,
        false => Vec::new(),
    };
    if svg_files {
        for (fig, svg) in figures.iter().zip(&svgs) {
            staging.put(OutputFile::new(fig.path(ChartFormat::Svg), svg.clone()));
        }
    }
    let pngs: &[ChartFormat] = match formats.contains(&ChartFormat::Png) {
        true => &[ChartFormat::Png],
        false => &[],
    };
    let (charts, ()) = rayon::join(
        || render_each(figures, pngs).try_for_each(|file| file.map(|f| staging.put(f))),
        || {
            if let Some(report) = report {
                report(&svgs).into_iter().for_each(|f| staging.put(f));
            }
        },
    );
    charts
}
