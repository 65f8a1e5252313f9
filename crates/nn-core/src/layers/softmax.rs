//! `Softmax`: row-wise softmax as a layer of its own.

use ndarray::{Array2, ArrayView2, Axis, Zip};

use crate::functions::softmax_rows_into;
use crate::layer::{check_backward, non_empty, reshape_buffer};
use crate::{Float, Layer, Parameters, Result};

/// Row-wise softmax, `yᵢⱼ = exp(xᵢⱼ − maxⱼ xᵢ) / Σₖ exp(xᵢₖ − maxⱼ xᵢ)`.
///
/// Backward: `dx = y·dout − y·rowsum(y·dout)`, the book's
/// `dx = out * dout; dx -= out * dx.sum(axis=1, keepdims=True)`.
/// For training a classifier use [`SoftmaxWithLoss`](crate::SoftmaxWithLoss),
/// whose gradient is simpler and more accurate.
///
/// ```
/// use nn_core::{Layer, Softmax};
/// use ndarray::array;
/// let mut s = Softmax::new();
/// let y = s.forward(array![[0.0, 0.0], [1000.0, -1000.0]].view())?.to_owned();
/// assert_eq!(y, array![[0.5, 0.5], [1.0, 0.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Softmax<F: Float> {
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Softmax<F> {
    /// A softmax layer (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }
}

/// No parameters.
impl<F: Float> Parameters<F> for Softmax<F> {}

impl<F: Float> Layer<F> for Softmax<F> {
    fn name(&self) -> &'static str {
        "Softmax"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "Softmax.forward";
        non_empty(OP, &x)?;
        reshape_buffer(&mut self.out, x.nrows(), x.ncols());
        // A failed forward (non-finite logits) leaves no usable cache.
        self.ready = false;
        softmax_rows_into(OP, x, &mut self.out.view_mut())?;
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "Softmax.backward";
        check_backward(OP, self.ready, &dout, self.out.dim())?;
        reshape_buffer(&mut self.dx, dout.nrows(), dout.ncols());
        for ((mut dx, g), y) in self
            .dx
            .axis_iter_mut(Axis(0))
            .zip(dout.axis_iter(Axis(0)))
            .zip(self.out.axis_iter(Axis(0)))
        {
            let mut sum = F::zero();
            Zip::from(&mut dx).and(&y).and(&g).for_each(|d, &y, &g| {
                *d = y * g;
                sum += *d;
            });
            Zip::from(&mut dx).and(&y).for_each(|d, &y| *d -= y * sum);
        }
        Ok(self.dx.view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{assert_gradients, message, randn};
    use ndarray::array;

    #[test]
    fn gradients_match_central_differences() {
        assert_gradients(&mut Softmax::new(), randn::<f64>(4, 5, 1).view());
    }

    #[test]
    fn rows_sum_to_one_at_f32_even_for_huge_logits() {
        let mut layer = Softmax::<f32>::new();
        let y = layer
            .forward(array![[1000.0, -1000.0, 0.0], [1.0, 2.0, 3.0]].view())
            .unwrap();
        assert_eq!(y.row(0), array![1.0, 0.0, 0.0]);
        assert!((y.row(1).sum() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn non_finite_logits_are_an_error_and_leave_no_cache() {
        let mut layer = Softmax::<f64>::new();
        assert_eq!(
            message(layer.forward(array![[0.0, 1.0], [f64::NAN, 0.0]].view())),
            "Softmax.forward: the softmax of row 1 (a logit is NaN or infinite) is not finite (NaN)"
        );
        assert_eq!(
            message(layer.backward(Array2::ones((2, 2)).view())),
            "Softmax.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
    }
}
