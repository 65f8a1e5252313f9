//! Everything a caller can get wrong is an error with a message that says
//! what and where, and a failed update changes nothing.

mod common;

use common::{batch, net, snapshot};
use nn_core::{Affine, Init, Parameters, Sequential, SoftmaxWithLoss};
use nn_optim::{
    Adam, AdamConfig, AdamW, AdamWConfig, Momentum, MomentumConfig, NonFinite, Optimizer,
    OptimizerKind, RmsProp, RmsPropConfig, Sgd, SgdConfig, Update,
};
use rand::SeedableRng;

fn message<T>(result: nn_core::Result<T>) -> String {
    result.err().expect("expected an error").to_string()
}

fn trained(seed: u64) -> Sequential<f64> {
    let mut model = net::<f64>(seed);
    let (x, t) = batch::<f64>(seed);
    model.forward(&x, &t).unwrap();
    model.backward().unwrap();
    model
}

/// 4 → 10 → 4 instead of the usual net's shapes.
fn other_shapes() -> Sequential<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    Sequential::new(SoftmaxWithLoss::new())
        .with(Affine::init(4, 8, Init::BOOK, &mut rng).unwrap())
        .with(Affine::init(8, 10, Init::BOOK, &mut rng).unwrap())
        .with(Affine::init(10, 4, Init::BOOK, &mut rng).unwrap())
}

#[test]
fn a_model_of_other_shapes_or_count_is_refused_and_left_alone() {
    let mut adam = Adam::<f64>::default();
    let mut model = trained(1);
    assert_eq!(adam.update(&mut model).unwrap(), Update::Applied);

    let mut other = other_shapes();
    let before = snapshot(&mut other);
    assert_eq!(
        message(adam.update(&mut other)),
        "Adam.update: parameter 2 (1.W) has shape [8, 10], expected [8, 6]"
    );
    assert_eq!(snapshot(&mut other), before);

    let mut smaller = Sequential::<f64>::new(SoftmaxWithLoss::new())
        .with(Affine::init(4, 8, Init::BOOK, &mut rand::rngs::StdRng::seed_from_u64(0)).unwrap());
    assert_eq!(
        message(adam.update(&mut smaller)),
        "Adam.update: the model has 2 parameters, expected 6 (the optimizer's state was made for 6; call reset() for a new model)"
    );
    let mut larger = trained(2).with(Affine::init(3, 3, Init::BOOK, &mut rand::rng()).unwrap());
    assert_eq!(
        message(adam.update(&mut larger)),
        "Adam.update: the model has at least 7 parameters, expected 6 (the optimizer's state was made for 6; call reset() for a new model)"
    );
    assert_eq!(adam.steps(), 1, "failed updates are not steps");

    adam.reset();
    assert_eq!(adam.update(&mut other).unwrap(), Update::Applied);
}

#[test]
fn learning_rates_and_hyperparameters_are_checked() {
    assert_eq!(
        message(Sgd::<f64>::new(SgdConfig {
            lr: -0.1,
            ..Default::default()
        })),
        "SGD.new: lr must be finite and non-negative, got -0.1"
    );
    assert_eq!(
        message(Momentum::<f64>::new(MomentumConfig {
            momentum: 1.0,
            ..Default::default()
        })),
        "Momentum.new: momentum must be in [0, 1), got 1"
    );
    assert_eq!(
        message(RmsProp::<f32>::new(RmsPropConfig {
            lr: f64::NAN,
            ..Default::default()
        })),
        "RMSprop.new: lr must be finite and non-negative, got NaN"
    );
    assert_eq!(
        message(AdamW::<f32>::new(AdamWConfig {
            beta2: -0.5,
            ..Default::default()
        })),
        "AdamW.new: beta2 must be in [0, 1), got -0.5"
    );
    let mut adam = Adam::<f64>::new(AdamConfig {
        lr: 0.1,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        message(adam.set_learning_rate(f64::INFINITY)),
        "Adam.set_learning_rate: lr must be finite and non-negative, got inf"
    );
    assert_eq!(adam.learning_rate(), 0.1);
    assert_eq!(
        message("adamax".parse::<OptimizerKind>()),
        "OptimizerKind: unknown optimizer \"adamax\"; expected one of sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw"
    );
    assert_eq!(
        "RMSprop".parse::<OptimizerKind>().unwrap(),
        OptimizerKind::RmsProp
    );
    assert_eq!(
        message(OptimizerKind::Sgd.build::<f64>(Some(-1.0))),
        "SGD.new: lr must be finite and non-negative, got -1"
    );
}

fn poison(model: &mut Sequential<f64>, param: usize, index: usize) {
    let mut k = 0;
    model
        .visit_params(&mut |mut p| {
            if k == param {
                *p.grad.iter_mut().nth(index).unwrap() = f64::NAN;
            }
            k += 1;
            Ok(())
        })
        .unwrap();
}

#[test]
fn non_finite_gradients_are_refused_or_skipped_as_asked() {
    for kind in OptimizerKind::ALL {
        let mut optimizer = kind.build::<f64>(None).unwrap();
        let mut model = trained(4);
        poison(&mut model, 3, 4);
        let before = snapshot(&mut model);
        let name = optimizer.name();
        assert_eq!(
            message(optimizer.update(&mut model)),
            format!("{name}.update: the gradient of parameter 3 (2.b) at [4] is not finite (NaN)")
        );
        assert_eq!(
            snapshot(&mut model),
            before,
            "{name} changed a parameter on error"
        );

        optimizer.set_non_finite(NonFinite::Skip);
        assert_eq!(
            optimizer.update(&mut model).unwrap(),
            Update::Skipped { param: 3 }
        );
        assert_eq!(snapshot(&mut model), before);
        assert_eq!(optimizer.steps(), 0);

        // Unchecked does what it says: the NaN reaches the parameter.
        optimizer.set_non_finite(NonFinite::Unchecked);
        assert_eq!(optimizer.update(&mut model).unwrap(), Update::Applied);
        assert!(snapshot(&mut model)[3].iter().any(|v| v.is_nan()));
    }
}

#[test]
fn foreign_or_damaged_state_is_refused() {
    let mut model = trained(5);
    let mut momentum = Momentum::<f64>::default();
    assert_eq!(momentum.update(&mut model).unwrap(), Update::Applied);
    let state = momentum.state();

    let mut adam = Adam::<f64>::default();
    assert_eq!(
        message(adam.load_state(&state)),
        "Adam.load_state: the state is Momentum's, not Adam's"
    );
    let mut sgd = Sgd::<f64>::default();
    let mut foreign = state.clone();
    foreign.optimizer = "SGD".into();
    assert_eq!(
        message(sgd.load_state(&foreign)),
        "SGD.load_state: SGD keeps no moments, but the state has 6"
    );

    let mut renamed = state.clone();
    renamed.slots[1].0 = "h.1".into();
    assert_eq!(
        message(Momentum::<f64>::default().load_state(&renamed)),
        "Momentum.load_state: array 1 is \"h.1\", expected \"v.1\""
    );
    let mut bad_rate = state.clone();
    bad_rate.learning_rate = -1.0;
    assert_eq!(
        message(Momentum::<f64>::default().load_state(&bad_rate)),
        "Momentum.load_state: the learning rate must be finite and non-negative, got -1"
    );

    let mut adam = Adam::<f64>::default();
    assert_eq!(adam.update(&mut model).unwrap(), Update::Applied);
    let mut state = adam.state();
    state.slots.pop();
    assert_eq!(
        message(Adam::<f64>::default().load_state(&state)),
        "Adam.load_state: 11 arrays cannot be 2 slots (m, v) per parameter"
    );
    let mut state = adam.state();
    state.slots[6].1 = ndarray::ArrayD::zeros(ndarray::IxDyn(&[2, 2]));
    assert_eq!(
        message(Adam::<f64>::default().load_state(&state)),
        "Adam.load_state: v.0 has shape [2, 2] but m.0 has shape [4, 8]"
    );
    // A restored state is checked against the model at the next update.
    let mut restored = Adam::<f64>::default();
    restored.load_state(&adam.state()).unwrap();
    assert_eq!(
        message(restored.update(&mut other_shapes())),
        "Adam.update: parameter 2 (1.W) has shape [8, 10], expected [8, 6]"
    );
}
