//! Word similarity: `cos_similarity`, `most_similar`, `analogy` and
//! `normalize`, as the book's `common/util.py`, with the book's printout.

use std::cmp::Ordering;
use std::fmt;

use ndarray::{Array1, ArrayView1, ArrayView2, Axis};
use nn_core::{Error, Float, Result};

use crate::{Vocabulary, py_repr};

/// The book's `eps` in `cos_similarity`.
pub const COS_EPS: f64 = 1e-8;

/// The book's `cos_similarity(x, y, eps=1e-8)`: `x/(‖x‖+eps) · y/(‖y‖+eps)`.
///
/// # Errors
/// Vectors of different lengths.
pub fn cos_similarity<F: Float>(x: &ArrayView1<'_, F>, y: &ArrayView1<'_, F>, eps: F) -> Result<F> {
    if x.len() != y.len() {
        return Err(Error::shape(
            "cos_similarity",
            format!("x has {} elements but y has {}", x.len(), y.len()),
        ));
    }
    let nx = x.dot(x).sqrt() + eps;
    let ny = y.dot(y).sqrt() + eps;
    Ok(x.iter().zip(y).map(|(&a, &b)| (a / nx) * (b / ny)).sum())
}

/// The book's `normalize(x)` for a matrix: each row divided by its length.
/// A zero row becomes NaN, as in numpy (and `analogy` skips NaN scores).
pub fn normalize<F: Float>(x: &mut ndarray::Array2<F>) {
    for mut row in x.axis_iter_mut(Axis(0)) {
        let s = row.dot(&row).sqrt();
        row.mapv_inplace(|v| v / s);
    }
}

/// Words ranked by a score, best first: what `most_similar` and `analogy`
/// print, kept as data.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The heading the book prints before the list, e.g. `[query] you`.
    pub heading: String,
    /// The book's `==>answer:score` line, when an answer was given to `analogy`.
    pub answer: Option<(String, f64)>,
    /// `(word, score)`, best first.
    pub words: Vec<(String, f64)>,
}

impl fmt::Display for Ranking {
    /// Exactly the book's output: a blank line, the heading, an optional
    /// answer line, then ` word: score` lines with Python's float repr.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n{}", self.heading)?;
        if let Some((word, score)) = &self.answer {
            writeln!(f, "==>{word}:{}", py_repr(*score))?;
        }
        for (word, score) in &self.words {
            writeln!(f, " {word}: {}", py_repr(*score))?;
        }
        Ok(())
    }
}

/// The result of a look-up: a ranking, or the book's `%s is not found`.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The words were known.
    Found(Ranking),
    /// This word is not in the vocabulary.
    NotFound(String),
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::Found(r) => r.fmt(f),
            Lookup::NotFound(word) => writeln!(f, "{word} is not found"),
        }
    }
}

pub(crate) fn check_matrix<F>(
    op: &'static str,
    vocab: &Vocabulary,
    m: &ArrayView2<'_, F>,
) -> Result<()> {
    if m.nrows() != vocab.len() || m.ncols() == 0 {
        return Err(Error::shape(
            op,
            format!(
                "the word matrix has {} rows (shape {:?}) but the vocabulary has {} words",
                m.nrows(),
                m.shape(),
                vocab.len()
            ),
        ));
    }
    Ok(())
}

/// The `top` words by descending score, leaving out those `skip` names, as
/// the book's loops over `(-1 * similarity).argsort()` print them.
pub(crate) fn top_words(
    heading: String,
    answer: Option<(String, f64)>,
    scores: &[f64],
    vocab: &Vocabulary,
    top: usize,
    skip: impl Fn(usize) -> bool,
) -> Lookup {
    let words = ranked(scores)
        .into_iter()
        .filter(|&i| !skip(i))
        .take(top)
        .map(|i| (vocab.words()[i].clone(), scores[i]))
        .collect();
    Lookup::Found(Ranking {
        heading,
        answer,
        words,
    })
}

/// Indices by descending score, ties in index order (numpy's argsort of
/// `-score` for the book's small arrays), NaN last.
fn ranked(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (scores[a], scores[b]);
        match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
        }
    });
    order
}

/// The book's `most_similar(query, word_to_id, id_to_word, word_matrix, top)`:
/// the `top` words whose rows are closest to the query's by cosine similarity,
/// the query itself left out. An unknown query is [`Lookup::NotFound`], which
/// prints the book's message; it is not an error.
///
/// ```
/// use nn_text::{create_co_matrix, most_similar, preprocess};
/// let corpus = preprocess("You say goodbye and I say hello.")?;
/// let c = create_co_matrix(&corpus.ids, corpus.vocab.len(), 1)?.mapv(f64::from);
/// let found = most_similar("you", &corpus.vocab, &c.view(), 5)?;
/// print!("{found}"); // [query] you, then goodbye: 0.7071067691154799, ...
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// A word matrix without one row per word of the vocabulary.
pub fn most_similar<F: Float>(
    query: &str,
    vocab: &Vocabulary,
    word_matrix: &ArrayView2<'_, F>,
    top: usize,
) -> Result<Lookup> {
    check_matrix("most_similar", vocab, word_matrix)?;
    let Some(query_id) = vocab.id(query) else {
        return Ok(Lookup::NotFound(query.to_owned()));
    };
    let q = word_matrix.row(query_id);
    let eps = F::from_f64(COS_EPS);
    let scores = word_matrix
        .rows()
        .into_iter()
        .map(|row| cos_similarity(&row, &q, eps).map(F::as_f64))
        .collect::<Result<Vec<f64>>>()?;
    Ok(top_words(
        format!("[query] {query}"),
        None,
        &scores,
        vocab,
        top,
        |i| vocab.word(i) == Some(query),
    ))
}

/// The book's `analogy(a, b, c, …, top, answer)`: words closest to
/// `b − a + c` (normalised) by dot product with each row of `word_matrix`
/// (rows normalised, as the book's callers pass them), `a`, `b`, `c` left out.
/// `a:b = c:?` — `king:man = queen:?` should find `woman`.
///
/// # Errors
/// A word matrix without one row per word of the vocabulary.
pub fn analogy<F: Float>(
    [a, b, c]: [&str; 3],
    vocab: &Vocabulary,
    word_matrix: &ArrayView2<'_, F>,
    top: usize,
    answer: Option<&str>,
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
    let mut query: Array1<F> = &row(ids[1]) - &row(ids[0]) + row(ids[2]);
    let norm = query.dot(&query).sqrt();
    query.mapv_inplace(|v| v / norm);
    let scores: Vec<f64> = word_matrix.dot(&query).iter().map(|v| v.as_f64()).collect();
    let answer = answer.map(|w| {
        let score = vocab
            .id(w)
            .map_or(f64::NAN, |id| row(id).dot(&query).as_f64());
        (w.to_owned(), score)
    });
    Ok(top_words(
        format!("[analogy] {a}:{b} = {c}:?"),
        answer,
        &scores,
        vocab,
        top,
        |i| scores[i].is_nan() || ids.contains(&i),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn vocab() -> Vocabulary {
        Vocabulary::from_words(["a", "b", "c", "d"]).unwrap()
    }

    #[test]
    fn cosine_of_the_books_vectors() {
        let (x, y) = (array![0.0, 1.0, 0.0], array![0.0, 1.0, 1.0]);
        let s = cos_similarity(&x.view(), &y.view(), COS_EPS).unwrap();
        assert!((s - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-7);
        assert_eq!(
            cos_similarity(&x.view(), &array![1.0].view(), COS_EPS)
                .unwrap_err()
                .to_string(),
            "cos_similarity: x has 3 elements but y has 1"
        );
    }

    #[test]
    fn most_similar_ranks_ties_in_id_order_and_skips_the_query() {
        let m = array![[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]];
        let Lookup::Found(r) = most_similar("b", &vocab(), &m.view(), 5).unwrap() else {
            panic!("b is known")
        };
        let words: Vec<_> = r.words.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["a", "d", "c"]);
        assert_eq!(
            r.to_string(),
            "\n[query] b\n a: 0.9999999800000005\n d: 0.9999999800000005\n c: 0.0\n"
        );
        assert_eq!(
            most_similar("zebra", &vocab(), &m.view(), 5)
                .unwrap()
                .to_string(),
            "zebra is not found\n"
        );
        assert_eq!(
            most_similar("a", &vocab(), &m.slice(ndarray::s![..3, ..]), 5)
                .unwrap_err()
                .to_string(),
            "most_similar: the word matrix has 3 rows (shape [3, 2]) but the vocabulary has 4 words"
        );
    }

    #[test]
    fn analogy_finds_the_fourth_word() {
        // a:b = c:d along two directions.
        let mut m = array![
            [1.0, 0.0, 0.1],
            [1.0, 1.0, 0.1],
            [0.0, 0.0, 1.0],
            [0.0, 1.0, 1.0]
        ];
        normalize(&mut m);
        let r = analogy(["a", "b", "c"], &vocab(), &m.view(), 1, Some("d")).unwrap();
        let Lookup::Found(r) = r else { panic!() };
        assert_eq!(r.words[0].0, "d");
        assert_eq!(r.heading, "[analogy] a:b = c:?");
        assert!(r.to_string().starts_with("\n[analogy] a:b = c:?\n==>d:0.9"));
        assert_eq!(
            analogy(["a", "x", "c"], &vocab(), &m.view(), 1, None)
                .unwrap()
                .to_string(),
            "x is not found\n"
        );
    }
}
