//! `AttentionEncoder`, `AttentionDecoder`, `AttentionSeq2seq`
//! (`ch08/attention_seq2seq.py`).

use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, s};
use nn_core::attention::TimeAttention;
use nn_core::time::{TimeAffine, TimeEmbedding, TimeLayer, TimeLstm, TimeSoftmaxWithLoss};
use nn_core::{Error, Float, Param, Parameters, Randn, Result};
use nn_train::Model;

use super::decoder::{argmax_into, start_column};
use super::encoder::{Encoder, check_sizes};
use super::{PARAM_NAMES, Seq2seqModel, Targets, check_ids, label_rows};
use crate::params::NamedParameters;
use crate::rnnlm::scaled_randn;

/// The book's `AttentionEncoder`: an [`Encoder`] whose output is every
/// step's hidden state `(N, T, H)`, for the decoder to attend to.
#[derive(Debug, Clone)]
pub struct AttentionEncoder<F: Float>(Encoder<F>);

impl<F: Float> AttentionEncoder<F> {
    /// The book's initial weights, as [`Encoder::new`].
    ///
    /// # Errors
    /// A zero size.
    pub fn new(v: usize, d: usize, h: usize, rng: &mut dyn Randn) -> Result<Self> {
        Encoder::new(v, d, h, rng).map(Self)
    }

    /// Every step's hidden state `(N, T, H)`.
    ///
    /// # Errors
    /// As [`Encoder::forward_all`].
    pub fn forward(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, F>> {
        self.0.forward_all(xs)
    }

    /// Backward from ∂L/∂hs `(N, T, H)`.
    ///
    /// # Errors
    /// As [`Encoder::backward_all`].
    pub fn backward(&mut self, dhs: ArrayView3<'_, F>) -> Result<()> {
        self.0.backward_all(dhs)
    }

    /// The vocabulary size `V`.
    pub fn vocab_size(&self) -> usize {
        self.0.vocab_size()
    }
}

impl<F: Float> Parameters<F> for AttentionEncoder<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.0.visit_params(f)
    }
}

/// The book's `AttentionDecoder`: `TimeEmbedding` → stateful `TimeLSTM`
/// (from the encoder's last state) → `TimeAttention` over the encoder's
/// states → `[c, hs]` → `TimeAffine` `(2H, V)`. Parameters in the book's
/// order: `embed_W`, `lstm_Wx`, `lstm_Wh`, `lstm_b`, `affine_W`, `affine_b`.
#[derive(Debug, Clone)]
pub struct AttentionDecoder<F: Float> {
    embed: TimeEmbedding<F>,
    lstm: TimeLstm<F>,
    attention: TimeAttention<F>,
    affine: TimeAffine<F>,
    /// `[c, dec_hs]` `(N, T, 2H)`.
    affine_in: Array3<F>,
    ddec_hs: Array3<F>,
    denc_hs: Array3<F>,
}

impl<F: Float> AttentionDecoder<F> {
    /// `embed_W = randn(V, D) / 100`, `lstm_Wx = randn(D, 4H) / √D`,
    /// `lstm_Wh = randn(H, 4H) / √H`, `affine_W = randn(2H, V) / √(2H)`,
    /// biases zero.
    ///
    /// # Errors
    /// A zero size.
    pub fn new(v: usize, d: usize, h: usize, rng: &mut dyn Randn) -> Result<Self> {
        check_sizes("AttentionDecoder.new", v, d, h)?;
        let embed_w = scaled_randn(v, d, 100.0, rng);
        let wx = scaled_randn(d, 4 * h, (d as f64).sqrt(), rng);
        let wh = scaled_randn(h, 4 * h, (h as f64).sqrt(), rng);
        let affine_w = scaled_randn(2 * h, v, ((2 * h) as f64).sqrt(), rng);
        let z = || Array3::zeros((0, 0, 0));
        Ok(Self {
            embed: TimeEmbedding::new(embed_w)?,
            lstm: TimeLstm::new(wx, wh, Array1::zeros(4 * h), true)?,
            attention: TimeAttention::new(),
            affine: TimeAffine::new(affine_w, Array1::zeros(v))?,
            affine_in: z(),
            ddec_hs: z(),
            denc_hs: z(),
        })
    }

    /// The attention weights of the last forward or generation,
    /// `(N, T_dec, T_enc)` (a generation keeps its last step's).
    pub fn attention_weights(&self) -> ArrayView3<'_, F> {
        self.attention.attention_weights()
    }

    /// The scores `(N, T, V)` after each of `xs` `(N, T)`, attending to the
    /// encoder's states `enc_hs` `(N, T_enc, H)`; the LSTM starts from
    /// `enc_hs[:, -1]`.
    ///
    /// # Errors
    /// Ids outside the vocabulary, or `enc_hs` of another shape.
    pub fn forward(
        &mut self,
        xs: ArrayView2<'_, usize>,
        enc_hs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        let last = enc_hs.dim().1.checked_sub(1).ok_or_else(|| {
            Error::shape(
                "AttentionDecoder.forward",
                format!("enc_hs has no steps: {:?}", enc_hs.shape()),
            )
        })?;
        self.lstm.set_state(enc_hs.slice(s![.., last, ..]), None)?;
        self.step(xs, enc_hs)
    }

    /// Embedding → LSTM (from its current state) → attention → affine.
    fn step(
        &mut self,
        xs: ArrayView2<'_, usize>,
        enc_hs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        let out = self.embed.forward(xs)?;
        let dec_hs = self.lstm.forward(out)?;
        let c = self.attention.forward(enc_hs, dec_hs)?;
        let (n, t, h) = dec_hs.dim();
        if self.affine_in.dim() != (n, t, 2 * h) {
            self.affine_in = Array3::zeros((n, t, 2 * h));
        }
        self.affine_in.slice_mut(s![.., .., ..h]).assign(&c);
        self.affine_in.slice_mut(s![.., .., h..]).assign(&dec_hs);
        self.affine.forward(self.affine_in.view())
    }

    /// Fills the gradients from ∂L/∂scores and returns ∂L/∂enc_hs (the
    /// attention's, plus the LSTM's `dh` at the last encoder step).
    ///
    /// # Errors
    /// Called before forward, or `dscore` of another shape.
    pub fn backward(&mut self, dscore: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        let dout = self.affine.backward(dscore)?;
        let h = dout.dim().2 / 2;
        let (denc_hs, ddec_hs1) = self.attention.backward(dout.slice(s![.., .., ..h]))?;
        if self.ddec_hs.dim() != ddec_hs1.dim() {
            self.ddec_hs = Array3::zeros(ddec_hs1.dim());
        }
        self.ddec_hs.assign(&dout.slice(s![.., .., h..]));
        self.ddec_hs += &ddec_hs1;
        if self.denc_hs.dim() != denc_hs.dim() {
            self.denc_hs = Array3::zeros(denc_hs.dim());
        }
        self.denc_hs.assign(&denc_hs);
        let dxs = self.lstm.backward(self.ddec_hs.view())?;
        self.embed.backward(dxs)?;
        let last = self.denc_hs.dim().1 - 1;
        let mut at_last = self.denc_hs.slice_mut(s![.., last, ..]);
        at_last += &self.lstm.dh();
        Ok(self.denc_hs.view())
    }

    /// Greedy decoding of `sample_size` characters per row, attending to
    /// `enc_hs`, the first after `start_ids[n]` (the book's `generate`).
    ///
    /// # Errors
    /// A start id outside the vocabulary, or not one per row.
    pub fn generate(
        &mut self,
        enc_hs: ArrayView3<'_, F>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>> {
        const OP: &str = "AttentionDecoder.generate";
        let last = enc_hs.dim().1.checked_sub(1).ok_or_else(|| {
            Error::shape(OP, format!("enc_hs has no steps: {:?}", enc_hs.shape()))
        })?;
        let h = enc_hs.slice(s![.., last, ..]);
        let mut ids = start_column(OP, h, start_ids)?;
        let mut sampled = Array2::zeros((h.nrows(), sample_size));
        self.lstm.set_state(h, None)?;
        for step in 0..sample_size {
            let score = self.step(ids.view(), enc_hs)?;
            argmax_into(OP, score, &mut ids, &mut sampled, step)?;
        }
        Ok(sampled)
    }
}

impl<F: Float> Parameters<F> for AttentionDecoder<F> {
    /// `embed_W`, `lstm_Wx`, `lstm_Wh`, `lstm_b`, `affine_W`, `affine_b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.embed.visit_params(f)?;
        self.lstm.visit_params(f)?;
        self.affine.visit_params(f)
    }
}

/// The book's `AttentionSeq2seq(vocab_size, wordvec_size, hidden_size)`:
/// [`AttentionEncoder`] → [`AttentionDecoder`] → `TimeSoftmaxWithLoss`.
/// Trained and used as [`Seq2seq`](super::Seq2seq); after a forward, the
/// decoder's attention weights are what the book's
/// `visualize_attention.py` draws.
///
/// ```
/// use nn_text::seq2seq::{AttentionSeq2seq, Seq2seqModel};
/// use nn_train::NumpyRandom;
/// use ndarray::array;
/// let mut model = AttentionSeq2seq::<f32>::new(13, 16, 32, &mut NumpyRandom::new(1984))?;
/// let (xs, ts) = (array![[1, 2, 3, 4]], array![[0, 4, 5]]);
/// model.forward_rows(xs.view(), ts.view())?;
/// assert_eq!(model.attention_weights().dim(), (1, 2, 4));
/// assert_eq!(model.generate(xs.view(), &[0], 2)?.dim(), (1, 2));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AttentionSeq2seq<F: Float> {
    encoder: AttentionEncoder<F>,
    decoder: AttentionDecoder<F>,
    softmax: TimeSoftmaxWithLoss<F>,
    targets: Targets,
}

impl<F: Float> AttentionSeq2seq<F> {
    /// The model with the book's initial weights drawn from `rng`: the
    /// encoder's, then the decoder's.
    ///
    /// # Errors
    /// A zero size.
    pub fn new(
        vocab_size: usize,
        wordvec_size: usize,
        hidden_size: usize,
        rng: &mut dyn Randn,
    ) -> Result<Self> {
        let encoder = AttentionEncoder::new(vocab_size, wordvec_size, hidden_size, rng)?;
        let decoder = AttentionDecoder::new(vocab_size, wordvec_size, hidden_size, rng)?;
        Ok(Self {
            encoder,
            decoder,
            softmax: TimeSoftmaxWithLoss::new(),
            targets: Targets::default(),
        })
    }

    /// The attention weights `(N, T_dec, T_enc)` of the last forward (the
    /// book's `decoder.attention.attention_weights`).
    pub fn attention_weights(&self) -> ArrayView3<'_, F> {
        self.decoder.attention_weights()
    }

    /// The mean loss of answering `xs` with `ts` (the book's `forward`).
    ///
    /// # Errors
    /// Ids outside the vocabulary, answers shorter than 2, mismatched rows,
    /// or a non-finite loss.
    pub fn forward_rows(
        &mut self,
        xs: ArrayView2<'_, usize>,
        ts: ArrayView2<'_, usize>,
    ) -> Result<F> {
        let vocab = self.encoder.vocab_size();
        let decoder_xs = self
            .targets
            .split("AttentionSeq2seq.forward", xs, ts, vocab)?;
        let hs = self.encoder.forward(xs)?;
        let score = self.decoder.forward(decoder_xs, hs)?;
        self.softmax.forward(score, self.targets.view())
    }

    /// Fills every gradient for the last forward.
    ///
    /// # Errors
    /// Called before forward.
    pub fn backward(&mut self) -> Result<()> {
        let dscore = self.softmax.backward(F::one())?;
        let dhs = self.decoder.backward(dscore)?;
        self.encoder.backward(dhs)
    }
}

impl<F: Float> Seq2seqModel<F> for AttentionSeq2seq<F> {
    fn vocab_size(&self) -> usize {
        self.encoder.vocab_size()
    }

    fn generate(
        &mut self,
        xs: ArrayView2<'_, usize>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>> {
        check_ids(
            "AttentionSeq2seq.generate",
            "xs",
            xs,
            self.encoder.vocab_size(),
        )?;
        let hs = self.encoder.forward(xs)?;
        self.decoder.generate(hs, start_ids, sample_size)
    }
}

impl<F: Float> Model<F> for AttentionSeq2seq<F> {
    type Input = usize;
    type Label = usize;

    fn forward(&mut self, x: ArrayView2<'_, usize>, t: &[usize]) -> Result<F> {
        let ts = label_rows("AttentionSeq2seq.forward", x, t)?;
        self.forward_rows(x, ts)
    }

    fn backward(&mut self) -> Result<()> {
        Self::backward(self)
    }

    fn check_data(&mut self, x: ArrayView2<'_, usize>, t: &[usize]) -> Result<()> {
        let ts = label_rows("AttentionSeq2seq.fit", x, t)?;
        Targets::check("AttentionSeq2seq.fit", x, ts, self.encoder.vocab_size())
    }
}

impl<F: Float> NamedParameters<F> for AttentionSeq2seq<F> {
    fn name(&self) -> &'static str {
        "AttentionSeq2seq"
    }

    fn param_names(&self) -> &'static [&'static str] {
        PARAM_NAMES
    }
}

impl<F: Float> Parameters<F> for AttentionSeq2seq<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.encoder.visit_params(f)?;
        self.decoder.visit_params(f)
    }
}
