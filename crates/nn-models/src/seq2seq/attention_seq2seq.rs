//! `AttentionEncoder`, `AttentionDecoder`, `AttentionSeq2seq`
//! (`ch08/attention_seq2seq.py`).

use ndarray::{Array3, ArrayView2, ArrayView3, s};
use nn_core::attention::TimeAttention;
use nn_core::time::TimeLayer;
use nn_core::{Float, Param, Parameters, Result};

use super::DecoderWeights;
use super::decoder::{DecoderLayers, Seq2seqDecoder};
use super::encoder::Encoder;
use super::seq2seq::Seq2seq;

/// The book's `AttentionEncoder`, an `Encoder` whose output is every step's
/// hidden state: [`Encoder::forward_all`] and [`Encoder::backward_all`],
/// which every [`Seq2seq`] uses.
pub type AttentionEncoder<F> = Encoder<F>;

/// The book's `AttentionSeq2seq(vocab_size, wordvec_size, hidden_size)`:
/// the encoder → [`AttentionDecoder`] → `TimeSoftmaxWithLoss`, trained and
/// used as every [`Seq2seq`]; after a forward, the decoder's attention
/// weights ([`Seq2seq::attention_weights`]) are what the book's
/// `visualize_attention.py` draws.
///
/// ```
/// use nn_models::seq2seq::{AttentionSeq2seq, Seq2seqModel};
/// use nn_train::NumpyRandom;
/// use ndarray::array;
/// let mut model = AttentionSeq2seq::<f32>::new(13, 16, 32, &mut NumpyRandom::new(1984))?;
/// let (xs, ts) = (array![[1, 2, 3, 4]], array![[0, 4, 5]]);
/// model.forward_rows(xs.view(), ts.view())?;
/// assert_eq!(model.attention_weights().dim(), (1, 2, 4));
/// assert_eq!(model.generate(xs.view(), &[0], 2)?.dim(), (1, 2));
/// # Ok::<(), nn_core::Error>(())
/// ```
pub type AttentionSeq2seq<F> = Seq2seq<F, AttentionDecoder<F>>;

impl<F: Float> Seq2seq<F, AttentionDecoder<F>> {
    /// The attention weights `(N, T_dec, T_enc)` of the last forward (the
    /// book's `decoder.attention.attention_weights`; after a generation,
    /// its last step's).
    pub fn attention_weights(&self) -> ArrayView3<'_, F> {
        self.decoder().attention_weights()
    }
}

/// The book's `AttentionDecoder`: `TimeEmbedding` → stateful `TimeLSTM`
/// (from the encoder's last state) → `TimeAttention` over all the encoder's
/// states → `[c, hs]` → `TimeAffine` `(2H, V)`. Parameters in the book's
/// order: `embed.W`, `lstm.Wx`, `lstm.Wh`, `lstm.b`, `affine.W`, `affine.b`.
#[derive(Debug, Clone)]
pub struct AttentionDecoder<F: Float> {
    layers: DecoderLayers<F>,
    attention: TimeAttention<F>,
    /// `[c, dec_hs]` `(N, T, 2H)`.
    affine_in: Array3<F>,
    ddec_hs: Array3<F>,
}

impl<F: Float> AttentionDecoder<F> {
    /// The attention weights of the last forward, `(N, T_dec, T_enc)`.
    pub fn attention_weights(&self) -> ArrayView3<'_, F> {
        self.attention.attention_weights()
    }
}

impl<F: Float> Seq2seqDecoder<F> for AttentionDecoder<F> {
    const MODEL: &'static str = "AttentionSeq2seq";
    const NEW: &'static str = "AttentionDecoder.new";

    /// The context beside the LSTM's state: `lstm.Wx` `(D, 4H)`, `affine.W`
    /// `(2H, V)`.
    fn input_sizes(d: usize, h: usize) -> (usize, usize) {
        (d, 2 * h)
    }

    fn from_weights(weights: DecoderWeights<F>) -> Result<Self> {
        let layers = DecoderLayers::from_weights(
            "AttentionDecoder.from_weights",
            weights,
            Self::input_sizes,
        )?;
        Ok(Self {
            layers,
            attention: TimeAttention::new(),
            affine_in: Array3::zeros((0, 0, 0)),
            ddec_hs: Array3::zeros((0, 0, 0)),
        })
    }

    fn layers(&self) -> &DecoderLayers<F> {
        &self.layers
    }

    fn start(&mut self, enc_hs: ArrayView3<'_, F>) -> Result<()> {
        self.layers.start("AttentionDecoder.forward", enc_hs)
    }

    /// Embedding → LSTM → attention over `enc_hs` → `[c, dec_hs]` → affine.
    fn scores(
        &mut self,
        xs: ArrayView2<'_, usize>,
        enc_hs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        let out = self.layers.embed.forward(xs)?;
        let dec_hs = self.layers.lstm.forward(out)?;
        let c = self.attention.forward(enc_hs, dec_hs)?;
        let (n, t, h) = dec_hs.dim();
        if self.affine_in.dim() != (n, t, 2 * h) {
            self.affine_in = Array3::zeros((n, t, 2 * h));
        }
        self.affine_in.slice_mut(s![.., .., ..h]).assign(&c);
        self.affine_in.slice_mut(s![.., .., h..]).assign(&dec_hs);
        self.layers.affine.forward(self.affine_in.view())
    }

    /// ∂L/∂enc_hs: the attention's, plus the LSTM's `dh` at the last step.
    fn backward(&mut self, dscore: ArrayView3<'_, F>, denc_hs: &mut Array3<F>) -> Result<()> {
        let dout = self.layers.affine.backward(dscore)?;
        let h = dout.dim().2 / 2;
        let (denc, ddec_hs1) = self.attention.backward(dout.slice(s![.., .., ..h]))?;
        if self.ddec_hs.dim() != ddec_hs1.dim() {
            self.ddec_hs = Array3::zeros(ddec_hs1.dim());
        }
        self.ddec_hs.assign(&dout.slice(s![.., .., h..]));
        self.ddec_hs += &ddec_hs1;
        if denc_hs.dim() != denc.dim() {
            *denc_hs = Array3::zeros(denc.dim());
        }
        denc_hs.assign(&denc);
        let dxs = self.layers.lstm.backward(self.ddec_hs.view())?;
        self.layers.embed.backward(dxs)?;
        let last = denc_hs.dim().1 - 1;
        let mut at_last = denc_hs.slice_mut(s![.., last, ..]);
        at_last += &self.layers.lstm.dh();
        Ok(())
    }
}

impl<F: Float> Parameters<F> for AttentionDecoder<F> {
    /// `embed.W`, `lstm.Wx`, `lstm.Wh`, `lstm.b`, `affine.W`, `affine.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.layers.visit_params(f)
    }
}
