//! `Encoder` (`ch07/seq2seq.py`): a question into the LSTM's last state.

use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, s};
use nn_core::time::{CellWeights, TimeEmbedding, TimeLayer, TimeLstm};
use nn_core::{Error, Float, Param, Parameters, Randn, Result, scoped};

use crate::rnnlm::scaled_randn;
use crate::shapes::{agree, check_sizes};

/// The book's `Encoder(vocab_size, wordvec_size, hidden_size)`:
/// `TimeEmbedding` → `TimeLSTM` (not stateful: every batch starts from
/// zeros). Its output is the last step's hidden state `h` `(N, H)`, which
/// carries the whole question to the decoder; chapter 8's
/// [`AttentionEncoder`](super::AttentionEncoder) passes on every step's.
///
/// Parameters in the book's order: `embed.W`, `lstm.Wx`, `lstm.Wh`, `lstm.b`.
#[derive(Debug, Clone)]
pub struct Encoder<F: Float> {
    embed: TimeEmbedding<F>,
    lstm: TimeLstm<F>,
    /// ∂L/∂hs: zeros but the last step's (reused).
    dhs: Array3<F>,
    /// `(N, T)` of the last forward.
    batch: Option<(usize, usize)>,
}

impl<F: Float> Encoder<F> {
    /// The book's initial weights from `rng`, in its order:
    /// `embed_W = randn(V, D) / 100`, `lstm_Wx = randn(D, 4H) / √D`,
    /// `lstm_Wh = randn(H, 4H) / √H`, `lstm_b = 0`.
    ///
    /// # Errors
    /// A zero size.
    pub fn new(
        vocab_size: usize,
        wordvec_size: usize,
        hidden_size: usize,
        rng: &mut dyn Randn,
    ) -> Result<Self> {
        let (v, d, h) = (vocab_size, wordvec_size, hidden_size);
        check_sizes("Encoder.new", v, d, h)?;
        let embed_w = scaled_randn(v, d, 100.0, rng);
        let wx = scaled_randn(d, 4 * h, (d as f64).sqrt(), rng);
        let wh = scaled_randn(h, 4 * h, (h as f64).sqrt(), rng);
        Self::from_weights(embed_w, (wx, wh, Array1::zeros(4 * h)))
    }

    /// The encoder with the given weights, in the book's order: `embed.W`
    /// `(V, D)` and the LSTM's `(Wx, Wh, b)` (`(D, 4H)`, `(H, 4H)`, `(4H,)`).
    ///
    /// # Errors
    /// Arrays of shapes that don't fit, named.
    pub fn from_weights(embed_w: Array2<F>, (wx, wh, b): CellWeights<F>) -> Result<Self> {
        const OP: &str = "Encoder.from_weights";
        agree(OP, "D", ("embed.W", &embed_w, 1), ("lstm.Wx", &wx, 0))?;
        Ok(Self {
            embed: TimeEmbedding::from_weights(embed_w).map_err(|e| e.within(OP, "embed"))?,
            lstm: TimeLstm::from_weights(wx, wh, b, false).map_err(|e| e.within(OP, "lstm"))?,
            dhs: Array3::zeros((0, 0, 0)),
            batch: None,
        })
    }

    /// Every step's hidden state `(N, T, H)` for the questions `xs` `(N, T)`.
    ///
    /// # Errors
    /// An empty batch or an id outside the vocabulary.
    pub fn forward_all(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, F>> {
        self.batch = None;
        let embedded = self.embed.forward(xs)?;
        self.batch = Some(xs.dim());
        self.lstm.forward(embedded)
    }

    /// The last step's hidden state `(N, H)` (the book's `hs[:, -1, :]`).
    ///
    /// # Errors
    /// As [`forward_all`](Self::forward_all).
    pub fn forward(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView2<'_, F>> {
        let hs = self.forward_all(xs)?;
        let last = hs.dim().1 - 1;
        Ok(hs.slice_move(s![.., last, ..]))
    }

    /// Backward from ∂L/∂hs for every step, filling the gradients.
    ///
    /// # Errors
    /// Called before forward, or `dhs` not of the last output's shape.
    pub fn backward_all(&mut self, dhs: ArrayView3<'_, F>) -> Result<()> {
        let dxs = self.lstm.backward(dhs)?;
        self.embed.backward(dxs)
    }

    /// Backward from ∂L/∂h of the last step only (the book's `backward(dh)`).
    ///
    /// # Errors
    /// Called before forward, or `dh` not `(N, H)`.
    pub fn backward(&mut self, dh: ArrayView2<'_, F>) -> Result<()> {
        const OP: &str = "Encoder.backward";
        let Some((n, t)) = self.batch else {
            return Err(Error::BackwardBeforeForward { op: OP });
        };
        let hidden = self.lstm.hidden_size();
        if dh.dim() != (n, hidden) {
            return Err(Error::shape(
                OP,
                format!("dh must be ({n}, {hidden}), got {:?}", dh.shape()),
            ));
        }
        if self.dhs.dim() != (n, t, hidden) {
            self.dhs = Array3::zeros((n, t, hidden));
        }
        self.dhs.slice_mut(s![.., t - 1, ..]).assign(&dh);
        let dxs = self.lstm.backward(self.dhs.view())?;
        self.embed.backward(dxs)
    }

    /// The embedding layer (`embed.W`).
    pub fn embed(&self) -> &TimeEmbedding<F> {
        &self.embed
    }

    /// The LSTM: its weights, and after a forward its gates and every
    /// step's state (`hs()`, what the decoder reads).
    pub fn lstm(&self) -> &TimeLstm<F> {
        &self.lstm
    }

    /// The vocabulary size `V`.
    pub fn vocab_size(&self) -> usize {
        self.embed.w().dim().0
    }

    /// The hidden size `H`.
    pub fn hidden_size(&self) -> usize {
        self.lstm.hidden_size()
    }
}

impl<F: Float> Parameters<F> for Encoder<F> {
    /// `embed.W`, `lstm.Wx`, `lstm.Wh`, `lstm.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.embed.visit_params(&mut scoped("embed", f))?;
        self.lstm.visit_params(&mut scoped("lstm", f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};
    use nn_train::NumpyRandom;

    fn grads(e: &mut Encoder<f64>) -> Vec<f64> {
        let mut out = Vec::new();
        e.visit_params(&mut |p| {
            out.extend(p.grad.iter().copied());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn backward_from_the_last_h_is_backward_all_with_zeros_elsewhere() {
        let mut e = Encoder::<f64>::new(6, 3, 4, &mut NumpyRandom::new(5)).unwrap();
        let xs = array![[1, 2, 3], [5, 0, 4]];
        let h = e.forward(xs.view()).unwrap().to_owned();
        assert_eq!(h, e.forward_all(xs.view()).unwrap().slice(s![.., 2, ..]));
        let dh = Array2::from_shape_fn((2, 4), |(i, j)| (i as f64 - j as f64) / 3.0);
        e.backward(dh.view()).unwrap();
        let from_last = grads(&mut e);
        let mut dhs = Array3::zeros((2, 3, 4));
        dhs.slice_mut(s![.., 2, ..]).assign(&dh);
        e.forward_all(xs.view()).unwrap();
        e.backward_all(dhs.view()).unwrap();
        assert_eq!(from_last, grads(&mut e));
        assert!(from_last.iter().any(|&g| g != 0.0));
        let err = e
            .backward(Array2::zeros((3, 4)).view())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Encoder.backward") && err.contains("(2, 4)"),
            "{err}"
        );
    }
}
