//! Chapter 2's commands, as a user runs them.

mod common;

use common::nn_examples;
#[cfg(feature = "blas")]
use common::stdout_of;
use nn_examples::ch02::{load_word_vecs, save_word_vecs};
use nn_text::Vocabulary;

#[cfg(feature = "blas")]
#[test]
fn count_small_prints_the_books_rows_and_draws_the_words() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = stdout_of(nn_examples().args(["count-small", "--out"]).arg(dir.path()));
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    // The book's printed C[0] and W[0]; U[0] is one of the equally right
    // rotations within each pair of equal singular values.
    assert_eq!(lines[0], "[0 1 0 0 0 0 0]");
    assert_eq!(lines[1], "[0.    1.807 0.    0.    0.    0.    0.   ]");
    assert!(
        lines[2].starts_with('[') && lines[2].ends_with(']'),
        "{stdout}"
    );
    let png = std::fs::read(dir.path().join("count_small.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[cfg(feature = "blas")]
#[test]
fn count_big_names_a_missing_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let output = nn_examples()
        .args(["count-big", "--data"])
        .arg(&missing)
        .args(["--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        common::after_kernel_notes(&stderr).starts_with(&format!(
            "error: {}: the data directory does not exist; get it from https://raw.githubusercontent.com/tomsercu/lstm/master/data/ptb.train.txt",
            missing.display()
        )),
        "{stderr}"
    );
}

#[cfg(not(feature = "blas"))]
#[test]
fn without_lapack_the_commands_say_so() {
    let output = nn_examples()
        .args(["count-small", "--out", "/nonexistent"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: count-small: this build has no LAPACK for the SVD; build with the default `blas` feature (OpenBLAS)\n"
    );
}

#[test]
fn word_vectors_round_trip_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.npz");
    let vocab = Vocabulary::from_words(["you", "say", "<eos>"]).unwrap();
    let vecs = ndarray::Array2::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f32);
    save_word_vecs(&path, &vecs, &vocab).unwrap();
    assert_eq!(load_word_vecs(&path).unwrap(), (vecs.clone(), vocab));
    let short = Vocabulary::from_words(["a", "b"]).unwrap();
    save_word_vecs(&path, &vecs, &short).unwrap();
    assert_eq!(
        load_word_vecs(&path).unwrap_err().to_string(),
        format!(
            "{}: 'word_vecs' has 3 rows but 'vocab' has 2 words",
            path.display()
        )
    );
}

/// The whole book run on PTB, when `DLFS2_DATA` points at its files (CI
/// points it at the shared data).
#[cfg(feature = "blas")]
#[test]
fn count_big_on_ptb_finds_the_books_neighbours() {
    let Some(data) = std::env::var_os(nn_text::ptb::DATA_ENV) else {
        eprintln!("skipped: set DLFS2_DATA to a directory with PTB's files");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stdout = stdout_of(
        nn_examples()
            .args(["count-big", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(dir.path()),
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "counting  co-occurrence ...",
            "calculating PPMI ...",
            "1.0% done",
            "2.0% done"
        ]
    );
    assert!(
        stdout.contains("99.0% done\ncalculating SVD ...\n\n[query] you\n"),
        "{stdout}"
    );
    // Each query's top 5 shares at least 3 words with the book's.
    let book = [
        ("you", ["i", "we", "anybody", "do", "someone"]),
        ("year", ["quarter", "month", "earlier", "third", "next"]),
        ("car", ["auto", "luxury", "truck", "corsica", "cars"]),
        ("toyota", ["motor", "nissan", "motors", "honda", "mazda"]),
    ];
    for (query, expected) in book {
        let at = lines
            .iter()
            .position(|l| *l == format!("[query] {query}"))
            .unwrap();
        let ours: Vec<&str> = lines[at + 1..at + 6]
            .iter()
            .map(|l| l.trim_start().split(": ").next().unwrap())
            .collect();
        let shared = ours.iter().filter(|w| expected.contains(w)).count();
        assert!(shared >= 3, "{query}: {ours:?} vs the book's {expected:?}");
    }
    let (vecs, vocab) = load_word_vecs(&dir.path().join("word_vecs.npz")).unwrap();
    assert_eq!((vecs.dim(), vocab.len()), ((10_000, 100), 10_000));
}
