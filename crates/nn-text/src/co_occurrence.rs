//! The co-occurrence matrix: how often each word has each other word within
//! `window` places of it (the book's `create_co_matrix`).

use ndarray::Array2;
use nn_core::{Error, Result};

use crate::Csr;

/// Checks the corpus, vocabulary size and window shared by both forms.
fn check(op: &'static str, ids: &[usize], vocab_size: usize, window: usize) -> Result<()> {
    if ids.len() < 2 {
        return Err(Error::invalid(
            op,
            format!(
                "the corpus has {} word(s); at least two are needed for a word to have a context",
                ids.len()
            ),
        ));
    }
    if window == 0 {
        return Err(Error::invalid(
            op,
            "window_size is 0; it must be at least 1 (the words on each side that count as context)",
        ));
    }
    if let Some((at, &id)) = ids.iter().enumerate().find(|&(_, &id)| id >= vocab_size) {
        return Err(Error::invalid(
            op,
            format!("word id {id} at position {at} is not below the vocabulary size {vocab_size}"),
        ));
    }
    if u32::try_from(vocab_size).is_err() {
        return Err(Error::invalid(
            op,
            format!("a vocabulary of {vocab_size} words is more than 2^32"),
        ));
    }
    Ok(())
}

/// The neighbours of position `idx` within `window`, as the book visits
/// them: left then right at distance 1, then at distance 2, and so on.
fn for_each_context(ids: &[usize], window: usize, idx: usize, mut f: impl FnMut(usize)) {
    for i in 1..=window {
        if idx >= i {
            f(ids[idx - i]);
        }
        if idx + i < ids.len() {
            f(ids[idx + i]);
        }
    }
}

/// The book's `create_co_matrix(corpus, vocab_size, window_size)`: a dense
/// `vocab_size × vocab_size` matrix of counts. Fine for the book's sentence;
/// for a real corpus use [`co_occurrence`], which stores only non-zeros.
///
/// ```
/// let corpus = nn_text::preprocess("You say goodbye and I say hello.")?;
/// let c = nn_text::create_co_matrix(&corpus.ids, corpus.vocab.len(), 1)?;
/// assert_eq!(c.row(0).to_vec(), [0, 1, 0, 0, 0, 0, 0]);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// Fewer than two words, `window` 0, or an id not below `vocab_size`.
pub fn create_co_matrix(ids: &[usize], vocab_size: usize, window: usize) -> Result<Array2<i32>> {
    check("create_co_matrix", ids, vocab_size, window)?;
    let mut c = Array2::zeros((vocab_size, vocab_size));
    for (idx, &word) in ids.iter().enumerate() {
        for_each_context(ids, window, idx, |context| c[[word, context]] += 1);
    }
    Ok(c)
}

/// The co-occurrence counts as a sparse matrix: the same numbers as
/// [`create_co_matrix`], in memory proportional to the distinct pairs
/// (PTB, window 2: 1.4 M pairs instead of 10⁸ cells).
///
/// # Errors
/// As [`create_co_matrix`].
pub fn co_occurrence(ids: &[usize], vocab_size: usize, window: usize) -> Result<Csr<u32>> {
    check("co_occurrence", ids, vocab_size, window)?;
    // Bucket every (word, context) pair by word, then sort and count each row.
    let mut starts = vec![0usize; vocab_size + 1];
    for (idx, &word) in ids.iter().enumerate() {
        let n = window.min(idx) + window.min(ids.len() - 1 - idx);
        starts[word + 1] += n;
    }
    for i in 0..vocab_size {
        starts[i + 1] += starts[i];
    }
    let mut fill = starts.clone();
    let mut contexts = vec![0u32; starts[vocab_size]];
    for (idx, &word) in ids.iter().enumerate() {
        for_each_context(ids, window, idx, |context| {
            contexts[fill[word]] = context as u32; // < vocab_size ≤ 2^32, checked
            fill[word] += 1;
        });
    }
    let mut indptr = Vec::with_capacity(vocab_size + 1);
    let mut indices = Vec::new();
    let mut values = Vec::new();
    indptr.push(0);
    for w in 0..vocab_size {
        let row = &mut contexts[starts[w]..starts[w + 1]];
        row.sort_unstable();
        let row_start = values.len();
        for &j in row.iter() {
            if values.len() > row_start && indices.last() == Some(&j) {
                if let Some(count) = values.last_mut() {
                    *count += 1;
                }
            } else {
                indices.push(j);
                values.push(1u32);
            }
        }
        indptr.push(values.len());
    }
    Csr::from_parts(vocab_size, vocab_size, indptr, indices, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_books_matrix() {
        let ids = [0, 1, 2, 3, 4, 1, 5, 6];
        let c = create_co_matrix(&ids, 7, 1).unwrap();
        assert_eq!(c.row(0).to_vec(), [0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(c.row(1).to_vec(), [1, 0, 1, 0, 1, 1, 0]);
        assert_eq!(c.row(6).to_vec(), [0, 0, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn sparse_equals_dense_for_every_window() {
        // A repetitive corpus, so that pairs repeat and rows share words.
        let ids: Vec<usize> = (0..200).map(|i| (i * i + 3 * i) % 17 % 11).collect();
        for window in 1..=4 {
            let dense = create_co_matrix(&ids, 13, window).unwrap();
            let sparse = co_occurrence(&ids, 13, window).unwrap();
            assert_eq!(
                sparse.to_dense(0).mapv(|v| v as i32),
                dense,
                "window {window}"
            );
            assert!(sparse.iter().all(|(_, _, v)| v > 0));
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let msg = |r: Result<Array2<i32>>| r.unwrap_err().to_string();
        assert_eq!(
            msg(create_co_matrix(&[], 3, 1)),
            "create_co_matrix: the corpus has 0 word(s); at least two are needed for a word to have a context"
        );
        assert_eq!(
            msg(create_co_matrix(&[0], 1, 1)),
            "create_co_matrix: the corpus has 1 word(s); at least two are needed for a word to have a context"
        );
        assert_eq!(
            msg(create_co_matrix(&[0, 1], 2, 0)),
            "create_co_matrix: window_size is 0; it must be at least 1 (the words on each side that count as context)"
        );
        assert_eq!(
            msg(create_co_matrix(&[0, 1, 5], 3, 1)),
            "create_co_matrix: word id 5 at position 2 is not below the vocabulary size 3"
        );
        assert_eq!(
            co_occurrence(&[0, 1, 5], 3, 1).unwrap_err().to_string(),
            "co_occurrence: word id 5 at position 2 is not below the vocabulary size 3"
        );
    }
}
