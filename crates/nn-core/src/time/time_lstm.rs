//! `TimeLSTM`: the LSTM over `T` steps (`common/time_layers.py`).

use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, s};

use crate::layer::reshape_buffer;
use crate::time::TimeLayer;
use crate::time::lstm::{gates_backward, gates_forward};
use crate::time::time_rnn::rows_mut;
use crate::time::weights::{RecurrentWeights, check_dout, check_sequence, copy_rows};
use crate::{Error, Float, Init, Param, Parameters, Randn, Result};

/// The book's `TimeLSTM(Wx, Wh, b, stateful)`: an [`Lstm`](super::Lstm)
/// step for each of the `T` steps, `h` and `c` carried from step to step
/// and, when `stateful`, from batch to batch.
///
/// As [`TimeRnn`](super::TimeRnn), the products that don't depend on the
/// recurrence are one `gemm` over all `N·T` rows (`xs·Wx + b` before the
/// loop; `dWx`, `dWh`, `dxs` after it); each step keeps one
/// `(N, H) × (H, 4H)` product each way.
///
/// ```
/// use nn_core::time::{TimeLayer, TimeLstm};
/// use ndarray::{Array1, Array2, Array3};
/// let mut lstm = TimeLstm::from_weights(Array2::<f64>::zeros((3, 8)), Array2::zeros((2, 8)), Array1::zeros(8), true)?;
/// let hs = lstm.forward(Array3::ones((4, 5, 3)).view())?;
/// assert_eq!(hs.dim(), (4, 5, 2));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeLstm<F: Float> {
    w: RecurrentWeights<F>,
    stateful: bool,
    h: Array2<F>,
    c: Array2<F>,
    has_state: bool,
    dh: Array2<F>,
    dc: Array2<F>,
    /// The last input as `(N·T, D)` rows.
    xs: Array2<F>,
    /// Per step: the activated gates `(N, T, 4H)`, `h_{t−1}`, `c_{t−1}`,
    /// `tanh c_t`, and the outputs `h_t`.
    gates: Array3<F>,
    h_prevs: Array3<F>,
    c_prevs: Array3<F>,
    tanh_cs: Array3<F>,
    cs: Array3<F>,
    hs: Array3<F>,
    das: Array3<F>,
    dc_prev: Array2<F>,
    dxs: Array3<F>,
    ready: bool,
}

impl<F: Float> TimeLstm<F> {
    /// A layer whose `Wx` `(D, 4H)` and `Wh` `(H, 4H)` are drawn by `init`
    /// from `rng` (`Init::Xavier` is the book's `randn(D, ·) / √D`,
    /// `randn(H, ·) / √H`), `b = 0`; `stateful` carries `h` and `c` into the next batch.
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
        let (wx, wh, b) = RecurrentWeights::drawn(input_size, hidden_size, 4, init, rng)?;
        Self::from_weights(wx, wh, b, stateful)
    }

    /// A layer with `Wx` `(D, 4H)`, `Wh` `(H, 4H)`, `b` `(4H,)`; `stateful`
    /// carries `h` and `c` into the next batch.
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
            w: RecurrentWeights::new("TimeLSTM.from_weights", wx, wh, b, 4)?,
            stateful,
            h: z2(),
            c: z2(),
            has_state: false,
            dh: z2(),
            dc: z2(),
            xs: z2(),
            gates: z3(),
            h_prevs: z3(),
            c_prevs: z3(),
            tanh_cs: z3(),
            cs: z3(),
            hs: z3(),
            das: z3(),
            dc_prev: z2(),
            dxs: z3(),
            ready: false,
        })
    }

    /// The carried `(h, c)`, if there is a state.
    pub fn state(&self) -> Option<(ArrayView2<'_, F>, ArrayView2<'_, F>)> {
        self.has_state.then(|| (self.h.view(), self.c.view()))
    }

    /// Sets the state the next forward starts from (the book's `set_state(h,
    /// c)`; `c = None` starts the cell from zeros, as the book's `None`). As
    /// in the book, only a stateful layer starts from it.
    ///
    /// # Errors
    /// Shapes other than `(N, H)`.
    pub fn set_state(&mut self, h: ArrayView2<'_, F>, c: Option<ArrayView2<'_, F>>) -> Result<()> {
        let hidden = self.w.wh.nrows();
        let n = h.nrows();
        if h.ncols() != hidden || n == 0 || c.is_some_and(|c| c.dim() != (n, hidden)) {
            return Err(Error::shape(
                "TimeLSTM.set_state",
                format!(
                    "h and c must be (N, {hidden}) with N ≥ 1 (h: {:?}, c: {:?})",
                    h.shape(),
                    c.map(|c| c.shape().to_vec())
                ),
            ));
        }
        reshape_buffer(&mut self.h, n, hidden);
        self.h.assign(&h);
        reshape_buffer(&mut self.c, n, hidden);
        match c {
            Some(c) => self.c.assign(&c),
            None => self.c.fill(F::zero()),
        }
        self.has_state = true;
        Ok(())
    }

    /// `H`, the size of the hidden state.
    pub fn hidden_size(&self) -> usize {
        self.w.hidden()
    }

    /// `D`, the size of each step's input.
    pub fn input_size(&self) -> usize {
        self.w.inputs()
    }

    crate::time::weights::weight_views!();

    /// Every step's activated gates of the last forward, `(N, T, 4H)`, in
    /// the book's order `f, g, i, o` (each step's `LSTM` cache).
    pub fn gates(&self) -> ArrayView3<'_, F> {
        self.gates.view()
    }

    /// Every step's cell state `c_t` of the last forward, `(N, T, H)`.
    pub fn cs(&self) -> ArrayView3<'_, F> {
        self.cs.view()
    }

    /// Every step's output `h_t` of the last forward, `(N, T, H)`.
    pub fn hs(&self) -> ArrayView3<'_, F> {
        self.hs.view()
    }

    /// ∂L/∂h of the state the last forward started from (the book's `dh`).
    pub fn dh(&self) -> ArrayView2<'_, F> {
        self.dh.view()
    }
}

impl<F: Float> TimeLayer<F> for TimeLstm<F> {
    fn name(&self) -> &'static str {
        "TimeLSTM"
    }

    fn forward(&mut self, xs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeLSTM.forward";
        let (n, t, _) = xs.dim();
        let h = self.w.hidden();
        let carried = (self.stateful && self.has_state).then(|| self.h.nrows());
        check_sequence(OP, xs.dim(), self.w.inputs(), carried)?;
        if carried.is_none() {
            for s in [&mut self.h, &mut self.c] {
                reshape_buffer(s, n, h);
                s.fill(F::zero());
            }
        }
        copy_rows(&xs, &mut self.xs);
        if self.hs.dim() != (n, t, h) {
            self.gates = Array3::zeros((n, t, 4 * h));
            for a in [
                &mut self.h_prevs,
                &mut self.c_prevs,
                &mut self.tanh_cs,
                &mut self.cs,
                &mut self.hs,
            ] {
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
            {
                let (mut hp, mut cp) = (
                    self.h_prevs.slice_mut(s![.., step, ..]),
                    self.c_prevs.slice_mut(s![.., step, ..]),
                );
                if step == 0 {
                    hp.assign(&self.h);
                    cp.assign(&self.c);
                } else {
                    hp.assign(&self.hs.slice(s![.., step - 1, ..]));
                    cp.assign(&self.cs.slice(s![.., step - 1, ..]));
                }
            }
            let mut a = self.gates.slice_mut(s![.., step, ..]);
            crate::parallel::gemm(
                F::one(),
                &self.h_prevs.slice(s![.., step, ..]),
                &self.w.wh.view(),
                F::one(),
                &mut a,
            );
            gates_forward(
                a,
                self.c_prevs.slice(s![.., step, ..]),
                self.cs.slice_mut(s![.., step, ..]),
                self.tanh_cs.slice_mut(s![.., step, ..]),
                self.hs.slice_mut(s![.., step, ..]),
            );
        }
        self.h.assign(&self.hs.slice(s![.., t - 1, ..]));
        self.c.assign(&self.cs.slice(s![.., t - 1, ..]));
        self.has_state = true;
        self.ready = true;
        Ok(self.hs.view())
    }

    fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        let (n, t, h) = self.hs.dim();
        check_dout("TimeLSTM.backward", self.ready, &dout, (n, t, h))?;
        if self.das.dim() != (n, t, 4 * h) {
            self.das = Array3::zeros((n, t, 4 * h));
        }
        for s in [&mut self.dh, &mut self.dc, &mut self.dc_prev] {
            reshape_buffer(s, n, h);
            s.fill(F::zero());
        }
        for step in (0..t).rev() {
            // dh_next = dhs[:, t] + dh, reusing dh's buffer.
            self.dh += &dout.slice(s![.., step, ..]);
            gates_backward(
                self.dh.view(),
                self.dc.view(),
                self.gates.slice(s![.., step, ..]),
                self.c_prevs.slice(s![.., step, ..]),
                self.tanh_cs.slice(s![.., step, ..]),
                self.das.slice_mut(s![.., step, ..]),
                self.dc_prev.view_mut(),
            );
            std::mem::swap(&mut self.dc, &mut self.dc_prev);
            crate::parallel::gemm(
                F::one(),
                &self.das.slice(s![.., step, ..]),
                &self.w.wh.t(),
                F::zero(),
                &mut self.dh.view_mut(),
            );
        }
        self.w
            .backward_products(&self.das, &self.h_prevs, &self.xs, &mut self.dxs);
        Ok(self.dxs.view())
    }

    fn reset_state(&mut self) {
        self.has_state = false;
    }
}

impl<F: Float> Parameters<F> for TimeLstm<F> {
    /// `Wx`, `Wh`, `b`, the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}
