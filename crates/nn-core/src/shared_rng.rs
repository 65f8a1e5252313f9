//! A generator that several layers draw from in turn: the dropout layers'.

use std::any::Any;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{Randn, RandomSample};

/// What a [`SharedRng`] holds: a generator of both kinds of draw. Every
/// `rand` generator is one, and so is `nn_train::NumpyRandom`.
pub trait RandomSource: Randn + RandomSample + Send + Any {}

impl<R: Randn + RandomSample + Send + Any> RandomSource for R {}

/// A random generator held by handle: the dropout layers draw their masks
/// from one, and a model whose masks must follow one stream (the book draws
/// every mask, and before them the initial weights, from numpy's one global
/// generator) gives all its dropout layers handles to the same generator.
/// Cloning the handle shares the generator; the draws of its holders come
/// one after another, in the order the layers run.
///
/// The generator stays reachable by its type, so that its owner can save
/// and restore its state ([`with`](Self::with)).
///
/// ```
/// use nn_core::{RandomSample, Randn, SharedRng};
/// use rand::SeedableRng;
/// use rand::rngs::StdRng;
///
/// let rng = SharedRng::new(StdRng::seed_from_u64(7));
/// let (mut a, mut b) = (rng.clone(), rng.clone());
/// let draws = [a.random_sample(), b.random_sample()];
/// let mut alone = StdRng::seed_from_u64(7);
/// assert_eq!(draws, [alone.random_sample(), alone.random_sample()]); // one stream
/// assert!(rng.with(|g: &mut StdRng| g.randn()).is_some());
/// assert_eq!(rng.with(|g: &mut rand::rngs::SmallRng| ()), None); // another type
/// ```
#[derive(Clone)]
pub struct SharedRng {
    inner: Arc<Mutex<Held>>,
}

/// The generator and the name of its type.
struct Held {
    rng: Box<dyn RandomSource>,
    type_name: &'static str,
}

/// The generator of a [`SharedRng`], locked while this lives: draw from it
/// as a `&mut dyn Randn` or `&mut dyn RandomSample` without a lock per draw.
pub struct SharedRngGuard<'a> {
    guard: MutexGuard<'a, Held>,
}

impl Deref for SharedRngGuard<'_> {
    type Target = dyn RandomSource;
    fn deref(&self) -> &(dyn RandomSource + 'static) {
        &*self.guard.rng
    }
}

impl DerefMut for SharedRngGuard<'_> {
    fn deref_mut(&mut self) -> &mut (dyn RandomSource + 'static) {
        &mut *self.guard.rng
    }
}

impl SharedRng {
    /// A handle to `rng`.
    pub fn new<R: RandomSource>(rng: R) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Held {
                rng: Box::new(rng),
                type_name: std::any::type_name::<R>(),
            })),
        }
    }

    /// The generator, locked while the guard lives (for many draws at once).
    pub fn lock(&self) -> SharedRngGuard<'_> {
        SharedRngGuard {
            // A panic while drawing can't leave a generator worse than any
            // other state of it.
            guard: self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// `f` of the generator as an `R`, or `None` when it is of another
    /// type: how its owner reads its state for a checkpoint or puts a saved
    /// state back.
    pub fn with<R: Any, T>(&self, f: impl FnOnce(&mut R) -> T) -> Option<T> {
        let mut guard = self.lock();
        let any: &mut dyn Any = &mut *guard;
        any.downcast_mut::<R>().map(f)
    }

    /// Replaces the generator, for every handle.
    pub fn replace<R: RandomSource>(&self, rng: R) {
        *self.lock().guard = Held {
            rng: Box::new(rng),
            type_name: std::any::type_name::<R>(),
        };
    }

    /// The generator's type, for messages.
    pub fn type_name(&self) -> &'static str {
        self.lock().guard.type_name
    }

    /// True when `self` and `other` are handles to the same generator.
    pub fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Randn for SharedRng {
    /// One draw, locking the generator for it.
    fn randn(&mut self) -> f64 {
        self.lock().randn()
    }
}

impl RandomSample for SharedRng {
    /// One draw, locking the generator for it.
    fn random_sample(&mut self) -> f64 {
        self.lock().random_sample()
    }

    fn fill_random_sample(&mut self, out: &mut [f64]) {
        self.lock().fill_random_sample(out);
    }
}

impl fmt::Debug for SharedRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedRng({})", self.type_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn handles_share_one_stream_and_replace_reaches_all() {
        let rng = SharedRng::new(StdRng::seed_from_u64(1));
        let mut other = rng.clone();
        assert!(rng.same(&other));
        let mut bulk = [0.0; 5];
        other.fill_random_sample(&mut bulk);
        let mut alone = StdRng::seed_from_u64(1);
        let each: Vec<f64> = (0..5).map(|_| alone.random_sample()).collect();
        assert_eq!(bulk.to_vec(), each);
        assert_eq!(rng.clone().random_sample(), alone.random_sample());
        rng.replace(StdRng::seed_from_u64(1));
        let mut fresh = StdRng::seed_from_u64(1);
        assert_eq!(other.random_sample(), fresh.random_sample());
        assert!(rng.type_name().contains("StdRng"));
        assert_eq!(
            format!("{rng:?}"),
            format!("SharedRng({})", rng.type_name())
        );
        assert!(!rng.same(&SharedRng::new(StdRng::seed_from_u64(1))));
    }
}
