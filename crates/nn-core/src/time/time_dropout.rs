//! `TimeDropout`: chapter 6's inverted dropout over sequences
//! (`common/time_layers.py`).

use ndarray::{Array3, ArrayView3, Zip};

use crate::layers::dropout::{check_ratio, draw_mask};
use crate::time::TimeLayer;
use crate::{Error, Float, Parameters, Result, SharedRng};

/// The book's `TimeDropout(dropout_ratio)`: in training a unit is kept where
/// a uniform draw exceeds the ratio and scaled by `1/(1 − ratio)` (inverted
/// dropout, so evaluation needs no scaling), `out = xs⊙mask`; in evaluation
/// it passes `xs` through.
///
/// The mask is drawn from the layer's generator, one `random_sample` per
/// element of `(N, T, D)` in row-major order, as `np.random.rand(*xs.shape)`:
/// with numpy's generator the masks are the book's. The generator is a
/// [`SharedRng`]: the book's `BetterRnnlm` gives its three dropout layers one
/// generator, which they draw from in turn. The mode is switched by
/// [`TimeLayer::set_training`], as for every time layer and model.
///
/// ```
/// use nn_core::SharedRng;
/// use nn_core::time::{TimeDropout, TimeLayer};
/// use ndarray::Array3;
/// use rand::SeedableRng;
/// let rng = SharedRng::new(rand::rngs::StdRng::seed_from_u64(0));
/// let mut drop = TimeDropout::new(0.5, rng)?;
/// let xs = Array3::<f32>::ones((2, 3, 4));
/// let out = drop.forward(xs.view())?;
/// assert!(out.iter().all(|&o| o == 0.0 || o == 2.0));
/// drop.set_training(false);
/// assert_eq!(drop.forward(xs.view())?, xs);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeDropout<F: Float> {
    ratio: f64,
    training: bool,
    rng: SharedRng,
    /// Whether the last forward applied a mask (training) or passed through.
    masked: bool,
    mask: Array3<F>,
    out: Array3<F>,
    dx: Array3<F>,
    ready: bool,
}

impl<F: Float> TimeDropout<F> {
    /// A layer that drops a share `ratio` of the units in training (the
    /// book's default is 0.5), its masks drawn from `rng`.
    ///
    /// # Errors
    /// `ratio` outside `[0, 1)`.
    pub fn new(ratio: f64, rng: SharedRng) -> Result<Self> {
        check_ratio("TimeDropout.new", ratio)?;
        let z = || Array3::zeros((0, 0, 0));
        Ok(Self {
            ratio,
            training: true,
            rng,
            masked: false,
            mask: z(),
            out: z(),
            dx: z(),
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

    /// The mask of the last training forward: `0` or `1/(1 − ratio)` per
    /// element (the book's `mask`).
    pub fn mask(&self) -> ArrayView3<'_, F> {
        self.mask.view()
    }
}

impl<F: Float> Parameters<F> for TimeDropout<F> {}

impl<F: Float> TimeLayer<F> for TimeDropout<F> {
    fn name(&self) -> &'static str {
        "TimeDropout"
    }

    /// `xs⊙mask` with a fresh mask in training; a copy of `xs` in
    /// evaluation (no draws).
    fn forward(&mut self, xs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        if xs.is_empty() {
            return Err(Error::shape(
                "TimeDropout.forward",
                format!("xs must be non-empty (N, T, D), got {:?}", xs.shape()),
            ));
        }
        let dim = xs.dim();
        if self.out.dim() != dim {
            self.out = Array3::zeros(dim);
        }
        self.ready = true;
        self.masked = self.training;
        if !self.training {
            self.out.assign(&xs);
            return Ok(self.out.view());
        }
        if self.mask.dim() != dim {
            self.mask = Array3::zeros(dim);
        }
        let scale = F::from_f64(1.0 / (1.0 - self.ratio));
        let mask = self.mask.as_slice_mut().unwrap_or(&mut []);
        draw_mask(mask, self.ratio, scale, &mut *self.rng.lock());
        Zip::from(&mut self.out)
            .and(&xs)
            .and(&self.mask)
            .for_each(|o, &x, &m| *o = x * m);
        Ok(self.out.view())
    }

    /// `dout⊙mask` for a training forward; a copy of `dout` after an
    /// evaluation forward (which dropped nothing).
    fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeDropout.backward";
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if dout.dim() != self.out.dim() {
            return Err(Error::shape(
                OP,
                format!(
                    "dout must have the shape of the last output (dout: {:?}, output: {:?})",
                    dout.shape(),
                    self.out.shape()
                ),
            ));
        }
        if self.dx.dim() != dout.dim() {
            self.dx = Array3::zeros(dout.dim());
        }
        if self.masked {
            Zip::from(&mut self.dx)
                .and(&dout)
                .and(&self.mask)
                .for_each(|g, &d, &m| *g = d * m);
        } else {
            self.dx.assign(&dout);
        }
        Ok(self.dx.view())
    }

    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Randn, RandomSample};
    use rand::SeedableRng;

    #[test]
    fn training_scales_kept_units_and_backward_reuses_the_mask() {
        let rng = SharedRng::new(rand::rngs::StdRng::seed_from_u64(3));
        let mut drop = TimeDropout::<f64>::new(0.25, rng).unwrap();
        let xs = Array3::from_shape_fn((3, 4, 5), |(n, t, d)| (n * 20 + t * 5 + d) as f64 + 1.0);
        let out = drop.forward(xs.view()).unwrap().to_owned();
        let kept = out.iter().filter(|&&o| o != 0.0).count();
        assert!(kept > 30 && kept < 60, "{kept} of 60 kept");
        for (o, x) in out.iter().zip(&xs) {
            assert!(*o == 0.0 || *o == x * (1.0 / 0.75));
        }
        assert_eq!(drop.mask().dim(), (3, 4, 5));
        let dx = drop.backward(Array3::ones((3, 4, 5)).view()).unwrap();
        for (g, o) in dx.iter().zip(&out) {
            assert_eq!(*g == 0.0, *o == 0.0);
        }
        assert!(drop.backward(Array3::ones((1, 4, 5)).view()).is_err());
    }

    #[test]
    fn evaluation_is_the_identity_and_draws_nothing() {
        struct Never;
        impl RandomSample for Never {
            fn random_sample(&mut self) -> f64 {
                panic!("evaluation must not draw")
            }
        }
        impl Randn for Never {
            fn randn(&mut self) -> f64 {
                panic!("evaluation must not draw")
            }
        }
        let mut drop = TimeDropout::<f32>::new(0.5, SharedRng::new(Never)).unwrap();
        drop.set_training(false);
        let xs = Array3::from_elem((2, 2, 2), 3.0);
        assert_eq!(drop.forward(xs.view()).unwrap(), xs);
        assert_eq!(drop.backward(xs.view()).unwrap(), xs);
        assert!(TimeDropout::<f32>::new(1.0, SharedRng::new(Never)).is_err());
    }
}
