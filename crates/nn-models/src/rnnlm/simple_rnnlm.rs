//! `SimpleRnnlm` (`ch05/simple_rnnlm.py`).

use ndarray::{Array1, Array2, ArrayView2, ArrayView3};
use nn_core::time::{
    CellWeights, TimeAffine, TimeEmbedding, TimeLayer, TimeRnn, TimeSoftmaxWithLoss,
};
use nn_core::{Float, ForwardState, Param, Parameters, Randn, Result};

use super::stack::Stack;
use super::{
    LanguageModel, NamedModel, backward_loss, check_state_count, forward_loss, scaled_randn,
};
use crate::shapes::check_sizes;

/// The book's `SimpleRnnlm(vocab_size, wordvec_size, hidden_size)`:
/// `TimeEmbedding` → stateful `TimeRNN` → `TimeAffine` →
/// `TimeSoftmaxWithLoss`, on batches of word ids `(N, T)` with the next
/// word as target. Parameters in the book's order: `embed.W`, `rnn.Wx`,
/// `rnn.Wh`, `rnn.b`, `affine.W`, `affine.b`.
///
/// ```
/// use nn_models::rnnlm::{LanguageModel, SimpleRnnlm};
/// use nn_train::NumpyRandom;
/// use ndarray::array;
/// let mut model = SimpleRnnlm::<f32>::new(10, 8, 8, &mut NumpyRandom::new(0))?;
/// let loss = model.forward(array![[1, 2, 3]].view(), array![[2, 3, 4]].view())?;
/// assert!((loss - 10f32.ln()).abs() < 0.5); // near-uniform at first
/// model.backward()?;
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SimpleRnnlm<F: Float> {
    stack: Stack<F, TimeRnn<F>>,
    loss: TimeSoftmaxWithLoss<F>,
    pass: ForwardState,
}

impl<F: Float> SimpleRnnlm<F> {
    /// The model with the book's initial weights drawn from `rng` in the
    /// book's order: `embed_W = randn(V, D) / 100`, `rnn_Wx = randn(D, H) /
    /// √D`, `rnn_Wh = randn(H, H) / √H`, `affine_W = randn(H, V) / √H`,
    /// biases zero.
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
        check_sizes("SimpleRnnlm.new", v, d, h)?;
        let embed_w = scaled_randn(v, d, 100.0, rng);
        let rnn_wx = scaled_randn(d, h, (d as f64).sqrt(), rng);
        let rnn_wh = scaled_randn(h, h, (h as f64).sqrt(), rng);
        let affine_w = scaled_randn(h, v, (h as f64).sqrt(), rng);
        let rnn = (rnn_wx, rnn_wh, Array1::zeros(h));
        Self::from_weights(embed_w, rnn, affine_w, Array1::zeros(v))
    }

    /// The model with the given weights, in the book's order: `embed.W`
    /// `(V, D)`, the RNN's `(Wx, Wh, b)` (`(D, H)`, `(H, H)`, `(H,)`),
    /// `affine.W` `(H, V)` and `affine.b` `(V,)`.
    ///
    /// # Errors
    /// Arrays of shapes that don't fit, named.
    pub fn from_weights(
        embed_w: Array2<F>,
        rnn: CellWeights<F>,
        affine_w: Array2<F>,
        affine_b: Array1<F>,
    ) -> Result<Self> {
        let stack = Stack::from_weights(
            "SimpleRnnlm.from_weights",
            "rnn",
            embed_w,
            rnn,
            (affine_w, affine_b),
            |wx, wh, b| TimeRnn::from_weights(wx, wh, b, true),
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

    /// The RNN layer (its weights, every step's output, its carried state).
    pub fn rnn(&self) -> &TimeRnn<F> {
        &self.stack.rnn
    }

    /// The RNN layer, mutably (to set its state: the book's `set_state`).
    pub fn rnn_mut(&mut self) -> &mut TimeRnn<F> {
        &mut self.stack.rnn
    }

    /// The output layer (`affine.W`, `affine.b`).
    pub fn affine(&self) -> &TimeAffine<F> {
        &self.stack.affine
    }

    /// The loss layer, with the last forward's probabilities.
    pub fn loss_layer(&self) -> &TimeSoftmaxWithLoss<F> {
        &self.loss
    }

    /// The word vectors: `embed.W`, copied.
    pub fn embed_w(&self) -> Array2<F> {
        self.stack.embed.w().to_owned()
    }
}

impl<F: Float> NamedModel<F> for SimpleRnnlm<F> {
    fn name(&self) -> &'static str {
        "SimpleRnnlm"
    }

    fn legacy_param_names(&self) -> &'static [&'static str] {
        &[
            "embed_W", "rnn_Wx", "rnn_Wh", "rnn_b", "affine_W", "affine_b",
        ]
    }
}

impl<F: Float> LanguageModel<F> for SimpleRnnlm<F> {
    fn vocab_size(&self) -> usize {
        self.stack.vocab_size()
    }

    fn predict(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, F>> {
        self.stack.predict("SimpleRnnlm.predict", xs)
    }

    fn forward(&mut self, xs: ArrayView2<'_, usize>, ts: ArrayView2<'_, isize>) -> Result<F> {
        const OP: &str = "SimpleRnnlm.forward";
        let scores = self.stack.predict(OP, xs);
        forward_loss(OP, &mut self.loss, &mut self.pass, scores, ts)
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "SimpleRnnlm.backward";
        let dscores = backward_loss(OP, &mut self.loss, self.pass, dout)?;
        self.stack.backward(OP, dscores)
    }

    fn reset_state(&mut self) {
        self.stack.rnn.reset_state();
    }

    fn carried_state(&self) -> Vec<Array2<F>> {
        self.stack
            .rnn
            .state()
            .map(|h| h.to_owned())
            .into_iter()
            .collect()
    }

    fn set_carried_state(&mut self, state: &[Array2<F>]) -> Result<()> {
        check_state_count("SimpleRnnlm.set_carried_state", state, 1)?;
        match state {
            [h] => self.stack.rnn.set_state(h.view()),
            _ => {
                self.stack.rnn.reset_state();
                Ok(())
            }
        }
    }
}

impl<F: Float> Parameters<F> for SimpleRnnlm<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.stack.visit_params(f)
    }
}
