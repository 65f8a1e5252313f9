//! The Transformer models beyond chapter 8: the seq2seq learns a small
//! problem through the book's `Trainer` and answers it by greedy
//! generation; the language model's evaluation context equals reading the
//! words at once; both save and load with their sizes, refuse files of
//! other sizes, and name what is wrong with bad input.

use ndarray::{Array2, s};
use nn_core::transformer::TransformerConfig;
use nn_core::{Parameters, SharedRng};
use nn_models::params::Precision;
use nn_models::rnnlm::LanguageModel;
use nn_models::seq2seq::{Seq2seqModel, eval_seq2seq};
use nn_models::transformer::{
    TransformerLm, TransformerLmConfig, TransformerSeq2seq, TransformerSeq2seqConfig,
};
use nn_optim::OptimizerKind;
use nn_text::sequence::CharVocab;
use nn_train::{FitConfig, Model, NumpyRandom, Silent, Trainer};

fn seq2seq_config(norm_first: bool) -> TransformerSeq2seqConfig {
    TransformerSeq2seqConfig {
        vocab_size: 8,
        max_len: 6,
        encoder_layers: 1,
        decoder_layers: 1,
        layer: TransformerConfig {
            d_ff: 32,
            norm_first,
            ..TransformerConfig::new(16, 2)
        },
    }
}

/// Questions of 4 digits (ids 1..=7) and their answers, the question
/// reversed, after the start id 0: the answer needs every position of the
/// question, so the decoder must attend across it.
fn reversal(rows: usize, seed: u64) -> (Array2<usize>, Array2<usize>) {
    let mut k = seed;
    let mut next = || {
        k = k
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        1 + (k >> 40) as usize % 7
    };
    let x = Array2::from_shape_simple_fn((rows, 4), &mut next);
    let t = Array2::from_shape_fn((rows, 5), |(i, j)| if j == 0 { 0 } else { x[[i, 4 - j]] });
    (x, t)
}

#[test]
fn the_seq2seq_learns_to_reverse_and_generates_the_answers() {
    for norm_first in [false, true] {
        let mut rng = NumpyRandom::new(1);
        let model =
            TransformerSeq2seq::<f32>::new(seq2seq_config(norm_first), &mut rng, None).unwrap();
        let mut trainer = Trainer::new(model, OptimizerKind::Adam.build(Some(0.005)).unwrap());
        let (x, t) = reversal(512, 3);
        let config = FitConfig {
            max_epoch: 30,
            batch_size: 64,
            max_grad: Some(5.0),
            ..FitConfig::default()
        };
        trainer
            .fit_rows(x.view(), t.view(), &config, &mut rng, &mut Silent)
            .unwrap();
        let (xt, tt) = reversal(200, 11);
        let vocab = CharVocab::from_chars("_1234567".chars()).unwrap();
        let result = eval_seq2seq(trainer.model(), xt.view(), tt.view(), &vocab, false, 2).unwrap();
        assert!(
            result.accuracy() > 0.9,
            "norm_first {norm_first}: {}",
            result.book_line()
        );
        // One question at a time gives the batch's answers.
        let all = trainer.model().generate(xt.view(), &[0; 200], 4).unwrap();
        let one = trainer
            .model()
            .generate(xt.slice(s![7..8, ..]), &[0], 4)
            .unwrap();
        assert_eq!(all.row(7), one.row(0));
    }
}

#[test]
fn the_seq2seq_saves_and_loads_with_its_sizes() {
    let mut rng = NumpyRandom::new(2);
    let mut model = TransformerSeq2seq::<f64>::new(seq2seq_config(true), &mut rng, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("TransformerSeq2seq.npz");
    model.save(&path, Precision::Native).unwrap();
    let mut loaded = TransformerSeq2seq::<f64>::load(&path).unwrap();
    assert_eq!(loaded.config(), model.config());
    let (x, _) = reversal(5, 4);
    assert_eq!(
        model.generate(x.view(), &[0; 5], 4).unwrap(),
        loaded.generate(x.view(), &[0; 5], 4).unwrap()
    );
    // burn-style: the sizes and the parameter count, as num_scalars counts.
    assert_eq!(model.num_scalars(), 6024);
    assert_eq!(
        model.to_string(),
        "TransformerSeq2seq(V=8, E=16, heads=2, d_ff=32, layers=1+1, pre-LN, max_len=6): 6,024 parameters"
    );
    assert_eq!(model.param_names()[0], "src_embed.W");
    assert_eq!(model.param_names().last().unwrap(), "out.b");
    // A file of other sizes: the array and both shapes are named.
    let mut npz = nn_train::Npz::read(&path).unwrap();
    let other = TransformerSeq2seqConfig {
        layer: TransformerConfig {
            d_ff: 24,
            ..seq2seq_config(true).layer
        },
        ..seq2seq_config(true)
    };
    let mut wider = TransformerSeq2seq::<f64>::new(other, &mut rng, None).unwrap();
    let wider_path = dir.path().join("wider.npz");
    wider.save(&wider_path, Precision::Native).unwrap();
    let sizes = nn_train::Npz::read(&wider_path).unwrap();
    npz.insert("config", sizes.get("config").unwrap().clone());
    let bad = dir.path().join("bad.npz");
    npz.write(&bad).unwrap();
    let e = TransformerSeq2seq::<f64>::load(&bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.npz")
            && e.contains("linear1.W has shape [16, 32], the model expects [16, 24]"),
        "{e}"
    );
}

#[test]
fn the_seq2seq_refuses_bad_input_by_name() {
    let mut rng = NumpyRandom::new(3);
    let mut model = TransformerSeq2seq::<f32>::new(seq2seq_config(false), &mut rng, None).unwrap();
    let (x, t) = reversal(4, 5);
    let mut bad = x.clone();
    bad[[1, 2]] = 8;
    let e = model
        .forward_rows(bad.view(), t.view())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "TransformerSeq2seq.forward: xs[1, 2] = 8 is outside the vocabulary of 8 characters"
    );
    // Longer than the positional table (6).
    let long = Array2::from_elem((2, 7), 1);
    let e = model
        .forward_rows(long.view(), t.slice(s![..2, ..]))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("TransformerSeq2seq.forward: src_pos: PositionalEncoding.forward")
            && e.contains('7')
            && e.contains('6'),
        "{e}"
    );
    let flat: Vec<usize> = t.iter().copied().collect();
    let e = Model::check_data(&mut model, Array2::from_elem((4, 7), 1).view(), &flat[..]);
    let e = e.unwrap_err().to_string();
    assert!(
        e.contains("sequences of 7 steps are longer than the positional table's 6"),
        "{e}"
    );
    let e = model
        .generate(x.view(), &[0, 0], 3)
        .unwrap_err()
        .to_string();
    assert!(e.contains("4 questions, 2 start ids"), "{e}");
    assert!(
        model.backward().is_err(),
        "no backward after a failed forward"
    );
    let e = TransformerSeq2seq::<f32>::new(
        TransformerSeq2seqConfig {
            layer: TransformerConfig::new(16, 3),
            ..seq2seq_config(false)
        },
        &mut rng,
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("(heads: 3, d_model: 16)"), "{e}");
}

fn lm_config() -> TransformerLmConfig {
    TransformerLmConfig {
        vocab_size: 20,
        max_len: 8,
        layers: 2,
        layer: TransformerConfig {
            d_ff: 32,
            norm_first: true,
            ..TransformerConfig::new(16, 4)
        },
    }
}

#[test]
fn the_lm_reads_its_evaluation_context_as_one_sequence() {
    let mut lm = TransformerLm::<f64>::new(lm_config(), &mut NumpyRandom::new(4), None).unwrap();
    lm.set_training(false);
    let words = ndarray::array![[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8]];
    let whole = lm.predict(words.view()).unwrap().to_owned();
    lm.reset_state();
    lm.predict(words.slice(s![.., ..2])).unwrap();
    let parts = lm.predict(words.slice(s![.., 2..])).unwrap().to_owned();
    let expected = whole.slice(s![.., 2.., ..]);
    for (a, b) in parts.iter().zip(expected) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    // Beyond the table the context keeps the last max_len − 1 words.
    for _ in 0..5 {
        lm.predict(ndarray::array![[7], [7]].view()).unwrap();
    }
    assert_eq!(lm.context().ncols(), 7);
    // A context for 2 rows refuses 3.
    let e = lm
        .predict(ndarray::array![[1], [2], [3]].view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("call reset_state first"), "{e}");
    // Training reads each batch alone: no context, so the first steps equal
    // a fresh read.
    lm.set_training(true);
    let train = lm.predict(words.slice(s![.., 2..])).unwrap().to_owned();
    lm.set_training(false);
    lm.reset_state();
    let fresh = lm.predict(words.slice(s![.., 2..])).unwrap();
    assert_eq!(train, fresh);
}

#[test]
fn the_lm_trains_saves_and_loads() {
    use nn_models::rnnlm::{FitConfig as LmFit, RnnlmTrainer, eval_perplexity, generate};
    let rng = SharedRng::new(NumpyRandom::new(5));
    let config = TransformerLmConfig {
        layer: TransformerConfig {
            dropout: 0.1,
            ..lm_config().layer
        },
        ..lm_config()
    };
    let lm = TransformerLm::<f32>::new(config, &mut *rng.lock(), Some(&rng)).unwrap();
    // A corpus with a pattern to learn: each word follows from the last.
    let corpus: Vec<usize> = (0..2001).map(|i| (i * 7 + i / 13) % 20).collect();
    let (xs, ts) = (&corpus[..2000], &corpus[1..]);
    let adam = OptimizerKind::Adam.build(Some(0.005)).unwrap();
    let mut trainer = RnnlmTrainer::new(lm, adam);
    let fit = LmFit {
        max_epoch: 6,
        batch_size: 8,
        time_size: 8,
        max_grad: Some(1.0),
        eval_interval: None,
        max_iterations: None,
    };
    trainer.fit(xs, ts, &fit, &mut |_| {}).unwrap();
    let lm = trainer.model_mut();
    let ppl = eval_perplexity(lm, &corpus, 4, 5, &mut |_, _| {}).unwrap();
    assert!(
        ppl < 3.0,
        "perplexity {ppl} of a nearly deterministic corpus"
    );
    let words = generate(lm, &[3], &[], 10, &mut NumpyRandom::new(1)).unwrap();
    assert_eq!(words.len(), 10);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("TransformerLm.npz");
    lm.save(&path, Precision::Native).unwrap();
    let mut loaded = TransformerLm::<f32>::load(&path).unwrap();
    assert_eq!(loaded.config().layer.d_ff, 32);
    let again = eval_perplexity(&mut loaded, &corpus, 4, 5, &mut |_, _| {}).unwrap();
    assert!((again - ppl).abs() < 1e-9 * ppl, "{again} vs {ppl}");
    assert!(
        loaded.to_string().starts_with(
            "TransformerLm(V=20, E=16, heads=4, d_ff=32, layers=2, pre-LN, max_len=8): "
        )
    );
    assert_eq!(loaded.param_names()[0], "embed.W");
    assert_eq!(loaded.param_names().last().unwrap(), "out.b");
    let e = loaded
        .forward(
            ndarray::Array2::zeros((1, 9)).view(),
            ndarray::Array2::zeros((1, 9)).view(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("9 steps are longer than the positional table's 8"),
        "{e}"
    );
}
