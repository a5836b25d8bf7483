//! A chart described as data ([`Figure`]: title, panels, footer), and the one
//! renderer that draws any figure to PNG or SVG bytes. Every chart shares the
//! same frame: title and subtitle on top, panels stacked in the middle, a
//! legend built from the panels' labelled series, and the provenance footer.

use super::ChartFormat;
use super::bars::{self, BarPanel};
use super::grid::{self, GridPanel};
use super::style::{self, MARGIN, palette};
use super::xy::{self, XyPanel};
use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One chart: written as `charts/<name>.png` / `.svg`.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem under `charts/`.
    pub name: String,
    pub title: String,
    /// One line under the title: the chart's headline number, if any.
    pub subtitle: Option<String>,
    /// What the chart shows, in a sentence (used as the report's caption).
    pub caption: String,
    /// Laid out in `columns` columns, row by row, sharing the space
    /// equally (one column: stacked top to bottom).
    pub panels: Vec<Panel>,
    pub columns: usize,
    /// The provenance line (`Provenance::line`).
    pub footer: String,
    pub size: (u32, u32),
}

#[derive(Clone, Debug)]
pub enum Panel {
    /// Numeric x and y: lines, bands, histogram bars, reference lines.
    Xy(XyPanel),
    /// Horizontal bars, one row per category.
    Bars(BarPanel),
    /// A heatmap over a two-way grid.
    Grid(GridPanel),
}

/// How a series looks in the legend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Key {
    Line {
        color: RGBColor,
        dashed: bool,
    },
    Fill {
        color: RGBColor,
        opacity: f64,
    },
    Whisker(RGBColor),
    Tick(RGBColor),
    /// A dot: values shown as points, not joined.
    Dot(RGBColor),
    /// A short vertical dotted line: an event marker (not to be mistaken
    /// for a horizontal threshold's dashes).
    Marker(RGBColor),
}

/// A vertical (`x = value`) or horizontal (`y = value`) reference line.
#[derive(Clone, Debug)]
pub struct Rule {
    pub label: String,
    pub value: f64,
    pub vertical: bool,
    pub color: RGBColor,
    pub dashed: bool,
}

impl Rule {
    pub fn vertical(label: impl Into<String>, value: f64, color: RGBColor) -> Self {
        Self {
            label: label.into(),
            value,
            vertical: true,
            color,
            dashed: true,
        }
    }
    pub fn horizontal(label: impl Into<String>, value: f64, color: RGBColor) -> Self {
        Self {
            vertical: false,
            ..Self::vertical(label, value, color)
        }
    }
    pub(super) fn key(&self) -> Key {
        Key::Line {
            color: self.color,
            dashed: self.dashed,
        }
    }
}

impl Figure {
    pub fn new(name: &str, title: impl Into<String>, footer: &str) -> Self {
        Self {
            name: name.to_string(),
            title: title.into(),
            subtitle: None,
            caption: String::new(),
            panels: Vec::new(),
            columns: 1,
            footer: footer.to_string(),
            size: (style::WIDTH, style::HEIGHT),
        }
    }
    pub fn subtitle(mut self, s: impl Into<String>) -> Self {
        self.subtitle = Some(s.into());
        self
    }
    pub fn caption(mut self, s: impl Into<String>) -> Self {
        self.caption = s.into();
        self
    }
    pub fn panel(mut self, p: Panel) -> Self {
        self.panels.push(p);
        self
    }
    /// Small multiples: panels in `n` columns.
    pub fn columns(mut self, n: usize) -> Self {
        self.columns = n.max(1);
        self
    }
    pub fn width(mut self, w: u32) -> Self {
        self.size.0 = w;
        self
    }
    pub fn height(mut self, h: u32) -> Self {
        self.size.1 = h;
        self
    }

    /// Legend entries of all panels, first occurrence of each label.
    pub fn legend(&self) -> Vec<(String, Key)> {
        let mut out: Vec<(String, Key)> = Vec::new();
        for p in &self.panels {
            let items = match p {
                Panel::Xy(x) => x.legend(),
                Panel::Bars(b) => b.legend(),
                Panel::Grid(g) => g.legend(),
            };
            for (label, key) in items {
                if !label.is_empty() && !out.iter().any(|(l, _)| *l == label) {
                    out.push((label, key));
                }
            }
        }
        out
    }

    /// The file name for `format`, e.g. `charts/coverage_fan.svg`.
    pub fn path(&self, format: ChartFormat) -> String {
        format!("charts/{}.{}", self.name, format.extension())
    }

    /// Renders to bytes in one format.
    pub fn render(&self, format: ChartFormat) -> Result<Vec<u8>> {
        crate::render::chart::font::ensure_registered()?;
        let (w, h) = self.size;
        match format {
            ChartFormat::Svg => {
                let mut svg = String::new();
                {
                    let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                    draw(&root, self)?;
                    root.present()?;
                }
                Ok(xml_text(svg).into_bytes())
            }
            ChartFormat::Png => {
                // One pixel buffer per thread, reused from chart to chart:
                // a fresh 3 MB buffer costs a page fault every 4 KB.
                // (`root.fill` paints every pixel, so what the last chart
                // left does not matter.)
                thread_local! {
                    static RGB: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
                }
                RGB.with_borrow_mut(|rgb| {
                    rgb.resize(w as usize * h as usize * 3, 0);
                    {
                        let bitmap = BitMapBackend::with_buffer(rgb, (w, h));
                        let root = bitmap.into_drawing_area();
                        draw(&root, self)?;
                        root.present()?;
                    }
                    super::png::encode_rgb(rgb, w, h).context("encoding PNG")
                })
            }
        }
    }

    /// Renders to one format, as the file `path` names.
    pub fn file(&self, format: ChartFormat) -> Result<crate::render::OutputFile> {
        let bytes = self
            .render(format)
            .with_context(|| format!("drawing chart {}", self.name))?;
        Ok(crate::render::OutputFile::new(self.path(format), bytes))
    }
}

/// Whether XML 1.0 allows `c` (control characters but tab, newline and
/// carriage return, and U+FFFE and U+FFFF, it does not).
pub fn xml_allows(c: char) -> bool {
    !matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// `svg` with every character XML does not allow replaced by U+FFFD:
/// plotters writes names as given, and one such character in a scenario's
/// name made every SVG, and the report inlining them, ill-formed. The
/// invisible controls of bidirectional text are replaced too: in an SVG's
/// text a U+202E in a name would reverse what follows it on screen (bitmaps
/// are drawn glyph by glyph, without reordering).
fn xml_text(svg: String) -> String {
    let keep = |c: char| xml_allows(c) && !crate::render::is_bidi_control(c);
    match svg.chars().all(keep) {
        true => svg,
        false => svg
            .chars()
            .map(|c| if keep(c) { c } else { '\u{fffd}' })
            .collect(),
    }
}

/// `text` broken between words into lines no wider than `room` as `width`
/// measures them (greedy: each line takes words while they fit); a single
/// word wider than the room keeps a line of its own. The one line-breaking
/// rule of the charts: titles, panel headings, tick labels.
pub(super) fn wrap_lines(text: &str, room: f64, width: impl Fn(&str) -> f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        match lines.last_mut() {
            Some(line) if width(&format!("{line} {word}")) <= room => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// `text` in lines no wider than `room` pixels in `font` (a title naming a
/// long key or member would run off the canvas).
pub(super) fn fit_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle,
    room: u32,
) -> Vec<String> {
    wrap_lines(text, f64::from(room), |t| {
        root.estimate_text_size(t, font)
            .map_or(0.0, |(w, _)| f64::from(w))
    })
}

/// Frame: background, title, subtitle, panels, legend, footer.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);

    let mut top = MARGIN - 6;
    let room = (w - 2 * MARGIN).max(1) as u32;
    let title = style::bold(style::TITLE, style::TEXT).pos(Pos::new(HPos::Left, VPos::Top));
    for line in fit_lines(root, &fig.title, &title, room) {
        root.draw_text(&line, &title, (MARGIN, top))?;
        top += style::TITLE as i32 + 10;
    }
    if let Some(sub) = &fig.subtitle {
        let s = style::text(style::SUBTITLE, style::MUTED).pos(Pos::new(HPos::Left, VPos::Top));
        for line in fit_lines(root, sub, &s, room) {
            root.draw_text(&line, &s, (MARGIN, top))?;
            top += style::SUBTITLE as i32 + 8;
        }
    }

    let footer = style::text(style::FOOTER, style::MUTED).pos(Pos::new(HPos::Left, VPos::Bottom));
    let bottom = h - 12;
    root.draw_text(&fig.footer, &footer, (MARGIN, bottom))?;

    let legend = fig.legend();
    let mut legend_rows = layout_legend(root, &legend, w - 2 * MARGIN)?;
    let row_h = style::LEGEND as i32 + 14;
    // At most a third of the canvas: the rows that fit, then a row saying
    // how many items are left out (only with dozens of series).
    let max_rows = ((h / 3) / row_h).max(1) as usize;
    let mut left_out = 0;
    if legend_rows.len() > max_rows {
        legend_rows.truncate(max_rows - 1);
        left_out = legend.len() - legend_rows.iter().map(Vec::len).sum::<usize>();
    }
    let rows = legend_rows.len() + usize::from(left_out > 0);
    let legend_top = bottom - style::FOOTER as i32 - 14 - row_h * rows as i32;
    for (r, row) in legend_rows.iter().enumerate() {
        let y = legend_top + r as i32 * row_h + row_h / 2;
        for &(i, x) in row {
            draw_legend_item(root, &legend[i].0, legend[i].1, (MARGIN + x, y))?;
        }
    }
    if left_out > 0 {
        let y = legend_top + legend_rows.len() as i32 * row_h + row_h / 2;
        let font = style::text(style::LEGEND, style::MUTED).pos(Pos::new(HPos::Left, VPos::Center));
        let text = format!("… and {left_out} more, not listed here (all are in summary.json)");
        root.draw_text(&text, &font, (MARGIN, y))?;
    }

    let body = root.margin(top + 8, h - legend_top + 6, 0, 0);
    let cols = fig.columns.max(1);
    let rows = fig.panels.len().div_ceil(cols).max(1);
    for (area, panel) in body.split_evenly((rows, cols)).iter().zip(&fig.panels) {
        match panel {
            Panel::Xy(p) => xy::draw(area, root, p)?,
            Panel::Bars(p) => bars::draw(area, root, p)?,
            Panel::Grid(p) => grid::draw(area, root, p)?,
        }
    }
    Ok(())
}

const KEY_W: i32 = 44;
const KEY_GAP: i32 = 10;
const ITEM_GAP: i32 = 34;

/// Packs legend items into rows no wider than `width`; each row lists
/// (item index, x offset).
fn layout_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[(String, Key)],
    width: i32,
) -> Result<Vec<Vec<(usize, i32)>>>
where
    DB::ErrorType: 'static,
{
    let font = style::text(style::LEGEND, style::TEXT);
    let mut rows: Vec<Vec<(usize, i32)>> = Vec::new();
    let mut x = 0;
    for (i, (label, _)) in items.iter().enumerate() {
        let item_w = KEY_W + KEY_GAP + root.estimate_text_size(label, &font)?.0 as i32;
        if rows.is_empty() || (x > 0 && x + item_w > width) {
            rows.push(Vec::new());
            x = 0;
        }
        rows.last_mut().expect("a row").push((i, x));
        x += item_w + ITEM_GAP;
    }
    Ok(rows)
}

fn draw_legend_item<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    label: &str,
    key: Key,
    (x, y): (i32, i32),
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let half = 9;
    match key {
        Key::Line { color, dashed } => {
            let st = color.stroke_width(4);
            if dashed {
                root.draw(&plotters::element::DashedPathElement::new(
                    vec![(x, y), (x + KEY_W, y)],
                    10,
                    6,
                    st,
                ))?;
            } else {
                root.draw(&PathElement::new(vec![(x, y), (x + KEY_W, y)], st))?;
            }
        }
        Key::Fill { color, opacity } => {
            root.draw(&Rectangle::new(
                [(x, y - half), (x + KEY_W, y + half)],
                style::fill(color, opacity),
            ))?;
        }
        Key::Whisker(color) => {
            let st = color.stroke_width(3);
            root.draw(&PathElement::new(vec![(x + 4, y), (x + KEY_W - 4, y)], st))?;
            for xx in [x + 4, x + KEY_W - 4] {
                root.draw(&PathElement::new(vec![(xx, y - half), (xx, y + half)], st))?;
            }
        }
        Key::Marker(color) => {
            let c = x + KEY_W / 2;
            root.draw(&plotters::element::DashedPathElement::new(
                vec![(c, y - half - 3), (c, y + half + 3)],
                4,
                4,
                color.stroke_width(2),
            ))?;
        }
        Key::Dot(color) => {
            root.draw(&Circle::new((x + KEY_W / 2, y), 6, color.filled()))?;
        }
        Key::Tick(color) => {
            let c = x + KEY_W / 2;
            root.draw(&Rectangle::new(
                [(c - 3, y - half - 3), (c + 3, y + half + 3)],
                color.filled(),
            ))?;
        }
    }
    let font = style::text(style::LEGEND, style::TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    root.draw_text(label, &font, (x + KEY_W + KEY_GAP, y))?;
    Ok(())
}

/// Mesh styling shared by all panels.
pub(super) fn grid_style() -> ShapeStyle {
    style::GRID.stroke_width(1)
}

/// Colours handed to several similar series (e.g. one per scenario).
pub fn series_color(i: usize) -> RGBColor {
    palette::series(i)
}

#[cfg(test)]
mod tests {
    use super::xml_text;

    #[test]
    fn svg_text_loses_characters_xml_forbids_and_bidirectional_controls() {
        let svg = "<text>uk\u{202E}fr\u{1}</text>".to_string();
        assert_eq!(xml_text(svg), "<text>uk\u{fffd}fr\u{fffd}</text>");
        let plain = "<text>Royaume-Uni \u{e9}</text>".to_string();
        assert_eq!(xml_text(plain.clone()), plain);
    }
}
