//! Where a run's random numbers come from: numpy's stream or ChaCha12.

use nn_core::{Error, Randn, RandomSample, Result, SharedRng};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha12Rng;

use crate::{NumpyRandom, NumpyState};

/// A source of epoch permutations for [`Trainer`](crate::Trainer).
pub trait Shuffle {
    /// Puts `indices` in a random order.
    fn shuffle_indices(&mut self, indices: &mut [usize]);
}

impl Shuffle for NumpyRandom {
    /// numpy's legacy shuffle, so `0..n` becomes `np.random.permutation(n)`.
    fn shuffle_indices(&mut self, indices: &mut [usize]) {
        self.shuffle(indices);
    }
}

/// Any `rand` generator shuffles with rand's Fisher-Yates.
impl<R: Rng + ?Sized> Shuffle for R {
    fn shuffle_indices(&mut self, indices: &mut [usize]) {
        indices.shuffle(self);
    }
}

/// The generator of a run: the book's numbers, or an ordinary fast one.
#[derive(Debug, Clone)]
pub enum Generator {
    /// numpy's legacy generator: reproduces the book's runs draw for draw.
    Numpy(NumpyRandom),
    /// ChaCha12, the algorithm behind rand's `StdRng`, named directly because
    /// its state can be saved and restored, which `StdRng` does not offer.
    ChaCha(Box<ChaCha12Rng>),
}

/// A [`Generator`]'s complete state, for checkpoints.
#[derive(Debug, Clone, PartialEq)]
pub enum GeneratorState {
    /// See [`NumpyState`].
    Numpy(NumpyState),
    /// ChaCha12's key, stream and position in it.
    ChaCha {
        /// The 32-byte key.
        seed: [u8; 32],
        /// The stream number.
        stream: u64,
        /// The position, in 32-bit words.
        word_pos: u128,
    },
}

impl Generator {
    /// numpy's generator after `np.random.seed(seed)`.
    pub fn numpy(seed: u32) -> Self {
        Generator::Numpy(NumpyRandom::new(seed))
    }

    /// ChaCha12 seeded from `seed` as `StdRng::seed_from_u64` would be.
    pub fn chacha(seed: u64) -> Self {
        Generator::ChaCha(Box::new(ChaCha12Rng::seed_from_u64(seed)))
    }

    /// The complete state.
    pub fn state(&self) -> GeneratorState {
        match self {
            Generator::Numpy(rng) => GeneratorState::Numpy(rng.state()),
            Generator::ChaCha(rng) => GeneratorState::ChaCha {
                seed: rng.get_seed(),
                stream: rng.get_stream(),
                word_pos: rng.get_word_pos(),
            },
        }
    }

    /// A generator continuing from `state`.
    ///
    /// # Errors
    /// An invalid numpy state.
    pub fn from_state(state: &GeneratorState) -> Result<Self> {
        Ok(match state {
            GeneratorState::Numpy(s) => Generator::Numpy(NumpyRandom::from_state(s)?),
            GeneratorState::ChaCha {
                seed,
                stream,
                word_pos,
            } => {
                let mut rng = ChaCha12Rng::from_seed(*seed);
                rng.set_stream(*stream);
                rng.set_word_pos(*word_pos);
                Generator::ChaCha(Box::new(rng))
            }
        })
    }
}

impl GeneratorState {
    /// The state of the generator behind `rng`, when its state can be
    /// saved: a [`NumpyRandom`], a [`Generator`] or a `ChaCha12Rng`.
    /// `None` for any other generator.
    pub fn of_shared(rng: &SharedRng) -> Option<Self> {
        rng.with(|g: &mut NumpyRandom| GeneratorState::Numpy(g.state()))
            .or_else(|| rng.with(|g: &mut Generator| g.state()))
            .or_else(|| {
                rng.with(|g: &mut ChaCha12Rng| Generator::ChaCha(Box::new(g.clone())).state())
            })
    }

    /// Puts this state into the generator behind `rng` (for every handle
    /// to it), which must be of the kind the state came from.
    ///
    /// # Errors
    /// A generator of another kind, or an invalid numpy state.
    pub fn restore_shared(&self, rng: &SharedRng) -> Result<()> {
        let restored = Generator::from_state(self)?;
        let done = match restored {
            Generator::Numpy(n) => rng
                .with(|g: &mut NumpyRandom| *g = n.clone())
                .or_else(|| rng.with(|g: &mut Generator| *g = Generator::Numpy(n))),
            Generator::ChaCha(c) => rng
                .with(|g: &mut ChaCha12Rng| *g = (*c).clone())
                .or_else(|| rng.with(|g: &mut Generator| *g = Generator::ChaCha(c))),
        };
        done.ok_or_else(|| {
            Error::invalid(
                "GeneratorState.restore_shared",
                format!(
                    "a {} state does not fit the generator {}",
                    match self {
                        GeneratorState::Numpy(_) => "numpy",
                        GeneratorState::ChaCha { .. } => "ChaCha12",
                    },
                    rng.type_name()
                ),
            )
        })
    }
}

impl RandomSample for Generator {
    fn random_sample(&mut self) -> f64 {
        match self {
            Generator::Numpy(rng) => rng.random_sample(),
            Generator::ChaCha(rng) => RandomSample::random_sample(&mut **rng),
        }
    }
}

impl Randn for Generator {
    fn randn(&mut self) -> f64 {
        match self {
            Generator::Numpy(rng) => rng.randn(),
            Generator::ChaCha(rng) => Randn::randn(&mut **rng),
        }
    }
}

impl Shuffle for Generator {
    fn shuffle_indices(&mut self, indices: &mut [usize]) {
        match self {
            Generator::Numpy(rng) => rng.shuffle(indices),
            Generator::ChaCha(rng) => indices.shuffle(&mut **rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_generators_resume_from_their_state() {
        for mut rng in [Generator::numpy(11), Generator::chacha(11)] {
            for _ in 0..37 {
                rng.randn();
            }
            let mut copy = Generator::from_state(&rng.state()).unwrap();
            let (mut a, mut b) = ((0..50).collect::<Vec<_>>(), (0..50).collect::<Vec<_>>());
            rng.shuffle_indices(&mut a);
            copy.shuffle_indices(&mut b);
            assert_eq!(a, b);
            assert_eq!(rng.randn().to_bits(), copy.randn().to_bits());
        }
    }
}
