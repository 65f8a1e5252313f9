// ANCHOR: all
use ndarray::Array2;
use nn_core::Parameters;
use nn_core::transformer::TransformerConfig;
use nn_models::params::Precision;
use nn_models::seq2seq::Seq2seqModel;
use nn_models::transformer::{TransformerSeq2seq, TransformerSeq2seqConfig};
use nn_optim::{OptimizerKind, Update};
use rand::SeedableRng;

fn main() -> nn_core::Result<()> {
    // A task of chapter 7's kind: write four digits backwards. Ids 0–9 are
    // the digits, 10 the start mark `_`.
    let config = TransformerSeq2seqConfig {
        vocab_size: 11,
        max_len: 8,
        encoder_layers: 1,
        decoder_layers: 1,
        layer: TransformerConfig {
            norm_first: true,
            ..TransformerConfig::new(32, 4)
        },
    };
    let mut model =
        TransformerSeq2seq::<f32>::new(config, &mut rand::rngs::StdRng::seed_from_u64(1), None)?;
    println!("{model}"); // its sizes and its parameter count

    let xs = Array2::from_shape_fn((64, 4), |(n, t)| (n * 7 + t * 3 + n / 8) % 10);
    let mut ts = Array2::from_elem((64, 5), 10);
    for ((n, t), x) in xs.indexed_iter() {
        ts[[n, 4 - t]] = *x; // the answer after the start mark, reversed
    }
    let mut adam = OptimizerKind::Adam.build(Some(0.01))?;
    let first = model.forward_rows(xs.view(), ts.view())?;
    for _ in 0..100 {
        model.forward_rows(xs.view(), ts.view())?;
        model.backward()?;
        assert_eq!(adam.update(&mut model)?, Update::Applied);
    }
    assert!(model.forward_rows(xs.view(), ts.view())? < first / 10.0);

    // Greedy answers after the start mark, every row at once.
    let answers = model.generate(xs.view(), &[10; 64], 4)?;
    let right = (0..64)
        .filter(|&n| answers.row(n) == ts.slice(ndarray::s![n, 1..]))
        .count();
    assert!(right >= 60, "{right} of 64");

    // What the decoder's first layer read: (N, heads, T_answer, T_question).
    assert_eq!(
        model.decoder().layers()[0].cross_attn().weights().dim(),
        (64, 4, 4, 4)
    );

    // The file holds the sizes too, so it rebuilds the model by itself.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("TransformerSeq2seq.npz");
    model.save(&path, Precision::Native)?;
    let mut loaded = TransformerSeq2seq::<f32>::load(&path)?;
    assert_eq!(loaded.param_names(), model.param_names());
    assert_eq!(loaded.generate(xs.view(), &[10; 64], 4)?, answers);
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
