//! `TimeGRU`: the GRU over `T` steps (`common/time_layers.py`).

use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, s};

use crate::layer::reshape_buffer;
use crate::time::TimeLayer;
use crate::time::gru::{hidden_products, step_backward, step_forward};
use crate::time::time_rnn::{rows, rows_mut};
use crate::time::weights::{RecurrentWeights, assign_state, check_dout, check_sequence, copy_rows};
use crate::{Float, Init, Param, Parameters, Randn, Result};

/// The book's `TimeGRU(Wx, Wh, b, stateful)`: a [`Gru`](super::Gru) step
/// for each of the `T` steps, `h` carried from step to step and, when
/// `stateful`, from batch to batch.
///
/// As the other time layers, `xs·Wx + b` is one `gemm` over all `N·T` rows
/// before the loop, and `dWx`, `dWh`, `dxs` are one `gemm` each after it;
/// each step keeps its two products with `Wh` each way.
///
/// ```
/// use nn_core::time::{TimeGru, TimeLayer};
/// use ndarray::{Array1, Array2, Array3};
/// let mut gru = TimeGru::from_weights(Array2::<f64>::zeros((3, 6)), Array2::zeros((2, 6)), Array1::zeros(6), false)?;
/// let hs = gru.forward(Array3::ones((4, 5, 3)).view())?;
/// assert_eq!(hs.dim(), (4, 5, 2));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeGru<F: Float> {
    w: RecurrentWeights<F>,
    stateful: bool,
    h: Array2<F>,
    has_state: bool,
    dh: Array2<F>,
    dh_next: Array2<F>,
    dhr: Array2<F>,
    /// The last input as `(N·T, D)` rows.
    xs: Array2<F>,
    /// Per step: the activated `z, r, ĥ` `(N, T, 3H)`, `h_{t−1}`,
    /// `r⊙h_{t−1}`, and the outputs `h_t`.
    gates: Array3<F>,
    h_prevs: Array3<F>,
    rhs: Array3<F>,
    hs: Array3<F>,
    das: Array3<F>,
    dxs: Array3<F>,
    ready: bool,
}

impl<F: Float> TimeGru<F> {
    /// A layer whose `Wx` `(D, 3H)` and `Wh` `(H, 3H)` are drawn by `init`
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
        let (wx, wh, b) = RecurrentWeights::drawn(input_size, hidden_size, 3, init, rng)?;
        Self::from_weights(wx, wh, b, stateful)
    }

    /// A layer with `Wx` `(D, 3H)`, `Wh` `(H, 3H)`, `b` `(3H,)`; `stateful`
    /// carries `h` into the next batch.
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
            w: RecurrentWeights::new("TimeGRU.from_weights", wx, wh, b, 3)?,
            stateful,
            h: z2(),
            has_state: false,
            dh: z2(),
            dh_next: z2(),
            dhr: z2(),
            xs: z2(),
            gates: z3(),
            h_prevs: z3(),
            rhs: z3(),
            hs: z3(),
            das: z3(),
            dxs: z3(),
            ready: false,
        })
    }

    /// The carried `h`, if there is a state.
    pub fn state(&self) -> Option<ArrayView2<'_, F>> {
        self.has_state.then(|| self.h.view())
    }

    /// Sets the state the next forward starts from (the book's
    /// `set_state(h)`); only a stateful layer starts from it.
    ///
    /// # Errors
    /// `h` not `(N, H)`.
    pub fn set_state(&mut self, h: ArrayView2<'_, F>) -> Result<()> {
        assign_state("TimeGRU.set_state", h, self.w.hidden(), &mut self.h)?;
        self.has_state = true;
        Ok(())
    }

    crate::time::weights::weight_views!();

    /// Every step's activated `z, r, ĥ` of the last forward, `(N, T, 3H)`.
    pub fn gates(&self) -> ArrayView3<'_, F> {
        self.gates.view()
    }

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

impl<F: Float> TimeLayer<F> for TimeGru<F> {
    fn name(&self) -> &'static str {
        "TimeGRU"
    }

    fn forward(&mut self, xs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        let (n, t, _) = xs.dim();
        let h = self.w.hidden();
        let carried = (self.stateful && self.has_state).then(|| self.h.nrows());
        check_sequence("TimeGRU.forward", xs.dim(), self.w.inputs(), carried)?;
        if carried.is_none() {
            reshape_buffer(&mut self.h, n, h);
            self.h.fill(F::zero());
        }
        copy_rows(&xs, &mut self.xs);
        if self.hs.dim() != (n, t, h) {
            self.gates = Array3::zeros((n, t, 3 * h));
            for a in [&mut self.h_prevs, &mut self.rhs, &mut self.hs] {
                *a = Array3::zeros((n, t, h));
            }
        }
        {
            let mut all = rows_mut(&mut self.gates);
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
            let mut h_prev = self.h_prevs.slice_mut(s![.., step, ..]);
            if step == 0 {
                h_prev.assign(&self.h);
            } else {
                h_prev.assign(&self.hs.slice(s![.., step - 1, ..]));
            }
            step_forward(
                self.gates.slice_mut(s![.., step, ..]),
                self.h_prevs.slice(s![.., step, ..]),
                &self.w.wh,
                self.rhs.slice_mut(s![.., step, ..]),
                self.hs.slice_mut(s![.., step, ..]),
            );
        }
        self.h.assign(&self.hs.slice(s![.., t - 1, ..]));
        self.has_state = true;
        self.ready = true;
        Ok(self.hs.view())
    }

    fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        let (n, t, h) = self.hs.dim();
        check_dout("TimeGRU.backward", self.ready, &dout, (n, t, h))?;
        if self.das.dim() != (n, t, 3 * h) {
            self.das = Array3::zeros((n, t, 3 * h));
        }
        for b in [&mut self.dh, &mut self.dh_next, &mut self.dhr] {
            reshape_buffer(b, n, h);
        }
        self.dh.fill(F::zero());
        for step in (0..t).rev() {
            // dh_next = dhs[:, t] + dh; the step writes dh_prev into dh.
            self.dh_next.assign(&dout.slice(s![.., step, ..]));
            self.dh_next += &self.dh;
            step_backward(
                self.dh_next.view(),
                self.gates.slice(s![.., step, ..]),
                self.h_prevs.slice(s![.., step, ..]),
                &self.w.wh,
                self.das.slice_mut(s![.., step, ..]),
                self.dhr.view_mut(),
                self.dh.view_mut(),
            );
        }
        hidden_products(
            &rows(&self.das),
            &rows(&self.h_prevs),
            &rows(&self.rhs),
            &mut self.w.dwh,
        );
        self.w.input_products(&self.das, &self.xs, &mut self.dxs);
        Ok(self.dxs.view())
    }

    fn reset_state(&mut self) {
        self.has_state = false;
    }
}

impl<F: Float> Parameters<F> for TimeGru<F> {
    /// `Wx`, `Wh`, `b`, the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}
