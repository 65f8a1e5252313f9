//! Chapters 3 and 4 as a user runs them: `cbow-simple`, `word2vec` (both
//! modes) and `word2vec-eval`. PTB runs need `DLFS2_DATA` (CI points it at
//! the data); the rest trains on small corpora made here.

mod common;

use common::{nn_examples, stdout_of};
use nn_examples::ch04::{Mode, Word2VecConfig, word2vec_eval, word2vec_on};
use nn_models::word2vec::fast::Architecture;
use nn_text::Corpus;
use nn_train::Silent;

#[test]
fn cbow_simple_prints_the_books_lines_and_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(nn_examples().args(["cbow-simple", "--out"]).arg(dir.path()));
    let lines: Vec<&str> = out.lines().collect();
    // One record per epoch (2 iterations, eval_interval 20: trainer.py's
    // `iters % 20 == 0` fires at the first), then 7 word vectors.
    assert_eq!(lines.len(), 1000 + 7);
    assert_eq!(lines[0], "| epoch 1 |  iter 1 / 2 | time 0[s] | loss 1.95");
    assert!(lines[999].starts_with("| epoch 1000 |  iter 1 / 2 | time 0[s] | loss "));
    let last: f64 = lines[999].rsplit(' ').next().unwrap().parse().unwrap();
    assert!(last < 1.0, "the loss fell: {last}");
    let words: Vec<&str> = lines[1000..]
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(words, ["you", "say", "goodbye", "and", "i", "hello", "."]);
    assert!(lines[1000].starts_with("you [") && lines[1000].ends_with(']'));
    assert!(dir.path().join("cbow_simple_loss.png").is_file());

    let out = stdout_of(
        nn_examples()
            .args([
                "cbow-simple",
                "--skip-gram",
                "--epochs",
                "3",
                "--quiet",
                "--out",
            ])
            .arg(dir.path()),
    );
    // Only the vectors (numpy wraps a long one onto a second line).
    assert!(out.starts_with("you ["), "{out}");
    assert_eq!(out.matches('[').count(), 7, "{out}");
    assert!(dir.path().join("skip_gram_simple_loss.png").is_file());
}

/// Two topics whose words never meet: 0-29 and 30-59.
fn topics() -> Corpus {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let words: Vec<String> = (0..60).map(|i| format!("w{i}")).collect();
    let vocab = nn_text::Vocabulary::from_words(words).unwrap();
    let mut ids = Vec::new();
    for _ in 0..300 {
        let base = if rng.random::<bool>() { 0 } else { 30 };
        ids.extend((0..30).map(|_| base + rng.random_range(0..30)));
    }
    Corpus { ids, vocab }
}

#[test]
fn both_modes_train_save_float16_and_evaluate() {
    for mode in [Mode::Book, Mode::Fast] {
        for architecture in [Architecture::Cbow, Architecture::SkipGram] {
            let dir = tempfile::tempdir().unwrap();
            let config = Word2VecConfig {
                mode,
                architecture,
                window: 2,
                hidden: 16,
                batch_size: 20,
                epochs: if mode == Mode::Book { 3 } else { 5 },
                out: dir.path().to_owned(),
                ..Word2VecConfig::default()
            };
            let mut lines = Vec::new();
            let run = word2vec_on(topics(), &config, &mut Silent, &mut lines).unwrap();
            let saved = Word2VecConfig::params_file(dir.path(), architecture);
            assert_eq!(run.files[0], saved);
            let text = String::from_utf8(lines).unwrap();
            match mode {
                Mode::Book => assert!(run.history.len() >= 3 && text.is_empty()),
                Mode::Fast => assert_eq!(text.lines().count(), 5, "{text}"),
            }
            // float16 on disk, as the book's astype(np.float16).
            let npz = nn_train::Npz::read(&saved).unwrap();
            assert_eq!(npz.get("word_vecs").unwrap().dtype(), "float16");
            // Each word's nearest neighbour shares its topic.
            let (vecs, vocab) = nn_examples::ch02::load_word_vecs(&saved).unwrap();
            let same = (0..60)
                .filter(|&i| {
                    let found =
                        nn_text::most_similar(&format!("w{i}"), &vocab, &vecs.view(), 1).unwrap();
                    let nn_text::Lookup::Found(r) = found else {
                        panic!()
                    };
                    let j: usize = r.words[0].0[1..].parse().unwrap();
                    j / 30 == i / 30
                })
                .count();
            assert!(same >= 54, "{mode:?} {architecture:?}: {same} of 60");
            // word2vec-eval on vectors without the book's words says so, as the book.
            let mut out = Vec::new();
            word2vec_eval(&saved, &mut out).unwrap();
            let out = String::from_utf8(out).unwrap();
            assert!(out.starts_with("you is not found\n"), "{out}");
            assert!(out.contains("king is not found"));
        }
    }
}

#[test]
fn bad_settings_and_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let fail = |args: &[&str]| {
        let out = nn_examples().args(args).output().unwrap();
        assert!(!out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let missing = dir.path().join("none.npz");
    let err = fail(&["word2vec-eval", "--params", missing.to_str().unwrap()]);
    assert!(err.contains("none.npz"), "{err}");
    let config = |f: fn(&mut Word2VecConfig)| {
        let mut c = Word2VecConfig {
            out: dir.path().to_owned(),
            ..Word2VecConfig::default()
        };
        f(&mut c);
        word2vec_on(topics(), &c, &mut Silent, &mut Vec::new())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        config(|c| c.window = 0),
        "word2vec: window must be at least 1, got 0"
    );
    assert!(config(|c| c.batch_size = 100_000).contains("fewer than one batch of 100000"));
    let tiny = |mode| {
        let c = Word2VecConfig {
            mode,
            batch_size: 10,
            out: dir.path().to_owned(),
            ..Word2VecConfig::default()
        };
        let corpus = Corpus {
            ids: vec![0; 50],
            vocab: nn_text::Vocabulary::from_words(["a"]).unwrap(),
        };
        word2vec_on(corpus, &c, &mut Silent, &mut Vec::new())
            .unwrap_err()
            .to_string()
    };
    assert!(tiny(Mode::Book).contains("sample_size 5 needs at least 6 distinct words"));
    assert!(tiny(Mode::Fast).contains("at least 2 distinct words"));
    // A vectors file whose vocabulary doesn't match its rows.
    let bad = dir.path().join("bad.npz");
    let mut npz = nn_train::Npz::new();
    npz.insert(
        "word_vecs",
        nn_train::NpyArray::F32(ndarray::Array2::<f32>::zeros((3, 2)).into_dyn()),
    );
    npz.insert(
        "vocab",
        nn_train::NpyArray::U8(
            ndarray::Array1::from(
                b"a
b"
                .to_vec(),
            )
            .into_dyn(),
        ),
    );
    npz.write(&bad).unwrap();
    let err = fail(&["word2vec-eval", "--params", bad.to_str().unwrap()]);
    assert!(
        err.contains("'word_vecs' has 3 rows but 'vocab' has 2 words"),
        "{err}"
    );
}

/// PTB, when `DLFS2_DATA` points at its files (CI does): one epoch of the
/// fast mode at two threads on the first 100,000 words, and a few hundred
/// book-mode iterations, each then read by `word2vec-eval`.
#[test]
fn word2vec_on_a_slice_of_ptb() {
    if std::env::var_os("DLFS2_DATA").is_none() {
        eprintln!("skipped: set DLFS2_DATA to a directory with PTB's files");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(
        nn_examples()
            .args([
                "word2vec",
                "--mode",
                "fast",
                "--threads",
                "2",
                "--epochs",
                "1",
            ])
            .args(["--corpus-words", "100000", "--out"])
            .arg(dir.path()),
    );
    assert!(out.starts_with("| epoch 1 | time "), "{out}");
    let out = stdout_of(
        nn_examples()
            .args([
                "word2vec",
                "--epochs",
                "1",
                "--corpus-words",
                "30000",
                "--out",
            ])
            .arg(dir.path()),
    );
    let first = out.lines().next().unwrap();
    assert_eq!(first, "| epoch 1 |  iter 1 / 299 | time 0[s] | loss 4.16");
    let eval = stdout_of(
        nn_examples()
            .args(["word2vec-eval", "--out"])
            .arg(dir.path()),
    );
    assert!(eval.starts_with("\n[query] you\n"), "{eval}");
    assert!(eval.contains("[analogy] good:better = bad:?"));
}
