//! The layers `SimpleRnnlm` and `Rnnlm` share: an embedding, one recurrent
//! time layer, an affine output layer.

use ndarray::{Array1, Array2, ArrayView2, ArrayView3};
use nn_core::time::{CellWeights, TimeAffine, TimeEmbedding, TimeLayer};
use nn_core::{Float, Param, Parameters, Result, scoped};

use crate::shapes::agree;

/// `TimeEmbedding` → `R` → `TimeAffine`: the book's `predict` of
/// `SimpleRnnlm` (`R = TimeRNN`) and `Rnnlm` (`R = TimeLSTM`); the loss
/// layer stays with the model, so that `forward` can hand it the scores this
/// borrows. The parameters are named `embed.W`, `{rnn_name}.Wx`, …,
/// `affine.b`.
#[derive(Debug, Clone)]
pub(crate) struct Stack<F: Float, R> {
    pub(crate) embed: TimeEmbedding<F>,
    pub(crate) rnn: R,
    pub(crate) affine: TimeAffine<F>,
    /// The recurrent layer's name: `rnn` or `lstm`.
    pub(crate) rnn_name: &'static str,
}

impl<F: Float, R: TimeLayer<F>> Stack<F, R> {
    /// The three layers from the book's arrays, `cell` building the
    /// recurrent one from `(Wx, Wh, b)`, after checking that they fit
    /// together: `embed.W` `(V, D)`, `Wx` `(D, ·)`, `Wh` `(H, ·)`,
    /// `affine.W` `(H, V)`. `op` names the model's constructor in errors.
    pub(crate) fn from_weights(
        op: &'static str,
        rnn_name: &'static str,
        embed_w: Array2<F>,
        (wx, wh, b): CellWeights<F>,
        (affine_w, affine_b): (Array2<F>, Array1<F>),
        cell: impl FnOnce(Array2<F>, Array2<F>, Array1<F>) -> Result<R>,
    ) -> Result<Self> {
        let wx_name = format!("{rnn_name}.Wx");
        let wh_name = format!("{rnn_name}.Wh");
        agree(op, "D", ("embed.W", &embed_w, 1), (&wx_name, &wx, 0))?;
        agree(op, "H", (&wh_name, &wh, 0), ("affine.W", &affine_w, 0))?;
        agree(
            op,
            "V",
            ("embed.W", &embed_w, 0),
            ("affine.W", &affine_w, 1),
        )?;
        Ok(Self {
            embed: TimeEmbedding::from_weights(embed_w).map_err(|e| e.within(op, "embed"))?,
            rnn: cell(wx, wh, b).map_err(|e| e.within(op, rnn_name))?,
            affine: TimeAffine::from_weights(affine_w, affine_b)
                .map_err(|e| e.within(op, "affine"))?,
            rnn_name,
        })
    }

    /// The scores `(N, T, V)` for word ids `(N, T)`; a layer's error comes
    /// behind `op` and the layer's name.
    pub(crate) fn predict(
        &mut self,
        op: &'static str,
        xs: ArrayView2<'_, usize>,
    ) -> Result<ArrayView3<'_, F>> {
        let embedded = self.embed.forward(xs).map_err(|e| e.within(op, "embed"))?;
        let hs = self
            .rnn
            .forward(embedded)
            .map_err(|e| e.within(op, self.rnn_name))?;
        self.affine.forward(hs).map_err(|e| e.within(op, "affine"))
    }

    /// Backpropagates `dscores` through the three layers.
    pub(crate) fn backward(&mut self, op: &'static str, dscores: ArrayView3<'_, F>) -> Result<()> {
        let dout = self
            .affine
            .backward(dscores)
            .map_err(|e| e.within(op, "affine"))?;
        let dout = self
            .rnn
            .backward(dout)
            .map_err(|e| e.within(op, self.rnn_name))?;
        self.embed.backward(dout).map_err(|e| e.within(op, "embed"))
    }

    /// The vocabulary's size.
    pub(crate) fn vocab_size(&self) -> usize {
        self.embed.w().nrows()
    }
}

impl<F: Float, R: TimeLayer<F>> Parameters<F> for Stack<F, R> {
    /// The embedding's, the recurrent layer's, the affine's: the book's order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.embed.visit_params(&mut scoped("embed", f))?;
        self.rnn.visit_params(&mut scoped(self.rnn_name, f))?;
        self.affine.visit_params(&mut scoped("affine", f))
    }
}
