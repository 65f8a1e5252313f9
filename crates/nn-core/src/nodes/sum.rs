//! `Sum`: adds the rows of a batch into one, the book's Sum node.

use ndarray::{Array2, ArrayView2, Zip};

use crate::layer::{dout_shape_error, non_empty, reshape_buffer};
use crate::{Error, Float, Layer, Result};

/// Forward: `(N, D)` → `(1, D)`, the column sums (`np.sum(x, axis=0, keepdims=True)`).
/// Backward: the upstream row is repeated `N` times (`np.repeat(dy, N, axis=0)`).
///
/// Sum and [`Repeat`](crate::Repeat) are each other's backward pass.
///
/// ```
/// use nn_core::{Layer, Sum};
/// use ndarray::Array2;
/// let mut sum = Sum::new();
/// let y = sum.forward(Array2::<f64>::ones((7, 8)).view())?;
/// assert_eq!(y, Array2::from_elem((1, 8), 7.0));
/// let dx = sum.backward(Array2::ones((1, 8)).view())?;
/// assert_eq!(dx.dim(), (7, 8));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Sum<F: Float> {
    rows: usize,
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Sum<F> {
    /// A Sum node; `N` is taken from each forward input.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<F: Float> Layer<F> for Sum<F> {
    fn name(&self) -> &'static str {
        "Sum"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        non_empty("Sum.forward", &x)?;
        self.rows = x.nrows();
        reshape_buffer(&mut self.out, 1, x.ncols());
        self.out.fill(F::zero());
        for row in x.rows() {
            Zip::from(self.out.row_mut(0))
                .and(&row)
                .for_each(|s, &v| *s += v);
        }
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "Sum.backward";
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if dout.dim() != self.out.dim() {
            return Err(dout_shape_error(OP, dout.shape(), self.out.dim()));
        }
        reshape_buffer(&mut self.dx, self.rows, dout.ncols());
        for mut row in self.dx.rows_mut() {
            row.assign(&dout.row(0));
        }
        Ok(self.dx.view())
    }
}
