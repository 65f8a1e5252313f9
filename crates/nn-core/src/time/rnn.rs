//! `RNN`: one step of the simple recurrent layer (`common/time_layers.py`).

use ndarray::linalg::general_mat_mul as gemm;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Zip};

use crate::layer::{check_backward, reshape_buffer};
use crate::layers::affine::column_sums;
use crate::time::weights::RecurrentWeights;
use crate::{Error, Float, Init, Param, Parameters, Randn, Result};

/// The book's `RNN(Wx, Wh, b)`: `h_next = tanh(h_prev·Wh + x·Wx + b)`.
///
/// Backward: with `dt = dh_next ⊙ (1 − h_next²)`, `db = Σ dt`,
/// `dWh = h_prevᵀ·dt`, `dWx = xᵀ·dt`, `dh_prev = dt·Whᵀ`, `dx = dt·Wxᵀ`.
/// A [`TimeRnn`](super::TimeRnn) runs the same step for all `T` steps with
/// its products batched; this is the cell on its own.
///
/// ```
/// use nn_core::time::Rnn;
/// use ndarray::array;
/// let mut cell = Rnn::from_weights(array![[1.0, 0.0]], array![[0.0, 0.0], [0.0, 0.0]], array![0.0, 0.0])?;
/// let h = cell.forward(array![[0.5]].view(), array![[0.0, 0.0]].view())?.to_owned();
/// assert_eq!(h, array![[0.5f64.tanh(), 0.0]]);
/// let (dx, _dh_prev) = cell.backward(array![[1.0, 1.0]].view())?;
/// assert!((dx[[0, 0]] - (1.0 - 0.5f64.tanh().powi(2))).abs() < 1e-15);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Rnn<F: Float> {
    w: RecurrentWeights<F>,
    x: Array2<F>,
    h_prev: Array2<F>,
    h_next: Array2<F>,
    dt: Array2<F>,
    dx: Array2<F>,
    dh_prev: Array2<F>,
    ready: bool,
}

impl<F: Float> Rnn<F> {
    /// A cell with `Wx` `(D, H)` and `Wh` `(H, H)` drawn by `init` from `rng`
    /// (`Init::Xavier` is the book's `randn(D, ·) / √D`, `randn(H, ·) / √H`)
    /// and `b = 0`.
    ///
    /// # Errors
    /// A zero size, or an invalid `init`.
    pub fn init(
        input_size: usize,
        hidden_size: usize,
        init: Init,
        rng: &mut dyn Randn,
    ) -> Result<Self> {
        let (wx, wh, b) = RecurrentWeights::drawn(input_size, hidden_size, 1, init, rng)?;
        Self::from_weights(wx, wh, b)
    }

    /// A cell with `Wx` `(D, H)`, `Wh` `(H, H)` and `b` `(H,)`.
    ///
    /// # Errors
    /// Empty or mismatched shapes.
    pub fn from_weights(wx: Array2<F>, wh: Array2<F>, b: Array1<F>) -> Result<Self> {
        Ok(Self {
            w: RecurrentWeights::new("RNN.from_weights", wx, wh, b, 1)?,
            x: Array2::zeros((0, 0)),
            h_prev: Array2::zeros((0, 0)),
            h_next: Array2::zeros((0, 0)),
            dt: Array2::zeros((0, 0)),
            dx: Array2::zeros((0, 0)),
            dh_prev: Array2::zeros((0, 0)),
            ready: false,
        })
    }

    crate::time::weights::weight_views!();

    /// `h_next` of the last forward, `(N, H)` (the book's cache; empty
    /// before a forward).
    pub fn h_next(&self) -> ArrayView2<'_, F> {
        self.h_next.view()
    }

    /// `h_next` for the batch `x` `(N, D)` and the previous state `h_prev`
    /// `(N, H)`.
    ///
    /// # Errors
    /// Shapes that don't fit the weights or each other.
    pub fn forward(
        &mut self,
        x: ArrayView2<'_, F>,
        h_prev: ArrayView2<'_, F>,
    ) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "RNN.forward";
        let (d, h) = self.w.wx.dim();
        let n = x.nrows();
        if n == 0 || x.ncols() != d || h_prev.dim() != (n, h) {
            return Err(Error::shape(
                OP,
                format!(
                    "x must be (N, {d}) and h_prev (N, {h}) with N ≥ 1 (x: {:?}, h_prev: {:?})",
                    x.shape(),
                    h_prev.shape()
                ),
            ));
        }
        reshape_buffer(&mut self.x, n, d);
        self.x.assign(&x);
        reshape_buffer(&mut self.h_prev, n, h);
        self.h_prev.assign(&h_prev);
        reshape_buffer(&mut self.h_next, n, h);
        for mut row in self.h_next.rows_mut() {
            row.assign(&self.w.b);
        }
        step_forward(self.h_prev.view(), &self.w.wh, &mut self.h_next.view_mut());
        gemm(F::one(), &self.x, &self.w.wx, F::one(), &mut self.h_next);
        self.h_next.mapv_inplace(F::tanh);
        self.ready = true;
        Ok(self.h_next.view())
    }

    /// Given `dh_next`, writes `dWx`, `dWh`, `db` and returns `(dx, dh_prev)`.
    ///
    /// # Errors
    /// Called before forward, or `dh_next` not of `h_next`'s shape.
    pub fn backward(
        &mut self,
        dh_next: ArrayView2<'_, F>,
    ) -> Result<(ArrayView2<'_, F>, ArrayView2<'_, F>)> {
        check_backward("RNN.backward", self.ready, &dh_next, self.h_next.dim())?;
        let (n, h) = self.h_next.dim();
        reshape_buffer(&mut self.dt, n, h);
        self.dt.assign(&dh_next);
        tanh_backward(&mut self.dt.view_mut(), self.h_next.view());
        column_sums(&self.dt.view(), &mut self.w.db);
        gemm(
            F::one(),
            &self.h_prev.t(),
            &self.dt,
            F::zero(),
            &mut self.w.dwh,
        );
        gemm(F::one(), &self.x.t(), &self.dt, F::zero(), &mut self.w.dwx);
        reshape_buffer(&mut self.dh_prev, n, h);
        gemm(
            F::one(),
            &self.dt,
            &self.w.wh.t(),
            F::zero(),
            &mut self.dh_prev,
        );
        reshape_buffer(&mut self.dx, n, self.w.wx.nrows());
        gemm(F::one(), &self.dt, &self.w.wx.t(), F::zero(), &mut self.dx);
        Ok((self.dx.view(), self.dh_prev.view()))
    }
}

/// `t += h_prev·Wh`: the recurrent product of one step, added by `gemm` to
/// what `t` holds (the bias and the input's projection); the caller applies
/// `tanh`. `t` may be a strided view (one step of an `(N, T, H)` array).
pub(crate) fn step_forward<F: Float>(
    h_prev: ArrayView2<'_, F>,
    wh: &Array2<F>,
    t: &mut ArrayViewMut2<'_, F>,
) {
    gemm(F::one(), &h_prev, wh, F::one(), t);
}

/// `dt = dh ⊙ (1 − h²)` in place: `dt` holds `dh` on entry; it may be a
/// strided view.
pub(crate) fn tanh_backward<F: Float>(dt: &mut ArrayViewMut2<'_, F>, h: ArrayView2<'_, F>) {
    Zip::from(dt)
        .and(&h)
        .for_each(|d, &h| *d *= F::one() - h * h);
}

impl<F: Float> Parameters<F> for Rnn<F> {
    /// `Wx`, `Wh`, `b`, the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}
