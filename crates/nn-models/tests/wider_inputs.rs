//! The book's wider inputs: an upstream gradient for a model's backward,
//! the language-model trainer's batches on their own, and a `fit` that
//! stops after a number of iterations and goes on from there.

use ndarray::array;
use nn_core::{Parameters, Result};
use nn_models::rnnlm::{FitConfig, IterationReport, LanguageModel, Rnnlm, RnnlmTrainer};
use nn_models::seq2seq::Seq2seq;
use nn_models::word2vec::Cbow;
use nn_optim::OptimizerKind;
use nn_train::{Model, NumpyRandom};

fn grads(m: &mut dyn Parameters<f64>) -> Vec<f64> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.extend(p.grad.iter().copied());
        Ok(())
    })
    .unwrap();
    out
}

fn assert_scaled(one: &[f64], scaled: &[f64], by: f64) {
    assert_eq!(one.len(), scaled.len());
    for (a, b) in one.iter().zip(scaled) {
        assert!(
            (a * by - b).abs() <= 1e-13 * b.abs().max(1e-300),
            "{a} × {by} vs {b}"
        );
    }
}

/// `backward_with(dout)` is the book's `backward(dout)`: every gradient
/// `dout` times that of `backward()`.
#[test]
fn backward_takes_an_upstream_gradient() -> Result<()> {
    let (xs, ts) = (array![[1, 2, 3], [4, 5, 6]], array![[2, 3, 4], [5, 6, 7]]);
    let mut rnnlm = Rnnlm::<f64>::new(9, 4, 5, &mut NumpyRandom::new(3))?;
    rnnlm.forward(xs.view(), ts.view())?;
    rnnlm.backward()?;
    let one = grads(&mut rnnlm);
    rnnlm.reset_state();
    rnnlm.forward(xs.view(), ts.view())?;
    rnnlm.backward_with(2.5)?;
    assert_scaled(&one, &grads(&mut rnnlm), 2.5);

    let mut seq = Seq2seq::<f64>::new(9, 4, 5, &mut NumpyRandom::new(3))?;
    let t: Vec<usize> = array![[0, 4, 5], [0, 5, 4]].iter().copied().collect();
    Model::forward(&mut seq, xs.view(), &t)?;
    Model::backward(&mut seq)?;
    let one = grads(&mut seq);
    Model::forward(&mut seq, xs.view(), &t)?;
    Model::backward_with(&mut seq, -0.5)?;
    assert_scaled(&one, &grads(&mut seq), -0.5);
    assert!(seq.backward_with(f64::NAN).is_err());

    let corpus: Vec<usize> = (0..60).map(|i| (i * 7 + i / 5) % 8).collect();
    let (contexts, target) = nn_text::create_contexts_target(&corpus, 1)?;
    let negative = ndarray::Array2::from_shape_fn((target.len(), 5), |(i, j)| (i + j + 1) % 8);
    let mut cbow = Cbow::<f64>::new(8, 3, 1, &corpus, &mut NumpyRandom::new(1), 0)?;
    cbow.forward_with_samples(contexts.view(), &target, negative.view())?;
    cbow.backward()?;
    let one = grads(&mut cbow);
    cbow.forward_with_samples(contexts.view(), &target, negative.view())?;
    cbow.backward_with(3.0)?;
    assert_scaled(&one, &grads(&mut cbow), 3.0);
    Ok(())
}

fn trainer() -> Result<RnnlmTrainer<f32, Rnnlm<f32>>> {
    let model = Rnnlm::<f32>::new(12, 4, 4, &mut NumpyRandom::new(9))?;
    Ok(RnnlmTrainer::new(
        model,
        OptimizerKind::Sgd.build(Some(1.0))?,
    ))
}

fn values(m: &mut dyn Parameters<f32>) -> Vec<f32> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.extend(p.value.iter().copied());
        Ok(())
    })
    .unwrap();
    out
}

/// A `fit` stopped after some iterations, then `fit_more`, is the fit
/// that was not stopped; a checkpoint taken within the epoch resumes there.
#[test]
fn fit_stops_after_a_number_of_iterations_and_goes_on() -> Result<()> {
    let corpus: Vec<usize> = (0..401).map(|i| (i * 7 + i / 3) % 12).collect();
    let (xs, ts) = (&corpus[..400], &corpus[1..]);
    let config = FitConfig {
        max_epoch: 2,
        batch_size: 4,
        time_size: 5,
        max_grad: Some(0.25),
        eval_interval: Some(3),
        max_iterations: None,
    };
    let mut whole = trainer()?;
    let mut lines: Vec<IterationReport> = Vec::new();
    whole.fit(xs, ts, &config, &mut |r| lines.push(*r))?;
    assert_eq!(whole.current_epoch(), 2);

    let mut parts = trainer()?;
    let mut parted: Vec<IterationReport> = Vec::new();
    let seven = FitConfig {
        max_iterations: Some(7),
        ..config
    };
    parts.fit(xs, ts, &seven, &mut |r| parted.push(*r))?;
    assert_eq!((parts.current_epoch(), parts.iteration()), (0, 7));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mid-epoch.npz");
    parts.save_checkpoint(&path)?;
    let mut resumed = trainer()?;
    resumed.load_checkpoint(&path)?;
    assert_eq!((resumed.current_epoch(), resumed.iteration()), (0, 7));
    let mut resumed_lines = parted.clone();
    resumed.fit_more(xs, ts, &config, &mut |r| resumed_lines.push(*r))?;
    parts.fit_more(xs, ts, &config, &mut |r| parted.push(*r))?;

    let key = |r: &IterationReport| (r.epoch, r.iteration, r.perplexity.to_bits());
    let want: Vec<_> = lines.iter().map(key).collect();
    assert_eq!(parted.iter().map(key).collect::<Vec<_>>(), want);
    assert_eq!(resumed_lines.iter().map(key).collect::<Vec<_>>(), want);
    assert_eq!(values(parts.model_mut()), values(whole.model_mut()));
    assert_eq!(values(resumed.model_mut()), values(whole.model_mut()));
    assert_eq!(parts.current_epoch(), 2);
    Ok(())
}
