//! `TimeSigmoidWithLoss`: a sigmoid and binary cross-entropy at every step
//! (`common/time_layers.py`).

use ndarray::{ArrayView1, ArrayView2};

use crate::layers::SigmoidWithLoss;
use crate::{Error, Float, Result};

/// The book's `TimeSigmoidWithLoss`: scores `(N, T)` against 0/1 labels
/// `(N, T)`, the mean over the steps of each step's [`SigmoidWithLoss`]
/// (the book's `1e-7` in the logarithm). Every step has `N` scores, so the
/// mean of the steps' means is the mean over all `N·T` scores: one
/// `SigmoidWithLoss` over the flattened batch computes it.
///
/// Backward: `(y − t)·dout / (N·T)`, as `(N, T)`.
///
/// ```
/// use nn_core::time::TimeSigmoidWithLoss;
/// use ndarray::array;
/// let mut loss = TimeSigmoidWithLoss::<f64>::new();
/// let l = loss.forward(array![[0.0, 0.0]].view(), array![[1, 0]].view())?;
/// assert!((l + (0.5f64 + 1e-7).ln()).abs() < 1e-15);
/// assert_eq!(loss.backward(1.0)?, array![[-0.25, 0.25]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeSigmoidWithLoss<F: Float> {
    loss: SigmoidWithLoss<F>,
    xs: Vec<F>,
    ts: Vec<usize>,
    shape: (usize, usize),
}

impl<F: Float> TimeSigmoidWithLoss<F> {
    /// A loss layer with empty buffers.
    pub fn new() -> Self {
        Self {
            loss: SigmoidWithLoss::new(),
            xs: Vec::new(),
            ts: Vec::new(),
            shape: (0, 0),
        }
    }

    /// The sigmoid of the last forward's scores, one per sequence and step
    /// in row-major order (empty before a forward).
    pub fn y(&self) -> ArrayView1<'_, F> {
        self.loss.y()
    }

    /// The mean loss over every sequence and step.
    ///
    /// # Errors
    /// Empty or mismatched shapes, a label other than 0 or 1 (named with its
    /// sequence and step), or a loss that is not finite.
    pub fn forward(&mut self, xs: ArrayView2<'_, F>, ts: ArrayView2<'_, usize>) -> Result<F> {
        const OP: &str = "TimeSigmoidWithLoss.forward";
        if xs.is_empty() || ts.dim() != xs.dim() {
            return Err(Error::shape(
                OP,
                format!(
                    "xs and ts must both be (N, T), non-empty (xs: {:?}, ts: {:?})",
                    xs.shape(),
                    ts.shape()
                ),
            ));
        }
        if let Some(((n, t), &label)) = ts.indexed_iter().find(|&(_, &l)| l > 1) {
            return Err(Error::invalid(
                OP,
                format!("label {label} at sequence {n}, step {t}: labels must be 0 or 1"),
            ));
        }
        self.shape = xs.dim();
        self.xs.clear();
        self.xs.extend(xs.iter().copied());
        self.ts.clear();
        self.ts.extend(ts.iter().copied());
        self.loss.forward(ArrayView1::from(&self.xs[..]), &self.ts)
    }

    /// `∂(dout·loss)/∂xs` for the last forward, `(N, T)`.
    ///
    /// # Errors
    /// Called before forward, or `dout` not finite.
    pub fn backward(&mut self, dout: F) -> Result<ArrayView2<'_, F>> {
        let shape = self.shape;
        let dx = self.loss.backward(dout)?;
        dx.into_shape_with_order(shape)
            .map_err(|e| Error::invalid("TimeSigmoidWithLoss.backward", e.to_string()))
    }
}

impl<F: Float> Default for TimeSigmoidWithLoss<F> {
    fn default() -> Self {
        Self::new()
    }
}
