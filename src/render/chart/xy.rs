//! Panels with numeric x and y axes: lines, bands, histogram bars and
//! reference lines (fan charts, probability curves, histograms, sweeps).

use super::figure::{Key, Rule, grid_style};
use super::style::{self, Fmt};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

#[derive(Clone, Debug)]
pub struct XyPanel {
    pub x_label: String,
    pub y_label: String,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub x_fmt: Fmt,
    pub y_fmt: Fmt,
    /// Filled regions between two curves, drawn first.
    pub bands: Vec<Band>,
    /// Filled rectangles from y = 0 (histograms).
    pub bars: Vec<Bars>,
    pub lines: Vec<Line>,
    pub rules: Vec<Rule>,
    /// Ticks at these x values with these labels instead of numbers (a
    /// calendar axis, a categorical axis); a label may have several lines
    /// (`\n`), the label area grows to fit them. `None`: numeric ticks in
    /// `x_fmt`.
    pub x_ticks: Option<Vec<(f64, String)>>,
    /// Dated events: vertical markers labelled at the top of the plot.
    pub events: Vec<EventMark>,
    /// A heading over the panel (one of several small multiples).
    pub title: Option<String>,
}

/// An event on a time axis: a dashed vertical line at `at`, over a shaded
/// `range` when its time is uncertain, with a short label.
#[derive(Clone, Debug)]
pub struct EventMark {
    pub label: String,
    pub at: f64,
    pub range: Option<(f64, f64)>,
}

/// Legend entries of event markers (shared by every panel that has some).
pub const EVENT_KEY: &str = "Political event (labelled at the top)";
/// The same, in small multiples, whose markers are not labelled.
pub const EVENT_UNLABELLED_KEY: &str = "Political event (named on the chart of P(met) by month)";
pub const EVENT_RANGE_KEY: &str = "Event's 5th–95th percentile month";
const EVENT_OPACITY: f64 = 0.14;

#[derive(Clone, Debug)]
pub struct Band {
    pub label: String,
    pub color: RGBColor,
    pub opacity: f64,
    /// (x, low, high), in x order.
    pub points: Vec<(f64, f64, f64)>,
}

#[derive(Clone, Debug)]
pub struct Bars {
    pub label: String,
    pub color: RGBColor,
    /// (x from, x to, height).
    pub rects: Vec<(f64, f64, f64)>,
}

#[derive(Clone, Debug)]
pub struct Line {
    pub label: String,
    pub color: RGBColor,
    pub width: u32,
    pub dashed: bool,
    /// Draw a dot at every point.
    pub markers: bool,
    /// Join the points with a line (not for values on a categorical axis,
    /// where nothing lies between them).
    pub joined: bool,
    pub points: Vec<(f64, f64)>,
}

impl Line {
    pub fn new(label: impl Into<String>, color: RGBColor, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.into(),
            color,
            width: 4,
            dashed: false,
            markers: false,
            joined: true,
            points,
        }
    }
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
    pub fn markers(mut self) -> Self {
        self.markers = true;
        self
    }
    /// Dots only, not joined.
    pub fn dots(mut self) -> Self {
        self.markers = true;
        self.joined = false;
        self
    }
}

impl XyPanel {
    pub fn new(x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self {
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
            x_fmt: Fmt::Number(2),
            y_fmt: Fmt::Percent,
            bands: Vec::new(),
            bars: Vec::new(),
            lines: Vec::new(),
            rules: Vec::new(),
            x_ticks: None,
            events: Vec::new(),
            title: None,
        }
    }

    pub(super) fn legend(&self) -> Vec<(String, Key)> {
        let bands = self.bands.iter().map(|b| {
            (
                b.label.clone(),
                Key::Fill {
                    color: b.color,
                    opacity: b.opacity,
                },
            )
        });
        let bars = self.bars.iter().map(|b| {
            (
                b.label.clone(),
                Key::Fill {
                    color: b.color,
                    opacity: 1.0,
                },
            )
        });
        let lines = self.lines.iter().map(|l| {
            let key = match l.joined {
                true => Key::Line {
                    color: l.color,
                    dashed: l.dashed,
                },
                false => Key::Dot(l.color),
            };
            (l.label.clone(), key)
        });
        let rules = self.rules.iter().map(|r| (r.label.clone(), r.key()));
        let mut events = Vec::new();
        if !self.events.is_empty() {
            let key = match self.events.iter().all(|e| e.label.is_empty()) {
                true => EVENT_UNLABELLED_KEY,
                false => EVENT_KEY,
            };
            events.push((key.to_string(), Key::Marker(style::MUTED)));
        }
        if self.events.iter().any(|e| e.range.is_some()) {
            let key = Key::Fill {
                color: style::MUTED,
                opacity: EVENT_OPACITY,
            };
            events.push((EVENT_RANGE_KEY.to_string(), key));
        }
        bars.chain(bands)
            .chain(lines)
            .chain(rules)
            .chain(events)
            .collect()
    }
}

/// A range that plotters can draw even when the data is degenerate.
pub(super) fn usable(r: (f64, f64)) -> std::ops::Range<f64> {
    let (lo, hi) = (r.0.min(r.1), r.0.max(r.1));
    if hi - lo > 1e-12 && lo.is_finite() && hi.is_finite() {
        lo..hi
    } else if lo.is_finite() {
        lo - 0.5..lo + 0.5
    } else {
        0.0..1.0
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    p: &XyPanel,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    // Room for the tick labels' extra lines, if any have several.
    let extra_lines = p
        .x_ticks
        .iter()
        .flatten()
        .map(|(_, label)| label.split('\n').count() - 1)
        .max()
        .unwrap_or(0);
    // A small multiple's heading, left-aligned over its plot and broken
    // between words to the panel's width: two lines at most, and room for
    // two always, so the plots of a row line up.
    let mut heading = 0;
    if let Some(title) = &p.title {
        let font = style::bold(style::AXIS, style::TEXT).pos(Pos::new(HPos::Left, VPos::Top));
        let (x0, y0) = area.get_base_pixel();
        let room = area
            .dim_in_pixel()
            .0
            .saturating_sub(2 * style::MARGIN as u32);
        let line_h = style::AXIS as i32 + 6;
        for (i, line) in super::figure::fit_lines(area, title, &font, room)
            .iter()
            .take(2)
            .enumerate()
        {
            root.draw_text(
                line,
                &font,
                (x0 + style::MARGIN, y0 + 4 + i as i32 * line_h),
            )?;
        }
        heading = 2 * line_h;
    }
    let mut chart = ChartBuilder::on(area)
        .margin_left(style::MARGIN)
        .margin_right(style::MARGIN + 12)
        .margin_top(10 + heading)
        .margin_bottom(4)
        .x_label_area_size(72 + extra_lines as u32 * TICK_LINE)
        .y_label_area_size(110)
        .build_cartesian_2d(usable(p.x_range), usable(p.y_range))?;
    let (xf, yf) = (p.x_fmt, p.y_fmt);
    let xfmt = move |v: &f64| xf.tick(*v);
    let yfmt = move |v: &f64| yf.tick(*v);
    chart
        .configure_mesh()
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .axis_desc_style(style::text(style::AXIS, style::TEXT))
        .label_style(style::text(style::TICK, style::TEXT))
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        // Labelled ticks are drawn below, by hand.
        .x_labels(if p.x_ticks.is_some() { 0 } else { 12 })
        .y_labels(6)
        .bold_line_style(grid_style())
        .light_line_style(TRANSPARENT)
        .axis_style(style::MUTED.stroke_width(2))
        .draw()?;
    if let Some(ticks) = &p.x_ticks {
        draw_x_ticks(&mut chart, root, p, ticks)?;
    }
    let y = usable(p.y_range);
    for e in &p.events {
        if let Some((lo, hi)) = e.range {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(lo, y.start), (hi, y.end)],
                style::fill(style::MUTED, EVENT_OPACITY),
            )))?;
        }
    }

    for b in &p.bands {
        let upper = b.points.iter().map(|&(x, _, hi)| (x, hi));
        let lower = b.points.iter().rev().map(|&(x, lo, _)| (x, lo));
        chart.draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            style::fill(b.color, b.opacity),
        )))?;
    }
    for b in &p.bars {
        chart.draw_series(
            b.rects
                .iter()
                .map(|&(x0, x1, y)| Rectangle::new([(x0, 0.0), (x1, y)], b.color.filled())),
        )?;
        // A thin white edge keeps adjacent bars apart.
        chart.draw_series(
            b.rects
                .iter()
                .map(|&(x0, x1, y)| Rectangle::new([(x0, 0.0), (x1, y)], WHITE.stroke_width(1))),
        )?;
    }
    for r in &p.rules {
        let (x, y) = (usable(p.x_range), usable(p.y_range));
        let pts = if r.vertical {
            vec![(r.value, y.start), (r.value, y.end)]
        } else {
            vec![(x.start, r.value), (x.end, r.value)]
        };
        draw_line(&mut chart, pts, r.color, 3, r.dashed)?;
    }
    for l in &p.lines {
        if l.joined {
            draw_line(&mut chart, l.points.clone(), l.color, l.width, l.dashed)?;
        }
        if l.markers {
            chart.draw_series(
                l.points
                    .iter()
                    .map(|&pt| Circle::new(pt, 6, l.color.filled())),
            )?;
        }
    }
    if !p.events.is_empty() {
        draw_events(&mut chart, root, p)?;
    }
    Ok(())
}

/// Grid lines, tick marks and labels at `ticks` (the mesh draws none).
fn draw_x_ticks<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    root: &DrawingArea<DB, Shift>,
    p: &XyPanel,
    ticks: &[(f64, String)],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let y = usable(p.y_range);
    chart.draw_series(
        ticks
            .iter()
            .map(|&(x, _)| PathElement::new(vec![(x, y.start), (x, y.end)], grid_style())),
    )?;
    let font = style::text(style::TICK, style::TEXT);
    let right = root.dim_in_pixel().0 as i32 - 6;
    for (x, label) in ticks {
        let (px, py) = chart.backend_coord(&(*x, y.start));
        root.draw(&PathElement::new(
            vec![(px, py), (px, py + 6)],
            style::MUTED.stroke_width(2),
        ))?;
        // Centred under the tick, but kept on the canvas (the last tick
        // sits at the plot's right edge); one line under another.
        for (j, line) in label.split('\n').enumerate() {
            let w = root.estimate_text_size(line, &font)?.0 as i32;
            let left = (px - w / 2).min(right - w);
            let font = font.pos(Pos::new(HPos::Left, VPos::Top));
            let top = py + 10 + j as i32 * TICK_LINE as i32;
            root.draw_text(line, &font, (left, top))?;
        }
    }
    Ok(())
}

/// The height of a line of tick labels.
pub const TICK_LINE: u32 = style::TICK + 6;

/// Each event's dashed line, and its label at the top of the plot on a
/// white ground: beside the line (left of it near the right edge), moved
/// down a row where it would overlap a label already placed.
fn draw_events<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    root: &DrawingArea<DB, Shift>,
    p: &XyPanel,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let (x, y) = (usable(p.x_range), usable(p.y_range));
    let font = style::text(style::VALUE, style::TEXT);
    let (right_edge, top) = chart.backend_coord(&(x.end, y.end));
    let row_h = style::VALUE as i32 + 8;
    let mut placed: Vec<(i32, i32, i32)> = Vec::new(); // (row, from, to)
    let mut sorted: Vec<&EventMark> = p.events.iter().collect();
    sorted.sort_by(|a, b| a.at.total_cmp(&b.at));
    for e in sorted {
        // Short dots, thinner than a threshold's dashes.
        chart.draw_series(DashedLineSeries::new(
            vec![(e.at, y.start), (e.at, y.end)],
            4,
            4,
            style::MUTED.stroke_width(2),
        ))?;
        let (px, _) = chart.backend_coord(&(e.at, y.end));
        let (w, text_h) = root.estimate_text_size(&e.label, &font)?;
        let (w, text_h) = (w as i32, text_h as i32);
        let from = match px + 6 + w > right_edge {
            true => px - 6 - w,
            false => px + 6,
        };
        let row = (0..)
            .find(|&r| {
                !placed
                    .iter()
                    .any(|&(pr, a, b)| pr == r && from < b + 8 && a < from + w + 8)
            })
            .expect("a free row");
        placed.push((row, from, from + w));
        let ty = top + 6 + row * row_h;
        root.draw(&Rectangle::new(
            [(from - 3, ty - 2), (from + w + 3, ty + text_h + 2)],
            WHITE.mix(0.85).filled(),
        ))?;
        let font = font.pos(Pos::new(HPos::Left, VPos::Top));
        root.draw_text(&e.label, &font, (from, ty))?;
    }
    Ok(())
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

fn draw_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    pts: Vec<(f64, f64)>,
    color: RGBColor,
    width: u32,
    dashed: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let st = color.stroke_width(width);
    if dashed {
        chart.draw_series(DashedLineSeries::new(pts, 12, 8, st))?;
    } else {
        chart.draw_series(LineSeries::new(pts, st))?;
    }
    Ok(())
}
