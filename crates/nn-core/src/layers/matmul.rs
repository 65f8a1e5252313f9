//! `MatMul`: out = x·W, the book's MatMul node.

use crate::parallel;
use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::layer::{check_backward, non_empty, reshape_buffer};
use crate::shared::{Orientation, Shared, SharedRef};
use crate::{Error, Float, Init, Layer, Param, Parameters, Randn, Result};

/// Matrix product with a weight: `out = x·W`.
///
/// Backward: `dx = dout·Wᵀ`, `dW = xᵀ·dout`. Both products, and the forward
/// one, go to BLAS `gemm` and write into buffers the layer keeps.
///
/// The weight is either the layer's own ([`MatMul::from_weights`]) or a [`Shared`]
/// one that other layers use too ([`MatMul::shared`], the book's
/// `SimpleCBOW` with one `W_in` in two layers), possibly transposed
/// (chapter 6's output layer tied to the embedding). A shared weight's
/// gradient is the sum over its uses; see [`crate::shared`].
///
/// ```
/// use nn_core::{Layer, MatMul};
/// use ndarray::array;
/// let mut layer = MatMul::from_weights(array![[1.0, 2.0], [3.0, 4.0]])?;
/// let out = layer.forward(array![[1.0, 1.0]].view())?.to_owned();
/// assert_eq!(out, array![[4.0, 6.0]]);
/// layer.backward(array![[1.0, 0.0]].view())?;
/// assert_eq!(*layer.dw(), array![[1.0, 0.0], [1.0, 0.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct MatMul<F: Float> {
    weight: Shared<F>,
    orientation: Orientation,
    /// The layer lists the weight among its parameters (it made it).
    owns: bool,
    /// This use's gradient is in the shared sum since the last forward.
    contributed: bool,
    /// Copy of the last input, for `dW = xᵀ·dout`.
    x: Array2<F>,
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> Clone for MatMul<F> {
    /// A layer with its own weight is copied with its weight; a layer on a
    /// shared weight is copied as another use of the same weight.
    fn clone(&self) -> Self {
        Self {
            weight: if self.owns {
                self.weight.deep_clone()
            } else {
                self.weight.clone()
            },
            orientation: self.orientation,
            owns: self.owns,
            contributed: self.contributed,
            x: self.x.clone(),
            out: self.out.clone(),
            dx: self.dx.clone(),
            ready: self.ready,
        }
    }
}

impl<F: Float> MatMul<F> {
    /// A layer with the weight `w` of shape `(inputs, outputs)`.
    ///
    /// # Errors
    /// `w` with a zero dimension.
    pub fn from_weights(w: Array2<F>) -> Result<Self> {
        check_weight("MatMul.from_weights", &w)?;
        Ok(Self::on(Shared::new("W", w)?, Orientation::AsIs, true))
    }

    /// A layer on the shared weight `w`, used as stored (`out = x·W`) or
    /// transposed (`out = x·Wᵀ`). The layer does not list `w` among its
    /// parameters: the model that shares it does, once (a
    /// [`Sequential`](crate::Sequential) through
    /// [`share`](crate::Sequential::share)).
    pub fn shared(w: &Shared<F>, orientation: Orientation) -> Self {
        Self::on(w.clone(), orientation, false)
    }

    fn on(weight: Shared<F>, orientation: Orientation, owns: bool) -> Self {
        crate::blas::warn_if_unfit();
        Self {
            weight,
            orientation,
            owns,
            contributed: false,
            x: Array2::zeros((0, 0)),
            out: Array2::zeros((0, 0)),
            dx: Array2::zeros((0, 0)),
            ready: false,
        }
    }

    /// A layer with an `(inputs, outputs)` weight drawn by `init` from `rng`.
    ///
    /// # Errors
    /// A zero size, or an invalid `init`.
    pub fn init(inputs: usize, outputs: usize, init: Init, rng: &mut dyn Randn) -> Result<Self> {
        Self::from_weights(init.matrix(inputs, outputs, rng)?)
    }

    /// The weight as stored (for a transposed use, the transpose of the `W`
    /// in `x·W`). Layers on it refuse to run while the reference lives.
    pub fn w(&self) -> SharedRef<'_, F> {
        self.weight.value()
    }

    /// `∂L/∂W` from the last `backward` (zeros before it), as stored; for a
    /// shared weight, the sum over its uses.
    pub fn dw(&self) -> SharedRef<'_, F> {
        self.weight.grad()
    }

    /// The handle of the weight, to build other layers on it.
    pub fn weight(&self) -> &Shared<F> {
        &self.weight
    }

    /// The forward pass of `MatMul`, or of `Affine` when `bias` is given:
    /// the bias is written into the output first and `gemm` adds `x·W` to
    /// it (`beta = 1`), so the bias costs no extra pass.
    /// The last forward's output (`x·W`, or `x·W + b` for `Affine`).
    pub(crate) fn output(&self) -> ArrayView2<'_, F> {
        self.out.view()
    }

    pub(crate) fn forward_impl(
        &mut self,
        op: &'static str,
        x: ArrayView2<'_, F>,
        bias: Option<ArrayView1<'_, F>>,
    ) -> Result<ArrayView2<'_, F>> {
        non_empty(op, &x)?;
        let mut inner = self.weight.lock(op)?;
        let w = match self.orientation {
            Orientation::AsIs => inner.value.view(),
            Orientation::Transposed => inner.value.t(),
        };
        let (n, d) = x.dim();
        let (wd, h) = w.dim();
        if d != wd {
            return Err(Error::shape(
                op,
                format!(
                    "x has {d} columns but W has {wd} rows (x: {:?}, W: {:?})",
                    x.shape(),
                    w.shape()
                ),
            ));
        }
        reshape_buffer(&mut self.x, n, d);
        self.x.assign(&x);
        reshape_buffer(&mut self.out, n, h);
        let beta = match bias {
            Some(b) => {
                self.out.assign(&b.broadcast((n, h)).ok_or_else(|| {
                    Error::shape(
                        op,
                        format!("b {:?} does not fit W {:?}", b.shape(), w.shape()),
                    )
                })?);
                F::one()
            }
            None => F::zero(),
        };
        parallel::gemm(F::one(), &self.x.view(), &w, beta, &mut self.out.view_mut());
        inner.mark_forward();
        self.contributed = false;
        self.ready = true;
        Ok(self.out.view())
    }

    /// The backward pass shared with `Affine`: writes (or, for a further use
    /// of a shared weight, adds to) `dW` and, when `input_grad`, `dx` (the
    /// returned view is of `dx`, stale otherwise).
    pub(crate) fn backward_impl(
        &mut self,
        op: &'static str,
        dout: ArrayView2<'_, F>,
        input_grad: bool,
    ) -> Result<ArrayView2<'_, F>> {
        check_backward(op, self.ready, &dout, self.out.dim())?;
        let handles = self.weight.handles();
        let mut inner = self.weight.lock(op)?;
        let overwrite = inner.begin_backward(op, &mut self.contributed, handles)?;
        let beta = if overwrite { F::zero() } else { F::one() };
        let inner = &mut *inner;
        if input_grad {
            let (n, d) = self.x.dim();
            reshape_buffer(&mut self.dx, n, d);
            // dx = dout·Wᵀ with W = value (as is) or valueᵀ (transposed).
            let wt = match self.orientation {
                Orientation::AsIs => inner.value.t(),
                Orientation::Transposed => inner.value.view(),
            };
            parallel::gemm(F::one(), &dout, &wt, F::zero(), &mut self.dx.view_mut());
        }
        match self.orientation {
            // dW = xᵀ·dout.
            Orientation::AsIs => parallel::gemm(
                F::one(),
                &self.x.t(),
                &dout,
                beta,
                &mut inner.grad.view_mut(),
            ),
            // W = valueᵀ, so d(value) = dWᵀ = doutᵀ·x.
            Orientation::Transposed => parallel::gemm(
                F::one(),
                &dout.t(),
                &self.x.view(),
                beta,
                &mut inner.grad.view_mut(),
            ),
        }
        Ok(self.dx.view())
    }

    /// Hands `f` the weight when the layer owns it.
    pub(crate) fn visit_weight(
        &mut self,
        f: &mut dyn FnMut(Param<'_, F>) -> Result<()>,
    ) -> Result<()> {
        if self.owns {
            self.weight.visit(f)
        } else {
            Ok(())
        }
    }
}

/// Refuses a weight with a zero dimension.
pub(crate) fn check_weight<F: Float>(op: &'static str, w: &Array2<F>) -> Result<()> {
    if w.is_empty() {
        Err(Error::Empty {
            op,
            shape: w.shape().to_vec(),
        })
    } else {
        Ok(())
    }
}

impl<F: Float> Parameters<F> for MatMul<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.visit_weight(f)
    }
}

impl<F: Float> Layer<F> for MatMul<F> {
    fn name(&self) -> &'static str {
        "MatMul"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        self.forward_impl("MatMul.forward", x, None)
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        self.backward_impl("MatMul.backward", dout, true)
    }

    fn backward_params_only(&mut self, dout: ArrayView2<'_, F>) -> Result<()> {
        self.backward_impl("MatMul.backward", dout, false)
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{address, assert_gradients, message, randn};

    #[test]
    fn gradients_match_central_differences() {
        let mut layer = MatMul::from_weights(randn::<f64>(4, 6, 1)).unwrap();
        assert_gradients(&mut layer, randn::<f64>(5, 4, 2).view());
    }

    #[test]
    fn f32_agrees_with_f64() {
        let (x, w, dout) = (
            randn::<f64>(3, 4, 1),
            randn::<f64>(4, 2, 2),
            randn::<f64>(3, 2, 3),
        );
        let mut wide = MatMul::from_weights(w.clone()).unwrap();
        let mut narrow = MatMul::from_weights(w.mapv(|v| v as f32)).unwrap();
        let out64 = wide.forward(x.view()).unwrap().to_owned();
        let out32 = narrow
            .forward(x.mapv(|v| v as f32).view())
            .unwrap()
            .to_owned();
        let dx64 = wide.backward(dout.view()).unwrap().to_owned();
        let dx32 = narrow
            .backward(dout.mapv(|v| v as f32).view())
            .unwrap()
            .to_owned();
        for (a, b) in out64
            .iter()
            .chain(&dx64)
            .chain(wide.dw().iter())
            .zip(out32.iter().chain(&dx32).chain(narrow.dw().iter()))
        {
            assert!((a - f64::from(*b)).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn backward_overwrites_the_same_buffers_every_step() {
        let mut layer = MatMul::from_weights(randn::<f64>(3, 2, 1)).unwrap();
        let x = randn::<f64>(4, 3, 2);
        layer.forward(x.view()).unwrap();
        let dx_at = address(layer.backward(randn::<f64>(4, 2, 3).view()).unwrap());
        let dw_at = address(layer.dw().view());
        let first = layer.dw().to_owned();
        layer.forward(x.view()).unwrap();
        assert_eq!(
            address(layer.backward(randn::<f64>(4, 2, 4).view()).unwrap()),
            dx_at
        );
        assert_eq!(address(layer.dw().view()), dw_at);
        assert_ne!(
            *layer.dw(),
            first,
            "dW is overwritten, not accumulated or kept"
        );
    }

    #[test]
    fn bad_input_is_an_error_naming_layer_and_shapes() {
        let mut layer = MatMul::from_weights(randn::<f64>(2, 10, 1)).unwrap();
        assert_eq!(
            message(layer.backward(randn::<f64>(1, 10, 2).view())),
            "MatMul.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
        assert_eq!(
            message(layer.forward(randn::<f64>(30, 3, 2).view())),
            "MatMul.forward: x has 3 columns but W has 2 rows (x: [30, 3], W: [2, 10])"
        );
        assert_eq!(
            message(layer.forward(Array2::<f64>::zeros((0, 2)).view())),
            "MatMul.forward: empty input (shape [0, 2]); at least one sample with at least one feature is needed"
        );
        layer.forward(randn::<f64>(30, 2, 2).view()).unwrap();
        assert_eq!(
            message(layer.backward(randn::<f64>(30, 9, 2).view())),
            "MatMul.backward: dout must have the shape of the last output (dout: [30, 9], output: [30, 10])"
        );
        assert_eq!(
            message(MatMul::from_weights(Array2::<f32>::zeros((0, 3)))),
            "MatMul.from_weights: empty input (shape [0, 3]); at least one sample with at least one feature is needed"
        );
    }

    #[test]
    fn backward_params_only_writes_the_same_weight_gradient() {
        let (x, dout) = (randn::<f64>(5, 3, 1), randn::<f64>(5, 4, 2));
        let mut a = MatMul::from_weights(randn::<f64>(3, 4, 3)).unwrap();
        let mut b = a.clone();
        a.forward(x.view()).unwrap();
        a.backward(dout.view()).unwrap();
        b.forward(x.view()).unwrap();
        b.backward_params_only(dout.view()).unwrap();
        assert_eq!(*a.dw(), *b.dw());
        assert_eq!(
            message(
                MatMul::<f64>::from_weights(randn(3, 4, 3))
                    .unwrap()
                    .backward_params_only(dout.view())
            ),
            "MatMul.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
    }

    #[test]
    fn a_transposed_input_view_gives_the_same_product() {
        let w = randn::<f64>(3, 2, 1);
        let xt = randn::<f64>(3, 4, 2);
        let mut layer = MatMul::from_weights(w.clone()).unwrap();
        let out = layer.forward(xt.t()).unwrap().to_owned();
        assert!((out - xt.t().dot(&w)).iter().all(|d| d.abs() < 1e-14));
    }
}
