//! Stopping after k steps, exporting the optimizer's state, and resuming in a
//! fresh optimizer gives bit for bit the numbers of an uninterrupted run.

mod common;

use common::{batch, net, restore, snapshot};
use nn_core::Float;
use nn_optim::{Optimizer, OptimizerKind, Update, clip_grads};

fn step<F: Float>(model: &mut nn_core::Sequential<F>, optimizer: &mut dyn Optimizer<F>, t: usize) {
    let (x, labels) = batch::<F>(t as u64);
    model.forward(&x, &labels).unwrap();
    model.backward().unwrap();
    clip_grads(model, 2.0).unwrap();
    assert_eq!(optimizer.update(model).unwrap(), Update::Applied);
}

fn resume_is_exact<F: Float>() {
    let (k, more) = (7, 6);
    for kind in OptimizerKind::ALL {
        let lr = Some(kind.default_lr() * 5.0);
        let mut whole = net::<F>(1);
        let mut optimizer = kind.build::<F>(lr).unwrap();
        for t in 0..k + more {
            if t == 3 {
                // A rate changed by hand must survive the resume too.
                optimizer
                    .set_learning_rate(kind.default_lr() * 2.0)
                    .unwrap();
            }
            step(&mut whole, optimizer.as_mut(), t);
        }

        let mut first = net::<F>(1);
        let mut optimizer = kind.build::<F>(lr).unwrap();
        for t in 0..k {
            if t == 3 {
                optimizer
                    .set_learning_rate(kind.default_lr() * 2.0)
                    .unwrap();
            }
            step(&mut first, optimizer.as_mut(), t);
        }
        let (params, state) = (snapshot(&mut first), optimizer.state());
        assert_eq!(state.step, k as u64);
        drop((first, optimizer));

        let mut second = net::<F>(99);
        restore(&mut second, &params);
        let mut optimizer = kind.build::<F>(None).unwrap();
        optimizer.load_state(&state).unwrap();
        assert_eq!(optimizer.learning_rate(), kind.default_lr() * 2.0);
        for t in k..k + more {
            step(&mut second, optimizer.as_mut(), t);
        }
        assert_eq!(
            snapshot(&mut second),
            snapshot(&mut whole),
            "{kind} resumed differs"
        );
        assert_eq!(optimizer.steps(), (k + more) as u64);
    }
}

#[test]
fn resume_is_bit_for_bit_in_f64() {
    resume_is_exact::<f64>();
}

#[test]
fn resume_is_bit_for_bit_in_f32() {
    resume_is_exact::<f32>();
}

#[test]
fn state_names_its_moments_slot_by_slot() {
    let mut model = net::<f64>(1);
    let mut adam = OptimizerKind::Adam.build::<f64>(None).unwrap();
    step(&mut model, adam.as_mut(), 0);
    let state = adam.state();
    let names: Vec<_> = state.slots.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "m.0", "m.1", "m.2", "m.3", "m.4", "m.5", "v.0", "v.1", "v.2", "v.3", "v.4", "v.5"
        ]
    );
    assert_eq!(state.slots[2].1.shape(), [8, 6]);
    assert_eq!((state.optimizer.as_str(), state.step), ("Adam", 1));
}
