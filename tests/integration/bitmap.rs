//! PNG decoding for tests, with the `png` crate: charts (8-bit RGB) and a
//! browser's screenshots (RGBA, maybe another depth) as RGB bytes.
#![allow(dead_code)]

use std::path::Path;

/// Width, height and RGB bytes, rows top to bottom (alpha dropped, grey
/// repeated in each channel, 16-bit samples cut to 8).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut buf).expect("PNG image data");
    buf.truncate(info.buffer_size());
    let n = info.color_type.samples();
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf
            .chunks_exact(n)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha => {
            buf.chunks_exact(n).flat_map(|p| [p[0]; 3]).collect()
        }
        png::ColorType::Indexed => unreachable!("palettes are expanded"),
    };
    (info.width, info.height, rgb)
}

/// A decoded PNG, for looking at pixels.
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Bitmap {
    pub fn from_png(bytes: &[u8]) -> Bitmap {
        let (width, height, rgb) = decode_png(bytes);
        Bitmap { width, height, rgb }
    }

    pub fn open(path: impl AsRef<Path>) -> Bitmap {
        let path = path.as_ref();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Bitmap::from_png(&bytes)
    }

    pub fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    pub fn pixels(&self) -> impl Iterator<Item = [u8; 3]> + '_ {
        self.rgb.chunks_exact(3).map(|p| [p[0], p[1], p[2]])
    }

    /// The `height` rows from `top` down, full width.
    pub fn rows(&self, top: u32, height: u32) -> Bitmap {
        let row = self.width as usize * 3;
        let start = top as usize * row;
        Bitmap {
            width: self.width,
            height,
            rgb: self.rgb[start..start + height as usize * row].to_vec(),
        }
    }
}
