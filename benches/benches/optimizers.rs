//! One update of each optimizer over M's parameters (784×1000 + 1000 + 1000×10 + 10).

use criterion::{Criterion, criterion_group};
use nn_benches::{Bench, M_SIGMOID};
use nn_core::Float;
use nn_optim::OptimizerKind;

fn updates<F: Float>(c: &mut Criterion) {
    let mut bench = Bench::<F>::new(M_SIGMOID).unwrap();
    bench.step(0).unwrap();
    for kind in OptimizerKind::ALL {
        let mut optimizer = kind.build::<F>(None).unwrap();
        c.bench_function(&format!("update/{kind}/M/{}", F::DTYPE), |b| {
            b.iter(|| std::hint::black_box(optimizer.update(&mut bench.model).unwrap()))
        });
    }
    c.bench_function(&format!("clip_grads/M/{}", F::DTYPE), |b| {
        b.iter(|| std::hint::black_box(nn_optim::clip_grads(&mut bench.model, 1e9).unwrap()))
    });
}

fn optimizers(c: &mut Criterion) {
    updates::<f32>(c);
    updates::<f64>(c);
}

criterion_group!(benches, optimizers);
nn_benches::bench_main!(benches);
