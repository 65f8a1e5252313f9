//! A training step split by rows of the batch between threads is the
//! 1-thread step to float32 rounding, and the same bit for bit each time at
//! the same thread count, for chapters 6–8's models: the recurrent layers
//! run blocks of rows on the worker threads, the large products split by
//! columns, and the gradients are summed in one fixed order.
//!
//! The thread count is global to the process, so this binary holds one
//! test, which sets it.

use ndarray::{Array2, ArrayD};
use nn_core::{Float, Parameters, SharedRng, parallel};
use nn_models::rnnlm::{BetterRnnlm, LanguageModel, Rnnlm};
use nn_models::seq2seq::{AttentionSeq2seq, PeekySeq2seq, Seq2seq};
use nn_train::{Model, NumpyRandom};

/// The loss and every gradient of one step.
type Step = (f32, Vec<ArrayD<f32>>);

fn grads<F: Float>(model: &mut impl Parameters<F>) -> Vec<ArrayD<F>> {
    let mut out = Vec::new();
    model
        .visit_params(&mut |p| {
            out.push(p.grad.to_owned());
            Ok(())
        })
        .unwrap();
    out
}

/// Runs `step` on a fresh model at 1 thread and twice at 2 threads (fresh
/// each time), and checks the three.
fn check(what: &str, mut step: impl FnMut() -> Step) {
    parallel::set_threads(1);
    let (loss1, grads1) = step();
    parallel::set_threads(2);
    let (loss2, grads2) = step();
    let (again, grads_again) = step();
    parallel::set_threads(1);
    assert_eq!(
        loss2.to_bits(),
        again.to_bits(),
        "{what}: the loss at 2 threads is repeatable"
    );
    assert_eq!(
        grads2, grads_again,
        "{what}: gradients at 2 threads are repeatable"
    );
    assert!(
        (loss1 - loss2).abs() <= 1e-5 * loss1.abs(),
        "{what}: loss {loss1} at 1 thread, {loss2} at 2"
    );
    assert_eq!(grads1.len(), grads2.len());
    for (k, (a, b)) in grads1.iter().zip(&grads2).enumerate() {
        let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
        let worst = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(
            worst <= 1e-5 * scale + 1e-7,
            "{what}: gradient {k} differs by {worst} (largest entry {scale})"
        );
    }
}

/// Ids `(rows, cols)` below `v`, a fixed pattern.
fn ids(rows: usize, cols: usize, v: usize, salt: usize) -> Array2<usize> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (i * 7 + j * 13 + salt * 5 + i * j) % v
    })
}

#[test]
fn a_step_split_by_rows_equals_the_one_thread_step_and_repeats_bit_for_bit() {
    // Large enough that every recurrent layer splits its rows
    // (`parallel::row_blocks`): N·T·H·4H ≥ 2²⁰.
    let (v, d, h, n) = (40, 16, 64, 32);
    parallel::set_threads(2);
    assert_eq!(
        parallel::row_blocks(n, n * 4 * h * 4 * h),
        2,
        "the decoders split"
    );
    parallel::set_threads(1);
    assert_eq!(parallel::row_blocks(n, n * 4 * h * 4 * h), 1);

    let xs = ids(n, 10, v, 0);
    let ts = ids(n, 10, v, 1).mapv(|i| i as isize);
    check("Rnnlm", || {
        let mut model = Rnnlm::<f32>::new(v, d, h, &mut NumpyRandom::new(1)).unwrap();
        let loss = model.forward(xs.view(), ts.view()).unwrap();
        model.backward().unwrap();
        (loss, grads(&mut model))
    });
    check("BetterRnnlm (dropout on)", || {
        let rng = SharedRng::new(NumpyRandom::new(2));
        let mut model =
            BetterRnnlm::<f32>::new(v, h, h, 0.5, &mut *rng.lock(), rng.clone()).unwrap();
        let loss = model.forward(xs.view(), ts.view()).unwrap();
        model.backward().unwrap();
        (loss, grads(&mut model))
    });

    let questions = ids(n, 7, v, 2);
    let answers: Vec<usize> = ids(n, 5, v, 3).iter().copied().collect();
    check("Seq2seq", || {
        let mut model = Seq2seq::<f32>::new(v, d, h, &mut NumpyRandom::new(3)).unwrap();
        let loss = Model::forward(&mut model, questions.view(), &answers).unwrap();
        Model::backward(&mut model).unwrap();
        (loss, grads(&mut model))
    });
    check("PeekySeq2seq", || {
        let mut model = PeekySeq2seq::<f32>::new(v, d, h, &mut NumpyRandom::new(4)).unwrap();
        let loss = Model::forward(&mut model, questions.view(), &answers).unwrap();
        Model::backward(&mut model).unwrap();
        (loss, grads(&mut model))
    });
    check("AttentionSeq2seq", || {
        let mut model = AttentionSeq2seq::<f32>::new(v, d, h, &mut NumpyRandom::new(5)).unwrap();
        let loss = Model::forward(&mut model, questions.view(), &answers).unwrap();
        Model::backward(&mut model).unwrap();
        (loss, grads(&mut model))
    });

    // Hidden sizes from 192 split each step's units instead of the rows
    // (chapter 6's BetterRnnlm at 650, chapter 8's attention model at 256).
    let (h, n) = (256, 8);
    let (xs, ts) = (ids(n, 6, v, 4), ids(n, 6, v, 5).mapv(|i| i as isize));
    check("BetterRnnlm (units split)", || {
        let rng = SharedRng::new(NumpyRandom::new(6));
        let mut model =
            BetterRnnlm::<f32>::new(v, h, h, 0.5, &mut *rng.lock(), rng.clone()).unwrap();
        let loss = model.forward(xs.view(), ts.view()).unwrap();
        model.backward().unwrap();
        (loss, grads(&mut model))
    });
    let questions = ids(n, 7, v, 6);
    let answers: Vec<usize> = ids(n, 5, v, 7).iter().copied().collect();
    check("AttentionSeq2seq (units split)", || {
        let mut model = AttentionSeq2seq::<f32>::new(v, d, h, &mut NumpyRandom::new(7)).unwrap();
        let loss = Model::forward(&mut model, questions.view(), &answers).unwrap();
        Model::backward(&mut model).unwrap();
        (loss, grads(&mut model))
    });
}
