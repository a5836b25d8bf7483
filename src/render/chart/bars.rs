//! Horizontal bars, one row per category (capabilities, members, tornado):
//! bars from `from` to `to`, optional whiskers, per-row markers (thresholds)
//! and vertical reference lines. Row labels are drawn by hand so they can be
//! long and carry a second, smaller line.

use super::figure::{Key, Rule, grid_style};
use super::style::{self, Fmt};
use super::xy::usable;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

#[derive(Clone, Debug)]
pub struct BarPanel {
    pub x_label: String,
    pub x_range: (f64, f64),
    pub x_fmt: Fmt,
    /// Top to bottom.
    pub rows: Vec<RowLabel>,
    pub series: Vec<BarSeries>,
    /// Grouped: series side by side within a row. Overlay: all series share
    /// the row's full height (tornado: one bar each side of a baseline).
    pub grouped: bool,
    pub markers: Vec<RowMarker>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug)]
pub struct RowLabel {
    pub main: String,
    /// A second, smaller line under the label.
    pub sub: Option<String>,
}

/// Per row: an interval, or nothing for that row.
pub type Spans = Vec<Option<(f64, f64)>>;

#[derive(Clone, Debug)]
pub struct BarSeries {
    pub label: String,
    pub color: RGBColor,
    /// Per row: the bar runs from `.0` to `.1` (either order).
    pub spans: Vec<Option<(f64, f64)>>,
    /// Per row: a whisker (interval) drawn over the bar, with its legend label.
    pub whiskers: Option<(String, Spans)>,
    /// Per row: a text label for the bar, see `values_inside`.
    pub values: Vec<Option<String>>,
    /// Put value labels inside the bar, at its base (where whiskers and
    /// reference lines cannot collide with them) rather than past its end.
    /// A bar too short for its label gets it past its end anyway.
    pub values_inside: bool,
}

/// A short thick vertical mark in each row (e.g. the capability threshold).
#[derive(Clone, Debug)]
pub struct RowMarker {
    pub label: String,
    pub color: RGBColor,
    pub values: Vec<Option<f64>>,
}

impl BarSeries {
    pub fn new(label: impl Into<String>, color: RGBColor, spans: Vec<Option<(f64, f64)>>) -> Self {
        Self {
            label: label.into(),
            color,
            spans,
            whiskers: None,
            values: Vec::new(),
            values_inside: false,
        }
    }
    pub fn whiskers(mut self, label: impl Into<String>, w: Vec<Option<(f64, f64)>>) -> Self {
        self.whiskers = Some((label.into(), w));
        self
    }
    pub fn values(mut self, v: Vec<Option<String>>) -> Self {
        self.values = v;
        self
    }
    pub fn values_inside(mut self, v: Vec<Option<String>>) -> Self {
        self.values = v;
        self.values_inside = true;
        self
    }
}

impl BarPanel {
    pub(super) fn legend(&self) -> Vec<(String, Key)> {
        let mut out = Vec::new();
        for s in &self.series {
            out.push((
                s.label.clone(),
                Key::Fill {
                    color: s.color,
                    opacity: 1.0,
                },
            ));
            if let Some((label, _)) = &s.whiskers {
                out.push((label.clone(), Key::Whisker(style::TEXT)));
            }
        }
        out.extend(
            self.markers
                .iter()
                .map(|m| (m.label.clone(), Key::Tick(m.color))),
        );
        out.extend(self.rules.iter().map(|r| (r.label.clone(), r.key())));
        out
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    p: &BarPanel,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let n = p.rows.len().max(1);
    let main_font = style::text(style::ROW_LABEL, style::TEXT);
    let sub_font = style::text(style::ROW_SUB, style::MUTED);
    let value_font = style::text(style::VALUE, style::TEXT);
    let mut label_w = 0;
    for r in &p.rows {
        label_w = label_w.max(area.estimate_text_size(&r.main, &main_font)?.0);
        if let Some(s) = &r.sub {
            label_w = label_w.max(area.estimate_text_size(s, &sub_font)?.0);
        }
    }
    let mut value_w = 0;
    // Room on the right for labels drawn past the bar ends.
    let outside = p.series.iter().filter(|s| !s.values_inside);
    for v in outside.flat_map(|s| s.values.iter().flatten()) {
        value_w = value_w.max(area.estimate_text_size(v, &value_font)?.0);
    }

    let mut chart = ChartBuilder::on(area)
        .margin_left(style::MARGIN)
        .margin_right(style::MARGIN + value_w as i32 + 12)
        .margin_top(10)
        .margin_bottom(4)
        .x_label_area_size(72)
        .y_label_area_size(label_w + 24)
        .build_cartesian_2d(usable(p.x_range), 0.0..n as f64)?;
    let xf = p.x_fmt;
    let xfmt = move |v: &f64| xf.tick(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(p.x_label.as_str())
        .axis_desc_style(style::text(style::AXIS, style::TEXT))
        .label_style(style::text(style::TICK, style::TEXT))
        .x_label_formatter(&xfmt)
        .x_labels(11)
        .bold_line_style(grid_style())
        .light_line_style(TRANSPARENT)
        .axis_style(style::MUTED.stroke_width(2))
        .draw()?;

    // Row i occupies y in [n-i-1, n-i]; bars use the middle 76% of it.
    let slot = |row: usize, k: usize| -> (f64, f64) {
        let top = (n - row) as f64 - 0.12;
        let h = 0.76;
        if p.grouped && !p.series.is_empty() {
            let each = h / p.series.len() as f64;
            (top - each * (k as f64 + 1.0), top - each * k as f64)
        } else {
            (top - h, top)
        }
    };

    // Row labels, right-aligned against the y axis.
    let x0 = usable(p.x_range).start;
    for (i, r) in p.rows.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(x0, (n - i) as f64 - 0.5));
        let x = px - 14;
        let right = |v| Pos::new(HPos::Right, v);
        match &r.sub {
            None => root.draw_text(&r.main, &main_font.pos(right(VPos::Center)), (x, py))?,
            Some(s) => {
                root.draw_text(&r.main, &main_font.pos(right(VPos::Bottom)), (x, py + 1))?;
                root.draw_text(s, &sub_font.pos(right(VPos::Top)), (x, py + 5))?;
            }
        }
    }

    for (k, s) in p.series.iter().enumerate() {
        chart.draw_series(s.spans.iter().enumerate().filter_map(|(i, span)| {
            let (a, b) = (*span)?;
            let (y0, y1) = slot(i, k);
            Some(Rectangle::new([(a, y0), (b, y1)], s.color.filled()))
        }))?;
    }
    for (k, s) in p.series.iter().enumerate() {
        let Some((_, whiskers)) = &s.whiskers else {
            continue;
        };
        for (i, w) in whiskers.iter().enumerate() {
            let Some((lo, hi)) = *w else { continue };
            let (y0, y1) = slot(i, k);
            // With labels inside the bar, the label takes the upper part and
            // the whisker the lower part.
            let (ym, yh) = if s.values_inside {
                (y0 + (y1 - y0) * 0.36, (y1 - y0) * 0.18)
            } else {
                ((y0 + y1) / 2.0, (y1 - y0) * 0.3)
            };
            let st = style::TEXT.stroke_width(3);
            chart.draw_series([
                PathElement::new(vec![(lo, ym), (hi, ym)], st),
                PathElement::new(vec![(lo, ym - yh), (lo, ym + yh)], st),
                PathElement::new(vec![(hi, ym - yh), (hi, ym + yh)], st),
            ])?;
        }
    }
    // Markers are 6 px wide whatever the x range.
    let xr = usable(p.x_range);
    let plot_w = chart.plotting_area().dim_in_pixel().0.max(1) as f64;
    let half = 3.0 * (xr.end - xr.start) / plot_w;
    for m in &p.markers {
        chart.draw_series(m.values.iter().enumerate().filter_map(|(i, v)| {
            let v = (*v)?;
            let top = (n - i) as f64;
            Some(Rectangle::new(
                [(v - half, top - 0.04), (v + half, top - 0.96)],
                m.color.filled(),
            ))
        }))?;
    }
    for r in &p.rules {
        let pts = vec![(r.value, 0.0), (r.value, n as f64)];
        let st = r.color.stroke_width(3);
        if r.dashed {
            chart.draw_series(DashedLineSeries::new(pts, 12, 8, st))?;
        } else {
            chart.draw_series(LineSeries::new(pts, st))?;
        }
    }

    // Value labels: inside at the base, or past the far end (and whisker).
    for (k, s) in p.series.iter().enumerate() {
        let ink = if luminance(s.color) > 0.5 {
            style::TEXT
        } else {
            WHITE
        };
        for (i, v) in s.values.iter().enumerate() {
            let (Some(text), Some(Some((a, b)))) = (v, s.spans.get(i)) else {
                continue;
            };
            let (y0, y1) = slot(i, k);
            let ym = if s.values_inside && s.whiskers.is_some() {
                y0 + (y1 - y0) * 0.76
            } else {
                (y0 + y1) / 2.0
            };
            let forward = b >= a;
            let (pa, py) = chart.backend_coord(&(*a, ym));
            let (pb, _) = chart.backend_coord(&(*b, ym));
            let text_w = area.estimate_text_size(text, &value_font)?.0 as i32;
            if s.values_inside && (pb - pa).abs() >= text_w + 16 {
                let (x, h) = if forward {
                    (pa + 8, HPos::Left)
                } else {
                    (pa - 8, HPos::Right)
                };
                let font = value_font.color(&ink).pos(Pos::new(h, VPos::Center));
                root.draw_text(text, &font, (x, py))?;
                continue;
            }
            let mut end = *b;
            let whisker = s.whiskers.as_ref().and_then(|(_, w)| w.get(i));
            if let (Some(Some((lo, hi))), false) = (whisker, s.values_inside) {
                end = if forward { end.max(*hi) } else { end.min(*lo) };
            }
            let (px, _) = chart.backend_coord(&(end, ym));
            let (left, _) = chart.backend_coord(&(p.x_range.0, ym));
            // A label that would run past the axis into the row labels goes
            // inside the bar, at its end, instead.
            let (x, h, font) = if forward {
                (px + 8, HPos::Left, value_font.clone())
            } else if px - 8 - text_w >= left {
                (px - 8, HPos::Right, value_font.clone())
            } else {
                (px + 8, HPos::Left, value_font.color(&ink))
            };
            root.draw_text(text, &font.pos(Pos::new(h, VPos::Center)), (x, py))?;
        }
    }
    Ok(())
}

/// Relative luminance (0 black .. 1 white), for picking text ink on a fill.
fn luminance(c: RGBColor) -> f64 {
    (0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)) / 255.0
}
