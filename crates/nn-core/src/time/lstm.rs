//! `LSTM`: one step of the long short-term memory (`common/time_layers.py`).

use ndarray::linalg::general_mat_mul as gemm;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2};

use crate::functions::sigmoid_slice;
use crate::layer::{check_backward, reshape_buffer};
use crate::layers::affine::column_sums;
use crate::time::weights::RecurrentWeights;
use crate::{Error, Float, Init, Param, Parameters, Randn, Result};

/// The book's `LSTM(Wx, Wh, b)`, the four gates' weights side by side in the
/// book's order `f, g, i, o`: `A = x·Wx + h_prev·Wh + b`, `f = σ(A_f)`,
/// `g = tanh(A_g)`, `i = σ(A_i)`, `o = σ(A_o)`, `c_next = f⊙c_prev + g⊙i`,
/// `h_next = o⊙tanh(c_next)`.
///
/// ```
/// use nn_core::time::Lstm;
/// use ndarray::{Array1, Array2};
/// let mut cell = Lstm::from_weights(Array2::<f64>::zeros((3, 8)), Array2::zeros((2, 8)), Array1::zeros(8))?;
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
    /// A cell with `Wx` `(D, 4H)` and `Wh` `(H, 4H)` drawn by `init` from `rng`
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
        let (wx, wh, b) = RecurrentWeights::drawn(input_size, hidden_size, 4, init, rng)?;
        Self::from_weights(wx, wh, b)
    }

    /// A cell with `Wx` `(D, 4H)`, `Wh` `(H, 4H)`, `b` `(4H,)`.
    ///
    /// # Errors
    /// Empty or mismatched shapes.
    pub fn from_weights(wx: Array2<F>, wh: Array2<F>, b: Array1<F>) -> Result<Self> {
        let z = || Array2::zeros((0, 0));
        Ok(Self {
            w: RecurrentWeights::new("LSTM.from_weights", wx, wh, b, 4)?,
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

    crate::time::weights::weight_views!();

    /// The activated gates of the last forward, `(N, 4H)`, in the book's
    /// order `f, g, i, o` (the book's `cache`; empty before a forward).
    pub fn gates(&self) -> ArrayView2<'_, F> {
        self.gates.view()
    }

    /// `c_next` of the last forward, `(N, H)`.
    pub fn c_next(&self) -> ArrayView2<'_, F> {
        self.c_next.view()
    }

    /// `h_next` of the last forward, `(N, H)`.
    pub fn h_next(&self) -> ArrayView2<'_, F> {
        self.h_next.view()
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
    mut c_next: ArrayViewMut2<'_, F>,
    mut tanh_c: ArrayViewMut2<'_, F>,
    mut h_next: ArrayViewMut2<'_, F>,
) {
    if !(rows_contiguous(&a.view())
        && rows_contiguous(&c_prev)
        && rows_contiguous(&c_next.view())
        && rows_contiguous(&tanh_c.view())
        && rows_contiguous(&h_next.view()))
    {
        // A caller's strided view: the same arithmetic on contiguous copies.
        let (mut a2, mut c2, mut t2, mut h2) = (
            a.to_owned(),
            c_next.to_owned(),
            tanh_c.to_owned(),
            h_next.to_owned(),
        );
        gates_forward(
            a2.view_mut(),
            c_prev.to_owned().view(),
            c2.view_mut(),
            t2.view_mut(),
            h2.view_mut(),
        );
        a.assign(&a2);
        c_next.assign(&c2);
        tanh_c.assign(&t2);
        h_next.assign(&h2);
        return;
    }
    let h = c_prev.ncols();
    for r in 0..c_prev.nrows() {
        let (mut a_row, cp) = (a.row_mut(r), c_prev.row(r));
        let (mut c_row, mut t_row, mut h_row) =
            (c_next.row_mut(r), tanh_c.row_mut(r), h_next.row_mut(r));
        let (Some(gate), Some(cp), Some(c), Some(tc), Some(hn)) = (
            a_row.as_slice_mut(),
            cp.to_slice(),
            c_row.as_slice_mut(),
            t_row.as_slice_mut(),
            h_row.as_slice_mut(),
        ) else {
            unreachable!("rows checked contiguous above")
        };
        let (f, rest) = gate.split_at_mut(h);
        let (g, rest) = rest.split_at_mut(h);
        let (i, o) = rest.split_at_mut(h);
        cell_forward([f, g, i, o], cp, c, tc, hn);
    }
}

/// One row of [`gates_forward`] for a run of units: the four gates' `A`
/// (activated in place), `c_prev`, and out `c`, `tanh c`, `h`. The LSTM's
/// batch-parallel step calls it on each thread's units.
pub(crate) fn cell_forward<F: Float>(
    [f, g, i, o]: [&mut [F]; 4],
    cp: &[F],
    c: &mut [F],
    tc: &mut [F],
    hn: &mut [F],
) {
    sigmoid_in_place(f);
    F::tanh_in_place(g);
    sigmoid_in_place(i);
    sigmoid_in_place(o);
    for k in 0..c.len() {
        c[k] = f[k] * cp[k] + g[k] * i[k];
    }
    tc.copy_from_slice(c);
    F::tanh_in_place(tc);
    for k in 0..hn.len() {
        hn[k] = o[k] * tc[k];
    }
}

/// Whether each row of `v` is one contiguous run (so that it is a slice).
fn rows_contiguous<F>(v: &ArrayView2<'_, F>) -> bool {
    v.ncols() <= 1 || v.strides()[1] == 1
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
    if !([&dh_next, &dc_next, &gates, &c_prev, &tanh_c]
        .iter()
        .all(|v| rows_contiguous(v))
        && rows_contiguous(&da.view())
        && rows_contiguous(&dc_prev.view()))
    {
        let (mut da2, mut dc2) = (da.to_owned(), dc_prev.to_owned());
        gates_backward(
            dh_next.to_owned().view(),
            dc_next.to_owned().view(),
            gates.to_owned().view(),
            c_prev.to_owned().view(),
            tanh_c.to_owned().view(),
            da2.view_mut(),
            dc2.view_mut(),
        );
        da.assign(&da2);
        dc_prev.assign(&dc2);
        return;
    }
    let h = c_prev.ncols();
    for r in 0..c_prev.nrows() {
        let (mut d_row, mut dcp_row) = (da.row_mut(r), dc_prev.row_mut(r));
        let (Some(gate), Some(dh), Some(dc), Some(cp), Some(tc), Some(d), Some(dcp)) = (
            gates.row(r).to_slice(),
            dh_next.row(r).to_slice(),
            dc_next.row(r).to_slice(),
            c_prev.row(r).to_slice(),
            tanh_c.row(r).to_slice(),
            d_row.as_slice_mut(),
            dcp_row.as_slice_mut(),
        ) else {
            unreachable!("rows checked contiguous above")
        };
        let (f, rest) = gate.split_at(h);
        let (g, rest) = rest.split_at(h);
        let (i, o) = rest.split_at(h);
        let (df, rest) = d.split_at_mut(h);
        let (dg, rest) = rest.split_at_mut(h);
        let (di, d_o) = rest.split_at_mut(h);
        cell_backward([f, g, i, o], dh, dc, cp, tc, [df, dg, di, d_o], dcp);
    }
}

/// One row of [`gates_backward`] for a run of units: the activated gates,
/// `dh_next`, `dc_next`, `c_prev`, `tanh c`; out the gates' `dA` and
/// `dc_prev`.
pub(crate) fn cell_backward<F: Float>(
    [f, g, i, o]: [&[F]; 4],
    dh: &[F],
    dc: &[F],
    cp: &[F],
    tc: &[F],
    [df, dg, di, d_o]: [&mut [F]; 4],
    dcp: &mut [F],
) {
    let one = F::one();
    for k in 0..dcp.len() {
        let (t, dhv) = (tc[k], dh[k]);
        let ds = dc[k] + (dhv * o[k]) * (one - t * t);
        dcp[k] = ds * f[k];
        df[k] = ds * cp[k] * (f[k] * (one - f[k]));
        dg[k] = ds * i[k] * (one - g[k] * g[k]);
        di[k] = ds * g[k] * (i[k] * (one - i[k]));
        d_o[k] = dhv * t * (o[k] * (one - o[k]));
    }
}

/// The logistic function of every value of `xs`, in place (the same bits
/// as [`sigmoid_scalar`](crate::sigmoid_scalar)), in chunks through a stack buffer so that the
/// exponentials are one vectorised pass.
fn sigmoid_in_place<F: Float>(xs: &mut [F]) {
    let mut x = [F::zero(); 64];
    for chunk in xs.chunks_mut(64) {
        let x = &mut x[..chunk.len()];
        x.copy_from_slice(chunk);
        sigmoid_slice(x, chunk);
    }
}

impl<F: Float> Parameters<F> for Lstm<F> {
    /// `Wx`, `Wh`, `b`, the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}
