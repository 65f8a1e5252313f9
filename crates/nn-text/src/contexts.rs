//! `create_contexts_target` and `convert_one_hot` (`common/util.py`, chapter 3).

use ndarray::{Array, Array2, ArrayView, Axis, Dimension};
use nn_core::{Error, Result};

/// The book's `create_contexts_target(corpus, window_size)`: for every word
/// with `window` words on both sides, the target (the word) and its contexts
/// (the `window` words before it, then the `window` after it, in order).
///
/// ```
/// use nn_text::{create_contexts_target, preprocess};
/// let corpus = preprocess("You say goodbye and I say hello.")?;
/// let (contexts, target) = create_contexts_target(&corpus.ids, 1)?;
/// assert_eq!(contexts.row(0).to_vec(), [0, 2]);  // you _ goodbye
/// assert_eq!(target, [1, 2, 3, 4, 1, 5]);          // say goodbye and i say hello
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// A window of 0, or a corpus with no word that has `window` words on both
/// sides (fewer than `2·window + 1` words).
pub fn create_contexts_target(
    corpus: &[usize],
    window: usize,
) -> Result<(Array2<usize>, Vec<usize>)> {
    const OP: &str = "create_contexts_target";
    if window == 0 {
        return Err(Error::invalid(OP, "window_size must be at least 1, got 0"));
    }
    if corpus.len() < 2 * window + 1 {
        return Err(Error::invalid(
            OP,
            format!(
                "a window of {window} needs at least {} words, the corpus has {}",
                2 * window + 1,
                corpus.len()
            ),
        ));
    }
    let n = corpus.len() - 2 * window;
    let target = corpus[window..corpus.len() - window].to_vec();
    let mut contexts = Array2::zeros((n, 2 * window));
    for (i, mut row) in contexts.rows_mut().into_iter().enumerate() {
        let at = i + window;
        for (slot, id) in row
            .iter_mut()
            .zip(corpus[i..at].iter().chain(&corpus[at + 1..=at + window]))
        {
            *slot = *id;
        }
    }
    Ok((contexts, target))
}

/// The book's `convert_one_hot(corpus, vocab_size)`: each id becomes a row of
/// `vocab_size` zeros with a 1 at the id (int32, as numpy's), one axis more
/// than the input: `(N,)` → `(N, V)`, `(N, C)` → `(N, C, V)`.
///
/// ```
/// use nn_text::convert_one_hot;
/// use ndarray::array;
/// let one_hot = convert_one_hot(&array![1, 0].view(), 3)?;
/// assert_eq!(one_hot, array![[0, 1, 0], [1, 0, 0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// An id not below `vocab_size`.
pub fn convert_one_hot<D: Dimension>(
    corpus: &ArrayView<'_, usize, D>,
    vocab_size: usize,
) -> Result<Array<i32, D::Larger>> {
    if let Some((index, &id)) = corpus.indexed_iter().find(|&(_, &id)| id >= vocab_size) {
        return Err(Error::invalid(
            "convert_one_hot",
            format!("id {id} at {index:?} is not below the vocabulary size {vocab_size}"),
        ));
    }
    let shape = corpus.raw_dim().insert_axis(Axis(corpus.ndim()));
    let mut shape = shape;
    shape[corpus.ndim()] = vocab_size;
    let mut out = Array::zeros(shape);
    for (mut lane, &id) in out
        .lanes_mut(Axis(corpus.ndim()))
        .into_iter()
        .zip(corpus.iter())
    {
        lane[id] = 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn contexts_of_a_wider_window_and_bad_windows() {
        let (c, t) = create_contexts_target(&[0, 1, 2, 3, 4, 5], 2).unwrap();
        assert_eq!(c, array![[0, 1, 3, 4], [1, 2, 4, 5]]);
        assert_eq!(t, [2, 3]);
        assert_eq!(
            create_contexts_target(&[0, 1], 1).unwrap_err().to_string(),
            "create_contexts_target: a window of 1 needs at least 3 words, the corpus has 2"
        );
        assert!(create_contexts_target(&[0, 1, 2], 0).is_err());
        assert!(create_contexts_target(&[], 1).is_err());
    }

    #[test]
    fn one_hot_of_contexts_is_three_dimensional() {
        let out = convert_one_hot(&array![[0, 2], [1, 1]].view(), 3).unwrap();
        assert_eq!(out.shape(), [2, 2, 3]);
        assert_eq!(out.slice(ndarray::s![0, 1, ..]), array![0, 0, 1]);
        assert!(convert_one_hot(&array![3].view(), 3).is_err());
    }
}
