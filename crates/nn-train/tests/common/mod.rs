//! The book's run, shared by the integration tests.
#![allow(dead_code)]

#[path = "../../src/test_vectors.rs"]
#[rustfmt::skip]
pub mod vectors;

use ndarray::Array2;
use nn_core::{Affine, Float, Init, Randn, Sequential, Sigmoid, SoftmaxWithLoss};
use nn_optim::OptimizerKind;
use nn_train::{FitConfig, Spiral, Trainer};

/// The book's TwoLayerNet(2, hidden, 3) with 0.01·randn weights drawn from
/// `rng`; its parameters are `affine1.W`, `affine1.b`, `affine2.W`, `affine2.b`.
pub fn two_layer_net<F: Float>(hidden: usize, rng: &mut dyn Randn) -> Sequential<F> {
    Sequential::new(SoftmaxWithLoss::new())
        .with_named("affine1", Affine::init(2, hidden, Init::BOOK, rng).unwrap())
        .with_named("sigmoid", Sigmoid::new())
        .with_named("affine2", Affine::init(hidden, 3, Init::BOOK, rng).unwrap())
}

/// The spiral data (as `F`) and a trainer with SGD(lr = 1.0), drawn from `rng` in the book's order.
pub fn book_setup<F: Float>(rng: &mut dyn Randn) -> (Array2<F>, Vec<usize>, Trainer<F>) {
    let (x, t) = Spiral::default().generate(rng).unwrap();
    let model = two_layer_net::<F>(10, rng);
    let trainer = Trainer::new(model, OptimizerKind::Sgd.build(Some(1.0)).unwrap());
    (x.mapv(F::from_f64), t, trainer)
}

/// The book's fit settings with `epochs` epochs.
pub fn book_config(epochs: usize) -> FitConfig {
    FitConfig {
        max_epoch: epochs,
        batch_size: 30,
        max_grad: None,
        eval_interval: Some(10),
        style: nn_train::RecordStyle::CustomLoop,
    }
}
