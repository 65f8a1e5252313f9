//! `most_similar` and `analogy` in float16, as numpy computes them on the
//! float16 vectors that chapter 4's `eval.py` loads.
//!
//! The book saves its word vectors as float16 and evaluates them as they
//! are, so every step of its cosine similarity is rounded to half precision:
//! the squares, their sum, the square root, each normalised element, the dot
//! product (numpy accumulates float16 sums and dot products in float32 and
//! rounds the result). [`most_similar`](crate::most_similar) in `f32` on the
//! same vectors finds the same neighbours with scores about three digits
//! apart; these functions print the book's own numbers.

use half::f16;
use ndarray::{ArrayView1, ArrayView2};
use nn_core::Result;

use crate::similarity::{check_matrix, top_words};
use crate::{Lookup, Vocabulary};

fn h(x: f32) -> f16 {
    f16::from_f32(x)
}

/// `np.sum(x ** 2)` of a float16 vector: squares rounded, summed in float32.
fn sum_of_squares(x: ArrayView1<'_, f16>) -> f16 {
    h(x.iter()
        .map(|v| f32::from(h(f32::from(*v) * f32::from(*v))))
        .sum())
}

/// `x / (np.sqrt(np.sum(x ** 2)) + eps)`: the book's `eps = 1e-8` is zero in
/// float16.
fn unit(x: ArrayView1<'_, f16>) -> Vec<f16> {
    let d = f32::from(h(f32::from(sum_of_squares(x)).sqrt()));
    x.iter().map(|v| h(f32::from(*v) / d)).collect()
}

/// `np.dot` of two float16 vectors: products summed in float32, rounded.
fn dot(a: &[f16], b: &[f16]) -> f16 {
    h(a.iter()
        .zip(b)
        .map(|(x, y)| f32::from(*x) * f32::from(*y))
        .sum())
}

/// The book's `most_similar` on a float16 word matrix, every step in float16.
///
/// ```
/// use half::f16;
/// use nn_text::{Lookup, Vocabulary, most_similar_f16};
/// let vocab = Vocabulary::from_words(["a", "b", "c"])?;
/// let m = ndarray::array![[1.0f32, 0.0], [1.0, 1.0], [0.0, 1.0]].mapv(f16::from_f32);
/// let Lookup::Found(r) = most_similar_f16("a", &vocab, &m.view(), 2)? else { unreachable!() };
/// assert_eq!(r.words[0], ("b".to_owned(), 0.70703125)); // 1/√2 in float16
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// A word matrix without one row per word of the vocabulary.
pub fn most_similar_f16(
    query: &str,
    vocab: &Vocabulary,
    word_matrix: &ArrayView2<'_, f16>,
    top: usize,
) -> Result<Lookup> {
    check_matrix("most_similar", vocab, word_matrix)?;
    let Some(query_id) = vocab.id(query) else {
        return Ok(Lookup::NotFound(query.to_owned()));
    };
    let q = unit(word_matrix.row(query_id));
    let scores: Vec<f64> = word_matrix
        .rows()
        .into_iter()
        .map(|row| f64::from(dot(&unit(row), &q)))
        .collect();
    Ok(top_words(
        format!("[query] {query}"),
        None,
        &scores,
        vocab,
        top,
        |i| vocab.word(i) == Some(query),
    ))
}

/// The book's `analogy` on a float16 word matrix (not normalised, as
/// `eval.py` passes it): `b − a + c` and its normalisation in float16, one
/// float16 dot product per word.
///
/// # Errors
/// A word matrix without one row per word of the vocabulary.
pub fn analogy_f16(
    [a, b, c]: [&str; 3],
    vocab: &Vocabulary,
    word_matrix: &ArrayView2<'_, f16>,
    top: usize,
) -> Result<Lookup> {
    check_matrix("analogy", vocab, word_matrix)?;
    let mut ids = [0; 3];
    for (slot, word) in ids.iter_mut().zip([a, b, c]) {
        match vocab.id(word) {
            Some(id) => *slot = id,
            None => return Ok(Lookup::NotFound(word.to_owned())),
        }
    }
    let row = |id: usize| word_matrix.row(id);
    // b_vec - a_vec + c_vec, each operation rounded.
    let query: Vec<f16> = row(ids[1])
        .iter()
        .zip(row(ids[0]))
        .zip(row(ids[2]))
        .map(|((&vb, &va), &vc)| h(f32::from(h(f32::from(vb) - f32::from(va))) + f32::from(vc)))
        .collect();
    // normalize(): s = sqrt((x * x).sum()); x / s.
    let s = f32::from(h(f32::from(sum_of_squares(ArrayView1::from(&query))).sqrt()));
    let query: Vec<f16> = query.iter().map(|v| h(f32::from(*v) / s)).collect();
    let scores: Vec<f64> = word_matrix
        .rows()
        .into_iter()
        .map(|r| {
            let r: Vec<f16> = r.to_vec();
            f64::from(dot(&r, &query))
        })
        .collect();
    Ok(top_words(
        format!("[analogy] {a}:{b} = {c}:?"),
        None,
        &scores,
        vocab,
        top,
        |i| scores[i].is_nan() || ids.contains(&i),
    ))
}
