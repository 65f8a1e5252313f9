//! Forward + backward of each layer at the book's size (S) and at M's.

use criterion::{Criterion, criterion_group};
use ndarray::Array2;
use nn_core::{Affine, Float, Init, Layer, MatMul, Relu, Sigmoid, Softmax, SoftmaxWithLoss};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn input<F: Float>(rows: usize, cols: usize) -> Array2<F> {
    Init::Normal { scale: 1.0 }
        .matrix(rows, cols, &mut StdRng::seed_from_u64(1))
        .unwrap()
}

fn layer<F: Float>(
    c: &mut Criterion,
    name: &str,
    mut layer: impl Layer<F>,
    batch: usize,
    inputs: usize,
) {
    let x = input::<F>(batch, inputs);
    let outputs = layer.forward(x.view()).unwrap().ncols();
    let dout = input::<F>(batch, outputs);
    c.bench_function(&format!("layer/{name}/{}", F::DTYPE), |b| {
        b.iter(|| {
            layer.forward(x.view()).unwrap();
            std::hint::black_box(layer.backward(dout.view()).unwrap()[[0, 0]])
        })
    });
}

fn loss<F: Float>(c: &mut Criterion, name: &str, batch: usize, classes: usize) {
    let x = input::<F>(batch, classes);
    let t: Vec<usize> = (0..batch).map(|i| i % classes).collect();
    let mut swl = SoftmaxWithLoss::<F>::new();
    c.bench_function(&format!("layer/{name}/{}", F::DTYPE), |b| {
        b.iter(|| {
            swl.forward(&x, &t).unwrap();
            std::hint::black_box(swl.backward(F::one()).unwrap()[[0, 0]])
        })
    });
}

fn at<F: Float>(c: &mut Criterion) {
    let rng = &mut StdRng::seed_from_u64(2);
    // S: the book's 2 → 10 → 3 at batch 30.
    layer::<F>(
        c,
        "S/Affine-2x10",
        Affine::init(2, 10, Init::BOOK, rng).unwrap(),
        30,
        2,
    );
    layer::<F>(c, "S/Sigmoid-10", Sigmoid::new(), 30, 10);
    layer::<F>(
        c,
        "S/Affine-10x3",
        Affine::init(10, 3, Init::BOOK, rng).unwrap(),
        30,
        10,
    );
    loss::<F>(c, "S/SoftmaxWithLoss-3", 30, 3);
    // M: 784 → 1000 → 10 at batch 100.
    layer::<F>(
        c,
        "M/Affine-784x1000",
        Affine::init(784, 1000, Init::Xavier, rng).unwrap(),
        100,
        784,
    );
    layer::<F>(
        c,
        "M/MatMul-784x1000",
        MatMul::init(784, 1000, Init::Xavier, rng).unwrap(),
        100,
        784,
    );
    layer::<F>(c, "M/Sigmoid-1000", Sigmoid::new(), 100, 1000);
    layer::<F>(c, "M/ReLU-1000", Relu::new(), 100, 1000);
    layer::<F>(c, "M/Softmax-10", Softmax::new(), 100, 10);
    layer::<F>(
        c,
        "M/Affine-1000x10",
        Affine::init(1000, 10, Init::Xavier, rng).unwrap(),
        100,
        1000,
    );
    loss::<F>(c, "M/SoftmaxWithLoss-10", 100, 10);
}

fn layers(c: &mut Criterion) {
    at::<f64>(c);
    at::<f32>(c);
}

criterion_group!(benches, layers);
nn_benches::bench_main!(benches);
