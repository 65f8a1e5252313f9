//! `GRU`: one step of the gated recurrent unit (`common/time_layers.py`).

use ndarray::linalg::general_mat_mul as gemm;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Zip, s};

use crate::functions::sigmoid_scalar;
use crate::layer::{check_backward, reshape_buffer};
use crate::layers::affine::column_sums;
use crate::time::weights::RecurrentWeights;
use crate::{Error, Float, Init, Param, Parameters, Randn, Result};

/// The book's `GRU(Wx, Wh, b)`, the three blocks side by side in the book's
/// order `z, r, h`: `z = σ(x·Wxz + h_prev·Whz + bz)`, `r = σ(x·Wxr +
/// h_prev·Whr + br)`, `ĥ = tanh(x·Wxh + (r⊙h_prev)·Whh + bh)`, `h_next =
/// (1 − z)⊙h_prev + z⊙ĥ`.
///
/// ```
/// use nn_core::time::Gru;
/// use ndarray::{Array1, Array2};
/// let mut cell = Gru::from_weights(Array2::<f64>::zeros((3, 6)), Array2::zeros((2, 6)), Array1::zeros(6))?;
/// let h = cell.forward(Array2::ones((1, 3)).view(), Array2::ones((1, 2)).view())?;
/// // z = ½, ĥ = 0: h_next = ½·h_prev.
/// assert_eq!(h[[0, 0]], 0.5);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Gru<F: Float> {
    w: RecurrentWeights<F>,
    x: Array2<F>,
    h_prev: Array2<F>,
    /// The activated `z, r, ĥ`, `(N, 3H)`.
    gates: Array2<F>,
    /// `r⊙h_prev`, the input of `Whh`.
    rh: Array2<F>,
    h_next: Array2<F>,
    da: Array2<F>,
    dhr: Array2<F>,
    dx: Array2<F>,
    dh_prev: Array2<F>,
    ready: bool,
}

impl<F: Float> Gru<F> {
    /// A cell with `Wx` `(D, 3H)` and `Wh` `(H, 3H)` drawn by `init` from `rng`
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
        let (wx, wh, b) = RecurrentWeights::drawn(input_size, hidden_size, 3, init, rng)?;
        Self::from_weights(wx, wh, b)
    }

    /// A cell with `Wx` `(D, 3H)`, `Wh` `(H, 3H)`, `b` `(3H,)`.
    ///
    /// # Errors
    /// Empty or mismatched shapes.
    pub fn from_weights(wx: Array2<F>, wh: Array2<F>, b: Array1<F>) -> Result<Self> {
        let z = || Array2::zeros((0, 0));
        Ok(Self {
            w: RecurrentWeights::new("GRU.from_weights", wx, wh, b, 3)?,
            x: z(),
            h_prev: z(),
            gates: z(),
            rh: z(),
            h_next: z(),
            da: z(),
            dhr: z(),
            dx: z(),
            dh_prev: z(),
            ready: false,
        })
    }

    crate::time::weights::weight_views!();

    /// The activated `z, r, ĥ` of the last forward, `(N, 3H)` (the book's
    /// cache; empty before a forward).
    pub fn gates(&self) -> ArrayView2<'_, F> {
        self.gates.view()
    }

    /// `h_next` of the last forward, `(N, H)`.
    pub fn h_next(&self) -> ArrayView2<'_, F> {
        self.h_next.view()
    }

    /// `h_next` for `x` `(N, D)` and `h_prev` `(N, H)`.
    ///
    /// # Errors
    /// Shapes that don't fit.
    pub fn forward(
        &mut self,
        x: ArrayView2<'_, F>,
        h_prev: ArrayView2<'_, F>,
    ) -> Result<ArrayView2<'_, F>> {
        let (d, h) = (self.w.inputs(), self.w.hidden());
        let n = x.nrows();
        if n == 0 || x.ncols() != d || h_prev.dim() != (n, h) {
            return Err(Error::shape(
                "GRU.forward",
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
        reshape_buffer(&mut self.gates, n, 3 * h);
        for mut row in self.gates.rows_mut() {
            row.assign(&self.w.b);
        }
        gemm(F::one(), &self.x, &self.w.wx, F::one(), &mut self.gates);
        reshape_buffer(&mut self.rh, n, h);
        reshape_buffer(&mut self.h_next, n, h);
        step_forward(
            self.gates.view_mut(),
            self.h_prev.view(),
            &self.w.wh,
            self.rh.view_mut(),
            self.h_next.view_mut(),
        );
        self.ready = true;
        Ok(self.h_next.view())
    }

    /// Given `dh_next`, writes `dWx`, `dWh`, `db` and returns `(dx,
    /// dh_prev)`.
    ///
    /// # Errors
    /// Called before forward, or `dh_next` not of `h_next`'s shape.
    pub fn backward(
        &mut self,
        dh_next: ArrayView2<'_, F>,
    ) -> Result<(ArrayView2<'_, F>, ArrayView2<'_, F>)> {
        check_backward("GRU.backward", self.ready, &dh_next, self.h_next.dim())?;
        let (n, h) = self.h_next.dim();
        reshape_buffer(&mut self.da, n, 3 * h);
        reshape_buffer(&mut self.dhr, n, h);
        reshape_buffer(&mut self.dh_prev, n, h);
        step_backward(
            dh_next,
            self.gates.view(),
            self.h_prev.view(),
            &self.w.wh,
            self.da.view_mut(),
            self.dhr.view_mut(),
            self.dh_prev.view_mut(),
        );
        hidden_products(
            &self.da.view(),
            &self.h_prev.view(),
            &self.rh.view(),
            &mut self.w.dwh,
        );
        gemm(F::one(), &self.x.t(), &self.da, F::zero(), &mut self.w.dwx);
        column_sums(&self.da.view(), &mut self.w.db);
        reshape_buffer(&mut self.dx, n, self.w.inputs());
        gemm(F::one(), &self.da, &self.w.wx.t(), F::zero(), &mut self.dx);
        Ok((self.dx.view(), self.dh_prev.view()))
    }
}

/// One step's recurrence: `a` `(N, 3H)` holds `x·Wx + b` on entry and the
/// activated `z, r, ĥ` on return; writes `r⊙h_prev` into `rh` and `h_next`.
/// Two products with `Wh`: its `z, r` block before the gates, its `h` block
/// on `r⊙h_prev` after them. All arguments may be strided views.
pub(crate) fn step_forward<F: Float>(
    mut a: ArrayViewMut2<'_, F>,
    h_prev: ArrayView2<'_, F>,
    wh: &Array2<F>,
    mut rh: ArrayViewMut2<'_, F>,
    h_next: ArrayViewMut2<'_, F>,
) {
    let h = h_prev.ncols();
    let one = F::one();
    {
        let mut zr = a.slice_mut(s![.., ..2 * h]);
        gemm(one, &h_prev, &wh.slice(s![.., ..2 * h]), one, &mut zr);
        zr.mapv_inplace(sigmoid_scalar);
    }
    Zip::from(&mut rh)
        .and(a.slice(s![.., h..2 * h]))
        .and(&h_prev)
        .for_each(|rh, &r, &hp| *rh = r * hp);
    let (zr, mut hat) = a.view_mut().split_at(ndarray::Axis(1), 2 * h);
    gemm(one, &rh, &wh.slice(s![.., 2 * h..]), one, &mut hat);
    hat.mapv_inplace(F::tanh);
    Zip::from(h_next)
        .and(zr.slice(s![.., ..h]))
        .and(&hat)
        .and(&h_prev)
        .for_each(|hn, &z, &hh, &hp| *hn = (one - z) * hp + z * hh);
}

/// The backward of [`step_forward`], as the book writes it: `dĥ` through
/// the tanh into `da`'s `h` block, `dhr = da_h·Whhᵀ`, `dz = dh_next⊙ĥ −
/// dh_next⊙h_prev` and `dr = dhr⊙h_prev` through their sigmoids into the
/// `z, r` blocks, and `dh_prev = dh_next⊙(1 − z) + r⊙dhr + da_zr·Wh_zrᵀ`.
pub(crate) fn step_backward<F: Float>(
    dh_next: ArrayView2<'_, F>,
    gates: ArrayView2<'_, F>,
    h_prev: ArrayView2<'_, F>,
    wh: &Array2<F>,
    mut da: ArrayViewMut2<'_, F>,
    mut dhr: ArrayViewMut2<'_, F>,
    mut dh_prev: ArrayViewMut2<'_, F>,
) {
    let h = h_prev.ncols();
    let one = F::one();
    let (z, r, hat) = (
        gates.slice(s![.., ..h]),
        gates.slice(s![.., h..2 * h]),
        gates.slice(s![.., 2 * h..]),
    );
    Zip::from(da.slice_mut(s![.., 2 * h..]))
        .and(&dh_next)
        .and(&z)
        .and(&hat)
        .for_each(|d, &dh, &z, &hh| *d = (dh * z) * (one - hh * hh));
    gemm(
        one,
        &da.slice(s![.., 2 * h..]),
        &wh.slice(s![.., 2 * h..]).t(),
        F::zero(),
        &mut dhr,
    );
    Zip::from(da.slice_mut(s![.., ..h]))
        .and(&dh_next)
        .and(&hat)
        .and(&h_prev)
        .and(&z)
        .for_each(|d, &dh, &hh, &hp, &z| *d = (dh * hh - dh * hp) * z * (one - z));
    Zip::from(da.slice_mut(s![.., h..2 * h]))
        .and(&dhr)
        .and(&h_prev)
        .and(&r)
        .for_each(|d, &dhr, &hp, &r| *d = (dhr * hp) * r * (one - r));
    Zip::from(&mut dh_prev)
        .and(&dh_next)
        .and(&z)
        .and(&r)
        .and(&dhr)
        .for_each(|dp, &dh, &z, &r, &dhr| *dp = dh * (one - z) + r * dhr);
    gemm(
        one,
        &da.slice(s![.., ..2 * h]),
        &wh.slice(s![.., ..2 * h]).t(),
        one,
        &mut dh_prev,
    );
}

/// `dWh` for `da` over any number of rows: its `z, r` block is `h_prevᵀ·da_zr`,
/// its `h` block `(r⊙h_prev)ᵀ·da_h`.
pub(crate) fn hidden_products<F: Float>(
    da: &ArrayView2<'_, F>,
    h_prev: &ArrayView2<'_, F>,
    rh: &ArrayView2<'_, F>,
    dwh: &mut Array2<F>,
) {
    let h = h_prev.ncols();
    let (mut zr, mut hat) = dwh.view_mut().split_at(ndarray::Axis(1), 2 * h);
    gemm(
        F::one(),
        &h_prev.t(),
        &da.slice(s![.., ..2 * h]),
        F::zero(),
        &mut zr,
    );
    gemm(
        F::one(),
        &rh.t(),
        &da.slice(s![.., 2 * h..]),
        F::zero(),
        &mut hat,
    );
}

impl<F: Float> Parameters<F> for Gru<F> {
    /// `Wx`, `Wh`, `b`, the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}
