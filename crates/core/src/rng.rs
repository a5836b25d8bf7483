//! Random streams keyed by entity id and trial index (docs/model.md 3.7).
//!
//! One ChaCha8 key is derived from the seed. Each random quantity (a group's
//! factor, a member replica's join, each of a pledge's delivery, amount,
//! delay and duration, a phase's start or lag) reads its own ChaCha stream,
//! numbered by a hash of its key string ("member/uk#0",
//! "pledge/uk#0/training/training/0/amount", ...), and trial `t` reads 32-bit
//! word `t` of it. So a draw depends only on (seed, key, trial): adding,
//! removing or re-parameterising other entities never shifts it, chunks can
//! start anywhere without replaying earlier trials, and a quantity that
//! needs no draw (a constant) costs no random words at all.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

/// The ChaCha key for a seed: the seed expanded by SplitMix64.
pub fn key_for_seed(seed: u64) -> [u8; 32] {
    let mut state = seed;
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    key
}

/// The stream number of an entity key: 64-bit FNV-1a, then a SplitMix64
/// finaliser so that similar keys get unrelated streams. Stable across
/// platforms and versions (it is part of the reproducibility contract).
pub fn stream_for_key(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(&mut h)
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// ChaCha blocks computed at once by `keystream`: 16 blocks of 16 words,
/// one block per lane of a 512-bit vector.
const LANES: usize = 16;
/// Words computed at once by `keystream`.
const WIDE: usize = 16 * LANES;

/// An entity's stream, positioned at a trial; `K` uniforms per trial.
///
/// The words are `ChaCha8Rng`'s (seeded with the key, `set_stream`,
/// `set_word_pos`), bit for bit. Where the CPU has AVX-512, `keystream`
/// computes them 16 blocks at a time straight into the caller's buffer:
/// about twice as fast as `rand_chacha`, which stops at AVX2 and 4 blocks
/// and returns bytes to convert. Elsewhere `rand_chacha` computes them.
#[derive(Clone, Debug)]
pub struct EntityStream<const K: usize> {
    key: [u32; 8],
    stream: u64,
    /// Position of the next word in the stream.
    word: u64,
    /// `rand_chacha`'s generator, positioned at `word`, where AVX-512 is
    /// not available. Boxed: a scenario may have millions of streams, and
    /// the generator's buffer is some 300 bytes.
    fallback: Option<Box<ChaCha8Rng>>,
}

impl<const K: usize> EntityStream<K> {
    pub fn new(key: &[u8; 32], stream: u64, first_trial: u64) -> Self {
        // One 32-bit word per uniform.
        let word = first_trial * K as u64;
        let fallback = (!wide_keystream_available()).then(|| {
            let mut rng = ChaCha8Rng::from_seed(*key);
            rng.set_stream(stream);
            rng.set_word_pos(u128::from(word));
            Box::new(rng)
        });
        Self {
            key: std::array::from_fn(|i| {
                u32::from_le_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]])
            }),
            stream,
            word,
            fallback,
        }
    }

    /// The next trial's `K` uniforms, each in the open interval (0, 1), by
    /// `rand_chacha` one word at a time: the reference `fill` (what trials
    /// use) is tested against.
    #[cfg(test)]
    pub fn next_trial(&mut self) -> [f64; K] {
        let mut rng = ChaCha8Rng::from_seed(key_bytes(&self.key));
        rng.set_stream(self.stream);
        rng.set_word_pos(u128::from(self.word));
        // Moves this stream on by one trial, as `fill` would.
        self.fill(&mut [0u32; K]);
        std::array::from_fn(|_| open_unit(rng.next_u32()))
    }

    /// The raw words of the next `out.len() / K` trials (`K` per trial, in
    /// order); `open_unit` turns a word into the uniform `next_trial` gives.
    #[inline]
    pub fn fill(&mut self, out: &mut [u32]) {
        debug_assert_eq!(out.len() % K, 0);
        if let Some(rng) = &mut self.fallback {
            fill_from(rng, out);
            self.word += out.len() as u64;
            return;
        }
        let mut rest = out;
        while !rest.is_empty() {
            let block = self.word / 16;
            let skip = (self.word % 16) as usize;
            let take = match rest.first_chunk_mut::<WIDE>() {
                Some(whole) if skip == 0 => {
                    keystream(&self.key, self.stream, block, whole);
                    WIDE
                }
                _ => {
                    let mut words = [0; WIDE];
                    keystream(&self.key, self.stream, block, &mut words);
                    let take = rest.len().min(WIDE - skip);
                    rest[..take].copy_from_slice(&words[skip..skip + take]);
                    take
                }
            };
            self.word += take as u64;
            rest = &mut rest[take..];
        }
    }
}

/// `rand_chacha`'s words: its block output taken as bytes in one copy per
/// 512 words is the same little-endian word sequence `next_u32` yields.
fn fill_from(rng: &mut ChaCha8Rng, out: &mut [u32]) {
    const FILL_WORDS: usize = 512;
    let mut bytes = [0u8; 4 * FILL_WORDS];
    for chunk in out.chunks_mut(FILL_WORDS) {
        let bytes = &mut bytes[..4 * chunk.len()];
        rng.fill_bytes(bytes);
        for (w, b) in chunk.iter_mut().zip(bytes.as_chunks::<4>().0) {
            *w = u32::from_le_bytes(*b);
        }
    }
}

#[cfg(test)]
fn key_bytes(key: &[u32; 8]) -> [u8; 32] {
    let mut bytes = [0; 32];
    for (b, k) in bytes.chunks_exact_mut(4).zip(key) {
        b.copy_from_slice(&k.to_le_bytes());
    }
    bytes
}

/// Whether `keystream` may run (it needs AVX-512).
fn wide_keystream_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// ChaCha8 blocks `block .. block + 16` of `stream` under `key`, in order.
/// Only where `wide_keystream_available`.
fn keystream(key: &[u32; 8], stream: u64, block: u64, out: &mut [u32; WIDE]) {
    #[cfg(target_arch = "x86_64")]
    {
        debug_assert!(wide_keystream_available());
        // SAFETY: `EntityStream` calls this only where the CPU has AVX-512F
        // (it keeps a fallback generator otherwise).
        unsafe { keystream_avx512(key, stream, block, out) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    keystream_lanes(key, stream, block, out)
}

/// `keystream` with AVX-512: the rounds as `keystream_rows`, the transpose
/// (row `w` holds word `w` of every block; the output is block by block) by
/// two-source permutes: 64 instructions, where LLVM would gather.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn keystream_avx512(key: &[u32; 8], stream: u64, block: u64, out: &mut [u32; WIDE]) {
    use std::arch::x86_64::{
        __m512i, _mm512_add_epi32, _mm512_loadu_si512, _mm512_permutex2var_epi32,
        _mm512_storeu_si512,
    };
    let (rows, init) = keystream_rows(key, stream, block);
    // SAFETY: each row and each 16 words of `out` is 64 bytes.
    let load = |row: &[u32; LANES]| unsafe { _mm512_loadu_si512(row.as_ptr().cast()) };
    let mut r: [__m512i; 16] =
        std::array::from_fn(|i| _mm512_add_epi32(load(&rows[i]), load(&init[i])));
    // Transpose by swapping the off-diagonal b x b blocks of every 2b x 2b
    // block, for b = 8, 4, 2, 1. For rows i and i + b (i & b == 0), at
    // lane j: row i keeps its own lane where j & b == 0 and takes lane
    // j - b of row i + b elsewhere; row i + b takes lane j + b of row i
    // where j & b == 0 and keeps its own elsewhere. (An index of 16 or
    // more picks from the second operand.)
    for b in [8usize, 4, 2, 1] {
        let index = |high: bool| -> __m512i {
            let idx: [i32; 16] = std::array::from_fn(|j| {
                let j = j as i32;
                let b = b as i32;
                match (j & b == 0, high) {
                    (true, false) => j,
                    (false, false) => 16 + j - b,
                    (true, true) => j + b,
                    (false, true) => 16 + j,
                }
            });
            // SAFETY: 16 i32 are 64 bytes.
            unsafe { _mm512_loadu_si512(idx.as_ptr().cast()) }
        };
        let (low, high) = (index(false), index(true));
        for i in (0..16).filter(|i| i & b == 0) {
            let (a, c) = (r[i], r[i + b]);
            r[i] = _mm512_permutex2var_epi32(a, low, c);
            r[i + b] = _mm512_permutex2var_epi32(a, high, c);
        }
    }
    for (i, v) in r.iter().enumerate() {
        // SAFETY: as above.
        unsafe { _mm512_storeu_si512(out[16 * i..].as_mut_ptr().cast(), *v) }
    }
}

/// `keystream` without AVX-512 (targets other than x86-64; the tests'
/// reference): the rows of `keystream_rows`, transposed one word at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn keystream_lanes(key: &[u32; 8], stream: u64, block: u64, out: &mut [u32; WIDE]) {
    let (rows, init) = keystream_rows(key, stream, block);
    for (w, (row, start)) in rows.iter().zip(&init).enumerate() {
        for (l, (&word, &s)) in row.iter().zip(start).enumerate() {
            out[l * 16 + w] = word.wrapping_add(s);
        }
    }
}

/// The ChaCha8 block function (RFC 8439's state layout with a 64-bit
/// counter in words 12-13 and the stream in 14-15, as `rand_chacha`) on 16
/// blocks at once: row `w`, lane `l` is word `w` of block `block + l`. Every
/// step is one operation on a row of 16 lanes, which LLVM makes one vector
/// instruction where the target has 512-bit vectors. Returns the rows after
/// the rounds and the initial rows: the block output is their sum (added
/// by the caller: LLVM would vectorise that loop across rows, by gathers).
#[inline(always)]
fn keystream_rows(
    key: &[u32; 8],
    stream: u64,
    block: u64,
) -> ([[u32; LANES]; 16], [[u32; LANES]; 16]) {
    type Row = [u32; LANES];
    let splat = |v: u32| -> Row { [v; LANES] };
    let counter = |high: bool| -> Row {
        std::array::from_fn(|l| {
            let c = block.wrapping_add(l as u64);
            if high { (c >> 32) as u32 } else { c as u32 }
        })
    };
    let init: [Row; 16] = [
        splat(0x6170_7865),
        splat(0x3320_646e),
        splat(0x7962_2d32),
        splat(0x6b20_6574),
        splat(key[0]),
        splat(key[1]),
        splat(key[2]),
        splat(key[3]),
        splat(key[4]),
        splat(key[5]),
        splat(key[6]),
        splat(key[7]),
        counter(false),
        counter(true),
        splat(stream as u32),
        splat((stream >> 32) as u32),
    ];
    // Four rows indexed by lane: iterators over four rows of one array
    // would need four mutable borrows.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn quarter(x: &mut [Row; 16], a: usize, b: usize, c: usize, d: usize) {
        for l in 0..LANES {
            x[a][l] = x[a][l].wrapping_add(x[b][l]);
            x[d][l] = (x[d][l] ^ x[a][l]).rotate_left(16);
            x[c][l] = x[c][l].wrapping_add(x[d][l]);
            x[b][l] = (x[b][l] ^ x[c][l]).rotate_left(12);
            x[a][l] = x[a][l].wrapping_add(x[b][l]);
            x[d][l] = (x[d][l] ^ x[a][l]).rotate_left(8);
            x[c][l] = x[c][l].wrapping_add(x[d][l]);
            x[b][l] = (x[b][l] ^ x[c][l]).rotate_left(7);
        }
    }
    let mut x = init;
    // ChaCha8: four double rounds (columns, then diagonals).
    for _ in 0..4 {
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 1, 5, 9, 13);
        quarter(&mut x, 2, 6, 10, 14);
        quarter(&mut x, 3, 7, 11, 15);
        quarter(&mut x, 0, 5, 10, 15);
        quarter(&mut x, 1, 6, 11, 12);
        quarter(&mut x, 2, 7, 8, 13);
        quarter(&mut x, 3, 4, 9, 14);
    }
    (x, init)
}

/// A 32-bit word to a double strictly inside (0, 1), at the centre of its
/// 1/2^32 cell, so quantile functions never see 0 or 1. 32 bits, not 53:
/// half the ChaCha output per trial, and the coarser grid moves a join
/// probability by under 1.2e-10 and cuts a normal draw's tails only beyond
/// 6.3 standard deviations (probability 2.3e-10 in all).
#[inline(always)]
pub fn open_unit(x: u32) -> f64 {
    (f64::from(x) + 0.5) * (1.0 / (1u64 << 32) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trial_window_is_the_same_from_any_starting_trial() {
        let key = key_for_seed(7);
        let s = stream_for_key("pledge/uk#0/training/training/0");
        let mut from_zero = EntityStream::<4>::new(&key, s, 0);
        let mut windows = Vec::new();
        for _ in 0..10 {
            windows.push(from_zero.next_trial());
        }
        for start in [1u64, 3, 9] {
            let mut later = EntityStream::<4>::new(&key, s, start);
            assert_eq!(later.next_trial(), windows[start as usize]);
        }
    }

    #[test]
    fn fill_gives_the_same_uniforms_as_next_trial() {
        let key = key_for_seed(11);
        let s = stream_for_key("pledge/fr#0/isr/training/0");
        let mut a = EntityStream::<4>::new(&key, s, 5);
        let mut b = EntityStream::<4>::new(&key, s, 5);
        let mut words = vec![0u32; 4 * 37];
        b.fill(&mut words);
        for t in 0..37 {
            let w: [f64; 4] = std::array::from_fn(|k| open_unit(words[4 * t + k]));
            assert_eq!(a.next_trial(), w);
        }
        assert_eq!(a.next_trial(), b.next_trial());
    }

    /// `rand_chacha`'s words from word `word` of `stream` on.
    fn reference(key: &[u8; 32], stream: u64, word: u64, n: usize) -> Vec<u32> {
        let mut rng = ChaCha8Rng::from_seed(*key);
        rng.set_stream(stream);
        rng.set_word_pos(u128::from(word));
        (0..n).map(|_| rng.next_u32()).collect()
    }

    #[test]
    fn wide_keystream_is_rand_chachas() {
        let key = key_for_seed(3);
        let words: [u32; 8] =
            std::array::from_fn(|i| u32::from_le_bytes(key[4 * i..4 * i + 4].try_into().unwrap()));
        // Blocks where the 64-bit counter's low word wraps, too.
        for (stream, block) in [
            (0, 0),
            (stream_for_key("member/uk#0"), 7),
            (u64::MAX, (1 << 32) - 5),
        ] {
            let want = reference(&key, stream, block * 16, WIDE);
            let mut out = [0; WIDE];
            keystream_lanes(&words, stream, block, &mut out);
            assert_eq!(out.to_vec(), want);
            if wide_keystream_available() {
                let mut out = [0; WIDE];
                keystream(&words, stream, block, &mut out);
                assert_eq!(out.to_vec(), want);
            }
        }
    }

    #[test]
    fn fill_is_rand_chachas_from_any_word_for_any_length() {
        let key = key_for_seed(5);
        let s = stream_for_key("pledge/fr#0/isr/training/0/amount");
        let cases = [
            (0u64, vec![256, 256, 3]),
            (4096, vec![1, 300, 17, 600]),
            (13, vec![5, 251, 256]),
        ];
        // Both ways: as `new` picks (by `keystream` where the CPU has
        // AVX-512), and by the fallback generator.
        for (first, lengths) in cases.iter().cloned() {
            for fallback in [false, true] {
                let mut stream = EntityStream::<1>::new(&key, s, first);
                if fallback {
                    let mut rng = ChaCha8Rng::from_seed(key);
                    rng.set_stream(s);
                    rng.set_word_pos(u128::from(first));
                    stream.fallback = Some(Box::new(rng));
                }
                let total: usize = lengths.iter().sum();
                let want = reference(&key, s, first, total);
                let mut got = Vec::new();
                for &n in &lengths {
                    let mut out = vec![0; n];
                    stream.fill(&mut out);
                    got.extend(out);
                }
                assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn streams_differ_by_key_and_seed() {
        let a =
            EntityStream::<1>::new(&key_for_seed(1), stream_for_key("member/uk#0"), 0).next_trial();
        let b =
            EntityStream::<1>::new(&key_for_seed(1), stream_for_key("member/fr#0"), 0).next_trial();
        let c =
            EntityStream::<1>::new(&key_for_seed(2), stream_for_key("member/uk#0"), 0).next_trial();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert!(a[0] > 0.0 && a[0] < 1.0);
    }

    /// Prints the values pinned in `first_values_are_pinned` (run with
    /// `--nocapture` after a deliberate change of the streams).
    fn pinned_values() -> Vec<(String, Vec<u64>)> {
        let mut out = vec![(
            "key_for_seed(20250819)".to_string(),
            key_for_seed(20_250_819)
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        )];
        for key in [
            "member/uk#0",
            "pledge/uk#0/training/training/0/amount",
            "group/baltic",
        ] {
            out.push((format!("stream_for_key({key})"), vec![stream_for_key(key)]));
            for (seed, first) in [(1u64, 0u64), (20_250_819, 1_000_000)] {
                let mut s = EntityStream::<2>::new(&key_for_seed(seed), stream_for_key(key), first);
                let mut words = [0u32; 6];
                s.fill(&mut words);
                out.push((
                    format!("{key} seed {seed} from trial {first}"),
                    words.iter().map(|&w| u64::from(w)).collect(),
                ));
            }
        }
        out
    }

    #[test]
    fn first_values_are_pinned() {
        for (what, values) in pinned_values() {
            println!("{what}: {values:?}");
        }
        let got: Vec<Vec<u64>> = pinned_values().into_iter().map(|(_, v)| v).collect();
        assert_eq!(got, PINNED.iter().map(|v| v.to_vec()).collect::<Vec<_>>());
    }

    /// The first values of a few streams, as produced by version 0.1: the
    /// reproducibility contract across versions. Never edit these to make a
    /// change pass; a change that moves them changes every result.
    const PINNED: &[&[u64]] = &[
        &[
            10290279931499809096,
            13447842977813278174,
            16383894301037581024,
            5786244006304696092,
        ],
        &[15661709945981371667],
        &[
            2900174871, 1457982649, 2851452012, 1560957043, 1101007812, 2497599436,
        ],
        &[
            2151775149, 3942660262, 745827715, 1962789722, 1582217181, 1419103582,
        ],
        &[14541517459730867362],
        &[
            3775003853, 2720645644, 196117551, 2842746786, 4268825328, 3472461039,
        ],
        &[
            3932566827, 6533056, 186476813, 4272893269, 3836629042, 1610238877,
        ],
        &[6839518650036747113],
        &[
            1772130357, 1700450729, 2088471054, 504467033, 67846480, 2140798272,
        ],
        &[
            991682533, 3330852421, 1017291485, 3813605440, 1332971461, 2449451390,
        ],
    ];
}
