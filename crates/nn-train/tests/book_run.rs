//! Chapter 1's training run (train_custom_loop.py) through the Trainer: the
//! same random draws, the same losses, the same accuracy as numpy.

mod common;

use common::vectors::*;
use common::{book_config, book_setup};
use nn_core::{Float, Parameters};
use nn_train::{NumpyRandom, Silent, accuracy};

fn run<F: Float>() -> (Vec<f64>, usize, Vec<Vec<f64>>) {
    let mut rng = NumpyRandom::new(1984);
    let (x, t, mut trainer) = book_setup::<F>(&mut rng);
    trainer
        .fit(x.view(), &t, &book_config(300), &mut rng, &mut Silent)
        .unwrap();
    let losses = trainer.history().iter().map(|r| r.loss).collect();
    let (correct, total) = accuracy(trainer.model(), x.view(), &t).unwrap();
    assert_eq!(total, 300);
    let mut params = Vec::new();
    trainer
        .model()
        .visit_params(&mut |p| {
            params.push(p.value.iter().map(|v| v.as_f64()).collect());
            Ok(())
        })
        .unwrap();
    (losses, correct, params)
}

#[test]
fn initial_weights_and_epoch_orders_are_numpys() {
    let mut rng = NumpyRandom::new(1984);
    let (_, _, mut trainer) = book_setup::<f64>(&mut rng);
    let mut weights = Vec::new();
    trainer
        .model()
        .visit_params(&mut |p| {
            weights.push(p.value.iter().copied().collect::<Vec<f64>>());
            Ok(())
        })
        .unwrap();
    assert_eq!(weights[0], INIT_W1);
    assert_eq!(weights[2], INIT_W2);
    assert_eq!(rng.permutation(300), PERM_EPOCH_1);
    assert_eq!(rng.permutation(300), PERM_EPOCH_2);
}

#[test]
fn f64_run_reproduces_the_books_losses_and_accuracy() {
    let (losses, correct, params) = run::<f64>();
    assert_eq!(losses.len(), 300);
    let printed = |l: f64| format!("{l:.2}");
    assert_eq!(
        (printed(losses[0]), printed(losses[299])),
        ("1.13".into(), "0.11".into())
    );
    let worst = losses
        .iter()
        .zip(LOSSES)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    // Measured: at most 1e-15 (16 ulps; 74 of 300 identical) after 3000 steps.
    assert!(
        worst < 1e-12,
        "largest loss difference from numpy: {worst:e}"
    );
    assert_eq!(correct, CORRECT[0]);
    assert_eq!(correct, 291);
    for (ours, book) in params.iter().zip([FINAL_W1, FINAL_B1, FINAL_W2, FINAL_B2]) {
        let worst = ours
            .iter()
            .zip(book)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            worst < 1e-12,
            "final parameter differs from numpy by {worst:e}"
        );
    }
}

#[test]
fn f32_run_reaches_the_same_accuracy() {
    let (losses, correct, _) = run::<f32>();
    assert_eq!(format!("{:.2}", losses[299]), "0.11");
    assert_eq!(correct, 291);
}
