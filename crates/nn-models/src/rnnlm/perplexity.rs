//! `eval_perplexity` (`common/util.py`).

use ndarray::Array2;
use nn_core::{Error, Float, Result};

use super::LanguageModel;

/// The book's `eval_perplexity(model, corpus, batch_size, time_size)`: the
/// model reads `corpus` as `batch_size` streams starting `jump =
/// (len − 1) / batch_size` words apart, `time_size` words per batch, with
/// dropout off; the result is `exp` of the mean of the batches' losses. The
/// book calls it with 10 and 35.
///
/// The model's carried state is forgotten first (the book's scripts call
/// `reset_state` before it) and is left as the evaluation leaves it; the
/// model is left in training mode (the book's default `train_flg=True`).
/// `progress(done, total)` is called after every batch (the book's
/// `\r12 / 235`). As in the book, the losses are summed and the perplexity
/// computed in double precision.
///
/// # Errors
/// A corpus shorter than one batch (`batch_size × time_size + 1` words), a
/// zero size, ids outside the model's vocabulary, or a non-finite loss
/// (named with its batch).
pub fn eval_perplexity<F: Float>(
    model: &mut (impl LanguageModel<F> + ?Sized),
    corpus: &[usize],
    batch_size: usize,
    time_size: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<f64> {
    const OP: &str = "eval_perplexity";
    let corpus_size = corpus.len();
    if batch_size == 0 || time_size == 0 {
        return Err(Error::invalid(
            OP,
            format!(
                "batch_size and time_size must be at least 1, got {batch_size} and {time_size}"
            ),
        ));
    }
    let max_iters = corpus_size.saturating_sub(1) / (batch_size * time_size);
    if max_iters == 0 {
        return Err(Error::invalid(
            OP,
            format!(
                "a corpus of {corpus_size} words is shorter than one batch of {batch_size} × \
                 {time_size} words and their targets"
            ),
        ));
    }
    let jump = (corpus_size - 1) / batch_size;
    let mut xs = Array2::<usize>::zeros((batch_size, time_size));
    let mut ts = Array2::<isize>::zeros((batch_size, time_size));
    model.reset_state();
    model.set_training(false);
    let mut total_loss = 0.0;
    let result = (|| {
        for iter in 0..max_iters {
            let time_offset = iter * time_size;
            for t in 0..time_size {
                for i in 0..batch_size {
                    let offset = time_offset + i * jump;
                    xs[[i, t]] = corpus[(offset + t) % corpus_size];
                    ts[[i, t]] = corpus[(offset + t + 1) % corpus_size] as isize;
                }
            }
            let loss = model.forward(xs.view(), ts.view()).map_err(|e| {
                Error::invalid(OP, format!("batch {} of {max_iters}: {e}", iter + 1))
            })?;
            // The book's loss is a float64 (its float32 sum divided by an
            // int64 count), summed in float64.
            total_loss += loss.as_f64();
            progress(iter + 1, max_iters);
        }
        Ok((total_loss / max_iters as f64).exp())
    })();
    model.set_training(true);
    result
}
