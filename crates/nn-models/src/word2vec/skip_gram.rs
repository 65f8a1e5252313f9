//! `SkipGram` with negative sampling (`ch04/skip_gram.py`).

use ndarray::{Array2, ArrayView2};
use nn_core::{
    Embedding, Error, Float, ForwardState, Param, Parameters, Randn, Result, Shared, SharedRef,
};
use nn_train::Model;

use super::{NegativeSamplingLoss, book_weight, check_batch, shared_pair, sum_into};

/// The book's `SkipGram(vocab_size, hidden_size, window_size, corpus)`: the
/// target word's row of `W_in` scored against each of the `2·window` context
/// words by its own [`NegativeSamplingLoss`] (each with its own sampler),
/// all on the one shared `W_out`; the losses add. Parameters `W_in`, `W_out`.
#[derive(Debug)]
pub struct SkipGram<F: Float> {
    w_in: Shared<F>,
    w_out: Shared<F>,
    in_layer: Embedding<F>,
    loss_layers: Vec<NegativeSamplingLoss<F>>,
    dh: Array2<F>,
    pass: ForwardState,
}

impl<F: Float> SkipGram<F> {
    /// The model with the book's initial weights drawn from `rng`; context
    /// position `i`'s sampler is seeded by `seed + i`.
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
    /// negative samples per context word drawn from the counts of `corpus`
    /// raised to `power`; context position `i`'s sampler is seeded by
    /// `seed + i`.
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
        let (w_in, w_out) = shared_pair("SkipGram.from_weights", w_in, w_out, window_size)?;
        let loss_layers = (0..2 * window_size as u64)
            .map(|i| {
                NegativeSamplingLoss::new(&w_out, corpus, power, sample_size, seed.wrapping_add(i))
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            in_layer: Embedding::shared(&w_in),
            w_in,
            w_out,
            loss_layers,
            dh: Array2::zeros((0, 0)),
            pass: ForwardState::NotRun,
        })
    }

    /// The word vectors: `W_in`.
    pub fn word_vecs(&self) -> SharedRef<'_, F> {
        self.w_in.value()
    }

    /// The input layer, on `W_in`: the target words' rows.
    pub fn in_layer(&self) -> &Embedding<F> {
        &self.in_layer
    }

    /// The loss layers, one per context position (their samplers, their
    /// last negative samples, scores and losses).
    pub fn loss_layers(&self) -> &[NegativeSamplingLoss<F>] {
        &self.loss_layers
    }

    /// One forward pass with the given negative samples, one
    /// `(batch, sample_size)` array per context position, instead of drawn
    /// ones: to reproduce a step of the book's code exactly.
    ///
    /// # Errors
    /// As [`Model::forward`], or samples of the wrong number or shape.
    pub fn forward_with_samples(
        &mut self,
        contexts: ArrayView2<'_, usize>,
        target: &[usize],
        negative: &[ArrayView2<'_, usize>],
    ) -> Result<F> {
        if negative.len() != self.loss_layers.len() {
            return Err(Error::shape(
                "SkipGram.forward",
                format!(
                    "one array of negative samples per context position: {} needed, {} given",
                    self.loss_layers.len(),
                    negative.len()
                ),
            ));
        }
        self.run(contexts, target, Some(negative))
    }

    fn run(
        &mut self,
        contexts: ArrayView2<'_, usize>,
        target: &[usize],
        negative: Option<&[ArrayView2<'_, usize>]>,
    ) -> Result<F> {
        let loss = self.run_layers(contexts, target, negative);
        self.pass = ForwardState::of(&loss);
        loss
    }

    fn run_layers(
        &mut self,
        contexts: ArrayView2<'_, usize>,
        target: &[usize],
        negative: Option<&[ArrayView2<'_, usize>]>,
    ) -> Result<F> {
        const OP: &str = "SkipGram.forward";
        let vocab = self.w_in.dim().0;
        check_batch(OP, &contexts, target, self.loss_layers.len(), vocab)?;
        let h = self
            .in_layer
            .forward(target)
            .map_err(|e| e.within(OP, "in_layer"))?;
        let mut loss = F::zero();
        for (i, layer) in self.loss_layers.iter_mut().enumerate() {
            let term = match negative {
                Some(n) => layer.forward_with_samples(h, contexts.column(i), n[i]),
                None => layer.forward(h, contexts.column(i)),
            };
            loss += term.map_err(|e| e.within(OP, format!("loss_layers[{i}]")))?;
        }
        Ok(loss)
    }
}

impl<F: Float> Parameters<F> for SkipGram<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w_in.visit(f)?;
        self.w_out.visit(f)
    }
}

impl<F: Float> Model<F> for SkipGram<F> {
    type Input = usize;
    type Label = usize;

    fn forward(&mut self, contexts: ArrayView2<'_, usize>, target: &[usize]) -> Result<F> {
        self.run(contexts, target, None)
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "SkipGram.backward";
        self.pass.check(OP)?;
        for (i, layer) in self.loss_layers.iter_mut().enumerate() {
            let dh = layer
                .backward(dout)
                .map_err(|e| e.within(OP, format!("loss_layers[{i}]")))?;
            sum_into(&mut self.dh, i == 0, &dh);
        }
        self.in_layer
            .backward(self.dh.view())
            .map_err(|e| e.within(OP, "in_layer"))
    }
}
