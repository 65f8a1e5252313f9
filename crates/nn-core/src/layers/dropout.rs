//! `Dropout` (`common/layers.py`): drops units at random while training.

use ndarray::{Array2, ArrayView2, Zip};

use crate::layer::{check_backward, non_empty, reshape_buffer};
use crate::{Error, Float, RandomSample, Result};

/// The book's `Dropout(dropout_ratio)` of `common/layers.py` (the original
/// dropout of Srivastava et al.): in training a unit is kept where a uniform
/// draw exceeds the ratio, `out = x⊙mask` with a 0/1 mask; in evaluation
/// every unit is kept and scaled, `out = x·(1 − ratio)`. (Chapter 6's
/// [`TimeDropout`](crate::time::TimeDropout) scales in training instead.)
///
/// The mask is drawn from the generator given to
/// [`forward`](Self::forward), one `random_sample` per element in row-major
/// order, as `np.random.rand(*x.shape)` draws it.
///
/// ```
/// use nn_core::layers::Dropout;
/// use ndarray::array;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut drop = Dropout::new(0.5)?;
/// let out = drop.forward(array![[1.0, 2.0, 3.0, 4.0]].view(), &mut rng)?;
/// assert!(out.iter().zip([1.0, 2.0, 3.0, 4.0]).all(|(&o, x)| o == 0.0 || o == x));
/// drop.set_training(false);
/// assert_eq!(drop.forward(array![[1.0, 2.0]].view(), &mut rng)?, array![[0.5, 1.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dropout<F: Float> {
    ratio: f64,
    training: bool,
    mask: Array2<F>,
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Dropout<F> {
    /// A layer that drops a share `ratio` of the units in training.
    ///
    /// # Errors
    /// `ratio` outside `[0, 1)`.
    pub fn new(ratio: f64) -> Result<Self> {
        check_ratio("Dropout.new", ratio)?;
        Ok(Self {
            ratio,
            training: true,
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

    /// Switches between training (a fresh mask per forward) and evaluation.
    pub fn set_training(&mut self, training: bool) {
        self.training = training;
    }

    /// Whether the layer is in training mode (it starts in it).
    pub fn training(&self) -> bool {
        self.training
    }

    /// `x⊙mask` with a mask drawn from `rng` in training, `x·(1 − ratio)`
    /// in evaluation (no draws).
    ///
    /// # Errors
    /// An empty `x`.
    pub fn forward(
        &mut self,
        x: ArrayView2<'_, F>,
        rng: &mut (impl RandomSample + ?Sized),
    ) -> Result<ArrayView2<'_, F>> {
        non_empty("Dropout.forward", &x)?;
        let (n, d) = x.dim();
        reshape_buffer(&mut self.mask, n, d);
        if self.training {
            draw_mask(self.mask.as_slice_mut(), self.ratio, F::one(), rng);
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
    ///
    /// # Errors
    /// Called before forward, or `dout` not of the output's shape.
    pub fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        check_backward("Dropout.backward", self.ready, &dout, self.out.dim())?;
        let (n, d) = dout.dim();
        reshape_buffer(&mut self.dx, n, d);
        Zip::from(&mut self.dx)
            .and(&dout)
            .and(&self.mask)
            .for_each(|g, &d, &m| *g = d * m);
        Ok(self.dx.view())
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
/// elsewhere, one draw per element in order (numpy's `rand(...) > ratio`).
pub(crate) fn draw_mask<F: Float>(
    mask: Option<&mut [F]>,
    ratio: f64,
    keep: F,
    rng: &mut (impl RandomSample + ?Sized),
) {
    let mask = mask.expect("a freshly shaped buffer is contiguous");
    for m in mask {
        *m = if rng.random_sample() > ratio {
            keep
        } else {
            F::zero()
        };
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
        let mut drop = Dropout::<f64>::new(0.3).unwrap();
        let mut rng = Fixed(vec![0.1, 0.3, 0.31, 0.9]);
        let out = drop
            .forward(array![[1.0, 2.0], [3.0, 4.0]].view(), &mut rng)
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
        for ratio in [-0.1, 1.0, f64::NAN] {
            let e = Dropout::<f32>::new(ratio).unwrap_err().to_string();
            assert!(e.contains("Dropout.new") && e.contains("[0, 1)"), "{e}");
        }
        let mut drop = Dropout::<f32>::new(0.5).unwrap();
        assert!(drop.backward(array![[1.0]].view()).is_err());
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        drop.forward(array![[1.0, 2.0]].view(), &mut rng).unwrap();
        let e = drop.backward(array![[1.0]].view()).unwrap_err().to_string();
        assert!(e.contains("Dropout.backward"), "{e}");
    }
}
