//! Chapter 4 on a PTB-shaped synthetic corpus (10,000 words, Zipf): one
//! book-mode CBOW step (batch 100, window 5, 100 dimensions: forward,
//! backward, Adam over both weights) and its parts, and the fast mode's
//! words per second at 1 and 2 threads.

use criterion::{Criterion, Throughput, criterion_group};
use nn_benches::zipf_corpus;
use nn_models::word2vec::Cbow;
use nn_models::word2vec::fast::{self, FastConfig};
use nn_optim::{Adam, Optimizer};
use nn_text::create_contexts_target;
use nn_train::{Model, NumpyRandom};

fn book_step(c: &mut Criterion) {
    let ids = zipf_corpus(10_000, 200_000);
    let (contexts, target) = create_contexts_target(&ids, 5).unwrap();
    let mut model = Cbow::<f32>::new(10_000, 100, 5, &ids, &mut NumpyRandom::new(1984), 1).unwrap();
    let mut adam = Adam::<f32>::default();
    let batches = contexts.nrows() / 100;
    let mut k = 0;
    let mut batch = || {
        k = (k + 1) % batches;
        (
            contexts.slice(ndarray::s![k * 100..(k + 1) * 100, ..]),
            &target[k * 100..(k + 1) * 100],
        )
    };
    c.bench_function("word2vec/book_cbow_step/10k-words", |b| {
        b.iter(|| {
            let (x, t) = batch();
            model.forward(x, t).unwrap();
            model.backward().unwrap();
            adam.update(&mut model).unwrap()
        })
    });
    c.bench_function("word2vec/book_cbow_forward_backward/10k-words", |b| {
        b.iter(|| {
            let (x, t) = batch();
            model.forward(x, t).unwrap();
            model.backward().unwrap()
        })
    });
    c.bench_function("word2vec/book_adam_update/10k-words", |b| {
        b.iter(|| adam.update(&mut model).unwrap())
    });
}

fn fast_mode(c: &mut Criterion) {
    let ids = zipf_corpus(10_000, 200_000);
    let mut group = c.benchmark_group("word2vec/fast_epoch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ids.len() as u64));
    for threads in [1, 2] {
        let config = FastConfig {
            epochs: 1,
            threads,
            ..FastConfig::default()
        };
        group.bench_function(format!("{threads}-threads"), |b| {
            b.iter(|| fast::train(&ids, 10_000, &config, &mut |_| {}).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, book_step, fast_mode);
nn_benches::bench_main!(benches);
