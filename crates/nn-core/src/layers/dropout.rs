//! `Dropout` (`common/layers.py`): drops units at random while training.

use ndarray::{Array2, ArrayView2, Zip};

use crate::layer::{check_backward, non_empty, reshape_buffer};
use crate::{Error, Float, Layer, Parameters, RandomSample, Result, SharedRng};

/// The book's `Dropout(dropout_ratio)` of `common/layers.py` (the original
/// dropout of Srivastava et al.): in training a unit is kept where a uniform
/// draw exceeds the ratio, `out = x⊙mask` with a 0/1 mask; in evaluation
/// every unit is kept and scaled, `out = x·(1 − ratio)`. (Chapter 6's
/// [`TimeDropout`](crate::time::TimeDropout) scales in training instead.)
///
/// The mask is drawn from the layer's generator, one `random_sample` per
/// element in row-major order, as `np.random.rand(*x.shape)` draws it; the
/// generator is a [`SharedRng`], so that several layers can draw from one
/// stream. [`set_training`](Layer::set_training) switches the mode.
///
/// ```
/// use nn_core::{Layer, SharedRng, layers::Dropout};
/// use ndarray::array;
/// use rand::SeedableRng;
/// let rng = SharedRng::new(rand::rngs::StdRng::seed_from_u64(0));
/// let mut drop = Dropout::new(0.5, rng)?;
/// let out = drop.forward(array![[1.0, 2.0, 3.0, 4.0]].view())?;
/// assert!(out.iter().zip([1.0, 2.0, 3.0, 4.0]).all(|(&o, x)| o == 0.0 || o == x));
/// drop.set_training(false);
/// assert_eq!(drop.forward(array![[1.0, 2.0]].view())?, array![[0.5, 1.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dropout<F: Float> {
    ratio: f64,
    training: bool,
    rng: SharedRng,
    mask: Array2<F>,
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Dropout<F> {
    /// A layer that drops a share `ratio` of the units in training, its
    /// masks drawn from `rng`.
    ///
    /// # Errors
    /// `ratio` outside `[0, 1)`.
    pub fn new(ratio: f64, rng: SharedRng) -> Result<Self> {
        check_ratio("Dropout.new", ratio)?;
        Ok(Self {
            ratio,
            training: true,
            rng,
            mask: Array2::zeros((0, 0)),
            out: Array2::zeros((0, 0)),
            dx: Array2::zeros((0, 0)),
            ready: false,
        })
    }

    /// The share of units dropped in training.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Whether the layer is in training mode (it starts in it).
    pub fn training(&self) -> bool {
        self.training
    }

    /// The generator the masks are drawn from.
    pub fn rng(&self) -> &SharedRng {
        &self.rng
    }

    /// The mask of the last forward (the book's `mask`; `1 − ratio` in
    /// every entry after an evaluation forward).
    pub fn mask(&self) -> ArrayView2<'_, F> {
        self.mask.view()
    }
}

impl<F: Float> Parameters<F> for Dropout<F> {}

impl<F: Float> Layer<F> for Dropout<F> {
    fn name(&self) -> &'static str {
        "Dropout"
    }

    /// `x⊙mask` with a fresh mask in training, `x·(1 − ratio)` in
    /// evaluation (no draws).
    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        non_empty("Dropout.forward", &x)?;
        let (n, d) = x.dim();
        reshape_buffer(&mut self.mask, n, d);
        if self.training {
            let mask = self.mask.as_slice_mut().unwrap_or(&mut []);
            draw_mask(mask, self.ratio, F::one(), &mut *self.rng.lock());
        } else {
            self.mask.fill(F::from_f64(1.0 - self.ratio));
        }
        reshape_buffer(&mut self.out, n, d);
        Zip::from(&mut self.out)
            .and(&x)
            .and(&self.mask)
            .for_each(|o, &x, &m| *o = x * m);
        self.ready = true;
        Ok(self.out.view())
    }

    /// `dout⊙mask` for the last forward (the book's backward; after an
    /// evaluation forward, `dout·(1 − ratio)`).
    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        check_backward("Dropout.backward", self.ready, &dout, self.out.dim())?;
        let (n, d) = dout.dim();
        reshape_buffer(&mut self.dx, n, d);
        Zip::from(&mut self.dx)
            .and(&dout)
            .and(&self.mask)
            .for_each(|g, &d, &m| *g = d * m);
        Ok(self.dx.view())
    }

    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}

/// Refuses a dropout ratio outside `[0, 1)`.
pub(crate) fn check_ratio(op: &'static str, ratio: f64) -> Result<()> {
    if (0.0..1.0).contains(&ratio) {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!("the dropout ratio must be in [0, 1), got {ratio}"),
        ))
    }
}

/// Fills `mask` with `keep` where a draw from `rng` exceeds `ratio` and 0
/// elsewhere, one draw per element in order (numpy's `rand(...) > ratio`),
/// the draws taken in chunks through a stack buffer.
pub(crate) fn draw_mask<F: Float>(mask: &mut [F], ratio: f64, keep: F, rng: &mut dyn RandomSample) {
    let mut draws = [0.0f64; 256];
    for chunk in mask.chunks_mut(draws.len()) {
        let draws = &mut draws[..chunk.len()];
        rng.fill_random_sample(draws);
        for (m, &u) in chunk.iter_mut().zip(draws.iter()) {
            *m = if u > ratio { keep } else { F::zero() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;

    #[test]
    fn the_mask_keeps_draws_above_the_ratio_and_backward_uses_it() {
        struct Fixed(Vec<f64>);
        impl RandomSample for Fixed {
            fn random_sample(&mut self) -> f64 {
                self.0.remove(0)
            }
        }
        impl crate::Randn for Fixed {
            fn randn(&mut self) -> f64 {
                unreachable!("dropout draws uniform numbers only")
            }
        }
        let rng = SharedRng::new(Fixed(vec![0.1, 0.3, 0.31, 0.9]));
        let mut drop = Dropout::<f64>::new(0.3, rng).unwrap();
        let out = drop
            .forward(array![[1.0, 2.0], [3.0, 4.0]].view())
            .unwrap()
            .to_owned();
        // Kept only where the draw is strictly above 0.3, not scaled.
        assert_eq!(out, array![[0.0, 0.0], [3.0, 4.0]]);
        let dx = drop
            .backward(array![[5.0, 5.0], [5.0, 5.0]].view())
            .unwrap();
        assert_eq!(dx, array![[0.0, 0.0], [5.0, 5.0]]);
    }

    #[test]
    fn bad_ratios_and_early_backward_are_errors() {
        let rng = SharedRng::new(rand::rngs::StdRng::seed_from_u64(1));
        for ratio in [-0.1, 1.0, f64::NAN] {
            let e = Dropout::<f32>::new(ratio, rng.clone())
                .unwrap_err()
                .to_string();
            assert!(e.contains("Dropout.new") && e.contains("[0, 1)"), "{e}");
        }
        let mut drop = Dropout::<f32>::new(0.5, rng).unwrap();
        assert!(drop.backward(array![[1.0]].view()).is_err());
        drop.forward(array![[1.0, 2.0]].view()).unwrap();
        let e = drop.backward(array![[1.0]].view()).unwrap_err().to_string();
        assert!(e.contains("Dropout.backward"), "{e}");
    }
}
