//! Chapters 7–8's commands as a user runs them, on short runs: `seq2seq`
//! and `attention` print the book's lines (the first loss is the book's),
//! write their parameters, accuracies and figures; `attention-show` draws
//! the book's questions; bad input is a clear error.

mod common;

use common::{nn_examples, stdout_of};
use nn_examples::ch08::{AttentionShowConfig, attention_show};
use nn_text::sequence::SequenceSet;
use nn_train::NumpyRandom;

/// Checks the book's printout: per epoch the Trainer's lines, `verbose`
/// questions of four lines, and `val acc`.
fn check_printout(out: &str, epochs: usize, iterations: usize, verbose: usize) {
    assert!(!out.contains('\x1b'), "no colour codes in a pipe: {out}");
    let lines: Vec<&str> = out.lines().collect();
    let per_epoch = iterations.div_ceil(20) + 4 * verbose + 1;
    assert_eq!(lines.len(), epochs * per_epoch, "{out}");
    for epoch in 0..epochs {
        let block = &lines[epoch * per_epoch..(epoch + 1) * per_epoch];
        assert!(
            block[0].starts_with(&format!(
                "| epoch {} |  iter 1 / {iterations} | time ",
                epoch + 1
            )),
            "{}",
            block[0]
        );
        let questions = &block[iterations.div_ceil(20)..per_epoch - 1];
        for q in questions.chunks(4) {
            assert!(q[0].starts_with("Q ") && q[1].starts_with("T "), "{q:?}");
            assert!(q[2].starts_with("☑ ") || q[2].starts_with("☒ "), "{q:?}");
            assert_eq!(q[3], "---");
        }
        assert!(
            block[per_epoch - 1].starts_with("val acc "),
            "{}",
            block[per_epoch - 1]
        );
        assert!(block[per_epoch - 1].ends_with('%'));
    }
}

#[test]
fn seq2seq_prints_the_books_lines_and_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(
        nn_examples()
            .args([
                "seq2seq",
                "--reverse",
                "--peeky",
                "--epochs",
                "2",
                "--train-rows",
                "1280",
            ])
            .args(["--test-rows", "50", "--hidden", "32", "--out"])
            .arg(dir.path()),
    );
    check_printout(&out, 2, 10, 10);
    // The questions are printed in reading order although fed reversed.
    let q = out.lines().find(|l| l.starts_with("Q ")).unwrap();
    assert!(q.starts_with("Q 77+85"), "{q}");
    for file in [
        "PeekySeq2seq.npz",
        "accuracy_reverse_peeky.csv",
        "seq2seq_accuracy.png",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    // A second variant joins the first in the figure's data.
    stdout_of(
        nn_examples()
            .args([
                "seq2seq",
                "--epochs",
                "1",
                "--train-rows",
                "256",
                "--test-rows",
                "20",
            ])
            .args(["--hidden", "16", "-q", "--out"])
            .arg(dir.path()),
    );
    assert!(dir.path().join("accuracy_baseline.csv").is_file());
    assert!(dir.path().join("Seq2seq.npz").is_file());
}

#[test]
fn the_first_loss_is_the_books() {
    // ch07/train_seq2seq.py and ch08/train.py (seed 1984) print these first
    // lines: the same initial weights and the same first batch.
    let dir = tempfile::tempdir().unwrap();
    // DLFS2_DATA may name PTB's directory only (CI's does): then the shipped
    // copy is read.
    let out = stdout_of(
        nn_examples()
            .env("DLFS2_DATA", dir.path())
            .args([
                "seq2seq",
                "--epochs",
                "1",
                "--train-rows",
                "128",
                "--test-rows",
                "1",
            ])
            .arg("--out")
            .arg(dir.path()),
    );
    let first = |out: &str| {
        let line = out.lines().next().unwrap().to_owned();
        // The seconds vary; the rest is the book's line.
        let (head, tail) = line.split_once(" | time ").unwrap();
        (
            head.to_owned(),
            tail.split_once("[s]").unwrap().1.to_owned(),
        )
    };
    assert_eq!(
        first(&out),
        ("| epoch 1 |  iter 1 / 1".into(), " | loss 2.56".into())
    );
    let out = stdout_of(
        nn_examples()
            .args([
                "attention",
                "--epochs",
                "1",
                "--train-rows",
                "128",
                "--test-rows",
                "1",
            ])
            .arg("--out")
            .arg(dir.path()),
    );
    assert_eq!(
        first(&out),
        ("| epoch 1 |  iter 1 / 1".into(), " | loss 4.08".into())
    );
}

#[test]
fn attention_trains_and_shows_the_books_questions() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(
        nn_examples()
            .args([
                "attention",
                "--epochs",
                "1",
                "--train-rows",
                "640",
                "--test-rows",
                "30",
            ])
            .args(["--hidden", "32", "--out"])
            .arg(dir.path()),
    );
    check_printout(&out, 1, 5, 10);
    // Dates are printed in reading order.
    let q = out.lines().find(|l| l.starts_with("Q ")).unwrap();
    assert!(q.chars().nth(2).unwrap().is_ascii_alphanumeric(), "{q}");
    for file in [
        "AttentionSeq2seq.npz",
        "accuracy_attention.csv",
        "attention_accuracy.png",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }

    let config = AttentionShowConfig {
        params: dir.path().join("AttentionSeq2seq.npz"),
        out: dir.path().to_owned(),
        count: 2,
        ..AttentionShowConfig::default()
    };
    let maps = attention_show(&config).unwrap();
    // np.random.seed(1984); np.random.randint(0, 5000) twice: 4316, 1779.
    let data = SequenceSet::Date
        .load_with(&mut NumpyRandom::new(1984))
        .unwrap();
    for (map, idx) in maps.iter().zip([4316, 1779]) {
        assert_eq!(
            map.question,
            data.vocab.decode(data.x_test.row(idx).iter().copied())
        );
        assert_eq!(
            map.answer,
            data.vocab
                .decode(data.t_test.row(idx).iter().skip(1).copied())
        );
        assert_eq!(map.weights.dim(), (10, 29));
        for row in map.weights.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-5);
        }
        assert!(map.file.is_file());
    }
    // seq2seq-eval reads the saved model: the book's printout for the whole
    // test set, the same batched as one question at a time.
    let batched = stdout_of(
        nn_examples()
            .args(["seq2seq-eval", "--out"])
            .arg(dir.path()),
    );
    check_printout(
        &format!("| epoch 1 |  iter 1 / 1 | time 0[s] | loss 0\n{batched}"),
        1,
        1,
        10,
    );
    let single = stdout_of(
        nn_examples()
            .args(["seq2seq-eval", "--one-at-a-time", "--out"])
            .arg(dir.path()),
    );
    assert_eq!(batched, single);

    // The command: the same files.
    std::fs::remove_file(dir.path().join("attention_1.png")).unwrap();
    stdout_of(
        nn_examples()
            .args(["attention-show", "--count", "1", "--out"])
            .arg(dir.path()),
    );
    assert!(dir.path().join("attention_1.png").is_file());
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fails = |args: &[&str]| {
        let out = nn_examples().args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    };
    let d = dir.path().to_str().unwrap();
    // A data directory without the file.
    let err = fails(&["seq2seq", "--data", d, "--out", d]);
    assert!(err.contains("addition.txt"), "{err}");
    // A line without '_', and ragged lines.
    std::fs::write(dir.path().join("addition.txt"), "1+1  _2  \n2+2   4  \n").unwrap();
    let err = fails(&["seq2seq", "--data", d, "--out", d]);
    assert!(err.contains("line 2") && err.contains("'_'"), "{err}");
    std::fs::write(dir.path().join("addition.txt"), "1+1  _2  \n2+2 _4  \n").unwrap();
    let err = fails(&["seq2seq", "--data", d, "--out", d]);
    assert!(err.contains("line 2"), "{err}");
    std::fs::write(dir.path().join("addition.txt"), "").unwrap();
    let err = fails(&["seq2seq", "--data", d, "--out", d]);
    assert!(err.contains("no lines"), "{err}");
    // Parameters of another model, of another data set, or none.
    std::fs::remove_file(dir.path().join("addition.txt")).unwrap();
    stdout_of(
        nn_examples()
            .args([
                "seq2seq",
                "--peeky",
                "--epochs",
                "1",
                "--train-rows",
                "128",
                "--test-rows",
                "1",
            ])
            .args(["--hidden", "8", "-q", "--out", d]),
    );
    let peeky = dir.path().join("PeekySeq2seq.npz");
    let err = fails(&[
        "attention-show",
        "--params",
        peeky.to_str().unwrap(),
        "--out",
        d,
    ]);
    assert!(
        err.contains("PeekySeq2seq") && err.contains("not an AttentionSeq2seq"),
        "{err}"
    );
    let err = fails(&["attention-show", "--out", d]);
    assert!(err.contains("AttentionSeq2seq.npz"), "{err}");
    stdout_of(
        nn_examples()
            .args([
                "attention",
                "--epochs",
                "1",
                "--train-rows",
                "128",
                "--test-rows",
                "1",
            ])
            .args(["--hidden", "8", "-q", "--out", d]),
    );
    // A date model shown on addition's vocabulary: not possible by flags, but a
    // zero batch size or epochs is.
    let err = fails(&["seq2seq", "--batch-size", "0", "--out", d]);
    assert!(err.contains("≥ 1"), "{err}");
    let err = fails(&["seq2seq", "--train-rows", "100", "--out", d]);
    assert!(err.contains("batch_size"), "{err}");
}

#[test]
fn transformer_trains_shows_every_head_and_evaluates() {
    let dir = tempfile::tempdir().unwrap();
    let small = [
        "--d-model",
        "16",
        "--d-ff",
        "32",
        "--heads",
        "2",
        "--layers",
        "1",
    ];
    let out = stdout_of(
        nn_examples()
            .args(["transformer", "--epochs", "2", "--train-rows", "640"])
            .args(["--test-rows", "30"])
            .args(small)
            .arg("--out")
            .arg(dir.path()),
    );
    // attention's printout, on dates by default.
    check_printout(&out, 2, 5, 10);
    for file in [
        "TransformerSeq2seq.npz",
        "accuracy_transformer_reversed_date.csv",
        "attention_accuracy.png",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    // Every head of every decoder layer of the saved model, for each date.
    let config = AttentionShowConfig {
        params: dir.path().join("TransformerSeq2seq.npz"),
        out: dir.path().to_owned(),
        count: 2,
        ..AttentionShowConfig::default()
    };
    let maps = attention_show(&config).unwrap();
    assert_eq!(maps.len(), 2 * 2);
    assert_eq!(
        maps.iter().map(|m| m.head).collect::<Vec<_>>(),
        [Some((0, 0)), Some((0, 1)), Some((0, 0)), Some((0, 1))]
    );
    for map in &maps {
        assert_eq!(map.weights.dim(), (10, 29));
        for row in map.weights.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-5);
        }
        assert!(map.file.is_file());
    }
    assert!(
        dir.path()
            .join("transformer_attention_2_layer1_head2.png")
            .is_file()
    );
    // seq2seq-eval rebuilds it from its file (sizes included) and asks the
    // questions reversed, as it was trained.
    let eval = stdout_of(
        nn_examples()
            .args(["seq2seq-eval", "--model", "transformer", "--out"])
            .arg(dir.path()),
    );
    check_printout(
        &format!("| epoch 1 |  iter 1 / 1 | time 0[s] | loss 0\n{eval}"),
        1,
        1,
        10,
    );
    let q = eval.lines().next().unwrap();
    assert!(
        q.chars().nth(2).unwrap().is_ascii_alphanumeric(),
        "printed in reading order: {q}"
    );
    // Sizes that don't fit: a clear error naming both.
    let err = nn_examples()
        .args(["transformer", "--d-model", "10", "--heads", "3", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!err.status.success());
    let err = String::from_utf8(err.stderr).unwrap();
    assert!(err.contains("(heads: 3, d_model: 10)"), "{err}");
}
