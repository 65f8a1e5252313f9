//! Chapters 5–6's commands as a user runs them, on PTB when `DLFS2_DATA`
//! points at its files (CI does): `rnnlm-simple`'s whole 100 epochs take
//! seconds; `rnnlm` runs on PTB's first words with small sizes.

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

/// `rnnlm` on PTB's first 1200 words of each file, 4 × 5 batches, size 8.
const SHORT: [&str; 12] = [
    "--corpus-words",
    "1200",
    "--batch-size",
    "4",
    "--time-size",
    "5",
    "--hidden",
    "8",
    "--eval-interval",
    "10",
    "--threads",
    "1",
];

fn have_ptb() -> bool {
    let have = std::env::var_os("DLFS2_DATA").is_some();
    if !have {
        eprintln!("skipped: set DLFS2_DATA to a directory with PTB's files");
    }
    have
}

/// `rnnlm` with [`SHORT`] and `args`, writing to `out`.
fn rnnlm(out: &std::path::Path, args: &[&str]) -> String {
    stdout_of(
        nn_examples()
            .arg("rnnlm")
            .args(SHORT)
            .args(args)
            .arg("--out")
            .arg(out),
    )
}

/// The output without the clock (`time 3[s]`), which differs between runs.
fn without_time(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| match (l.find("| time "), l.find("[s] |")) {
            (Some(a), Some(b)) => format!("{}{}", &l[..a], &l[b + 4..]),
            _ => l.to_owned(),
        })
        .collect()
}

#[test]
fn rnnlm_runs_resume_exactly_and_their_parameters_evaluate_and_generate() {
    if !have_ptb() {
        return;
    }
    for (better, name) in [(false, "Rnnlm"), (true, "BetterRnnlm")] {
        let flags: &[&str] = if better { &["--better"] } else { &[] };
        let (straight, split) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let whole = rnnlm(straight.path(), &[flags, &["--epochs", "2"]].concat());
        let first = rnnlm(split.path(), &[flags, &["--epochs", "1"]].concat());
        let rest = rnnlm(
            split.path(),
            &[flags, &["--epochs", "2", "--resume"]].concat(),
        );
        let whole = without_time(&whole);
        let (first, rest) = (without_time(&first), without_time(&rest));
        // 59 iterations an epoch: lines at 1, 11, …, 51.
        let training = |lines: &[String]| -> Vec<String> {
            lines
                .iter()
                .filter(|l| l.starts_with("| epoch"))
                .cloned()
                .collect()
        };
        assert_eq!(training(&whole).len(), 12, "{name}: {whole:#?}");
        assert_eq!(
            training(&whole),
            [training(&first), training(&rest)].concat(),
            "{name}"
        );
        // Near-uniform at first: the perplexity of 10,000 equally likely words.
        let first_ppl: f64 = whole[0]
            .strip_prefix("| epoch 1 |  iter 1 / 59 | perplexity ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{name}: {}", whole[0]));
        assert!(
            (9900.0..10100.0).contains(&first_ppl),
            "{name}: {first_ppl}"
        );
        let test_line = whole.last().unwrap();
        assert!(
            test_line.starts_with("test perplexity:  "),
            "{name}: {test_line}"
        );
        assert_eq!(rest.last(), Some(test_line), "{name}");
        if better {
            let valid = |lines: &[String]| -> Vec<String> {
                lines
                    .iter()
                    .filter(|l| l.starts_with("valid perplexity:  "))
                    .cloned()
                    .collect()
            };
            assert_eq!(valid(&whole).len(), 2);
            assert_eq!(valid(&whole), [valid(&first), valid(&rest)].concat());
        }
        let params = format!("{name}.npz");
        assert_eq!(
            std::fs::read(straight.path().join(&params)).unwrap(),
            std::fs::read(split.path().join(&params)).unwrap(),
            "{name}: the saved parameters"
        );

        // rnnlm-eval and rnnlm-generate read them from --out.
        let out = straight.path();
        let eval = stdout_of(
            nn_examples()
                .arg("rnnlm-eval")
                .args(flags)
                .args(["--threads", "1", "--corpus-words", "1200", "--out"])
                .arg(out),
        );
        let ppl: f64 = eval.lines().last().unwrap()["test perplexity:  ".len()..]
            .parse()
            .unwrap();
        assert!(ppl.is_finite() && ppl > 1.0, "{eval}");
        let generate = |seed: &str| {
            stdout_of(
                nn_examples()
                    .arg("rnnlm-generate")
                    .args(flags)
                    .args(["--seed", seed, "--out"])
                    .arg(out),
            )
        };
        let text = generate("1");
        assert_eq!(text, generate("1"), "the seed fixes the text");
        assert_ne!(text, generate("2"));
        let parts: Vec<&str> = text.split(&"-".repeat(50)).collect();
        assert_eq!(parts.len(), if better { 2 } else { 1 }, "{text}");
        assert!(parts[0].starts_with("you "), "{text}");
        for part in &parts {
            let words = part.replace(".\n", " <eos> ");
            let words: Vec<&str> = words.split_whitespace().collect();
            assert_eq!(
                words.len(),
                if part == &parts[0] { 100 } else { 104 },
                "{part}"
            );
            assert!(
                !words.iter().any(|w| ["N", "<unk>", "$"].contains(w)),
                "{part}"
            );
        }
    }
}

#[test]
fn rnnlm_bad_input_is_a_clear_error() {
    if !have_ptb() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fail = |args: &[&str]| {
        let out = nn_examples().args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let out = dir.path().to_str().unwrap();
    let err = fail(&["rnnlm", "--corpus-words", "100", "--out", out]);
    assert!(err.contains("shorter than one batch of 20 × 35"), "{err}");
    let err = fail(&[
        "rnnlm",
        "--time-size",
        "0",
        "--corpus-words",
        "1200",
        "--out",
        out,
    ]);
    assert!(err.contains("at least 1"), "{err}");
    let err = fail(&["rnnlm", "--resume", "--out", out]);
    assert!(err.contains("Rnnlm_checkpoint.npz"), "{err}");
    let err = fail(&["rnnlm-eval", "--out", out]);
    assert!(err.contains("Rnnlm.npz"), "{err}");
    // Parameters of another kind, or for another vocabulary.
    let other = dir.path().join("other.npz");
    let mut npz = nn_train::Npz::new();
    npz.insert(
        "W1",
        nn_train::NpyArray::F32(ndarray::ArrayD::zeros(vec![2, 3])),
    );
    npz.write(&other).unwrap();
    let err = fail(&["rnnlm-eval", "--params", other.to_str().unwrap()]);
    assert!(
        err.contains("other.npz") && err.contains("embed.W"),
        "{err}"
    );
    let mut npz = nn_train::Npz::new();
    let z = |shape: &[usize]| nn_train::NpyArray::F32(ndarray::ArrayD::zeros(shape.to_vec()));
    for (name, shape) in [
        ("embed_W", &[50usize, 4][..]),
        ("lstm_Wx", &[4, 16]),
        ("lstm_Wh", &[4, 16]),
        ("lstm_b", &[16]),
        ("affine_W", &[4, 50]),
        ("affine_b", &[50]),
    ] {
        npz.insert(name, z(shape));
    }
    npz.write(&other).unwrap();
    let err = fail(&["rnnlm-generate", "--params", other.to_str().unwrap()]);
    assert!(err.contains("50 words") && err.contains("10000"), "{err}");
}

/// `transformer-lm` on a short corpus: a run stopped after an epoch and
/// resumed prints and saves what the uninterrupted run does; `rnnlm-eval`
/// and `rnnlm-generate` read its file; a checkpoint of other sizes and
/// windows longer than the positional table are clear errors.
#[test]
fn transformer_lm_resumes_exactly_and_its_file_evaluates_and_generates() {
    if !have_ptb() {
        return;
    }
    let small = [
        "--corpus-words",
        "2000",
        "--d-model",
        "16",
        "--d-ff",
        "32",
        "--time-size",
        "12",
        "--threads",
        "1",
    ];
    let run = |out: &std::path::Path, args: &[&str]| {
        let output = stdout_of(
            nn_examples()
                .arg("transformer-lm")
                .args(small)
                .args(args)
                .arg("--out")
                .arg(out),
        );
        without_time(&output)
    };
    let (straight, split) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let whole = run(straight.path(), &["--epochs", "2"]);
    let first = run(split.path(), &["--epochs", "1"]);
    let rest = run(split.path(), &["--epochs", "2", "--resume"]);
    assert!(
        whole[0].starts_with("TransformerLm(V=10000, E=16, heads=4"),
        "{whole:#?}"
    );
    let valid = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.starts_with("valid perplexity:  ") || l.starts_with("| epoch"))
            .cloned()
            .collect()
    };
    assert_eq!(valid(&whole), [valid(&first), valid(&rest)].concat());
    let test_line = whole.last().unwrap();
    assert!(test_line.starts_with("test perplexity:  "), "{test_line}");
    assert_eq!(rest.last(), Some(test_line));
    let params = straight.path().join("TransformerLm.npz");
    assert_eq!(
        std::fs::read(&params).unwrap(),
        std::fs::read(split.path().join("TransformerLm.npz")).unwrap()
    );
    // rnnlm-eval reads the file (its sizes included) in windows that fit
    // the positional table of 12.
    let eval = stdout_of(
        nn_examples()
            .args(["rnnlm-eval", "--corpus-words", "2000", "-q", "--params"])
            .arg(&params),
    );
    assert!(eval.starts_with("test perplexity:  "), "{eval}");
    let text = stdout_of(
        nn_examples()
            .args(["rnnlm-generate", "--params"])
            .arg(&params),
    );
    assert!(
        text.starts_with("you") && text.contains("the meaning of life is"),
        "{text}"
    );
    // A checkpoint of other sizes.
    let out = nn_examples()
        .arg("transformer-lm")
        .args([
            "--corpus-words",
            "2000",
            "--epochs",
            "3",
            "--resume",
            "--out",
        ])
        .arg(split.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("TransformerLm_checkpoint.npz: embed.W has shape [10000, 16], the model expects [10000, 128]"),
        "{err}"
    );
}
