//! `TimeLSTM`: the LSTM over `T` steps (`common/time_layers.py`).

use ndarray::iter::AxisChunksIterMut;
use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, Axis, Ix3, s};

use crate::layer::reshape_buffer;
use crate::layers::affine::column_sums;
use crate::parallel;
use crate::time::TimeLayer;
use crate::time::lstm_steps::{
    backward_by_rows, backward_by_units, forward_by_rows, forward_by_units, unit_blocks,
};
use crate::time::time_rnn::rows;
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
    /// The peeked input of the last forward, `(N, K)` (`K = 0` for a plain
    /// forward), its part of the gates `(N, 4H)`, and in backward the
    /// steps' gate gradients summed `(N, 4H)` and its gradient `(N, K)`.
    peeked: Array2<F>,
    peeked_gates: Array2<F>,
    das_sum: Array2<F>,
    dpeeked: Array2<F>,
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
            peeked: z2(),
            peeked_gates: z2(),
            das_sum: z2(),
            dpeeked: z2(),
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

    /// The forward of [`TimeLayer::forward`] and of
    /// [`forward_peeking`](Self::forward_peeking): with `peeked` `(N, K)`,
    /// `Wx`'s first `K` rows take it at every step, and the rest take `xs`.
    fn forward_inner(
        &mut self,
        op: &'static str,
        peeked: Option<ArrayView2<'_, F>>,
        xs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        let (n, t, _) = xs.dim();
        let h = self.w.hidden();
        let k = peeked.map_or(0, |p| p.ncols());
        let carried = (self.stateful && self.has_state).then(|| self.h.nrows());
        if let Some(p) = peeked
            && (p.nrows() != n || k >= self.w.inputs())
        {
            return Err(Error::shape(
                op,
                format!(
                    "peeked must be (N, K) with N the rows of xs and K < {} (the LSTM's input \
                     width), and xs (N, T, {} − K) (peeked: {:?}, xs: {:?})",
                    self.w.inputs(),
                    self.w.inputs(),
                    p.shape(),
                    xs.shape()
                ),
            ));
        }
        check_sequence(op, (n, t, xs.dim().2 + k), self.w.inputs(), carried)?;
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
                &self.w.wx.slice(s![k.., ..]),
                F::one(),
                &mut all,
            );
        }
        reshape_buffer(&mut self.peeked, n, k);
        if let Some(p) = peeked {
            // The peeked input's part of the gates, the same at every step:
            // one (N, K)·(K, 4H) product instead of T.
            self.peeked.assign(&p);
            reshape_buffer(&mut self.peeked_gates, n, 4 * h);
            crate::parallel::gemm(
                F::one(),
                &p,
                &self.w.wx.slice(s![..k, ..]),
                F::zero(),
                &mut self.peeked_gates.view_mut(),
            );
            for (mut seq, part) in self.gates.outer_iter_mut().zip(self.peeked_gates.rows()) {
                for mut step in seq.rows_mut() {
                    step += &part;
                }
            }
        }
        let wh = self.w.wh.view();
        let units = unit_blocks(n, h);
        if units > 1 {
            // A large Wh: each step's units split between the threads.
            forward_by_units(
                units,
                &wh,
                self.h.view(),
                self.c.view(),
                self.gates.view_mut(),
                self.h_prevs.view_mut(),
                self.c_prevs.view_mut(),
                self.tanh_cs.view_mut(),
                self.cs.view_mut(),
                self.hs.view_mut(),
            )?;
            self.h.assign(&self.hs.slice(s![.., t - 1, ..]));
            self.c.assign(&self.cs.slice(s![.., t - 1, ..]));
        } else {
            // Each row of the batch is independent: blocks of rows run on
            // their own threads, each through every step.
            let blocks = crate::parallel::row_blocks(n, n * t * h * 4 * h);
            let per = n.div_ceil(blocks);
            let state = self
                .h
                .axis_chunks_iter_mut(Axis(0), per)
                .zip(self.c.axis_chunks_iter_mut(Axis(0), per));
            let steps = chunks(&mut self.gates, per)
                .zip(chunks(&mut self.h_prevs, per))
                .zip(chunks(&mut self.c_prevs, per))
                .zip(chunks(&mut self.tanh_cs, per))
                .zip(chunks(&mut self.cs, per))
                .zip(chunks(&mut self.hs, per))
                .zip(state);
            crate::parallel::for_each_block(
                steps,
                |((((((gates, h_prevs), c_prevs), tanh_cs), cs), hs), (h, c))| {
                    forward_by_rows(&wh, gates, h_prevs, c_prevs, tanh_cs, cs, hs, h, c);
                    Ok(())
                },
            )?;
        }
        self.has_state = true;
        self.ready = true;
        Ok(self.hs.view())
    }

    /// The recurrence backward, shared by both backwards: each step's gate
    /// gradients into `das` and `dh` (∂L/∂h of the starting state).
    fn backward_recurrence(&mut self, dout: ArrayView3<'_, F>) -> Result<()> {
        let (n, t, h) = self.hs.dim();
        if self.das.dim() != (n, t, 4 * h) {
            self.das = Array3::zeros((n, t, 4 * h));
        }
        for s in [&mut self.dh, &mut self.dc, &mut self.dc_prev] {
            reshape_buffer(s, n, h);
            s.fill(F::zero());
        }
        let wh = self.w.wh.view();
        let units = unit_blocks(n, h);
        if units > 1 {
            return backward_by_units(
                units,
                &wh,
                dout,
                self.gates.view(),
                self.c_prevs.view(),
                self.tanh_cs.view(),
                self.das.view_mut(),
                self.dh.view_mut(),
                self.dc.view_mut(),
                self.dc_prev.view_mut(),
            );
        }
        let blocks = crate::parallel::row_blocks(n, n * t * h * 4 * h);
        let per = n.div_ceil(blocks);
        let state = self
            .dh
            .axis_chunks_iter_mut(Axis(0), per)
            .zip(self.dc.axis_chunks_iter_mut(Axis(0), per))
            .zip(self.dc_prev.axis_chunks_iter_mut(Axis(0), per));
        let steps = dout
            .axis_chunks_iter(Axis(0), per)
            .zip(self.gates.axis_chunks_iter(Axis(0), per))
            .zip(self.c_prevs.axis_chunks_iter(Axis(0), per))
            .zip(self.tanh_cs.axis_chunks_iter(Axis(0), per))
            .zip(self.das.axis_chunks_iter_mut(Axis(0), per))
            .zip(state);
        crate::parallel::for_each_block(
            steps,
            |(((((dout, gates), c_prevs), tanh_cs), das), ((dh, dc), dc_prev))| {
                backward_by_rows(&wh, dout, gates, c_prevs, tanh_cs, das, dh, dc, dc_prev);
                Ok(())
            },
        )?;
        Ok(())
    }

    /// The book's PeekyDecoder's LSTM, without its repeated work: the
    /// input at every step is `[peeked, xs[:, t]]`, `peeked` `(N, K)` the
    /// same at each step (the encoder's `h`), so its part of the gates,
    /// `peeked·Wx[..K]`, is one product for the sequence instead of one per
    /// step. Equal to [`forward`](TimeLayer::forward) on the joined input,
    /// to rounding; `Wx` is `(K + D, 4H)` as there.
    ///
    /// # Errors
    /// `peeked` not `(N, K)` with `0 < K <` the input width, `xs` not `(N,
    /// T, D)` with `K + D` the input width, or a carried state of other rows.
    pub fn forward_peeking(
        &mut self,
        peeked: ArrayView2<'_, F>,
        xs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeLSTM.forward_peeking";
        if peeked.ncols() == 0 {
            return Err(Error::shape(
                OP,
                format!("peeked has no columns: {:?}", peeked.shape()),
            ));
        }
        self.forward_inner(OP, Some(peeked), xs)
    }

    /// The backward of [`forward_peeking`](Self::forward_peeking): `(∂L/∂peeked
    /// (N, K), ∂L/∂xs (N, T, D))`. The peeked part's gradients come from the
    /// steps' gate gradients summed first: `dWx[..K] = peekedᵀ·Σₜ da`,
    /// `∂L/∂peeked = (Σₜ da)·Wx[..K]ᵀ`. [`dh`](Self::dh) is the starting
    /// state's, as after `backward`.
    ///
    /// # Errors
    /// No peeking forward before it, or `dout` not of its output's shape.
    pub fn backward_peeking(
        &mut self,
        dout: ArrayView3<'_, F>,
    ) -> Result<(ArrayView2<'_, F>, ArrayView3<'_, F>)> {
        const OP: &str = "TimeLSTM.backward_peeking";
        let k = self.peeked.ncols();
        if self.ready && k == 0 {
            return Err(Error::invalid(
                OP,
                "the last forward did not peek: call backward".to_owned(),
            ));
        }
        check_dout(OP, self.ready, &dout, self.hs.dim())?;
        self.backward_recurrence(dout)?;
        let (n, t, _) = self.das.dim();
        let d = self.xs.ncols();
        reshape_buffer(&mut self.das_sum, n, self.das.dim().2);
        for (mut sum, seq) in self
            .das_sum
            .rows_mut()
            .into_iter()
            .zip(self.das.outer_iter())
        {
            sum.fill(F::zero());
            for step in seq.rows() {
                sum += &step;
            }
        }
        let w = &mut self.w;
        let das = rows(&self.das);
        parallel::gemm(
            F::one(),
            &rows(&self.h_prevs).t(),
            &das,
            F::zero(),
            &mut w.dwh.view_mut(),
        );
        parallel::gemm(
            F::one(),
            &self.xs.t(),
            &das,
            F::zero(),
            &mut w.dwx.slice_mut(s![k.., ..]),
        );
        parallel::gemm(
            F::one(),
            &self.peeked.t(),
            &self.das_sum.view(),
            F::zero(),
            &mut w.dwx.slice_mut(s![..k, ..]),
        );
        column_sums(&das, &mut w.db);
        if self.dxs.dim() != (n, t, d) {
            self.dxs = Array3::zeros((n, t, d));
        }
        parallel::gemm(
            F::one(),
            &das,
            &w.wx.slice(s![k.., ..]).t(),
            F::zero(),
            &mut rows_mut(&mut self.dxs),
        );
        reshape_buffer(&mut self.dpeeked, n, k);
        parallel::gemm(
            F::one(),
            &self.das_sum.view(),
            &w.wx.slice(s![..k, ..]).t(),
            F::zero(),
            &mut self.dpeeked.view_mut(),
        );
        Ok((self.dpeeked.view(), self.dxs.view()))
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
        self.forward_inner("TimeLSTM.forward", None, xs)
    }

    fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeLSTM.backward";
        if self.ready && self.peeked.ncols() > 0 {
            return Err(Error::invalid(
                OP,
                "the last forward peeked: call backward_peeking".to_owned(),
            ));
        }
        check_dout(OP, self.ready, &dout, self.hs.dim())?;
        self.backward_recurrence(dout)?;
        self.w
            .backward_products(&self.das, &self.h_prevs, &self.xs, &mut self.dxs);
        Ok(self.dxs.view())
    }

    fn reset_state(&mut self) {
        self.has_state = false;
    }
}

/// Consecutive blocks of `per` rows (the first axis) of `a`.
pub(crate) fn chunks<F: Float>(a: &mut Array3<F>, per: usize) -> AxisChunksIterMut<'_, F, Ix3> {
    a.axis_chunks_iter_mut(Axis(0), per)
}

impl<F: Float> Parameters<F> for TimeLstm<F> {
    /// `Wx`, `Wh`, `b`, the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}
