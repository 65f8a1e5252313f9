//! The Trainer's refusals and its behaviour when a step fails.

mod common;

use common::{book_config, book_setup};
use ndarray::Array2;
use nn_core::Parameters;
use nn_optim::{NonFinite, Optimizer, OptimizerKind, OptimizerState, Sgd, SgdConfig, Update};
use nn_train::{FitConfig, NumpyRandom, PlainLines, Silent, Trainer, accuracy, predict_classes};

fn message(result: nn_core::Result<()>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn bad_settings_and_data_are_refused_before_any_step() {
    let mut rng = NumpyRandom::new(1984);
    let (x, t, mut trainer) = book_setup::<f64>(&mut rng);
    let fit = |trainer: &mut Trainer<f64>, x: &Array2<f64>, t: &[usize], config: FitConfig| {
        trainer.fit(x.view(), t, &config, &mut NumpyRandom::new(0), &mut Silent)
    };
    assert_eq!(
        message(fit(
            &mut trainer,
            &x,
            &t,
            FitConfig {
                batch_size: 0,
                ..book_config(1)
            }
        )),
        "Trainer.fit: batch_size must be between 1 and the 300 samples, got 0"
    );
    assert_eq!(
        message(fit(
            &mut trainer,
            &x,
            &t,
            FitConfig {
                batch_size: 301,
                ..book_config(1)
            }
        )),
        "Trainer.fit: batch_size must be between 1 and the 300 samples, got 301"
    );
    assert_eq!(
        message(fit(&mut trainer, &x, &t[..299], book_config(1))),
        "Trainer.fit: 299 labels for 300 samples (x: [300, 2])"
    );
    assert_eq!(
        message(fit(
            &mut trainer,
            &x,
            &t,
            FitConfig {
                eval_interval: Some(0),
                ..book_config(1)
            }
        )),
        "Trainer.fit: eval_interval must be at least 1, got 0"
    );
    assert_eq!(
        message(fit(
            &mut trainer,
            &x,
            &t,
            FitConfig {
                max_grad: Some(-1.0),
                ..book_config(1)
            }
        )),
        "Trainer.fit: max_grad must be positive and finite, got -1"
    );
    let mut bad = x.clone();
    bad[[17, 1]] = f64::NAN;
    assert_eq!(
        message(fit(&mut trainer, &bad, &t, book_config(1))),
        "Trainer.fit: x[17, 1] is not finite (NaN)"
    );
    let mut wrong = t.clone();
    wrong[5] = 3;
    assert_eq!(
        message(fit(&mut trainer, &x, &wrong, book_config(1))),
        "Trainer.fit: label 3 at row 5 is out of range for 3 classes"
    );
    assert_eq!(
        message(fit(
            &mut trainer,
            &Array2::zeros((300, 3)),
            &t,
            book_config(1)
        )),
        "Affine.forward: x has 3 columns but W has 2 rows (x: [1, 3], W: [2, 10])"
    );
    assert_eq!(trainer.epoch(), 0);
}

/// SGD that writes a NaN into the first weight after `after` updates: a
/// deterministic stand-in for a run that diverges.
struct Poison {
    sgd: Sgd<f64>,
    after: u64,
}

impl Optimizer<f64> for Poison {
    fn name(&self) -> &'static str {
        "Poison"
    }
    fn update(&mut self, params: &mut dyn Parameters<f64>) -> nn_core::Result<Update> {
        let update = self.sgd.update(params)?;
        if self.sgd.steps() == self.after {
            params.visit_params(&mut |mut p| {
                p.value.fill(f64::NAN);
                Ok(())
            })?;
        }
        Ok(update)
    }
    fn learning_rate(&self) -> f64 {
        self.sgd.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f64) -> nn_core::Result<()> {
        self.sgd.set_learning_rate(lr)
    }
    fn non_finite(&self) -> NonFinite {
        self.sgd.non_finite()
    }
    fn set_non_finite(&mut self, policy: NonFinite) {
        self.sgd.set_non_finite(policy)
    }
    fn steps(&self) -> u64 {
        self.sgd.steps()
    }
    fn state(&self) -> OptimizerState<f64> {
        self.sgd.state()
    }
    fn load_state(&mut self, state: &OptimizerState<f64>) -> nn_core::Result<()> {
        self.sgd.load_state(state)
    }
    fn reset(&mut self) {
        self.sgd.reset()
    }
}

#[test]
fn a_diverging_run_stops_naming_epoch_and_iteration_and_keeps_its_history() {
    let mut rng = NumpyRandom::new(1984);
    let (x, t, trainer) = book_setup::<f64>(&mut rng);
    let (model, _) = trainer.into_parts();
    let sgd = Sgd::new(SgdConfig {
        lr: 1.0,
        ..SgdConfig::default()
    })
    .unwrap();
    let mut trainer = Trainer::new(model, Box::new(Poison { sgd, after: 23 }));
    let config = FitConfig {
        eval_interval: Some(1),
        ..book_config(5)
    };
    let err = trainer
        .fit(x.view(), &t, &config, &mut rng, &mut Silent)
        .unwrap_err();
    // Step 24 is the 4th iteration of the 3rd epoch.
    assert_eq!(
        err.to_string(),
        "training stopped at epoch 3, iteration 4: SoftmaxWithLoss.forward: the softmax of row 0 (a logit is NaN or infinite) is not finite (NaN)"
    );
    assert_eq!(
        trainer.history().len(),
        23,
        "the 23 good steps were recorded"
    );
    assert!(trainer.history().iter().all(|r| r.loss.is_finite()));
}

#[test]
fn prints_the_books_lines_and_evaluates_in_batches() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let out = Shared::default();
    let mut rng = NumpyRandom::new(1984);
    let (x, t, mut trainer) = book_setup::<f64>(&mut rng);
    let mut lines = PlainLines::new(Box::new(out.clone()));
    trainer
        .fit(x.view(), &t, &book_config(2), &mut rng, &mut lines)
        .unwrap();
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        text,
        "| epoch 1 |  iter 10 / 10 | loss 1.13\n| epoch 2 |  iter 10 / 10 | loss 1.13\n"
    );

    let whole = predict_classes(trainer.model(), x.view(), 300).unwrap();
    assert_eq!(
        predict_classes(trainer.model(), x.view(), 7).unwrap(),
        whole
    );
    let (correct, total) = accuracy(trainer.model(), x.view(), &t).unwrap();
    assert_eq!(
        (correct, total),
        (whole.iter().zip(&t).filter(|(a, b)| a == b).count(), 300)
    );
    assert_eq!(
        predict_classes(trainer.model(), x.view(), 0)
            .unwrap_err()
            .to_string(),
        "predict_classes: batch must be at least 1, got 0"
    );
    let _ = OptimizerKind::ALL;
}

#[test]
fn the_trainer_style_records_as_common_trainer_py() {
    let mut rng = NumpyRandom::new(1984);
    let (x, t, mut trainer) = book_setup::<f64>(&mut rng);
    // 300 samples in batches of 30: 10 iterations per epoch; trainer.py
    // records after iterations 0 and 4 and 8 of each epoch (iters % 4 == 0).
    let config = FitConfig {
        max_epoch: 2,
        batch_size: 30,
        max_grad: None,
        eval_interval: Some(4),
        style: nn_train::RecordStyle::Trainer,
    };
    trainer
        .fit(x.view(), &t, &config, &mut rng, &mut Silent)
        .unwrap();
    let at: Vec<_> = trainer
        .history()
        .iter()
        .map(|r| (r.epoch, r.iteration))
        .collect();
    assert_eq!(at, [(1, 1), (1, 5), (1, 9), (2, 1), (2, 5), (2, 9)]);
    assert!(trainer.history().iter().all(|r| r.seconds.is_some()));
    assert!(trainer.history()[0].book_line(10).contains("| time 0[s] |"));
}

/// A model that checks, for every batch, that each sample's row of labels is
/// still its own after the shuffles: sample `i` carries the labels `3i`,
/// `3i + 1`, `3i + 2`. Its loss counts the batches it has seen.
struct Paired {
    batches: usize,
    seen: Vec<usize>,
}

impl Parameters<f64> for Paired {}

impl nn_train::Model<f64> for Paired {
    type Input = usize;
    type Label = usize;

    fn forward(&mut self, x: ndarray::ArrayView2<'_, usize>, t: &[usize]) -> nn_core::Result<f64> {
        assert_eq!(t.len(), 3 * x.nrows(), "three labels per sample");
        for (row, labels) in x.rows().into_iter().zip(t.chunks(3)) {
            let i = row[0];
            assert_eq!(labels, [3 * i, 3 * i + 1, 3 * i + 2], "sample {i}'s labels");
            self.seen.push(i);
        }
        self.batches += 1;
        Ok(0.0)
    }

    fn backward(&mut self) -> nn_core::Result<()> {
        Ok(())
    }
}

#[test]
fn fit_rows_keeps_each_samples_row_of_labels_with_it() {
    let x = Array2::from_shape_fn((10, 1), |(i, _)| i);
    let t = Array2::from_shape_fn((10, 3), |(i, j)| 3 * i + j);
    let model = Paired {
        batches: 0,
        seen: Vec::new(),
    };
    let mut trainer = Trainer::new(model, OptimizerKind::Sgd.build(Some(0.1)).unwrap());
    let config = FitConfig {
        max_epoch: 3,
        batch_size: 4,
        ..FitConfig::default()
    };
    let mut rng = NumpyRandom::new(1984);
    trainer
        .fit_rows(x.view(), t.view(), &config, &mut rng, &mut Silent)
        .unwrap();
    let model = trainer.model();
    // Two batches of 4 per epoch (the last 2 samples of each order unused),
    // in numpy's permutations.
    assert_eq!(model.batches, 6);
    let mut check = NumpyRandom::new(1984);
    let mut order: Vec<usize> = (0..10).collect();
    let mut expected = Vec::new();
    for _ in 0..3 {
        let p = check.permutation(10);
        order = p.iter().map(|&i| order[i]).collect();
        expected.extend_from_slice(&order[..8]);
    }
    assert_eq!(model.seen, expected);
    // Rows of labels that don't match the samples are refused.
    let short = Array2::from_shape_fn((9, 3), |(i, j)| 3 * i + j);
    let err = message(trainer.fit_rows(x.view(), short.view(), &config, &mut rng, &mut Silent));
    assert!(err.contains("9 labels for 10 samples"), "{err}");
}
