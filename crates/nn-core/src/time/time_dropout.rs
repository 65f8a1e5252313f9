//! `TimeDropout`: chapter 6's inverted dropout over sequences
//! (`common/time_layers.py`).

use ndarray::{Array3, ArrayView3, Zip};

use crate::layers::dropout::{check_ratio, draw_mask};
use crate::{Error, Float, RandomSample, Result};

/// The book's `TimeDropout(dropout_ratio)`: in training a unit is kept where
/// a uniform draw exceeds the ratio and scaled by `1/(1 − ratio)` (inverted
/// dropout, so evaluation needs no scaling), `out = xs⊙mask`; in evaluation
/// it is the identity and returns `xs` itself, without a copy.
///
/// The mask is drawn from the generator given to
/// [`forward`](Self::forward), one `random_sample` per element of
/// `(N, T, D)` in row-major order, as `np.random.rand(*xs.shape)`: with
/// numpy's generator the masks are the book's.
///
/// ```
/// use nn_core::time::TimeDropout;
/// use ndarray::Array3;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut drop = TimeDropout::new(0.5)?;
/// let xs = Array3::<f32>::ones((2, 3, 4));
/// let out = drop.forward(xs.view(), &mut rng)?;
/// assert!(out.iter().all(|&o| o == 0.0 || o == 2.0));
/// drop.set_training(false);
/// assert_eq!(drop.forward(xs.view(), &mut rng)?, xs);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeDropout<F: Float> {
    ratio: f64,
    training: bool,
    /// Whether the last forward applied a mask (training) or passed through.
    masked: bool,
    mask: Array3<F>,
    out: Array3<F>,
    dx: Array3<F>,
    ready: bool,
}

impl<F: Float> TimeDropout<F> {
    /// A layer that drops a share `ratio` of the units in training (the
    /// book's default is 0.5).
    ///
    /// # Errors
    /// `ratio` outside `[0, 1)`.
    pub fn new(ratio: f64) -> Result<Self> {
        check_ratio("TimeDropout.new", ratio)?;
        let z = || Array3::zeros((0, 0, 0));
        Ok(Self {
            ratio,
            training: true,
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

    /// Switches between training and evaluation (the book's `train_flg`).
    pub fn set_training(&mut self, training: bool) {
        self.training = training;
    }

    /// Whether the layer is in training mode (it starts in it).
    pub fn training(&self) -> bool {
        self.training
    }

    /// `xs⊙mask` with a fresh mask from `rng` in training; `xs` itself in
    /// evaluation (no draws, no copy: hence the output borrows `xs`).
    ///
    /// # Errors
    /// An empty `xs`.
    pub fn forward<'a>(
        &'a mut self,
        xs: ArrayView3<'a, F>,
        rng: &mut (impl RandomSample + ?Sized),
    ) -> Result<ArrayView3<'a, F>> {
        if xs.is_empty() {
            return Err(Error::shape(
                "TimeDropout.forward",
                format!("xs must be non-empty (N, T, D), got {:?}", xs.shape()),
            ));
        }
        self.ready = true;
        self.masked = self.training;
        if !self.training {
            return Ok(xs);
        }
        let dim = xs.dim();
        for buf in [&mut self.mask, &mut self.out] {
            if buf.dim() != dim {
                *buf = Array3::zeros(dim);
            }
        }
        let scale = F::from_f64(1.0 / (1.0 - self.ratio));
        draw_mask(self.mask.as_slice_mut(), self.ratio, scale, rng);
        Zip::from(&mut self.out)
            .and(&xs)
            .and(&self.mask)
            .for_each(|o, &x, &m| *o = x * m);
        Ok(self.out.view())
    }

    /// `dout⊙mask` for a training forward; a copy of `dout` after an
    /// evaluation forward (which dropped nothing).
    ///
    /// # Errors
    /// Called before forward, or `dout` not of the last output's shape.
    pub fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeDropout.backward";
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if self.masked && dout.dim() != self.mask.dim() {
            return Err(Error::shape(
                OP,
                format!(
                    "dout must have the shape of the last output (dout: {:?}, output: {:?})",
                    dout.shape(),
                    self.mask.shape()
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn training_scales_kept_units_and_backward_reuses_the_mask() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut drop = TimeDropout::<f64>::new(0.25).unwrap();
        let xs = Array3::from_shape_fn((3, 4, 5), |(n, t, d)| (n * 20 + t * 5 + d) as f64 + 1.0);
        let out = drop.forward(xs.view(), &mut rng).unwrap().to_owned();
        let kept = out.iter().filter(|&&o| o != 0.0).count();
        assert!(kept > 30 && kept < 60, "{kept} of 60 kept");
        for (o, x) in out.iter().zip(&xs) {
            assert!(*o == 0.0 || *o == x * (1.0 / 0.75));
        }
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
        let mut drop = TimeDropout::<f32>::new(0.5).unwrap();
        drop.set_training(false);
        let xs = Array3::from_elem((2, 2, 2), 3.0);
        assert_eq!(drop.forward(xs.view(), &mut Never).unwrap(), xs);
        assert_eq!(drop.backward(xs.view()).unwrap(), xs);
        assert!(TimeDropout::<f32>::new(1.0).is_err());
    }
}
