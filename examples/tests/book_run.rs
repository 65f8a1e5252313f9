//! The default run is the book's run, and a resumed run is the same run.

#[path = "../../crates/nn-train/src/test_vectors.rs"]
#[rustfmt::skip]
mod vectors;

use nn_examples::run::{Dtype, TrainConfig, resume, train};
use nn_train::Npz;

fn config(dir: &std::path::Path) -> TrainConfig {
    TrainConfig {
        out: dir.to_path_buf(),
        quiet: true,
        ..TrainConfig::default()
    }
}

#[test]
fn the_default_run_prints_the_books_lines_and_gets_291_of_300() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = train(&config(dir.path())).unwrap();
    let lines: Vec<String> = outcome
        .history
        .iter()
        .map(|r| r.book_line(outcome.iterations))
        .collect();
    assert_eq!(lines.len(), 300);
    assert_eq!(lines[0], "| epoch 1 |  iter 10 / 10 | loss 1.13");
    assert_eq!(lines[299], "| epoch 300 |  iter 10 / 10 | loss 0.11");
    for (record, book) in outcome.history.iter().zip(vectors::LOSSES) {
        assert!(
            (record.loss - book).abs() < 1e-12,
            "{} vs numpy {book}",
            record.loss
        );
    }
    assert_eq!(outcome.accuracy, (291, 300));
    let names: Vec<_> = outcome
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "params.npz",
            "state.npz",
            "history.json",
            "loss.png",
            "decision_boundary.png"
        ]
    );
    let history = std::fs::read_to_string(dir.path().join("history.json")).unwrap();
    assert!(history.contains("\"correct\": 291,"), "{history}");
}

#[test]
fn the_f32_run_gets_the_same_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = train(&TrainConfig {
        dtype: Dtype::F32,
        ..config(dir.path())
    })
    .unwrap();
    assert_eq!(outcome.accuracy, (291, 300));
    assert_eq!(
        outcome.history[299].book_line(10),
        "| epoch 300 |  iter 10 / 10 | loss 0.11"
    );
}

#[test]
fn stopping_and_resuming_gives_the_uninterrupted_run_bit_for_bit() {
    let (whole, part) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let straight = train(&TrainConfig {
        epochs: 60,
        ..config(whole.path())
    })
    .unwrap();
    train(&TrainConfig {
        epochs: 25,
        ..config(part.path())
    })
    .unwrap();
    let resumed = resume(part.path(), Some(60), true, None).unwrap();
    assert_eq!(resumed.history, straight.history);
    assert_eq!(resumed.accuracy, straight.accuracy);
    for file in ["params.npz", "state.npz"] {
        assert_eq!(
            Npz::read(part.path().join(file)).unwrap(),
            Npz::read(whole.path().join(file)).unwrap(),
            "{file} differs"
        );
    }
    assert_eq!(
        resume(part.path(), Some(60), true, None)
            .unwrap_err()
            .to_string(),
        "nn-examples resume: the run already has 60 epochs; ask for more with --epochs"
    );
}
