//! The command line, as a user runs it.

use std::path::Path;

mod common;

use common::nn_examples;

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn a_short_run_writes_figures_and_a_loadable_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = nn_examples()
        .args(["--epochs", "4", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<_> = stdout.lines().collect();
    // Not a terminal: the book's plain lines, then the accuracy.
    assert_eq!(lines.len(), 5, "{stdout}");
    assert_eq!(lines[0], "| epoch 1 |  iter 10 / 10 | loss 1.13");
    assert!(lines[4].starts_with("accuracy: "), "{stdout}");
    // The run ends with its median training iteration (on stderr).
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("training: ")
            && last.ends_with(" ms per iteration (median of 40 iterations)"),
        "{stderr}"
    );

    assert_eq!(png_size(&out.join("loss.png")), (800, 600));
    assert_eq!(png_size(&out.join("decision_boundary.png")), (800, 600));
    let params = nn_train::Npz::read(out.join("params.npz")).unwrap();
    assert_eq!(
        params.names().collect::<Vec<_>>(),
        ["affine1.W", "affine1.b", "affine2.W", "affine2.b"]
    );
    assert_eq!(params.get("affine2.W").unwrap().shape(), [10, 3]);
    assert_eq!(params.get("affine1.b").unwrap().dtype(), "float64");

    let eval = nn_examples()
        .args(["eval", "--params"])
        .arg(out.join("params.npz"))
        .output()
        .unwrap();
    assert!(eval.status.success());
    assert_eq!(
        String::from_utf8(eval.stdout).unwrap(),
        format!("{}\n", lines[4])
    );

    let resumed = nn_examples()
        .args(["resume", "--epochs", "6", "-q", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let history = std::fs::read_to_string(out.join("history.json")).unwrap();
    assert_eq!(history.matches("\"epoch\"").count(), 6);
}

#[test]
fn other_optimizers_generators_and_dtypes_run() {
    let dir = tempfile::tempdir().unwrap();
    let output = nn_examples()
        .args([
            "--epochs",
            "3",
            "--optimizer",
            "adam",
            "--generator",
            "std",
            "--dtype",
            "f32",
            "--max-grad",
            "5",
            "-q",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let params = nn_train::Npz::read(dir.path().join("params.npz")).unwrap();
    assert_eq!(params.get("affine1.W").unwrap().dtype(), "float32");
    let state = nn_train::Npz::read(dir.path().join("state.npz")).unwrap();
    assert!(state.get("optimizer.m.0").is_some());
}

#[test]
fn bad_flags_are_refused_before_any_work() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["--batch-size", "0"],
            "--batch-size must be between 1 and the 300 samples, got 0",
        ),
        (
            &["--batch-size", "301"],
            "--batch-size must be between 1 and the 300 samples, got 301",
        ),
        (
            &["--lr", "-0.5"],
            "--lr must be finite and non-negative, got -0.5",
        ),
        (&["--epochs", "0"], "--epochs must be at least 1"),
        (
            &["--max-grad", "0"],
            "--max-grad must be positive and finite, got 0",
        ),
        (
            &["--seed", "4294967296"],
            "--seed must be below 2^32 for numpy's generator",
        ),
        (
            &["--grid-step", "-1"],
            "--grid-step must be positive, got -1",
        ),
    ];
    for (args, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("never");
        let output = nn_examples()
            .args(args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?}: work started before the refusal");
    }
    let output = nn_examples()
        .args(["--optimizer", "adamax"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("unknown optimizer \"adamax\"; expected one of sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw"),
        "{stderr}"
    );
}

#[test]
fn missing_or_damaged_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.npz");
    let output = nn_examples()
        .args(["eval", "--params"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        common::after_kernel_notes(&stderr)
            .starts_with(&format!("error: {}: cannot open", missing.display())),
        "{stderr}"
    );

    let damaged = dir.path().join("params.npz");
    std::fs::write(&damaged, b"PK\x03\x04 this is not a zip").unwrap();
    let output = nn_examples()
        .args(["eval", "--params"])
        .arg(&damaged)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("not a valid .npz")
    );

    let output = nn_examples()
        .args(["resume", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn help_explains_every_flag_with_its_default() {
    let output = nn_examples().arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for needle in [
        "--epochs",
        "[default: 300]",
        "--batch-size",
        "[default: 30]",
        "--optimizer",
        "adamw",
        "--generator",
        "--dtype",
        "--seed",
        "[default: 1984]",
        "--quiet",
        "eval",
        "resume",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}
