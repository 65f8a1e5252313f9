//! `Affine`: out = x·W + b, the book's fully connected layer.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Zip};

use crate::layers::matmul::{MatMul, check_weight};
use crate::shared::{Orientation, Shared, SharedRef};
use crate::{Error, Float, Init, Layer, Param, ParamName, Parameters, Randn, Result};

/// Fully connected layer: `out = x·W + b`, with `b` added to every row.
///
/// Backward: `dx = dout·Wᵀ`, `dW = xᵀ·dout`, `db` = the column sums of `dout`
/// (the book's `np.sum(dout, axis=0)`, the Repeat node's backward).
///
/// ```
/// use nn_core::{Affine, Layer};
/// use ndarray::array;
/// let mut fc = Affine::from_weights(array![[1.0, 0.0], [0.0, 1.0]], array![10.0, 20.0])?;
/// let out = fc.forward(array![[1.0, 2.0], [3.0, 4.0]].view())?.to_owned();
/// assert_eq!(out, array![[11.0, 22.0], [13.0, 24.0]]);
/// fc.backward(array![[1.0, 1.0], [1.0, 0.0]].view())?;
/// assert_eq!(fc.db(), array![2.0, 1.0]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Affine<F: Float> {
    matmul: MatMul<F>,
    b: Array1<F>,
    db: Array1<F>,
}

impl<F: Float> Affine<F> {
    /// A layer with weight `w`, `(inputs, outputs)`, and bias `b`, `(outputs,)`.
    ///
    /// # Errors
    /// `w` with a zero dimension, or `b` whose length is not `w`'s column count.
    pub fn from_weights(w: Array2<F>, b: Array1<F>) -> Result<Self> {
        const OP: &str = "Affine.from_weights";
        check_weight(OP, &w)?;
        if b.len() != w.ncols() {
            return Err(Error::shape(
                OP,
                format!(
                    "b has {} elements but W has {} columns (W: {:?}, b: {:?})",
                    b.len(),
                    w.ncols(),
                    w.shape(),
                    b.shape()
                ),
            ));
        }
        Ok(Self {
            matmul: MatMul::from_weights(w)?,
            db: Array1::zeros(b.raw_dim()),
            b,
        })
    }

    /// A layer on the shared weight `w`, used as stored (`x·W + b`) or
    /// transposed (`x·Wᵀ + b`, chapter 6's `TimeAffine(embed_W.T, b)`, the
    /// output layer tied to the embedding); the layer owns `b` and lists only
    /// it: the model that shares `w` lists `w` once.
    ///
    /// # Errors
    /// `b` whose length is not the number of outputs.
    pub fn shared(w: &Shared<F>, orientation: Orientation, b: Array1<F>) -> Result<Self> {
        let (rows, cols) = w.dim();
        let outputs = match orientation {
            Orientation::AsIs => cols,
            Orientation::Transposed => rows,
        };
        if b.len() != outputs {
            return Err(Error::shape(
                "Affine.shared",
                format!(
                    "b has {} elements but the layer has {outputs} outputs ({} W: [{rows}, {cols}], {orientation:?})",
                    b.len(),
                    w.name()
                ),
            ));
        }
        Ok(Self {
            matmul: MatMul::shared(w, orientation),
            db: Array1::zeros(b.raw_dim()),
            b,
        })
    }

    /// A layer with `W` drawn by `init` from `rng` and `b = 0`, as the book's
    /// `TwoLayerNet` builds its layers.
    ///
    /// # Errors
    /// A zero size, or an invalid `init`.
    pub fn init(inputs: usize, outputs: usize, init: Init, rng: &mut dyn Randn) -> Result<Self> {
        Self::from_weights(init.matrix(inputs, outputs, rng)?, Array1::zeros(outputs))
    }

    /// The weight `W`, `(inputs, outputs)`.
    pub fn w(&self) -> SharedRef<'_, F> {
        self.matmul.w()
    }

    /// The bias `b`, `(outputs,)`.
    pub fn b(&self) -> ArrayView1<'_, F> {
        self.b.view()
    }

    /// `∂L/∂W` from the last `backward`.
    pub fn dw(&self) -> SharedRef<'_, F> {
        self.matmul.dw()
    }

    /// The last forward's output `x·W + b`, `(N, outputs)`, kept until the
    /// next forward (empty before the first).
    pub fn output(&self) -> ArrayView2<'_, F> {
        self.matmul.output()
    }

    /// `∂L/∂b` from the last `backward`.
    pub fn db(&self) -> ArrayView1<'_, F> {
        self.db.view()
    }
}

impl<F: Float> Parameters<F> for Affine<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.matmul.visit_weight(f)?;
        f(Param {
            name: ParamName::new("b"),
            value: self.b.view_mut().into_dyn(),
            grad: self.db.view_mut().into_dyn(),
        })
    }
}

impl<F: Float> Layer<F> for Affine<F> {
    fn name(&self) -> &'static str {
        "Affine"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        self.matmul
            .forward_impl("Affine.forward", x, Some(self.b.view()))
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        // backward_impl checks dout before anything is written.
        let dx = self.matmul.backward_impl("Affine.backward", dout, true)?;
        column_sums(&dout, &mut self.db);
        Ok(dx)
    }

    fn backward_params_only(&mut self, dout: ArrayView2<'_, F>) -> Result<()> {
        self.matmul.backward_impl("Affine.backward", dout, false)?;
        column_sums(&dout, &mut self.db);
        Ok(())
    }
}

/// `db` = the column sums of `dout`, accumulated row by row (numpy's order
/// for `sum(axis=0)` on a C-ordered array), with no temporary. The caller
/// has checked that `dout` has `db.len()` columns.
pub(crate) fn column_sums<F: Float>(dout: &ArrayView2<'_, F>, db: &mut Array1<F>) {
    db.fill(F::zero());
    match (dout.as_slice(), db.as_slice_mut()) {
        (Some(rows), Some(sums)) if !sums.is_empty() => {
            for row in rows.chunks_exact(sums.len()) {
                for (s, &g) in sums.iter_mut().zip(row) {
                    *s += g;
                }
            }
        }
        _ => {
            for row in dout.rows() {
                Zip::from(&mut *db).and(&row).for_each(|s, &g| *s += g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{assert_gradients, message, randn};
    use ndarray::array;

    #[test]
    fn gradients_match_central_differences() {
        let mut layer = Affine::from_weights(
            randn::<f64>(4, 6, 1),
            randn::<f64>(1, 6, 2).row(0).to_owned(),
        )
        .unwrap();
        assert_gradients(&mut layer, randn::<f64>(5, 4, 3).view());
    }

    #[test]
    fn adds_the_bias_to_every_row_at_f32() {
        let mut layer = Affine::<f32>::from_weights(array![[1.0, 2.0]], array![0.5, -0.5]).unwrap();
        let out = layer
            .forward(array![[1.0], [2.0], [3.0]].view())
            .unwrap()
            .to_owned();
        assert_eq!(out, array![[1.5, 1.5], [2.5, 3.5], [3.5, 5.5]]);
        layer
            .backward(array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]].view())
            .unwrap();
        assert_eq!(layer.db(), array![9.0, 12.0]);
        assert_eq!(*layer.dw(), array![[22.0, 28.0]]);
    }

    #[test]
    fn params_are_w_then_b_and_updates_reach_the_layer() {
        let mut layer = Affine::<f64>::from_weights(array![[1.0, 2.0]], array![0.0, 0.0]).unwrap();
        layer.forward(array![[1.0]].view()).unwrap();
        layer.backward(array![[1.0, 1.0]].view()).unwrap();
        let mut names = Vec::new();
        layer
            .visit_params(&mut |mut p| {
                names.push(p.name.to_string());
                let g = p.grad.to_owned();
                p.value.zip_mut_with(&g, |v, &g| *v -= 0.5 * g);
                Ok(())
            })
            .unwrap();
        assert_eq!(names, ["W", "b"]);
        assert_eq!(*layer.w(), array![[0.5, 1.5]]);
        assert_eq!(layer.b(), array![-0.5, -0.5]);
    }

    #[test]
    fn bad_input_is_an_error_naming_layer_and_shapes() {
        let mut layer = Affine::init(2, 10, Init::BOOK, &mut rand::rng()).unwrap();
        assert_eq!(
            message(layer.forward(randn::<f64>(30, 3, 1).view())),
            "Affine.forward: x has 3 columns but W has 2 rows (x: [30, 3], W: [2, 10])"
        );
        assert_eq!(
            message(layer.backward(randn::<f64>(30, 10, 1).view())),
            "Affine.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
        layer.forward(randn::<f64>(30, 2, 1).view()).unwrap();
        layer.backward(randn::<f64>(30, 10, 5).view()).unwrap();
        let db = layer.db().to_owned();
        assert_eq!(
            message(layer.backward(randn::<f64>(10, 30, 1).view())),
            "Affine.backward: dout must have the shape of the last output (dout: [10, 30], output: [30, 10])"
        );
        // A refused dout of the right width (but not height) changes no gradient.
        assert!(layer.backward(randn::<f64>(29, 10, 1).view()).is_err());
        assert_eq!(layer.db(), db, "a refused backward left db alone");
        assert_eq!(
            message(Affine::from_weights(
                randn::<f64>(2, 10, 1),
                Array1::zeros(9)
            )),
            "Affine.from_weights: b has 9 elements but W has 10 columns (W: [2, 10], b: [9])"
        );
    }
}
