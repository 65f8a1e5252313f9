//! What a layer or a model computed last is in view, read-only: the cells'
//! gates, carried states and their gradients, a model's parts, its last
//! probabilities, the negative-sampling loss's terms.

use ndarray::{Array2, Array3, Axis, array, s};
use nn_core::time::{Lstm, TimeBiLstm, TimeLayer, TimeLstm, TimeSoftmaxWithLoss};
use nn_core::{Init, Result};
use nn_models::rnnlm::{LanguageModel, Rnnlm};
use nn_models::seq2seq::{AttentionSeq2seq, PeekySeq2seq, Seq2seq, Seq2seqDecoder};
use nn_models::word2vec::{Cbow, SkipGram};
use nn_train::{Model, NumpyRandom};
use rand::SeedableRng;

fn rng() -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(5)
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The cell's gates are the book's cache: `f, g, i, o` activated, with
/// `c = f⊙c_prev + g⊙i` and `h = o⊙tanh(c)`.
#[test]
fn the_lstm_cell_shows_its_gates() -> Result<()> {
    let mut cell = Lstm::<f64>::init(3, 2, Init::Xavier, &mut rng())?;
    let x = array![[0.5, -1.0, 2.0]];
    let (h0, c0) = (array![[0.1, -0.2]], array![[0.3, 0.4]]);
    cell.forward(x.view(), h0.view(), c0.view())?;
    let a = x.dot(&cell.wx()) + h0.dot(&cell.wh()) + cell.b();
    let g = cell.gates();
    for k in 0..2 {
        let (f, gg, i, o) = (g[[0, k]], g[[0, 2 + k]], g[[0, 4 + k]], g[[0, 6 + k]]);
        assert!((f - sigmoid(a[[0, k]])).abs() < 1e-15);
        assert!((gg - a[[0, 2 + k]].tanh()).abs() < 1e-15);
        assert!((i - sigmoid(a[[0, 4 + k]])).abs() < 1e-15);
        let c = f * c0[[0, k]] + gg * i;
        assert!((cell.c_next()[[0, k]] - c).abs() < 1e-15);
        assert!((cell.h_next()[[0, k]] - o * c.tanh()).abs() < 1e-15);
    }
    Ok(())
}

#[test]
fn time_lstms_show_every_step_and_the_bidirectional_layer_its_state() -> Result<()> {
    let mut lstm = TimeLstm::<f64>::init(3, 2, true, Init::Xavier, &mut rng())?;
    let xs = Array3::from_shape_fn((2, 4, 3), |(n, t, d)| ((n + 2 * t + 3 * d) as f64).sin());
    lstm.forward(xs.view())?;
    let (gates, cs, hs) = (lstm.gates(), lstm.cs(), lstm.hs());
    assert_eq!(
        (gates.dim(), cs.dim(), hs.dim()),
        ((2, 4, 8), (2, 4, 2), (2, 4, 2))
    );
    for ((&h, &c), &o) in hs
        .iter()
        .zip(cs.iter())
        .zip(gates.slice(s![.., .., 6..]).iter())
    {
        assert!((h - o * c.tanh()).abs() < 1e-15);
    }
    let (h, c) = lstm.state().expect("a stateful layer carries its state");
    assert_eq!(h, hs.slice(s![.., 3, ..]));
    assert_eq!(c, cs.slice(s![.., 3, ..]));

    let mut bi = TimeBiLstm::<f64>::init(3, 2, true, Init::Xavier, &mut rng())?;
    assert!(bi.state().is_none());
    let out = bi.forward(xs.view())?.to_owned();
    let [(fh, _), (bh, _)] = bi.state().expect("both directions ran");
    assert_eq!(
        fh,
        out.slice(s![.., 3, ..2]),
        "the forward direction ends at the last step"
    );
    assert_eq!(
        bh,
        out.slice(s![.., 0, 2..]),
        "the backward one at the first"
    );
    let zeros = Array2::zeros((2, 2));
    bi.set_state((zeros.view(), None), (zeros.view(), Some(zeros.view())))?;
    assert_eq!(bi.state().unwrap()[1].0, zeros);
    bi.backward(Array3::ones((2, 4, 4)).view())?;
    let [dfw, dbw] = bi.dh();
    assert_eq!((dfw.dim(), dbw.dim()), ((2, 2), (2, 2)));
    assert!(dfw.iter().chain(dbw.iter()).any(|&v| v != 0.0));
    let e = bi.set_state((Array2::zeros((2, 3)).view(), None), (zeros.view(), None));
    assert!(
        e.unwrap_err()
            .to_string()
            .starts_with("TimeBiLSTM.set_state: forward_lstm: TimeLSTM.set_state")
    );
    Ok(())
}

#[test]
fn softmax_losses_keep_their_probabilities() -> Result<()> {
    let mut loss = TimeSoftmaxWithLoss::<f64>::new();
    let xs = Array3::from_shape_fn((2, 3, 4), |(n, t, v)| (n + t * v) as f64 / 3.0);
    loss.forward(xs.view(), array![[0, 1, 2], [3, 2, 1]].view())?;
    let p = loss.probabilities();
    assert_eq!(p.dim(), (2, 3, 4));
    for row in p.lanes(Axis(2)) {
        assert!((row.sum() - 1.0).abs() < 1e-15);
    }

    let mut model = Rnnlm::<f64>::new(9, 4, 4, &mut NumpyRandom::new(1))?;
    model.forward(array![[1, 2, 3]].view(), array![[2, 3, 4]].view())?;
    assert_eq!(model.loss_layer().probabilities().dim(), (1, 3, 9));
    assert_eq!(model.embed().w().dim(), (9, 4));
    assert_eq!(model.affine().b().len(), 9);
    assert_eq!(model.lstm().hs().dim(), (1, 3, 4));
    Ok(())
}

/// A seq2seq model shows its encoder's states, its decoder's LSTM and
/// state, and the probabilities of the last forward.
#[test]
fn seq2seq_models_show_their_parts_and_last_outputs() -> Result<()> {
    fn check<D: Seq2seqDecoder<f64>>(mut model: Seq2seq<f64, D>) -> Result<()> {
        let (xs, ts) = (
            array![[1, 2, 3, 4], [4, 3, 2, 1]],
            array![[0, 5, 6], [0, 6, 5]],
        );
        model.forward_rows(xs.view(), ts.view())?;
        let hs = model.encoder_states().to_owned();
        assert_eq!(hs.dim(), (2, 4, 6));
        assert_eq!(hs, model.encoder().lstm().hs());
        let lstm = model.decoder().lstm();
        let (h, _) = lstm.state().expect("the decoder's LSTM carries its state");
        assert_eq!(h, lstm.hs().slice(s![.., 1, ..]));
        assert_eq!(model.loss_layer().probabilities().dim(), (2, 2, 9));
        model.backward()?;
        assert_eq!(model.decoder().lstm().dh().dim(), (2, 6));
        Ok(())
    }
    let rng = &mut NumpyRandom::new(1984);
    check(Seq2seq::<f64>::new(9, 3, 6, rng)?)?;
    check(PeekySeq2seq::<f64>::new(9, 3, 6, rng)?)?;
    check(AttentionSeq2seq::<f64>::new(9, 3, 6, rng)?)
}

/// The negative-sampling loss is the sum of its layers' losses, each a
/// sigmoid's; skip-gram keeps a loss per context position.
#[test]
fn negative_sampling_shows_its_terms() -> Result<()> {
    let corpus: Vec<usize> = (0..80).map(|i| (i * 7 + i / 5) % 10).collect();
    let (contexts, target) = nn_text::create_contexts_target(&corpus, 2)?;
    let mut cbow = Cbow::<f64>::new(10, 4, 2, &corpus, &mut NumpyRandom::new(3), 1)?;
    let loss = cbow.forward(contexts.view(), &target)?;
    let ns = cbow.ns_loss();
    let terms: Vec<f64> = ns.losses().collect();
    assert_eq!(terms.len(), 1 + 5);
    assert!((terms.iter().sum::<f64>() - loss).abs() < 1e-12);
    for layer in ns.sigmoid_layers() {
        assert!(layer.y().iter().all(|&y| y > 0.0 && y < 1.0));
    }
    assert_eq!(ns.embed_dots().len(), 6);
    assert_eq!(cbow.hidden().dim(), (target.len(), 4));
    assert_eq!(cbow.in_layers().len(), 4);

    let mut skip = SkipGram::<f64>::new(10, 4, 2, &corpus, &mut NumpyRandom::new(3), 1)?;
    let loss = skip.forward(contexts.view(), &target)?;
    let layers = skip.loss_layers();
    assert_eq!(layers.len(), 4);
    let total: f64 = layers.iter().flat_map(|l| l.losses()).sum();
    assert!((total - loss).abs() < 1e-12);
    Ok(())
}
