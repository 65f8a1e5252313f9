//! `Sigmoid`: the logistic activation layer.

use ndarray::{Array2, ArrayView2};

use crate::functions::{sigmoid_scalar, sigmoid_slice};
use crate::layer::{check_backward, map_into, map2_into, non_empty, reshape_buffer};
use crate::{Float, Layer, Parameters, Result};

/// Element-wise `out = 1 / (1 + exp(-x))`, computed without overflow (see
/// [`sigmoid_scalar`](crate::sigmoid_scalar)).
///
/// Backward: `dx = dout · (1 − out) · out`, from the cached output.
///
/// ```
/// use nn_core::{Layer, Sigmoid};
/// use ndarray::array;
/// let mut s = Sigmoid::new();
/// assert_eq!(s.forward(array![[0.0, 1000.0]].view())?, array![[0.5, 1.0]]);
/// assert_eq!(s.backward(array![[1.0, 1.0]].view())?, array![[0.25, 0.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Sigmoid<F: Float> {
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Sigmoid<F> {
    /// A sigmoid layer (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }
}

/// No parameters.
impl<F: Float> Parameters<F> for Sigmoid<F> {}

impl<F: Float> Layer<F> for Sigmoid<F> {
    fn name(&self) -> &'static str {
        "Sigmoid"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        non_empty("Sigmoid.forward", &x)?;
        reshape_buffer(&mut self.out, x.nrows(), x.ncols());
        match (x.as_slice(), self.out.as_slice_mut()) {
            (Some(xs), Some(out)) => sigmoid_slice(xs, out),
            _ => map_into(&mut self.out, &x, sigmoid_scalar),
        }
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "Sigmoid.backward";
        check_backward(OP, self.ready, &dout, self.out.dim())?;
        reshape_buffer(&mut self.dx, dout.nrows(), dout.ncols());
        // The book's order of operations: dout * (1 - out) * out.
        map2_into(&mut self.dx, &dout, &self.out.view(), |g, y| {
            g * (F::one() - y) * y
        });
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
        assert_gradients(&mut Sigmoid::new(), (randn::<f64>(5, 4, 1) * 3.0).view());
    }

    #[test]
    fn no_overflow_at_extreme_inputs_in_f64_and_f32() {
        let x = array![[-1e4, -1000.0, -30.0, 0.0, 30.0, 1000.0, 1e4]];
        let y = Sigmoid::<f64>::new().forward(x.view()).unwrap().to_owned();
        assert_eq!(y[[0, 1]], 0.0);
        assert_eq!(y[[0, 5]], 1.0);
        assert_eq!(y[[0, 3]], 0.5);
        assert!(y.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
        // Both branches are accurate: sigmoid(-30) = e^-30 / (1 + e^-30).
        assert!((y[[0, 2]] - 9.357622968839299e-14).abs() < 1e-27);

        let mut narrow = Sigmoid::<f32>::new();
        let y32 = narrow
            .forward(x.mapv(|v| v as f32).view())
            .unwrap()
            .to_owned();
        assert_eq!(y32[[0, 1]], 0.0);
        assert_eq!(y32[[0, 5]], 1.0);
        let dx = narrow.backward(Array2::ones((1, 7)).view()).unwrap();
        assert!(dx.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut layer = Sigmoid::<f32>::new();
        assert_eq!(
            message(layer.backward(Array2::ones((2, 2)).view())),
            "Sigmoid.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
        layer.forward(Array2::zeros((2, 3)).view()).unwrap();
        assert_eq!(
            message(layer.backward(Array2::ones((2, 2)).view())),
            "Sigmoid.backward: dout must have the shape of the last output (dout: [2, 2], output: [2, 3])"
        );
        assert_eq!(
            message(layer.forward(Array2::zeros((3, 0)).view())),
            "Sigmoid.forward: empty input (shape [3, 0]); at least one sample with at least one feature is needed"
        );
    }
}
