//! `TransformerSeq2seq`: chapters 7–8's problems (addition, dates) solved by
//! the Transformer of section 8.5.2 instead of LSTMs with attention.

use std::fmt;
use std::path::Path;

use ndarray::{Array2, ArrayView2, ArrayView3, s};
use nn_core::time::{TimeAffine, TimeEmbedding, TimeLayer, TimeSoftmaxWithLoss};
use nn_core::transformer::{
    AttentionMask, PositionalEncoding, TransformerConfig, TransformerDecoder, TransformerEncoder,
};
use nn_core::{
    Error, Float, ForwardState, Init, Param, Parameters, Randn, Result, SharedRng, scoped,
};
use nn_train::Model;
use nn_train::load_params_from;
use rand::SeedableRng;

use super::sized_file::{read_sized, save_sized};
use crate::params::{NamedModel, Precision};

use crate::seq2seq::{Seq2seqModel, Targets, check_ids, label_rows};

/// The sizes of a [`TransformerSeq2seq`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformerSeq2seqConfig {
    /// Characters in the vocabulary.
    pub vocab_size: usize,
    /// The longest question or answer the positional table covers.
    pub max_len: usize,
    /// Encoder layers.
    pub encoder_layers: usize,
    /// Decoder layers.
    pub decoder_layers: usize,
    /// Each layer's sizes and options.
    pub layer: TransformerConfig,
}

/// A Transformer that reads a question of characters and writes the
/// answer, trained and evaluated as the book's seq2seq models are
/// ([`Seq2seqModel`]: `nn_train::Trainer`, `eval_seq2seq`):
///
/// ```text
/// question ids → src_embed + positions → encoder (N×) ─────────┐ memory
/// answer ids[:-1] → tgt_embed + positions → decoder (N×, causal) → out → softmax ← answer ids[1:]
/// ```
///
/// The positions are the sinusoidal table; the decoder's self-attention is
/// causal, so that in training every step predicts the next character from
/// the ones before it only, and generation (greedy, a batch at a time)
/// feeds its own answers back one step after another. The book's data pads
/// every question and answer with spaces to one width, so no padding mask
/// is needed.
///
/// Parameters: `src_embed.W`, `tgt_embed.W` `(V, E)`, `encoder.layers.{i}.*`
/// (and `encoder.norm.*` when pre-LN), `decoder.layers.{i}.*` (likewise),
/// `out.W` `(E, V)`, `out.b`.
///
/// ```
/// use nn_core::transformer::TransformerConfig;
/// use nn_models::seq2seq::Seq2seqModel;
/// use nn_models::transformer::{TransformerSeq2seq, TransformerSeq2seqConfig};
/// use rand::SeedableRng;
/// let config = TransformerSeq2seqConfig {
///     vocab_size: 13,
///     max_len: 8,
///     encoder_layers: 1,
///     decoder_layers: 1,
///     layer: TransformerConfig::new(16, 2),
/// };
/// let mut model = TransformerSeq2seq::<f32>::new(config, &mut rand::rngs::StdRng::seed_from_u64(0), None)?;
/// let (xs, ts) = (ndarray::array![[1, 2, 3], [3, 2, 1]], ndarray::array![[0, 4, 5], [0, 5, 4]]);
/// let loss = model.forward_rows(xs.view(), ts.view())?;
/// model.backward()?;
/// assert!(loss > 0.0);
/// assert_eq!(model.generate(xs.view(), &[0, 0], 2)?.dim(), (2, 2));
/// println!("{model}"); // its sizes and parameter count
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TransformerSeq2seq<F: Float> {
    config: TransformerSeq2seqConfig,
    src_embed: TimeEmbedding<F>,
    tgt_embed: TimeEmbedding<F>,
    src_pos: PositionalEncoding<F>,
    tgt_pos: PositionalEncoding<F>,
    encoder: TransformerEncoder<F>,
    decoder: TransformerDecoder<F>,
    out: TimeAffine<F>,
    softmax: TimeSoftmaxWithLoss<F>,
    targets: Targets,
    /// The answers of a generation, the start ids in column 0.
    generated: Array2<usize>,
    training: bool,
    scalars: usize,
    pass: ForwardState,
}

impl<F: Float> TransformerSeq2seq<F> {
    /// The model with weights drawn from `rng`: the embeddings `N(0, 1)`
    /// (as `nn.Embedding`), the encoder's layers, the decoder's, then the
    /// output layer by `Init::Xavier`; dropout masks (if
    /// `config.layer.dropout > 0`) from `dropout_rng`.
    ///
    /// # Errors
    /// A zero size, heads that don't divide the width, or dropout without a
    /// generator.
    pub fn new(
        config: TransformerSeq2seqConfig,
        rng: &mut dyn Randn,
        dropout_rng: Option<&SharedRng>,
    ) -> Result<Self> {
        let (v, e) = (config.vocab_size, config.layer.d_model);
        let embed = Init::Normal { scale: 1.0 };
        let src_embed = TimeEmbedding::init(v, e, embed, rng)?;
        let tgt_embed = TimeEmbedding::init(v, e, embed, rng)?;
        let encoder =
            TransformerEncoder::init(config.layer, config.encoder_layers, rng, dropout_rng)?;
        let decoder =
            TransformerDecoder::init(config.layer, config.decoder_layers, rng, dropout_rng)?;
        let out = TimeAffine::init(e, v, Init::Xavier, rng)?;
        Self::from_parts(
            config.max_len,
            [src_embed, tgt_embed],
            encoder,
            decoder,
            out,
        )
    }

    /// The model from its parts (given weights): the question's and the
    /// answer's embeddings `(V, E)`, the stacks, the output layer `(E, V)`,
    /// and a positional table of `max_len` steps.
    ///
    /// # Errors
    /// Parts of different widths or vocabularies.
    pub fn from_parts(
        max_len: usize,
        [src_embed, tgt_embed]: [TimeEmbedding<F>; 2],
        encoder: TransformerEncoder<F>,
        decoder: TransformerDecoder<F>,
        out: TimeAffine<F>,
    ) -> Result<Self> {
        const OP: &str = "TransformerSeq2seq.from_parts";
        let (se, te, ow) = (src_embed.w().dim(), tgt_embed.w().dim(), out.w().dim());
        let e = encoder.d_model();
        if se != te || se.1 != e || decoder.d_model() != e || ow != (e, se.0) {
            return Err(Error::shape(
                OP,
                format!(
                    "src_embed.W and tgt_embed.W must be (V, E), the stacks E wide and out.W (E, V) \
                     (src_embed.W: {se:?}, tgt_embed.W: {te:?}, encoder: {e}, decoder: {}, out.W: {ow:?})",
                    decoder.d_model()
                ),
            ));
        }
        let layer = encoder.layers()[0].self_attn();
        let config = TransformerSeq2seqConfig {
            vocab_size: se.0,
            max_len,
            encoder_layers: encoder.layers().len(),
            decoder_layers: decoder.layers().len(),
            layer: TransformerConfig {
                d_model: e,
                heads: layer.heads(),
                d_ff: encoder.layers()[0].feed_forward().d_ff(),
                dropout: 0.0,
                norm_first: encoder.layers()[0].norm_first(),
                eps: encoder.layers()[0].norms()[0].eps().as_f64(),
            },
        };
        let mut model = Self {
            config,
            src_embed,
            tgt_embed,
            src_pos: PositionalEncoding::sinusoidal(max_len, e)?,
            tgt_pos: PositionalEncoding::sinusoidal(max_len, e)?,
            encoder,
            decoder,
            out,
            softmax: TimeSoftmaxWithLoss::new(),
            targets: Targets::default(),
            generated: Array2::zeros((0, 0)),
            training: true,
            scalars: 0,
            pass: ForwardState::NotRun,
        };
        model.scalars = model.num_scalars();
        Ok(model)
    }

    /// Writes the parameters (as [`save_params`](crate::params::save_params)
    /// names them) and the sizes (`config`, `config.eps`) to `path`,
    /// atomically: what [`load`](Self::load) needs to rebuild the model.
    ///
    /// # Errors
    /// An I/O error, named with the path.
    pub fn save(&mut self, path: impl AsRef<Path>, precision: Precision) -> Result<()> {
        let c = self.config;
        let sizes = [
            c.vocab_size,
            c.max_len,
            c.encoder_layers,
            c.decoder_layers,
            c.layer.d_model,
            c.layer.heads,
            c.layer.d_ff,
            usize::from(c.layer.norm_first),
        ];
        save_sized(self, path.as_ref(), precision, &sizes, c.layer.eps)
    }

    /// The model [`save`](Self::save) wrote to `path` (in training mode,
    /// without dropout).
    ///
    /// # Errors
    /// A missing or damaged file, sizes that don't make a model, or arrays
    /// that don't fit the sizes (named: `…: decoder.layers.1.linear1.W has
    /// shape [32, 64], the model expects [32, 128]`).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (sizes, eps, params) = read_sized::<8>(path, "TransformerSeq2seq")?;
        let [
            vocab_size,
            max_len,
            encoder_layers,
            decoder_layers,
            d_model,
            heads,
            d_ff,
            norm_first,
        ] = sizes;
        let config = TransformerSeq2seqConfig {
            vocab_size,
            max_len,
            encoder_layers,
            decoder_layers,
            layer: TransformerConfig {
                d_model,
                heads,
                d_ff,
                dropout: 0.0,
                norm_first: norm_first != 0,
                eps,
            },
        };
        let mut model = Self::new(config, &mut rand::rngs::StdRng::seed_from_u64(0), None)
            .map_err(|e| Error::file(path, format!("sizes that make no model: {e}")))?;
        load_params_from(&params, path, &mut model, &[])?;
        Ok(model)
    }

    /// The model's sizes.
    pub fn config(&self) -> TransformerSeq2seqConfig {
        self.config
    }

    /// The encoder (its layers' attention weights of the last forward).
    pub fn encoder(&self) -> &TransformerEncoder<F> {
        &self.encoder
    }

    /// The decoder: `layers()[i].cross_attn().weights()` is the heat map of
    /// which question characters each answer character read, per head.
    pub fn decoder(&self) -> &TransformerDecoder<F> {
        &self.decoder
    }

    /// The output layer.
    pub fn out(&self) -> &TimeAffine<F> {
        &self.out
    }

    /// The loss layer (the probabilities of the last forward).
    pub fn loss_layer(&self) -> &TimeSoftmaxWithLoss<F> {
        &self.softmax
    }

    /// The mean loss of answering `xs` `(N, Tq)` with `ts` `(N, Ta)`: the
    /// decoder reads `ts[:, :-1]` and predicts `ts[:, 1:]`.
    ///
    /// # Errors
    /// Ids outside the vocabulary, answers shorter than 2, mismatched rows,
    /// sequences longer than the positional table, or a non-finite loss.
    pub fn forward_rows(
        &mut self,
        xs: ArrayView2<'_, usize>,
        ts: ArrayView2<'_, usize>,
    ) -> Result<F> {
        let loss = self.forward_parts(xs, ts);
        self.pass = ForwardState::of(&loss);
        loss
    }

    fn forward_parts(&mut self, xs: ArrayView2<'_, usize>, ts: ArrayView2<'_, usize>) -> Result<F> {
        const OP: &str = "TransformerSeq2seq.forward";
        let decoder_xs = self.targets.split(OP, xs, ts, self.config.vocab_size)?;
        let src = embedded(OP, SRC, &mut self.src_embed, &mut self.src_pos, xs)?;
        let memory = self
            .encoder
            .forward(src, AttentionMask::NONE)
            .map_err(|e| e.within(OP, "encoder"))?;
        let tgt = embedded(OP, TGT, &mut self.tgt_embed, &mut self.tgt_pos, decoder_xs)?;
        let y = self
            .decoder
            .forward(tgt, memory, AttentionMask::CAUSAL, AttentionMask::NONE)
            .map_err(|e| e.within(OP, "decoder"))?;
        let score = self.out.forward(y).map_err(|e| e.within(OP, "out"))?;
        self.softmax
            .forward(score, self.targets.view())
            .map_err(|e| e.within(OP, "loss"))
    }

    /// Fills every gradient for the last forward.
    ///
    /// # Errors
    /// Called before a successful forward.
    pub fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    /// As [`backward`](Self::backward) from the upstream gradient `dout` =
    /// ∂L/∂loss.
    ///
    /// # Errors
    /// Called before a successful forward, or `dout` not finite.
    pub fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "TransformerSeq2seq.backward";
        self.pass.check(OP)?;
        let dscore = self
            .softmax
            .backward(dout)
            .map_err(|e| e.within(OP, "loss"))?;
        let dy = self.out.backward(dscore).map_err(|e| e.within(OP, "out"))?;
        let (dtgt, dmemory) = self
            .decoder
            .backward(dy)
            .map_err(|e| e.within(OP, "decoder"))?;
        let dtgt = self.tgt_pos.backward(dtgt)?;
        self.tgt_embed
            .backward(dtgt)
            .map_err(|e| e.within(OP, "tgt_embed"))?;
        let dsrc = self
            .encoder
            .backward(dmemory)
            .map_err(|e| e.within(OP, "encoder"))?;
        let dsrc = self.src_pos.backward(dsrc)?;
        self.src_embed
            .backward(dsrc)
            .map_err(|e| e.within(OP, "src_embed"))
    }

    /// Greedy answers: the encoder reads the questions once; the decoder
    /// reads the answers so far (the start ids, then its own choices) and
    /// the highest-scoring character of the last step is appended, for
    /// `sample_size` steps. Dropout is off while it runs.
    fn generate_parts(
        &mut self,
        xs: ArrayView2<'_, usize>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>> {
        const OP: &str = "TransformerSeq2seq.generate";
        let n = xs.nrows();
        if start_ids.len() != n {
            return Err(Error::shape(
                OP,
                format!(
                    "one start id per question: {n} questions, {} start ids",
                    start_ids.len()
                ),
            ));
        }
        check_ids(OP, "xs", xs, self.config.vocab_size)?;
        check_ids(
            OP,
            "start_ids",
            ArrayView2::from_shape((1, n), start_ids)
                .map_err(|e| Error::invalid(OP, e.to_string()))?,
            self.config.vocab_size,
        )?;
        if self.generated.dim() != (n, sample_size + 1) {
            self.generated = Array2::zeros((n, sample_size + 1));
        }
        self.generated
            .column_mut(0)
            .iter_mut()
            .zip(start_ids)
            .for_each(|(g, &s)| *g = s);
        let src = embedded(OP, SRC, &mut self.src_embed, &mut self.src_pos, xs)?;
        let memory = self
            .encoder
            .forward(src, AttentionMask::NONE)
            .map_err(|e| e.within(OP, "encoder"))?;
        for step in 0..sample_size {
            let prefix = self.generated.slice(s![.., ..=step]);
            let tgt = embedded(OP, TGT, &mut self.tgt_embed, &mut self.tgt_pos, prefix)?;
            let y = self
                .decoder
                .forward(tgt, memory, AttentionMask::CAUSAL, AttentionMask::NONE)
                .map_err(|e| e.within(OP, "decoder"))?;
            // Only the last step's scores are needed.
            let last = y.slice(s![.., step..=step, ..]);
            let score = self.out.forward(last).map_err(|e| e.within(OP, "out"))?;
            let mut column = self.generated.column_mut(step + 1);
            for (g, row) in column.iter_mut().zip(score.outer_iter()) {
                *g = argmax(row.row(0));
            }
        }
        Ok(self.generated.slice(s![.., 1..]).to_owned())
    }

    fn set_mode(&mut self, training: bool) {
        self.training = training;
        self.encoder.set_training(training);
        self.decoder.set_training(training);
    }
}

impl<F: Float> fmt::Display for TransformerSeq2seq<F> {
    /// `TransformerSeq2seq(V=59, E=64, heads=4, d_ff=256, layers=2+2, post-LN, max_len=32): 123,456 parameters`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        write!(
            f,
            "TransformerSeq2seq(V={}, E={}, heads={}, d_ff={}, layers={}+{}, {}, max_len={}): {} parameters",
            c.vocab_size,
            c.layer.d_model,
            c.layer.heads,
            c.layer.d_ff,
            c.encoder_layers,
            c.decoder_layers,
            if c.layer.norm_first {
                "pre-LN"
            } else {
                "post-LN"
            },
            c.max_len,
            thousands(self.scalars)
        )
    }
}

/// The ids embedded and their positions added, by `embed` and `pos` (the
/// question's or the answer's, named by `parts` in errors).
fn embedded<'a, F: Float>(
    op: &'static str,
    [embed_name, pos_name]: [&'static str; 2],
    embed: &'a mut TimeEmbedding<F>,
    pos: &'a mut PositionalEncoding<F>,
    ids: ArrayView2<'_, usize>,
) -> Result<ArrayView3<'a, F>> {
    let x = embed.forward(ids).map_err(|e| e.within(op, embed_name))?;
    pos.forward(x).map_err(|e| e.within(op, pos_name))
}

/// The question's parts, as errors name them.
const SRC: [&str; 2] = ["src_embed", "src_pos"];
/// The answer's parts.
const TGT: [&str; 2] = ["tgt_embed", "tgt_pos"];

/// The index of the largest entry (the first of equals), as numpy's `argmax`.
pub(crate) fn argmax<F: Float>(row: ndarray::ArrayView1<'_, F>) -> usize {
    row.iter()
        .enumerate()
        .fold((0, F::neg_infinity()), |best, (i, &v)| {
            if v > best.1 { (i, v) } else { best }
        })
        .0
}

/// `123456` as `123,456`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl<F: Float> Seq2seqModel<F> for TransformerSeq2seq<F> {
    fn vocab_size(&self) -> usize {
        self.config.vocab_size
    }

    fn generate(
        &mut self,
        xs: ArrayView2<'_, usize>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>> {
        // A generation is no forward to differentiate.
        self.pass = ForwardState::NotRun;
        let training = self.training;
        self.set_mode(false);
        let answers = self.generate_parts(xs, start_ids, sample_size);
        self.set_mode(training);
        answers
    }
}

impl<F: Float> Model<F> for TransformerSeq2seq<F> {
    type Input = usize;
    type Label = usize;

    fn forward(&mut self, x: ArrayView2<'_, usize>, t: &[usize]) -> Result<F> {
        let ts = label_rows("TransformerSeq2seq.forward", x, t)?;
        self.forward_rows(x, ts)
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        TransformerSeq2seq::backward_with(self, dout)
    }

    fn check_data(&mut self, x: ArrayView2<'_, usize>, t: &[usize]) -> Result<()> {
        const OP: &str = "TransformerSeq2seq.fit";
        let ts = label_rows(OP, x, t)?;
        Targets::check(OP, x, ts, self.config.vocab_size)?;
        let longest = x.ncols().max(ts.ncols() - 1);
        if longest > self.config.max_len {
            return Err(Error::invalid(
                OP,
                format!(
                    "sequences of {longest} steps are longer than the positional table's {} (max_len)",
                    self.config.max_len
                ),
            ));
        }
        Ok(())
    }

    fn set_training(&mut self, training: bool) {
        self.set_mode(training);
    }
}

impl<F: Float> NamedModel<F> for TransformerSeq2seq<F> {
    fn name(&self) -> &'static str {
        "TransformerSeq2seq"
    }
}

impl<F: Float> Parameters<F> for TransformerSeq2seq<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.src_embed.visit_params(&mut scoped("src_embed", f))?;
        self.tgt_embed.visit_params(&mut scoped("tgt_embed", f))?;
        self.encoder.visit_params(&mut scoped("encoder", f))?;
        self.decoder.visit_params(&mut scoped("decoder", f))?;
        self.out.visit_params(&mut scoped("out", f))
    }
}
