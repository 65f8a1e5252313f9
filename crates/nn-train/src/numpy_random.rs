//! numpy's legacy global generator (`np.random.seed`, `randn`, `permutation`),
//! reproduced draw for draw so that the book's runs are our runs.

use nn_core::{Error, Randn, RandomSample, Result};

const N: usize = 624;
const M: usize = 397;

/// numpy's `RandomState`: MT19937 with numpy's legacy methods on top.
///
/// * seeding is MT19937's standard `init_genrand` (numpy's `np.random.seed(s)`
///   for an integer `0 ≤ s < 2³²`);
/// * [`random_sample`](Self::random_sample) is the 53-bit double
///   `((a >> 5)·2²⁶ + (b >> 6)) / 2⁵³`;
/// * [`randn`](Randn::randn) is the legacy polar (Marsaglia) method, which
///   makes normals in pairs and keeps the second for the next call;
/// * [`permutation`](Self::permutation) is Fisher-Yates from the last index
///   down, each index drawn by numpy's masked rejection (`random_interval`).
///
/// ```
/// use nn_core::Randn;
/// use nn_train::NumpyRandom;
/// let mut rng = NumpyRandom::new(1984);    // np.random.seed(1984)
/// let z = rng.randn();                     // np.random.randn()
/// assert_eq!(z, -0.026902226847232345);       // numpy's value, bit for bit
/// ```
#[derive(Clone)]
pub struct NumpyRandom {
    /// Boxed: 2.5 KB is too much to move around by value.
    key: Box<[u32; N]>,
    pos: usize,
    gauss: Option<f64>,
}

/// A [`NumpyRandom`]'s complete state, for checkpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct NumpyState {
    /// The 624 words of MT19937's state.
    pub key: Vec<u32>,
    /// How many of them have been used (624 means "regenerate next").
    pub pos: usize,
    /// The cached second normal of the polar method, if any.
    pub gauss: Option<f64>,
}

impl NumpyRandom {
    /// The generator after `np.random.seed(seed)`.
    pub fn new(seed: u32) -> Self {
        let mut key = Box::new([0u32; N]);
        key[0] = seed;
        for i in 1..N {
            let prev = key[i - 1];
            key[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Self {
            key,
            pos: N,
            gauss: None,
        }
    }

    /// The next 32-bit word (numpy's `next_uint32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.regenerate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn regenerate(&mut self) {
        #[inline(always)]
        fn twist(current: u32, next: u32, far: u32) -> u32 {
            let y = (current & 0x8000_0000) | (next & 0x7fff_ffff);
            far ^ (y >> 1) ^ ((y & 1).wrapping_neg() & 0x9908_b0df)
        }
        let key = &mut *self.key;
        // The standard three loops, without a modulo per word.
        for i in 0..N - M {
            key[i] = twist(key[i], key[i + 1], key[i + M]);
        }
        for i in N - M..N - 1 {
            key[i] = twist(key[i], key[i + 1], key[i + M - N]);
        }
        key[N - 1] = twist(key[N - 1], key[0], key[M - 1]);
        self.pos = 0;
    }

    /// A double in `[0, 1)` with 53 random bits (`np.random.random_sample()`).
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// A uniform integer in `0..=max` by numpy's legacy masked rejection.
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        loop {
            let value = if max <= u64::from(u32::MAX) {
                u64::from(self.next_u32()) & mask
            } else {
                ((u64::from(self.next_u32()) << 32) | u64::from(self.next_u32())) & mask
            };
            if value <= max {
                return value;
            }
        }
    }

    /// Shuffles in place as numpy's legacy `shuffle` does for a 1-D array.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// `np.random.permutation(n)`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        self.shuffle(&mut order);
        order
    }

    /// The complete state.
    pub fn state(&self) -> NumpyState {
        NumpyState {
            key: self.key.to_vec(),
            pos: self.pos,
            gauss: self.gauss,
        }
    }

    /// A generator continuing from `state`.
    ///
    /// # Errors
    /// A key that is not 624 words, or a position past 624.
    pub fn from_state(state: &NumpyState) -> Result<Self> {
        let key: [u32; N] = state.key.as_slice().try_into().map_err(|_| {
            Error::invalid(
                "NumpyRandom.from_state",
                format!("the key must have {N} words, got {}", state.key.len()),
            )
        })?;
        if state.pos > N {
            return Err(Error::invalid(
                "NumpyRandom.from_state",
                format!("the position must be at most {N}, got {}", state.pos),
            ));
        }
        Ok(Self {
            key: Box::new(key),
            pos: state.pos,
            gauss: state.gauss,
        })
    }
}

impl Randn for NumpyRandom {
    /// numpy's `legacy_gauss`.
    fn randn(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }
}

impl RandomSample for NumpyRandom {
    /// numpy's `random_sample` (what `np.random.rand` draws).
    fn random_sample(&mut self) -> f64 {
        NumpyRandom::random_sample(self)
    }

    fn fill_random_sample(&mut self, out: &mut [f64]) {
        for o in out {
            *o = NumpyRandom::random_sample(self);
        }
    }
}

impl std::fmt::Debug for NumpyRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumpyRandom")
            .field("pos", &self.pos)
            .field("gauss", &self.gauss)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::*;

    #[test]
    fn words_doubles_and_normals_equal_numpys() {
        let mut rng = NumpyRandom::new(1984);
        let words: Vec<u64> = (0..8).map(|_| u64::from(rng.next_u32())).collect();
        assert_eq!(words, MT_U32_SEED_1984);
        let mut rng = NumpyRandom::new(1984);
        let doubles: Vec<f64> = (0..6).map(|_| rng.random_sample()).collect();
        assert_eq!(doubles, RANDOM_SAMPLE_SEED_1984);
        let mut rng = NumpyRandom::new(1984);
        let normals: Vec<f64> = (0..7).map(|_| rng.randn()).collect();
        assert_eq!(normals, RANDN_SEED_1984);
        let mut rng = NumpyRandom::new(u32::MAX);
        let normals: Vec<f64> = (0..3).map(|_| rng.randn()).collect();
        assert_eq!(normals, RANDN_SEED_MAX);
    }

    #[test]
    fn permutations_equal_numpys_including_after_an_odd_number_of_normals() {
        // randn(2, 3) leaves no cached normal; the permutation then follows.
        let mut rng = NumpyRandom::new(7);
        let normals: Vec<f64> = (0..6).map(|_| rng.randn()).collect();
        assert_eq!(normals, RANDN_2X3_THEN_PERM_10_SEED_7);
        assert_eq!(rng.permutation(10), PERM_10_AFTER_RANDN_SEED_7);
        let mut rng = NumpyRandom::new(0);
        assert_eq!(rng.permutation(1000)[..20], PERM_1000_SEED_0_HEAD[..]);
    }

    #[test]
    fn regenerates_past_624_words_and_resumes_from_state() {
        let mut rng = NumpyRandom::new(5);
        for _ in 0..1000 {
            rng.randn();
        }
        let copy = NumpyRandom::from_state(&rng.state()).unwrap();
        let mut copy = copy;
        for _ in 0..1500 {
            assert_eq!(rng.randn().to_bits(), copy.randn().to_bits());
        }
        let bad = NumpyState {
            key: vec![0; 3],
            pos: 0,
            gauss: None,
        };
        assert_eq!(
            NumpyRandom::from_state(&bad).unwrap_err().to_string(),
            "NumpyRandom.from_state: the key must have 624 words, got 3"
        );
    }

    #[test]
    fn intervals_stay_in_range_and_cover_it() {
        let mut rng = NumpyRandom::new(3);
        let mut seen = [false; 6];
        for _ in 0..200 {
            seen[rng.interval(5) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(rng.interval(0), 0);
        assert!(rng.interval(u64::MAX - 1) < u64::MAX);
    }
}
