//! PNG encoding of a chart's RGB bitmap, with the `png` crate.
//!
//! `Compression::Fast`: fdeflate's compressor made for filtered image data,
//! each row filtered as the crate's adaptive heuristic picks. Measured on
//! the default scenario's seven charts (one thread, 20,000 trials): 1.08 MB,
//! where the hand-written encoder this replaced (same compressor, `Up` or
//! `Sub` per row) wrote 1.58 MB, for 98M more instructions (+37% of the
//! charts' drawing and encoding; about 2 ms a chart). `Compression::Fastest`
//! (`Up` on every row) costs what the hand-written one did but writes
//! 1.62 MB; `Balanced` (zlib level 6) writes 0.47 MB but takes some 20 ms
//! a chart.

use anyhow::{Context, Result};

/// The PNG file of a `width` x `height` RGB bitmap (rows top to bottom).
pub fn encode_rgb(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let expected = width as usize * height as usize * 3;
    anyhow::ensure!(
        rgb.len() == expected && expected > 0,
        "a {width}x{height} RGB bitmap has {expected} bytes, not {}",
        rgb.len()
    );
    // Room for the usual compressed size (charts compress about fifteenfold).
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::Filter::Adaptive);
    let mut writer = encoder.write_header().context("PNG header")?;
    writer.write_image_data(rgb).context("PNG image data")?;
    writer.finish().context("PNG end")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes an 8-bit RGB PNG: width, height, pixels.
    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut rgb).unwrap();
        assert_eq!(
            (info.color_type, info.bit_depth),
            (png::ColorType::Rgb, png::BitDepth::Eight)
        );
        rgb.truncate(info.buffer_size());
        (info.width, info.height, rgb)
    }

    #[test]
    fn round_trips() {
        // Repeated, white, flat and noisy rows; odd sizes.
        let mut state = 12345u32;
        let mut noise = || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8
        };
        for (w, h) in [(1, 1), (7, 3), (64, 40), (333, 17)] {
            let row = w as usize * 3;
            let mut rgb = Vec::new();
            for y in 0..h as usize {
                match y % 5 {
                    0 => rgb.extend((0..row).map(|_| noise())),
                    1 if y > 0 => rgb.extend_from_within(rgb.len() - row..),
                    2 => rgb.extend(std::iter::repeat_n(255, row)),
                    3 => rgb.extend((0..row).map(|i| [0, 114, 178][i % 3])),
                    _ => rgb.extend((0..row).map(|i| if i % 40 < 3 { noise() } else { 255 })),
                }
            }
            let (dw, dh, pixels) = decode(&encode_rgb(&rgb, w, h).unwrap());
            assert_eq!((dw, dh), (w, h));
            assert_eq!(pixels, rgb, "{w}x{h}");
        }
    }

    #[test]
    fn a_bitmap_of_the_wrong_size_is_an_error() {
        assert!(encode_rgb(&[0; 10], 2, 2).is_err());
        assert!(encode_rgb(&[], 0, 0).is_err());
    }
}
