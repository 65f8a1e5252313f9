//! Chapter 2's functions against numpy running the book's formulas
//! (`tests/reference/generate.py`): to 1e-12 in f64, bit for bit where the
//! book stores float32.

#[path = "reference/data.rs"]
#[rustfmt::skip]
#[allow(dead_code)] // the SVD references go unused in a build without LAPACK
mod data;

use data::*;
use ndarray::{Array2, ArrayView2};
use nn_text::{
    COS_EPS, Lookup, PPMI_EPS, Vocabulary, analogy, co_occurrence, cos_similarity,
    create_co_matrix, most_similar, normalize, ppmi, ppmi_sparse, preprocess,
};

fn a2(r: (&[usize], &[f64])) -> Array2<f64> {
    Array2::from_shape_vec((r.0[0], r.0[1]), r.1.to_vec()).unwrap()
}

fn assert_close(what: &str, ours: &ArrayView2<'_, f64>, theirs: (&[usize], &[f64]), tol: f64) {
    assert_eq!(ours.shape(), theirs.0, "{what}: shape");
    for (i, (a, b)) in ours.iter().zip(theirs.1).enumerate() {
        assert!((a - b).abs() <= tol, "{what}[{i}]: {a} vs numpy {b}");
    }
}

#[test]
fn the_books_sentence() {
    let corpus = preprocess("You say goodbye and I say hello.").unwrap();
    assert_eq!(corpus.ids, BOOK_IDS);
    let c = create_co_matrix(&corpus.ids, 7, 1).unwrap();
    assert_close("C", &c.mapv(f64::from).view(), BOOK_C, 0.0);
    let w = ppmi::<f64>(&c.view(), PPMI_EPS).unwrap();
    assert_close("PPMI", &w.view(), BOOK_PPMI, 1e-12);
    // The book stores PPMI as float32: the same bits.
    let w32 = ppmi::<f32>(&c.view(), PPMI_EPS).unwrap();
    assert_eq!(w32.as_slice().unwrap(), BOOK_PPMI_F32);
    // Singular values as numpy's; the vectors are tested by their properties
    // (the values come in equal pairs, so U is not unique).
    #[cfg(feature = "blas")]
    for (a, b) in nn_text::svd(&w.view())
        .unwrap()
        .s
        .iter()
        .zip(BOOK_SINGULAR_VALUES.1)
    {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let Lookup::Found(r) =
        most_similar("you", &corpus.vocab, &c.mapv(f64::from).view(), 6).unwrap()
    else {
        panic!("you is in the vocabulary")
    };
    for (word, score) in &r.words {
        let id = corpus.vocab.id(word).unwrap();
        assert!(
            (score - BOOK_MOST_SIMILAR_YOU.1[id]).abs() < 1e-12,
            "{word}"
        );
    }
    let shown: Vec<_> = r.words.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(shown, ["goodbye", "i", "hello", "say", "and", "."]);
}

#[test]
fn random_corpora_dense_and_sparse() {
    for (window, c_ref, w_ref) in [
        (1, RANDOM_C_1, RANDOM_PPMI_1),
        (2, RANDOM_C_2, RANDOM_PPMI_2),
        (3, RANDOM_C_3, RANDOM_PPMI_3),
    ] {
        let c = create_co_matrix(RANDOM_IDS, 42, window).unwrap();
        assert_close("C", &c.mapv(f64::from).view(), c_ref, 0.0);
        let w = ppmi::<f64>(&c.view(), PPMI_EPS).unwrap();
        assert_close("PPMI", &w.view(), w_ref, 1e-12);
        let sparse = co_occurrence(RANDOM_IDS, 42, window).unwrap();
        let ws = ppmi_sparse::<f64>(&sparse, PPMI_EPS, |_| {}).unwrap();
        assert_close("sparse PPMI", &ws.to_dense(0.0).view(), w_ref, 1e-12);
    }
}

#[test]
fn similarity_and_analogy() {
    let words = a2(WORDS);
    let vocab = Vocabulary::from_words((0..12).map(|i| format!("w{i}"))).unwrap();
    let q = words.row(3);
    for (i, row) in words.rows().into_iter().enumerate() {
        let s = cos_similarity(&row, &q, COS_EPS).unwrap();
        assert!((s - MOST_SIMILAR_3.1[i]).abs() < 1e-12);
    }
    let Lookup::Found(r) = most_similar("w3", &vocab, &words.view(), 11).unwrap() else {
        panic!()
    };
    let mut expected: Vec<(usize, f64)> = MOST_SIMILAR_3.1.iter().copied().enumerate().collect();
    expected.sort_by(|a, b| b.1.total_cmp(&a.1));
    let expected: Vec<String> = expected
        .into_iter()
        .filter(|&(i, _)| i != 3)
        .map(|(i, _)| format!("w{i}"))
        .collect();
    let ours: Vec<String> = r.words.iter().map(|(w, _)| w.clone()).collect();
    assert_eq!(ours, expected);

    let mut normalized = words.clone();
    normalize(&mut normalized);
    assert_close("normalize", &normalized.view(), WORDS_NORMALIZED, 1e-12);
    let Lookup::Found(r) = analogy(
        ["w0", "w1", "w2"],
        &vocab,
        &normalized.view(),
        9,
        Some("w5"),
    )
    .unwrap() else {
        panic!()
    };
    for (word, score) in &r.words {
        let id: usize = word[1..].parse().unwrap();
        assert!(id > 2, "a, b and c are left out");
        assert!((score - ANALOGY_0_1_2.1[id]).abs() < 1e-12, "{word}");
    }
    let (_, answer) = r.answer.unwrap();
    assert!((answer - ANALOGY_0_1_2.1[5]).abs() < 1e-12);
}

#[cfg(feature = "blas")]
#[test]
fn randomized_svd_is_scikit_learns() {
    // The book's randomized_svd(W, 5, n_iter=5, random_state=7) in scikit-learn:
    // the same Gaussian matrix from numpy's generator, the same LU power
    // iterations, so the same singular values and vectors (up to sign).
    let m = a2(SKLEARN_M);
    let w = nn_text::Csr::from_dense(&m.view()).unwrap();
    let settings = nn_text::RandomizedSvd {
        components: 5,
        seed: 7,
        ..nn_text::RandomizedSvd::default()
    };
    let d = nn_text::randomized_svd(&w, settings).unwrap();
    assert_close(
        "s",
        &d.s.view().insert_axis(ndarray::Axis(0)),
        (&[1, 5], SKLEARN_S.1),
        1e-10,
    );
    let theirs = a2(SKLEARN_U);
    for j in 0..5 {
        let sign = d.u.column(j).dot(&theirs.column(j)).signum();
        for (a, b) in d.u.column(j).iter().zip(theirs.column(j)) {
            assert!((a * sign - b).abs() < 1e-10, "U[:, {j}]: {a} vs {b}");
        }
    }
}
