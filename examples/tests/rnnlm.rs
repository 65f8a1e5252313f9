//! Chapter 5's `rnnlm-simple` as a user runs it, on PTB when `DLFS2_DATA`
//! points at its files (CI does): the whole 100 epochs take seconds.

mod common;

use common::{nn_examples, stdout_of};

/// With numpy's seed 1984, the book's `train_custom_loop.py` (seeded the
/// same way) prints these first perplexities; float32 rounding makes the two
/// runs drift apart only late in the 100 epochs.
const BOOK_FIRST: [&str; 6] = [
    "corpus size: 1000, vocabulary size: 418",
    "| epoch 1 | perplexity 388.19",
    "| epoch 2 | perplexity 260.36",
    "| epoch 3 | perplexity 223.74",
    "| epoch 4 | perplexity 216.25",
    "| epoch 5 | perplexity 205.41",
];

#[test]
fn rnnlm_simple_follows_the_books_run() {
    if std::env::var_os("DLFS2_DATA").is_none() {
        eprintln!("skipped: set DLFS2_DATA to a directory with PTB's files");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(
        nn_examples()
            .args(["rnnlm-simple", "--out"])
            .arg(dir.path()),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 101);
    assert_eq!(lines[..6], BOOK_FIRST);
    let last: f64 = lines[100].rsplit(' ').next().unwrap().parse().unwrap();
    assert!(last < 10.0, "single digits by epoch 100: {last}");
    assert!(dir.path().join("rnnlm_simple_perplexity.png").is_file());
}

#[test]
fn missing_ptb_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = nn_examples()
        .args(["rnnlm-simple", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("ptb.train.txt"), "{err}");
}
