//! Random streams keyed by entity id and trial index (MODEL.md 3.5).
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

/// Words converted per `fill_bytes` call (a stack buffer of 2 KiB).
const FILL_WORDS: usize = 512;

/// An entity's stream, positioned at a trial; `K` uniforms per trial.
#[derive(Clone, Debug)]
pub struct EntityStream<const K: usize> {
    rng: ChaCha8Rng,
}

impl<const K: usize> EntityStream<K> {
    pub fn new(key: &[u8; 32], stream: u64, first_trial: u64) -> Self {
        let mut rng = ChaCha8Rng::from_seed(*key);
        rng.set_stream(stream);
        // One 32-bit word per uniform.
        rng.set_word_pos(u128::from(first_trial) * K as u128);
        Self { rng }
    }

    /// The next trial's `K` uniforms, each in the open interval (0, 1).
    /// (The block-wise `fill` is what trials use; this is its reference.)
    #[cfg(test)]
    pub fn next_trial(&mut self) -> [f64; K] {
        std::array::from_fn(|_| open_unit(self.rng.next_u32()))
    }

    /// The raw words of the next `out.len() / K` trials (`K` per trial, in
    /// order); `open_unit` turns a word into the uniform `next_trial` gives.
    #[inline]
    pub fn fill(&mut self, out: &mut [u32]) {
        debug_assert_eq!(out.len() % K, 0);
        // ChaCha's block output, taken as bytes in one copy per block, is the
        // same little-endian word sequence `next_u32` yields one at a time.
        let mut bytes = [0u8; 4 * FILL_WORDS];
        for chunk in out.chunks_mut(FILL_WORDS) {
            let bytes = &mut bytes[..4 * chunk.len()];
            self.rng.fill_bytes(bytes);
            for (w, b) in chunk.iter_mut().zip(bytes.as_chunks::<4>().0) {
                *w = u32::from_le_bytes(*b);
            }
        }
    }
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
}
