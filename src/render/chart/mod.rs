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
pub mod grid;
pub mod png;
pub mod style;
pub mod xy;

pub use bars::{BarPanel, BarSeries, RowLabel, RowMarker};
pub use figure::{Figure, Key, Panel, Rule};
pub use style::Fmt;
pub use xy::{Band, Bars, EventMark, Line, XyPanel};

use crate::render::OutputFile;
use crate::render::calendar;
use crate::render::provenance::Provenance;
use anyhow::Result;
use guarantee_sim_core::analysis::compare::{Comparison, Difference, Paired};
use guarantee_sim_core::analysis::solve::Solve;
use guarantee_sim_core::input::scenario::{Dist, Scenario};
use guarantee_sim_core::summarise::summary::{
    Histogram, MemberStats, ResponseStats, Spread, Summary, Uncertainty,
};
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
    let mut figures = vec![
        p_met_by_month(scenario, summary, &footer),
        coverage_fan(scenario, summary, &footer),
        coverage_hist(summary, &footer),
        by_capability(capabilities(&shown, summary, &footer)),
        by_capability(capabilities_by_month(&shown, summary, &footer)),
        by_capability(committed(&shown, summary, &footer)),
        members(scenario, summary, &footer),
    ];
    figures.extend(response(scenario, summary, &footer));
    figures.extend(uncertainty(summary, &footer));
    figures
}

/// Rows (capabilities, members) a chart shows at most: more could not be
/// read, and each bar row adds to the canvas's height (without a limit, a
/// valid scenario of 20,000 members asked for a 6.7 GB bitmap). Everything
/// is in `summary.json` and the report.
pub const MAX_ROWS: usize = 40;

fn months_axis(horizon: u32) -> (f64, f64) {
    (0.0, f64::from(horizon.max(1)))
}

/// At most this many calendar ticks on a month axis ("Jan 2026" is about
/// 95 px wide at tick size; nine leave a gap between them).
const CALENDAR_TICKS: usize = 9;

/// A panel over months 0 to the horizon: ticks are calendar months when the
/// scenario has a `start`, and its events are marked (`event_marks`).
fn time_panel(sc: &Scenario, horizon: u32, y_label: &str) -> XyPanel {
    let x_label = match sc.start {
        Some(start) => format!(
            "Calendar month (month 0 of the framework = {})",
            calendar::month_name(start)
        ),
        None => "Month since the framework's start".into(),
    };
    let mut panel = XyPanel::new(x_label, y_label);
    panel.x_range = months_axis(horizon);
    panel.x_fmt = Fmt::Number(1);
    panel.x_ticks = sc
        .start
        .map(|start| calendar::ticks(start, horizon, CALENDAR_TICKS));
    panel.events = event_marks(sc, horizon);
    panel
}

/// An event label this long at most; a longer name gives way to the id.
const EVENT_LABEL_CHARS: usize = 24;

/// The scenario's events within [0, horizon], as markers: at the event's
/// month when it is fixed, else at its median with its 5th-95th percentile
/// range (clipped to the axis).
pub fn event_marks(sc: &Scenario, horizon: u32) -> Vec<EventMark> {
    let h = f64::from(horizon.max(1));
    sc.events
        .iter()
        .filter_map(|e| {
            let fixed = matches!(e.month, Dist::Constant(_));
            let at = e.month.quantile(0.5);
            if !(0.0..=h).contains(&at) {
                return None;
            }
            let range = (!fixed).then(|| {
                (
                    e.month.quantile(0.05).max(0.0),
                    e.month.quantile(0.95).min(h),
                )
            });
            Some(EventMark {
                label: event_label(&e.name, &e.id),
                at,
                range,
            })
        })
        .collect()
}

/// An event's short label: its name when short, else its id (cut with
/// "…" if that is long too).
fn event_label(name: &str, id: &str) -> String {
    let short = match name.chars().count() <= EVENT_LABEL_CHARS {
        true => name,
        false => id,
    };
    match short.chars().count() <= EVENT_LABEL_CHARS {
        true => short.to_string(),
        false => short
            .chars()
            .take(EVENT_LABEL_CHARS - 1)
            .chain(['…'])
            .collect(),
    }
}

/// The caption's sentence on event markers, when a panel has some.
fn events_note(panel: &XyPanel) -> &'static str {
    match (
        panel.events.is_empty(),
        panel.events.iter().any(|e| e.range.is_some()),
    ) {
        (true, _) => "",
        (false, false) => {
            " Dotted grey vertical lines mark the political events at their month, whether or not they \
             happen (their probabilities are in the report)."
        }
        (false, true) => {
            " Dotted grey vertical lines mark the political events at their month (at the median month \
             where it is uncertain, with its 5th–95th percentile shaded), whether or not they \
             happen (their probabilities are in the report)."
        }
    }
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

fn p_met_by_month(sc: &Scenario, s: &Summary, footer: &str) -> Figure {
    let g = &s.guarantee;
    let mut panel = time_panel(sc, s.scenario.horizon_months, "Probability");
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
         (solid), and share in which that has happened at least once by then (dashed)."
            .to_string()
            + events_note(&panel),
    )
    .panel(Panel::Xy(panel))
}

fn coverage_fan(sc: &Scenario, s: &Summary, footer: &str) -> Figure {
    let m = &s.coverage.overall_by_month;
    let band = |lo: &[f64], hi: &[f64]| -> Vec<(f64, f64, f64)> {
        lo.iter()
            .zip(hi)
            .enumerate()
            .map(|(t, (&l, &h))| (t as f64, l, h))
            .collect()
    };
    let mut panel = time_panel(
        sc,
        s.scenario.horizon_months,
        "Overall coverage (% of need)",
    );
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
             median, and the bands within which 50% and 90% of trials fall."
                .to_string()
                + events_note(&panel),
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

fn coverage_hist(s: &Summary, footer: &str) -> Figure {
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
    // No thresholds here: they apply to each capability's own coverage,
    // and drawn on the overall figure they invited the wrong reading.
    .caption(
        "How overall (weighted) coverage at the horizon varies across trials, with its mean. \
         Overall coverage has no threshold of its own: the guarantee is met when each critical \
         capability reaches its own threshold (the capabilities chart shows each one's \
         coverage against its threshold).",
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
        // The median beside the mean: a capability covered fully in some
        // futures and not at all in others has a mean no trial is near.
        markers: vec![
            RowMarker {
                label: "Median (half of trials at or above)".into(),
                color: style::TEXT,
                values: cov.iter().map(|c| c.map(|c| c.p50)).collect(),
            },
            critical_thresholds(sc),
        ],
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
        "Mean coverage of each capability at the horizon with its median and the range of 90% \
         of trials, against the threshold it must reach; the second line gives P(coverage ≥ \
         threshold). A median far from the mean means the futures split: fully covered in \
         some, hardly at all in others.",
    )
    .height(rows_height(sc.capabilities.len(), 90))
    .panel(Panel::Bars(panel))
}

/// At most this many small multiples in `capabilities_by_month` (the
/// first in the file); `summary.json` and `by_month.csv` have them all.
const MAX_SMALL_MULTIPLES: usize = 12;

/// One small panel per capability (a shared 0-100% scale, its threshold
/// when critical): one panel with every capability and threshold in it
/// could not tell which threshold belongs to which line once there were
/// more capabilities than colours.
fn capabilities_by_month(sc: &Scenario, s: &Summary, footer: &str) -> Figure {
    let shown: Vec<_> = sc
        .capabilities
        .iter()
        .filter_map(|c| Some((c, s.coverage.capability.get(&c.id)?)))
        .take(MAX_SMALL_MULTIPLES)
        .collect();
    let columns = match shown.len() {
        0 | 1 => 1,
        2..=4 => 2,
        _ => 3,
    };
    let rows = shown.len().div_ceil(columns).max(1) as u32;
    let mut fig = Figure::new(
        "capabilities_by_month",
        "Coverage of each capability over time",
        footer,
    )
    .columns(columns)
    .height(260 + rows * 300);
    for (c, cv) in &shown {
        let mut panel = time_panel(sc, s.scenario.horizon_months, "");
        panel.x_label = String::new();
        // Markers without labels: in a small panel they would overlap; the
        // caption points to the chart that names them.
        panel.events.iter_mut().for_each(|e| e.label.clear());
        if let Some(start) = sc.start {
            panel.x_ticks = Some(calendar::ticks(start, s.scenario.horizon_months, 4));
        }
        panel.title = Some(c.name.clone());
        panel.lines.push(Line::new(
            "Mean coverage (capped at 100% of need in each trial)",
            palette::BLUE,
            by_month(&cv.mean_by_month),
        ));
        if c.critical {
            panel.rules.push(Rule::horizontal(
                "Threshold of a critical capability",
                c.threshold,
                palette::VERMILLION,
            ));
        }
        fig = fig.panel(Panel::Xy(panel));
    }
    let left_out = match sc.capabilities.len().saturating_sub(shown.len()) {
        0 => String::new(),
        n => format!(" {n} more capabilities are in summary.json and by_month.csv."),
    };
    let events = match sc.events.is_empty() {
        true => "",
        false => " Dotted lines: political events, named on the chart of P(met) by month.",
    };
    let axis = match sc.start {
        Some(_) => "calendar month",
        None => "months since the framework's start",
    };
    fig.caption(format!(
        "Mean coverage of each capability by {axis} (as a share of its need), one panel each \
         on the same 0-100% scale, with the threshold of each critical capability.\
         {events}{left_out}"
    ))
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
    let series = |label: &str, color, f: &dyn Fn(&MemberStats) -> Option<f64>| {
        BarSeries::new(
            label,
            color,
            list.iter().map(|(_, st)| Some((0.0, f(st)?))).collect(),
        )
        .values(list.iter().map(|(_, st)| Some(pct0(f(st)?))).collect())
    };
    let mut series = vec![
        series("Joins", palette::BLUE, &|st| Some(st.p_joined)),
        series("Pivotal (own pledges)", palette::ORANGE, &|st| {
            Some(st.p_pivotal)
        }),
        series(
            "Pivotal (all it brings, incl. through members that require it)",
            palette::VERMILLION,
            &|st| Some(st.p_pivotal_total),
        ),
    ];
    // Exits only where the scenario has any (v1 scenarios have none).
    let exits = list.iter().any(|(_, st)| st.p_exited.is_some());
    if exits {
        series.push(BarSeries::new(
            "Exits by the horizon",
            palette::SKY_BLUE,
            list.iter()
                .map(|(_, st)| Some((0.0, st.p_exited?)))
                .collect(),
        ));
        let last = series.last_mut().expect("just pushed");
        last.values = list
            .iter()
            .map(|(_, st)| Some(pct0(st.p_exited?)))
            .collect();
    }
    let per_row = 40 + 20 * series.len() as u32;
    let panel = BarPanel {
        x_label: "Probability".into(),
        x_range: (0.0, 1.0),
        x_fmt: Fmt::Percent,
        rows,
        series,
        grouped: true,
        markers: Vec::new(),
        rules: Vec::new(),
    };
    let exited = match exits {
        true => " Exits: the probability it joins and its pledges end by the horizon.",
        false => "",
    };
    Figure::new("members", "Who joins, and who makes the difference", footer)
        .subtitle(headline(s))
        .caption(
            "For each member, the probability it joins and the probability it is pivotal: the \
             guarantee is met at the horizon but would not be without its own pledges, or \
             without all it brings (its pledges, and those of members that join only with it \
             or leave with it)."
                .to_string()
                + exited
                + &shown_of(total, "members (most often pivotal first)"),
        )
        .height(rows_height(list.len(), per_row))
        .panel(Panel::Bars(panel))
}

/// Months of attack with fewer trials with an attack than this are left out
/// of the response chart: their P(honoured) is too noisy to read.
pub const MIN_ATTACKS: u64 = 30;

/// The 95% Wilson interval of a proportion `p` over `n` trials.
pub fn wilson(p: f64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n) = (1.959_963_984_540_054, n as f64);
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt() / (1.0 + z2n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The headline of the response: P(attack) and P(honoured | attack).
pub fn response_headline(r: &ResponseStats, horizon: u32) -> String {
    let honoured = match r.p_honoured_given_attack {
        Some(p) => format!(
            "P(honoured | attack) = {} (95% CI {}–{})",
            pct(p),
            pct(r.p_honoured_given_attack_ci95[0]),
            pct(r.p_honoured_given_attack_ci95[1])
        ),
        None => "no trial has an attack".into(),
    };
    format!(
        "P(attack within {horizon} months) = {}; {honoured}",
        pct(r.p_attack)
    )
}

/// `charts/response` (docs/model.md 7.2), only with `[attack]`: when an
/// attack comes (top) and whether the guarantee holds, by the month of the
/// attack (bottom).
fn response(sc: &Scenario, s: &Summary, footer: &str) -> Option<Figure> {
    let r = s.response.as_ref()?;
    let h = s.scenario.horizon_months;
    let mut top = time_panel(sc, h, "P(attacked by then)");
    let peak = r.p_attack_by_month.iter().copied().fold(0.0, f64::max);
    top.y_range = (0.0, (peak * 1.15).clamp(0.05, 1.0));
    top.lines.push(Line::new(
        "Renewed attack by month t",
        palette::VERMILLION,
        by_month(&r.p_attack_by_month),
    ));
    // One axis title for both panels, under the bottom one.
    top.x_label = String::new();
    let mut bottom = time_panel(sc, h, "P(honoured | attack)");
    // Months with enough attacks, in runs of consecutive months: a gap is
    // not bridged by a line.
    let mut runs: Vec<Vec<(f64, f64, u64)>> = Vec::new();
    let mut last = None;
    for (t, (&n, p)) in r
        .attacks_by_month
        .iter()
        .zip(&r.p_honoured_by_attack_month)
        .enumerate()
    {
        let Some(p) = p.filter(|_| n >= MIN_ATTACKS) else {
            continue;
        };
        if last != Some(t.wrapping_sub(1)) {
            runs.push(Vec::new());
        }
        last = Some(t);
        runs.last_mut().expect("a run").push((t as f64 + 0.5, p, n));
    }
    for run in &runs {
        bottom.bands.push(Band {
            label: "95% interval (Wilson)".into(),
            color: palette::BLUE,
            opacity: 0.2,
            points: run
                .iter()
                .map(|&(x, p, n)| {
                    let (lo, hi) = wilson(p, n);
                    (x, lo, hi)
                })
                .collect(),
        });
        bottom.lines.push(
            Line::new(
                "Honoured, by month of the attack",
                palette::BLUE,
                run.iter().map(|&(x, p, _)| (x, p)).collect(),
            )
            .markers(),
        );
    }
    if let Some(p) = r.p_honoured_given_attack {
        bottom.rules.push(Rule::horizontal(
            format!("All attacks: {}", pct(p)),
            p,
            palette::BLACK,
        ));
    }
    // Scaled to the values and their bands, as the sweep's axis: a rate of
    // a few percent on a 0-100% axis is a flat line at the bottom.
    bottom.y_range = data_range(
        bottom
            .bands
            .iter()
            .flat_map(|b| b.points.iter().flat_map(|&(_, lo, hi)| [lo, hi]))
            .chain(r.p_honoured_given_attack),
    );
    let hidden = r
        .attacks_by_month
        .iter()
        .filter(|&&n| n > 0 && n < MIN_ATTACKS)
        .count();
    let hidden = match hidden {
        0 => String::new(),
        k => format!(
            " {k} month(s) with fewer than {MIN_ATTACKS} attacks are not shown (too few to read)."
        ),
    };
    let when = match r.attacks {
        0 => String::new(),
        _ => format!(" P(attacked and not honoured) = {}.", pct(r.p_failed)),
    };
    let caption = format!(
        "Top: the probability that a renewed attack has come by each month (at most one per \
         trial). Bottom: the probability that the guarantee is honoured (every tested \
         capability's response reaches its threshold in time), by the month the attack comes \
         (points at mid-month), with its 95% interval; the dashed line is the figure over all \
         attacks. Both vertical axes are scaled to the values shown.{when}{hidden}{}",
        events_note(&top)
    );
    Some(
        Figure::new(
            "response",
            "If the guarantee is tested: when an attack comes, and whether help arrives",
            footer,
        )
        .subtitle(response_headline(r, h))
        .caption(caption)
        .height(960)
        .panel(Panel::Xy(top))
        .panel(Panel::Xy(bottom)),
    )
}

/// The sentence on `mc_noise_share` (docs/model.md 8.4), for the chart's
/// caption and the report.
pub fn mc_noise_text(u: &Uncertainty) -> String {
    match u.mc_noise_share {
        None => "P(met) does not vary across the outer samples, so there is no spread to \
                 split between the inputs and Monte Carlo noise."
            .into(),
        Some(share) => {
            let share = share.clamp(0.0, 1.0);
            let verdict = if share < 0.1 {
                "the spread comes from the inputs, not from the number of trials"
            } else if share <= 0.5 {
                "most of the spread comes from the inputs, but part of it is the noise of \
                 too few trials per sample"
            } else {
                "the spread is mostly Monte Carlo noise: run more trials per outer sample \
                 before reading it"
            };
            format!(
                "Monte Carlo noise (too few trials in each sample) accounts for {} of the \
                 spread across samples: {verdict}.",
                pct0(share)
            )
        }
    }
}

/// The headline's spread across outer samples: "12% to 36% across
/// plausible inputs (90%)".
pub fn spread_text(p: &Spread) -> String {
    format!(
        "{} to {} across plausible inputs (90%)",
        pct0(p.p05),
        pct0(p.p95)
    )
}

/// `charts/uncertainty` (docs/model.md 8), only with uncertain inputs: how
/// far P(met) moves across outer samples (top), and which uncertain inputs
/// move it (bottom, by rank correlation).
fn uncertainty(s: &Summary, footer: &str) -> Option<Figure> {
    let u = s.uncertainty.as_ref()?;
    let g = &s.guarantee;
    let h = s.scenario.horizon_months;
    let attack = u.p_honoured_given_attack.as_ref().and_then(Option::as_ref);
    // Top: one row per spread across samples, and the pooled figure.
    let mut spreads: Vec<(String, String, &Spread)> = vec![(
        format!("P(met at month {h})"),
        format!("across {} outer samples", u.outer_samples),
        &u.p_met,
    )];
    if let Some(a) = attack {
        spreads.push((
            "P(honoured | attack)".into(),
            "across the samples with an attack".into(),
            a,
        ));
    }
    let n = spreads.len() + 1;
    let mut rows: Vec<RowLabel> = spreads
        .iter()
        .map(|(main, sub, _)| RowLabel {
            main: main.clone(),
            sub: Some(sub.clone()),
        })
        .collect();
    rows.push(RowLabel {
        main: "P(met), pooled".into(),
        sub: Some(format!("all {} trials", number(s.trials as f64))),
    });
    let per_spread = |f: &dyn Fn(&Spread) -> f64| -> Vec<Option<f64>> {
        spreads
            .iter()
            .map(|(_, _, p)| Some(f(p)))
            .chain([None])
            .collect()
    };
    let boxes = BarSeries::new(
        "Middle half of the samples (25th–75th percentile)",
        palette::SKY_BLUE,
        spreads
            .iter()
            .map(|(_, _, p)| Some((p.p25, p.p75)))
            .chain([None])
            .collect(),
    )
    .whiskers(
        "90% of the samples (5th–95th percentile)",
        spreads
            .iter()
            .map(|(_, _, p)| Some((p.p05, p.p95)))
            .chain([None])
            .collect(),
    )
    .values(
        spreads
            .iter()
            .map(|(_, _, p)| Some(format!("90%: {} to {}", pct0(p.p05), pct0(p.p95))))
            .chain([None])
            .collect(),
    );
    let mut pooled_span = vec![None; n];
    pooled_span[n - 1] = Some((g.p_met_ci95[0], g.p_met_ci95[1]));
    let mut pooled_value = vec![None; n];
    pooled_value[n - 1] = Some(format!(
        "{} (95% CI {}–{})",
        pct(g.p_met),
        pct(g.p_met_ci95[0]),
        pct(g.p_met_ci95[1])
    ));
    // Grey: blue and vermillion are the signs of the panel below.
    let pooled = BarSeries::new(
        "Pooled P(met): 95% interval (Monte Carlo error and input uncertainty)",
        plotters::style::RGBColor(190, 190, 190),
        pooled_span,
    )
    .values(pooled_value);
    let mut pooled_mark = vec![None; n];
    pooled_mark[n - 1] = Some(g.p_met);
    let ends = spreads
        .iter()
        .flat_map(|(_, _, p)| [p.p05, p.p95])
        .chain(g.p_met_ci95);
    let (lo, hi) = data_range(ends);
    let top = BarPanel {
        x_label: "Probability".into(),
        x_range: (lo, hi),
        x_fmt: Fmt::Percent,
        rows,
        series: vec![boxes, pooled],
        grouped: false,
        markers: vec![
            RowMarker {
                label: "Median of the samples".into(),
                color: style::TEXT,
                values: per_spread(&|p| p.p50),
            },
            // The pooled figure is the samples' mean weighted by their
            // trials: one mark for both.
            RowMarker {
                label: "Mean of the samples; pooled figure".into(),
                color: palette::ORANGE,
                values: per_spread(&|p| p.mean)
                    .into_iter()
                    .zip(pooled_mark)
                    .map(|(a, b)| a.or(b))
                    .collect(),
            },
        ],
        rules: Vec::new(),
    };
    // Bottom: the uncertain inputs by |rank correlation|.
    let total = u.inputs.len();
    let inputs = &u.inputs[..total.min(MAX_ROWS)];
    let side = |label: &str, color, positive: bool| {
        let pick = |r: Option<f64>| r.filter(|&r| (r >= 0.0) == positive);
        BarSeries::new(
            label,
            color,
            inputs
                .iter()
                .map(|i| pick(i.rank_correlation).map(|r| (0.0, r)))
                .collect(),
        )
        .values(
            inputs
                .iter()
                .map(|i| pick(i.rank_correlation).map(|r| format!("{r:+.2}")))
                .collect(),
        )
    };
    let bottom = BarPanel {
        x_label: "Rank correlation with P(met) across samples (Spearman)".into(),
        x_range: (-1.0, 1.0),
        x_fmt: Fmt::Number(1),
        rows: inputs
            .iter()
            .map(|i| RowLabel {
                main: i.field.clone(),
                sub: match i.rank_correlation {
                    Some(_) => None,
                    None => Some("undefined (its draws do not vary)".into()),
                },
            })
            .collect(),
        series: vec![
            side("Higher value, higher P(met)", palette::BLUE, true),
            side("Higher value, lower P(met)", palette::VERMILLION, false),
        ],
        grouped: false,
        markers: Vec::new(),
        rules: vec![Rule {
            dashed: false,
            ..Rule::vertical("", 0.0, palette::BLACK)
        }],
    };
    let rows = n.max(inputs.len().max(1));
    Some(
        Figure::new(
            "uncertainty",
            "How much the answer depends on what we do not know",
            footer,
        )
        .subtitle(format!(
            "P(met at month {h}) {} pooled; {}",
            pct0(g.p_met),
            spread_text(&u.p_met)
        ))
        .caption(format!(
            "Some inputs are uncertain (given as distributions). Each of the {} outer samples \
             draws one plausible value for every uncertain input and runs its share of the \
             trials with those values. Top: how P(met) varies across the samples, that is \
             across plausible inputs (box: the middle half of the samples; whiskers: 90% of \
             them), against the pooled figure over all trials and its 95% interval, which \
             counts both the Monte Carlo error and the input uncertainty. {} Bottom: each \
             uncertain input's rank correlation with the samples' P(met), largest in \
             magnitude on top: blue where a higher value goes with a higher P(met), \
             vermillion where it goes with a lower one; near 0, the input hardly moves the \
             answer.{}",
            u.outer_samples,
            mc_noise_text(u),
            shown_of(total, "uncertain inputs (largest correlation first)")
        ))
        .height(rows_height(2 * rows, 80).max(style::HEIGHT + 200))
        .panel(Panel::Bars(top))
        .panel(Panel::Bars(bottom)),
    )
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

/// Tornado chart for `sensitivity` (`charts/tornado.*`): for each pair of
/// variants of every kind (a member forced out / in, a need -20% / +20%, an
/// uncertain input at p10 / p90, a member's amounts x0.8 / x1.2; the label
/// says which), P(met) at the low and the high setting around the
/// baseline, sorted by |swing|, largest on top.
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
    let left_out = match total - sorted.len() {
        0 => String::new(),
        n => format!(
            " {n} of {total} bars with the smallest swings are left out (the largest \
             {MAX_ROWS} shown); sensitivity.csv has them all."
        ),
    };
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
            side(
                "Low setting (member out, need -20%, p10, amounts x0.8)",
                palette::VERMILLION,
                |b| b.1,
            ),
            side(
                "High setting (member in, need +20%, p90, amounts x1.2)",
                palette::BLUE,
                |b| b.2,
            ),
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
        .subtitle("Which member or input moves the guarantee most (largest swing on top)")
        .caption(
            "P(guarantee met at the horizon) at each input's low and high setting, around the \
             baseline: a member forced out and in, a need -20% and +20%, an uncertain input at \
             its 10th and 90th percentile, a member's pledge amounts x0.8 and x1.2, all on the \
             same random numbers. The axis is scaled to the bars."
                .to_string()
                + &left_out,
        )
        .height(rows_height(sorted.len(), 64))
        .panel(Panel::Bars(panel))
}

/// A two-way sweep's heatmap (`charts/sweep`): P(met) for each pair of
/// values, `cells[row][column]` with rows the second key's values (bottom
/// up) and columns the first key's, and the contour at `target`. The axes
/// are labelled with `xs` and `ys`, one label per value (numbers, or the
/// labels of values that are not numbers); long column labels wrap between
/// words and the canvas widens so that none is cut.
#[allow(clippy::too_many_arguments)]
pub fn grid_chart(
    x_key: &str,
    xs: &[String],
    y_key: &str,
    ys: &[String],
    cells: &[Vec<f64>],
    target: f64,
    prov_line: &str,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    let (lo, hi) = cells
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let reached = cells.iter().flatten().filter(|&&v| v >= target).count();
    let total = cells.iter().map(Vec::len).sum::<usize>();
    // Beside the columns: the margins and the row labels (grid::draw).
    let y_label_w = ys.iter().map(|t| tick_width(t)).fold(0.0, f64::max);
    let side = 2.0 * style::MARGIN as f64 + y_label_w + 60.0;
    let width = category_canvas(xs, side);
    let slot = (f64::from(width) - side) / xs.len().max(1) as f64;
    let (x_ticks, every) = category_ticks(xs, slot);
    let fig = Figure::new(
        "sweep",
        format!(
            "Where the guarantee reaches {}: P(met) over two parameters",
            pct0(target)
        ),
        prov_line,
    )
    .subtitle(format!(
        "P(met at the horizon) from {} to {}; {reached} of {total} combinations reach {}",
        pct0(lo),
        pct0(hi),
        pct0(target)
    ))
    .caption(format!(
        "Each cell is one run on common random numbers (the same draws for every cell), so \
         differences between cells come from the parameters. The line follows cell edges: \
         it is drawn between neighbouring cells on either side of {} (change it with --target).{}",
        pct0(target),
        every_nth(every)
    ))
    .width(width)
    // A wider canvas is taller too, so that cells do not flatten.
    .height(
        (style::HEIGHT * width / style::WIDTH + tick_lines(&x_ticks) * xy::TICK_LINE)
            .min(MAX_CATEGORY_HEIGHT),
    )
    .panel(Panel::Grid(grid::GridPanel {
        x_label: x_key.to_string(),
        y_label: y_key.to_string(),
        x_ticks,
        y_ticks: ys.to_vec(),
        cells: cells.to_vec(),
        target,
    }));
    figure_files(&[fig], formats)
}

/// Widest canvas a chart over labelled values grows to, so that their
/// labels fit; beyond it only every k-th value is labelled.
pub const MAX_CATEGORY_WIDTH: u32 = 4200;

/// Tallest canvas a chart over labelled values grows to for labels of
/// many lines.
pub const MAX_CATEGORY_HEIGHT: u32 = 4000;

/// Room between neighbouring tick labels.
const TICK_GAP: f64 = 24.0;

/// The width of `text` at tick size, in pixels.
fn tick_width(text: &str) -> f64 {
    let fallback = 0.6 * f64::from(style::TICK) * text.chars().count() as f64;
    if font::ensure_registered().is_err() {
        return fallback;
    }
    style::text(style::TICK, style::TEXT)
        .font
        .box_size(text)
        .map_or(fallback, |(w, _)| f64::from(w))
}

/// The widest word of any label, in pixels.
fn widest_word(labels: &[String]) -> f64 {
    labels
        .iter()
        .flat_map(|l| l.split(' '))
        .map(tick_width)
        .fold(0.0, f64::max)
}

/// A slot wide enough for a label on a line or two: wrapping a label
/// narrower than this costs more height than the width it saves.
const WIDE_SLOT: f64 = 160.0;

/// The canvas width for one slot per label beside `side` pixels of
/// margins and axis: the default, or wider so that each label's longest
/// word fits its slot (and a label fits on one line where it is not much
/// wider than `WIDE_SLOT`), at most `MAX_CATEGORY_WIDTH`.
fn category_canvas(labels: &[String], side: f64) -> u32 {
    let widest = labels.iter().map(|l| tick_width(l)).fold(0.0, f64::max);
    let slot = widest_word(labels).max(widest.min(WIDE_SLOT));
    let need = side + labels.len() as f64 * (slot + TICK_GAP);
    (need.ceil() as u32).clamp(style::WIDTH, MAX_CATEGORY_WIDTH)
}

/// Tick labels for slots `slot` pixels wide, each wrapped between words
/// (`\n`) to fit its room; when even one word is wider than a slot, only
/// every k-th label is kept (the others are empty), with k returned.
fn category_ticks(labels: &[String], slot: f64) -> (Vec<String>, usize) {
    let every = (((widest_word(labels) + TICK_GAP) / slot.max(1.0)).ceil() as usize).max(1);
    let room = every as f64 * slot - TICK_GAP;
    let ticks = labels
        .iter()
        .enumerate()
        .map(|(i, l)| match i % every {
            0 => wrap_words(l, room),
            _ => String::new(),
        })
        .collect();
    (ticks, every)
}

/// `text` broken into lines (`\n`) between words, each at most `room`
/// pixels wide where its words allow.
pub fn wrap_words(text: &str, room: f64) -> String {
    figure::wrap_lines(text, room, tick_width).join("\n")
}

/// The most extra lines (beyond the first) of any tick label.
fn tick_lines(ticks: &[String]) -> u32 {
    ticks
        .iter()
        .map(|t| t.split('\n').count() as u32 - 1)
        .max()
        .unwrap_or(0)
}

/// A caption's note when only every k-th value is labelled.
fn every_nth(every: usize) -> String {
    match every {
        1 => String::new(),
        k => format!(
            " There are too many values to label each: every {k}th is labelled \
             (sweep.csv lists them all)."
        ),
    }
}

/// One value of a sweep over values that are not all numbers (e.g.
/// distributions), shown on a categorical axis by its label.
#[derive(Clone, Debug, PartialEq)]
pub struct CategoryPoint {
    pub label: String,
    pub p_met: f64,
    pub p_met_ci95: [f64; 2],
    pub coverage_mean: f64,
}

/// Sweep chart over labelled values (`charts/sweep.*`): one slot per value
/// in the order given, labelled under the axis (wrapped between words,
/// never cut): P(met) as a dot with its 95% interval as a bar (top), and
/// mean coverage as a dot (bottom).
pub fn sweep_category_chart(
    param: &str,
    words: &str,
    points: &[CategoryPoint],
    prov_line: &str,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    figure_files(
        &[sweep_category_figure(param, words, points, prov_line)],
        formats,
    )
}

/// `words`: the key in words, for the title (the key itself labels the axis).
pub fn sweep_category_figure(
    param: &str,
    words: &str,
    points: &[CategoryPoint],
    prov_line: &str,
) -> Figure {
    let labels: Vec<String> = points.iter().map(|p| p.label.clone()).collect();
    // Beside the plot: the margins and the y axis's labels (xy::draw).
    let side = 2.0 * style::MARGIN as f64 + 12.0 + 110.0;
    let width = category_canvas(&labels, side);
    let n = points.len().max(1);
    let slot = (f64::from(width) - side) / n as f64;
    let (ticks, every) = category_ticks(&labels, slot);
    let x_ticks: Vec<(f64, String)> = ticks
        .iter()
        .enumerate()
        .map(|(i, t)| (i as f64, t.clone()))
        .collect();
    let x_range = (-0.5, n as f64 - 0.5);
    let xs = |f: fn(&CategoryPoint) -> f64| -> Vec<(f64, f64)> {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, f(p)))
            .collect()
    };
    let mut top = XyPanel::new("", "P(guarantee met)");
    top.x_range = x_range;
    top.y_range = data_range(points.iter().flat_map(|p| p.p_met_ci95));
    top.x_ticks = Some(x_ticks.clone());
    // Each value's interval as a bar of its own: nothing lies between values.
    let half = 0.18;
    top.bands.extend(points.iter().enumerate().map(|(i, p)| {
        let x = i as f64;
        let [lo, hi] = p.p_met_ci95;
        Band {
            label: "95% interval".into(),
            color: palette::BLUE,
            opacity: 0.2,
            points: vec![(x - half, lo, hi), (x + half, lo, hi)],
        }
    }));
    top.lines.push(
        Line::new(
            "P(guarantee met at the horizon)",
            palette::BLUE,
            xs(|p| p.p_met),
        )
        .dots(),
    );
    let mut bottom = XyPanel::new(param, "Mean overall coverage");
    bottom.x_range = x_range;
    bottom.y_range = data_range(points.iter().map(|p| p.coverage_mean));
    bottom.x_ticks = Some(x_ticks);
    bottom.lines.push(
        Line::new(
            "Mean overall coverage at the horizon",
            palette::GREEN,
            xs(|p| p.coverage_mean),
        )
        .dots(),
    );
    Figure::new("sweep", format!("What if this changes: {words}"), prov_line)
        .caption(format!(
            "P(guarantee met at the horizon) with its 95% interval (top) and mean overall \
             coverage (bottom) for each value of {param}, in the order given. The vertical \
             axes are scaled to the values shown; they do not start at 0%.{}",
            every_nth(every)
        ))
        .width(width)
        .height((900 + 2 * tick_lines(&ticks) * xy::TICK_LINE).min(MAX_CATEGORY_HEIGHT))
        .panel(Panel::Xy(top))
        .panel(Panel::Xy(bottom))
}

/// Sweep chart (`charts/sweep.*`): P(met) with its 95% interval, and mean
/// coverage, against the swept parameter's value.
pub fn sweep_chart(
    param: &str,
    words: &str,
    points: &[(f64, f64, [f64; 2], f64)],
    prov_line: &str,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    figure_files(&[sweep_figure(param, words, points, prov_line)], formats)
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

/// `words`: the key in words, for the title (the key itself labels the axis).
pub fn sweep_figure(
    param: &str,
    words: &str,
    points: &[(f64, f64, [f64; 2], f64)],
    prov_line: &str,
) -> Figure {
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
    Figure::new("sweep", format!("What if this changes: {words}"), prov_line)
        .caption(format!(
            "P(guarantee met at the horizon) with its 95% interval (top) and mean overall \
             coverage (bottom) for each value of {param}. The vertical axes are scaled to the \
             values shown; they do not start at 0%."
        ))
        .height(900)
        .panel(Panel::Xy(top))
        .panel(Panel::Xy(bottom))
}

/// A value of a solved key as text, to a precision that suits its range
/// (whole numbers for a whole-number search).
pub fn solve_value_text(solve: &Solve, v: f64) -> String {
    if solve.integer {
        return trim(v, 0);
    }
    let range = solve.between[1] - solve.between[0];
    let decimals = (4.0 - range.log10().floor()).clamp(0.0, 12.0) as usize;
    trim(v, decimals)
}

/// Solve chart (`charts/solve.*`): the metric with its 95% interval at
/// every value evaluated, the target, and where the curve crosses it with
/// the interval the Monte Carlo error leaves on the answer.
pub fn solve_chart(
    solve: &Solve,
    words: &str,
    prov_line: &str,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    figure_files(&[solve_figure(solve, words, prov_line)], formats)
}

/// `words`: the key in words, for the title (the key itself labels the axis).
pub fn solve_figure(solve: &Solve, words: &str, prov_line: &str) -> Figure {
    let mut pts = solve.evaluations.clone();
    pts.sort_by(|a, b| a.value.total_cmp(&b.value));
    let [lo, hi] = solve.between;
    let pad = 0.03 * (hi - lo);
    let label = solve.metric.label();
    let mut panel = XyPanel::new(solve.param.clone(), label);
    panel.x_range = (lo - pad, hi + pad);
    panel.y_range = data_range(
        pts.iter()
            .flat_map(|p| [p.ci95[0], p.ci95[1]])
            .chain([solve.target]),
    );
    panel.x_fmt = Fmt::Number(3);
    panel.bands.push(Band {
        label: "95% interval".into(),
        color: palette::BLUE,
        opacity: 0.2,
        points: pts
            .iter()
            .map(|p| (p.value, p.ci95[0], p.ci95[1]))
            .collect(),
    });
    let curve = Line::new(
        format!("{label} (each dot an estimate)"),
        palette::BLUE,
        pts.iter().map(|p| (p.value, p.metric)).collect(),
    )
    .markers();
    panel.lines.push(match solve.reached {
        true => curve,
        // Only the ends were estimated: the curve between them is unknown.
        false => Line {
            label: format!("{label} at the ends (not searched between)"),
            ..curve.dashed()
        },
    });
    let target = format!("{}%", trim(100.0 * solve.target, 1));
    panel.rules.push(Rule::horizontal(
        format!("Target {target}"),
        solve.target,
        palette::VERMILLION,
    ));
    let text = |v: f64| solve_value_text(solve, v);
    let subtitle = match (solve.value, solve.interval) {
        (Some(value), Some([a, b])) => {
            panel.rules.push(Rule {
                dashed: false,
                ..Rule::vertical(format!("Answer {}", text(value)), value, palette::BLACK)
            });
            for v in [a, b] {
                if v != value {
                    // One legend entry for both ends.
                    panel.rules.push(Rule::vertical(
                        "95% interval of the answer",
                        v,
                        style::MUTED,
                    ));
                }
            }
            format!(
                "{} = {} (95% interval {} to {}) gives {} = {target}",
                solve.param,
                text(value),
                text(a),
                text(b),
                solve.metric.short_label(),
            )
        }
        _ => {
            let closest = solve.closest.map_or(String::new(), |c| {
                format!("; closest {} at {}", pct(c.metric), text(c.value))
            });
            format!(
                "Target {target} out of reach for {} in [{}, {}]{closest}",
                solve.param,
                text(lo),
                text(hi)
            )
        }
    };
    Figure::new(
        "solve",
        format!(
            "Where {} reaches {target}: {words}",
            solve.metric.short_label()
        ),
        prov_line,
    )
    .subtitle(subtitle)
    .caption(format!(
        "{label} with its 95% interval at each value of {} estimated (common random \
         numbers: the same seed and trials for all {}). The answer is where the curve \
         crosses the target; the interval, where the 95% bounds cross it: the values the \
         Monte Carlo error cannot tell apart from the answer. The vertical axis is scaled \
         to the values shown.",
        solve.param,
        solve.evaluations.len()
    ))
    .panel(Panel::Xy(panel))
}

/// The charts of `compare` (`charts/compare_p_met_by_month.*`,
/// `charts/compare_coverage.*`: one series per scenario;
/// `charts/compare_differences.*`: the paired differences); in memory, as
/// `run_charts`.
pub fn compare_charts(
    names: &[String],
    summaries: &[Summary],
    comparison: &Comparison,
    prov_line: &str,
    formats: &[ChartFormat],
) -> Result<Vec<OutputFile>> {
    figure_files(
        &compare_figures(names, summaries, comparison, prov_line),
        formats,
    )
}

pub fn compare_figures(
    names: &[String],
    summaries: &[Summary],
    comparison: &Comparison,
    prov_line: &str,
) -> Vec<Figure> {
    let horizon = summaries
        .iter()
        .map(|s| s.scenario.horizon_months)
        .max()
        .unwrap_or(1);
    // Plans that share a calendar start are drawn on calendar months.
    let start = summaries
        .iter()
        .map(|s| s.scenario.start.as_deref().and_then(calendar::parse))
        .reduce(|a, b| if a == b { a } else { None })
        .flatten();
    let x_label = match start {
        Some(start) => format!(
            "Calendar month (month 0 of the framework = {})",
            calendar::month_name(start)
        ),
        None => "Month since the framework's start".into(),
    };
    let mut p_met = XyPanel::new(x_label, "P(guarantee met at month t)");
    p_met.x_range = months_axis(horizon);
    p_met.x_fmt = Fmt::Number(1);
    p_met.x_ticks = start.map(|start| calendar::ticks(start, horizon, CALENDAR_TICKS));
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
        differences_figure(names, comparison, prov_line),
    ]
}

/// `charts/compare_differences`: each plan's paired difference to plan 0
/// in P(met) (and, with an attack, in P(honoured | attack)), in percentage
/// points with its 95% interval: the figure a comparison is about, which
/// two curves side by side leave the reader to work out.
fn differences_figure(names: &[String], c: &Comparison, prov_line: &str) -> Figure {
    let rows: Vec<RowLabel> = c
        .paired
        .iter()
        .map(|p| RowLabel {
            main: names.get(p.other).cloned().unwrap_or_default(),
            sub: Some(format!(
                "paired se {} pts (independent runs: {})",
                trim(100.0 * p.p_met_diff.se, 2),
                trim(100.0 * p.p_met_diff.se_independent, 2)
            )),
        })
        .collect();
    let pts = |d: f64| 100.0 * d;
    let label = |d: &Difference| {
        format!(
            "{}{} pts",
            if d.estimate >= 0.0 { "+" } else { "" },
            trim(pts(d.estimate), 1)
        )
    };
    let series = |name: &str, color, diff: &dyn Fn(&Paired) -> Option<Difference>| {
        let ds: Vec<Option<Difference>> = c.paired.iter().map(diff).collect();
        BarSeries::new(
            name,
            color,
            ds.iter()
                .map(|d| d.as_ref().map(|d| (0.0, pts(d.estimate))))
                .collect(),
        )
        .whiskers(
            "95% interval (paired)",
            ds.iter()
                .map(|d| d.as_ref().map(|d| (pts(d.ci95[0]), pts(d.ci95[1]))))
                .collect(),
        )
        .values(ds.iter().map(|d| d.as_ref().map(label)).collect())
    };
    let mut all = vec![series(
        "P(guarantee met at the horizon)",
        palette::BLUE,
        &|p| Some(p.p_met_diff.clone()),
    )];
    let tested = c
        .paired
        .iter()
        .any(|p| p.p_honoured_given_attack_diff.is_some());
    if tested {
        all.push(series("P(honoured | attack)", palette::ORANGE, &|p| {
            p.p_honoured_given_attack_diff.clone().flatten()
        }));
    }
    let ends = all
        .iter()
        .flat_map(|s| {
            s.whiskers
                .iter()
                .flat_map(|(_, w)| w.iter().flatten().flat_map(|&(a, b)| [a, b]))
        })
        .chain([0.0]);
    let (lo, hi) = ends.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let room = (0.15 * (hi - lo)).max(1.0);
    let panel = BarPanel {
        x_label: "Difference to the first plan (percentage points)".into(),
        x_range: (lo - room, hi + room),
        x_fmt: Fmt::Number(1),
        rows,
        grouped: tested,
        series: all,
        markers: Vec::new(),
        rules: vec![Rule::vertical("No difference", 0.0, palette::BLACK)],
    };
    Figure::new(
        "compare_differences",
        "How much each plan changes the odds, against the first",
        prov_line,
    )
    .subtitle("Paired on common random numbers: the same futures under each plan")
    .caption(format!(
        "Each bar is a plan's difference to the first plan ({}), from per-trial paired \
         outcomes, with its 95% interval; the second line gives its standard error and the \
         one two independent runs would have had.",
        names.first().map_or("plan 0", String::as_str)
    ))
    .height(rows_height(
        c.paired.len().max(1),
        if tested { 110 } else { 80 },
    ))
    .panel(Panel::Bars(panel))
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
