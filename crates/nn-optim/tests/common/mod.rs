//! A small seeded net and data shared by the integration tests.
#![allow(dead_code)]

use ndarray::Array2;
use nn_core::{Affine, Float, Init, Param, Parameters, Relu, Sequential, Sigmoid, SoftmaxWithLoss};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// 4 → 8 → 6 → 3 with Sigmoid and ReLU, weights from `seed`.
pub fn net<F: Float>(seed: u64) -> Sequential<F> {
    let mut rng = StdRng::seed_from_u64(seed);
    Sequential::new(SoftmaxWithLoss::new())
        .with(Affine::init(4, 8, Init::Xavier, &mut rng).unwrap())
        .with(Sigmoid::new())
        .with(Affine::init(8, 6, Init::He, &mut rng).unwrap())
        .with(Relu::new())
        .with(Affine::init(6, 3, Init::Xavier, &mut rng).unwrap())
}

/// A seeded batch of 16 samples and labels.
pub fn batch<F: Float>(seed: u64) -> (Array2<F>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Init::Normal { scale: 1.0 }.matrix(16, 4, &mut rng).unwrap();
    let t = (0..16).map(|i| (i * 7 + seed as usize) % 3).collect();
    (x, t)
}

/// Copies of every parameter, in order.
pub fn snapshot<F: Float>(model: &mut dyn Parameters<F>) -> Vec<ndarray::ArrayD<F>> {
    let mut out = Vec::new();
    model
        .visit_params(&mut |p: Param<'_, F>| {
            out.push(p.value.to_owned());
            Ok(())
        })
        .unwrap();
    out
}

/// Overwrites every parameter with `values`, in order.
pub fn restore<F: Float>(model: &mut dyn Parameters<F>, values: &[ndarray::ArrayD<F>]) {
    let mut k = 0;
    model
        .visit_params(&mut |mut p: Param<'_, F>| {
            p.value.assign(&values[k]);
            k += 1;
            Ok(())
        })
        .unwrap();
}
