//! The charts and report files of a `run`, as chosen by the output flags.

use crate::chart::{ChartFormat, render_each, render_svgs, run_figures};
use crate::cli::{ChartsFlag, OutputOptions};
use crate::output::{OutputFile, Staging};
use crate::provenance::Provenance;
use crate::report::report_files;
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
/// it is ready, so its write overlaps the rendering of the rest. Each figure
/// is drawn as SVG once, for its chart file and the report.
pub fn run_artifacts(
    scenario: &Scenario,
    summary: &Summary,
    prov: &Provenance,
    output: &OutputOptions,
    staging: &Staging,
) -> anyhow::Result<()> {
    let figures = run_figures(scenario, summary, prov);
    let formats = chart_formats(output.charts);
    let svg_files = formats.contains(&ChartFormat::Svg);
    let svgs = match svg_files || !output.no_report {
        true => render_svgs(&figures)?,
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
    // The PNGs on all cores; the report is assembled beside them.
    let (charts, ()) = rayon::join(
        || render_each(&figures, pngs).try_for_each(|file| file.map(|f| staging.put(f))),
        || {
            if !output.no_report {
                let files = report_files(scenario, summary, prov, &figures, &svgs);
                files.into_iter().for_each(|f| staging.put(f));
            }
        },
    );
    charts
}
