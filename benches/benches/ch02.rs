//! Chapter 2's pipeline stage by stage on a PTB-shaped synthetic corpus
//! (10,000 words, window 2): sparse co-occurrence, sparse PPMI, and the
//! randomized SVD to 100 dimensions, plus one sparse × dense product.

use criterion::{Criterion, criterion_group};
use ndarray::Array2;
use nn_benches::zipf_corpus;
use nn_text::{PPMI_EPS, RandomizedSvd, co_occurrence, ppmi_sparse, randomized_svd};

fn pipeline(c: &mut Criterion) {
    let ids = zipf_corpus(10_000, 930_000);
    let counts = co_occurrence(&ids, 10_000, 2).unwrap();
    let w = ppmi_sparse::<f32>(&counts, PPMI_EPS, |_| {}).unwrap();
    c.bench_function("ch02/co_occurrence/10k-words", |b| {
        b.iter(|| co_occurrence(&ids, 10_000, 2).unwrap())
    });
    c.bench_function("ch02/ppmi_sparse/10k-words", |b| {
        b.iter(|| ppmi_sparse::<f32>(&counts, PPMI_EPS, |_| {}).unwrap())
    });
    let q = Array2::<f32>::ones((10_000, 110));
    let mut out = Array2::zeros((0, 0));
    c.bench_function("ch02/csr_dot_110/10k-words", |b| {
        b.iter(|| w.dot(&q.view(), &mut out).unwrap())
    });
    c.bench_function("ch02/randomized_svd_100/10k-words", |b| {
        b.iter(|| randomized_svd(&w, RandomizedSvd::default()).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = pipeline
}
nn_benches::bench_main!(benches);
