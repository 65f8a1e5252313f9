//! `ReLU`: the rectified linear activation layer.

use ndarray::{Array2, ArrayView2, Zip};

use crate::functions::relu_scalar;
use crate::layer::{dout_shape_error, non_empty, reshape_buffer};
use crate::{Error, Float, Layer, Result};

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

impl<F: Float> Layer<F> for Relu<F> {
    fn name(&self) -> &'static str {
        "ReLU"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        non_empty("ReLU.forward", &x)?;
        reshape_buffer(&mut self.out, x.nrows(), x.ncols());
        Zip::from(&mut self.out)
            .and(&x)
            .for_each(|o, &v| *o = relu_scalar(v));
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "ReLU.backward";
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if dout.dim() != self.out.dim() {
            return Err(dout_shape_error(OP, dout.shape(), self.out.dim()));
        }
        reshape_buffer(&mut self.dx, dout.nrows(), dout.ncols());
        Zip::from(&mut self.dx)
            .and(&dout)
            .and(&self.out)
            .for_each(|d, &g, &y| *d = if y > F::zero() { g } else { F::zero() });
        Ok(self.dx.view())
    }
}
