//! Dropout is switched by one call, `set_training`, for a single layer, a
//! stack of layers and a model.

use ndarray::{Array2, Array3, array};
use nn_core::layers::Dropout;
use nn_core::time::{TimeDropout, TimeLayer};
use nn_core::{Affine, Parameters, Sequential, SharedRng, SoftmaxWithLoss};
use nn_models::rnnlm::{BetterRnnlm, LanguageModel};
use nn_train::{GeneratorState, NumpyRandom};

fn state(rng: &SharedRng) -> GeneratorState {
    GeneratorState::of_shared(rng).unwrap()
}

#[test]
fn a_layer_and_a_stack_drop_units_only_in_training() {
    let rng = SharedRng::new(NumpyRandom::new(3));
    let mut layer = TimeDropout::<f64>::new(0.5, rng.clone()).unwrap();
    let xs = Array3::from_elem((2, 3, 4), 1.0);
    let trained = layer.forward(xs.view()).unwrap().to_owned();
    assert!(trained.iter().any(|&v| v == 0.0));
    layer.set_training(false);
    let before = state(&rng);
    assert_eq!(layer.forward(xs.view()).unwrap(), xs);
    assert_eq!(state(&rng), before, "evaluation draws nothing");

    let mut net = Sequential::<f64>::new(SoftmaxWithLoss::new())
        .with(
            Affine::from_weights(Array2::eye(4), Array2::zeros((1, 4)).row(0).to_owned()).unwrap(),
        )
        .with(Dropout::new(0.5, rng.clone()).unwrap());
    let x = array![[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]];
    net.set_training(false);
    let eval = net.predict(&x).unwrap().to_owned();
    assert_eq!(eval, &x * 0.5, "the book's Dropout scales in evaluation");
    assert_eq!(state(&rng), before);
    net.set_training(true);
    let train = net.predict(&x).unwrap().to_owned();
    assert!(train.iter().zip(&x).all(|(&o, &v)| o == 0.0 || o == v));
    assert_ne!(state(&rng), before);
}

/// BetterRnnlm in evaluation equals the same weights without dropout, and
/// draws nothing; back in training it draws masks again.
#[test]
fn better_rnnlm_switches_its_three_dropout_layers() {
    let build = |ratio: f64| {
        let rng = SharedRng::new(NumpyRandom::new(5));
        let model =
            BetterRnnlm::<f64>::new(12, 6, 6, ratio, &mut *rng.lock(), rng.clone()).unwrap();
        (model, rng)
    };
    let (mut dropping, rng) = build(0.5);
    let (mut plain, _) = build(0.0);
    assert_eq!(dropping.param_names(), plain.param_names());
    let xs = array![[1, 2, 3, 4], [5, 6, 7, 8]];
    dropping.set_training(false);
    let before = state(&rng);
    let eval = dropping.predict(xs.view()).unwrap().to_owned();
    assert_eq!(state(&rng), before, "evaluation draws no mask");
    let reference = plain.predict(xs.view()).unwrap().to_owned();
    for (a, b) in eval.iter().zip(&reference) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    dropping.reset_state();
    dropping.set_training(true);
    let trained = dropping.predict(xs.view()).unwrap().to_owned();
    assert_ne!(state(&rng), before, "training draws masks");
    assert!(trained.iter().zip(&eval).any(|(a, b)| (a - b).abs() > 1e-9));
}
