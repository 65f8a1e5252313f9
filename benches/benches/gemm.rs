//! The raw BLAS products of one training step, per workload (see
//! `nn_benches::GemmStep`): the ceiling a step cannot beat.

use criterion::{Criterion, criterion_group};
use nn_benches::{GemmStep, L, M_SIGMOID, S, Workload};
use nn_core::Float;

fn gemms<F: Float>(c: &mut Criterion, w: Workload) {
    let mut step = GemmStep::<F>::new(w).unwrap();
    c.bench_function(&format!("gemm/{}-step/{}", w.name, F::DTYPE), |b| {
        b.iter(|| step.run())
    });
}

fn all(c: &mut Criterion) {
    gemms::<f64>(c, S);
    gemms::<f32>(c, S);
    gemms::<f32>(c, M_SIGMOID);
    gemms::<f64>(c, M_SIGMOID);
}

fn wide(c: &mut Criterion) {
    gemms::<f32>(c, L);
}

criterion_group!(small, all);
criterion_group! {
    name = large;
    config = Criterion::default().sample_size(10);
    targets = wide
}
nn_benches::bench_main!(small, large);
