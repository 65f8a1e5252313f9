//! `ReLU`: the rectified linear activation layer.

use ndarray::{Array2, ArrayView2};

use crate::functions::relu_scalar;
use crate::layer::{check_backward, map_into, map2_into, non_empty, reshape_buffer};
use crate::{Float, Layer, Parameters, Result};

/// Element-wise `out = max(0, x)`.
///
/// Backward: `dx = dout` where `x > 0`, else 0 (at `x = 0` the gradient is
/// taken as 0, as in the book). The mask is read from the cached output,
/// since `out > 0` exactly where `x > 0`.
///
/// ```
/// use nn_core::{Layer, Relu};
/// use ndarray::array;
/// let mut r = Relu::new();
/// assert_eq!(r.forward(array![[-1.0, 0.0, 2.0]].view())?, array![[0.0, 0.0, 2.0]]);
/// assert_eq!(r.backward(array![[5.0, 5.0, 5.0]].view())?, array![[0.0, 0.0, 5.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Relu<F: Float> {
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Relu<F> {
    /// A ReLU layer (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }
}

/// No parameters.
impl<F: Float> Parameters<F> for Relu<F> {}

impl<F: Float> Layer<F> for Relu<F> {
    fn name(&self) -> &'static str {
        "ReLU"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        non_empty("ReLU.forward", &x)?;
        reshape_buffer(&mut self.out, x.nrows(), x.ncols());
        map_into(&mut self.out, &x, relu_scalar);
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "ReLU.backward";
        check_backward(OP, self.ready, &dout, self.out.dim())?;
        reshape_buffer(&mut self.dx, dout.nrows(), dout.ncols());
        map2_into(&mut self.dx, &dout, &self.out.view(), |g, y| {
            if y > F::zero() { g } else { F::zero() }
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
        // Keep every input away from the kink at 0, where the derivative jumps.
        let x = randn::<f64>(5, 4, 1).mapv(|v| if v.abs() < 0.05 { v + 0.1 } else { v });
        assert_gradients(&mut Relu::new(), x.view());
    }

    #[test]
    fn f32_masks_by_sign_and_keeps_nan() {
        let mut layer = Relu::<f32>::new();
        let y = layer
            .forward(array![[-1.0, 0.0, 2.0, f32::NAN]].view())
            .unwrap()
            .to_owned();
        assert_eq!(&y.as_slice().unwrap()[..3], &[0.0, 0.0, 2.0]);
        assert!(y[[0, 3]].is_nan(), "a NaN must not be hidden as 0");
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut layer = Relu::<f64>::new();
        assert_eq!(
            message(layer.backward(Array2::ones((1, 1)).view())),
            "ReLU.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
        layer.forward(Array2::zeros((1, 1)).view()).unwrap();
        assert_eq!(
            message(layer.backward(Array2::ones((2, 1)).view())),
            "ReLU.backward: dout must have the shape of the last output (dout: [2, 1], output: [1, 1])"
        );
    }
}
