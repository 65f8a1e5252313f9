//! `PeekyDecoder` (`ch07/peeky_seq2seq.py`): the encoder's state at every step.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, s};
use nn_core::time::TimeLayer;
use nn_core::{Error, Float, Param, Parameters, Result};

use super::DecoderWeights;
use super::decoder::{DecoderLayers, Seq2seqDecoder, at_last_step, last_state};

/// The book's `PeekyDecoder`: as [`Decoder`](super::Decoder), but the
/// encoder's `h` is also joined to every step's input of the LSTM
/// (`[h, embed(x)]`, `H + D` wide) and of the affine layer (`[h, lstm
/// out]`, `2H` wide), so that every step "peeks" at the question. Its `dh`
/// is the LSTM's plus the sum over steps of both joined copies' gradients.
///
/// Parameters in the book's order: `embed.W`, `lstm.Wx` `(H + D, 4H)`,
/// `lstm.Wh`, `lstm.b`, `affine.W` `(2H, V)`, `affine.b`.
#[derive(Debug, Clone)]
pub struct PeekyDecoder<F: Float> {
    layers: DecoderLayers<F>,
    /// `[h, lstm out]` `(N, T, 2H)`. (The LSTM's `[h, embed(x)]` is never
    /// built: [`TimeLstm::forward_peeking`](nn_core::time::TimeLstm::forward_peeking)
    /// takes `h` once for all steps.)
    affine_in: Array3<F>,
    dh: Array2<F>,
    /// The shape of the encoder states of the last forward.
    enc_dim: (usize, usize, usize),
}

/// Resizes a buffer (zeros on a new shape).
fn resize<F: Float>(buf: &mut Array3<F>, dim: (usize, usize, usize)) {
    if buf.dim() != dim {
        *buf = Array3::zeros(dim);
    }
}

/// `buf[n, t] = [h[n], rest[n, t]]`: the book's `np.concatenate((hs, out),
/// axis=2)` with `hs` the repeated `h`.
fn join<F: Float>(buf: &mut Array3<F>, h: ArrayView2<'_, F>, rest: ArrayView3<'_, F>) {
    let hidden = h.ncols();
    for ((mut seq, h), rest) in buf
        .outer_iter_mut()
        .zip(h.outer_iter())
        .zip(rest.outer_iter())
    {
        for (mut step, r) in seq.outer_iter_mut().zip(rest.outer_iter()) {
            step.slice_mut(s![..hidden]).assign(&h);
            step.slice_mut(s![hidden..]).assign(&r);
        }
    }
}

/// `sum[n] += Σₜ d[n, t]` (the book's `np.sum(dhs, axis=1)`), without a
/// temporary.
fn add_steps<F: Float>(sum: &mut Array2<F>, d: ArrayView3<'_, F>) {
    for (mut sum, d) in sum.outer_iter_mut().zip(d.outer_iter()) {
        for step in d.outer_iter() {
            sum += &step;
        }
    }
}

impl<F: Float> Seq2seqDecoder<F> for PeekyDecoder<F> {
    const MODEL: &'static str = "PeekySeq2seq";
    const NEW: &'static str = "PeekyDecoder.new";

    /// The encoder's `h` beside each input: `lstm.Wx` `(H + D, 4H)`,
    /// `affine.W` `(2H, V)`.
    fn input_sizes(d: usize, h: usize) -> (usize, usize) {
        (h + d, 2 * h)
    }

    fn from_weights(weights: DecoderWeights<F>) -> Result<Self> {
        let layers =
            DecoderLayers::from_weights("PeekyDecoder.from_weights", weights, Self::input_sizes)?;
        let z = || Array3::zeros((0, 0, 0));
        Ok(Self {
            layers,
            affine_in: z(),
            dh: Array2::zeros((0, 0)),
            enc_dim: (0, 0, 0),
        })
    }

    fn layers(&self) -> &DecoderLayers<F> {
        &self.layers
    }

    fn start(&mut self, enc_hs: ArrayView3<'_, F>) -> Result<()> {
        self.layers.start("PeekyDecoder.forward", enc_hs)?;
        self.enc_dim = enc_hs.dim();
        Ok(())
    }

    /// `[h, embed(xs)]` → LSTM → `[h, hs]` → affine, `h` the encoder's last
    /// state.
    fn scores(
        &mut self,
        xs: ArrayView2<'_, usize>,
        enc_hs: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "PeekyDecoder.forward";
        let h = last_state(OP, enc_hs)?;
        let (n, t) = xs.dim();
        let hidden = self.layers.lstm.hidden_size();
        if h.dim() != (n, hidden) {
            return Err(Error::shape(
                OP,
                format!(
                    "enc_hs must be (N, T, {hidden}) for xs of N = {n} rows (enc_hs: {:?}, xs: {:?})",
                    enc_hs.shape(),
                    xs.shape()
                ),
            ));
        }
        let out = self.layers.embed.forward(xs)?;
        // `h`'s part of the LSTM's gates is the same at every step: one
        // product for the sequence (the book computes it at each step).
        let out = self.layers.lstm.forward_peeking(h, out)?;
        resize(&mut self.affine_in, (n, t, 2 * hidden));
        join(&mut self.affine_in, h, out);
        self.layers.affine.forward(self.affine_in.view())
    }

    /// The peeked copies' gradients, summed over the steps, plus the LSTM's
    /// `dh`, at the last encoder step (the book's `dh`).
    fn backward(&mut self, dscore: ArrayView3<'_, F>, denc_hs: &mut Array3<F>) -> Result<()> {
        let hidden = self.layers.lstm.hidden_size();
        let dout = self.layers.affine.backward(dscore)?;
        let n = dout.dim().0;
        if self.dh.dim() != (n, hidden) {
            self.dh = Array2::zeros((n, hidden));
        }
        self.dh.fill(F::zero());
        add_steps(&mut self.dh, dout.slice(s![.., .., ..hidden]));
        let dlstm = dout.slice_move(s![.., .., hidden..]);
        let (dpeeked, dx) = self.layers.lstm.backward_peeking(dlstm)?;
        self.dh += &dpeeked;
        self.layers.embed.backward(dx)?;
        self.dh += &self.layers.lstm.dh();
        at_last_step(
            "PeekyDecoder.backward",
            denc_hs,
            self.enc_dim,
            self.dh.view(),
        )
    }
}

impl<F: Float> Parameters<F> for PeekyDecoder<F> {
    /// `embed.W`, `lstm.Wx`, `lstm.Wh`, `lstm.b`, `affine.W`, `affine.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.layers.visit_params(f)
    }
}
