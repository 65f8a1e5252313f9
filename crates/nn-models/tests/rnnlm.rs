//! Chapters 5–6's language models against the book's own code
//! (`reference/rnnlm.py`), their gradients, checkpoints and bad input.

#[path = "reference/rnnlm_data.rs"]
#[rustfmt::skip]
mod data;

use data::*;
use ndarray::Array2;
use nn_core::{Differentiable, GradCheck, Param, Parameters, Result};
use nn_models::rnnlm::{
    BetterRnnlm, FitConfig, LanguageModel, Precision, Rnnlm, RnnlmTrainer, eval_perplexity,
    generate, load_params, save_params,
};
use nn_optim::OptimizerKind;
use nn_train::NumpyRandom;

const V: usize = 40;

fn book_fit() -> FitConfig {
    FitConfig {
        max_epoch: 1,
        batch_size: 4,
        time_size: 5,
        max_grad: Some(0.25),
        eval_interval: Some(5),
        max_iterations: None,
    }
}

fn sgd(lr: f64) -> Box<dyn nn_optim::Optimizer<f32> + Send> {
    OptimizerKind::Sgd.build(Some(lr)).unwrap()
}

fn values(m: &mut dyn Parameters<f32>) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.push(p.value.iter().copied().collect());
        Ok(())
    })
    .unwrap();
    out
}

/// Relative closeness at float32 precision, after an epoch of SGD steps.
fn close_f32(what: &str, ours: &[f32], theirs: (&[usize], &[f64]), tolerance: f64) {
    assert_eq!(ours.len(), theirs.1.len(), "{what}: length");
    let scale = theirs.1.iter().fold(1e-3f64, |m, v| m.max(v.abs()));
    for (i, (&a, &b)) in ours.iter().zip(theirs.1).enumerate() {
        assert!(
            (f64::from(a) - b).abs() <= tolerance * scale,
            "{what}[{i}]: {a} vs the book's {b}"
        );
    }
}

fn train<M: LanguageModel<f32>>(model: M) -> (RnnlmTrainer<f32, M>, String) {
    let mut trainer = RnnlmTrainer::new(model, sgd(20.0));
    let mut lines = String::new();
    trainer
        .fit(
            &CORPUS[..CORPUS.len() - 1],
            &CORPUS[1..],
            &book_fit(),
            &mut |r| {
                lines.push_str(&format!("{r}\n"));
            },
        )
        .unwrap();
    (trainer, lines)
}

#[test]
fn rnnlm_trains_as_the_books_code_prints_and_evaluates() {
    let model = Rnnlm::<f32>::new(V, 8, 8, &mut NumpyRandom::new(1984)).unwrap();
    let (mut trainer, lines) = train(model);
    // The book's printed lines, perplexities to two decimals.
    assert_eq!(lines, RNNLM_LINES);
    let ppl: Vec<f32> = trainer.ppl_list().iter().map(|&p| p as f32).collect();
    close_f32("ppl_list", &ppl, RNNLM_PPL, 1e-5);
    let params = values(trainer.model_mut());
    for (i, r) in [
        RNNLM_PARAM_0,
        RNNLM_PARAM_1,
        RNNLM_PARAM_2,
        RNNLM_PARAM_3,
        RNNLM_PARAM_4,
        RNNLM_PARAM_5,
    ]
    .into_iter()
    .enumerate()
    {
        close_f32(&format!("param {i}"), &params[i], r, 1e-4);
    }
    let model = trainer.model_mut();
    let ppl = eval_perplexity(model, CORPUS, 3, 5, &mut |_, _| {}).unwrap();
    close_f32("eval_perplexity", &[ppl as f32], RNNLM_EVAL_PPL, 1e-5);
    // RnnlmGen.generate after np.random.seed(7), from a reset state.
    model.reset_state();
    let words = generate(model, &[3], &[0, 1], 30, &mut NumpyRandom::new(7)).unwrap();
    assert_eq!(words, RNNLM_GENERATED);
}

#[test]
fn better_rnnlm_with_tied_weights_and_the_books_dropout_masks_trains_as_the_book() {
    let model = book_better::<f32>(V, 8, 8, 0.5, 1984).unwrap();
    let (mut trainer, _) = train(model);
    let ppl: Vec<f32> = trainer.ppl_list().iter().map(|&p| p as f32).collect();
    close_f32("ppl_list", &ppl, BETTER_PPL, 1e-5);
    let params = values(trainer.model_mut());
    assert_eq!(params.len(), 8, "embed_W once, two LSTMs, affine_b");
    for (i, r) in [
        BETTER_PARAM_0,
        BETTER_PARAM_1,
        BETTER_PARAM_2,
        BETTER_PARAM_3,
        BETTER_PARAM_4,
        BETTER_PARAM_5,
        BETTER_PARAM_6,
        BETTER_PARAM_7,
    ]
    .into_iter()
    .enumerate()
    {
        close_f32(&format!("param {i}"), &params[i], r, 1e-4);
    }
    let ppl = eval_perplexity(trainer.model_mut(), CORPUS, 3, 5, &mut |_, _| {}).unwrap();
    close_f32("eval_perplexity", &[ppl as f32], BETTER_EVAL_PPL, 1e-5);
}

/// `f = loss(xs, ts)` of a model in evaluation mode, two batches in: the
/// state from the first batch is restored before each evaluation.
struct SecondBatch<M> {
    model: M,
    state: Vec<Array2<f64>>,
    xs: Array2<usize>,
    ts: Array2<isize>,
}

impl<M: LanguageModel<f64>> Parameters<f64> for SecondBatch<M> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.model.visit_params(f)
    }
}

impl<M: LanguageModel<f64>> Differentiable for SecondBatch<M> {
    fn value(&mut self) -> Result<f64> {
        self.model.set_carried_state(&self.state)?;
        self.model.forward(self.xs.view(), self.ts.view())
    }

    fn gradients(&mut self) -> Result<()> {
        self.value()?;
        self.model.backward()
    }
}

fn second_batch<M: LanguageModel<f64>>(mut model: M) -> SecondBatch<M> {
    let ids =
        |offset: usize| Array2::from_shape_fn((3, 4), |(n, t)| CORPUS[offset + n * 50 + t] % 12);
    let (x1, x2) = (ids(0), ids(4));
    let t2 = ids(5).mapv(|v| v as isize);
    model.set_training(false);
    model.forward(x1.view(), t2.view()).unwrap();
    let state = model.carried_state();
    assert!(!state.is_empty());
    SecondBatch {
        model,
        state,
        xs: x2,
        ts: t2,
    }
}

#[test]
fn rnnlm_gradients_through_time_match_central_differences() {
    let model = Rnnlm::<f64>::new(12, 5, 6, &mut NumpyRandom::new(3)).unwrap();
    let mut f = second_batch(model);
    let report = GradCheck::default().differentiable(&mut f).unwrap();
    assert!(report.max_error < 1e-6, "{report}");
}

#[test]
fn better_rnnlm_tied_gradients_match_central_differences() {
    let model = book_better::<f64>(12, 6, 6, 0.5, 3).unwrap();
    let mut f = second_batch(model);
    let report = GradCheck::default().differentiable(&mut f).unwrap();
    assert!(report.max_error < 1e-6, "{report}");
    // embed_W is listed once and gets both uses' gradients.
    assert_eq!(report.checked, 12 * 6 + 2 * (6 * 24 + 6 * 24 + 24) + 12);
}

#[test]
fn a_resumed_run_equals_the_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.npz");
    let (xs, ts) = (&CORPUS[..CORPUS.len() - 1], &CORPUS[1..]);
    let config = FitConfig {
        max_epoch: 1,
        ..book_fit()
    };
    let build = || book_better::<f32>(V, 8, 8, 0.5, 11).unwrap();

    let mut straight = RnnlmTrainer::new(build(), sgd(20.0));
    let mut lines = Vec::new();
    straight
        .fit(
            xs,
            ts,
            &FitConfig {
                max_epoch: 2,
                ..config
            },
            &mut |r| lines.push(r.perplexity),
        )
        .unwrap();

    let mut first = RnnlmTrainer::new(build(), sgd(20.0));
    let mut resumed_lines = Vec::new();
    first
        .fit(xs, ts, &config, &mut |r| resumed_lines.push(r.perplexity))
        .unwrap();
    first.save_checkpoint(&path).unwrap();
    drop(first);
    // Another seed: everything must come from the checkpoint.
    let other = book_better::<f32>(V, 8, 8, 0.5, 99).unwrap();
    let mut second = RnnlmTrainer::new(other, sgd(1.0));
    second.load_checkpoint(&path).unwrap();
    assert_eq!(second.current_epoch(), 1);
    second
        .fit_more(xs, ts, &config, &mut |r| resumed_lines.push(r.perplexity))
        .unwrap();
    assert_eq!(lines, resumed_lines);
    assert_eq!(values(straight.model_mut()), values(second.model_mut()));
    assert_eq!(straight.ppl_list(), second.ppl_list());

    // A checkpoint of another model is refused.
    let mut wrong = RnnlmTrainer::new(
        Rnnlm::<f32>::new(V, 8, 8, &mut NumpyRandom::new(1)).unwrap(),
        sgd(1.0),
    );
    let e = wrong.load_checkpoint(&path).unwrap_err().to_string();
    assert!(e.contains("BetterRnnlm") && e.contains("Rnnlm"), "{e}");
}

#[test]
fn parameters_round_trip_through_float16_and_refuse_other_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Rnnlm.npz");
    let mut model = Rnnlm::<f32>::new(V, 8, 8, &mut NumpyRandom::new(5)).unwrap();
    save_params(&path, &mut model, Precision::F16).unwrap();
    let mut loaded = Rnnlm::<f32>::new(V, 8, 8, &mut NumpyRandom::new(6)).unwrap();
    load_params(&path, &mut loaded).unwrap();
    for (a, b) in values(&mut model).iter().zip(values(&mut loaded)) {
        for (&x, y) in a.iter().zip(b) {
            assert_eq!(half::f16::from_f32(x).to_f32(), y);
        }
    }
    let mut bigger = Rnnlm::<f32>::new(V + 1, 8, 8, &mut NumpyRandom::new(6)).unwrap();
    let before = values(&mut bigger);
    let e = load_params(&path, &mut bigger).unwrap_err().to_string();
    assert!(
        e.contains("embed.W") && e.contains("[40, 8]") && e.contains("[41, 8]"),
        "{e}"
    );
    assert_eq!(before, values(&mut bigger), "unchanged on error");
    let mut better = book_better::<f32>(V, 8, 8, 0.5, 6).unwrap();
    let e = load_params(&path, &mut better).unwrap_err().to_string();
    assert!(e.contains("BetterRnnlm"), "{e}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let mut model = Rnnlm::<f32>::new(V, 8, 8, &mut NumpyRandom::new(5)).unwrap();
    let mut trainer = RnnlmTrainer::new(model.clone(), sgd(1.0));
    let quiet = &mut |_: &nn_models::rnnlm::IterationReport| {};
    let short = &CORPUS[..19];
    let e = trainer
        .fit(short, &CORPUS[1..20], &book_fit(), quiet)
        .unwrap_err()
        .to_string();
    assert!(e.contains("shorter than one batch of 4 × 5"), "{e}");
    let zero_time = FitConfig {
        time_size: 0,
        ..book_fit()
    };
    assert!(trainer.fit(CORPUS, CORPUS, &zero_time, quiet).is_err());
    let mut outside = CORPUS.to_vec();
    outside[7] = V;
    let e = trainer
        .fit(&outside, &outside, &book_fit(), quiet)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("word id 40") && e.contains("vocabulary of 40"),
        "{e}"
    );

    // A state carried into a batch of another size.
    let xs = Array2::<usize>::zeros((4, 5));
    let ts = Array2::<isize>::zeros((4, 5));
    model.forward(xs.view(), ts.view()).unwrap();
    let e = model
        .forward(
            xs.slice(ndarray::s![..2, ..]),
            ts.slice(ndarray::s![..2, ..]),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("reset_state"), "{e}");
    model.reset_state();
    // Every target ignored.
    let ignored = Array2::<isize>::from_elem((4, 5), -1);
    let e = model
        .forward(xs.view(), ignored.view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("ignore"), "{e}");
    // Evaluation on a corpus shorter than one batch; generation from a bad start.
    assert!(eval_perplexity(&mut model, &CORPUS[..10], 3, 5, &mut |_, _| {}).is_err());
    let e = generate(&mut model, &[V], &[], 5, &mut NumpyRandom::new(1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("outside"), "{e}");
    let all: Vec<usize> = (0..V).collect();
    assert!(generate(&mut model, &[1], &all, 5, &mut NumpyRandom::new(1)).is_err());
    assert!(book_better::<f32>(V, 8, 6, 0.5, 1).is_err());
}

#[test]
fn a_non_finite_loss_is_named_with_its_epoch_and_iteration() {
    let model = Rnnlm::<f32>::new(V, 8, 8, &mut NumpyRandom::new(5)).unwrap();
    // A learning rate this large overflows the scores within a few steps.
    let mut trainer = RnnlmTrainer::new(model, sgd(1e30));
    let e = trainer
        .fit(
            &CORPUS[..CORPUS.len() - 1],
            &CORPUS[1..],
            &FitConfig {
                max_grad: None,
                ..book_fit()
            },
            &mut |_| {},
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("epoch 1") && e.contains("iteration"), "{e}");
}

/// The book's `BetterRnnlm` from numpy's seed `seed`: the weights and then
/// every dropout mask drawn from the one generator, as the book draws them.
fn book_better<F: nn_core::Float>(
    v: usize,
    d: usize,
    h: usize,
    ratio: f64,
    seed: u32,
) -> nn_core::Result<BetterRnnlm<F>> {
    let rng = nn_core::SharedRng::new(NumpyRandom::new(seed));
    BetterRnnlm::new(v, d, h, ratio, &mut *rng.lock(), rng.clone())
}

/// Any generator draws BetterRnnlm's masks; a checkpoint saves the state of
/// those whose state can be saved and says so of the others.
#[test]
fn the_dropout_generator_is_any_and_checkpoints_say_which_they_save() {
    use nn_core::SharedRng;
    use rand::SeedableRng;
    let build = |dropout: SharedRng| {
        let model =
            BetterRnnlm::<f32>::new(V, 8, 8, 0.5, &mut NumpyRandom::new(1), dropout).unwrap();
        RnnlmTrainer::new(model, sgd(1.0))
    };
    let mut trainer = build(SharedRng::new(rand::rngs::SmallRng::seed_from_u64(1)));
    let config = FitConfig {
        max_epoch: 1,
        ..book_fit()
    };
    let (xs, ts) = (&CORPUS[..CORPUS.len() - 1], &CORPUS[1..]);
    trainer.fit(xs, ts, &config, &mut |_| {}).unwrap();
    let e = trainer.checkpoint().unwrap_err().to_string();
    assert!(
        e.contains("SmallRng") && e.contains("can't be saved"),
        "{e}"
    );

    let chacha = || SharedRng::new(rand_chacha::ChaCha12Rng::seed_from_u64(4));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.npz");
    let mut first = build(chacha());
    first.fit(xs, ts, &config, &mut |_| {}).unwrap();
    first.save_checkpoint(&path).unwrap();
    let mut second = build(chacha());
    second.load_checkpoint(&path).unwrap();
    let mut lines = [Vec::new(), Vec::new()];
    first
        .fit_more(xs, ts, &config, &mut |r| lines[0].push(r.perplexity))
        .unwrap();
    second
        .fit_more(xs, ts, &config, &mut |r| lines[1].push(r.perplexity))
        .unwrap();
    assert_eq!(lines[0], lines[1], "the masks went on from the saved state");
    // A numpy state does not fit a ChaCha generator.
    let mut numpy = build(SharedRng::new(NumpyRandom::new(1)));
    numpy.fit(xs, ts, &config, &mut |_| {}).unwrap();
    numpy.save_checkpoint(&path).unwrap();
    let e = build(chacha())
        .load_checkpoint(&path)
        .unwrap_err()
        .to_string();
    assert!(e.contains("numpy") && e.contains("ChaCha12Rng"), "{e}");
}
