//! `TimeSoftmaxWithLoss`: softmax and cross-entropy at every step
//! (`common/time_layers.py`).

use ndarray::{Array3, ArrayView2, ArrayView3, Zip};

use crate::functions::{pairwise_sum, softmax_rows_in_place, softmax_rows_into};
use crate::parallel;
use crate::time::time_rnn::{rows, rows_mut};
use crate::{Error, Float, Result};

/// The book's `ignore_label`: a target of `-1` counts neither in the loss
/// nor in its gradient (chapter 7 pads sequences with it).
pub const IGNORE_LABEL: isize = -1;

/// The book's `TimeSoftmaxWithLoss`: scores `(N, T, V)` and targets
/// `(N, T)`, the softmax of every step's scores and the mean of
/// `−log y[t]` over the steps whose target is not [`IGNORE_LABEL`], computed
/// over the `N·T` rows at once as the book reshapes. (Unlike chapter 1's
/// loss, the book puts no `1e-7` into this logarithm.)
///
/// Backward: `(y − onehot(t))·dout / count`, zero on ignored steps.
///
/// ```
/// use nn_core::time::TimeSoftmaxWithLoss;
/// use ndarray::{array, Array3};
/// let mut loss = TimeSoftmaxWithLoss::<f64>::new();
/// let l = loss.forward(Array3::zeros((1, 2, 4)).view(), array![[3, -1]].view())?;
/// assert!((l - 4f64.ln()).abs() < 1e-15); // one counted step, uniform scores
/// let dx = loss.backward(1.0)?;
/// assert_eq!(dx[[0, 0, 3]], -0.75);
/// assert_eq!(dx[[0, 1, 0]], 0.0); // the ignored step
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct TimeSoftmaxWithLoss<F: Float> {
    /// Softmax of the last scores, `(N, T, V)`.
    ys: Array3<F>,
    ts: Vec<isize>,
    /// The log-probability of each step's target (0 where ignored).
    logs: Vec<F>,
    count: usize,
    dx: Array3<F>,
}

impl<F: Float> TimeSoftmaxWithLoss<F> {
    /// A loss layer with empty buffers.
    pub fn new() -> Self {
        Self {
            ys: Array3::zeros((0, 0, 0)),
            ts: Vec::new(),
            logs: Vec::new(),
            count: 0,
            dx: Array3::zeros((0, 0, 0)),
        }
    }

    /// The mean loss of the steps whose target is not [`IGNORE_LABEL`].
    ///
    /// # Errors
    /// Shapes that don't fit, a target outside `0..V` other than `-1`, every
    /// target ignored, or a loss that is not finite.
    pub fn forward(&mut self, xs: ArrayView3<'_, F>, ts: ArrayView2<'_, isize>) -> Result<F> {
        const OP: &str = "TimeSoftmaxWithLoss.forward";
        let (n, t, v) = xs.dim();
        if xs.is_empty() || ts.dim() != (n, t) {
            return Err(Error::shape(
                OP,
                format!(
                    "xs must be (N, T, V) and ts (N, T), non-empty (xs: {:?}, ts: {:?})",
                    xs.shape(),
                    ts.shape()
                ),
            ));
        }
        self.ts.clear();
        self.ts.extend(ts.iter().copied());
        if let Some((i, &label)) = self
            .ts
            .iter()
            .enumerate()
            .find(|&(_, &l)| l != IGNORE_LABEL && !(0..v as isize).contains(&l))
        {
            return Err(Error::invalid(
                OP,
                format!(
                    "target {label} at sequence {}, step {} is neither a class of {v} nor the ignore label -1",
                    i / t,
                    i % t
                ),
            ));
        }
        self.count = self.ts.iter().filter(|&&l| l != IGNORE_LABEL).count();
        if self.count == 0 {
            return Err(Error::invalid(
                OP,
                "every target is the ignore label -1: there is nothing to average",
            ));
        }
        if self.ys.dim() != (n, t, v) {
            self.ys = Array3::zeros((n, t, v));
        }
        match xs.into_shape_with_order((n * t, v)) {
            // Row by row from the scores: each row is read once, in cache.
            Ok(rows) => softmax_rows_into(OP, rows, &mut rows_mut(&mut self.ys))?,
            Err(_) => {
                self.ys.assign(&xs);
                softmax_rows_in_place(OP, &mut rows_mut(&mut self.ys))?;
            }
        }
        // The book's `ls = log(ys[arange(N*T), ts]); ls *= mask; loss =
        // -sum(ls) / mask.sum()`, summed pairwise as numpy does (a running
        // f32 sum of 700 logs drifts by 1e-5).
        let ys = rows(&self.ys);
        self.logs.clear();
        self.logs
            .extend(ys.rows().into_iter().zip(&self.ts).map(|(row, &label)| {
                if label == IGNORE_LABEL {
                    F::zero()
                } else {
                    row[label as usize].ln()
                }
            }));
        let loss = -pairwise_sum(&self.logs) / F::from_f64(self.count as f64);
        if !loss.is_finite() {
            return Err(Error::NonFinite {
                op: OP,
                what: "the loss (a target's probability underflowed to 0)".into(),
                value: loss.as_f64(),
            });
        }
        Ok(loss)
    }

    /// The softmax of the last forward's scores, `(N, T, V)`: the
    /// probability of every class at every step (the book's `ys`; empty
    /// before a forward).
    pub fn probabilities(&self) -> ArrayView3<'_, F> {
        self.ys.view()
    }

    /// `∂(dout·loss)/∂xs` for the last forward.
    ///
    /// # Errors
    /// Called before forward, or `dout` not finite.
    pub fn backward(&mut self, dout: F) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeSoftmaxWithLoss.backward";
        if self.count == 0 {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if !dout.is_finite() {
            return Err(Error::NonFinite {
                op: OP,
                what: "dout".into(),
                value: dout.as_f64(),
            });
        }
        if self.dx.dim() != self.ys.dim() {
            self.dx = Array3::zeros(self.ys.dim());
        }
        let scale = dout / F::from_f64(self.count as f64);
        let (ys, ts) = (rows(&self.ys), &self.ts);
        parallel::for_row_blocks(rows_mut(&mut self.dx), |first, mut block| {
            let n = block.nrows();
            let ys = ys.slice(ndarray::s![first..first + n, ..]);
            for ((mut row, y), &label) in block
                .rows_mut()
                .into_iter()
                .zip(ys.rows())
                .zip(&ts[first..first + n])
            {
                if label == IGNORE_LABEL {
                    row.fill(F::zero());
                } else {
                    // (y − onehot)·scale in one pass.
                    Zip::from(&mut row).and(&y).for_each(|g, &y| *g = y * scale);
                    let l = label as usize;
                    row[l] = (y[l] - F::one()) * scale;
                }
            }
            Ok(())
        })?;
        Ok(self.dx.view())
    }
}
