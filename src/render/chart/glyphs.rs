//! A bitmap backend that rasterises each glyph once per thread.
//!
//! plotters draws text by outlining and rasterising every glyph of every
//! string afresh: a quarter of the CPU time of a run's charts. It places
//! each glyph at a whole pixel (the rasterised glyph depends only on the
//! font, size and character), so the pixels of a glyph can be kept and
//! replayed. [`CachedGlyphs`] wraps a backend and does exactly what
//! plotters' `draw_text` and its ab_glyph font do, with the rasterising
//! looked up: the same `draw_pixel` calls in the same order, so the same
//! image to the byte (pixels of zero coverage, which leave the bitmap as it
//! is, are left out).

use crate::render::chart::font::{self, FAMILY};
use ab_glyph::{Font, FontRef, GlyphId, ScaleFont};
use plotters::style::FontStyle;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A rasterised glyph: its id (for kerning), advance, vertical offset and
/// the pixels it covers, `(x, y, coverage)`, in the rasteriser's order
/// (none for a glyph without an outline, a space).
struct Glyph {
    id: GlyphId,
    advance: f32,
    y_shift: i32,
    pixels: Vec<(i32, i32, f32)>,
}

/// (bold, size in bits, character)
type Key = (bool, u64, char);

thread_local! {
    static GLYPHS: RefCell<HashMap<Key, Rc<Glyph>>> = RefCell::new(HashMap::new());
}

fn font_ref(bold: bool) -> &'static FontRef<'static> {
    use std::sync::OnceLock;
    static FONTS: OnceLock<[FontRef<'static>; 2]> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let load = |bytes| FontRef::try_from_slice(bytes).expect("the embedded font parses");
        [load(font::REGULAR), load(font::BOLD)]
    });
    &fonts[usize::from(bold)]
}

/// The glyph of `c`, as plotters' ab_glyph font rasterises it.
fn glyph(bold: bool, size: f64, c: char) -> Rc<Glyph> {
    GLYPHS.with_borrow_mut(|glyphs| {
        glyphs
            .entry((bold, size.to_bits(), c))
            .or_insert_with(|| {
                let font = font_ref(bold).as_scaled(size as f32);
                let id = font.glyph_id(c);
                let (mut y_shift, mut pixels) = (0, Vec::new());
                if let Some(q) = font.outline_glyph(font.scaled_glyph(c)) {
                    y_shift = ((size as f32) / 2.0 + q.px_bounds().min.y) as i32;
                    q.draw(|x, y, c| {
                        if c > 0.0 {
                            pixels.push((x as i32, y as i32, c));
                        }
                    });
                }
                Rc::new(Glyph {
                    id,
                    advance: font.h_advance(id),
                    y_shift,
                    pixels,
                })
            })
            .clone()
    })
}

/// `B` with plotters' text drawing, glyphs rasterised once per thread.
pub struct CachedGlyphs<B>(pub B);

impl<B: DrawingBackend> DrawingBackend for CachedGlyphs<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    /// plotters' `DrawingBackend::draw_text` with its ab_glyph font's
    /// `draw` inlined, the rasterising looked up.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        if style.family().as_str() != FAMILY {
            // Charts use only the embedded family, the only one plotters
            // has (see `font`).
            return Err(DrawingErrorKind::FontError(
                format!(
                    "font family {:?} is not the embedded one",
                    style.family().as_str()
                )
                .into(),
            ));
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        // plotters falls back to the regular face for any style but bold.
        let bold = matches!(style.style(), FontStyle::Bold);
        let font = font_ref(bold).as_scaled(style.size() as f32);
        let mut x_shift = 0f32;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            let g = glyph(bold, style.size(), c);
            if let Some(p) = prev {
                x_shift += font.kern(p, g.id);
            }
            prev = Some(g.id);
            let (gx, gy) = (x_shift as i32, g.y_shift);
            for &(x, y, a) in &g.pixels {
                let (x, y) = (x + gx, y + gy);
                let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                    self.0.draw_pixel((x, y), color.mix(f64::from(a)))?;
                }
            }
            x_shift += g.advance;
        }
        Ok(())
    }
}
