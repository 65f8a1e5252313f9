//! `TimeRNN`: the simple recurrent layer over `T` steps (`common/time_layers.py`).

use ndarray::linalg::general_mat_mul as gemm;
use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, s};

use crate::layer::reshape_buffer;
use crate::time::TimeLayer;
use crate::time::rnn::{step_forward, tanh_backward};
use crate::time::weights::{RecurrentWeights, assign_state, check_dout, check_sequence, copy_rows};
use crate::{Float, Init, Param, Parameters, Randn, Result};

/// The book's `TimeRNN(Wx, Wh, b, stateful)`: an [`Rnn`](super::Rnn) step
/// for each of the `T` steps of `(N, T, D)` batches, `h` carried from step to
/// step and, when `stateful`, from batch to batch.
///
/// The same arithmetic as the book's loop of `RNN` objects, with the products
/// that don't depend on the recurrence done once for all `N·T` rows: the
/// inputs' projection `xs·Wx` before the loop over time, and `dWx = xsᵀ·dt`,
/// `dWh = h_prevᵀ·dt`, `dxs = dt·Wxᵀ` after the loop back. Inside the loops
/// remain one `(N, H) × (H, H)` product per step each way.
///
/// ```
/// use nn_core::time::{TimeLayer, TimeRnn};
/// use ndarray::{Array1, Array2, Array3};
/// let mut rnn = TimeRnn::from_weights(Array2::eye(2), Array2::zeros((2, 2)), Array1::zeros(2), true)?;
/// let hs = rnn.forward(Array3::from_elem((3, 4, 2), 0.5).view())?;
/// assert_eq!(hs.dim(), (3, 4, 2));
/// assert!((hs[[0, 3, 1]] - 0.5f64.tanh()).abs() < 1e-15);
/// rnn.backward(Array3::ones((3, 4, 2)).view())?;
/// assert_eq!(rnn.state().map(|h| h.dim()), Some((3, 2))); // carried to the next batch
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeRnn<F: Float> {
    w: RecurrentWeights<F>,
    stateful: bool,
    /// The state after the last forward (carried when stateful).
    h: Array2<F>,
    has_state: bool,
    /// ∂L/∂h₀ of the last backward: the book's `self.dh`.
    dh: Array2<F>,
    /// The last input as `(N·T, D)` rows, `n·T + t`.
    xs: Array2<F>,
    /// Every step's input state `h_{t−1}`, as `(N, T, H)`.
    h_prevs: Array3<F>,
    hs: Array3<F>,
    dts: Array3<F>,
    dxs: Array3<F>,
    ready: bool,
}

impl<F: Float> TimeRnn<F> {
    /// A layer whose `Wx` `(D, H)` and `Wh` `(H, H)` are drawn by `init`
    /// from `rng` (`Init::Xavier` is the book's `randn(D, ·) / √D`,
    /// `randn(H, ·) / √H`), `b = 0`; `stateful` carries `h` into the next batch.
    ///
    /// # Errors
    /// A zero size, or an invalid `init`.
    pub fn init(
        input_size: usize,
        hidden_size: usize,
        stateful: bool,
        init: Init,
        rng: &mut dyn Randn,
    ) -> Result<Self> {
        let (wx, wh, b) = RecurrentWeights::drawn(input_size, hidden_size, 1, init, rng)?;
        Self::from_weights(wx, wh, b, stateful)
    }

    /// A layer with `Wx` `(D, H)`, `Wh` `(H, H)`, `b` `(H,)`; `stateful`
    /// carries `h` from each batch into the next.
    ///
    /// # Errors
    /// Empty or mismatched shapes.
    pub fn from_weights(
        wx: Array2<F>,
        wh: Array2<F>,
        b: Array1<F>,
        stateful: bool,
    ) -> Result<Self> {
        let z2 = || Array2::zeros((0, 0));
        let z3 = || Array3::zeros((0, 0, 0));
        Ok(Self {
            w: RecurrentWeights::new("TimeRNN.from_weights", wx, wh, b, 1)?,
            stateful,
            h: z2(),
            has_state: false,
            dh: z2(),
            xs: z2(),
            h_prevs: z3(),
            hs: z3(),
            dts: z3(),
            dxs: z3(),
            ready: false,
        })
    }

    /// The carried state `h` `(N, H)`, if there is one.
    pub fn state(&self) -> Option<ArrayView2<'_, F>> {
        self.has_state.then(|| self.h.view())
    }

    /// Sets the state the next forward starts from (the book's `set_state`,
    /// used by seq2seq's decoder); it must be `(N, H)` for that batch. As in
    /// the book, only a stateful layer starts from it; a stateless one
    /// starts every batch from zeros.
    ///
    /// # Errors
    /// `h` without `H` columns, or empty.
    pub fn set_state(&mut self, h: ArrayView2<'_, F>) -> Result<()> {
        assign_state("TimeRNN.set_state", h, self.w.hidden(), &mut self.h)?;
        self.has_state = true;
        Ok(())
    }

    crate::time::weights::weight_views!();

    /// Every step's output `h_t` of the last forward, `(N, T, H)`.
    pub fn hs(&self) -> ArrayView3<'_, F> {
        self.hs.view()
    }

    /// `H`, the size of the hidden state.
    pub fn hidden_size(&self) -> usize {
        self.w.hidden()
    }

    /// ∂L/∂h of the state the last forward started from (the book's `dh`).
    pub fn dh(&self) -> ArrayView2<'_, F> {
        self.dh.view()
    }
}

impl<F: Float> TimeLayer<F> for TimeRnn<F> {
    fn name(&self) -> &'static str {
        "TimeRNN"
    }

    fn forward(&mut self, xs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeRNN.forward";
        let (n, t, _) = xs.dim();
        let h = self.w.hidden();
        let carried = (self.stateful && self.has_state).then(|| self.h.nrows());
        check_sequence(OP, xs.dim(), self.w.inputs(), carried)?;
        if carried.is_none() {
            reshape_buffer(&mut self.h, n, h);
            self.h.fill(F::zero());
        }
        copy_rows(&xs, &mut self.xs);
        if self.hs.dim() != (n, t, h) {
            self.hs = Array3::zeros((n, t, h));
            self.h_prevs = Array3::zeros((n, t, h));
        }
        {
            // hs holds b + xs·Wx for every step before the loop.
            let mut all = rows_mut(&mut self.hs);
            for mut row in all.rows_mut() {
                row.assign(&self.w.b);
            }
            crate::parallel::gemm(
                F::one(),
                &self.xs.view(),
                &self.w.wx.view(),
                F::one(),
                &mut all,
            );
        }
        for step in 0..t {
            let mut prev = self.h_prevs.slice_mut(s![.., step, ..]);
            if step == 0 {
                prev.assign(&self.h);
            } else {
                prev.assign(&self.hs.slice(s![.., step - 1, ..]));
            }
            let mut out = self.hs.slice_mut(s![.., step, ..]);
            step_forward(self.h_prevs.slice(s![.., step, ..]), &self.w.wh, &mut out);
            out.mapv_inplace(F::tanh);
        }
        self.h.assign(&self.hs.slice(s![.., t - 1, ..]));
        self.has_state = true;
        self.ready = true;
        Ok(self.hs.view())
    }

    fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        let (n, t, h) = self.hs.dim();
        check_dout("TimeRNN.backward", self.ready, &dout, (n, t, h))?;
        if self.dts.dim() != (n, t, h) {
            self.dts = Array3::zeros((n, t, h));
        }
        reshape_buffer(&mut self.dh, n, h);
        self.dh.fill(F::zero());
        for step in (0..t).rev() {
            // dt = (dhs[:, t] + dh) ⊙ (1 − h_t²); dh = dt·Whᵀ.
            let mut dt = self.dts.slice_mut(s![.., step, ..]);
            dt.assign(&dout.slice(s![.., step, ..]));
            dt += &self.dh;
            tanh_backward(&mut dt, self.hs.slice(s![.., step, ..]));
            gemm(
                F::one(),
                &self.dts.slice(s![.., step, ..]),
                &self.w.wh.t(),
                F::zero(),
                &mut self.dh,
            );
        }
        self.w
            .backward_products(&self.dts, &self.h_prevs, &self.xs, &mut self.dxs);
        Ok(self.dxs.view())
    }

    fn reset_state(&mut self) {
        self.has_state = false;
    }
}

/// An `(N, T, H)` array in standard layout as its `(N·T, H)` rows, row
/// `n·T + t` for sequence `n`, step `t`: the book's `reshape(N*T, H)`.
pub(crate) fn rows<F: Float>(a: &Array3<F>) -> ArrayView2<'_, F> {
    let (n, t, h) = a.dim();
    a.view()
        .into_shape_with_order((n * t, h))
        .unwrap_or_else(|_| unreachable!("arrays made here are in standard layout"))
}

/// [`rows`], mutably.
pub(crate) fn rows_mut<F: Float>(a: &mut Array3<F>) -> ndarray::ArrayViewMut2<'_, F> {
    let (n, t, h) = a.dim();
    a.view_mut()
        .into_shape_with_order((n * t, h))
        .unwrap_or_else(|_| unreachable!("arrays made here are in standard layout"))
}

impl<F: Float> Parameters<F> for TimeRnn<F> {
    /// `Wx`, `Wh`, `b`, the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}
