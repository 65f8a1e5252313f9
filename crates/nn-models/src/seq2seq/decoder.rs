//! `Decoder` (`ch07/seq2seq.py`): the answer from the encoder's state.

use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, s};
use nn_core::time::{TimeAffine, TimeEmbedding, TimeLayer, TimeLstm};
use nn_core::{Error, Float, Param, Parameters, Randn, Result, scoped};

use super::DecoderWeights;
use crate::rnnlm::scaled_randn;
use crate::shapes::{agree, check_sizes};

/// What a [`Seq2seq`](super::Seq2seq) needs of its decoder: the book's
/// [`Decoder`], [`PeekyDecoder`](super::PeekyDecoder) and
/// [`AttentionDecoder`](super::AttentionDecoder). Each reads the encoder's
/// states `enc_hs` `(N, T_q, H)` (the first two only the last step's) and
/// starts its LSTM from the last step's `h`.
pub trait Seq2seqDecoder<F: Float>: Parameters<F> + Send {
    /// The book's name of the whole model (`"Seq2seq"`, `"PeekySeq2seq"`,
    /// `"AttentionSeq2seq"`).
    const MODEL: &'static str;

    /// The widths of the LSTM's and the affine layer's inputs for word
    /// vectors of `D` and states of `H`: `(D, H)` for the book's `Decoder`,
    /// `(H + D, 2H)` for the peeky one, `(D, 2H)` with attention.
    fn input_sizes(wordvec_size: usize, hidden_size: usize) -> (usize, usize)
    where
        Self: Sized;

    /// The book's initial weights from `rng`, in its order:
    /// `embed_W = randn(V, D) / 100`, `lstm_Wx = randn(lstm_in, 4H) /
    /// √lstm_in`, `lstm_Wh = randn(H, 4H) / √H`, `affine_W = randn(affine_in,
    /// V) / √affine_in`, biases zero (the inputs' widths from
    /// [`input_sizes`](Self::input_sizes)).
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
        Self: Sized,
    {
        let (v, d, h) = (vocab_size, wordvec_size, hidden_size);
        check_sizes(Self::NEW, v, d, h)?;
        let (lstm_in, affine_in) = Self::input_sizes(d, h);
        let embed_w = scaled_randn(v, d, 100.0, rng);
        let wx = scaled_randn(lstm_in, 4 * h, (lstm_in as f64).sqrt(), rng);
        let wh = scaled_randn(h, 4 * h, (h as f64).sqrt(), rng);
        let affine_w = scaled_randn(affine_in, v, (affine_in as f64).sqrt(), rng);
        Self::from_weights((
            embed_w,
            (wx, wh, Array1::zeros(4 * h)),
            affine_w,
            Array1::zeros(v),
        ))
    }

    /// The name of [`new`](Self::new) in errors (`"Decoder.new"`).
    const NEW: &'static str;

    /// The decoder with the given weights, in the book's order: `embed.W`
    /// `(V, D)`, the LSTM's `(Wx, Wh, b)` (`Wx` `(lstm_in, 4H)`), `affine.W`
    /// `(affine_in, V)`, `affine.b` `(V,)`, the widths as
    /// [`input_sizes`](Self::input_sizes) gives them.
    ///
    /// # Errors
    /// Arrays of shapes that don't fit, named.
    fn from_weights(weights: DecoderWeights<F>) -> Result<Self>
    where
        Self: Sized;

    /// The three layers every decoder has.
    fn layers(&self) -> &DecoderLayers<F>;

    /// The embedding layer (`embed.W`).
    fn embed(&self) -> &TimeEmbedding<F> {
        &self.layers().embed
    }

    /// The LSTM: its weights, and after a forward its gates and its state
    /// (`state()`, `dh()` after a backward).
    fn lstm(&self) -> &TimeLstm<F> {
        &self.layers().lstm
    }

    /// The output layer (`affine.W`, `affine.b`).
    fn affine(&self) -> &TimeAffine<F> {
        &self.layers().affine
    }

    /// The vocabulary size `V` (the rows of `embed.W`).
    fn vocab_size(&self) -> usize {
        self.embed().w().nrows()
    }

    /// The hidden size `H` of the LSTM.
    fn hidden_size(&self) -> usize {
        self.lstm().hidden_size()
    }

    /// Sets the LSTM's state to the encoder's last `h` (the cell from
    /// zeros), as the book's `lstm.set_state(h)`.
    ///
    /// # Errors
    /// `enc_hs` of another hidden size, or without steps.
    fn start(&mut self, enc_hs: ArrayView3<'_, F>) -> Result<()>;

    /// The scores `(N, T, V)` of the next character after each of `xs`
    /// `(N, T)`, the LSTM going on from its current state.
    ///
    /// # Errors
    /// Ids outside the vocabulary, or `enc_hs` of another shape.
    fn scores(
        &mut self,
        xs: ArrayView2<'_, usize>,
        enc_hs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>>;

    /// Fills the gradients from ∂L/∂scores and writes ∂L/∂enc_hs into
    /// `denc_hs` (resized to `enc_hs`'s shape).
    ///
    /// # Errors
    /// Called before forward, or `dscore` of another shape.
    fn backward(&mut self, dscore: ArrayView3<'_, F>, denc_hs: &mut Array3<F>) -> Result<()>;

    /// The book's `forward(xs, h)`: [`start`](Self::start), then
    /// [`scores`](Self::scores).
    ///
    /// # Errors
    /// As those two.
    fn forward(
        &mut self,
        xs: ArrayView2<'_, usize>,
        enc_hs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        self.start(enc_hs)?;
        self.scores(xs, enc_hs)
    }

    /// Greedy decoding: `sample_size` characters per row, each the
    /// highest-scoring one (the first of equal maxima, as `np.argmax`)
    /// after the previous, the first after `start_ids[n]` (the book's
    /// `generate`, for a batch of rows).
    ///
    /// # Errors
    /// Not one start id per row, an id outside the vocabulary, or a score
    /// that is not finite.
    fn generate(
        &mut self,
        enc_hs: ArrayView3<'_, F>,
        start_ids: &[usize],
        sample_size: usize,
    ) -> Result<Array2<usize>> {
        const OP: &str = "Seq2seqDecoder.generate";
        let n = enc_hs.dim().0;
        if start_ids.len() != n {
            return Err(Error::shape(
                OP,
                format!(
                    "one start id per row of enc_hs: {} ids for enc_hs {:?}",
                    start_ids.len(),
                    enc_hs.shape()
                ),
            ));
        }
        let mut ids = Array2::from_shape_fn((n, 1), |(i, _)| start_ids[i]);
        let mut sampled = Array2::zeros((n, sample_size));
        self.start(enc_hs)?;
        for step in 0..sample_size {
            let score = self.scores(ids.view(), enc_hs)?;
            argmax_into(OP, score, &mut ids, &mut sampled, step)?;
        }
        Ok(sampled)
    }
}

/// The three layers every decoder has, named `embed`, `lstm` and `affine`:
/// the embedding, the stateful LSTM (its state set from the encoder before
/// each batch) and the output layer. The decoders differ in what they put
/// between them.
#[derive(Debug, Clone)]
pub struct DecoderLayers<F: Float> {
    pub(super) embed: TimeEmbedding<F>,
    pub(super) lstm: TimeLstm<F>,
    pub(super) affine: TimeAffine<F>,
}

impl<F: Float> DecoderLayers<F> {
    /// The layers from a decoder's weights, after checking that they fit
    /// together: `embed.W` `(V, D)`, `lstm.Wx` `(lstm_in, 4H)`, `lstm.Wh`
    /// `(H, 4H)`, `affine.W` `(affine_in, V)`, with the widths `sizes(D, H)`.
    pub(super) fn from_weights(
        op: &'static str,
        (embed_w, (wx, wh, b), affine_w, affine_b): DecoderWeights<F>,
        sizes: fn(usize, usize) -> (usize, usize),
    ) -> Result<Self> {
        let (d, h) = (embed_w.ncols(), wh.nrows());
        let (lstm_in, affine_in) = sizes(d, h);
        let wanted = |name: &str, rows: usize, array: &Array2<F>, what: &str| {
            if array.nrows() == rows {
                Ok(())
            } else {
                Err(Error::shape(
                    op,
                    format!(
                        "{name} must have {rows} rows ({what}, with D = {d} from embed.W and \
                         H = {h} from lstm.Wh), got {:?}",
                        array.shape()
                    ),
                ))
            }
        };
        wanted("lstm.Wx", lstm_in, &wx, "the LSTM's input")?;
        wanted("affine.W", affine_in, &affine_w, "the affine layer's input")?;
        agree(
            op,
            "V",
            ("embed.W", &embed_w, 0),
            ("affine.W", &affine_w, 1),
        )?;
        Ok(Self {
            embed: TimeEmbedding::from_weights(embed_w).map_err(|e| e.within(op, "embed"))?,
            lstm: TimeLstm::from_weights(wx, wh, b, true).map_err(|e| e.within(op, "lstm"))?,
            affine: TimeAffine::from_weights(affine_w, affine_b)
                .map_err(|e| e.within(op, "affine"))?,
        })
    }

    /// Starts the LSTM from the encoder's last state `h` (the cell from
    /// zeros), as the book's `lstm.set_state(h)`; `op` names the decoder.
    pub(super) fn start(&mut self, op: &'static str, enc_hs: ArrayView3<'_, F>) -> Result<()> {
        self.lstm.set_state(last_state(op, enc_hs)?, None)
    }
}

impl<F: Float> Parameters<F> for DecoderLayers<F> {
    /// `embed.W`, `lstm.Wx`, `lstm.Wh`, `lstm.b`, `affine.W`, `affine.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.embed.visit_params(&mut scoped("embed", f))?;
        self.lstm.visit_params(&mut scoped("lstm", f))?;
        self.affine.visit_params(&mut scoped("affine", f))
    }
}

/// `enc_hs[:, -1]`, the encoder's last state.
pub(super) fn last_state<'a, F: Float>(
    op: &'static str,
    enc_hs: ArrayView3<'a, F>,
) -> Result<ArrayView2<'a, F>> {
    let steps = enc_hs.dim().1;
    if steps == 0 {
        return Err(Error::shape(
            op,
            format!("enc_hs has no steps: {:?}", enc_hs.shape()),
        ));
    }
    Ok(enc_hs.slice_move(s![.., steps - 1, ..]))
}

/// `denc_hs` resized to `(n, t, h)` and zeroed but for its last step, which
/// is `dh`: the book's `Encoder.backward(dh)` input.
///
/// # Errors
/// `dh` not `(n, h)` or no steps: the encoder states given to `start` are
/// not those of the forward being differentiated.
pub(super) fn at_last_step<F: Float>(
    op: &'static str,
    denc_hs: &mut Array3<F>,
    (n, t, h): (usize, usize, usize),
    dh: ArrayView2<'_, F>,
) -> Result<()> {
    if t == 0 || dh.dim() != (n, h) {
        return Err(Error::shape(
            op,
            format!(
                "dh {:?} does not fit the encoder states {:?} of the last start: \
                 call backward after the forward it differentiates",
                dh.shape(),
                [n, t, h]
            ),
        ));
    }
    if denc_hs.dim() != (n, t, h) {
        *denc_hs = Array3::zeros((n, t, h));
    }
    denc_hs.fill(F::zero());
    denc_hs.slice_mut(s![.., t - 1, ..]).assign(&dh);
    Ok(())
}

/// The book's `Decoder(vocab_size, wordvec_size, hidden_size)`:
/// `TimeEmbedding` → stateful `TimeLSTM` (its state set to the encoder's
/// last `h` before each batch, `c` from zeros) → `TimeAffine`. Parameters in
/// the book's order: `embed.W`, `lstm.Wx`, `lstm.Wh`, `lstm.b`, `affine.W`,
/// `affine.b`.
#[derive(Debug, Clone)]
pub struct Decoder<F: Float> {
    layers: DecoderLayers<F>,
    /// The shape of the encoder states of the last forward.
    enc_dim: (usize, usize, usize),
}

impl<F: Float> Seq2seqDecoder<F> for Decoder<F> {
    const MODEL: &'static str = "Seq2seq";
    const NEW: &'static str = "Decoder.new";

    /// The book's `Decoder`: `lstm.Wx` `(D, 4H)`, `affine.W` `(H, V)`.
    fn input_sizes(d: usize, h: usize) -> (usize, usize) {
        (d, h)
    }

    fn from_weights(weights: DecoderWeights<F>) -> Result<Self> {
        let layers =
            DecoderLayers::from_weights("Decoder.from_weights", weights, Self::input_sizes)?;
        Ok(Self {
            layers,
            enc_dim: (0, 0, 0),
        })
    }

    fn layers(&self) -> &DecoderLayers<F> {
        &self.layers
    }

    fn start(&mut self, enc_hs: ArrayView3<'_, F>) -> Result<()> {
        self.layers.start("Decoder.forward", enc_hs)?;
        self.enc_dim = enc_hs.dim();
        Ok(())
    }

    fn scores(
        &mut self,
        xs: ArrayView2<'_, usize>,
        _enc_hs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        let out = self.layers.embed.forward(xs)?;
        let out = self.layers.lstm.forward(out)?;
        self.layers.affine.forward(out)
    }

    /// Only the last encoder state reaches the decoder: ∂L/∂enc_hs is the
    /// LSTM's `dh` there and zero elsewhere.
    fn backward(&mut self, dscore: ArrayView3<'_, F>, denc_hs: &mut Array3<F>) -> Result<()> {
        let dout = self.layers.affine.backward(dscore)?;
        let dout = self.layers.lstm.backward(dout)?;
        self.layers.embed.backward(dout)?;
        at_last_step(
            "Decoder.backward",
            denc_hs,
            self.enc_dim,
            self.layers.lstm.dh(),
        )
    }
}

impl<F: Float> Parameters<F> for Decoder<F> {
    /// `embed.W`, `lstm.Wx`, `lstm.Wh`, `lstm.b`, `affine.W`, `affine.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.layers.visit_params(f)
    }
}

/// Writes each row's best class (the first of equal maxima, as
/// `np.argmax`) of `score` `(N, 1, V)` into `ids` `(N, 1)` and column
/// `step` of `sampled`.
fn argmax_into<F: Float>(
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
