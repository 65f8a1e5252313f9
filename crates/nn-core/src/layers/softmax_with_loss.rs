//! `SoftmaxWithLoss`: softmax followed by the cross-entropy error, fused.

use ndarray::{Array2, ArrayBase, ArrayView2, Data, Dimension};

use crate::functions::{CROSS_ENTROPY_DELTA, as_rows, finite, softmax_rows_into};
use crate::layer::reshape_buffer;
use crate::{Error, Float, Labels, Loss, Result};

/// Softmax of the scores, then the book's cross-entropy error against the
/// labels: `L = −Σᵢ log(yᵢ,tᵢ + 1e-7) / N`.
///
/// Backward: `dx = (y − onehot(t)) · dout / N`. Labels may be class indices
/// or one-hot rows ([`Labels`]); a single sample may be given as a vector,
/// and its `dx` is then a `(1, classes)` matrix.
///
/// ```
/// use nn_core::{Loss, SoftmaxWithLoss};
/// use ndarray::array;
/// let mut loss = SoftmaxWithLoss::new();
/// let l = loss.forward(&array![[0.0, 0.0], [0.0, 0.0]], &[0, 1])?;
/// assert!((l - (2f64.ln())).abs() < 1e-6);
/// let dx = loss.backward(1.0)?;
/// assert_eq!(dx, array![[-0.25, 0.25], [0.25, -0.25]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SoftmaxWithLoss<F: Float> {
    /// Softmax of the last scores.
    y: Array2<F>,
    /// The last labels as class indices.
    t: Vec<usize>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> SoftmaxWithLoss<F> {
    /// A softmax-with-loss layer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The mean loss of the scores `x` (a batch, or one sample as a vector)
    /// against the labels `t`.
    ///
    /// # Errors
    /// `x` not a vector or a matrix, an empty batch, labels that don't fit,
    /// or a non-finite loss (NaN or infinite scores).
    pub fn forward<'t, S, D>(
        &mut self,
        x: &ArrayBase<S, D>,
        t: impl Into<Labels<'t, F>>,
    ) -> Result<F>
    where
        S: Data<Elem = F>,
        D: Dimension,
    {
        const OP: &str = "SoftmaxWithLoss.forward";
        let x = as_rows(OP, x)?;
        self.forward_rows(OP, x, t.into())
    }

    /// `dx = (y − onehot(t)) · dout / N` for the last `forward`.
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not finite.
    pub fn backward(&mut self, dout: F) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "SoftmaxWithLoss.backward";
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        finite(OP, "dout", dout)?;
        let (n, c) = self.y.dim();
        reshape_buffer(&mut self.dx, n, c);
        self.dx.assign(&self.y);
        for (i, &class) in self.t.iter().enumerate() {
            self.dx[[i, class]] -= F::one();
        }
        // The book's order: (y - t) * dout, then / batch_size.
        let batch = F::from_f64(n as f64);
        self.dx.map_inplace(|d| *d = *d * dout / batch);
        Ok(self.dx.view())
    }

    /// The softmax probabilities of the last `forward`, `(N, classes)`.
    pub fn probabilities(&self) -> ArrayView2<'_, F> {
        self.y.view()
    }

    fn forward_rows(
        &mut self,
        op: &'static str,
        x: ArrayView2<'_, F>,
        t: Labels<'_, F>,
    ) -> Result<F> {
        let (n, c) = x.dim();
        t.check(op, n, c)?;
        // Nothing cached survives a failed forward.
        self.ready = false;
        self.t.clear();
        for i in 0..n {
            self.t.push(t.class_of(op, i, c)?);
        }
        reshape_buffer(&mut self.y, n, c);
        softmax_rows_into(op, x, &mut self.y.view_mut())?;
        let delta = F::from_f64(CROSS_ENTROPY_DELTA);
        let mut total = F::zero();
        for (row, &class) in self.y.rows().into_iter().zip(&self.t) {
            total += (row[class] + delta).ln();
        }
        let loss = finite(op, "the loss", -total / F::from_f64(n as f64))?;
        self.ready = true;
        Ok(loss)
    }
}

impl<F: Float> Loss<F> for SoftmaxWithLoss<F> {
    fn name(&self) -> &'static str {
        "SoftmaxWithLoss"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>, t: Labels<'_, F>) -> Result<F> {
        SoftmaxWithLoss::forward(self, &x, t)
    }

    fn backward(&mut self, dout: F) -> Result<ArrayView2<'_, F>> {
        SoftmaxWithLoss::backward(self, dout)
    }
}
