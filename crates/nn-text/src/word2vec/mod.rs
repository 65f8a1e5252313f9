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
use nn_core::{Error, Float, Randn, Result};

/// The book's `0.01 * np.random.randn(rows, cols).astype('f')`: each normal
/// draw is rounded to the float type first and then multiplied by `0.01` in
/// that type, so in `f32` the weights equal the book's bit for bit when
/// `rng` is numpy's generator in the book's state.
pub fn book_weight<F: Float>(
    rows: usize,
    cols: usize,
    rng: &mut (impl Randn + ?Sized),
) -> Array2<F> {
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
    let bad = contexts.iter().chain(target).find(|&&id| id >= vocab);
    if let Some(&id) = bad {
        return Err(Error::invalid(
            op,
            format!("word id {id} is outside the vocabulary of {vocab} words"),
        ));
    }
    Ok(())
}
