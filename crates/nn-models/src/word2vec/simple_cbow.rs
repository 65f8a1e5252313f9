//! `SimpleCBOW` (`ch03/simple_cbow.py`).

use ndarray::{Array2, ArrayView2};
use nn_core::{
    Float, ForwardState, Labels, Layer, Loss, MatMul, Orientation, Param, Parameters, Randn,
    Result, Shared, SharedRef, SoftmaxWithLoss,
};
use nn_train::Model;

use super::{book_weight, check_batch};

/// The book's `SimpleCBOW(vocab_size, hidden_size)`: the two context words
/// (window 1) as one-hot rows through `MatMul(W_in)` twice (one shared
/// weight), averaged, scored by `MatMul(W_out)` and `SoftmaxWithLoss`.
///
/// Inputs are word ids, `contexts` `(N, 2)` and `target` `(N,)`; the
/// one-hot rows the book builds with `convert_one_hot` are built here into
/// reused buffers. Parameters, as `remove_duplicate` leaves them:
/// `W_in` `(V, H)`, then `W_out` `(H, V)`.
///
/// ```
/// use nn_models::word2vec::SimpleCbow;
/// use nn_text::{create_contexts_target, preprocess};
/// use nn_train::{Model, NumpyRandom};
/// let corpus = preprocess("You say goodbye and I say hello.")?;
/// let (contexts, target) = create_contexts_target(&corpus.ids, 1)?;
/// let mut model = SimpleCbow::<f32>::new(corpus.vocab.len(), 5, &mut NumpyRandom::new(0))?;
/// let loss = model.forward(contexts.view(), &target)?;
/// assert!((loss - 7f32.ln()).abs() < 0.01); // near-uniform scores at first
/// model.backward()?;
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct SimpleCbow<F: Float> {
    w_in: Shared<F>,
    w_out: Shared<F>,
    in_layer0: MatMul<F>,
    in_layer1: MatMul<F>,
    out_layer: MatMul<F>,
    loss_layer: SoftmaxWithLoss<F>,
    /// One-hot rows of the two context words, and `h`.
    x0: Array2<F>,
    x1: Array2<F>,
    h: Array2<F>,
    pass: ForwardState,
}

impl<F: Float> SimpleCbow<F> {
    /// The model with the book's initial weights drawn from `rng`:
    /// `W_in` then `W_out`, each `0.01 · randn(...).astype('f')`.
    ///
    /// # Errors
    /// A zero size.
    pub fn new(vocab_size: usize, hidden_size: usize, rng: &mut dyn Randn) -> Result<Self> {
        let w_in = book_weight(vocab_size, hidden_size, rng);
        let w_out = book_weight(hidden_size, vocab_size, rng);
        Self::from_weights(w_in, w_out)
    }

    /// The model with the given `W_in` `(V, H)` and `W_out` `(H, V)`.
    ///
    /// # Errors
    /// Empty weights or shapes that don't fit.
    pub fn from_weights(w_in: Array2<F>, w_out: Array2<F>) -> Result<Self> {
        super::check_simple_weights("SimpleCBOW.from_weights", &w_in, &w_out)?;
        let w_in = Shared::new("W_in", w_in)?;
        let w_out = Shared::new("W_out", w_out)?;
        Ok(Self {
            in_layer0: MatMul::shared(&w_in, Orientation::AsIs),
            in_layer1: MatMul::shared(&w_in, Orientation::AsIs),
            out_layer: MatMul::shared(&w_out, Orientation::AsIs),
            w_in,
            w_out,
            loss_layer: SoftmaxWithLoss::new(),
            x0: Array2::zeros((0, 0)),
            x1: Array2::zeros((0, 0)),
            h: Array2::zeros((0, 0)),
            pass: ForwardState::NotRun,
        })
    }

    /// The two input layers, on the one `W_in`.
    pub fn in_layers(&self) -> [&MatMul<F>; 2] {
        [&self.in_layer0, &self.in_layer1]
    }

    /// The output layer, on `W_out`.
    pub fn out_layer(&self) -> &MatMul<F> {
        &self.out_layer
    }

    /// The loss layer, with the last forward's probabilities.
    pub fn loss_layer(&self) -> &SoftmaxWithLoss<F> {
        &self.loss_layer
    }

    /// `h`, the mean of the two context words' rows, `(N, H)`.
    pub fn hidden(&self) -> ArrayView2<'_, F> {
        self.h.view()
    }

    /// The word vectors: `W_in`, one row per word (the book's `word_vecs`).
    pub fn word_vecs(&self) -> SharedRef<'_, F> {
        self.w_in.value()
    }
}

/// Writes one-hot rows of `ids` into `buf` (`(N, vocab)`).
pub(crate) fn one_hot_into<F: Float>(
    buf: &mut Array2<F>,
    ids: impl Iterator<Item = usize>,
    n: usize,
    vocab: usize,
) {
    if buf.dim() != (n, vocab) {
        *buf = Array2::zeros((n, vocab));
    } else {
        buf.fill(F::zero());
    }
    for (mut row, id) in buf.rows_mut().into_iter().zip(ids) {
        row[id] = F::one();
    }
}

impl<F: Float> Parameters<F> for SimpleCbow<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w_in.visit(f)?;
        self.w_out.visit(f)
    }
}

impl<F: Float> Model<F> for SimpleCbow<F> {
    type Input = usize;
    type Label = usize;

    fn forward(&mut self, contexts: ArrayView2<'_, usize>, target: &[usize]) -> Result<F> {
        let loss = self.forward_layers(contexts, target);
        self.pass = ForwardState::of(&loss);
        loss
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_with(F::one())
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        const OP: &str = "SimpleCBOW.backward";
        self.pass.check(OP)?;
        self.backward_layers(OP, dout)
    }
}

impl<F: Float> SimpleCbow<F> {
    fn forward_layers(&mut self, contexts: ArrayView2<'_, usize>, target: &[usize]) -> Result<F> {
        const OP: &str = "SimpleCBOW.forward";
        let vocab = self.w_in.dim().0;
        check_batch(OP, &contexts, target, 2, vocab)?;
        let n = target.len();
        one_hot_into(&mut self.x0, contexts.column(0).iter().copied(), n, vocab);
        one_hot_into(&mut self.x1, contexts.column(1).iter().copied(), n, vocab);
        let at = |part: &'static str| move |e: nn_core::Error| e.within(OP, part);
        let h0 = self
            .in_layer0
            .forward(self.x0.view())
            .map_err(at("in_layer0"))?;
        if self.h.dim() != h0.dim() {
            self.h = Array2::zeros(h0.dim());
        }
        self.h.assign(&h0);
        let h1 = self
            .in_layer1
            .forward(self.x1.view())
            .map_err(at("in_layer1"))?;
        let half = F::from_f64(0.5);
        self.h.zip_mut_with(&h1, |h, &b| *h = (*h + b) * half);
        let score = self
            .out_layer
            .forward(self.h.view())
            .map_err(at("out_layer"))?;
        Loss::forward(&mut self.loss_layer, score, Labels::Indices(target.into()))
            .map_err(at("loss_layer"))
    }

    fn backward_layers(&mut self, op: &'static str, dout: F) -> Result<()> {
        let at = |part: &'static str| move |e: nn_core::Error| e.within(op, part);
        let ds = self.loss_layer.backward(dout).map_err(at("loss_layer"))?;
        let da = self.out_layer.backward(ds).map_err(at("out_layer"))?;
        self.h.assign(&da);
        self.h *= F::from_f64(0.5);
        self.in_layer1
            .backward_params_only(self.h.view())
            .map_err(at("in_layer1"))?;
        self.in_layer0
            .backward_params_only(self.h.view())
            .map_err(at("in_layer0"))
    }
}
