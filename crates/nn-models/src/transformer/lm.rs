//! `TransformerLm`: a decoder-only Transformer language model (the GPT
//! shape of 8.5.2's decoder, without the attention over an encoder) on the
//! book's PTB, trained and evaluated as chapter 6's models are.

use std::fmt;
use std::path::Path;

use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, Zip, s};
use nn_core::shared::{Orientation, Shared};
use nn_core::time::{TimeAffine, TimeDropout, TimeEmbedding, TimeLayer, TimeSoftmaxWithLoss};
use nn_core::transformer::{
    AttentionMask, PositionalEncoding, TransformerConfig, TransformerEncoder,
};
use nn_core::{
    Error, Float, ForwardState, Init, Param, Parameters, Randn, Result, SharedRng, scoped,
};
use nn_train::{Precision, load_params_from};
use rand::SeedableRng;

use super::seq2seq::thousands;
use super::sized_file::{read_sized, save_sized};
use crate::params::NamedModel;
use crate::rnnlm::LanguageModel;

/// The sizes of a [`TransformerLm`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformerLmConfig {
    /// Words in the vocabulary (PTB: 10,000).
    pub vocab_size: usize,
    /// The longest context the model reads: the positional table's length.
    pub max_len: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Each layer's sizes and options; its dropout also follows the
    /// embedding.
    pub layer: TransformerConfig,
}

/// A decoder-only Transformer language model: `embed(x)·√E` + the
/// sinusoidal positions → dropout → `layers` blocks of causal
/// self-attention and a feed-forward network → (pre-LN: a final norm) →
/// `embed.Wᵀ` + `out.b` (weights tied to the embedding, as `BetterRnnlm`)
/// → softmax.
///
/// It is a [`LanguageModel`]: `RnnlmTrainer` trains it on the book's
/// streams of `time_size` words, `eval_perplexity` scores it and
/// `rnnlm::generate` writes text with it. In training each batch is its own
/// context. In evaluation (`set_training(false)`) the model carries the
/// words it has read, as the book's LSTMs carry their state: each call sees
/// up to `max_len` words, the new ones after the last words of the calls
/// before, so that `generate` (one word a call) conditions every word on
/// the `max_len − 1` before it, and `eval_perplexity`'s batches on the one
/// before. `reset_state` forgets them.
///
/// Parameters: `embed.W` `(V, E)`, `decoder.layers.{i}.*`
/// (`decoder.norm.*` when pre-LN), `out.b` `(V,)`.
///
/// ```
/// use nn_core::transformer::TransformerConfig;
/// use nn_models::rnnlm::LanguageModel;
/// use nn_models::transformer::{TransformerLm, TransformerLmConfig};
/// use rand::SeedableRng;
/// let config = TransformerLmConfig { vocab_size: 50, max_len: 16, layers: 2, layer: TransformerConfig::new(16, 4) };
/// let mut lm = TransformerLm::<f32>::new(config, &mut rand::rngs::StdRng::seed_from_u64(0), None)?;
/// let (xs, ts) = (ndarray::array![[1, 2, 3, 4]], ndarray::array![[2, 3, 4, 5]]);
/// let loss = lm.forward(xs.view(), ts.view())?;
/// lm.backward()?;
/// assert!((loss - 50f32.ln()).abs() < 1.5);
/// // In evaluation the words read so far are the next call's context.
/// lm.set_training(false);
/// lm.predict(ndarray::array![[7, 8]].view())?;
/// assert_eq!(lm.context().to_owned(), ndarray::array![[7, 8]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct TransformerLm<F: Float> {
    net: Net<F>,
    loss: TimeSoftmaxWithLoss<F>,
    dropout_rng: Option<SharedRng>,
    scalars: usize,
    pass: ForwardState,
}

/// Everything between the word ids and the scores, apart from the loss, so
/// that `forward` can hand the loss the scores this borrows.
#[derive(Debug)]
struct Net<F: Float> {
    config: TransformerLmConfig,
    embed_w: Shared<F>,
    embed: TimeEmbedding<F>,
    pos: PositionalEncoding<F>,
    dropout: Option<TimeDropout<F>>,
    decoder: TransformerEncoder<F>,
    out: TimeAffine<F>,
    /// `embed(x)·√E`, what the positions are added to.
    scaled: Array3<F>,
    /// In evaluation: the words read so far `(N, ≤ max_len − 1)`, and the
    /// window of the last call (context, then the new words).
    context: Array2<usize>,
    window: Array2<usize>,
    /// How many leading positions of the last forward were context.
    context_len: usize,
    training: bool,
}

impl<F: Float> TransformerLm<F> {
    /// The model with weights drawn from `rng`: `embed.W` `N(0, 1/E)` (so
    /// that `embed(x)·√E` is `N(0, 1)`, and the tied output's scores start
    /// near unit variance), then the layers; `out.b = 0`. Dropout masks (if
    /// `config.layer.dropout > 0`) from `dropout_rng`.
    ///
    /// # Errors
    /// A zero size, heads that don't divide the width, or dropout without a
    /// generator.
    pub fn new(
        config: TransformerLmConfig,
        rng: &mut dyn Randn,
        dropout_rng: Option<&SharedRng>,
    ) -> Result<Self> {
        let (v, e) = (config.vocab_size, config.layer.d_model);
        let scale = 1.0 / (e.max(1) as f64).sqrt();
        let embed_w = Init::Normal { scale }.matrix(v, e, rng)?;
        let decoder = TransformerEncoder::init(config.layer, config.layers, rng, dropout_rng)?;
        Self::from_parts(
            config.max_len,
            embed_w,
            decoder,
            Array1::zeros(v),
            config.layer.dropout,
            dropout_rng,
        )
    }

    /// The model from given weights: `embed.W` `(V, E)`, the layers (a
    /// stack whose layers are run under the causal mask), `out.b` `(V,)`, a
    /// positional table of `max_len`, and the dropout after the embedding.
    ///
    /// # Errors
    /// Arrays and layers of widths that don't fit, a ratio outside `[0,
    /// 1)`, or a ratio above 0 without a generator.
    pub fn from_parts(
        max_len: usize,
        embed_w: Array2<F>,
        decoder: TransformerEncoder<F>,
        out_b: Array1<F>,
        dropout: f64,
        dropout_rng: Option<&SharedRng>,
    ) -> Result<Self> {
        const OP: &str = "TransformerLm.from_parts";
        let (v, e) = embed_w.dim();
        if decoder.d_model() != e || out_b.len() != v {
            return Err(Error::shape(
                OP,
                format!(
                    "embed.W must be (V, E), the layers E wide and out.b (V,) \
                     (embed.W: [{v}, {e}], layers: {}, out.b: {:?})",
                    decoder.d_model(),
                    out_b.shape()
                ),
            ));
        }
        let embed_w = Shared::new("W", embed_w).map_err(|e| e.within(OP, "embed"))?;
        let out = TimeAffine::shared(&embed_w, Orientation::Transposed, out_b)
            .map_err(|e| e.within(OP, "out"))?;
        let dropout_layer = match (dropout, dropout_rng) {
            (0.0, _) => None,
            (_, Some(rng)) => {
                Some(TimeDropout::new(dropout, rng.clone()).map_err(|e| e.within(OP, "dropout"))?)
            }
            (_, None) => {
                return Err(Error::invalid(
                    OP,
                    format!("dropout of {dropout} needs a generator for its masks"),
                ));
            }
        };
        let first = &decoder.layers()[0];
        let config = TransformerLmConfig {
            vocab_size: v,
            max_len,
            layers: decoder.layers().len(),
            layer: TransformerConfig {
                d_model: e,
                heads: first.self_attn().heads(),
                d_ff: first.feed_forward().d_ff(),
                dropout,
                norm_first: first.norm_first(),
                eps: first.norms()[0].eps().as_f64(),
            },
        };
        let net = Net {
            config,
            embed: TimeEmbedding::shared(&embed_w),
            embed_w,
            pos: PositionalEncoding::sinusoidal(max_len, e)?,
            dropout: dropout_layer,
            decoder,
            out,
            scaled: Array3::zeros((0, 0, 0)),
            context: Array2::zeros((0, 0)),
            window: Array2::zeros((0, 0)),
            context_len: 0,
            training: true,
        };
        let mut model = Self {
            net,
            loss: TimeSoftmaxWithLoss::new(),
            dropout_rng: dropout_rng.cloned(),
            scalars: 0,
            pass: ForwardState::NotRun,
        };
        model.scalars = model.num_scalars();
        Ok(model)
    }

    /// The model's sizes.
    pub fn config(&self) -> TransformerLmConfig {
        self.net.config
    }

    /// The shared embedding weight `(V, E)`, which the output layer uses
    /// transposed.
    pub fn embed_w(&self) -> &Shared<F> {
        &self.net.embed_w
    }

    /// The layers (their attention weights of the last forward).
    pub fn decoder(&self) -> &TransformerEncoder<F> {
        &self.net.decoder
    }

    /// The output layer, `embed.W` transposed and its own `out.b`.
    pub fn out(&self) -> &TimeAffine<F> {
        &self.net.out
    }

    /// The loss layer, with the last forward's probabilities.
    pub fn loss_layer(&self) -> &TimeSoftmaxWithLoss<F> {
        &self.loss
    }

    /// The words carried as context into the next call (evaluation only).
    pub fn context(&self) -> ArrayView2<'_, usize> {
        self.net.context.view()
    }

    /// Writes the parameters and the sizes (`config`, `config.eps`) to
    /// `path`, atomically: what [`load`](Self::load) rebuilds the model from.
    ///
    /// # Errors
    /// An I/O error, named with the path.
    pub fn save(&mut self, path: impl AsRef<Path>, precision: Precision) -> Result<()> {
        let c = self.net.config;
        let sizes = [
            c.vocab_size,
            c.max_len,
            c.layers,
            c.layer.d_model,
            c.layer.heads,
            c.layer.d_ff,
            usize::from(c.layer.norm_first),
        ];
        save_sized(self, path.as_ref(), precision, &sizes, c.layer.eps)
    }

    /// The model [`save`](Self::save) wrote to `path` (in training mode,
    /// with no dropout).
    ///
    /// # Errors
    /// A missing or damaged file, sizes that make no model, or arrays that
    /// don't fit them (named with the array and both shapes).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (sizes, eps, params) = read_sized::<7>(path, "TransformerLm")?;
        let [
            vocab_size,
            max_len,
            layers,
            d_model,
            heads,
            d_ff,
            norm_first,
        ] = sizes;
        let config = TransformerLmConfig {
            vocab_size,
            max_len,
            layers,
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
}

impl<F: Float> Net<F> {
    /// The words the layers read this call: `xs` alone in training; in
    /// evaluation the carried context, then `xs`, at most `max_len`.
    fn window(&mut self, op: &'static str, xs: ArrayView2<'_, usize>) -> Result<()> {
        let (n, t) = xs.dim();
        if t > self.config.max_len {
            return Err(Error::invalid(
                op,
                format!(
                    "{t} steps are longer than the positional table's {} (max_len)",
                    self.config.max_len
                ),
            ));
        }
        let kept = if self.training || self.context.nrows() != n {
            if !self.training && self.context.ncols() > 0 {
                return Err(Error::shape(
                    op,
                    format!(
                        "the carried context is for a batch of {} rows, got {n}: call reset_state first",
                        self.context.nrows()
                    ),
                ));
            }
            0
        } else {
            self.context.ncols().min(self.config.max_len - t)
        };
        let start = self.context.ncols() - kept;
        if self.window.dim() != (n, kept + t) {
            self.window = Array2::zeros((n, kept + t));
        }
        if kept > 0 {
            self.window
                .slice_mut(s![.., ..kept])
                .assign(&self.context.slice(s![.., start..]));
        }
        self.window.slice_mut(s![.., kept..]).assign(&xs);
        self.context_len = kept;
        if !self.training {
            // The next call's context: the last max_len − 1 words.
            let keep = (kept + t).min(self.config.max_len - 1);
            self.context = self.window.slice(s![.., kept + t - keep..]).to_owned();
        }
        Ok(())
    }

    fn predict(
        &mut self,
        op: &'static str,
        xs: ArrayView2<'_, usize>,
    ) -> Result<ArrayView3<'_, F>> {
        let at = |part: &'static str| move |e: Error| e.within(op, part);
        self.window(op, xs)?;
        let x = self
            .embed
            .forward(self.window.view())
            .map_err(at("embed"))?;
        let root = F::from_f64((self.config.layer.d_model as f64).sqrt());
        if self.scaled.dim() != x.dim() {
            self.scaled = Array3::zeros(x.dim());
        }
        Zip::from(&mut self.scaled)
            .and(&x)
            .for_each(|s, &v| *s = v * root);
        let x = self.pos.forward(self.scaled.view()).map_err(at("pos"))?;
        let x = match &mut self.dropout {
            Some(d) => d.forward(x).map_err(at("dropout"))?,
            None => x,
        };
        let y = self
            .decoder
            .forward(x, AttentionMask::CAUSAL)
            .map_err(at("decoder"))?;
        // Scores for the new words only (the context was read, not predicted).
        let y = y.slice_move(s![.., self.context_len.., ..]);
        self.out.forward(y).map_err(at("out"))
    }

    fn backward(&mut self, op: &'static str, dscores: ArrayView3<'_, F>) -> Result<()> {
        let at = |part: &'static str| move |e: Error| e.within(op, part);
        let dy = self.out.backward(dscores).map_err(at("out"))?;
        let dx = self.decoder.backward(dy).map_err(at("decoder"))?;
        let dx = match &mut self.dropout {
            Some(d) => d.backward(dx).map_err(at("dropout"))?,
            None => dx,
        };
        let dx = self.pos.backward(dx).map_err(at("pos"))?;
        let root = F::from_f64((self.config.layer.d_model as f64).sqrt());
        Zip::from(&mut self.scaled)
            .and(&dx)
            .for_each(|s, &g| *s = g * root);
        self.embed.backward(self.scaled.view()).map_err(at("embed"))
    }
}

impl<F: Float> fmt::Display for TransformerLm<F> {
    /// `TransformerLm(V=10000, E=128, heads=4, d_ff=512, layers=2, pre-LN, max_len=64): 1,680,000 parameters`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.net.config;
        write!(
            f,
            "TransformerLm(V={}, E={}, heads={}, d_ff={}, layers={}, {}, max_len={}): {} parameters",
            c.vocab_size,
            c.layer.d_model,
            c.layer.heads,
            c.layer.d_ff,
            c.layers,
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

impl<F: Float> NamedModel<F> for TransformerLm<F> {
    fn name(&self) -> &'static str {
        "TransformerLm"
    }
}

impl<F: Float> LanguageModel<F> for TransformerLm<F> {
    fn vocab_size(&self) -> usize {
        self.net.config.vocab_size
    }

    fn predict(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, F>> {
        self.net.predict("TransformerLm.predict", xs)
    }

    fn forward(&mut self, xs: ArrayView2<'_, usize>, ts: ArrayView2<'_, isize>) -> Result<F> {
        const OP: &str = "TransformerLm.forward";
        let scores = self.net.predict(OP, xs);
        crate::rnnlm::forward_loss(OP, &mut self.loss, &mut self.pass, scores, ts)
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "TransformerLm.backward";
        if self.net.context_len > 0 {
            return Err(Error::invalid(
                OP,
                "the last forward read a carried context (evaluation mode): nothing to train",
            ));
        }
        let dscores = crate::rnnlm::backward_loss(OP, &mut self.loss, self.pass, dout)?;
        self.net.backward(OP, dscores)
    }

    fn reset_state(&mut self) {
        self.net.context = Array2::zeros((0, 0));
    }

    fn set_training(&mut self, training: bool) {
        if training != self.net.training {
            self.reset_state();
        }
        self.net.training = training;
        self.net.decoder.set_training(training);
        if let Some(d) = &mut self.net.dropout {
            d.set_training(training);
        }
    }

    fn carried_state(&self) -> Vec<Array2<F>> {
        // Training carries nothing from batch to batch.
        Vec::new()
    }

    fn set_carried_state(&mut self, state: &[Array2<F>]) -> Result<()> {
        if state.is_empty() {
            self.reset_state();
            return Ok(());
        }
        Err(Error::invalid(
            "TransformerLm.set_carried_state",
            format!(
                "the model carries no state in training, got {} arrays",
                state.len()
            ),
        ))
    }

    fn dropout_rng(&self) -> Option<&SharedRng> {
        self.dropout_rng.as_ref()
    }
}

impl<F: Float> Parameters<F> for TransformerLm<F> {
    /// `embed.W`, `decoder.*`, `out.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.net.embed_w.visit(&mut scoped("embed", f))?;
        self.net.decoder.visit_params(&mut scoped("decoder", f))?;
        self.net.out.visit_params(&mut scoped("out", f))
    }
}
