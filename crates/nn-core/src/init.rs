//! Weight initialisation from a seeded source of normal random numbers.

use ndarray::Array2;
use rand_distr::{Distribution, StandardNormal};

use crate::{Error, Float, Result};

/// A source of standard-normal draws, numpy's `randn` one value at a time.
///
/// Every [`rand::Rng`] is one (drawing with `rand_distr::StandardNormal`); a
/// generator that reproduces numpy's own stream implements it to get the
/// book's exact initial weights.
pub trait Randn {
    /// One draw from N(0, 1).
    fn randn(&mut self) -> f64;
}

impl<R: rand::Rng + ?Sized> Randn for R {
    fn randn(&mut self) -> f64 {
        StandardNormal.sample(self)
    }
}

/// A source of uniform draws in `[0, 1)`, numpy's `rand` one value at a
/// time: the dropout layers draw their masks from it.
///
/// Every [`rand::Rng`] is one; a generator that reproduces numpy's stream
/// implements it to draw the book's exact masks.
pub trait RandomSample {
    /// One draw from U[0, 1).
    fn random_sample(&mut self) -> f64;

    /// `out.len()` draws, in order: the same numbers as that many calls of
    /// [`random_sample`](Self::random_sample), with one call through a
    /// `dyn` for all of them.
    fn fill_random_sample(&mut self, out: &mut [f64]) {
        for o in out {
            *o = self.random_sample();
        }
    }
}

impl<R: rand::Rng + ?Sized> RandomSample for R {
    fn random_sample(&mut self) -> f64 {
        self.random::<f64>()
    }
}

/// How to fill a weight matrix of shape `(fan_in, fan_out)`.
///
/// Draws are taken in row-major order, as numpy's `randn(fan_in, fan_out)`
/// does, and computed in `f64` before rounding to the layer's float type, as
/// the book's `(... ).astype('f')` does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// `scale · randn`: chapter 1 of the book uses `0.01`.
    Normal {
        /// The standard deviation.
        scale: f64,
    },
    /// Xavier (Glorot): `randn / √fan_in`, the book's choice from chapter 5 on.
    Xavier,
    /// He (Kaiming): `√(2 / fan_in) · randn`, for ReLU layers.
    He,
    /// All zeros (the book's biases); draws nothing.
    Zeros,
}

impl Init {
    /// The book's chapter-1 initialisation, `0.01 · randn`.
    pub const BOOK: Init = Init::Normal { scale: 0.01 };

    /// A `(fan_in, fan_out)` matrix drawn from `rng`.
    ///
    /// ```
    /// use nn_core::Init;
    /// use rand::SeedableRng;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(1984);
    /// let w = Init::Xavier.matrix::<f32>(784, 100, &mut rng)?;
    /// assert_eq!(w.dim(), (784, 100));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A dimension of zero, or a scale that is negative or not finite.
    pub fn matrix<F: Float>(
        &self,
        fan_in: usize,
        fan_out: usize,
        rng: &mut dyn Randn,
    ) -> Result<Array2<F>> {
        const OP: &str = "Init.matrix";
        if fan_in == 0 || fan_out == 0 {
            return Err(Error::Empty {
                op: OP,
                shape: vec![fan_in, fan_out],
            });
        }
        // value = scale · z / divisor reproduces each formula exactly: a
        // multiplication or division by 1 is exact in floating point.
        let (scale, divisor) = match *self {
            Init::Normal { scale } => {
                if !(scale.is_finite() && scale >= 0.0) {
                    return Err(Error::invalid(
                        OP,
                        format!("scale must be finite and non-negative, got {scale}"),
                    ));
                }
                (scale, 1.0)
            }
            Init::Xavier => (1.0, (fan_in as f64).sqrt()),
            Init::He => ((2.0 / fan_in as f64).sqrt(), 1.0),
            Init::Zeros => return Ok(Array2::zeros((fan_in, fan_out))),
        };
        Ok(Array2::from_shape_simple_fn((fan_in, fan_out), || {
            F::from_f64(scale * rng.randn() / divisor)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::message;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// A source that counts: draw k is k, to see the order and the scaling.
    struct Counter(f64);

    impl Randn for Counter {
        fn randn(&mut self) -> f64 {
            self.0 += 1.0;
            self.0
        }
    }

    #[test]
    fn draws_row_major_and_applies_each_formula_exactly() {
        let w = Init::Normal { scale: 0.01 }
            .matrix::<f64>(2, 3, &mut Counter(0.0))
            .unwrap();
        assert_eq!(w, ndarray::array![[0.01, 0.02, 0.03], [0.04, 0.05, 0.06]]);
        let w = Init::Xavier.matrix::<f64>(4, 1, &mut Counter(0.0)).unwrap();
        assert_eq!(w.column(0).to_vec(), [0.5, 1.0, 1.5, 2.0]);
        let w = Init::He.matrix::<f32>(8, 1, &mut Counter(0.0)).unwrap();
        assert_eq!(w[[1, 0]], ((2.0f64 / 8.0).sqrt() * 2.0) as f32);
        let mut untouched = Counter(0.0);
        assert!(
            Init::Zeros
                .matrix::<f64>(3, 3, &mut untouched)
                .unwrap()
                .iter()
                .all(|&v| v == 0.0)
        );
        assert_eq!(untouched.0, 0.0, "zeros draws nothing");
    }

    #[test]
    fn seeded_draws_repeat_and_have_the_right_spread() {
        let a = Init::He
            .matrix::<f64>(200, 300, &mut StdRng::seed_from_u64(7))
            .unwrap();
        let b = Init::He
            .matrix::<f64>(200, 300, &mut StdRng::seed_from_u64(7))
            .unwrap();
        assert_eq!(a, b);
        let std = (a.mapv(|v| v * v).mean().unwrap()).sqrt();
        assert!((std - (2.0f64 / 200.0).sqrt()).abs() < 0.002, "{std}");
    }

    #[test]
    fn bad_arguments_are_errors() {
        let rng = &mut StdRng::seed_from_u64(0);
        assert_eq!(
            message(Init::Normal { scale: -1.0 }.matrix::<f64>(2, 2, rng)),
            "Init.matrix: scale must be finite and non-negative, got -1"
        );
        assert_eq!(
            message(Init::Xavier.matrix::<f64>(0, 2, rng)),
            "Init.matrix: empty input (shape [0, 2]); at least one sample with at least one feature is needed"
        );
    }
}
