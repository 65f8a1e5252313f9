//! The weights every recurrent layer has: `Wx`, `Wh`, `b` and their gradients.

use ndarray::{Array1, Array2};

use crate::{Error, Float, Param, Result};

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

    /// `D`, the inputs' width.
    pub(crate) fn inputs(&self) -> usize {
        self.wx.nrows()
    }

    /// `H`, the state's width.
    pub(crate) fn hidden(&self) -> usize {
        self.wh.nrows()
    }

    /// `Wx`, `Wh`, `b`, the book's order.
    pub(crate) fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        f(Param {
            name: "Wx",
            value: self.wx.view_mut().into_dyn(),
            grad: self.dwx.view_mut().into_dyn(),
        })?;
        f(Param {
            name: "Wh",
            value: self.wh.view_mut().into_dyn(),
            grad: self.dwh.view_mut().into_dyn(),
        })?;
        f(Param {
            name: "b",
            value: self.b.view_mut().into_dyn(),
            grad: self.db.view_mut().into_dyn(),
        })
    }
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
