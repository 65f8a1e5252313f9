//! Chapter 5's time layers (`common/time_layers.py`): layers over batches of
//! sequences, `(N, T, D)` in and `(N, T, H)` out.
//!
//! [`TimeLayer`] sits beside chapter 1's [`Layer`](crate::Layer): the same
//! forward/backward contract (outputs in buffers the layer reuses, parameter
//! gradients overwritten in place, errors naming the layer and the shapes)
//! with a time axis, a state that can be carried from one batch to the next
//! (the book's `stateful=True`, truncated backpropagation through time) and a
//! training flag for dropout. Per-step work is written as the book writes it
//! (an [`Rnn`] cell is one step), while whatever can be done for all `N·T`
//! rows at once is one matrix product: `TimeRnn` projects every step's input
//! with a single `gemm` before the loop over time and takes `dWx` and `dx`
//! with one `gemm` each after it.

mod gru;
mod lstm;
mod lstm_steps;
mod rnn;
mod time_affine;
mod time_bi_lstm;
mod time_dropout;
mod time_embedding;
mod time_gru;
mod time_lstm;
mod time_rnn;
mod time_sigmoid_with_loss;
mod time_softmax_with_loss;
mod weights;

pub(crate) use weights::check_dout;

pub use gru::Gru;
pub use lstm::Lstm;
pub use rnn::Rnn;
pub use time_affine::TimeAffine;
pub use time_bi_lstm::TimeBiLstm;
pub use time_dropout::TimeDropout;
pub use time_embedding::TimeEmbedding;
pub use time_gru::TimeGru;
pub use time_lstm::TimeLstm;
pub use time_rnn::TimeRnn;
pub use time_sigmoid_with_loss::TimeSigmoidWithLoss;
pub use time_softmax_with_loss::{IGNORE_LABEL, TimeLabels, TimeSoftmaxWithLoss};

use ndarray::{Array1, Array2, ArrayView2, ArrayView3};

/// A recurrent cell's weights in the book's order, `(Wx, Wh, b)`: `Wx`
/// `(D, G·H)`, `Wh` `(H, G·H)`, `b` `(G·H,)` for `G` gates (1 for the RNN,
/// 4 for the LSTM, 3 for the GRU). What the models' `from_weights` take
/// for each of their recurrent layers.
pub type CellWeights<F> = (Array2<F>, Array2<F>, Array1<F>);

use crate::{Float, Parameters, Result};

/// `xs` `(N, T, D)` as its `(N·T, D)` rows (row `n·T + t`), the book's
/// `reshape(N*T, -1)`: a view when `xs` is in standard layout, else a copy
/// into `buf`, which is reused.
pub(crate) fn as_rows<'a, F: Float>(
    xs: ArrayView3<'a, F>,
    buf: &'a mut Array2<F>,
) -> ArrayView2<'a, F> {
    let (n, t, d) = xs.dim();
    if xs.is_standard_layout() {
        if let Ok(rows) = xs.into_shape_with_order((n * t, d)) {
            return rows;
        }
    }
    weights::copy_rows(&xs, buf);
    buf.view()
}

/// A layer over a batch of sequences: `(N, T, D)` in, `(N, T, H)` out.
pub trait TimeLayer<F: Float>: Parameters<F> {
    /// The layer's type name, used in error messages (`"TimeRNN"`).
    fn name(&self) -> &'static str;

    /// The outputs for every sequence and step of `xs`, in a buffer the
    /// layer reuses; caches what `backward` needs. A stateful layer starts
    /// from the state the previous batch left.
    ///
    /// # Errors
    /// `xs` of a shape the layer can't take, or a carried state that doesn't
    /// fit the batch.
    fn forward(&mut self, xs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>>;

    /// Given `dout` = ∂L/∂out for the last forward, overwrites the parameter
    /// gradients and returns ∂L/∂xs (backpropagation through the batch's `T`
    /// steps; nothing flows into earlier batches: truncated BPTT).
    ///
    /// # Errors
    /// Called before forward, or `dout` not of the last output's shape.
    fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>>;

    /// Forgets the carried state (the book's `reset_state`); the next
    /// forward starts from zeros. Layers without state ignore it.
    fn reset_state(&mut self) {}

    /// Switches between training and evaluation (dropout is active only in
    /// training). Layers that behave the same in both ignore it.
    fn set_training(&mut self, training: bool) {
        let _ = training;
    }
}
