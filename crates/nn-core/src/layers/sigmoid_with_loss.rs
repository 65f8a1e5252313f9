//! `SigmoidWithLoss`: the logistic function and binary cross-entropy (chapter 4).

use ndarray::{Array1, ArrayView1};

use crate::functions::{CROSS_ENTROPY_DELTA, sigmoid_slice};
use crate::{Error, Float, Result};

/// The book's `SigmoidWithLoss`: `y = 1/(1+e^{−x})` per score and the mean
/// binary cross-entropy against labels 0 or 1, computed as the book does,
/// `−Σ log(y_t + 1e-7) / N` with `y_1 = y` and `y_0 = 1 − y`.
///
/// Backward: `dx = (y − t)·dout / N`, the exact gradient of `−log y_t`;
/// [`with_delta(0.0)`](Self::with_delta) drops the book's `1e-7` so that the
/// loss is the one whose derivative the backward pass is.
///
/// ```
/// use nn_core::SigmoidWithLoss;
/// use ndarray::array;
/// let mut loss = SigmoidWithLoss::new();
/// let l = loss.forward(array![0.0, 0.0].view(), &[1, 0])?;
/// assert!((l - 2f64.ln()).abs() < 1e-6);
/// assert_eq!(loss.backward(1.0)?, array![-0.25, 0.25]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SigmoidWithLoss<F: Float> {
    delta: F,
    /// The loss of the last forward (NaN before one).
    loss: F,
    y: Array1<F>,
    t: Vec<F>,
    dx: Array1<F>,
}

impl<F: Float> SigmoidWithLoss<F> {
    /// The book's loss, with `1e-7` inside the logarithm.
    pub fn new() -> Self {
        Self {
            delta: F::from_f64(CROSS_ENTROPY_DELTA),
            loss: F::nan(),
            y: Array1::zeros(0),
            t: Vec::new(),
            dx: Array1::zeros(0),
        }
    }

    /// The loss with `delta` inside the logarithm instead of the book's `1e-7`.
    ///
    /// # Errors
    /// `delta` negative or not finite.
    pub fn with_delta(delta: F) -> Result<Self> {
        if !(delta.is_finite() && delta >= F::zero()) {
            return Err(Error::invalid(
                "SigmoidWithLoss.with_delta",
                format!("delta must be finite and non-negative, got {delta}"),
            ));
        }
        Ok(Self {
            delta,
            ..Self::new()
        })
    }

    /// The sigmoid of the last forward's scores.
    pub fn y(&self) -> ArrayView1<'_, F> {
        self.y.view()
    }

    /// The loss the last forward returned (NaN before a forward, and after
    /// one that failed).
    pub fn loss(&self) -> F {
        self.loss
    }

    /// The mean loss of scores `x` against labels `t` (each 0 or 1).
    ///
    /// # Errors
    /// Empty or mismatched inputs, a label other than 0 or 1, or a loss that
    /// is not finite.
    pub fn forward(&mut self, x: ArrayView1<'_, F>, t: &[usize]) -> Result<F> {
        const OP: &str = "SigmoidWithLoss.forward";
        if t.len() != x.len() {
            return Err(Error::shape(
                OP,
                format!("{} labels for {} scores", t.len(), x.len()),
            ));
        }
        if let Some((row, &label)) = t.iter().enumerate().find(|&(_, &l)| l > 1) {
            return Err(Error::LabelOutOfRange {
                op: OP,
                row,
                label,
                classes: 2,
            });
        }
        self.t.clear();
        self.t
            .extend(t.iter().map(|&l| if l == 1 { F::one() } else { F::zero() }));
        self.finish_forward(OP, x)
    }

    /// The mean loss of scores `x` that all have the label `label` (the
    /// book's `np.ones(batch)` for the correct words and `np.zeros` for the
    /// negative samples), without a label array.
    ///
    /// # Errors
    /// As [`forward`](Self::forward).
    pub fn forward_all(&mut self, x: ArrayView1<'_, F>, label: usize) -> Result<F> {
        const OP: &str = "SigmoidWithLoss.forward";
        if label > 1 {
            return Err(Error::LabelOutOfRange {
                op: OP,
                row: 0,
                label,
                classes: 2,
            });
        }
        let value = if label == 1 { F::one() } else { F::zero() };
        self.t.clear();
        self.t.resize(x.len(), value);
        self.finish_forward(OP, x)
    }

    fn finish_forward(&mut self, op: &'static str, x: ArrayView1<'_, F>) -> Result<F> {
        self.loss = F::nan();
        if x.is_empty() {
            return Err(Error::Empty { op, shape: vec![0] });
        }
        if self.y.len() != x.len() {
            self.y = Array1::zeros(x.len());
        }
        match (x.as_slice(), self.y.as_slice_mut()) {
            (Some(xs), Some(ys)) => sigmoid_slice(xs, ys),
            _ => {
                let xs = x.to_vec();
                sigmoid_slice(&xs, self.y.as_slice_mut().unwrap_or(&mut []));
            }
        }
        let delta = self.delta;
        let mut sum = F::zero();
        for (&y, &t) in self.y.iter().zip(&self.t) {
            let p = if t == F::one() { y } else { F::one() - y };
            sum += (p + delta).ln();
        }
        let loss = -sum / F::from_f64(x.len() as f64);
        if !loss.is_finite() {
            return Err(Error::NonFinite {
                op,
                what: "the loss".into(),
                value: loss.as_f64(),
            });
        }
        self.loss = loss;
        Ok(loss)
    }

    /// `∂(dout·loss)/∂x = (y − t)·dout / N` for the last forward.
    ///
    /// # Errors
    /// Called before forward, or `dout` not finite.
    pub fn backward(&mut self, dout: F) -> Result<ArrayView1<'_, F>> {
        const OP: &str = "SigmoidWithLoss.backward";
        if self.t.is_empty() || self.t.len() != self.y.len() {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if !dout.is_finite() {
            return Err(Error::NonFinite {
                op: OP,
                what: "dout".into(),
                value: dout.as_f64(),
            });
        }
        if self.dx.len() != self.y.len() {
            self.dx = Array1::zeros(self.y.len());
        }
        let n = F::from_f64(self.y.len() as f64);
        for ((d, &y), &t) in self.dx.iter_mut().zip(&self.y).zip(&self.t) {
            *d = (y - t) * dout / n;
        }
        Ok(self.dx.view())
    }
}

impl<F: Float> Default for SigmoidWithLoss<F> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::message;
    use ndarray::array;

    #[test]
    fn gradient_matches_central_differences() {
        let x = array![0.3, -1.2, 2.5, 0.0];
        let t = [1, 0, 0, 1];
        let mut loss = SigmoidWithLoss::<f64>::with_delta(0.0).unwrap();
        loss.forward(x.view(), &t).unwrap();
        let dx = loss.backward(1.0).unwrap().to_owned();
        for i in 0..4 {
            let eps = 1e-6;
            let (mut a, mut b) = (x.clone(), x.clone());
            a[i] += eps;
            b[i] -= eps;
            let numeric = (loss.forward(a.view(), &t).unwrap()
                - loss.forward(b.view(), &t).unwrap())
                / (2.0 * eps);
            // The book's 1e-7 inside the log shifts the derivative by ~1e-7.
            assert!(
                (numeric - dx[i]).abs() < 1e-6,
                "{i}: {numeric} vs {}",
                dx[i]
            );
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut loss = SigmoidWithLoss::<f32>::new();
        assert!(message(loss.backward(1.0)).contains("called before forward"));
        assert_eq!(
            message(loss.forward(array![1.0].view(), &[2])),
            "SigmoidWithLoss.forward: label 2 at row 0 is out of range for 2 classes"
        );
        assert!(
            message(loss.forward(array![1.0].view(), &[1, 0])).contains("2 labels for 1 scores")
        );
        assert!(message(loss.forward(array![f32::NAN].view(), &[1])).contains("not finite"));
    }
}
