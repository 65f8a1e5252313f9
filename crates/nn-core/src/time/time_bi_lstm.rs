//! `TimeBiLSTM`: an LSTM each way over the sequence (`common/time_layers.py`).

use ndarray::{Array3, ArrayView2, ArrayView3, s};

use crate::time::weights::RecurrentWeights;
use crate::time::{CellWeights, TimeLayer, TimeLstm};
use crate::{Error, Float, Init, Param, Parameters, Randn, Result, scoped};

/// The book's `TimeBiLSTM(Wx1, Wh1, b1, Wx2, Wh2, b2, stateful)`: one
/// [`TimeLstm`] reads the sequence forwards, the other backwards, and the
/// output at step `t` is both layers' `h` for that step side by side,
/// `(N, T, 2H)`. Backward: the two halves of `dhs` go back through their
/// layers and `dxs` is the sum.
///
/// ```
/// use nn_core::time::{TimeBiLstm, TimeLayer};
/// use ndarray::{Array1, Array2, Array3};
/// let w = || (Array2::<f64>::zeros((3, 8)), Array2::zeros((2, 8)), Array1::zeros(8));
/// let mut bi = TimeBiLstm::from_weights(w(), w(), false)?;
/// assert_eq!(bi.forward(Array3::ones((4, 5, 3)).view())?.dim(), (4, 5, 4));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeBiLstm<F: Float> {
    forward_lstm: TimeLstm<F>,
    backward_lstm: TimeLstm<F>,
    /// The input and the backward half of `dhs`, reversed in time.
    reversed_xs: Array3<F>,
    reversed_dhs: Array3<F>,
    out: Array3<F>,
    dxs: Array3<F>,
    hidden: usize,
}

impl<F: Float> TimeBiLstm<F> {
    /// A layer whose two directions' weights are drawn by `init` from
    /// `rng`, the forward direction's first, as [`TimeLstm::init`].
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
        let fw = RecurrentWeights::drawn(input_size, hidden_size, 4, init, rng)?;
        let bw = RecurrentWeights::drawn(input_size, hidden_size, 4, init, rng)?;
        Self::from_weights(fw, bw, stateful)
    }

    /// A layer with the forward direction's weights `fw` and the backward
    /// direction's `bw`, both for the same `D` and `H`.
    ///
    /// # Errors
    /// Shapes that don't fit, or directions of different sizes.
    pub fn from_weights(fw: CellWeights<F>, bw: CellWeights<F>, stateful: bool) -> Result<Self> {
        if fw.0.dim() != bw.0.dim() || fw.1.dim() != bw.1.dim() {
            return Err(Error::shape(
                "TimeBiLSTM.from_weights",
                format!(
                    "both directions must have the same shapes (Wx1: {:?}, Wh1: {:?}; Wx2: {:?}, Wh2: {:?})",
                    fw.0.shape(),
                    fw.1.shape(),
                    bw.0.shape(),
                    bw.1.shape()
                ),
            ));
        }
        let hidden = fw.1.nrows();
        let z = || Array3::zeros((0, 0, 0));
        Ok(Self {
            forward_lstm: TimeLstm::from_weights(fw.0, fw.1, fw.2, stateful)?,
            backward_lstm: TimeLstm::from_weights(bw.0, bw.1, bw.2, stateful)?,
            reversed_xs: z(),
            reversed_dhs: z(),
            out: z(),
            dxs: z(),
            hidden,
        })
    }
}

impl<F: Float> TimeBiLstm<F> {
    /// The LSTM that reads the sequence forwards (its weights, gates and
    /// state).
    pub fn forward_lstm(&self) -> &TimeLstm<F> {
        &self.forward_lstm
    }

    /// The LSTM that reads the sequence backwards, in its own (reversed)
    /// time order.
    pub fn backward_lstm(&self) -> &TimeLstm<F> {
        &self.backward_lstm
    }

    /// The carried `(h, c)` of each direction, forward first, when both
    /// have a state.
    #[allow(clippy::type_complexity)]
    pub fn state(&self) -> Option<[(ArrayView2<'_, F>, ArrayView2<'_, F>); 2]> {
        Some([self.forward_lstm.state()?, self.backward_lstm.state()?])
    }

    /// Sets each direction's state, forward first (`c = None` starts that
    /// cell from zeros); as in the book, only a stateful layer starts from
    /// it.
    ///
    /// # Errors
    /// Shapes other than `(N, H)`.
    pub fn set_state(
        &mut self,
        forward: (ArrayView2<'_, F>, Option<ArrayView2<'_, F>>),
        backward: (ArrayView2<'_, F>, Option<ArrayView2<'_, F>>),
    ) -> Result<()> {
        self.forward_lstm
            .set_state(forward.0, forward.1)
            .map_err(|e| e.within("TimeBiLSTM.set_state", "forward_lstm"))?;
        self.backward_lstm
            .set_state(backward.0, backward.1)
            .map_err(|e| e.within("TimeBiLSTM.set_state", "backward_lstm"))
    }

    /// ∂L/∂h of each direction's starting state after the last backward,
    /// forward first (the backward direction's starts at the sequence's
    /// end).
    pub fn dh(&self) -> [ArrayView2<'_, F>; 2] {
        [self.forward_lstm.dh(), self.backward_lstm.dh()]
    }
}

/// Copies `src` into `dst` with the time axis reversed.
fn reverse_time<F: Float>(src: &ArrayView3<'_, F>, dst: &mut Array3<F>) {
    if dst.dim() != src.dim() {
        *dst = Array3::zeros(src.dim());
    }
    dst.assign(&src.slice(s![.., ..;-1, ..]));
}

impl<F: Float> TimeLayer<F> for TimeBiLstm<F> {
    fn name(&self) -> &'static str {
        "TimeBiLSTM"
    }

    fn forward(&mut self, xs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        let h = self.hidden;
        let (n, t, _) = xs.dim();
        let o1 = self.forward_lstm.forward(xs)?;
        if self.out.dim() != (n, t, 2 * h) {
            self.out = Array3::zeros((n, t, 2 * h));
        }
        self.out.slice_mut(s![.., .., ..h]).assign(&o1);
        reverse_time(&xs, &mut self.reversed_xs);
        let o2 = self.backward_lstm.forward(self.reversed_xs.view())?;
        self.out
            .slice_mut(s![.., .., h..])
            .assign(&o2.slice(s![.., ..;-1, ..]));
        Ok(self.out.view())
    }

    fn backward(&mut self, dhs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeBiLSTM.backward";
        let h = self.hidden;
        if self.out.is_empty() {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if dhs.dim() != self.out.dim() {
            return Err(Error::shape(
                OP,
                format!(
                    "dhs must have the shape of the last output (dhs: {:?}, output: {:?})",
                    dhs.shape(),
                    self.out.shape()
                ),
            ));
        }
        let dxs1 = self.forward_lstm.backward(dhs.slice(s![.., .., ..h]))?;
        if self.dxs.dim() != dxs1.dim() {
            self.dxs = Array3::zeros(dxs1.dim());
        }
        self.dxs.assign(&dxs1);
        reverse_time(&dhs.slice(s![.., .., h..]), &mut self.reversed_dhs);
        let dxs2 = self.backward_lstm.backward(self.reversed_dhs.view())?;
        self.dxs += &dxs2.slice(s![.., ..;-1, ..]);
        Ok(self.dxs.view())
    }

    fn reset_state(&mut self) {
        self.forward_lstm.reset_state();
        self.backward_lstm.reset_state();
    }
}

impl<F: Float> Parameters<F> for TimeBiLstm<F> {
    /// The forward direction's `Wx`, `Wh`, `b`, then the backward one's,
    /// as the book's `forward_lstm.params + backward_lstm.params`:
    /// `forward_lstm.Wx`, …, `backward_lstm.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.forward_lstm
            .visit_params(&mut scoped("forward_lstm", f))?;
        self.backward_lstm
            .visit_params(&mut scoped("backward_lstm", f))
    }
}
