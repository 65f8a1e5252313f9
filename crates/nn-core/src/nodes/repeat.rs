//! `Repeat`: copies one row N times, the book's Repeat node.

use ndarray::{Array2, ArrayView2, Zip};

use crate::layer::{check_backward, non_empty, reshape_buffer};
use crate::{Error, Float, Layer, Parameters, Result};

/// Forward: a `(1, D)` row becomes `(N, D)` by repetition (`np.repeat(x, N, axis=0)`).
/// Backward: the `N` upstream rows are summed back into one, `(1, D)`
/// (`np.sum(dy, axis=0, keepdims=True)`).
///
/// This is the graph behind broadcasting a bias over a batch, which is why
/// [`Affine`](crate::Affine)'s `db` is a column sum.
///
/// ```
/// use nn_core::{Layer, Repeat};
/// use ndarray::Array2;
/// let mut repeat = Repeat::new(7)?;
/// let y = repeat.forward(Array2::<f64>::ones((1, 8)).view())?;
/// assert_eq!(y.dim(), (7, 8));
/// let dx = repeat.backward(Array2::ones((7, 8)).view())?;
/// assert_eq!(dx, Array2::from_elem((1, 8), 7.0));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Repeat<F: Float> {
    copies: usize,
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Repeat<F> {
    /// A node that repeats its input row `copies` times.
    ///
    /// # Errors
    /// `copies` of zero.
    pub fn new(copies: usize) -> Result<Self> {
        if copies == 0 {
            return Err(Error::invalid(
                "Repeat.new",
                "copies must be at least 1, got 0",
            ));
        }
        Ok(Self {
            copies,
            out: Array2::zeros((0, 0)),
            dx: Array2::zeros((0, 0)),
            ready: false,
        })
    }

    /// How many rows the output has.
    pub fn copies(&self) -> usize {
        self.copies
    }
}

/// No parameters.
impl<F: Float> Parameters<F> for Repeat<F> {}

impl<F: Float> Layer<F> for Repeat<F> {
    fn name(&self) -> &'static str {
        "Repeat"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "Repeat.forward";
        non_empty(OP, &x)?;
        if x.nrows() != 1 {
            return Err(Error::shape(
                OP,
                format!("x must be a single row (1, D), got {:?}", x.shape()),
            ));
        }
        reshape_buffer(&mut self.out, self.copies, x.ncols());
        for mut row in self.out.rows_mut() {
            row.assign(&x.row(0));
        }
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "Repeat.backward";
        check_backward(OP, self.ready, &dout, self.out.dim())?;
        reshape_buffer(&mut self.dx, 1, dout.ncols());
        self.dx.fill(F::zero());
        for row in dout.rows() {
            Zip::from(self.dx.row_mut(0))
                .and(&row)
                .for_each(|s, &g| *s += g);
        }
        Ok(self.dx.view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{assert_gradients, message, randn};

    #[test]
    fn the_books_shape_demo_one_by_eight_to_seven_by_eight() {
        let x = randn::<f64>(1, 8, 1);
        let mut node = Repeat::new(7).unwrap();
        let y = node.forward(x.view()).unwrap().to_owned();
        assert_eq!(y.dim(), (7, 8));
        assert!(y.rows().into_iter().all(|row| row == x.row(0)));
        let dy = randn::<f64>(7, 8, 2);
        let dx = node.backward(dy.view()).unwrap();
        assert_eq!(dx.dim(), (1, 8));
        let expected = dy.sum_axis(ndarray::Axis(0));
        assert!(
            dx.row(0)
                .iter()
                .zip(&expected)
                .all(|(a, b)| (a - b).abs() < 1e-14)
        );
    }

    #[test]
    fn gradients_match_central_differences() {
        assert_gradients(&mut Repeat::new(5).unwrap(), randn::<f64>(1, 3, 1).view());
    }

    #[test]
    fn f32_repeats_exactly() {
        let x = randn::<f32>(1, 4, 1);
        let mut node = Repeat::new(3).unwrap();
        assert_eq!(node.forward(x.view()).unwrap().row(2), x.row(0));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(
            message(Repeat::<f64>::new(0)),
            "Repeat.new: copies must be at least 1, got 0"
        );
        let mut node = Repeat::<f64>::new(7).unwrap();
        assert_eq!(
            message(node.forward(randn::<f64>(2, 8, 1).view())),
            "Repeat.forward: x must be a single row (1, D), got [2, 8]"
        );
        assert_eq!(
            message(node.backward(randn::<f64>(7, 8, 1).view())),
            "Repeat.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
        node.forward(randn::<f64>(1, 8, 1).view()).unwrap();
        assert_eq!(
            message(node.backward(randn::<f64>(1, 8, 1).view())),
            "Repeat.backward: dout must have the shape of the last output (dout: [1, 8], output: [7, 8])"
        );
    }
}
