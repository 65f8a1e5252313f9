//! `MatMul`: out = x·W, the book's MatMul node.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::layer::{dout_shape_error, non_empty, reshape_buffer};
use crate::{Error, Float, Init, Layer, Param, Randn, Result};

/// Matrix product with a weight: `out = x·W`.
///
/// Backward: `dx = dout·Wᵀ`, `dW = xᵀ·dout`. Both products, and the forward
/// one, go to BLAS `gemm` and write into buffers the layer keeps.
///
/// ```
/// use nn_core::{Layer, MatMul};
/// use ndarray::array;
/// let mut layer = MatMul::new(array![[1.0, 2.0], [3.0, 4.0]])?;
/// let out = layer.forward(array![[1.0, 1.0]].view())?.to_owned();
/// assert_eq!(out, array![[4.0, 6.0]]);
/// layer.backward(array![[1.0, 0.0]].view())?;
/// assert_eq!(layer.dw(), array![[1.0, 0.0], [1.0, 0.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MatMul<F: Float> {
    w: Array2<F>,
    dw: Array2<F>,
    /// Copy of the last input, for `dW = xᵀ·dout`.
    x: Array2<F>,
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> MatMul<F> {
    /// A layer with the weight `w` of shape `(inputs, outputs)`.
    ///
    /// # Errors
    /// `w` with a zero dimension.
    pub fn new(w: Array2<F>) -> Result<Self> {
        check_weight("MatMul.new", &w)?;
        Ok(Self {
            dw: Array2::zeros(w.raw_dim()),
            w,
            x: Array2::zeros((0, 0)),
            out: Array2::zeros((0, 0)),
            dx: Array2::zeros((0, 0)),
            ready: false,
        })
    }

    /// A layer with an `(inputs, outputs)` weight drawn by `init` from `rng`.
    ///
    /// # Errors
    /// A zero size, or an invalid `init`.
    pub fn init(
        inputs: usize,
        outputs: usize,
        init: Init,
        rng: &mut (impl Randn + ?Sized),
    ) -> Result<Self> {
        Self::new(init.matrix(inputs, outputs, rng)?)
    }

    /// The weight `W`, `(inputs, outputs)`.
    pub fn w(&self) -> ArrayView2<'_, F> {
        self.w.view()
    }

    /// `∂L/∂W` from the last `backward` (zeros before it).
    pub fn dw(&self) -> ArrayView2<'_, F> {
        self.dw.view()
    }

    /// The forward pass of `MatMul`, or of `Affine` when `bias` is given:
    /// the bias is written into the output first and `gemm` adds `x·W` to
    /// it (`beta = 1`), so the bias costs no extra pass.
    pub(crate) fn forward_impl(
        &mut self,
        op: &'static str,
        x: ArrayView2<'_, F>,
        bias: Option<ArrayView1<'_, F>>,
    ) -> Result<ArrayView2<'_, F>> {
        non_empty(op, &x)?;
        let (n, d) = x.dim();
        let (wd, h) = self.w.dim();
        if d != wd {
            return Err(Error::shape(
                op,
                format!(
                    "x has {d} columns but W has {wd} rows (x: {:?}, W: {:?})",
                    x.shape(),
                    self.w.shape()
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
                        format!("b {:?} does not fit W {:?}", b.shape(), self.w.shape()),
                    )
                })?);
                F::one()
            }
            None => F::zero(),
        };
        general_mat_mul(F::one(), &self.x, &self.w, beta, &mut self.out);
        self.ready = true;
        Ok(self.out.view())
    }

    /// The backward pass shared with `Affine`: writes `dW`, returns `dx`.
    pub(crate) fn backward_impl(
        &mut self,
        op: &'static str,
        dout: ArrayView2<'_, F>,
    ) -> Result<ArrayView2<'_, F>> {
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op });
        }
        if dout.dim() != self.out.dim() {
            return Err(dout_shape_error(op, dout.shape(), self.out.dim()));
        }
        let (n, d) = self.x.dim();
        reshape_buffer(&mut self.dx, n, d);
        general_mat_mul(F::one(), &dout, &self.w.t(), F::zero(), &mut self.dx);
        general_mat_mul(F::one(), &self.x.t(), &dout, F::zero(), &mut self.dw);
        Ok(self.dx.view())
    }

    pub(crate) fn visit_weight(
        &mut self,
        f: &mut dyn FnMut(Param<'_, F>) -> Result<()>,
    ) -> Result<()> {
        f(Param {
            name: "W",
            value: self.w.view_mut().into_dyn(),
            grad: self.dw.view_mut().into_dyn(),
        })
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

impl<F: Float> Layer<F> for MatMul<F> {
    fn name(&self) -> &'static str {
        "MatMul"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        self.forward_impl("MatMul.forward", x, None)
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        self.backward_impl("MatMul.backward", dout)
    }

    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.visit_weight(f)
    }
}
