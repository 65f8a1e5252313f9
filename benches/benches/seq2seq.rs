//! Chapters 7–8 on the book's data sets (shipped in `nn-text`): one training
//! iteration (forward, backward, clipping to 5.0, Adam; batch 128) of the
//! book's reversed `PeekySeq2seq` (16/128, addition) and `AttentionSeq2seq`
//! (16/256, dates) at 1 and 2 threads, `TimeAttention` alone, and batched
//! greedy answers to 256 test questions.

use criterion::{Criterion, criterion_group};
use ndarray::{Array3, Axis, s};
use nn_core::attention::TimeAttention;
use nn_models::seq2seq::{AttentionSeq2seq, PeekySeq2seq, Seq2seqModel};
use nn_optim::{Optimizer, OptimizerKind, clip_grads};
use nn_text::sequence::{SequenceData, SequenceSet};
use nn_train::NumpyRandom;

const BATCH: usize = 128;

/// The data set as the scripts use it: split with seed 1984, questions
/// reversed; and the generator after the split, for the weights.
fn data(set: SequenceSet) -> (SequenceData, NumpyRandom) {
    let mut rng = NumpyRandom::new(1984);
    let mut data = set.load_with(&mut rng).unwrap();
    data.x_train = data.x_train.slice(s![.., ..;-1]).to_owned();
    data.x_test = data.x_test.slice(s![.., ..;-1]).to_owned();
    (data, rng)
}

fn step(
    model: &mut dyn Seq2seqModel<f32>,
    adam: &mut (dyn Optimizer<f32> + Send),
    data: &SequenceData,
    k: &mut usize,
) {
    *k = (*k + 1) % (data.x_train.nrows() / BATCH);
    let rows = s![*k * BATCH..(*k + 1) * BATCH, ..];
    let t: Vec<usize> = data.t_train.slice(rows).iter().copied().collect();
    model.forward(data.x_train.slice(rows), &t).unwrap();
    model.backward().unwrap();
    clip_grads(&mut *model, 5.0).unwrap();
    let _: nn_optim::Update = adam.update(&mut *model).unwrap();
}

fn bench_model(
    c: &mut Criterion,
    name: &str,
    model: &mut dyn Seq2seqModel<f32>,
    data: &SequenceData,
) {
    let mut adam = OptimizerKind::Adam.build::<f32>(None).unwrap();
    let mut k = 0;
    let mut group = c.benchmark_group(name);
    group.sample_size(20);
    for threads in [1, 2] {
        nn_core::blas::set_threads(threads);
        nn_core::blas::set_openblas_threads(1);
        group.bench_function(format!("train_iteration/{threads}-threads"), |b| {
            b.iter(|| step(model, &mut *adam, data, &mut k))
        });
    }
    nn_core::blas::set_threads(1);
    let (x, t) = (
        data.x_test.slice(s![..256, ..]),
        data.t_test.slice(s![..256, ..]),
    );
    let starts: Vec<usize> = t.column(0).to_vec();
    group.bench_function("generate_256/1-threads", |b| {
        b.iter(|| model.generate(x, &starts, t.ncols() - 1).unwrap())
    });
    group.finish();
}

fn peeky(c: &mut Criterion) {
    let (data, mut rng) = data(SequenceSet::Addition);
    let mut model = PeekySeq2seq::<f32>::new(data.vocab.len(), 16, 128, &mut rng).unwrap();
    bench_model(c, "peeky_seq2seq", &mut model, &data);
}

fn attention(c: &mut Criterion) {
    let (data, mut rng) = data(SequenceSet::Date);
    let mut model = AttentionSeq2seq::<f32>::new(data.vocab.len(), 16, 256, &mut rng).unwrap();
    bench_model(c, "attention_seq2seq", &mut model, &data);
    // ch08's shapes: 29 encoder and 10 decoder steps of 256, batch 128.
    let mut rng = NumpyRandom::new(0);
    let enc = Array3::from_shape_simple_fn((BATCH, 29, 256), || rng.random_sample() as f32 - 0.5);
    let dec = Array3::from_shape_simple_fn((BATCH, 10, 256), || rng.random_sample() as f32 - 0.5);
    let dout = dec.clone();
    let mut layer = TimeAttention::new();
    c.bench_function("time_attention/forward_backward/1-threads", |b| {
        b.iter(|| {
            layer.forward(enc.view(), dec.view()).unwrap();
            layer.backward(dout.view()).unwrap().0.len_of(Axis(0))
        })
    });
}

criterion_group!(benches, peeky, attention);
nn_benches::bench_main!(benches);
