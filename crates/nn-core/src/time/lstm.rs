//! `LSTM`: one step of the long short-term memory (`common/time_layers.py`).

use ndarray::linalg::general_mat_mul as gemm;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, s};

use crate::functions::sigmoid_scalar;
use crate::layer::{check_backward, reshape_buffer};
use crate::layers::affine::column_sums;
use crate::time::weights::RecurrentWeights;
use crate::{Error, Float, Param, Parameters, Result};

/// The book's `LSTM(Wx, Wh, b)`, the four gates' weights side by side in the
/// book's order `f, g, i, o`: `A = x·Wx + h_prev·Wh + b`, `f = σ(A_f)`,
/// `g = tanh(A_g)`, `i = σ(A_i)`, `o = σ(A_o)`, `c_next = f⊙c_prev + g⊙i`,
/// `h_next = o⊙tanh(c_next)`.
///
/// ```
/// use nn_core::time::Lstm;
/// use ndarray::{Array1, Array2};
/// let mut cell = Lstm::new(Array2::<f64>::zeros((3, 8)), Array2::zeros((2, 8)), Array1::zeros(8))?;
/// let (h, c) = cell.forward(Array2::ones((1, 3)).view(), Array2::zeros((1, 2)).view(), Array2::ones((1, 2)).view())?;
/// // f = i = o = ½, g = 0: c = ½, h = ½·tanh(½).
/// assert_eq!(c[[0, 0]], 0.5);
/// assert!((h[[0, 1]] - 0.5 * 0.5f64.tanh()).abs() < 1e-15);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Lstm<F: Float> {
    w: RecurrentWeights<F>,
    x: Array2<F>,
    h_prev: Array2<F>,
    c_prev: Array2<F>,
    /// The activated gates `f, g, i, o`, `(N, 4H)`.
    gates: Array2<F>,
    c_next: Array2<F>,
    tanh_c: Array2<F>,
    h_next: Array2<F>,
    da: Array2<F>,
    dx: Array2<F>,
    dh_prev: Array2<F>,
    dc_prev: Array2<F>,
    ready: bool,
}

impl<F: Float> Lstm<F> {
    /// A cell with `Wx` `(D, 4H)`, `Wh` `(H, 4H)`, `b` `(4H,)`.
    ///
    /// # Errors
    /// Empty or mismatched shapes.
    pub fn new(wx: Array2<F>, wh: Array2<F>, b: Array1<F>) -> Result<Self> {
        let z = || Array2::zeros((0, 0));
        Ok(Self {
            w: RecurrentWeights::new("LSTM.new", wx, wh, b, 4)?,
            x: z(),
            h_prev: z(),
            c_prev: z(),
            gates: z(),
            c_next: z(),
            tanh_c: z(),
            h_next: z(),
            da: z(),
            dx: z(),
            dh_prev: z(),
            dc_prev: z(),
            ready: false,
        })
    }

    /// `(h_next, c_next)` for `x` `(N, D)`, `h_prev` and `c_prev` `(N, H)`.
    ///
    /// # Errors
    /// Shapes that don't fit.
    pub fn forward(
        &mut self,
        x: ArrayView2<'_, F>,
        h_prev: ArrayView2<'_, F>,
        c_prev: ArrayView2<'_, F>,
    ) -> Result<(ArrayView2<'_, F>, ArrayView2<'_, F>)> {
        let (d, h) = (self.w.wx.nrows(), self.w.wh.nrows());
        let n = x.nrows();
        if n == 0 || x.ncols() != d || h_prev.dim() != (n, h) || c_prev.dim() != (n, h) {
            return Err(Error::shape(
                "LSTM.forward",
                format!(
                    "x must be (N, {d}), h_prev and c_prev (N, {h}) with N ≥ 1 \
                     (x: {:?}, h_prev: {:?}, c_prev: {:?})",
                    x.shape(),
                    h_prev.shape(),
                    c_prev.shape()
                ),
            ));
        }
        for (buf, src, cols) in [
            (&mut self.x, x, d),
            (&mut self.h_prev, h_prev, h),
            (&mut self.c_prev, c_prev, h),
        ] {
            reshape_buffer(buf, n, cols);
            buf.assign(&src);
        }
        reshape_buffer(&mut self.gates, n, 4 * h);
        for mut row in self.gates.rows_mut() {
            row.assign(&self.w.b);
        }
        gemm(F::one(), &self.x, &self.w.wx, F::one(), &mut self.gates);
        gemm(
            F::one(),
            &self.h_prev,
            &self.w.wh,
            F::one(),
            &mut self.gates,
        );
        for buf in [&mut self.c_next, &mut self.tanh_c, &mut self.h_next] {
            reshape_buffer(buf, n, h);
        }
        gates_forward(
            self.gates.view_mut(),
            self.c_prev.view(),
            self.c_next.view_mut(),
            self.tanh_c.view_mut(),
            self.h_next.view_mut(),
        );
        self.ready = true;
        Ok((self.h_next.view(), self.c_next.view()))
    }

    /// Given `dh_next` and `dc_next`, writes `dWx`, `dWh`, `db` and returns
    /// `(dx, dh_prev, dc_prev)`.
    ///
    /// # Errors
    /// Called before forward, or gradients not of `h_next`'s shape.
    pub fn backward(
        &mut self,
        dh_next: ArrayView2<'_, F>,
        dc_next: ArrayView2<'_, F>,
    ) -> Result<(ArrayView2<'_, F>, ArrayView2<'_, F>, ArrayView2<'_, F>)> {
        const OP: &str = "LSTM.backward";
        check_backward(OP, self.ready, &dh_next, self.h_next.dim())?;
        check_backward(OP, self.ready, &dc_next, self.h_next.dim())?;
        let (n, h) = self.h_next.dim();
        reshape_buffer(&mut self.da, n, 4 * h);
        reshape_buffer(&mut self.dc_prev, n, h);
        gates_backward(
            dh_next,
            dc_next,
            self.gates.view(),
            self.c_prev.view(),
            self.tanh_c.view(),
            self.da.view_mut(),
            self.dc_prev.view_mut(),
        );
        gemm(
            F::one(),
            &self.h_prev.t(),
            &self.da,
            F::zero(),
            &mut self.w.dwh,
        );
        gemm(F::one(), &self.x.t(), &self.da, F::zero(), &mut self.w.dwx);
        column_sums(&self.da.view(), &mut self.w.db);
        reshape_buffer(&mut self.dx, n, self.w.wx.nrows());
        gemm(F::one(), &self.da, &self.w.wx.t(), F::zero(), &mut self.dx);
        reshape_buffer(&mut self.dh_prev, n, h);
        gemm(
            F::one(),
            &self.da,
            &self.w.wh.t(),
            F::zero(),
            &mut self.dh_prev,
        );
        Ok((self.dx.view(), self.dh_prev.view(), self.dc_prev.view()))
    }
}

/// The gates of one step: `a` `(N, 4H)` holds `A` on entry and the
/// activated `f, g, i, o` on return; writes `c_next`, `tanh(c_next)` and
/// `h_next`. All arguments may be strided views.
pub(crate) fn gates_forward<F: Float>(
    mut a: ArrayViewMut2<'_, F>,
    c_prev: ArrayView2<'_, F>,
    c_next: ArrayViewMut2<'_, F>,
    tanh_c: ArrayViewMut2<'_, F>,
    h_next: ArrayViewMut2<'_, F>,
) {
    let h = c_prev.ncols();
    a.slice_mut(s![.., ..h]).mapv_inplace(sigmoid_scalar);
    a.slice_mut(s![.., h..2 * h]).mapv_inplace(F::tanh);
    a.slice_mut(s![.., 2 * h..]).mapv_inplace(sigmoid_scalar);
    let (mut c_next, mut tanh_c, mut h_next) = (c_next, tanh_c, h_next);
    for r in 0..c_prev.nrows() {
        let (gate, cp) = (a.row(r), c_prev.row(r));
        let (mut c, mut tc, mut hn) = (c_next.row_mut(r), tanh_c.row_mut(r), h_next.row_mut(r));
        for k in 0..h {
            let (f, g, i, o) = (gate[k], gate[h + k], gate[2 * h + k], gate[3 * h + k]);
            let cv = f * cp[k] + g * i;
            c[k] = cv;
            tc[k] = cv.tanh();
            hn[k] = o * tc[k];
        }
    }
}

/// The backward of [`gates_forward`], as the book writes it: `ds = dc_next +
/// (dh_next⊙o)⊙(1 − tanh²c)`, `dc_prev = ds⊙f`, and `dA = [df, dg, di, do]`
/// with `df = ds⊙c_prev⊙f(1−f)`, `dg = ds⊙i⊙(1−g²)`, `di = ds⊙g⊙i(1−i)`,
/// `do = dh_next⊙tanh c⊙o(1−o)`. Views may be strided between rows.
pub(crate) fn gates_backward<F: Float>(
    dh_next: ArrayView2<'_, F>,
    dc_next: ArrayView2<'_, F>,
    gates: ArrayView2<'_, F>,
    c_prev: ArrayView2<'_, F>,
    tanh_c: ArrayView2<'_, F>,
    mut da: ArrayViewMut2<'_, F>,
    mut dc_prev: ArrayViewMut2<'_, F>,
) {
    let h = c_prev.ncols();
    let one = F::one();
    for r in 0..c_prev.nrows() {
        let (gate, mut d) = (gates.row(r), da.row_mut(r));
        let mut dcp = dc_prev.row_mut(r);
        let (dh, dc, cp, tc) = (dh_next.row(r), dc_next.row(r), c_prev.row(r), tanh_c.row(r));
        for k in 0..h {
            let (f, g, i, o) = (gate[k], gate[h + k], gate[2 * h + k], gate[3 * h + k]);
            let (t, dhv) = (tc[k], dh[k]);
            let ds = dc[k] + (dhv * o) * (one - t * t);
            dcp[k] = ds * f;
            d[k] = ds * cp[k] * (f * (one - f));
            d[h + k] = ds * i * (one - g * g);
            d[2 * h + k] = ds * g * (i * (one - i));
            d[3 * h + k] = dhv * t * (o * (one - o));
        }
    }
}

impl<F: Float> Parameters<F> for Lstm<F> {
    /// `Wx`, `Wh`, `b`, the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}
