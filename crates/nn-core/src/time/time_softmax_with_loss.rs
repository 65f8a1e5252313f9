//! `TimeSoftmaxWithLoss`: softmax and cross-entropy at every step
//! (`common/time_layers.py`).

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Zip};

use crate::functions::{pairwise_sum, softmax_rows_in_place, softmax_rows_into};
use crate::labels::one_hot_class;
use crate::parallel;
use crate::time::time_rnn::{rows, rows_mut};
use crate::{Error, Float, Result};

/// The book's `ignore_label`: a target of `-1` counts neither in the loss
/// nor in its gradient (chapter 7 pads sequences with it).
pub const IGNORE_LABEL: isize = -1;

/// The targets of a [`TimeSoftmaxWithLoss`]: ids `(N, T)` (with
/// [`IGNORE_LABEL`] for steps that don't count), or one-hot rows
/// `(N, T, V)`, which the book turns into ids (`ts.argmax(axis=2)`). Built
/// with `From` from either.
///
/// One-hot rows must be exactly one-hot (a single 1, the rest 0); anything
/// else is an error rather than silently reduced to its arg-max.
#[derive(Debug, Clone, Copy)]
pub enum TimeLabels<'a, F> {
    /// One id per sequence and step.
    Ids(ArrayView2<'a, isize>),
    /// One one-hot row per sequence and step.
    OneHot(ArrayView3<'a, F>),
}

impl<'a, F> From<ArrayView2<'a, isize>> for TimeLabels<'a, F> {
    fn from(ts: ArrayView2<'a, isize>) -> Self {
        TimeLabels::Ids(ts)
    }
}

impl<'a, F> From<&'a Array2<isize>> for TimeLabels<'a, F> {
    fn from(ts: &'a Array2<isize>) -> Self {
        TimeLabels::Ids(ts.view())
    }
}

impl<'a, F> From<ArrayView3<'a, F>> for TimeLabels<'a, F> {
    fn from(ts: ArrayView3<'a, F>) -> Self {
        TimeLabels::OneHot(ts)
    }
}

impl<'a, F> From<&'a Array3<F>> for TimeLabels<'a, F> {
    fn from(ts: &'a Array3<F>) -> Self {
        TimeLabels::OneHot(ts.view())
    }
}

/// The book's `TimeSoftmaxWithLoss`: scores `(N, T, V)` and targets
/// `(N, T)` (or one-hot, `(N, T, V)`), the softmax of every step's scores and the mean of
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
///
/// // The book's one-hot targets, (N, T, V): the same loss as their ids.
/// let one_hot = array![[[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]];
/// let by_rows = loss.forward(Array3::zeros((1, 2, 4)).view(), one_hot.view())?;
/// assert!((by_rows - 4f64.ln()).abs() < 1e-15);
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
    /// Shapes that don't fit, a target outside `0..V` other than `-1`, a
    /// one-hot row that is not one-hot, every target ignored, or a loss
    /// that is not finite.
    pub fn forward<'t>(
        &mut self,
        xs: ArrayView3<'_, F>,
        ts: impl Into<TimeLabels<'t, F>>,
    ) -> Result<F> {
        const OP: &str = "TimeSoftmaxWithLoss.forward";
        let (n, t, v) = xs.dim();
        // Nothing cached survives a failed forward.
        self.count = 0;
        let ts = ts.into();
        let fits = match &ts {
            TimeLabels::Ids(ids) => ids.dim() == (n, t),
            TimeLabels::OneHot(rows) => rows.dim() == (n, t, v),
        };
        if xs.is_empty() || !fits {
            let ts_shape = match &ts {
                TimeLabels::Ids(ids) => ids.shape().to_vec(),
                TimeLabels::OneHot(rows) => rows.shape().to_vec(),
            };
            return Err(Error::shape(
                OP,
                format!(
                    "xs must be (N, T, V) and ts (N, T) or one-hot (N, T, V), non-empty \
                     (xs: {:?}, ts: {ts_shape:?})",
                    xs.shape()
                ),
            ));
        }
        self.ts.clear();
        match ts {
            TimeLabels::Ids(ids) => self.ts.extend(ids.iter().copied()),
            TimeLabels::OneHot(rows) => {
                for (row, one_hot) in rows.lanes(ndarray::Axis(2)).into_iter().enumerate() {
                    let class = one_hot_class(OP, row, one_hot.iter().copied())?;
                    self.ts.push(class as isize);
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, array};

    /// The book's one-hot targets give the loss and gradient of their ids.
    #[test]
    fn one_hot_targets_are_their_ids() {
        let xs = Array3::from_shape_fn((2, 3, 4), |(n, t, v)| ((n * 12 + t * 4 + v) as f64).sin());
        let ids = array![[0isize, 3, 1], [2, 2, 0]];
        let one_hot =
            Array3::from_shape_fn(
                (2, 3, 4),
                |(n, t, v)| {
                    if ids[[n, t]] == v as isize { 1.0 } else { 0.0 }
                },
            );
        let mut by_id = TimeSoftmaxWithLoss::<f64>::new();
        let mut by_row = TimeSoftmaxWithLoss::<f64>::new();
        let a = by_id.forward(xs.view(), ids.view()).unwrap();
        let b = by_row.forward(xs.view(), &one_hot).unwrap();
        assert_eq!(a.to_bits(), b.to_bits());
        assert_eq!(by_id.backward(1.0).unwrap(), by_row.backward(1.0).unwrap());
        let mut bad = one_hot.clone();
        bad[[1, 2, 3]] = 0.5;
        assert_eq!(
            by_row.forward(xs.view(), &bad).unwrap_err().to_string(),
            "TimeSoftmaxWithLoss.forward: row 5 of the one-hot labels is not one-hot \
             (it has 1 ones and 1 values other than 0 and 1)"
        );
        let e = by_row
            .forward(xs.view(), Array3::<f64>::zeros((2, 3, 5)).view())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("one-hot (N, T, V)") && e.contains("[2, 3, 5]"),
            "{e}"
        );
    }
}
