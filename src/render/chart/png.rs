//! PNG encoding of a chart's RGB bitmap.
//!
//! The same compressor the `png` crate uses for its fastest setting
//! (fdeflate: literals under a Huffman code made for filtered image data,
//! and runs of zeros), without the crate's copies. Each row is filtered
//! with `Up` when it repeats the row above (a chart's plain stretches: the
//! row becomes zeros, which the compressor skips eight bytes at a time) and
//! with `Sub` otherwise (white becomes zeros, and a flat colour too).

use anyhow::Result;

/// PNG filter types (PNG spec 9.2).
const SUB: u8 = 1;
const UP: u8 = 2;

/// The PNG file of a `width` x `height` RGB bitmap (rows top to bottom).
pub fn encode_rgb(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let row = width as usize * 3;
    anyhow::ensure!(
        rgb.len() == row * height as usize && row > 0,
        "a {width}x{height} RGB bitmap has {} bytes, not {}",
        row * height as usize,
        rgb.len()
    );
    // Room for the usual compressed size (charts compress about tenfold).
    let mut data = Vec::with_capacity(rgb.len() / 8);
    let mut deflate = fdeflate::Compressor::new(&mut data)?;
    let mut filtered = vec![0; row + 1];
    let mut above: Option<&[u8]> = None;
    for line in rgb.chunks_exact(row) {
        if above == Some(line) {
            filtered[0] = UP;
            filtered[1..].fill(0);
        } else {
            filtered[0] = SUB;
            filtered[1..4].copy_from_slice(&line[..3]);
            for (out, (x, left)) in filtered[4..].iter_mut().zip(line[3..].iter().zip(line)) {
                *out = x.wrapping_sub(*left);
            }
        }
        deflate.write_data(&filtered)?;
        above = Some(line);
    }
    deflate.finish()?;

    let mut png = Vec::with_capacity(data.len() + 64);
    png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    // 8 bits per channel, RGB, deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header)?;
    chunk(&mut png, b"IDAT", &data)?;
    chunk(&mut png, b"IEND", &[])?;
    Ok(png)
}

/// Appends a PNG chunk: length, type, data, CRC of type and data.
fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<()> {
    let len = u32::try_from(data.len())
        .ok()
        .filter(|&n| n <= i32::MAX as u32)
        .ok_or_else(|| anyhow::anyhow!("a PNG chunk of {} bytes is too long", data.len()))?;
    png.extend_from_slice(&len.to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.finalize().to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes with the `image` crate (an independent decoder).
    fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
        let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8();
        (img.width(), img.height(), img.into_raw())
    }

    #[test]
    fn round_trips_through_an_independent_decoder() {
        // Repeated rows (Up), white, flat and noisy rows (Sub), odd sizes.
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
