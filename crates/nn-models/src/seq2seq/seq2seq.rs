//! `Seq2seq` (`ch07/seq2seq.py`) and `PeekySeq2seq` (`ch07/peeky_seq2seq.py`);
//! `AttentionSeq2seq` is the same model with chapter 8's decoder.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3};
use nn_core::time::TimeSoftmaxWithLoss;
use nn_core::{Float, ForwardState, Param, Parameters, Randn, Result, scoped};
use nn_train::Model;

use super::decoder::{Decoder, Seq2seqDecoder};
use super::encoder::Encoder;
use super::peeky_decoder::PeekyDecoder;
use super::{
    DecoderWeights, EncoderWeights, LEGACY_PARAM_NAMES, Seq2seqModel, Targets, check_ids,
    label_rows,
};
use crate::params::NamedModel;

/// The book's `Seq2seq(vocab_size, wordvec_size, hidden_size)`: an
/// [`Encoder`] reads the question, a decoder (by default the book's
/// [`Decoder`]) writes the answer from the encoder's states, and
/// `TimeSoftmaxWithLoss` scores it. The answer rows `ts` start with the
/// separator `_`: the decoder reads `ts[:, :-1]` and predicts `ts[:, 1:]`.
/// With the other decoders it is the book's
/// [`PeekySeq2seq`](super::PeekySeq2seq) and
/// [`AttentionSeq2seq`](super::AttentionSeq2seq), which the book too
/// derives from `Seq2seq`.
///
/// Parameters in the book's order, the encoder's then the decoder's, named
/// by the part: `encoder.embed.W`, `encoder.lstm.Wx`, …, `decoder.embed.W`,
/// …, `decoder.affine.b`.
///
/// ```
/// use nn_models::seq2seq::{Seq2seq, Seq2seqModel};
/// use nn_train::NumpyRandom;
/// use ndarray::array;
/// let mut model = Seq2seq::<f32>::new(13, 16, 32, &mut NumpyRandom::new(1984))?;
/// let (xs, ts) = (array![[1, 2, 3], [3, 2, 1]], array![[0, 4, 5], [0, 5, 4]]);
/// let loss = model.forward_rows(xs.view(), ts.view())?;
/// assert!((loss - 13f32.ln()).abs() < 0.1); // near-uniform at first
/// model.backward()?;
/// let answers = model.generate(xs.view(), &[0, 0], 2)?;
/// assert_eq!(answers.dim(), (2, 2));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Seq2seq<F: Float, D: Seq2seqDecoder<F> = Decoder<F>> {
    encoder: Encoder<F>,
    decoder: D,
    softmax: TimeSoftmaxWithLoss<F>,
    targets: Targets,
    /// ∂L/∂(the encoder's states), from the decoder.
    denc_hs: Array3<F>,
    pass: ForwardState,
}

/// The book's `PeekySeq2seq`: [`Seq2seq`] with a
/// [`PeekyDecoder`](super::PeekyDecoder).
pub type PeekySeq2seq<F> = Seq2seq<F, PeekyDecoder<F>>;

impl<F: Float, D: Seq2seqDecoder<F>> Seq2seq<F, D> {
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
        let encoder = Encoder::new(vocab_size, wordvec_size, hidden_size, rng)?;
        let decoder = D::new(vocab_size, wordvec_size, hidden_size, rng)?;
        Self::from_parts(encoder, decoder)
    }

    /// The model with the given weights: the encoder's and the decoder's,
    /// each in the book's order (what the book's `.pkl` lists, ten arrays).
    ///
    /// # Errors
    /// Arrays of shapes that don't fit, named.
    pub fn from_weights(encoder: EncoderWeights<F>, decoder: DecoderWeights<F>) -> Result<Self> {
        const OP: &str = "Seq2seq.from_weights";
        let (embed_w, lstm) = encoder;
        let encoder = Encoder::from_weights(embed_w, lstm).map_err(|e| e.within(OP, "encoder"))?;
        let decoder = D::from_weights(decoder).map_err(|e| e.within(OP, "decoder"))?;
        Self::from_parts(encoder, decoder)
    }

    /// The model of an encoder and a decoder built by the caller.
    ///
    /// # Errors
    /// An encoder and a decoder of different vocabularies or hidden sizes.
    pub fn from_parts(encoder: Encoder<F>, decoder: D) -> Result<Self> {
        let (ve, he) = (encoder.vocab_size(), encoder.hidden_size());
        let (vd, hd) = (decoder.vocab_size(), decoder.hidden_size());
        if (ve, he) != (vd, hd) {
            return Err(nn_core::Error::shape(
                "Seq2seq.from_parts",
                format!(
                    "the encoder has V = {ve}, H = {he} but the decoder V = {vd}, H = {hd}: \
                     they must agree"
                ),
            ));
        }
        Ok(Self {
            encoder,
            decoder,
            softmax: TimeSoftmaxWithLoss::new(),
            targets: Targets::default(),
            denc_hs: Array3::zeros((0, 0, 0)),
            pass: ForwardState::NotRun,
        })
    }

    /// The encoder.
    pub fn encoder(&self) -> &Encoder<F> {
        &self.encoder
    }

    /// The encoder's state at every step of the last forward or generation,
    /// `(N, T_q, H)`: what the decoder read (for the book's `Decoder`, only
    /// the last step's).
    pub fn encoder_states(&self) -> ArrayView3<'_, F> {
        self.encoder.lstm().hs()
    }

    /// The loss layer: after a forward, the probability of every character
    /// at every step of the answer
    /// ([`probabilities`](TimeSoftmaxWithLoss::probabilities)).
    pub fn loss_layer(&self) -> &TimeSoftmaxWithLoss<F> {
        &self.softmax
    }

    /// The decoder.
    pub fn decoder(&self) -> &D {
        &self.decoder
    }

    /// The mean loss of answering `xs` `(N, T_q)` with `ts` `(N, T_a)` (the
    /// book's `forward(xs, ts)`).
    ///
    /// # Errors
    /// Ids outside the vocabulary, answers shorter than 2, mismatched rows,
    /// or a non-finite loss.
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
        const OP: &str = "Seq2seq.forward";
        let vocab = self.encoder.vocab_size();
        let decoder_xs = self.targets.split(OP, xs, ts, vocab)?;
        let hs = self
            .encoder
            .forward_all(xs)
            .map_err(|e| e.within(OP, "encoder"))?;
        let score = self
            .decoder
            .forward(decoder_xs, hs)
            .map_err(|e| e.within(OP, "decoder"))?;
        self.softmax
            .forward(score, self.targets.view())
            .map_err(|e| e.within(OP, "loss"))
    }

    /// Fills every gradient for the last forward (the book's `backward()`).
    ///
    /// # Errors
    /// Called before forward.
    pub fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    /// As [`backward`](Self::backward) from the upstream gradient `dout` =
    /// ∂L/∂loss (the book's `backward(dout)`): every gradient scaled by it.
    ///
    /// # Errors
    /// Called before forward, or `dout` not finite.
    pub fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "Seq2seq.backward";
        self.pass.check(OP)?;
        let dscore = self
            .softmax
            .backward(dout)
            .map_err(|e| e.within(OP, "loss"))?;
        self.decoder
            .backward(dscore, &mut self.denc_hs)
            .map_err(|e| e.within(OP, "decoder"))?;
        self.encoder
            .backward_all(self.denc_hs.view())
            .map_err(|e| e.within(OP, "encoder"))
    }
}

impl<F: Float, D: Seq2seqDecoder<F>> Seq2seqModel<F> for Seq2seq<F, D> {
    fn vocab_size(&self) -> usize {
        self.encoder.vocab_size()
    }

    fn generate(
        &mut self,
        xs: ArrayView2<'_, usize>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>> {
        const OP: &str = "Seq2seq.generate";
        check_ids(OP, "xs", xs, self.encoder.vocab_size())?;
        // A generation is no forward to differentiate.
        self.pass = ForwardState::NotRun;
        let hs = self
            .encoder
            .forward_all(xs)
            .map_err(|e| e.within(OP, "encoder"))?;
        self.decoder
            .generate(hs, start_ids, sample_size)
            .map_err(|e| e.within(OP, "decoder"))
    }
}

impl<F: Float, D: Seq2seqDecoder<F>> Model<F> for Seq2seq<F, D> {
    type Input = usize;
    type Label = usize;

    fn forward(&mut self, x: ArrayView2<'_, usize>, t: &[usize]) -> Result<F> {
        let ts = label_rows("Seq2seq.forward", x, t)?;
        self.forward_rows(x, ts)
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        Seq2seq::backward_with(self, dout)
    }

    fn check_data(&mut self, x: ArrayView2<'_, usize>, t: &[usize]) -> Result<()> {
        let ts = label_rows("Seq2seq.fit", x, t)?;
        Targets::check("Seq2seq.fit", x, ts, self.encoder.vocab_size())
    }
}

impl<F: Float, D: Seq2seqDecoder<F>> NamedModel<F> for Seq2seq<F, D> {
    fn name(&self) -> &'static str {
        D::MODEL
    }

    fn legacy_param_names(&self) -> &'static [&'static str] {
        LEGACY_PARAM_NAMES
    }
}

impl<F: Float, D: Seq2seqDecoder<F>> Parameters<F> for Seq2seq<F, D> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.encoder.visit_params(&mut scoped("encoder", f))?;
        self.decoder.visit_params(&mut scoped("decoder", f))
    }
}
