//! Panels with numeric x and y axes: lines, bands, histogram bars and
//! reference lines (fan charts, probability curves, histograms, sweeps).

use super::figure::{Key, Rule, grid_style};
use super::style::{self, Fmt};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

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
}

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
            (
                l.label.clone(),
                Key::Line {
                    color: l.color,
                    dashed: l.dashed,
                },
            )
        });
        let rules = self.rules.iter().map(|r| (r.label.clone(), r.key()));
        bars.chain(bands).chain(lines).chain(rules).collect()
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
    _root: &DrawingArea<DB, Shift>,
    p: &XyPanel,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .margin_left(style::MARGIN)
        .margin_right(style::MARGIN + 12)
        .margin_top(10)
        .margin_bottom(4)
        .x_label_area_size(72)
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
        .x_labels(12)
        .y_labels(6)
        .bold_line_style(grid_style())
        .light_line_style(TRANSPARENT)
        .axis_style(style::MUTED.stroke_width(2))
        .draw()?;

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
        draw_line(&mut chart, l.points.clone(), l.color, l.width, l.dashed)?;
        if l.markers {
            chart.draw_series(
                l.points
                    .iter()
                    .map(|&pt| Circle::new(pt, 6, l.color.filled())),
            )?;
        }
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
