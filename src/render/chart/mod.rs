//! Charts of a run (docs/model.md 4), as PNG and SVG bytes.
//!
//! Each chart is first described as data ([`Figure`], built from the
//! [`Summary`] here), then drawn by the one renderer in [`figure`], which owns
//! the shared frame (title, legend, provenance footer) and both backends.
//! [`xy`] and [`bars`] draw the two panel kinds; [`style`] holds the palette,
//! sizes and number formats.

pub mod bars;
pub mod figure;
pub mod font;
pub mod png;
pub mod style;
pub mod xy;

pub use bars::{BarPanel, BarSeries, RowLabel, RowMarker};
pub use figure::{Figure, Key, Panel, Rule};
pub use style::Fmt;
pub use xy::{Band, Bars, Line, XyPanel};

use crate::render::OutputFile;
use crate::render::provenance::Provenance;
use anyhow::Result;
use guarantee_sim_core::input::scenario::Scenario;
use guarantee_sim_core::summarise::summary::{Histogram, Summary};
use rayon::prelude::*;
use std::borrow::Cow;
use style::{palette, pct, pct0, trim};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartFormat {
    Png,
    Svg,
}

impl ChartFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

/// The run's charts (the five of docs/model.md 4 plus extras), each as
/// `charts/<name>.png` / `.svg` per format, in memory (for library users;
/// `run` stages each file as it is made, see `artifacts::stage_figures`).
pub fn run_charts(
    scenario: &Scenario,
    summary: &Summary,
    prov: &Provenance,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    figure_files(&run_figures(scenario, summary, prov), formats)
}

/// Every figure in every format, rendered on all cores, in figure order.
pub fn figure_files(figures: &[Figure], formats: &[ChartFormat]) -> Result<Vec<OutputFile>> {
    render_each(figures, formats).collect()
}

/// Every figure as SVG text, in figure order, on all cores (reports inline
/// them).
pub fn render_svgs(figures: &[Figure]) -> Result<Vec<String>> {
    figures
        .par_iter()
        .map(|f| Ok(String::from_utf8(f.render(ChartFormat::Svg)?)?))
        .collect()
}

/// The rendering of every figure in every format, one file per task (a PNG
/// costs some twenty times an SVG, so figure-sized tasks would leave a core
/// idle at the end): collect it in figure order, or take each file as it
/// is ready.
pub fn render_each<'a>(
    figures: &'a [Figure],
    formats: &'a [ChartFormat],
) -> impl IndexedParallelIterator<Item = Result<OutputFile>> + 'a {
    let tasks: Vec<(&Figure, ChartFormat)> = figures
        .iter()
        .flat_map(|fig| formats.iter().map(move |&f| (fig, f)))
        .collect();
    tasks
        .into_par_iter()
        .with_max_len(1)
        .map(|(fig, format)| fig.file(format))
}

/// The run's charts as figures, in report order.
pub fn run_figures(scenario: &Scenario, summary: &Summary, prov: &Provenance) -> Vec<Figure> {
    let footer = prov.line(&summary.scenario.name);
    // The capability charts show the first `MAX_ROWS` capabilities.
    let total = scenario.capabilities.len();
    let shown = match total > MAX_ROWS {
        false => Cow::Borrowed(scenario),
        true => Cow::Owned(Scenario {
            capabilities: scenario.capabilities[..MAX_ROWS].to_vec(),
            ..scenario.clone()
        }),
    };
    let by_capability = |fig: Figure| {
        let caption = fig.caption.clone() + &shown_of(total, "capabilities (in file order)");
        fig.caption(caption)
    };
    vec![
        p_met_by_month(summary, &footer),
        coverage_fan(summary, &footer),
        by_capability(coverage_hist(&shown, summary, &footer)),
        by_capability(capabilities(&shown, summary, &footer)),
        by_capability(capabilities_by_month(&shown, summary, &footer)),
        by_capability(committed(&shown, summary, &footer)),
        members(scenario, summary, &footer),
    ]
}

/// Rows (capabilities, members) a chart shows at most: more could not be
/// read, and each bar row adds to the canvas's height (without a limit, a
/// valid scenario of 20,000 members asked for a 6.7 GB bitmap). Everything
/// is in `summary.json` and the report.
pub const MAX_ROWS: usize = 40;

fn months_axis(horizon: u32) -> (f64, f64) {
    (0.0, f64::from(horizon.max(1)))
}

fn by_month(values: &[f64]) -> Vec<(f64, f64)> {
    values
        .iter()
        .enumerate()
        .map(|(t, &v)| (t as f64, v))
        .collect()
}

fn headline(s: &Summary) -> String {
    let g = &s.guarantee;
    format!(
        "P(met at month {}) = {} (95% CI {}–{})",
        s.scenario.horizon_months,
        pct(g.p_met),
        pct(g.p_met_ci95[0]),
        pct(g.p_met_ci95[1])
    )
}

fn p_met_by_month(s: &Summary, footer: &str) -> Figure {
    let g = &s.guarantee;
    let mut panel = XyPanel::new("Month since the framework's start", "Probability");
    panel.x_range = months_axis(s.scenario.horizon_months);
    panel.x_fmt = Fmt::Number(1);
    panel.lines.push(Line::new(
        "Guarantee met at month t",
        palette::BLUE,
        by_month(&g.p_met_by_month),
    ));
    panel.lines.push(
        Line::new(
            "Guarantee first met by month t",
            palette::ORANGE,
            by_month(&g.time_to_met.cdf_by_month),
        )
        .dashed(),
    );
    let when = match g.time_to_met.p50 {
        Some(p50) => format!("; when met, first met by month {} (median)", trim(p50, 1)),
        None => "; never met in any trial".to_string(),
    };
    Figure::new(
        "p_met_by_month",
        "Probability the guarantee is met, by month",
        footer,
    )
    .subtitle(format!("{}{when}", headline(s)))
    .caption(
        "Share of trials in which every critical capability reaches its threshold at each month \
         (solid), and share in which that has happened at least once by then (dashed).",
    )
    .panel(Panel::Xy(panel))
}

fn coverage_fan(s: &Summary, footer: &str) -> Figure {
    let m = &s.coverage.overall_by_month;
    let band = |lo: &[f64], hi: &[f64]| -> Vec<(f64, f64, f64)> {
        lo.iter()
            .zip(hi)
            .enumerate()
            .map(|(t, (&l, &h))| (t as f64, l, h))
            .collect()
    };
    let mut panel = XyPanel::new(
        "Month since the framework's start",
        "Overall coverage (% of need)",
    );
    panel.x_range = months_axis(s.scenario.horizon_months);
    panel.x_fmt = Fmt::Number(1);
    panel.y_range = (0.0, 1.0);
    panel.bands.push(Band {
        label: "90% of trials (5th–95th percentile)".into(),
        color: palette::SKY_BLUE,
        opacity: 0.35,
        points: band(&m.p05, &m.p95),
    });
    panel.bands.push(Band {
        label: "50% of trials (25th–75th)".into(),
        color: palette::BLUE,
        opacity: 0.35,
        points: band(&m.p25, &m.p75),
    });
    panel
        .lines
        .push(Line::new("Median", palette::BLUE, by_month(&m.p50)));
    panel
        .lines
        .push(Line::new("Mean", palette::BLACK, by_month(&m.mean)).dashed());
    let o = &s.coverage.overall;
    Figure::new("coverage_fan", "Overall coverage over time", footer)
        .subtitle(format!(
            "At month {}: median {}, 90% of trials between {} and {}",
            s.scenario.horizon_months,
            pct0(o.p50),
            pct0(o.p05),
            pct0(o.p95)
        ))
        .caption(
            "Weighted coverage of all capabilities (each capped at 100% of its need), by month: \
             median, and the bands within which 50% and 90% of trials fall.",
        )
        .panel(Panel::Xy(panel))
}

/// Histogram re-binned to at most `max_bins` bars: (from, to, share of trials).
fn rebin(h: &Histogram, max_bins: usize) -> Vec<(f64, f64, f64)> {
    let total: u64 = h.counts.iter().sum();
    if h.counts.is_empty() || total == 0 {
        return Vec::new();
    }
    let k = h.counts.len().div_ceil(max_bins.max(1));
    h.counts
        .chunks(k)
        .enumerate()
        .map(|(i, c)| {
            let x0 = (i * k) as f64 * h.bin_width;
            let x1 = (x0 + c.len() as f64 * h.bin_width).min(1.0);
            (x0, x1, c.iter().sum::<u64>() as f64 / total as f64)
        })
        .collect()
}

/// Critical capabilities' thresholds, merged where equal: (value, names).
fn thresholds(sc: &Scenario) -> Vec<(f64, Vec<String>)> {
    let mut out: Vec<(f64, Vec<String>)> = Vec::new();
    for c in sc.capabilities.iter().filter(|c| c.critical) {
        match out.iter_mut().find(|(v, _)| (v - c.threshold).abs() < 1e-9) {
            Some((_, names)) => names.push(c.name.clone()),
            None => out.push((c.threshold, vec![c.name.clone()])),
        }
    }
    out
}

const THRESHOLD_COLORS: [plotters::style::RGBColor; 4] = [
    palette::VERMILLION,
    palette::PURPLE,
    palette::GREEN,
    palette::ORANGE,
];

fn coverage_hist(sc: &Scenario, s: &Summary, footer: &str) -> Figure {
    let bars = rebin(&s.coverage.overall_histogram, 50);
    let top = bars.iter().map(|b| b.2).fold(0.0, f64::max);
    let mut panel = XyPanel::new(
        format!(
            "Overall coverage at month {} (% of need)",
            s.scenario.horizon_months
        ),
        "Share of trials",
    );
    panel.y_range = (0.0, (top * 1.12).max(0.01));
    panel.x_fmt = Fmt::Percent;
    panel.bars.push(Bars {
        label: "Trials".into(),
        color: palette::SKY_BLUE,
        rects: bars,
    });
    let o = &s.coverage.overall;
    // The same figure as the subtitle's, to the same digit.
    panel.rules.push(Rule::vertical(
        format!("Mean {}", pct(o.mean)),
        o.mean,
        palette::BLACK,
    ));
    // The thresholds apply to each capability's own coverage, not to the
    // overall figure drawn here: the legend says so.
    for (i, (v, names)) in thresholds(sc).into_iter().enumerate() {
        let mut r = Rule::vertical(
            format!("Own threshold {} of {}", pct0(v), names.join(", ")),
            v,
            THRESHOLD_COLORS[i % THRESHOLD_COLORS.len()],
        );
        r.dashed = false;
        panel.rules.push(r);
    }
    Figure::new(
        "coverage_hist",
        format!(
            "Distribution of overall coverage at month {}",
            s.scenario.horizon_months
        ),
        footer,
    )
    .subtitle(format!(
        "Mean {}; median {}; 90% of trials between {} and {}",
        pct(o.mean),
        pct0(o.p50),
        pct0(o.p05),
        pct0(o.p95)
    ))
    .caption(
        "How overall (weighted) coverage at the horizon varies across trials, with its mean. \
         For reference, the thresholds the critical capabilities must reach, each by its own \
         coverage (see the capabilities chart): overall coverage above a threshold does not \
         mean that capability meets it.",
    )
    .panel(Panel::Xy(panel))
}

fn unit_text(c: &guarantee_sim_core::input::scenario::Capability) -> String {
    c.unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default()
}

fn capabilities(sc: &Scenario, s: &Summary, footer: &str) -> Figure {
    let cov: Vec<_> = sc
        .capabilities
        .iter()
        .map(|c| s.coverage.capability.get(&c.id))
        .collect();
    let rows = sc
        .capabilities
        .iter()
        .zip(&cov)
        .map(|(c, cv)| RowLabel {
            main: c.name.clone(),
            sub: Some(match (cv, c.critical) {
                (Some(cv), true) => format!("P(≥ {}) = {}", pct0(c.threshold), pct0(cv.p_met)),
                (Some(_), false) => "not critical".into(),
                (None, _) => "no data".into(),
            }),
        })
        .collect();
    let mean = BarSeries::new(
        "Mean coverage",
        palette::SKY_BLUE,
        cov.iter().map(|c| c.map(|c| (0.0, c.mean))).collect(),
    )
    .whiskers(
        "90% of trials (5th–95th percentile)",
        cov.iter().map(|c| c.map(|c| (c.p05, c.p95))).collect(),
    )
    .values_inside(
        cov.iter()
            .map(|c| c.map(|c| format!("mean {}", pct0(c.mean))))
            .collect(),
    );
    let panel = BarPanel {
        x_label: format!(
            "Coverage at month {} (% of need, capped at 100%)",
            s.scenario.horizon_months
        ),
        x_range: (0.0, 1.0),
        x_fmt: Fmt::Percent,
        rows,
        series: vec![mean],
        grouped: false,
        markers: vec![critical_thresholds(sc)],
        rules: Vec::new(),
    };
    Figure::new(
        "capabilities",
        format!(
            "Coverage of each capability at month {}",
            s.scenario.horizon_months
        ),
        footer,
    )
    .subtitle(headline(s))
    .caption(
        "Mean coverage of each capability at the horizon with the range of 90% of trials, \
         against the threshold it must reach; the second line gives P(coverage ≥ threshold).",
    )
    .height(rows_height(sc.capabilities.len(), 90))
    .panel(Panel::Bars(panel))
}

fn capabilities_by_month(sc: &Scenario, s: &Summary, footer: &str) -> Figure {
    let mut panel = XyPanel::new(
        "Month since the framework's start",
        "Mean coverage (% of need)",
    );
    panel.x_range = months_axis(s.scenario.horizon_months);
    panel.x_fmt = Fmt::Number(1);
    for (i, c) in sc.capabilities.iter().enumerate() {
        if let Some(cv) = s.coverage.capability.get(&c.id) {
            panel.lines.push(Line::new(
                c.name.clone(),
                palette::series(i),
                by_month(&cv.mean_by_month),
            ));
        }
    }
    for (i, (v, names)) in thresholds(sc).into_iter().enumerate() {
        panel.rules.push(Rule::horizontal(
            format!("Threshold {} ({})", pct0(v), names.join(", ")),
            v,
            // Greys, not series colours: a threshold must not look like a
            // capability's line.
            [palette::BLACK, crate::render::chart::style::MUTED][i % 2],
        ));
    }
    Figure::new(
        "capabilities_by_month",
        "Coverage of each capability over time",
        footer,
    )
    .caption(
        "Mean coverage of each capability by month (capped at 100% of need in each trial), \
             with the critical thresholds.",
    )
    .panel(Panel::Xy(panel))
}

fn committed(sc: &Scenario, s: &Summary, footer: &str) -> Figure {
    let stats: Vec<_> = sc
        .capabilities
        .iter()
        .map(|c| s.committed.get(&c.id).map(|m| (c, m)))
        .collect();
    let norm =
        |f: fn(&guarantee_sim_core::summarise::summary::Committed) -> f64| -> Vec<Option<f64>> {
            stats
                .iter()
                .map(|x| x.map(|(c, m)| f(m) / c.need))
                .collect()
        };
    let (p05, p50, p95) = (norm(|m| m.p05), norm(|m| m.p50), norm(|m| m.p95));
    let top = p95.iter().flatten().fold(1.0f64, |a, &b| a.max(b));
    let rows = sc
        .capabilities
        .iter()
        .map(|c| RowLabel {
            main: c.name.clone(),
            sub: Some(format!("need {}{}", number(c.need), unit_text(c))),
        })
        .collect();
    let values = stats
        .iter()
        .map(|x| {
            // The unit is in the row's label ("need 25 Patriot-equivalent
            // systems"): repeated here it ran off the chart's edge and read
            // "1 ... systems".
            x.map(|(c, m)| {
                format!(
                    "median {} ({} of {})",
                    pct0(m.p50 / c.need),
                    number(m.p50),
                    number(c.need)
                )
            })
        })
        .collect();
    let series = BarSeries::new(
        "Median committed",
        palette::GREEN,
        p50.iter().map(|v| v.map(|v| (0.0, v))).collect(),
    )
    .whiskers(
        "90% of trials (5th–95th percentile)",
        p05.iter()
            .zip(&p95)
            .map(|(a, b)| Some(((*a)?, (*b)?)))
            .collect(),
    )
    .values_inside(values);
    let mut need = Rule::vertical("Need (100%)", 1.0, palette::BLACK);
    need.dashed = true;
    let panel = BarPanel {
        x_label: format!(
            "Committed at month {} (% of need, not capped)",
            s.scenario.horizon_months
        ),
        x_range: (0.0, (top * 1.05).max(1.1)),
        x_fmt: Fmt::Percent,
        rows,
        series: vec![series],
        grouped: false,
        markers: vec![critical_thresholds(sc)],
        rules: vec![need],
    };
    Figure::new(
        "committed",
        format!(
            "Committed amounts at month {} against need",
            s.scenario.horizon_months
        ),
        footer,
    )
    .caption(
        "Amount deployed for each capability at the horizon, as a share of its need (so \
         different units compare): median and the range of 90% of trials.",
    )
    .height(rows_height(sc.capabilities.len(), 90))
    .panel(Panel::Bars(panel))
}

fn members(sc: &Scenario, s: &Summary, footer: &str) -> Figure {
    let mut list: Vec<_> = sc
        .members
        .iter()
        .filter_map(|m| s.members.get(&m.id).map(|st| (m, st)))
        .collect();
    list.sort_by(|a, b| {
        b.1.p_pivotal
            .total_cmp(&a.1.p_pivotal)
            .then(b.1.p_joined.total_cmp(&a.1.p_joined))
    });
    let total = list.len();
    list.truncate(MAX_ROWS);
    let rows = list
        .iter()
        .map(|(m, _)| {
            let mut sub: Vec<String> = m.status.iter().cloned().collect();
            if m.count > 1 {
                sub.push(format!("× {}", m.count));
            }
            RowLabel {
                main: m.name.clone(),
                sub: (!sub.is_empty()).then(|| sub.join(", ")),
            }
        })
        .collect();
    let series =
        |label: &str, color, f: fn(&guarantee_sim_core::summarise::summary::MemberStats) -> f64| {
            BarSeries::new(
                label,
                color,
                list.iter().map(|(_, st)| Some((0.0, f(st)))).collect(),
            )
            .values(list.iter().map(|(_, st)| Some(pct0(f(st)))).collect())
        };
    let panel = BarPanel {
        x_label: "Probability".into(),
        x_range: (0.0, 1.0),
        x_fmt: Fmt::Percent,
        rows,
        series: vec![
            series("Joins", palette::BLUE, |st| st.p_joined),
            series(
                "Pivotal (met only with this member)",
                palette::ORANGE,
                |st| st.p_pivotal,
            ),
        ],
        grouped: true,
        markers: Vec::new(),
        rules: Vec::new(),
    };
    Figure::new("members", "Who joins, and who makes the difference", footer)
        .subtitle(headline(s))
        .caption(
            "For each member, the probability it joins and the probability it is pivotal: the \
             guarantee is met at the horizon but would not be without its pledges."
                .to_string()
                + &shown_of(total, "members (most often pivotal first)"),
        )
        .height(rows_height(list.len(), 80))
        .panel(Panel::Bars(panel))
}

/// A caption's note when only `MAX_ROWS` of `total` rows are shown.
fn shown_of(total: usize, what: &str) -> String {
    match total > MAX_ROWS {
        true => format!(" Only the first {MAX_ROWS} of {total} {what} are shown."),
        false => String::new(),
    }
}

/// Canvas height for a bar chart with `rows` rows of `per_row` pixels.
fn rows_height(rows: usize, per_row: u32) -> u32 {
    (300 + rows as u32 * per_row).max(style::HEIGHT)
}

/// A number for labels: grouped thousands, at most 3 significant decimals.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let decimals = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 1.0 {
        1
    } else {
        3
    };
    let s = trim(v, decimals);
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// Tornado chart for `sensitivity` (`charts/tornado.*`): for each member,
/// P(met) with it forced out (`low`) and forced in (`high`) around the
/// baseline, sorted by swing, largest on top.
pub fn tornado_chart(
    title: &str,
    baseline: f64,
    bars: &[(String, f64, f64)],
    prov_line: &str,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    figure_files(&[tornado_figure(title, baseline, bars, prov_line)], formats)
}

pub fn tornado_figure(
    title: &str,
    baseline: f64,
    bars: &[(String, f64, f64)],
    prov_line: &str,
) -> Figure {
    let mut sorted: Vec<_> = bars.to_vec();
    sorted.sort_by(|a, b| (b.2 - b.1).abs().total_cmp(&(a.2 - a.1).abs()));
    let total = sorted.len();
    sorted.truncate(MAX_ROWS);
    let side = |label: &str, color, pick: fn(&(String, f64, f64)) -> f64| {
        BarSeries::new(
            label,
            color,
            sorted.iter().map(|b| Some((baseline, pick(b)))).collect(),
        )
        .values(
            sorted
                .iter()
                .map(|b| ((pick(b) - baseline).abs() > 1e-12).then(|| pct0(pick(b))))
                .collect(),
        )
    };
    let rows = sorted
        .iter()
        .map(|b| RowLabel {
            main: b.0.clone(),
            sub: Some(format!("swing {} pts", trim((b.2 - b.1) * 100.0, 1))),
        })
        .collect();
    // Scaled to the bars (swings of a few points vanish on 0-100%), with
    // room beside them for their value labels.
    let (lo, hi) = data_range(sorted.iter().flat_map(|b| [b.1, b.2]).chain([baseline]));
    let room = 0.08 * (hi - lo);
    let panel = BarPanel {
        x_label: "P(guarantee met at the horizon)".into(),
        x_range: ((lo - room).max(0.0), (hi + room).min(1.0)),
        x_fmt: Fmt::Percent,
        rows,
        series: vec![
            side("Forced out (join = 0)", palette::VERMILLION, |b| b.1),
            side("Forced in (join = 1)", palette::BLUE, |b| b.2),
        ],
        grouped: false,
        markers: Vec::new(),
        rules: vec![Rule::vertical(
            format!("Baseline {}", pct0(baseline)),
            baseline,
            palette::BLACK,
        )],
    };
    Figure::new("tornado", title, prov_line)
        .subtitle("Which member's decision moves the guarantee most (largest swing on top)")
        .caption(
            "P(guarantee met at the horizon) when each member is forced out and forced in, \
             around the baseline. The axis is scaled to the bars."
                .to_string()
                + &shown_of(total, "members (largest swing first)"),
        )
        .height(rows_height(sorted.len(), 64))
        .panel(Panel::Bars(panel))
}

/// Sweep chart (`charts/sweep.*`): P(met) with its 95% interval, and mean
/// coverage, against the swept parameter's value.
pub fn sweep_chart(
    param: &str,
    points: &[(f64, f64, [f64; 2], f64)],
    prov_line: &str,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    figure_files(&[sweep_figure(param, points, prov_line)], formats)
}

/// A probability axis scaled to the values shown (a swing of a few points
/// is invisible on 0-100%): their range plus a margin, at least 5 points
/// wide, within [0, 1].
fn data_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let margin = (0.15 * (hi - lo)).max(0.025);
    let (lo, hi) = ((lo - margin).max(0.0), (hi + margin).min(1.0));
    match hi - lo < 0.05 {
        true if lo == 0.0 => (0.0, 0.05),
        true => ((hi - 0.05).max(0.0), hi.max(0.05)),
        false => (lo, hi),
    }
}

pub fn sweep_figure(param: &str, points: &[(f64, f64, [f64; 2], f64)], prov_line: &str) -> Figure {
    let mut pts = points.to_vec();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lo = pts.first().map_or(0.0, |p| p.0);
    let hi = pts.last().map_or(1.0, |p| p.0);
    let pad = if hi > lo { 0.03 * (hi - lo) } else { 0.5 };
    let x_range = (lo - pad, hi + pad);
    let mut top = XyPanel::new("", "P(guarantee met)");
    top.x_range = x_range;
    top.y_range = data_range(pts.iter().flat_map(|p| [p.2[0], p.2[1]]));
    top.x_fmt = Fmt::Number(3);
    top.bands.push(Band {
        label: "95% interval".into(),
        color: palette::BLUE,
        opacity: 0.2,
        points: pts.iter().map(|p| (p.0, p.2[0], p.2[1])).collect(),
    });
    top.lines.push(
        Line::new(
            "P(guarantee met at the horizon)",
            palette::BLUE,
            pts.iter().map(|p| (p.0, p.1)).collect(),
        )
        .markers(),
    );
    let mut bottom = XyPanel::new(param, "Mean overall coverage");
    bottom.x_range = x_range;
    bottom.y_range = data_range(pts.iter().map(|p| p.3));
    bottom.x_fmt = Fmt::Number(3);
    bottom.lines.push(
        Line::new(
            "Mean overall coverage at the horizon",
            palette::GREEN,
            pts.iter().map(|p| (p.0, p.3)).collect(),
        )
        .markers(),
    );
    Figure::new("sweep", format!("What if {param} changes?"), prov_line)
        .caption(format!(
            "P(guarantee met at the horizon) with its 95% interval (top) and mean overall \
             coverage (bottom) for each value of {param}. The vertical axes are scaled to the \
             values shown; they do not start at 0%."
        ))
        .height(900)
        .panel(Panel::Xy(top))
        .panel(Panel::Xy(bottom))
}

/// Overlays for `compare` (`charts/compare_p_met_by_month.*`,
/// `charts/compare_coverage.*`): one series per scenario; in memory, as
/// `run_charts`.
pub fn compare_charts(
    names: &[String],
    summaries: &[Summary],
    prov_line: &str,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    figure_files(&compare_figures(names, summaries, prov_line), formats)
}

pub fn compare_figures(names: &[String], summaries: &[Summary], prov_line: &str) -> Vec<Figure> {
    let horizon = summaries
        .iter()
        .map(|s| s.scenario.horizon_months)
        .max()
        .unwrap_or(1);
    let mut p_met = XyPanel::new(
        "Month since the framework's start",
        "P(guarantee met at month t)",
    );
    p_met.x_range = months_axis(horizon);
    p_met.x_fmt = Fmt::Number(1);
    let mut cov = XyPanel::new(
        "Overall coverage at the horizon (% of need)",
        "Share of trials with at least this coverage",
    );
    cov.x_fmt = Fmt::Percent;
    for (i, (name, s)) in names.iter().zip(summaries).enumerate() {
        let color = palette::series(i);
        p_met.lines.push(Line::new(
            format!(
                "{name}: {} at month {}",
                pct0(s.guarantee.p_met),
                s.scenario.horizon_months
            ),
            color,
            by_month(&s.guarantee.p_met_by_month),
        ));
        cov.lines.push(Line::new(
            format!("{name}: mean {}", pct0(s.coverage.overall.mean)),
            color,
            exceedance(&s.coverage.overall_histogram),
        ));
    }
    vec![
        Figure::new(
            "compare_p_met_by_month",
            "Probability the guarantee is met, by scenario",
            prov_line,
        )
        .caption("P(guarantee met at month t) for each scenario (same seed and trials).")
        .panel(Panel::Xy(p_met)),
        Figure::new(
            "compare_coverage",
            "Overall coverage at the horizon, by scenario",
            prov_line,
        )
        .caption(
            "Share of trials whose overall coverage at the horizon is at least the value on the \
             x axis: a curve further right and higher is better.",
        )
        .panel(Panel::Xy(cov)),
    ]
}

/// P(coverage >= x) at each bin's lower edge, plus the point (1, share in last bin).
fn exceedance(h: &Histogram) -> Vec<(f64, f64)> {
    let total: u64 = h.counts.iter().sum();
    if total == 0 {
        return Vec::new();
    }
    let mut above = total;
    let mut pts = Vec::with_capacity(h.counts.len() + 1);
    for (i, &c) in h.counts.iter().enumerate() {
        pts.push((i as f64 * h.bin_width, above as f64 / total as f64));
        above -= c;
    }
    let last = h.counts.last().copied().unwrap_or(0);
    pts.push((1.0, last as f64 / total as f64));
    pts
}

/// Each critical capability's threshold, as a tick on its row.
fn critical_thresholds(sc: &Scenario) -> RowMarker {
    RowMarker {
        label: "Threshold (critical)".into(),
        color: palette::VERMILLION,
        values: sc
            .capabilities
            .iter()
            .map(|c| c.critical.then_some(c.threshold))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_range_fits_the_values() {
        assert_eq!(
            data_range([0.35, 0.44].into_iter()),
            (0.35 - 0.025, 0.44 + 0.025)
        );
        let (lo, hi) = data_range([0.5, 0.5].into_iter());
        assert!((hi - lo - 0.05).abs() < 1e-12 && lo <= 0.5 && hi >= 0.5);
        assert_eq!(data_range([0.0, 0.001].into_iter()), (0.0, 0.05));
        assert_eq!(data_range([0.0, 1.0].into_iter()), (0.0, 1.0));
        assert_eq!(data_range(std::iter::empty()), (0.0, 1.0));
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(number(5000.0), "5,000");
        assert_eq!(number(1234567.4), "1,234,567");
        assert_eq!(number(-2500.0), "-2,500");
        assert_eq!(number(12.26), "12.3");
        assert_eq!(number(0.5), "0.5");
    }

    #[test]
    fn rebin_keeps_shares() {
        let h = Histogram {
            bin_width: 0.001,
            counts: (0..1000).map(|i| i % 3).collect(),
        };
        let bars = rebin(&h, 50);
        assert_eq!(bars.len(), 50);
        let total: f64 = bars.iter().map(|b| b.2).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert!((bars[49].1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn exceedance_starts_at_one() {
        let h = Histogram {
            bin_width: 0.5,
            counts: vec![1, 3],
        };
        assert_eq!(exceedance(&h), vec![(0.0, 1.0), (0.5, 0.75), (1.0, 0.75)]);
    }
}
