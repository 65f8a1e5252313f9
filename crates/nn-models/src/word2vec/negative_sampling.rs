//! `NegativeSamplingLoss` (`ch04/negative_sampling_layer.py`).

use ndarray::{Array2, ArrayView1, ArrayView2};
use nn_core::{EmbeddingDot, Error, Float, Result, Shared, SigmoidWithLoss};

use nn_text::UnigramSampler;

/// The book's `NegativeSamplingLoss(W, corpus, power=0.75, sample_size=5)`:
/// the binary loss of each row's target word (label 1) plus that of
/// `sample_size` negative words drawn by a [`UnigramSampler`] (label 0), all
/// scored by [`EmbeddingDot`] layers on the one shared output weight `W`.
#[derive(Debug, Clone)]
pub struct NegativeSamplingLoss<F: Float> {
    sampler: UnigramSampler,
    /// Layer 0 scores the targets, layer `1 + i` the `i`-th negative samples.
    embed_dots: Vec<EmbeddingDot<F>>,
    losses: Vec<SigmoidWithLoss<F>>,
    negative: Array2<usize>,
    dh: Array2<F>,
}

impl<F: Float> NegativeSamplingLoss<F> {
    /// The loss on the shared output weight `w` (`(vocabulary, hidden)`),
    /// sampling from the word counts of `corpus` with its own stream `seed`.
    ///
    /// # Errors
    /// As [`UnigramSampler::new`], or a corpus with ids outside `w`'s rows.
    pub fn new(
        w: &Shared<F>,
        corpus: &[usize],
        power: f64,
        sample_size: usize,
        seed: u64,
    ) -> Result<Self> {
        let sampler = UnigramSampler::new(corpus, power, sample_size, seed)?;
        let vocab = w.dim().0;
        if sampler.word_p().len() > vocab {
            return Err(Error::invalid(
                "NegativeSamplingLoss.new",
                format!(
                    "the corpus has word id {} but W has {vocab} rows",
                    sampler.word_p().len() - 1
                ),
            ));
        }
        Ok(Self {
            sampler,
            embed_dots: (0..=sample_size).map(|_| EmbeddingDot::shared(w)).collect(),
            losses: (0..=sample_size).map(|_| SigmoidWithLoss::new()).collect(),
            negative: Array2::zeros((0, sample_size)),
            dh: Array2::zeros((0, 0)),
        })
    }

    /// The sampler.
    pub fn sampler(&self) -> &UnigramSampler {
        &self.sampler
    }

    /// The score layers: `[0]` scores the targets, `[1 + i]` the `i`-th
    /// negative samples (their last scores are the sigmoid layers' inputs).
    pub fn embed_dots(&self) -> &[EmbeddingDot<F>] {
        &self.embed_dots
    }

    /// The loss layers, one per score layer: their sigmoid outputs
    /// ([`y`](SigmoidWithLoss::y)) and losses of the last forward.
    pub fn sigmoid_layers(&self) -> &[SigmoidWithLoss<F>] {
        &self.losses
    }

    /// The loss of each layer in the last forward, the targets' first: the
    /// terms of its sum (NaN before a forward).
    pub fn losses(&self) -> impl Iterator<Item = F> + '_ {
        self.losses.iter().map(SigmoidWithLoss::loss)
    }

    /// The negative samples of the last forward, `(batch, sample_size)`.
    pub fn negative_sample(&self) -> ArrayView2<'_, usize> {
        self.negative.view()
    }

    /// The summed loss of the targets and of freshly drawn negative samples
    /// for the hidden rows `h`.
    ///
    /// # Errors
    /// `h` and `target` of different lengths, or ids outside the vocabulary.
    pub fn forward(&mut self, h: ArrayView2<'_, F>, target: ArrayView1<'_, usize>) -> Result<F> {
        let k = self.sampler.sample_size();
        if self.negative.nrows() != target.len() {
            self.negative = Array2::zeros((target.len(), k));
        }
        self.sampler
            .negative_sample_into(target, self.negative.view_mut())?;
        self.score(h, target)
    }

    /// As [`forward`](Self::forward) with the given negative samples
    /// (`(batch, sample_size)`) instead of drawn ones: to reproduce a step
    /// of the book's code exactly.
    ///
    /// # Errors
    /// As `forward`, or `negative` of the wrong shape.
    pub fn forward_with_samples(
        &mut self,
        h: ArrayView2<'_, F>,
        target: ArrayView1<'_, usize>,
        negative: ArrayView2<'_, usize>,
    ) -> Result<F> {
        let k = self.sampler.sample_size();
        if negative.dim() != (target.len(), k) {
            return Err(Error::shape(
                "NegativeSamplingLoss.forward",
                format!(
                    "negative samples must be (batch, sample_size) = ({}, {k}), got {:?}",
                    target.len(),
                    negative.shape()
                ),
            ));
        }
        let vocab = self.embed_dots[0].w().nrows();
        if let Some(((n, k), &id)) = negative.indexed_iter().find(|&(_, &id)| id >= vocab) {
            return Err(Error::invalid(
                "NegativeSamplingLoss.forward",
                format!(
                    "negative sample [{n}, {k}] = {id} is outside the vocabulary of {vocab} words"
                ),
            ));
        }
        self.negative = negative.to_owned();
        self.score(h, target)
    }

    fn score(&mut self, h: ArrayView2<'_, F>, target: ArrayView1<'_, usize>) -> Result<F> {
        let mut loss = {
            let score = self.embed_dots[0].forward(h, target)?;
            self.losses[0].forward_all(score, 1)?
        };
        for i in 0..self.negative.ncols() {
            let score = self.embed_dots[1 + i].forward(h, self.negative.column(i))?;
            loss += self.losses[1 + i].forward_all(score, 0)?;
        }
        Ok(loss)
    }

    /// ∂(dout·loss)/∂h, adding every score's gradient to the shared `dW`.
    ///
    /// # Errors
    /// Called before forward.
    pub fn backward(&mut self, dout: F) -> Result<ArrayView2<'_, F>> {
        for (i, (loss, dot)) in self.losses.iter_mut().zip(&mut self.embed_dots).enumerate() {
            let dscore = loss.backward(dout)?;
            let dh = dot.backward(dscore)?;
            super::sum_into(&mut self.dh, i == 0, &dh);
        }
        Ok(self.dh.view())
    }
}
