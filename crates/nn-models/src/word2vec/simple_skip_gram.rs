//! `SimpleSkipGram` (`ch03/simple_skip_gram.py`).

use ndarray::{Array2, ArrayView2};
use nn_core::{
    Float, ForwardState, Labels, Layer, Loss, MatMul, Orientation, Param, Parameters, Randn,
    Result, Shared, SharedRef, SoftmaxWithLoss,
};
use nn_train::Model;

use super::simple_cbow::one_hot_into;
use super::{book_weight, check_batch};

/// The book's `SimpleSkipGram(vocab_size, hidden_size)`: the target word as a
/// one-hot row through `MatMul(W_in)` and `MatMul(W_out)`, scored against
/// both context words by two `SoftmaxWithLoss` layers whose losses add.
/// Inputs as [`SimpleCbow`](super::SimpleCbow); parameters `W_in` `(V, H)`,
/// `W_out` `(H, V)`.
#[derive(Debug)]
pub struct SimpleSkipGram<F: Float> {
    w_in: Shared<F>,
    w_out: Shared<F>,
    in_layer: MatMul<F>,
    out_layer: MatMul<F>,
    loss_layer1: SoftmaxWithLoss<F>,
    loss_layer2: SoftmaxWithLoss<F>,
    x: Array2<F>,
    ds: Array2<F>,
    c0: Vec<usize>,
    c1: Vec<usize>,
    pass: ForwardState,
}

impl<F: Float> SimpleSkipGram<F> {
    /// The model with the book's initial weights drawn from `rng`.
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
        super::check_simple_weights("SimpleSkipGram.from_weights", &w_in, &w_out)?;
        let w_in = Shared::new("W_in", w_in)?;
        let w_out = Shared::new("W_out", w_out)?;
        Ok(Self {
            in_layer: MatMul::shared(&w_in, Orientation::AsIs),
            out_layer: MatMul::shared(&w_out, Orientation::AsIs),
            w_in,
            w_out,
            loss_layer1: SoftmaxWithLoss::new(),
            loss_layer2: SoftmaxWithLoss::new(),
            x: Array2::zeros((0, 0)),
            ds: Array2::zeros((0, 0)),
            c0: Vec::new(),
            c1: Vec::new(),
            pass: ForwardState::NotRun,
        })
    }

    /// The input layer, on `W_in`.
    pub fn in_layer(&self) -> &MatMul<F> {
        &self.in_layer
    }

    /// The output layer, on `W_out`.
    pub fn out_layer(&self) -> &MatMul<F> {
        &self.out_layer
    }

    /// The two loss layers, one per context word, with the last forward's
    /// probabilities.
    pub fn loss_layers(&self) -> [&SoftmaxWithLoss<F>; 2] {
        [&self.loss_layer1, &self.loss_layer2]
    }

    /// The word vectors: `W_in`.
    pub fn word_vecs(&self) -> SharedRef<'_, F> {
        self.w_in.value()
    }
}

impl<F: Float> Parameters<F> for SimpleSkipGram<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.w_in.visit(f)?;
        self.w_out.visit(f)
    }
}

impl<F: Float> Model<F> for SimpleSkipGram<F> {
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
        const OP: &str = "SimpleSkipGram.backward";
        self.pass.check(OP)?;
        let at = |part: &'static str| move |e: nn_core::Error| e.within(OP, part);
        let dl1 = self.loss_layer1.backward(dout).map_err(at("loss_layer1"))?;
        if self.ds.dim() != dl1.dim() {
            self.ds = Array2::zeros(dl1.dim());
        }
        self.ds.assign(&dl1);
        self.ds += &self.loss_layer2.backward(dout).map_err(at("loss_layer2"))?;
        let dh = self
            .out_layer
            .backward(self.ds.view())
            .map_err(at("out_layer"))?;
        self.in_layer
            .backward_params_only(dh)
            .map_err(at("in_layer"))
    }
}

impl<F: Float> SimpleSkipGram<F> {
    fn forward_layers(&mut self, contexts: ArrayView2<'_, usize>, target: &[usize]) -> Result<F> {
        const OP: &str = "SimpleSkipGram.forward";
        let vocab = self.w_in.dim().0;
        check_batch(OP, &contexts, target, 2, vocab)?;
        one_hot_into(&mut self.x, target.iter().copied(), target.len(), vocab);
        self.c0.clear();
        self.c0.extend(contexts.column(0));
        self.c1.clear();
        self.c1.extend(contexts.column(1));
        let at = |part: &'static str| move |e: nn_core::Error| e.within(OP, part);
        let h = self
            .in_layer
            .forward(self.x.view())
            .map_err(at("in_layer"))?;
        let s = self.out_layer.forward(h).map_err(at("out_layer"))?;
        let l1 = Loss::forward(
            &mut self.loss_layer1,
            s,
            Labels::Indices(self.c0[..].into()),
        )
        .map_err(at("loss_layer1"))?;
        let l2 = Loss::forward(
            &mut self.loss_layer2,
            s,
            Labels::Indices(self.c1[..].into()),
        )
        .map_err(at("loss_layer2"))?;
        Ok(l1 + l2)
    }
}
