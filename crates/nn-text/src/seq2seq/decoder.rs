//! `Decoder` (`ch07/seq2seq.py`): the answer from the encoder's state.

use ndarray::{Array1, Array2, ArrayView2, ArrayView3};
use nn_core::time::{TimeAffine, TimeEmbedding, TimeLayer, TimeLstm};
use nn_core::{Error, Float, Param, Parameters, Randn, Result};

use super::encoder::check_sizes;
use crate::rnnlm::scaled_randn;

/// What a [`Seq2seq`](super::Seq2seq) needs of its decoder: the book's
/// [`Decoder`] and [`PeekyDecoder`](super::PeekyDecoder).
pub trait Seq2seqDecoder<F: Float>: Parameters<F> + Send {
    /// The book's name of the whole model (`"Seq2seq"`, `"PeekySeq2seq"`).
    const MODEL: &'static str;

    /// The book's initial weights from `rng`, in its order.
    ///
    /// # Errors
    /// A zero size.
    fn new(
        vocab_size: usize,
        wordvec_size: usize,
        hidden_size: usize,
        rng: &mut dyn Randn,
    ) -> Result<Self>
    where
        Self: Sized;

    /// The scores `(N, T, V)` of the next character after each of `xs`
    /// `(N, T)`, starting from the encoder's state `h` `(N, H)`.
    ///
    /// # Errors
    /// Ids outside the vocabulary, or `h` of another shape.
    fn forward(
        &mut self,
        xs: ArrayView2<'_, usize>,
        h: ArrayView2<'_, F>,
    ) -> Result<ArrayView3<'_, F>>;

    /// Fills the gradients from ∂L/∂scores and returns ∂L/∂h.
    ///
    /// # Errors
    /// Called before forward, or `dscore` of another shape.
    fn backward(&mut self, dscore: ArrayView3<'_, F>) -> Result<ArrayView2<'_, F>>;

    /// Greedy decoding from `h` `(N, H)`: `sample_size` characters per row,
    /// each the highest-scoring one after the previous, the first after
    /// `start_ids[n]` (the book's `generate`, for a batch of rows).
    ///
    /// # Errors
    /// A start id outside the vocabulary, or `h` of another shape.
    fn generate(
        &mut self,
        h: ArrayView2<'_, F>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>>;
}

/// The book's `Decoder(vocab_size, wordvec_size, hidden_size)`:
/// `TimeEmbedding` → stateful `TimeLSTM` (its state set to the encoder's
/// `h` before each batch, `c` from zeros) → `TimeAffine`. Parameters in
/// the book's order: `embed_W`, `lstm_Wx`, `lstm_Wh`, `lstm_b`, `affine_W`,
/// `affine_b`.
#[derive(Debug, Clone)]
pub struct Decoder<F: Float> {
    embed: TimeEmbedding<F>,
    lstm: TimeLstm<F>,
    affine: TimeAffine<F>,
}

impl<F: Float> Seq2seqDecoder<F> for Decoder<F> {
    const MODEL: &'static str = "Seq2seq";

    /// `embed_W = randn(V, D) / 100`, `lstm_Wx = randn(D, 4H) / √D`,
    /// `lstm_Wh = randn(H, 4H) / √H`, `affine_W = randn(H, V) / √H`,
    /// biases zero.
    fn new(v: usize, d: usize, h: usize, rng: &mut dyn Randn) -> Result<Self> {
        check_sizes("Decoder.new", v, d, h)?;
        let embed_w = scaled_randn(v, d, 100.0, rng);
        let wx = scaled_randn(d, 4 * h, (d as f64).sqrt(), rng);
        let wh = scaled_randn(h, 4 * h, (h as f64).sqrt(), rng);
        let affine_w = scaled_randn(h, v, (h as f64).sqrt(), rng);
        Ok(Self {
            embed: TimeEmbedding::new(embed_w)?,
            lstm: TimeLstm::new(wx, wh, Array1::zeros(4 * h), true)?,
            affine: TimeAffine::new(affine_w, Array1::zeros(v))?,
        })
    }

    fn forward(
        &mut self,
        xs: ArrayView2<'_, usize>,
        h: ArrayView2<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        self.lstm.set_state(h, None)?;
        let out = self.embed.forward(xs)?;
        let out = self.lstm.forward(out)?;
        self.affine.forward(out)
    }

    fn backward(&mut self, dscore: ArrayView3<'_, F>) -> Result<ArrayView2<'_, F>> {
        let dout = self.affine.backward(dscore)?;
        let dout = self.lstm.backward(dout)?;
        self.embed.backward(dout)?;
        Ok(self.lstm.dh())
    }

    fn generate(
        &mut self,
        h: ArrayView2<'_, F>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>> {
        let mut ids = start_column("Decoder.generate", h, start_ids)?;
        let mut sampled = Array2::zeros((h.nrows(), sample_size));
        self.lstm.set_state(h, None)?;
        for step in 0..sample_size {
            let out = self.embed.forward(ids.view())?;
            let out = self.lstm.forward(out)?;
            let score = self.affine.forward(out)?;
            argmax_into("Decoder.generate", score, &mut ids, &mut sampled, step)?;
        }
        Ok(sampled)
    }
}

impl<F: Float> Parameters<F> for Decoder<F> {
    /// `embed_W`, `lstm_Wx`, `lstm_Wh`, `lstm_b`, `affine_W`, `affine_b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.embed.visit_params(f)?;
        self.lstm.visit_params(f)?;
        self.affine.visit_params(f)
    }
}

/// The first inputs of a generation, `(N, 1)`: one start id per row of `h`.
pub(super) fn start_column<F>(
    op: &'static str,
    h: ArrayView2<'_, F>,
    start_ids: &[usize],
) -> Result<Array2<usize>> {
    if start_ids.len() != h.nrows() {
        return Err(Error::shape(
            op,
            format!(
                "one start id per row of h: {} ids for h {:?}",
                start_ids.len(),
                h.shape()
            ),
        ));
    }
    Ok(Array2::from_shape_fn((h.nrows(), 1), |(n, _)| start_ids[n]))
}

/// Writes each row's best class (the first of equal maxima, as
/// `np.argmax`) of `score` `(N, 1, V)` into `ids` `(N, 1)` and column
/// `step` of `sampled`.
pub(super) fn argmax_into<F: Float>(
    op: &'static str,
    score: ArrayView3<'_, F>,
    ids: &mut Array2<usize>,
    sampled: &mut Array2<usize>,
    step: usize,
) -> Result<()> {
    for (n, row) in score.outer_iter().enumerate() {
        let row = row.row(0);
        let mut best = 0;
        for (i, &v) in row.iter().enumerate() {
            if !v.is_finite() {
                return Err(Error::NonFinite {
                    op,
                    what: format!("the score of class {i} for row {n} at step {step}"),
                    value: v.as_f64(),
                });
            }
            if v > row[best] {
                best = i;
            }
        }
        ids[[n, 0]] = best;
        sampled[[n, step]] = best;
    }
    Ok(())
}
