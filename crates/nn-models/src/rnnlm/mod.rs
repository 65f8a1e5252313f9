//! Chapters 5 and 6: recurrent language models over word ids, built from
//! `nn_core::time`'s layers, and what trains and uses them: the book's
//! `RnnlmTrainer`, `eval_perplexity` and `RnnlmGen`.
//!
//! Train the book's `Rnnlm` for a few steps on a toy corpus, then measure
//! its perplexity and sample from it:
//!
//! ```
//! use nn_models::rnnlm::{eval_perplexity, generate, FitConfig, LanguageModel, Rnnlm, RnnlmTrainer};
//! use nn_optim::OptimizerKind;
//! use nn_train::NumpyRandom;
//!
//! let corpus: Vec<usize> = (0..400).map(|i| (i * 7 + i / 3) % 20).collect();
//! let mut rng = NumpyRandom::new(1984);
//! let model = Rnnlm::<f32>::new(20, 16, 16, &mut rng)?;
//! let mut trainer = RnnlmTrainer::new(model, OptimizerKind::Sgd.build(Some(1.0))?);
//! let config = FitConfig { batch_size: 4, time_size: 10, max_grad: Some(0.25), ..FitConfig::default() };
//! trainer.fit(&corpus[..399], &corpus[1..], &config, &mut |line| println!("{line}"))?;
//! let model = trainer.model_mut();
//! let ppl = eval_perplexity(model, &corpus, 2, 10, &mut |_, _| {})?;
//! assert!(ppl.is_finite() && ppl < 20.0);
//! model.reset_state(); // generate reads one word at a time, a batch of 1
//! let words = generate(model, &[3], &[0], 10, &mut rng)?;
//! assert_eq!(words.len(), 10);
//! # Ok::<(), nn_core::Error>(())
//! ```

mod better_rnnlm;
mod generate;
mod perplexity;
#[allow(clippy::module_inception)]
mod rnnlm;
mod simple_rnnlm;
mod stack;
mod trainer;

pub use crate::params::{NamedModel, Precision, load_params, save_params};
pub use better_rnnlm::BetterRnnlm;
pub use generate::{choice, generate};
pub use perplexity::eval_perplexity;
pub use rnnlm::Rnnlm;
pub use simple_rnnlm::SimpleRnnlm;
pub use trainer::{FitConfig, IterationReport, RnnlmTrainer};

use ndarray::{Array2, ArrayView2, ArrayView3};
use nn_core::time::TimeSoftmaxWithLoss;
use nn_core::{Float, ForwardState, Randn, Result, SharedRng};

/// The book's `(rn(rows, cols) / scale).astype('f')`: the normal draw
/// divided in double precision, then rounded to the float type, so that in
/// `f32` the weights equal the book's bit for bit from numpy's generator.
pub fn scaled_randn<F: Float>(
    rows: usize,
    cols: usize,
    scale: f64,
    rng: &mut dyn Randn,
) -> Array2<F> {
    Array2::from_shape_simple_fn((rows, cols), || F::from_f64(rng.randn() / scale))
}

/// What the book's language models have in common (`SimpleRnnlm`, `Rnnlm`,
/// `BetterRnnlm`): word ids `(N, T)` in, next-word scores out, a hidden
/// state carried from batch to batch, and a training mode for dropout.
/// [`RnnlmTrainer`], [`eval_perplexity`] and [`generate`] take any of them.
pub trait LanguageModel<F: Float>: NamedModel<F> {
    /// The number of words the model knows.
    fn vocab_size(&self) -> usize;

    /// The scores of the next word after each of `xs` `(N, T)`, `(N, T, V)`
    /// (the book's `predict`), in the current mode.
    ///
    /// # Errors
    /// Ids outside the vocabulary, or a carried state for another batch size.
    fn predict(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, F>>;

    /// The mean loss of predicting `ts` from `xs` (both `(N, T)`; a target
    /// of `-1` is ignored), in the current mode.
    ///
    /// # Errors
    /// As [`predict`](Self::predict), mismatched shapes, or a non-finite
    /// loss.
    fn forward(&mut self, xs: ArrayView2<'_, usize>, ts: ArrayView2<'_, isize>) -> Result<F>;

    /// Fills every parameter's gradient for the last forward (the book's
    /// `backward(dout=1)`).
    ///
    /// # Errors
    /// Called before forward.
    fn backward(&mut self) -> Result<()>;

    /// As [`backward`](Self::backward) from the upstream gradient `dout` =
    /// ∂L/∂loss (the book's `backward(dout)`): every gradient scaled by it.
    /// The default runs `backward` and scales the gradients; the book's
    /// models pass `dout` to their loss layer.
    ///
    /// # Errors
    /// Called before forward, or `dout` not finite.
    fn backward_with(&mut self, dout: F) -> Result<()> {
        self.backward()?;
        nn_optim::scale_grads(self, dout)
    }

    /// Forgets the carried state (the book's `reset_state`).
    fn reset_state(&mut self);

    /// Switches dropout on (training, the default) or off. Models without
    /// dropout ignore it.
    fn set_training(&mut self, training: bool) {
        let _ = training;
    }

    /// The state carried into the next batch, layer by layer (`h`, and `c`
    /// for an LSTM); empty when there is none. Checkpoints save it, so that
    /// a resumed run continues exactly.
    fn carried_state(&self) -> Vec<Array2<F>>;

    /// Restores what [`carried_state`](Self::carried_state) returned (an
    /// empty slice resets the state).
    ///
    /// # Errors
    /// Arrays of the wrong number or shape.
    fn set_carried_state(&mut self, state: &[Array2<F>]) -> Result<()>;

    /// The generator the model draws dropout masks from, if it has one:
    /// checkpoints save and restore its state.
    fn dropout_rng(&self) -> Option<&SharedRng> {
        None
    }
}

/// The loss of `scores` (a model's prediction, or the error of it) against
/// `ts`, recording in `pass` how the forward ended: the end of every
/// language model's forward. `op` names the model's forward in errors.
pub(crate) fn forward_loss<F: Float>(
    op: &'static str,
    loss: &mut TimeSoftmaxWithLoss<F>,
    pass: &mut ForwardState,
    scores: Result<ArrayView3<'_, F>>,
    ts: ArrayView2<'_, isize>,
) -> Result<F> {
    let result = scores.and_then(|s| loss.forward(s, ts).map_err(|e| e.within(op, "loss")));
    *pass = ForwardState::of(&result);
    result
}

/// The loss's gradient for the last forward, once `pass` says it
/// succeeded: the start of every language model's backward.
pub(crate) fn backward_loss<'l, F: Float>(
    op: &'static str,
    loss: &'l mut TimeSoftmaxWithLoss<F>,
    pass: ForwardState,
    dout: F,
) -> Result<ArrayView3<'l, F>> {
    pass.check(op)?;
    loss.backward(dout).map_err(|e| e.within(op, "loss"))
}

/// Checks that `state` holds `count` arrays (or none), for
/// [`LanguageModel::set_carried_state`].
fn check_state_count<F>(model: &'static str, state: &[Array2<F>], count: usize) -> Result<()> {
    if state.is_empty() || state.len() == count {
        Ok(())
    } else {
        Err(nn_core::Error::invalid(
            model,
            format!(
                "a carried state of {count} arrays (or none) was expected, got {}",
                state.len()
            ),
        ))
    }
}
