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
/// The book's backward is the exact gradient of `−log y`; its `1e-7` inside
/// the logarithm makes the loss's true derivative smaller by the factor
/// `yₜ / (yₜ + 1e-7)`, a relative `1e-7 / yₜ` that no one training a net
/// notices. [`with_delta(0.0)`](Self::with_delta) gives the exact
/// cross-entropy, whose derivative the backward pass is.
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
#[derive(Debug, Clone)]
pub struct SoftmaxWithLoss<F: Float> {
    /// Added to the probability inside the logarithm.
    delta: F,
    /// Softmax of the last scores.
    y: Array2<F>,
    /// The last labels as class indices.
    t: Vec<usize>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Default for SoftmaxWithLoss<F> {
    fn default() -> Self {
        Self {
            delta: F::from_f64(CROSS_ENTROPY_DELTA),
            y: Array2::zeros((0, 0)),
            t: Vec::new(),
            dx: Array2::zeros((0, 0)),
            ready: false,
        }
    }
}

impl<F: Float> SoftmaxWithLoss<F> {
    /// A softmax-with-loss layer with the book's `1e-7` in the logarithm.
    pub fn new() -> Self {
        Self::default()
    }

    /// A softmax-with-loss layer computing `−log(yₜ + delta)`; `0` is the
    /// exact cross-entropy (and a probability that underflows to 0 is then a
    /// non-finite-loss error).
    ///
    /// # Errors
    /// `delta` negative or not finite.
    pub fn with_delta(delta: F) -> Result<Self> {
        if !(delta.is_finite() && delta >= F::zero()) {
            return Err(Error::invalid(
                "SoftmaxWithLoss.with_delta",
                format!("delta must be finite and non-negative, got {delta}"),
            ));
        }
        Ok(Self {
            delta,
            ..Self::default()
        })
    }

    /// The value added inside the logarithm.
    pub fn delta(&self) -> F {
        self.delta
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
        let delta = self.delta;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GradCheck;
    use crate::test_util::{message, randn};
    use ndarray::{Array1, array};

    #[test]
    fn gradients_match_central_differences_for_index_and_one_hot_labels() {
        let x = randn::<f64>(6, 4, 1);
        let t = [3usize, 0, 1, 1, 2, 0];
        let mut layer = SoftmaxWithLoss::with_delta(0.0).unwrap();
        let report = GradCheck::default().loss(&mut layer, x.view(), &t).unwrap();
        assert!(report.max_error < 1e-6, "{report}");
        let mut one_hot = Array2::<f64>::zeros((6, 4));
        for (i, &c) in t.iter().enumerate() {
            one_hot[[i, c]] = 1.0;
        }
        let report = GradCheck::default()
            .loss(&mut layer, x.view(), &one_hot)
            .unwrap();
        assert!(report.max_error < 1e-6, "{report}");
    }

    #[test]
    fn with_the_books_delta_the_gap_is_exactly_its_factor() {
        // One sample: d/dx −log(yₜ + δ) = (yₜ / (yₜ + δ)) · (y − onehot(t)).
        let x = array![[0.3, -1.7, 0.9]];
        let mut book = SoftmaxWithLoss::<f64>::new();
        book.forward(&x, &[1]).unwrap();
        let y_t = book.probabilities()[[0, 1]];
        let scaled = book.backward(1.0).unwrap().mapv(|g| g * y_t / (y_t + 1e-7));
        let mut exact = scaled.clone();
        for j in 0..3 {
            let numeric = |h: f64| {
                let mut xp = x.clone();
                xp[[0, j]] += h;
                SoftmaxWithLoss::<f64>::new().forward(&xp, &[1]).unwrap()
            };
            exact[[0, j]] = (numeric(1e-5) - numeric(-1e-5)) / 2e-5;
        }
        for (s, e) in scaled.iter().zip(&exact) {
            assert!((s - e).abs() < 1e-9 * s.abs().max(1e-3), "{s} vs {e}");
        }
    }

    #[test]
    fn a_single_sample_as_a_vector_works_in_f32_and_f64() {
        let mut layer = SoftmaxWithLoss::<f32>::new();
        let loss = layer.forward(&array![0.0f32, 0.0, 0.0, 0.0], &[2]).unwrap();
        assert!((loss - 4f32.ln()).abs() < 1e-6);
        assert_eq!(
            layer.backward(1.0).unwrap(),
            array![[0.25f32, 0.25, -0.75, 0.25]]
        );

        let mut layer = SoftmaxWithLoss::<f64>::new();
        let t: Array1<f64> = array![0.0, 1.0];
        let loss = layer.forward(&array![3.0, 3.0], &t).unwrap();
        assert!((loss - (0.5f64 + 1e-7).ln().abs()).abs() < 1e-15);
    }

    #[test]
    fn bad_input_is_an_error_naming_what_is_wrong() {
        let mut layer = SoftmaxWithLoss::<f64>::new();
        let x = randn::<f64>(3, 4, 1);
        assert_eq!(
            message(SoftmaxWithLoss::<f64>::with_delta(-1e-7)),
            "SoftmaxWithLoss.with_delta: delta must be finite and non-negative, got -0.0000001"
        );
        assert_eq!(
            message(layer.backward(1.0)),
            "SoftmaxWithLoss.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
        assert_eq!(
            message(layer.forward(&x, &[0, 4, 1])),
            "SoftmaxWithLoss.forward: label 4 at row 1 is out of range for 4 classes"
        );
        assert_eq!(
            message(layer.forward(&x, &[0, 1])),
            "SoftmaxWithLoss.forward: 2 labels for a batch of 3 rows (t: [2], scores: [3, 4])"
        );
        assert_eq!(
            message(layer.forward(&x, &Array2::<f64>::zeros((3, 3)))),
            "SoftmaxWithLoss.forward: one-hot labels must have the shape of the scores (t: [3, 3], scores: [3, 4])"
        );
        let mut soft = Array2::<f64>::zeros((3, 4));
        soft[[0, 0]] = 1.0;
        soft[[1, 1]] = 0.5;
        soft[[1, 2]] = 0.5;
        assert_eq!(
            message(layer.forward(&x, &soft)),
            "SoftmaxWithLoss.forward: row 1 of the one-hot labels is not one-hot (it has 0 ones and 2 values other than 0 and 1)"
        );
        assert_eq!(
            message(layer.forward(&Array2::<f64>::zeros((0, 4)), &[] as &[usize; 0])),
            "SoftmaxWithLoss.forward: empty input (shape [0, 4]); at least one sample with at least one feature is needed"
        );
        let mut bad = x.clone();
        bad[[2, 0]] = f64::INFINITY;
        assert_eq!(
            message(layer.forward(&bad, &[0, 1, 2])),
            "SoftmaxWithLoss.forward: the softmax of row 2 (a logit is NaN or infinite) is not finite (NaN)"
        );
        assert!(
            layer.backward(1.0).is_err(),
            "a failed forward leaves nothing to differentiate"
        );
        layer.forward(&x, &[0, 1, 2]).unwrap();
        assert_eq!(
            message(layer.backward(f64::NAN)),
            "SoftmaxWithLoss.backward: dout is not finite (NaN)"
        );
        assert_eq!(
            message(layer.forward(&ndarray::Array3::<f64>::zeros((1, 2, 3)), &[0])),
            "SoftmaxWithLoss.forward: expected a vector or a matrix, got 3 dimensions (shape [1, 2, 3])"
        );
    }
}
