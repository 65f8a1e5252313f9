//! `Sum`: adds the rows of a batch into one, the book's Sum node.

use ndarray::{Array2, ArrayView2, Zip};

use crate::layer::{check_backward, non_empty, reshape_buffer};
use crate::{Float, Layer, Parameters, Result};

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

/// No parameters.
impl<F: Float> Parameters<F> for Sum<F> {}

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
        check_backward(OP, self.ready, &dout, self.out.dim())?;
        reshape_buffer(&mut self.dx, self.rows, dout.ncols());
        for mut row in self.dx.rows_mut() {
            row.assign(&dout.row(0));
        }
        Ok(self.dx.view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{assert_gradients, message, randn};

    #[test]
    fn the_books_shape_demo_seven_by_eight_to_one_by_eight() {
        let x = randn::<f64>(7, 8, 1);
        let mut node = Sum::new();
        let y = node.forward(x.view()).unwrap().to_owned();
        assert_eq!(y.dim(), (1, 8));
        let expected = x.sum_axis(ndarray::Axis(0));
        assert!(
            y.row(0)
                .iter()
                .zip(&expected)
                .all(|(a, b)| (a - b).abs() < 1e-14)
        );
        let dy = randn::<f64>(1, 8, 2);
        let dx = node.backward(dy.view()).unwrap();
        assert_eq!(dx.dim(), (7, 8));
        assert!(dx.rows().into_iter().all(|row| row == dy.row(0)));
    }

    #[test]
    fn gradients_match_central_differences() {
        assert_gradients(&mut Sum::new(), randn::<f64>(6, 3, 1).view());
    }

    #[test]
    fn f32_sums_columns() {
        let x = ndarray::array![[1.0f32, 2.0], [3.0, 4.0]];
        assert_eq!(
            Sum::new().forward(x.view()).unwrap(),
            ndarray::array![[4.0f32, 6.0]]
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut node = Sum::<f64>::new();
        assert_eq!(
            message(node.backward(randn::<f64>(1, 8, 1).view())),
            "Sum.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
        node.forward(randn::<f64>(7, 8, 1).view()).unwrap();
        assert_eq!(
            message(node.backward(randn::<f64>(7, 8, 1).view())),
            "Sum.backward: dout must have the shape of the last output (dout: [7, 8], output: [1, 8])"
        );
    }
}
