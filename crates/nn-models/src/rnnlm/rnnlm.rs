//! `Rnnlm` (`ch06/rnnlm.py`): the LSTM language model.

use ndarray::{Array1, Array2, ArrayView2, ArrayView3};
use nn_core::time::{
    CellWeights, TimeAffine, TimeEmbedding, TimeLayer, TimeLstm, TimeSoftmaxWithLoss,
};
use nn_core::{Float, ForwardState, Param, Parameters, Randn, Result};

use super::stack::Stack;
use super::{
    LanguageModel, NamedModel, backward_loss, check_state_count, forward_loss, scaled_randn,
};
use crate::shapes::check_sizes;

/// The book's `Rnnlm(vocab_size, wordvec_size, hidden_size)`:
/// `TimeEmbedding` → stateful `TimeLSTM` → `TimeAffine` →
/// `TimeSoftmaxWithLoss`. Parameters in the book's order: `embed.W`,
/// `lstm.Wx`, `lstm.Wh`, `lstm.b`, `affine.W`, `affine.b`.
///
/// ```
/// use nn_models::rnnlm::{LanguageModel, Rnnlm};
/// use nn_train::NumpyRandom;
/// use ndarray::array;
/// let mut model = Rnnlm::<f32>::new(10, 8, 8, &mut NumpyRandom::new(0))?;
/// let loss = model.forward(array![[1, 2, 3]].view(), array![[2, 3, 4]].view())?;
/// assert!((loss - 10f32.ln()).abs() < 0.1); // near-uniform at first
/// model.backward()?;
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Rnnlm<F: Float> {
    stack: Stack<F, TimeLstm<F>>,
    loss: TimeSoftmaxWithLoss<F>,
    pass: ForwardState,
}

impl<F: Float> Rnnlm<F> {
    /// The model with the book's initial weights drawn from `rng` in the
    /// book's order: `embed_W = randn(V, D) / 100`, `lstm_Wx = randn(D, 4H)
    /// / √D`, `lstm_Wh = randn(H, 4H) / √H`, `affine_W = randn(H, V) / √H`,
    /// biases zero. The book's defaults are `V = 10000`, `D = H = 100`.
    ///
    /// # Errors
    /// A zero size.
    pub fn new(
        vocab_size: usize,
        wordvec_size: usize,
        hidden_size: usize,
        rng: &mut dyn Randn,
    ) -> Result<Self> {
        let (v, d, h) = (vocab_size, wordvec_size, hidden_size);
        check_sizes("Rnnlm.new", v, d, h)?;
        let embed_w = scaled_randn(v, d, 100.0, rng);
        let lstm_wx = scaled_randn(d, 4 * h, (d as f64).sqrt(), rng);
        let lstm_wh = scaled_randn(h, 4 * h, (h as f64).sqrt(), rng);
        let affine_w = scaled_randn(h, v, (h as f64).sqrt(), rng);
        let lstm = (lstm_wx, lstm_wh, Array1::zeros(4 * h));
        Self::from_weights(embed_w, lstm, affine_w, Array1::zeros(v))
    }

    /// The model with the given weights, in the book's order: `embed.W`
    /// `(V, D)`, the LSTM's `(Wx, Wh, b)` (`(D, 4H)`, `(H, 4H)`, `(4H,)`),
    /// `affine.W` `(H, V)` and `affine.b` `(V,)`.
    ///
    /// ```
    /// use ndarray::{Array1, Array2};
    /// use nn_core::Parameters;
    /// use nn_models::rnnlm::Rnnlm;
    /// let (v, d, h) = (10, 3, 2);
    /// let lstm = (Array2::zeros((d, 4 * h)), Array2::zeros((h, 4 * h)), Array1::zeros(4 * h));
    /// let mut model = Rnnlm::<f64>::from_weights(Array2::zeros((v, d)), lstm, Array2::zeros((h, v)), Array1::zeros(v))?;
    /// assert_eq!(model.num_scalars(), 30 + 24 + 16 + 8 + 20 + 10);
    /// let bad = (Array2::zeros((d + 1, 4 * h)), Array2::zeros((h, 4 * h)), Array1::zeros(4 * h));
    /// let e = Rnnlm::<f64>::from_weights(Array2::zeros((v, d)), bad, Array2::zeros((h, v)), Array1::zeros(v));
    /// assert_eq!(
    ///     e.unwrap_err().to_string(),
    ///     "Rnnlm.from_weights: embed.W has 3 columns but lstm.Wx has 4 rows: both are D (embed.W: [10, 3], lstm.Wx: [4, 8])"
    /// );
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// Arrays of shapes that don't fit, named.
    pub fn from_weights(
        embed_w: Array2<F>,
        lstm: CellWeights<F>,
        affine_w: Array2<F>,
        affine_b: Array1<F>,
    ) -> Result<Self> {
        let stack = Stack::from_weights(
            "Rnnlm.from_weights",
            "lstm",
            embed_w,
            lstm,
            (affine_w, affine_b),
            |wx, wh, b| TimeLstm::from_weights(wx, wh, b, true),
        )?;
        Ok(Self {
            stack,
            loss: TimeSoftmaxWithLoss::new(),
            pass: ForwardState::NotRun,
        })
    }

    /// The embedding layer (`embed.W`).
    pub fn embed(&self) -> &TimeEmbedding<F> {
        &self.stack.embed
    }

    /// The output layer (`affine.W`, `affine.b`).
    pub fn affine(&self) -> &TimeAffine<F> {
        &self.stack.affine
    }

    /// The loss layer: after a forward, the probability of every word at
    /// every step ([`probabilities`](TimeSoftmaxWithLoss::probabilities)).
    pub fn loss_layer(&self) -> &TimeSoftmaxWithLoss<F> {
        &self.loss
    }

    /// The LSTM layer (its weights, gates and carried state: the book's
    /// `get_state`).
    pub fn lstm(&self) -> &TimeLstm<F> {
        &self.stack.rnn
    }

    /// The LSTM layer, mutably (to set its state: the book's `set_state`).
    pub fn lstm_mut(&mut self) -> &mut TimeLstm<F> {
        &mut self.stack.rnn
    }
}

impl<F: Float> NamedModel<F> for Rnnlm<F> {
    fn name(&self) -> &'static str {
        "Rnnlm"
    }

    fn legacy_param_names(&self) -> &'static [&'static str] {
        &[
            "embed_W", "lstm_Wx", "lstm_Wh", "lstm_b", "affine_W", "affine_b",
        ]
    }
}

impl<F: Float> LanguageModel<F> for Rnnlm<F> {
    fn vocab_size(&self) -> usize {
        self.stack.vocab_size()
    }

    fn predict(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, F>> {
        self.stack.predict("Rnnlm.predict", xs)
    }

    fn forward(&mut self, xs: ArrayView2<'_, usize>, ts: ArrayView2<'_, isize>) -> Result<F> {
        const OP: &str = "Rnnlm.forward";
        let scores = self.stack.predict(OP, xs);
        forward_loss(OP, &mut self.loss, &mut self.pass, scores, ts)
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "Rnnlm.backward";
        let dscores = backward_loss(OP, &mut self.loss, self.pass, dout)?;
        self.stack.backward(OP, dscores)
    }

    fn reset_state(&mut self) {
        self.stack.rnn.reset_state();
    }

    fn carried_state(&self) -> Vec<Array2<F>> {
        lstm_state(&self.stack.rnn)
    }

    fn set_carried_state(&mut self, state: &[Array2<F>]) -> Result<()> {
        check_state_count("Rnnlm.set_carried_state", state, 2)?;
        set_lstm_state(&mut self.stack.rnn, state)
    }
}

/// `[h, c]` of a time LSTM, or nothing.
pub(super) fn lstm_state<F: Float>(lstm: &TimeLstm<F>) -> Vec<Array2<F>> {
    lstm.state()
        .map(|(h, c)| vec![h.to_owned(), c.to_owned()])
        .unwrap_or_default()
}

/// Restores `[h, c]` (or resets on an empty slice).
pub(super) fn set_lstm_state<F: Float>(lstm: &mut TimeLstm<F>, state: &[Array2<F>]) -> Result<()> {
    match state {
        [h, c] => lstm.set_state(h.view(), Some(c.view())),
        _ => {
            lstm.reset_state();
            Ok(())
        }
    }
}

impl<F: Float> Parameters<F> for Rnnlm<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.stack.visit_params(f)
    }
}
