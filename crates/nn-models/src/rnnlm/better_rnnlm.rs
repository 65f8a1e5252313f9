//! `BetterRnnlm` (`ch06/better_rnnlm.py`): two LSTM layers, dropout, and
//! the embedding tied to the output layer.

use ndarray::{Array1, Array2, ArrayView2, ArrayView3};
use nn_core::shared::{Orientation, Shared};
use nn_core::time::{
    CellWeights, TimeAffine, TimeDropout, TimeEmbedding, TimeLayer, TimeLstm, TimeSoftmaxWithLoss,
};
use nn_core::{Float, ForwardState, Param, Parameters, Randn, Result, SharedRng, scoped};

use super::rnnlm::{lstm_state, set_lstm_state};
use super::{
    LanguageModel, NamedModel, backward_loss, check_state_count, forward_loss, scaled_randn,
};
use crate::shapes::{agree, check_sizes};

/// The book's `BetterRnnlm(vocab_size, wordvec_size, hidden_size,
/// dropout_ratio)` (Zaremba et al.'s regularised LSTM with weight tying):
/// `TimeEmbedding` → `TimeDropout` → `TimeLSTM` → `TimeDropout` → `TimeLSTM`
/// → `TimeDropout` → `TimeAffine(embed_Wᵀ, b)` → `TimeSoftmaxWithLoss`.
///
/// The output layer uses the embedding's weight transposed, through a
/// [`Shared`] weight: one `(V, D)` matrix and one gradient, the sum of both
/// uses (the book's `remove_duplicate`), so `D` must equal `H`. Parameters
/// in the order the book's `remove_duplicate` leaves them: `embed.W`,
/// `lstm1.Wx`, `lstm1.Wh`, `lstm1.b`, `lstm2.Wx`, `lstm2.Wh`, `lstm2.b`,
/// `affine.b`.
///
/// The three dropout layers draw their masks in turn from one generator,
/// a [`SharedRng`] of the caller's choosing. The book draws the weights and
/// then every mask from numpy's one global generator; to do the same, draw
/// the weights from the generator the masks will come from (below): from
/// the same seed, the weights and the masks are the book's.
///
/// ```
/// use nn_core::SharedRng;
/// use nn_models::rnnlm::{BetterRnnlm, LanguageModel};
/// use nn_train::NumpyRandom;
/// use ndarray::array;
/// let rng = SharedRng::new(NumpyRandom::new(0));
/// let mut model = BetterRnnlm::<f32>::new(10, 8, 8, 0.5, &mut *rng.lock(), rng.clone())?;
/// let loss = model.forward(array![[1, 2, 3]].view(), array![[2, 3, 4]].view())?;
/// assert!((loss - 10f32.ln()).abs() < 0.1);
/// model.backward()?;
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct BetterRnnlm<F: Float> {
    embed_w: Shared<F>,
    layers: Layers<F>,
    loss: TimeSoftmaxWithLoss<F>,
    /// A handle to the dropout layers' generator.
    dropout_rng: SharedRng,
    pass: ForwardState,
}

/// Everything between the word ids and the scores (the book's `predict`),
/// apart from the loss, so that `forward` can hand the loss the scores this
/// borrows.
#[derive(Debug)]
struct Layers<F: Float> {
    embed: TimeEmbedding<F>,
    drops: [TimeDropout<F>; 3],
    lstm1: TimeLstm<F>,
    lstm2: TimeLstm<F>,
    affine: TimeAffine<F>,
}

impl<F: Float> Layers<F> {
    fn predict(
        &mut self,
        op: &'static str,
        xs: ArrayView2<'_, usize>,
    ) -> Result<ArrayView3<'_, F>> {
        let [d1, d2, d3] = &mut self.drops;
        let at = |part: &'static str| move |e: nn_core::Error| e.within(op, part);
        let x = self.embed.forward(xs).map_err(at("embed"))?;
        let x = d1.forward(x).map_err(at("dropout1"))?;
        let x = self.lstm1.forward(x).map_err(at("lstm1"))?;
        let x = d2.forward(x).map_err(at("dropout2"))?;
        let x = self.lstm2.forward(x).map_err(at("lstm2"))?;
        let x = d3.forward(x).map_err(at("dropout3"))?;
        self.affine.forward(x).map_err(at("affine"))
    }

    fn backward(&mut self, op: &'static str, dscores: ArrayView3<'_, F>) -> Result<()> {
        let [d1, d2, d3] = &mut self.drops;
        let at = |part: &'static str| move |e: nn_core::Error| e.within(op, part);
        let dout = self.affine.backward(dscores).map_err(at("affine"))?;
        let dout = d3.backward(dout).map_err(at("dropout3"))?;
        let dout = self.lstm2.backward(dout).map_err(at("lstm2"))?;
        let dout = d2.backward(dout).map_err(at("dropout2"))?;
        let dout = self.lstm1.backward(dout).map_err(at("lstm1"))?;
        let dout = d1.backward(dout).map_err(at("dropout1"))?;
        self.embed.backward(dout).map_err(at("embed"))
    }
}

impl<F: Float> BetterRnnlm<F> {
    /// The model with the book's initial weights drawn from `rng` in the
    /// book's order (`embed_W = randn(V, D) / 100`, `lstm_Wx1 = randn(D, 4H)
    /// / √D`, `lstm_Wh1`, `lstm_Wx2`, `lstm_Wh2 = randn(H, 4H) / √H`, biases
    /// zero); the dropout masks are drawn from `dropout_rng`. The book's
    /// defaults are `V = 10000`, `D = H = 650`, `dropout_ratio = 0.5`.
    ///
    /// # Errors
    /// A zero size, `wordvec_size ≠ hidden_size` (the tied output layer
    /// needs them equal), or a ratio outside `[0, 1)`.
    pub fn new(
        vocab_size: usize,
        wordvec_size: usize,
        hidden_size: usize,
        dropout_ratio: f64,
        rng: &mut dyn Randn,
        dropout_rng: SharedRng,
    ) -> Result<Self> {
        let (v, d, h) = (vocab_size, wordvec_size, hidden_size);
        const OP: &str = "BetterRnnlm.new";
        check_sizes(OP, v, d, h)?;
        if d != h {
            return Err(nn_core::Error::invalid(
                OP,
                format!(
                    "weight tying needs wordvec_size = hidden_size, got {d} and {h} \
                     (the output layer is embed_Wᵀ, (D, V), on hidden states of size H)"
                ),
            ));
        }
        let embed_w = scaled_randn(v, d, 100.0, rng);
        let rd = (d as f64).sqrt();
        let rh = (h as f64).sqrt();
        let wx1 = scaled_randn(d, 4 * h, rd, rng);
        let wh1 = scaled_randn(h, 4 * h, rh, rng);
        let wx2 = scaled_randn(h, 4 * h, rh, rng);
        let wh2 = scaled_randn(h, 4 * h, rh, rng);
        let zeros = || Array1::zeros(4 * h);
        Self::from_weights(
            embed_w,
            [(wx1, wh1, zeros()), (wx2, wh2, zeros())],
            Array1::zeros(v),
            dropout_ratio,
            dropout_rng,
        )
    }

    /// The model with the given weights, in the order the book's
    /// `remove_duplicate` leaves them: `embed.W` `(V, D)`, the two LSTMs'
    /// `(Wx, Wh, b)` (`(D, 4H)`, `(H, 4H)`, `(4H,)`; `D = H`), and the
    /// output layer's bias `affine.b` `(V,)` (its weight is `embed.W`
    /// transposed); the dropout layers drop `dropout_ratio` of the units
    /// with masks from `dropout_rng`.
    ///
    /// # Errors
    /// Arrays of shapes that don't fit, named, or a ratio outside `[0, 1)`.
    pub fn from_weights(
        embed_w: Array2<F>,
        [lstm1, lstm2]: [CellWeights<F>; 2],
        affine_b: Array1<F>,
        dropout_ratio: f64,
        dropout_rng: SharedRng,
    ) -> Result<Self> {
        const OP: &str = "BetterRnnlm.from_weights";
        agree(OP, "D", ("embed.W", &embed_w, 1), ("lstm1.Wx", &lstm1.0, 0))?;
        agree(
            OP,
            "H",
            ("lstm1.Wh", &lstm1.1, 0),
            ("lstm2.Wx", &lstm2.0, 0),
        )?;
        // Tied: the output layer is embed.Wᵀ, (D, V), on states of size H.
        agree(
            OP,
            "H = D",
            ("lstm2.Wh", &lstm2.1, 0),
            ("embed.W", &embed_w, 1),
        )?;
        let embed_w = Shared::new("W", embed_w).map_err(|e| e.within(OP, "embed"))?;
        let lstm = |name: &'static str, (wx, wh, b): CellWeights<F>| {
            TimeLstm::from_weights(wx, wh, b, true).map_err(|e| e.within(OP, name))
        };
        let drop = || {
            TimeDropout::new(dropout_ratio, dropout_rng.clone())
                .map_err(|e| e.within(OP, "dropout"))
        };
        let affine = TimeAffine::shared(&embed_w, Orientation::Transposed, affine_b)
            .map_err(|e| e.within(OP, "affine"))?;
        Ok(Self {
            layers: Layers {
                embed: TimeEmbedding::shared(&embed_w),
                drops: [drop()?, drop()?, drop()?],
                lstm1: lstm("lstm1", lstm1)?,
                lstm2: lstm("lstm2", lstm2)?,
                affine,
            },
            loss: TimeSoftmaxWithLoss::new(),
            embed_w,
            dropout_rng,
            pass: ForwardState::NotRun,
        })
    }

    /// The shared embedding weight, `(V, D)`.
    pub fn embed_w(&self) -> &Shared<F> {
        &self.embed_w
    }

    /// The embedding layer, on the shared `embed.W`.
    pub fn embed(&self) -> &TimeEmbedding<F> {
        &self.layers.embed
    }

    /// The three dropout layers, in forward order (their last masks).
    pub fn dropouts(&self) -> &[TimeDropout<F>; 3] {
        &self.layers.drops
    }

    /// The output layer, `embed.W` transposed and its own `affine.b`.
    pub fn affine(&self) -> &TimeAffine<F> {
        &self.layers.affine
    }

    /// The loss layer, with the last forward's probabilities.
    pub fn loss_layer(&self) -> &TimeSoftmaxWithLoss<F> {
        &self.loss
    }

    /// The two LSTM layers (their carried states: the book's `get_state`).
    pub fn lstms(&self) -> [&TimeLstm<F>; 2] {
        [&self.layers.lstm1, &self.layers.lstm2]
    }

    /// The two LSTM layers, mutably (the book's `set_state`).
    pub fn lstms_mut(&mut self) -> [&mut TimeLstm<F>; 2] {
        [&mut self.layers.lstm1, &mut self.layers.lstm2]
    }

    /// The generator the dropout masks are drawn from (to save its state
    /// with a checkpoint, or to put one back).
    pub fn dropout_rng(&self) -> &SharedRng {
        &self.dropout_rng
    }
}

impl<F: Float> NamedModel<F> for BetterRnnlm<F> {
    fn name(&self) -> &'static str {
        "BetterRnnlm"
    }

    fn legacy_param_names(&self) -> &'static [&'static str] {
        &[
            "embed_W", "lstm_Wx1", "lstm_Wh1", "lstm_b1", "lstm_Wx2", "lstm_Wh2", "lstm_b2",
            "affine_b",
        ]
    }
}

impl<F: Float> LanguageModel<F> for BetterRnnlm<F> {
    fn vocab_size(&self) -> usize {
        self.embed_w.dim().0
    }

    fn predict(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, F>> {
        self.layers.predict("BetterRnnlm.predict", xs)
    }

    fn forward(&mut self, xs: ArrayView2<'_, usize>, ts: ArrayView2<'_, isize>) -> Result<F> {
        const OP: &str = "BetterRnnlm.forward";
        let scores = self.layers.predict(OP, xs);
        forward_loss(OP, &mut self.loss, &mut self.pass, scores, ts)
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "BetterRnnlm.backward";
        let dscores = backward_loss(OP, &mut self.loss, self.pass, dout)?;
        self.layers.backward(OP, dscores)
    }

    fn reset_state(&mut self) {
        self.layers.lstm1.reset_state();
        self.layers.lstm2.reset_state();
    }

    fn set_training(&mut self, training: bool) {
        for d in &mut self.layers.drops {
            d.set_training(training);
        }
    }

    fn carried_state(&self) -> Vec<Array2<F>> {
        let (s1, s2) = (
            lstm_state(&self.layers.lstm1),
            lstm_state(&self.layers.lstm2),
        );
        if s1.is_empty() || s2.is_empty() {
            return Vec::new();
        }
        s1.into_iter().chain(s2).collect()
    }

    fn set_carried_state(&mut self, state: &[Array2<F>]) -> Result<()> {
        check_state_count("BetterRnnlm.set_carried_state", state, 4)?;
        let (s1, s2) = state.split_at(state.len() / 2);
        set_lstm_state(&mut self.layers.lstm1, s1)?;
        set_lstm_state(&mut self.layers.lstm2, s2)
    }

    fn dropout_rng(&self) -> Option<&SharedRng> {
        Some(&self.dropout_rng)
    }
}

impl<F: Float> Parameters<F> for BetterRnnlm<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        // The tied weight is the embedding's (`embed.W`); the output layer
        // lists only its bias.
        self.embed_w.visit(&mut scoped("embed", f))?;
        self.layers.lstm1.visit_params(&mut scoped("lstm1", f))?;
        self.layers.lstm2.visit_params(&mut scoped("lstm2", f))?;
        self.layers.affine.visit_params(&mut scoped("affine", f))
    }
}
