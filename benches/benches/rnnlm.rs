//! Chapters 5–6 on a PTB-shaped synthetic corpus (10,000 words, Zipf): one
//! training iteration of the book's `Rnnlm` (batch 20, time 35, 100/100:
//! forward, backward, clipping, SGD) at 1 and 2 BLAS threads, its parts,
//! and one `BetterRnnlm` iteration (650/650, dropout 0.5, tied weights).

use criterion::{Criterion, criterion_group};
use nn_benches::zipf_corpus;
use nn_models::rnnlm::{LanguageModel, Rnnlm};
use nn_optim::{Optimizer, OptimizerKind, clip_grads};
use nn_train::NumpyRandom;

const VOCAB: usize = 10_000;

/// Batches of the book's shape, cycled.
struct Batches {
    xs: Vec<ndarray::Array2<usize>>,
    ts: Vec<ndarray::Array2<isize>>,
    k: usize,
}

impl Batches {
    fn new(n: usize, t: usize) -> Self {
        let ids = zipf_corpus(VOCAB, 40 * n * t + 1);
        let (xs, ts) = (0..40)
            .map(|b| {
                let x = ndarray::Array2::from_shape_fn((n, t), |(i, j)| ids[b * n * t + i * t + j]);
                let y = ndarray::Array2::from_shape_fn((n, t), |(i, j)| {
                    ids[b * n * t + i * t + j + 1] as isize
                });
                (x, y)
            })
            .unzip();
        Self { xs, ts, k: 0 }
    }

    fn next(
        &mut self,
    ) -> (
        ndarray::ArrayView2<'_, usize>,
        ndarray::ArrayView2<'_, isize>,
    ) {
        self.k = (self.k + 1) % self.xs.len();
        (self.xs[self.k].view(), self.ts[self.k].view())
    }
}

fn step<M: LanguageModel<f32>>(
    model: &mut M,
    sgd: &mut (dyn Optimizer<f32> + Send),
    batches: &mut Batches,
) {
    let (x, t) = batches.next();
    model.forward(x, t).unwrap();
    model.backward().unwrap();
    clip_grads(model, 0.25).unwrap();
    let _: nn_optim::Update = sgd.update(model).unwrap();
}

fn rnnlm(c: &mut Criterion) {
    let mut model = Rnnlm::<f32>::new(VOCAB, 100, 100, &mut NumpyRandom::new(1984)).unwrap();
    let mut sgd = OptimizerKind::Sgd.build::<f32>(Some(20.0)).unwrap();
    let mut batches = Batches::new(20, 35);
    for threads in [1, 2] {
        nn_core::blas::set_threads(threads);
        c.bench_function(&format!("rnnlm/train_iteration/{threads}-threads"), |b| {
            b.iter(|| step(&mut model, &mut *sgd, &mut batches))
        });
    }
    nn_core::blas::set_threads(1);
    c.bench_function("rnnlm/forward/1-threads", |b| {
        b.iter(|| {
            let (x, t) = batches.next();
            model.forward(x, t).unwrap()
        })
    });
    c.bench_function("rnnlm/backward/1-threads", |b| {
        let (x, t) = batches.next();
        model.forward(x, t).unwrap();
        b.iter(|| model.backward().unwrap())
    });
    c.bench_function("rnnlm/clip_and_sgd/1-threads", |b| {
        b.iter(|| {
            clip_grads(&mut model, 0.25).unwrap();
            sgd.update(&mut model).unwrap()
        })
    });
}

fn better_rnnlm(c: &mut Criterion) {
    let mut model = nn_benches::book_better::<f32>(VOCAB, 650, 650, 0.5, 1984).unwrap();
    let mut sgd = OptimizerKind::Sgd.build::<f32>(Some(20.0)).unwrap();
    let mut batches = Batches::new(20, 35);
    let mut group = c.benchmark_group("better_rnnlm");
    group.sample_size(10);
    for threads in [1, 2] {
        nn_core::blas::set_threads(threads);
        group.bench_function(format!("train_iteration/{threads}-threads"), |b| {
            b.iter(|| step(&mut model, &mut *sgd, &mut batches))
        });
    }
    group.finish();
    nn_core::blas::set_threads(1);
}

criterion_group!(benches, rnnlm, better_rnnlm);
nn_benches::bench_main!(benches);
