//! `CBOW` with negative sampling (`ch04/cbow.py`).

use ndarray::{Array2, ArrayView2};
use nn_core::{
    Embedding, Float, ForwardState, Param, Parameters, Randn, Result, Shared, SharedRef,
};
use nn_train::Model;

use super::{NegativeSamplingLoss, book_weight, check_batch, shared_pair, sum_into};

/// The book's `CBOW(vocab_size, hidden_size, window_size, corpus)`: the mean
/// of the `2·window` context words' rows of `W_in` (one [`Embedding`] per
/// context position, all on the one shared `W_in`), scored against the
/// target and 5 negative samples by a [`NegativeSamplingLoss`] on `W_out`.
///
/// Parameters, as `remove_duplicate` leaves them: `W_in` `(V, H)`, then
/// `W_out` `(V, H)`; each has one gradient buffer whatever the window.
///
/// ```
/// use nn_models::word2vec::Cbow;
/// use nn_text::{create_contexts_target, preprocess};
/// use nn_train::{Model, NumpyRandom};
/// let corpus = preprocess("you say goodbye and i say hello and you say hi .")?;
/// let (contexts, target) = create_contexts_target(&corpus.ids, 2)?;
/// let mut model = Cbow::<f32>::new(corpus.vocab.len(), 4, 2, &corpus.ids, &mut NumpyRandom::new(0), 1)?;
/// let loss = model.forward(contexts.view(), &target)?;
/// assert!((loss - 6.0 * 2f32.ln()).abs() < 0.01); // 6 scores near 0 at first
/// model.backward()?;
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Cbow<F: Float> {
    w_in: Shared<F>,
    w_out: Shared<F>,
    in_layers: Vec<Embedding<F>>,
    ns_loss: NegativeSamplingLoss<F>,
    h: Array2<F>,
    dh: Array2<F>,
    pass: ForwardState,
}

impl<F: Float> Cbow<F> {
    /// The model with the book's initial weights drawn from `rng` (`W_in`,
    /// then `W_out`, each `0.01 · randn(V, H).astype('f')`) and a sampler of
    /// the counts of `corpus` (the book's power 0.75 and 5 samples) seeded
    /// by `seed`.
    ///
    /// # Errors
    /// A zero size or window, or a corpus the sampler refuses.
    pub fn new(
        vocab_size: usize,
        hidden_size: usize,
        window_size: usize,
        corpus: &[usize],
        rng: &mut dyn Randn,
        seed: u64,
    ) -> Result<Self> {
        let w_in = book_weight(vocab_size, hidden_size, rng);
        let w_out = book_weight(vocab_size, hidden_size, rng);
        Self::from_weights(w_in, w_out, window_size, corpus, 0.75, 5, seed)
    }

    /// The model with the given weights, both `(V, H)`, and `sample_size`
    /// negative samples per target drawn from the counts of `corpus` raised
    /// to `power` (the book's `NegativeSamplingLoss(W_out, corpus, power,
    /// sample_size)`).
    ///
    /// # Errors
    /// Weights of different shapes or empty, a window of 0, or a corpus the
    /// sampler refuses.
    pub fn from_weights(
        w_in: Array2<F>,
        w_out: Array2<F>,
        window_size: usize,
        corpus: &[usize],
        power: f64,
        sample_size: usize,
        seed: u64,
    ) -> Result<Self> {
        let (w_in, w_out) = shared_pair("CBOW.from_weights", w_in, w_out, window_size)?;
        Ok(Self {
            in_layers: (0..2 * window_size)
                .map(|_| Embedding::shared(&w_in))
                .collect(),
            ns_loss: NegativeSamplingLoss::new(&w_out, corpus, power, sample_size, seed)?,
            w_in,
            w_out,
            h: Array2::zeros((0, 0)),
            dh: Array2::zeros((0, 0)),
            pass: ForwardState::NotRun,
        })
    }

    /// The word vectors: `W_in` (the book's `word_vecs`).
    pub fn word_vecs(&self) -> SharedRef<'_, F> {
        self.w_in.value()
    }

    /// The loss layer (its sampler, the last negative samples, scores and
    /// losses).
    pub fn ns_loss(&self) -> &NegativeSamplingLoss<F> {
        &self.ns_loss
    }

    /// The input layers, one per context position, all on `W_in`.
    pub fn in_layers(&self) -> &[Embedding<F>] {
        &self.in_layers
    }

    /// `h`, the mean of the context rows of the last forward, `(N, H)`.
    pub fn hidden(&self) -> ArrayView2<'_, F> {
        self.h.view()
    }

    /// `h` = the mean of the context rows (the book's `h *= 1 / len(...)`).
    fn mean_of_contexts(
        &mut self,
        op: &'static str,
        contexts: ArrayView2<'_, usize>,
        target: &[usize],
    ) -> Result<()> {
        let vocab = self.w_in.dim().0;
        check_batch(op, &contexts, target, self.in_layers.len(), vocab)?;
        for (i, layer) in self.in_layers.iter_mut().enumerate() {
            let rows = layer
                .forward(contexts.column(i))
                .map_err(|e| e.within(op, format!("in_layers[{i}]")))?;
            sum_into(&mut self.h, i == 0, &rows);
        }
        self.h *= F::from_f64(1.0 / self.in_layers.len() as f64);
        Ok(())
    }

    /// One forward pass with the given negative samples
    /// (`(batch, sample_size)`) instead of drawn ones, to reproduce a step
    /// of the book's code exactly.
    ///
    /// # Errors
    /// As [`Model::forward`], or samples of the wrong shape.
    pub fn forward_with_samples(
        &mut self,
        contexts: ArrayView2<'_, usize>,
        target: &[usize],
        negative: ArrayView2<'_, usize>,
    ) -> Result<F> {
        const OP: &str = "CBOW.forward_with_samples";
        let loss = self.mean_of_contexts(OP, contexts, target).and_then(|()| {
            self.ns_loss
                .forward_with_samples(self.h.view(), target.into(), negative)
                .map_err(|e| e.within(OP, "ns_loss"))
        });
        self.pass = ForwardState::of(&loss);
        loss
    }
}

impl<F: Float> Parameters<F> for Cbow<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w_in.visit(f)?;
        self.w_out.visit(f)
    }
}

impl<F: Float> Model<F> for Cbow<F> {
    type Input = usize;
    type Label = usize;

    fn forward(&mut self, contexts: ArrayView2<'_, usize>, target: &[usize]) -> Result<F> {
        const OP: &str = "CBOW.forward";
        let loss = self.mean_of_contexts(OP, contexts, target).and_then(|()| {
            self.ns_loss
                .forward(self.h.view(), target.into())
                .map_err(|e| e.within(OP, "ns_loss"))
        });
        self.pass = ForwardState::of(&loss);
        loss
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "CBOW.backward";
        self.pass.check(OP)?;
        let dh = self
            .ns_loss
            .backward(dout)
            .map_err(|e| e.within(OP, "ns_loss"))?;
        if self.dh.dim() != dh.dim() {
            self.dh = Array2::zeros(dh.dim());
        }
        self.dh.assign(&dh);
        self.dh *= F::from_f64(1.0 / self.in_layers.len() as f64);
        for (i, layer) in self.in_layers.iter_mut().enumerate() {
            layer
                .backward(self.dh.view())
                .map_err(|e| e.within(OP, format!("in_layers[{i}]")))?;
        }
        Ok(())
    }
}
