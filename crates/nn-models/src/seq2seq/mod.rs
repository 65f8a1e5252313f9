//! Chapters 7 and 8: sequence to sequence. An encoder reads a question of
//! characters, a decoder writes the answer, one character after another;
//! the book's addition (`16+75  _91  `) and date (`september 27, 1994 …
//! _1994-09-27`) problems ([`nn_text::sequence`]) are its data.
//!
//! - [`Seq2seq`] (`ch07/seq2seq.py`): [`Encoder`] → last state → [`Decoder`].
//! - [`PeekySeq2seq`] (`ch07/peeky_seq2seq.py`): the [`PeekyDecoder`] sees
//!   the encoder's state at every step.
//! - [`AttentionSeq2seq`] (`ch08/attention_seq2seq.py`): the
//!   [`AttentionDecoder`] looks back at every encoder state through
//!   `nn_core::attention::TimeAttention`.
//! - [`eval_seq2seq`] (`common/util.py`): greedy answers and the book's
//!   printout, for a whole test set at once.
//!
//! All three train with `nn_train::Trainer::fit_rows` (the book's `Trainer`)
//! and draw their initial weights as the book does, so that after the data
//! set's shuffle from the same numpy generator they equal the book's bit for
//! bit.
//!
//! ```
//! use nn_text::sequence::SequenceSet;
//! use nn_models::seq2seq::{eval_seq2seq, PeekySeq2seq, Seq2seqModel};
//! use nn_optim::OptimizerKind;
//! use nn_train::{FitConfig, NumpyRandom, RecordStyle, Silent, Trainer};
//!
//! // The book's load_data: np.random.seed(1984), then the shuffle; the
//! // weights, then the Trainer's permutations, come from the same generator.
//! let mut rng = NumpyRandom::new(1984);
//! let data = SequenceSet::Addition.load_with(&mut rng)?;
//! let model = PeekySeq2seq::<f32>::new(data.vocab.len(), 16, 32, &mut rng)?;
//! let mut trainer = Trainer::new(model, OptimizerKind::Adam.build(None)?);
//! let rows = ndarray::s![..1024, ..];
//! let config = FitConfig { max_epoch: 1, batch_size: 128, max_grad: Some(5.0), style: RecordStyle::Trainer, ..FitConfig::default() };
//! trainer.fit_rows(data.x_train.slice(rows), data.t_train.slice(rows), &config, &mut rng, &mut Silent)?;
//! let result = eval_seq2seq(trainer.model(), data.x_test.slice(rows), data.t_test.slice(rows), &data.vocab, false, 3)?;
//! assert_eq!(result.samples.len(), 3);
//! println!("{}", result.samples[0].book_lines(false));
//! # Ok::<(), nn_core::Error>(())
//! ```

mod attention_seq2seq;
mod decoder;
mod encoder;
mod eval;
mod peeky_decoder;
#[allow(clippy::module_inception)]
mod seq2seq;

pub use attention_seq2seq::{AttentionDecoder, AttentionEncoder, AttentionSeq2seq};
pub use decoder::{Decoder, DecoderLayers, Seq2seqDecoder};
pub use encoder::Encoder;
pub use eval::{EVAL_BATCH, Sample, Seq2seqEval, eval_seq2seq, eval_seq2seq_one_at_a_time};
pub use peeky_decoder::PeekyDecoder;
pub use seq2seq::{PeekySeq2seq, Seq2seq};

use ndarray::{Array1, Array2, ArrayView2, s};
use nn_core::time::CellWeights;
use nn_core::{Error, Float, Result};

/// An encoder's weights in the book's order: `embed.W` `(V, D)` and the
/// LSTM's `(Wx, Wh, b)`.
pub type EncoderWeights<F> = (Array2<F>, CellWeights<F>);

/// A decoder's weights in the book's order: `embed.W` `(V, D)`, the LSTM's
/// `(Wx, Wh, b)`, `affine.W` and `affine.b`.
pub type DecoderWeights<F> = (Array2<F>, CellWeights<F>, Array2<F>, Array1<F>);
use nn_train::Model;

use crate::params::NamedModel;

/// The names files of version 0.1 hold the three models' parameters under,
/// in [`Parameters`](nn_core::Parameters) order (attention has none of its
/// own); the parameters are now named `encoder.embed.W`, `encoder.lstm.Wx`,
/// …, `decoder.affine.b`.
pub const LEGACY_PARAM_NAMES: &[&str] = &[
    "encoder.embed_W",
    "encoder.lstm_Wx",
    "encoder.lstm_Wh",
    "encoder.lstm_b",
    "decoder.embed_W",
    "decoder.lstm_Wx",
    "decoder.lstm_Wh",
    "decoder.lstm_b",
    "decoder.affine_W",
    "decoder.affine_b",
];

/// What the book's three seq2seq models have in common: trained by
/// `nn_train::Trainer` on rows of question ids and rows of answer ids, and
/// answering new questions greedily.
pub trait Seq2seqModel<F: Float>:
    NamedModel<F> + Model<F, Input = usize, Label = usize> + Send
{
    /// The number of characters the model knows.
    fn vocab_size(&self) -> usize;

    /// Greedy answers `(N, sample_size)` to the questions `xs` `(N, T)`,
    /// each row's first character chosen after `start_ids[n]` (the book's
    /// `generate(xs, start_id, sample_size)` for a batch: row `n` of the
    /// result is what the book's one-row call returns for row `n`).
    ///
    /// # Errors
    /// Ids outside the vocabulary, or not one start id per row.
    fn generate(
        &mut self,
        xs: ArrayView2<'_, usize>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>>;
}

/// An id of `ids` outside `0..vocab`, as an error naming `what` and where.
pub(crate) fn check_ids(
    op: &'static str,
    what: &str,
    ids: ArrayView2<'_, usize>,
    vocab: usize,
) -> Result<()> {
    if let Some(((n, t), &id)) = ids.indexed_iter().find(|&(_, &id)| id >= vocab) {
        return Err(Error::invalid(
            op,
            format!("{what}[{n}, {t}] = {id} is outside the vocabulary of {vocab} characters"),
        ));
    }
    Ok(())
}

/// The trainer's flat labels `t` as `(N, L)` rows for `x`'s `N` samples.
pub(crate) fn label_rows<'t>(
    op: &'static str,
    x: ArrayView2<'_, usize>,
    t: &'t [usize],
) -> Result<ArrayView2<'t, usize>> {
    let n = x.nrows();
    if n == 0 || t.len() % n != 0 {
        return Err(Error::shape(
            op,
            format!(
                "{} answer ids are not a whole row for each of {n} questions",
                t.len()
            ),
        ));
    }
    ArrayView2::from_shape((n, t.len() / n), t).map_err(|e| Error::invalid(op, e.to_string()))
}

/// The decoder's targets, `ts[:, 1:]` as the loss's labels, in a reused
/// buffer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Targets {
    labels: Array2<isize>,
}

impl Targets {
    /// Questions and answers that fit together: the same number of rows,
    /// answers of at least 2 ids (a start and one to predict), every id in
    /// the vocabulary.
    pub(crate) fn check(
        op: &'static str,
        xs: ArrayView2<'_, usize>,
        ts: ArrayView2<'_, usize>,
        vocab: usize,
    ) -> Result<()> {
        if xs.is_empty() || ts.nrows() != xs.nrows() || ts.ncols() < 2 {
            return Err(Error::shape(
                op,
                format!(
                    "xs must be (N, T) and ts (N, L) with N, T ≥ 1 and L ≥ 2 (xs: {:?}, ts: {:?})",
                    xs.shape(),
                    ts.shape()
                ),
            ));
        }
        check_ids(op, "xs", xs, vocab)?;
        check_ids(op, "ts", ts, vocab)
    }

    /// Checks, keeps `ts[:, 1:]` as labels and returns the decoder's input
    /// `ts[:, :-1]`.
    pub(crate) fn split<'a>(
        &mut self,
        op: &'static str,
        xs: ArrayView2<'_, usize>,
        ts: ArrayView2<'a, usize>,
        vocab: usize,
    ) -> Result<ArrayView2<'a, usize>> {
        Self::check(op, xs, ts, vocab)?;
        let (n, l) = ts.dim();
        if self.labels.dim() != (n, l - 1) {
            self.labels = Array2::zeros((n, l - 1));
        }
        self.labels
            .zip_mut_with(&ts.slice(s![.., 1..]), |label, &id| *label = id as isize);
        Ok(ts.slice_move(s![.., ..l - 1]))
    }

    pub(crate) fn view(&self) -> ArrayView2<'_, isize> {
        self.labels.view()
    }
}
