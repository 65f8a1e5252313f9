//! Training lowers the loss; a model saved and loaded samples the text the
//! trained one samples from the same seed; bad files are clear errors.

use assert_cmd::Command;
use char_lm::{PARAMS_FILE, Text, TrainConfig, load, sample, save, train};
use nn_core::Parameters;

/// A text with structure to learn: sentences from a few words, in an order
/// a small generator picks.
fn text() -> String {
    let words = [
        "the cat", "a dog", "sat on", "the mat", "ran to", "a tree", "and then", "slept",
    ];
    let mut state = 12345u32;
    let mut out = String::new();
    while out.len() < 6000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        out.push_str(words[(state >> 16) as usize % words.len()]);
        out.push_str(if state % 7 == 0 { ".\n" } else { " " });
    }
    out
}

fn small(steps: usize) -> TrainConfig {
    TrainConfig {
        steps,
        batch_size: 8,
        time_size: 16,
        wordvec: 16,
        hidden: 32,
        dropout: 0.1,
        learning_rate: 0.01,
        report_every: 50,
        ..TrainConfig::default()
    }
}

#[test]
fn the_loss_falls_and_a_reloaded_model_samples_the_same_text() {
    let text = Text::parse(text().as_bytes(), "words.txt".as_ref()).unwrap();
    let mut trained = train(&text, &small(300), &mut nn_train::Silent).unwrap();
    assert!(
        trained.last_loss < 0.6 * trained.first_loss,
        "{} -> {}",
        trained.first_loss,
        trained.last_loss
    );
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), &mut trained.model, &text.vocab).unwrap();
    let names: Vec<String> = nn_train::Npz::read(dir.path().join(PARAMS_FILE))
        .unwrap()
        .names()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, trained.model.param_names());
    assert_eq!(names[0], "embed.W");

    let (mut loaded, vocab) = load(dir.path()).unwrap();
    assert_eq!(vocab, text.vocab);
    let ours = sample(&mut trained.model, &text.vocab, "the ", 200, 7).unwrap();
    let theirs = sample(&mut loaded, &vocab, "the ", 200, 7).unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(ours.chars().count(), 200);
    assert!(ours.starts_with("the "));
    // Another seed, another text.
    assert_ne!(sample(&mut loaded, &vocab, "the ", 200, 8).unwrap(), ours);
    // The words it learnt: most of what it writes is made of them.
    let known = [
        "the", "cat", "a", "dog", "sat", "on", "mat", "ran", "to", "tree", "and", "then", "slept",
    ];
    let written: Vec<&str> = ours
        .split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .collect();
    let hits = written.iter().filter(|w| known.contains(w)).count();
    assert!(hits * 2 > written.len(), "{ours}");
}

fn char_lm() -> Command {
    let mut cmd = Command::cargo_bin("char-lm").unwrap();
    cmd.env("OPENBLAS_NUM_THREADS", "1");
    cmd
}

/// The error line, after any note of an OpenBLAS restart.
fn error_of(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{stderr}");
    stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in {stderr:?}"))
        .to_owned()
}

#[test]
fn empty_binary_and_short_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "empty.txt",
            b"",
            "the file is empty: there is no text to learn",
        ),
        (
            "image.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            "not UTF-8 text: the bytes at offset 0 are no character (a binary file?)",
        ),
        (
            "nul.txt",
            b"text\0more",
            "not text: a NUL byte at offset 4 (a binary file?)",
        ),
        (
            "short.txt",
            b"hello, world",
            "12 characters are too few: one batch of 32 × 64 needs at least 2049 \
             (give a longer text, or smaller --batch-size / --time-size)",
        ),
    ];
    for (name, bytes, detail) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = char_lm()
            .arg("train")
            .arg(&path)
            .arg("--out")
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        assert_eq!(
            error_of(&output),
            format!("error: {}: {detail}", path.display())
        );
    }
    let missing = dir.path().join("nowhere");
    let output = char_lm()
        .args(["sample", "--out"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(error_of(&output).contains("vocab.txt: cannot read it"));
}

#[test]
fn the_commands_train_save_and_sample() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.txt");
    std::fs::write(&path, text()).unwrap();
    let out = dir.path().join("model");
    let output = char_lm()
        .arg("train")
        .arg(&path)
        .args(["--out"])
        .arg(&out)
        .args([
            "--steps",
            "40",
            "--batch-size",
            "8",
            "--time-size",
            "16",
            "--hidden",
            "16",
        ])
        .args(["--report-every", "20"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("| epoch 1 |  iter 20 / 40 | loss "),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with(
            "CharLstm(V=17, D=32, H=16, dropout 0.1): 6,081 parameters; 6005 characters"
        ),
        "{stdout}"
    );
    let sampled = char_lm()
        .args(["sample", "--length", "50", "--start", "the", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8(sampled.stdout).unwrap();
    assert_eq!(text.trim_end_matches('\n').chars().count(), 50, "{text:?}");
    let output = char_lm()
        .args(["sample", "--start", "Z", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        error_of(&output).contains("'Z'"),
        "an unknown start character is named"
    );
}
