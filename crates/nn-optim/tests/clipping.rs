//! The book's clip_grads on a real model's gradients.

mod common;

use common::{batch, net};
use nn_core::{Param, Parameters};
use nn_optim::clip_grads;

fn gradients(model: &mut dyn Parameters<f64>) -> Vec<ndarray::ArrayD<f64>> {
    let mut out = Vec::new();
    model
        .visit_params(&mut |p: Param<'_, f64>| {
            out.push(p.grad.to_owned());
            Ok(())
        })
        .unwrap();
    out
}

fn norm(grads: &[ndarray::ArrayD<f64>]) -> f64 {
    grads
        .iter()
        .flat_map(|g| g.iter())
        .map(|g| g * g)
        .sum::<f64>()
        .sqrt()
}

#[test]
fn below_the_maximum_nothing_changes() {
    let mut model = net::<f64>(3);
    let (x, t) = batch::<f64>(3);
    model.forward(&x, &t).unwrap();
    model.backward().unwrap();
    let before = gradients(&mut model);
    let report = clip_grads(&mut model, norm(&before) * 1.01).unwrap();
    let reported = report.norm;
    // Summed per parameter, then in total: equal to the flat sum up to rounding.
    assert!((reported - norm(&before)).abs() < 1e-15 * reported);
    assert!(!report.clipped && report.rate > 1.0);
    assert_eq!(gradients(&mut model), before, "untouched, bit for bit");
}

#[test]
fn above_the_maximum_all_gradients_scale_to_it() {
    let mut model = net::<f64>(3);
    let (x, t) = batch::<f64>(3);
    model.forward(&x, &t).unwrap();
    model.backward().unwrap();
    let before = gradients(&mut model);
    let max_norm = norm(&before) / 4.0;
    let report = clip_grads(&mut model, max_norm).unwrap();
    let reported = report.norm;
    assert!((reported - norm(&before)).abs() < 1e-15 * reported);
    assert!(report.clipped);
    assert_eq!(report.rate, max_norm / (reported + 1e-6));
    let after = gradients(&mut model);
    assert!((norm(&after) - max_norm).abs() < 1e-6 * max_norm);
    // One common factor: directions are kept.
    let rate = max_norm / (reported + 1e-6);
    for (a, b) in after
        .iter()
        .flat_map(|g| g.iter())
        .zip(before.iter().flat_map(|g| g.iter()))
    {
        assert_eq!(*a, b * rate);
    }
}

#[test]
fn bad_arguments_and_nan_gradients_are_errors() {
    let mut model = net::<f32>(3);
    assert_eq!(
        clip_grads(&mut model, 0.0).unwrap_err().to_string(),
        "clip_grads: max_norm must be positive and finite, got 0"
    );
    model
        .visit_params(&mut |mut p| {
            p.grad.fill(f32::NAN);
            Ok(())
        })
        .unwrap();
    assert_eq!(
        clip_grads(&mut model, 1.0).unwrap_err().to_string(),
        "clip_grads: the global norm of the gradients is not finite (NaN)"
    );
}
