//! The one font every chart uses, embedded in the binary (DejaVu Sans, see
//! `assets/fonts/LICENSE-DejaVu.txt`), so charts never depend on fonts
//! installed on the machine and the binary never links fontconfig.
//!
//! Call [`ensure_registered`] before drawing; it registers the font with
//! plotters once per process. All chart text uses [`FAMILY`].

use plotters::style::{FontStyle, register_font};
use std::sync::OnceLock;

/// The family name charts ask for. plotters looks the font up under this
/// exact key, and the SVG backend writes it verbatim as the `font-family`
/// attribute, so it doubles as a CSS fallback list for SVG viewers.
pub const FAMILY: &str = "DejaVu Sans, Verdana, Arial, sans-serif";

static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded font with plotters (once; later calls are free).
pub fn ensure_registered() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && register_font(FAMILY, FontStyle::Bold, BOLD).is_ok()
    });
    anyhow::ensure!(ok, "the embedded chart font could not be loaded");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_font_registers() {
        super::ensure_registered().unwrap();
        super::ensure_registered().unwrap();
    }
}
