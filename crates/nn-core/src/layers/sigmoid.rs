//! `Sigmoid`: the logistic activation layer.

use ndarray::{Array2, ArrayView2, Zip};

use crate::functions::sigmoid_scalar;
use crate::layer::{dout_shape_error, non_empty, reshape_buffer};
use crate::{Error, Float, Layer, Result};

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

impl<F: Float> Layer<F> for Sigmoid<F> {
    fn name(&self) -> &'static str {
        "Sigmoid"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        non_empty("Sigmoid.forward", &x)?;
        reshape_buffer(&mut self.out, x.nrows(), x.ncols());
        Zip::from(&mut self.out)
            .and(&x)
            .for_each(|o, &v| *o = sigmoid_scalar(v));
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "Sigmoid.backward";
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if dout.dim() != self.out.dim() {
            return Err(dout_shape_error(OP, dout.shape(), self.out.dim()));
        }
        reshape_buffer(&mut self.dx, dout.nrows(), dout.ncols());
        // The book's order of operations: dout * (1 - out) * out.
        Zip::from(&mut self.dx)
            .and(&dout)
            .and(&self.out)
            .for_each(|d, &g, &y| *d = g * (F::one() - y) * y);
        Ok(self.dx.view())
    }
}
