//! A heatmap of a probability over a two-way grid of parameter values (a
//! two-way `sweep`): one shaded, labelled cell per pair of values, and the
//! contour where the probability reaches a target drawn along the cell
//! edges that separate cells at or above it from cells below.

use super::figure::Key;
use super::style::{self, palette};
use super::xy::TICK_LINE;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

#[derive(Clone, Debug)]
pub struct GridPanel {
    pub x_label: String,
    pub y_label: String,
    /// One label per column (left to right; several lines split at `\n`)
    /// and per row (bottom to top).
    pub x_ticks: Vec<String>,
    pub y_ticks: Vec<String>,
    /// `cells[row][column]`, each in [0, 1].
    pub cells: Vec<Vec<f64>>,
    pub target: f64,
}

/// The contour's colour: apart from every shade of the cells.
const CONTOUR: RGBColor = palette::VERMILLION;

impl GridPanel {
    pub(super) fn legend(&self) -> Vec<(String, Key)> {
        vec![
            (
                format!(
                    "P(met) reaches {} beyond this line",
                    style::pct0(self.target)
                ),
                Key::Line {
                    color: CONTOUR,
                    dashed: false,
                },
            ),
            (
                "Shade: P(met), white 0% to dark blue 100%".into(),
                Key::Fill {
                    color: shade(0.75),
                    opacity: 1.0,
                },
            ),
        ]
    }
}

/// A sequential white-to-blue scale: equal steps in P(met) look about
/// equal, and the darkest cells still carry white text.
fn shade(p: f64) -> RGBColor {
    let p = p.clamp(0.0, 1.0);
    let (from, to) = ((247.0, 251.0, 255.0), (8.0, 48.0, 107.0));
    let mix = |a: f64, b: f64| (a + (b - a) * p).round() as u8;
    RGBColor(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}

pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    p: &GridPanel,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let (nx, ny) = (p.x_ticks.len().max(1), p.y_ticks.len().max(1));
    let tick_font = style::text(style::TICK, style::TEXT);
    let mut y_label_w = 0;
    for t in &p.y_ticks {
        y_label_w = y_label_w.max(area.estimate_text_size(t, &tick_font)?.0);
    }
    let extra_lines = p
        .x_ticks
        .iter()
        .map(|t| t.split('\n').count() - 1)
        .max()
        .unwrap_or(0);
    let mut chart = ChartBuilder::on(area)
        .margin_left(style::MARGIN)
        .margin_right(style::MARGIN)
        .margin_top(10)
        .margin_bottom(4)
        .x_label_area_size(72 + extra_lines as u32 * TICK_LINE)
        .y_label_area_size(y_label_w + 60)
        .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .axis_desc_style(style::text(style::AXIS, style::TEXT))
        .axis_style(style::MUTED.stroke_width(2))
        .draw()?;

    let value_font = |dark: bool| {
        let color = if dark { WHITE } else { style::TEXT };
        style::text(style::VALUE, color).pos(Pos::new(HPos::Center, VPos::Center))
    };
    for (j, row) in p.cells.iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            let (x, y) = (i as f64, j as f64);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x, y), (x + 1.0, y + 1.0)],
                shade(v).filled(),
            )))?;
            let centre = chart.backend_coord(&(x + 0.5, y + 0.5));
            root.draw_text(&style::pct0(v), &value_font(v > 0.55), centre)?;
        }
    }
    // Cell edges between a cell at or above the target and one below.
    let above = |i: usize, j: usize| p.cells[j][i] >= p.target;
    let contour = CONTOUR.stroke_width(5);
    let mut edges = Vec::new();
    for (j, row) in p.cells.iter().enumerate() {
        for i in 0..row.len() {
            if i + 1 < row.len() && above(i, j) != above(i + 1, j) {
                let x = (i + 1) as f64;
                edges.push([(x, j as f64), (x, (j + 1) as f64)]);
            }
            if j + 1 < p.cells.len() && i < p.cells[j + 1].len() && above(i, j) != above(i, j + 1) {
                let y = (j + 1) as f64;
                edges.push([(i as f64, y), ((i + 1) as f64, y)]);
            }
        }
    }
    chart.draw_series(
        edges
            .into_iter()
            .map(|e| PathElement::new(e.to_vec(), contour)),
    )?;

    // Tick labels centred on their column / row.
    let below = |v| Pos::new(HPos::Center, v);
    for (i, t) in p.x_ticks.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        for (j, line) in t.split('\n').enumerate() {
            let top = y + 10 + j as i32 * TICK_LINE as i32;
            root.draw_text(line, &tick_font.pos(below(VPos::Top)), (x, top))?;
        }
    }
    for (j, t) in p.y_ticks.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, j as f64 + 0.5));
        let right = Pos::new(HPos::Right, VPos::Center);
        root.draw_text(t, &tick_font.pos(right), (x - 12, y))?;
    }
    Ok(())
}
