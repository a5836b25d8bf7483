//! The one place for chart styling: palette, sizes, text styles, number formats.

use crate::render::chart::font::FAMILY;
use plotters::style::{Color, FontStyle, IntoFont, RGBColor, TextStyle};

/// Okabe–Ito colour-blind-safe palette.
pub mod palette {
    use plotters::style::RGBColor;
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);

    /// Series colours in the order they are handed out (black and yellow
    /// last: black is kept for reference lines, yellow is faint on white).
    pub const SERIES: [RGBColor; 7] = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY_BLUE, YELLOW];

    /// The `i`-th series colour, cycling.
    pub fn series(i: usize) -> RGBColor {
        SERIES[i % SERIES.len()]
    }
}

/// Ink for text and axes.
pub const TEXT: RGBColor = RGBColor(25, 25, 25);
pub const MUTED: RGBColor = RGBColor(90, 90, 90);
pub const GRID: RGBColor = RGBColor(225, 225, 225);

/// Default canvas, in pixels.
pub const WIDTH: u32 = 1400;
pub const HEIGHT: u32 = 800;

/// Font sizes (plotters' size: pixel height of the font's ascent + descent).
pub const TITLE: u32 = 36;
pub const SUBTITLE: u32 = 24;
pub const AXIS: u32 = 24;
pub const TICK: u32 = 21;
pub const LEGEND: u32 = 22;
pub const ROW_LABEL: u32 = 22;
pub const ROW_SUB: u32 = 20;
pub const VALUE: u32 = 20;
pub const FOOTER: u32 = 18;

/// Outer margin of the canvas.
pub const MARGIN: i32 = 28;

/// A text style in the embedded family.
pub fn text(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color)
}

pub fn bold(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size, FontStyle::Bold).into_font().color(&color)
}

/// Translucent fill for bands.
pub fn fill(color: RGBColor, opacity: f64) -> plotters::style::ShapeStyle {
    color.mix(opacity).filled()
}

/// How axis ticks and value labels print numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fmt {
    /// A fraction shown as a percentage ("45%").
    Percent,
    /// A plain number, with this many decimals at most (trailing zeros cut).
    Number(usize),
}

impl Fmt {
    pub fn tick(self, v: f64) -> String {
        match self {
            Fmt::Percent => format!("{}%", trim(v * 100.0, 1)),
            Fmt::Number(d) => trim(v, d),
        }
    }
}

/// `v` with at most `decimals` decimals, trailing zeros and "-0" removed.
pub fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A probability as a percentage with one decimal ("41.3%").
pub fn pct(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// A probability as a whole percentage ("41%").
pub fn pct0(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(Fmt::Percent.tick(0.4), "40%");
        assert_eq!(Fmt::Percent.tick(0.125), "12.5%");
        assert_eq!(Fmt::Number(2).tick(2.50), "2.5");
        assert_eq!(Fmt::Number(0).tick(-0.2), "0");
        assert_eq!(pct(0.4127), "41.3%");
        assert_eq!(pct0(0.4127), "41%");
    }
}
