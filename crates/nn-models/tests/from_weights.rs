//! Every model of chapters 3–8 built from given arrays is the model those
//! arrays came from, and arrays that don't fit are refused by name.

use ndarray::{Array1, Array2, ArrayD, Ix1, Ix2, array};
use nn_core::{Parameters, Result, SharedRng};
use nn_models::rnnlm::{BetterRnnlm, LanguageModel, Rnnlm, SimpleRnnlm};
use nn_models::seq2seq::{
    AttentionDecoder, AttentionSeq2seq, Decoder, Encoder, PeekySeq2seq, Seq2seq, Seq2seqDecoder,
};
use nn_models::word2vec::{Cbow, SimpleCbow, SimpleSkipGram, SkipGram};
use nn_train::{Model, NumpyRandom};

/// The model's parameters in order.
fn arrays(m: &mut dyn Parameters<f64>) -> Vec<ArrayD<f64>> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.push(p.value.to_owned());
        Ok(())
    })
    .unwrap();
    out
}

fn m2(a: &ArrayD<f64>) -> Array2<f64> {
    a.clone().into_dimensionality::<Ix2>().unwrap()
}

fn v1(a: &ArrayD<f64>) -> Array1<f64> {
    a.clone().into_dimensionality::<Ix1>().unwrap()
}

fn message<T>(r: Result<T>) -> String {
    r.err().expect("an error").to_string()
}

#[test]
fn language_models_from_their_own_arrays_are_the_same_models() -> Result<()> {
    let (xs, ts) = (array![[1, 2, 3], [4, 5, 6]], array![[2, 3, 4], [5, 6, 7]]);
    let rng = &mut NumpyRandom::new(3);

    let mut rnnlm = Rnnlm::<f64>::new(9, 4, 5, rng)?;
    let w = arrays(&mut rnnlm);
    let lstm = (m2(&w[1]), m2(&w[2]), v1(&w[3]));
    let mut again = Rnnlm::from_weights(m2(&w[0]), lstm, m2(&w[4]), v1(&w[5]))?;
    assert_eq!(arrays(&mut again), w);
    assert_eq!(
        rnnlm.forward(xs.view(), ts.view())?,
        again.forward(xs.view(), ts.view())?
    );

    let mut simple = SimpleRnnlm::<f64>::new(9, 4, 5, rng)?;
    let w = arrays(&mut simple);
    let rnn = (m2(&w[1]), m2(&w[2]), v1(&w[3]));
    let mut again = SimpleRnnlm::from_weights(m2(&w[0]), rnn, m2(&w[4]), v1(&w[5]))?;
    assert_eq!(
        simple.forward(xs.view(), ts.view())?,
        again.forward(xs.view(), ts.view())?
    );

    let seeded = || SharedRng::new(NumpyRandom::new(8));
    let mut better = BetterRnnlm::<f64>::new(9, 5, 5, 0.5, rng, seeded())?;
    let w = arrays(&mut better);
    let lstms = [
        (m2(&w[1]), m2(&w[2]), v1(&w[3])),
        (m2(&w[4]), m2(&w[5]), v1(&w[6])),
    ];
    let mut again = BetterRnnlm::from_weights(m2(&w[0]), lstms, v1(&w[7]), 0.5, seeded())?;
    assert_eq!(arrays(&mut again), w);
    // The same weights and the same masks: the same loss, to the bit.
    assert_eq!(
        better.forward(xs.view(), ts.view())?,
        again.forward(xs.view(), ts.view())?
    );
    Ok(())
}

#[test]
fn arrays_that_do_not_fit_are_refused_by_name() {
    let lstm = |d: usize, h: usize| {
        (
            Array2::zeros((d, 4 * h)),
            Array2::zeros((h, 4 * h)),
            Array1::zeros(4 * h),
        )
    };
    let z = |r, c| Array2::<f64>::zeros((r, c));
    assert_eq!(
        message(Rnnlm::from_weights(
            z(9, 4),
            lstm(4, 5),
            z(6, 9),
            Array1::zeros(9)
        )),
        "Rnnlm.from_weights: lstm.Wh has 5 rows but affine.W has 6 rows: both are H \
         (lstm.Wh: [5, 20], affine.W: [6, 9])"
    );
    assert_eq!(
        message(Rnnlm::from_weights(
            z(9, 4),
            lstm(4, 5),
            z(5, 9),
            Array1::zeros(8)
        )),
        "Rnnlm.from_weights: affine: Affine.from_weights: b has 8 elements but W has 9 columns \
         (W: [5, 9], b: [8])"
    );
    let bad_b = (z(4, 20), z(5, 20), Array1::zeros(19));
    let e = message(SimpleRnnlm::from_weights(
        z(9, 4),
        bad_b,
        z(5, 9),
        Array1::zeros(9),
    ));
    assert!(
        e.starts_with("SimpleRnnlm.from_weights: rnn: TimeRNN.from_weights: "),
        "{e}"
    );
    let rng = || SharedRng::new(NumpyRandom::new(0));
    assert_eq!(
        message(BetterRnnlm::from_weights(
            z(9, 4),
            [lstm(4, 5), lstm(5, 5)],
            Array1::zeros(9),
            0.5,
            rng()
        )),
        "BetterRnnlm.from_weights: lstm2.Wh has 5 rows but embed.W has 4 columns: both are H = D \
         (lstm2.Wh: [5, 20], embed.W: [9, 4])"
    );
    assert!(
        message(BetterRnnlm::from_weights(
            z(9, 5),
            [lstm(5, 5), lstm(5, 5)],
            Array1::zeros(9),
            1.5,
            rng()
        ))
        .starts_with("BetterRnnlm.from_weights: dropout: TimeDropout.new: ")
    );
    assert_eq!(
        message(Decoder::from_weights((
            z(9, 4),
            lstm(5, 5),
            z(5, 9),
            Array1::zeros(9)
        ))),
        "Decoder.from_weights: lstm.Wx must have 4 rows (the LSTM's input, with D = 4 from embed.W \
         and H = 5 from lstm.Wh), got [5, 20]"
    );
    assert_eq!(
        message(AttentionDecoder::from_weights((
            z(9, 4),
            lstm(4, 5),
            z(5, 9),
            Array1::zeros(9)
        ))),
        "AttentionDecoder.from_weights: affine.W must have 10 rows (the affine layer's input, with \
         D = 4 from embed.W and H = 5 from lstm.Wh), got [5, 9]"
    );
    assert_eq!(
        message(Seq2seq::<f64>::from_weights(
            (z(9, 4), lstm(4, 6)),
            (z(9, 4), lstm(4, 5), z(5, 9), Array1::zeros(9))
        )),
        "Seq2seq.from_parts: the encoder has V = 9, H = 6 but the decoder V = 9, H = 5: they must agree"
    );
    assert!(
        message(Seq2seq::<f64>::from_weights(
            (z(9, 4), lstm(3, 6)),
            (z(9, 4), lstm(4, 6), z(6, 9), Array1::zeros(9))
        ))
        .starts_with("Seq2seq.from_weights: encoder: Encoder.from_weights: embed.W has 4 columns")
    );
}

#[test]
fn seq2seq_models_from_their_own_arrays_are_the_same_models() -> Result<()> {
    let (xs, ts) = (array![[1, 2, 3], [3, 2, 1]], array![[0, 4, 5], [0, 5, 4]]);
    fn rebuild<D: Seq2seqDecoder<f64>>(model: &mut Seq2seq<f64, D>) -> Result<Seq2seq<f64, D>> {
        let w = arrays(model);
        let encoder = (m2(&w[0]), (m2(&w[1]), m2(&w[2]), v1(&w[3])));
        let decoder = (
            m2(&w[4]),
            (m2(&w[5]), m2(&w[6]), v1(&w[7])),
            m2(&w[8]),
            v1(&w[9]),
        );
        Seq2seq::from_weights(encoder, decoder)
    }
    let rng = &mut NumpyRandom::new(1984);
    let mut plain = Seq2seq::<f64>::new(9, 4, 5, rng)?;
    let mut peeky = PeekySeq2seq::<f64>::new(9, 4, 5, rng)?;
    let mut attention = AttentionSeq2seq::<f64>::new(9, 4, 5, rng)?;
    let same = |a: &mut dyn Model<f64, Input = usize, Label = usize>,
                b: &mut dyn Model<f64, Input = usize, Label = usize>| {
        let t: Vec<usize> = ts.iter().copied().collect();
        assert_eq!(
            a.forward(xs.view(), &t).unwrap(),
            b.forward(xs.view(), &t).unwrap()
        );
    };
    let mut again = rebuild(&mut plain)?;
    same(&mut plain, &mut again);
    let mut again = rebuild(&mut peeky)?;
    same(&mut peeky, &mut again);
    let mut again = rebuild(&mut attention)?;
    same(&mut attention, &mut again);
    // From parts: an encoder and a decoder built apart.
    let encoder = Encoder::<f64>::new(9, 4, 5, rng)?;
    let decoder = Decoder::<f64>::new(9, 4, 5, rng)?;
    assert_eq!(
        Seq2seq::from_parts(encoder, decoder)?.param_names().len(),
        10
    );
    Ok(())
}

#[test]
fn word2vec_models_from_weights_take_the_books_hyper_parameters() -> Result<()> {
    let corpus: Vec<usize> = (0..60).map(|i| (i * 7 + i / 5) % 8).collect();
    let w = |r, c| Array2::<f64>::from_shape_fn((r, c), |(i, j)| ((i * c + j) as f64).sin() / 10.0);
    let cbow = Cbow::from_weights(w(8, 3), w(8, 3), 2, &corpus, 0.75, 5, 0)?;
    let flat = Cbow::from_weights(w(8, 3), w(8, 3), 2, &corpus, 1.0, 5, 0)?;
    let (a, b) = (
        cbow.ns_loss().sampler().word_p().to_vec(),
        flat.ns_loss().sampler().word_p().to_vec(),
    );
    assert_ne!(a, b, "power reaches the sampler");
    let counts: Vec<f64> = (0..8)
        .map(|i| corpus.iter().filter(|&&c| c == i).count() as f64)
        .collect();
    let total: f64 = counts.iter().sum();
    for (p, c) in b.iter().zip(&counts) {
        assert!((p - c / total).abs() < 1e-15);
    }
    let mut skip = SkipGram::from_weights(w(8, 3), w(8, 3), 1, &corpus, 0.5, 2, 0)?;
    assert_eq!(skip.loss_layers()[0].sampler().sample_size(), 2);
    assert_eq!(arrays(&mut skip)[0], w(8, 3).into_dyn());
    let mut simple = SimpleCbow::from_weights(w(8, 3), w(3, 8))?;
    let mut simple_skip = SimpleSkipGram::from_weights(w(8, 3), w(3, 8))?;
    assert_eq!(arrays(&mut simple), arrays(&mut simple_skip));
    assert!(
        message(Cbow::from_weights(w(8, 3), w(8, 4), 2, &corpus, 0.75, 5, 0))
            .starts_with("CBOW.from_weights: W_in and W_out must both be (V, H)")
    );
    Ok(())
}
