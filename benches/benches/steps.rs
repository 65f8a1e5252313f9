//! One full training step (forward, backward, SGD) of each workload.

use criterion::{Criterion, criterion_group};
use nn_benches::{Bench, L, M_RELU, M_SIGMOID, S, Workload};
use nn_core::Float;

fn step<F: Float>(c: &mut Criterion, workload: Workload) {
    let mut bench = Bench::<F>::new(workload).unwrap();
    let mut i = 0;
    c.bench_function(&format!("step/{}/{}", workload.name, F::DTYPE), |b| {
        b.iter(|| {
            i += 1;
            std::hint::black_box(bench.step(i).unwrap())
        })
    });
}

fn steps(c: &mut Criterion) {
    step::<f64>(c, S);
    step::<f32>(c, S);
    step::<f32>(c, M_SIGMOID);
    step::<f64>(c, M_SIGMOID);
    step::<f32>(c, M_RELU);
    step::<f64>(c, M_RELU);
}

fn wide(c: &mut Criterion) {
    step::<f32>(c, L);
}

criterion_group!(small, steps);
criterion_group! {
    name = large;
    config = Criterion::default().sample_size(10);
    targets = wide
}
nn_benches::bench_main!(small, large);
