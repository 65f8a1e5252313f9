//! Helpers for the optimizers' unit tests.

use ndarray::{ArrayD, IxDyn};
use nn_core::{Float, Param, ParamName, Parameters, Result};

use crate::{Optimizer, Update};

/// Two plain parameters with settable gradients: the simplest `Parameters`.
pub struct Fixed<F> {
    pub values: Vec<ArrayD<F>>,
    pub grads: Vec<ArrayD<F>>,
}

impl<F: Float> Parameters<F> for Fixed<F> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        for (value, grad) in self.values.iter_mut().zip(&mut self.grads) {
            f(Param {
                name: ParamName::new("p"),
                value: value.view_mut(),
                grad: grad.view_mut(),
            })?;
        }
        Ok(())
    }
}

/// Initial values: a (2, 3) weight and a (3,) bias.
pub fn initial() -> Vec<Vec<f64>> {
    vec![vec![0.5, -1.25, 2.0, 0.0, 0.75, -0.3], vec![0.1, -0.2, 0.3]]
}

/// The gradient of entry `i` of parameter `k` at step `t` (1-based): varied
/// in sign and size so that every term of a formula matters.
pub fn gradient(t: u64, k: usize, i: usize) -> f64 {
    let x = (t as f64) * 0.7 + (k as f64) * 1.3 + (i as f64) * 0.45;
    x.sin() * (1.0 + 0.5 * (i as f64))
}

pub fn fixed<F: Float>() -> Fixed<F> {
    let shapes = [vec![2, 3], vec![3]];
    let values = initial()
        .into_iter()
        .zip(&shapes)
        .map(|(v, s)| {
            ArrayD::from_shape_vec(IxDyn(s), v.into_iter().map(F::from_f64).collect()).unwrap()
        })
        .collect();
    let grads = shapes.iter().map(|s| ArrayD::zeros(IxDyn(s))).collect();
    Fixed { values, grads }
}

pub fn set_gradients<F: Float>(params: &mut Fixed<F>, t: u64) {
    for (k, grad) in params.grads.iter_mut().enumerate() {
        for (i, g) in grad.iter_mut().enumerate() {
            *g = F::from_f64(gradient(t, k, i));
        }
    }
}

/// Runs three updates and compares every entry, after each step, with
/// `rule(t, w, g, state)` applied to scalars in f64, where `state` holds
/// `slots` zero-initialised moments per entry, to `tol` (relative above 1, absolute below).
pub fn check_three_steps<F: Float>(
    optimizer: &mut dyn Optimizer<F>,
    slots: usize,
    tol: f64,
    rule: impl Fn(u64, f64, &mut [f64], f64) -> f64,
) {
    let mut params = fixed::<F>();
    let mut expected = initial();
    let mut state: Vec<Vec<Vec<f64>>> = expected
        .iter()
        .map(|p| vec![vec![0.0; slots]; p.len()])
        .collect();
    for t in 1..=3 {
        set_gradients(&mut params, t);
        assert_eq!(optimizer.update(&mut params).unwrap(), Update::Applied);
        for (k, values) in expected.iter_mut().enumerate() {
            for (i, w) in values.iter_mut().enumerate() {
                *w = rule(t, *w, &mut state[k][i], gradient(t, k, i));
                let got = params.values[k].iter().nth(i).unwrap().as_f64();
                // Relative for large values, absolute below 1: an update like
                // 2.0 − 1.9991 cancels, and f32 keeps only ~1e-7 of the operands.
                let err = (got - *w).abs() / w.abs().max(1.0);
                assert!(
                    err <= tol,
                    "{} step {t}, parameter {k}[{i}]: {got} vs formula {w} (error {err:.2e})",
                    optimizer.name()
                );
            }
        }
    }
    assert_eq!(optimizer.steps(), 3);
}

/// Minimises `½ Σ aᵢ (pᵢ − cᵢ)²` and returns the final over the initial value.
pub fn quadratic(optimizer: &mut dyn Optimizer<f64>, steps: usize) -> f64 {
    let a = [0.5, 1.0, 2.0, 1.5, 0.8, 1.2, 1.0, 0.6, 1.8];
    let c = [1.0, -2.0, 0.5, 3.0, -1.0, 0.0, 2.0, -0.5, 1.5];
    let mut params = fixed::<f64>();
    let loss = |p: &Fixed<f64>| -> f64 {
        p.values
            .iter()
            .flat_map(|v| v.iter())
            .enumerate()
            .map(|(j, &w)| 0.5 * a[j] * (w - c[j]) * (w - c[j]))
            .sum()
    };
    let first = loss(&params);
    for _ in 0..steps {
        let mut j = 0;
        for k in 0..2 {
            let (values, grads) = (&params.values[k], &mut params.grads[k]);
            for (g, &w) in grads.iter_mut().zip(values.iter()) {
                *g = a[j] * (w - c[j]);
                j += 1;
            }
        }
        assert_eq!(optimizer.update(&mut params).unwrap(), Update::Applied);
    }
    loss(&params) / first
}
