//! Chapters 3 and 4: word2vec. The book's models ([`SimpleCbow`],
//! [`SimpleSkipGram`], [`Cbow`], [`SkipGram`]) with its loss
//! ([`NegativeSamplingLoss`]), trained as the book trains them by
//! [`nn_train::Trainer`] with Adam (`--mode book`), and the word2vec tools'
//! own algorithm ([`fast`]: sparse SGD, threads without locks; `--mode fast`).

mod cbow;
pub mod fast;
mod negative_sampling;
mod simple_cbow;
mod simple_skip_gram;
mod skip_gram;

pub use cbow::Cbow;
pub use negative_sampling::NegativeSamplingLoss;
pub use simple_cbow::SimpleCbow;
pub use simple_skip_gram::SimpleSkipGram;
pub use skip_gram::SkipGram;

use ndarray::{Array2, ArrayView2};
use nn_core::{Error, Float, Randn, Result, Shared};

/// The book's `0.01 * np.random.randn(rows, cols).astype('f')`: each normal
/// draw is rounded to the float type first and then multiplied by `0.01` in
/// that type, so in `f32` the weights equal the book's bit for bit when
/// `rng` is numpy's generator in the book's state.
pub fn book_weight<F: Float>(rows: usize, cols: usize, rng: &mut dyn Randn) -> Array2<F> {
    let scale = F::from_f64(0.01);
    Array2::from_shape_simple_fn((rows, cols), || F::from_f64(rng.randn()) * scale)
}

/// Checks a batch of word2vec samples: `contexts` with `columns` columns,
/// one target per row, every id below `vocab`.
pub(crate) fn check_batch(
    op: &'static str,
    contexts: &ArrayView2<'_, usize>,
    target: &[usize],
    columns: usize,
    vocab: usize,
) -> Result<()> {
    if contexts.ncols() != columns {
        return Err(Error::shape(
            op,
            format!(
                "contexts must have {columns} columns (2 × window), got {:?}",
                contexts.shape()
            ),
        ));
    }
    if contexts.nrows() != target.len() {
        return Err(Error::shape(
            op,
            format!(
                "{} targets for {} rows of contexts (contexts: {:?})",
                target.len(),
                contexts.nrows(),
                contexts.shape()
            ),
        ));
    }
    if contexts.is_empty() {
        return Err(Error::Empty {
            op,
            shape: contexts.shape().to_vec(),
        });
    }
    if let Some(((n, c), &id)) = contexts.indexed_iter().find(|&(_, &id)| id >= vocab) {
        return Err(Error::invalid(
            op,
            format!("contexts[{n}, {c}] = {id} is outside the vocabulary of {vocab} words"),
        ));
    }
    if let Some((n, &id)) = target.iter().enumerate().find(|&(_, &id)| id >= vocab) {
        return Err(Error::invalid(
            op,
            format!("target[{n}] = {id} is outside the vocabulary of {vocab} words"),
        ));
    }
    Ok(())
}

/// `W_in` and `W_out` of chapter 4's models as shared weights: both
/// `(V, H)`, for a window of at least 1.
pub(crate) fn shared_pair<F: Float>(
    op: &'static str,
    w_in: Array2<F>,
    w_out: Array2<F>,
    window_size: usize,
) -> Result<(Shared<F>, Shared<F>)> {
    if w_in.dim() != w_out.dim() {
        return Err(Error::shape(
            op,
            format!(
                "W_in and W_out must both be (V, H) (W_in: {:?}, W_out: {:?})",
                w_in.shape(),
                w_out.shape()
            ),
        ));
    }
    if window_size == 0 {
        return Err(Error::invalid(op, "window_size must be at least 1, got 0"));
    }
    Ok((Shared::new("W_in", w_in)?, Shared::new("W_out", w_out)?))
}

/// Checks chapter 3's weights: `W_in` `(V, H)` and `W_out` `(H, V)`.
pub(crate) fn check_simple_weights<F: Float>(
    op: &'static str,
    w_in: &Array2<F>,
    w_out: &Array2<F>,
) -> Result<()> {
    if w_in.dim() != (w_out.ncols(), w_out.nrows()) {
        return Err(Error::shape(
            op,
            format!(
                "W_in must be (V, H) and W_out (H, V) (W_in: {:?}, W_out: {:?})",
                w_in.shape(),
                w_out.shape()
            ),
        ));
    }
    Ok(())
}

/// The book's `h = 0; h += x` over several terms: the first term is copied
/// into `buf` (reshaped if needed), the rest added, with no allocation once
/// the shape has been seen.
pub(crate) fn sum_into<F: Float>(buf: &mut Array2<F>, first: bool, term: &ArrayView2<'_, F>) {
    if first {
        if buf.dim() != term.dim() {
            *buf = Array2::zeros(term.dim());
        }
        buf.assign(term);
    } else {
        *buf += term;
    }
}
