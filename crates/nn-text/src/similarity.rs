//! Word similarity: `cos_similarity`, `most_similar`, `analogy` and
//! `normalize`, as the book's `common/util.py`, with the book's printout.

use std::cmp::Ordering;
use std::fmt;

use ndarray::{Array1, ArrayBase, ArrayView1, ArrayView2, Axis, DataMut, Dimension, Ix1, Ix2};
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

/// The shapes the book's `normalize` takes: a vector (`Ix1`) or a matrix
/// of rows (`Ix2`).
pub trait VectorOrRows: Dimension + sealed::Sealed {}

impl VectorOrRows for Ix1 {}
impl VectorOrRows for Ix2 {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for ndarray::Ix1 {}
    impl Sealed for ndarray::Ix2 {}
}

/// The book's `normalize(x)`: a vector divided by its length, or each row
/// of a matrix by its own. A zero vector or row becomes NaN, as in numpy
/// (and `analogy` skips NaN scores).
///
/// ```
/// use ndarray::array;
/// let mut v = array![3.0, 4.0];
/// nn_text::normalize(&mut v);
/// assert_eq!(v, array![0.6, 0.8]);
/// let mut m = array![[3.0, 4.0], [0.0, 2.0]];
/// nn_text::normalize(&mut m);
/// assert_eq!(m, array![[0.6, 0.8], [0.0, 1.0]]);
/// ```
pub fn normalize<F: Float, S: DataMut<Elem = F>, D: VectorOrRows>(x: &mut ArrayBase<S, D>) {
    // The last axis's lanes: the whole vector, or each row.
    let last = Axis(x.ndim() - 1);
    for mut lane in x.lanes_mut(last) {
        let s = lane.dot(&lane).sqrt();
        lane.mapv_inplace(|v| v / s);
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
    /// The score of every word of the vocabulary, by id: the book's
    /// `similarity` array, of which `words` are the top.
    pub scores: Vec<f64>,
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
        scores: scores.to_vec(),
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
    // The answer's score is its entry of the list's product, so that the
    // answer line and the list show one number for one word. (The book
    // takes a second product, np.dot(word_matrix[id], query_vec), which
    // can round otherwise than the matrix's: in float32 on 10,000 random
    // rows, 76% of the pairs differ in the last bit.)
    let answer = answer.map(|w| {
        let score = vocab.id(w).map_or(f64::NAN, |id| scores[id]);
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

    /// The answer line shows the same number as the list for the same
    /// word, to the bit, and the ranking keeps every word's score.
    #[test]
    fn analogy_answer_and_list_agree_and_every_score_is_kept() {
        let words: Vec<String> = (0..500).map(|i| format!("w{i}")).collect();
        let vocab = Vocabulary::from_words(words.iter().map(String::as_str)).unwrap();
        let mut state = 7u64;
        let mut m = ndarray::Array2::<f32>::from_shape_simple_fn((500, 64), || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        });
        normalize(&mut m);
        let Lookup::Found(r) = analogy(["w1", "w2", "w3"], &vocab, &m.view(), 5, None).unwrap()
        else {
            panic!("known words")
        };
        assert_eq!(r.scores.len(), 500);
        let (best, score) = r.words[0].clone();
        let Lookup::Found(with) =
            analogy(["w1", "w2", "w3"], &vocab, &m.view(), 5, Some(&best)).unwrap()
        else {
            panic!("known words")
        };
        assert_eq!(with.answer, Some((best.clone(), score)));
        assert_eq!(
            score.to_bits(),
            r.scores[vocab.id(&best).unwrap()].to_bits()
        );
        let line = with.to_string();
        assert!(
            line.contains(&format!("==>{best}:{}", py_repr(score))),
            "{line}"
        );
        assert!(
            line.contains(&format!(" {best}: {}", py_repr(score))),
            "{line}"
        );
        // most_similar keeps the cosine of every row, the query's own too.
        let Lookup::Found(r) = most_similar("w0", &vocab, &m.view(), 3).unwrap() else {
            panic!("known word")
        };
        let own = cos_similarity(&m.row(0), &m.row(0), COS_EPS as f32).unwrap();
        assert_eq!(r.scores[0], f64::from(own));
        assert_eq!(r.scores.len(), 500);
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
