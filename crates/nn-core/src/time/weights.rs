//! The weights every recurrent layer has: `Wx`, `Wh`, `b` and their gradients.

use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, Axis};

use crate::layer::reshape_buffer;
use crate::layers::affine::column_sums;
use crate::parallel;
use crate::time::time_rnn::{rows, rows_mut};

use crate::time::CellWeights;
use crate::{Error, Float, Init, Param, ParamName, Randn, Result};

/// The read-only views every recurrent layer gives of its weights and their
/// gradients, for a struct whose field `w` is a [`RecurrentWeights`].
macro_rules! weight_views {
    () => {
        /// `Wx` `(D, G·H)`, the gates' input weights side by side.
        pub fn wx(&self) -> ndarray::ArrayView2<'_, F> {
            self.w.wx.view()
        }

        /// `Wh` `(H, G·H)`, the gates' recurrent weights.
        pub fn wh(&self) -> ndarray::ArrayView2<'_, F> {
            self.w.wh.view()
        }

        /// `b` `(G·H,)`.
        pub fn b(&self) -> ndarray::ArrayView1<'_, F> {
            self.w.b.view()
        }

        /// `∂L/∂Wx` from the last backward (zeros before it).
        pub fn dwx(&self) -> ndarray::ArrayView2<'_, F> {
            self.w.dwx.view()
        }

        /// `∂L/∂Wh` from the last backward.
        pub fn dwh(&self) -> ndarray::ArrayView2<'_, F> {
            self.w.dwh.view()
        }

        /// `∂L/∂b` from the last backward.
        pub fn db(&self) -> ndarray::ArrayView1<'_, F> {
            self.w.db.view()
        }
    };
}

pub(crate) use weight_views;

/// `Wx` `(D, G·H)`, `Wh` `(H, G·H)`, `b` `(G·H,)` for a layer of `G` gates
/// (1 for the RNN, 4 for the LSTM, 3 for the GRU), with their gradients,
/// listed in the book's order.
#[derive(Debug, Clone)]
pub(crate) struct RecurrentWeights<F> {
    pub(crate) wx: Array2<F>,
    pub(crate) wh: Array2<F>,
    pub(crate) b: Array1<F>,
    pub(crate) dwx: Array2<F>,
    pub(crate) dwh: Array2<F>,
    pub(crate) db: Array1<F>,
}

impl<F: Float> RecurrentWeights<F> {
    /// Checks the shapes for `gates` gates; `op` names the layer in errors.
    pub(crate) fn new(
        op: &'static str,
        wx: Array2<F>,
        wh: Array2<F>,
        b: Array1<F>,
        gates: usize,
    ) -> Result<Self> {
        let h = wh.nrows();
        let width = h * gates;
        if wx.is_empty() || h == 0 || wx.ncols() != width || wh.ncols() != width || b.len() != width
        {
            return Err(Error::shape(
                op,
                format!(
                    "Wx must be (D, {gates}H), Wh (H, {gates}H) and b ({gates}H,) with D, H ≥ 1 \
                     (Wx: {:?}, Wh: {:?}, b: {:?})",
                    wx.shape(),
                    wh.shape(),
                    b.shape()
                ),
            ));
        }
        crate::blas::warn_if_unfit();
        Ok(Self {
            dwx: Array2::zeros(wx.raw_dim()),
            dwh: Array2::zeros(wh.raw_dim()),
            db: Array1::zeros(b.raw_dim()),
            wx,
            wh,
            b,
        })
    }

    /// `Wx` `(D, G·H)` and `Wh` `(H, G·H)` drawn by `init` from `rng` (in
    /// that order, each row-major) and `b = 0`: a cell's weights from a
    /// generator. [`Init::Xavier`] is the book's `randn(D, G·H) / √D`,
    /// `randn(H, G·H) / √H`.
    ///
    /// # Errors
    /// A zero size, or an invalid `init`.
    pub(crate) fn drawn(
        inputs: usize,
        hidden: usize,
        gates: usize,
        init: Init,
        rng: &mut dyn Randn,
    ) -> Result<CellWeights<F>> {
        let wx = init.matrix(inputs, gates * hidden, rng)?;
        let wh = init.matrix(hidden, gates * hidden, rng)?;
        Ok((wx, wh, Array1::zeros(gates * hidden)))
    }

    /// `D`, the inputs' width.
    pub(crate) fn inputs(&self) -> usize {
        self.wx.nrows()
    }

    /// `H`, the state's width.
    pub(crate) fn hidden(&self) -> usize {
        self.wh.nrows()
    }

    /// What a time layer's backward ends with, for every step at once: given
    /// `da` (the gradient at the gates' inputs, `(N, T, G·H)`), the steps'
    /// input states `h_prevs` `(N, T, H)` and the inputs as rows `xs`,
    /// writes `dWh = h_prevsᵀ·da` and what [`input_products`] writes.
    ///
    /// [`input_products`]: Self::input_products
    pub(crate) fn backward_products(
        &mut self,
        da: &Array3<F>,
        h_prevs: &Array3<F>,
        xs: &Array2<F>,
        dxs: &mut Array3<F>,
    ) {
        parallel::gemm(
            F::one(),
            &rows(h_prevs).t(),
            &rows(da),
            F::zero(),
            &mut self.dwh.view_mut(),
        );
        self.input_products(da, xs, dxs);
    }

    /// The products with the inputs for every step at once: `dWx = xsᵀ·da`,
    /// `db = Σ da` and `dxs = da·Wxᵀ` into `dxs` (reshaped to `(N, T, D)` if
    /// needed).
    pub(crate) fn input_products(&mut self, da: &Array3<F>, xs: &Array2<F>, dxs: &mut Array3<F>) {
        let (n, t, _) = da.dim();
        if dxs.dim() != (n, t, self.inputs()) {
            *dxs = Array3::zeros((n, t, self.inputs()));
        }
        let da = rows(da);
        parallel::gemm(F::one(), &xs.t(), &da, F::zero(), &mut self.dwx.view_mut());
        column_sums(&da, &mut self.db);
        parallel::gemm(F::one(), &da, &self.wx.t(), F::zero(), &mut rows_mut(dxs));
    }

    /// `Wx`, `Wh`, `b`, the book's order.
    pub(crate) fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        f(Param {
            name: ParamName::new("Wx"),
            value: self.wx.view_mut().into_dyn(),
            grad: self.dwx.view_mut().into_dyn(),
        })?;
        f(Param {
            name: ParamName::new("Wh"),
            value: self.wh.view_mut().into_dyn(),
            grad: self.dwh.view_mut().into_dyn(),
        })?;
        f(Param {
            name: ParamName::new("b"),
            value: self.b.view_mut().into_dyn(),
            grad: self.db.view_mut().into_dyn(),
        })
    }
}

/// Copies a state `h` set by the caller into `buf`, after checking that it
/// is `(N, hidden)` with `N ≥ 1`; `op` names the layer in errors.
pub(crate) fn assign_state<F: Float>(
    op: &'static str,
    h: ArrayView2<'_, F>,
    hidden: usize,
    buf: &mut Array2<F>,
) -> Result<()> {
    if h.ncols() != hidden || h.nrows() == 0 {
        return Err(Error::shape(
            op,
            format!("h must be (N, {hidden}) with N ≥ 1, got {:?}", h.shape()),
        ));
    }
    reshape_buffer(buf, h.nrows(), hidden);
    buf.assign(&h);
    Ok(())
}

/// The checks a time layer's forward starts with: `xs` is `(N, T, D)` with
/// `N, T ≥ 1`, and a carried state (`carried_rows`, when the layer carries
/// one) is for `N` sequences.
pub(crate) fn check_sequence(
    op: &'static str,
    shape: (usize, usize, usize),
    inputs: usize,
    carried_rows: Option<usize>,
) -> Result<()> {
    let (n, t, d) = shape;
    if n == 0 || t == 0 || d != inputs {
        return Err(Error::shape(
            op,
            format!("xs must be (N, T, {inputs}) with N, T ≥ 1, got [{n}, {t}, {d}]"),
        ));
    }
    if let Some(rows) = carried_rows
        && rows != n
    {
        return Err(Error::shape(
            op,
            format!(
                "the carried state is for batches of {rows} but xs has {n} sequences \
                 (xs: [{n}, {t}, {d}]); call reset_state first"
            ),
        ));
    }
    Ok(())
}

/// The checks a time layer's backward starts with: forward has run, and
/// `dout` has the last output's shape.
pub(crate) fn check_dout<F>(
    op: &'static str,
    ready: bool,
    dout: &ArrayView3<'_, F>,
    output: (usize, usize, usize),
) -> Result<()> {
    if !ready {
        return Err(Error::BackwardBeforeForward { op });
    }
    if dout.dim() != output {
        let (n, t, h) = output;
        return Err(Error::shape(
            op,
            format!(
                "dout must have the shape of the last output (dout: {:?}, output: [{n}, {t}, {h}])",
                dout.shape()
            ),
        ));
    }
    Ok(())
}

/// Copies `xs` `(N, T, D)` into `rows` as its `(N·T, D)` rows (row
/// `n·T + t`), whatever `xs`'s layout; `rows` keeps its allocation.
pub(crate) fn copy_rows<F: Float>(xs: &ArrayView3<'_, F>, rows: &mut Array2<F>) {
    let (n, t, d) = xs.dim();
    reshape_buffer(rows, n * t, d);
    for (mut dst, src) in rows.rows_mut().into_iter().zip(xs.lanes(Axis(2))) {
        dst.assign(&src);
    }
}
