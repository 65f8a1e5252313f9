//! Chapters 7–8's models against the book's code (`reference/seq2seq.py`):
//! in f64, the loss, every gradient, the generated answers and the attention
//! weights to 1e-12, and a gradient check of each model; in f32 as the
//! book's scripts run, the initial weights and the first training batch's
//! loss bit for bit; batched answers equal one-at-a-time answers.

#[path = "reference/seq2seq_data.rs"]
#[rustfmt::skip]
mod data;

use data::*;
use ndarray::{Array2, s};
use nn_core::{Differentiable, GradCheck, Param, Parameters, Result};
use nn_models::seq2seq::{
    AttentionSeq2seq, PeekySeq2seq, Seq2seq, Seq2seqModel, eval_seq2seq, eval_seq2seq_one_at_a_time,
};
use nn_text::sequence::SequenceSet;
use nn_train::{Model, NumpyRandom, Shuffle};
use sha2::{Digest, Sha256};

fn ids((shape, v): ([usize; 2], &[usize])) -> Array2<usize> {
    Array2::from_shape_vec(shape, v.to_vec()).unwrap()
}

fn close(what: &str, ours: &[f64], theirs: (&[usize], &[f64])) {
    assert_eq!(ours.len(), theirs.1.len(), "{what}: length");
    for (i, (a, b)) in ours.iter().zip(theirs.1).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{what}[{i}]: {a} vs the book's {b}"
        );
    }
}

fn grads(m: &mut impl Parameters<f64>) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.push(p.grad.iter().copied().collect());
        Ok(())
    })
    .unwrap();
    out
}

/// The book's small models: weights drawn after `np.random.seed(7)`, ×10.
fn small<M: Parameters<f64>>(build: fn(usize, usize, usize, &mut NumpyRandom) -> Result<M>) -> M {
    let mut model = build(7, 3, 4, &mut NumpyRandom::new(7)).unwrap();
    model
        .visit_params(&mut |mut p: Param<'_, f64>| {
            p.value.mapv_inplace(|v| v * 10.0);
            Ok(())
        })
        .unwrap();
    model
}

fn check_model<M: Seq2seqModel<f64>>(
    label: &str,
    mut model: M,
    loss: (&[usize], &[f64]),
    book_grads: &[(&[usize], &[f64])],
    generated: ([usize; 2], &[usize]),
) -> M {
    let (xs, ts) = (ids(XS), ids(TS));
    let flat: Vec<usize> = ts.iter().copied().collect();
    let ours = Model::forward(&mut model, xs.view(), &flat).unwrap();
    close(&format!("{label} loss"), &[ours], loss);
    model.backward().unwrap();
    let ours = grads(&mut model);
    assert_eq!(ours.len(), book_grads.len(), "{label}: parameter count");
    for (i, (g, b)) in ours.iter().zip(book_grads).enumerate() {
        close(&format!("{label} grad {i}"), g, *b);
    }
    let starts: Vec<usize> = ts.column(0).to_vec();
    let answers = model.generate(xs.view(), &starts, ts.ncols() - 1).unwrap();
    assert_eq!(answers, ids(generated), "{label}: generated answers");
    model
}

#[test]
fn the_three_models_equal_the_books_in_f64() {
    check_model(
        "Seq2seq",
        small(|v, d, h, r| Seq2seq::<f64>::new(v, d, h, r)),
        SEQ2SEQ_LOSS,
        &[
            SEQ2SEQ_GRAD_0,
            SEQ2SEQ_GRAD_1,
            SEQ2SEQ_GRAD_2,
            SEQ2SEQ_GRAD_3,
            SEQ2SEQ_GRAD_4,
            SEQ2SEQ_GRAD_5,
            SEQ2SEQ_GRAD_6,
            SEQ2SEQ_GRAD_7,
            SEQ2SEQ_GRAD_8,
            SEQ2SEQ_GRAD_9,
        ],
        SEQ2SEQ_GENERATED,
    );
    check_model(
        "PeekySeq2seq",
        small(|v, d, h, r| PeekySeq2seq::<f64>::new(v, d, h, r)),
        PEEKY_LOSS,
        &[
            PEEKY_GRAD_0,
            PEEKY_GRAD_1,
            PEEKY_GRAD_2,
            PEEKY_GRAD_3,
            PEEKY_GRAD_4,
            PEEKY_GRAD_5,
            PEEKY_GRAD_6,
            PEEKY_GRAD_7,
            PEEKY_GRAD_8,
            PEEKY_GRAD_9,
        ],
        PEEKY_GENERATED,
    );
    let mut attention = check_model(
        "AttentionSeq2seq",
        small(|v, d, h, r| AttentionSeq2seq::<f64>::new(v, d, h, r)),
        ATTENTION_LOSS,
        &[
            ATTENTION_GRAD_0,
            ATTENTION_GRAD_1,
            ATTENTION_GRAD_2,
            ATTENTION_GRAD_3,
            ATTENTION_GRAD_4,
            ATTENTION_GRAD_5,
            ATTENTION_GRAD_6,
            ATTENTION_GRAD_7,
            ATTENTION_GRAD_8,
            ATTENTION_GRAD_9,
        ],
        ATTENTION_GENERATED,
    );
    attention
        .forward_rows(ids(XS).view(), ids(TS).view())
        .unwrap();
    let weights: Vec<f64> = attention.attention_weights().iter().copied().collect();
    close("attention weights", &weights, ATTENTION_WEIGHTS);
}

/// The loss of a fixed batch, for the gradient check.
struct Fixed<M>(M);

impl<M: Parameters<f64>> Parameters<f64> for Fixed<M> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.0.visit_params(f)
    }
}

impl<M: Seq2seqModel<f64>> Differentiable for Fixed<M> {
    fn value(&mut self) -> Result<f64> {
        let flat: Vec<usize> = ids(TS).iter().copied().collect();
        Model::forward(&mut self.0, ids(XS).view(), &flat)
    }

    fn gradients(&mut self) -> Result<()> {
        self.value()?;
        self.0.backward()
    }
}

#[test]
fn the_three_models_pass_a_gradient_check() {
    let scaled = |m: &mut dyn Parameters<f64>| {
        // Smaller than the reference's ×10, so that no unit saturates.
        m.visit_params(&mut |mut p| {
            p.value.mapv_inplace(|v| v * 0.3);
            Ok(())
        })
        .unwrap();
    };
    let mut a = Fixed(small(|v, d, h, r| Seq2seq::<f64>::new(v, d, h, r)));
    let mut b = Fixed(small(|v, d, h, r| PeekySeq2seq::<f64>::new(v, d, h, r)));
    let mut c = Fixed(small(|v, d, h, r| AttentionSeq2seq::<f64>::new(v, d, h, r)));
    scaled(&mut a);
    scaled(&mut b);
    scaled(&mut c);
    for (name, f) in [
        ("Seq2seq", &mut a as &mut dyn Differentiable),
        ("PeekySeq2seq", &mut b),
        ("AttentionSeq2seq", &mut c),
    ] {
        let report = GradCheck::default().differentiable(f).unwrap();
        assert!(report.max_error < 1e-6, "{name}: {report}");
    }
}

fn digests(model: &mut impl Parameters<f32>) -> Vec<String> {
    let mut out = Vec::new();
    model
        .visit_params(&mut |p| {
            let mut hash = Sha256::new();
            for v in p.value.iter() {
                hash.update(v.to_le_bytes());
            }
            out.push(hash.finalize().iter().map(|b| format!("{b:02x}")).collect());
            Ok(())
        })
        .unwrap();
    out
}

/// As the book's scripts: load the set (seed 1984, shuffle), reverse the
/// questions if asked, build the model from the same generator, then the
/// Trainer's first permutation and batch.
fn book_start<M: Seq2seqModel<f32>>(
    set: SequenceSet,
    reverse: bool,
    hidden: usize,
    build: fn(usize, usize, usize, &mut NumpyRandom) -> Result<M>,
    weights: &[&str],
    first_loss: f32,
) {
    let mut rng = NumpyRandom::new(1984);
    let data = set.load_with(&mut rng).unwrap();
    let mut x = data.x_train.clone();
    if reverse {
        x.invert_axis(ndarray::Axis(1));
    }
    let mut model = build(data.vocab.len(), 16, hidden, &mut rng).unwrap();
    assert_eq!(
        digests(&mut model),
        weights,
        "{}: initial weights",
        model.name()
    );
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    rng.shuffle_indices(&mut order);
    let batch = &order[..128];
    let xb = x.select(ndarray::Axis(0), batch);
    let tb = data.t_train.select(ndarray::Axis(0), batch);
    let flat: Vec<usize> = tb.iter().copied().collect();
    let loss = Model::forward(&mut model, xb.view(), &flat).unwrap();
    assert!(
        loss == first_loss,
        "{}: first loss {loss} vs the book's {first_loss}",
        model.name()
    );
}

#[test]
fn the_books_runs_start_from_the_same_weights_and_loss() {
    book_start(
        SequenceSet::Addition,
        false,
        128,
        |v, d, h, r| Seq2seq::<f32>::new(v, d, h, r),
        BOOK_SEQ2SEQ_WEIGHTS,
        BOOK_SEQ2SEQ_FIRST_LOSS,
    );
    book_start(
        SequenceSet::Addition,
        true,
        128,
        |v, d, h, r| PeekySeq2seq::<f32>::new(v, d, h, r),
        BOOK_PEEKY_WEIGHTS,
        BOOK_PEEKY_FIRST_LOSS,
    );
    book_start(
        SequenceSet::Date,
        true,
        256,
        |v, d, h, r| AttentionSeq2seq::<f32>::new(v, d, h, r),
        BOOK_ATTENTION_WEIGHTS,
        BOOK_ATTENTION_FIRST_LOSS,
    );
}

#[test]
fn batched_answers_equal_one_at_a_time_answers() {
    let data = SequenceSet::Addition.load(1984).unwrap();
    let (x, t) = (
        data.x_test.slice(s![..300, ..]),
        data.t_test.slice(s![..300, ..]),
    );
    let mut rng = NumpyRandom::new(3);
    let mut peeky = PeekySeq2seq::<f32>::new(data.vocab.len(), 16, 32, &mut rng).unwrap();
    let mut attention = AttentionSeq2seq::<f32>::new(data.vocab.len(), 16, 32, &mut rng).unwrap();
    for model in [&mut peeky as &mut dyn Parameters<f32>, &mut attention] {
        // Weights large enough that the answers vary from question to question.
        model
            .visit_params(&mut |mut p| {
                p.value.mapv_inplace(|v| v * 8.0);
                Ok(())
            })
            .unwrap();
    }
    let batched = eval_seq2seq(&mut peeky, x, t, &data.vocab, false, 300).unwrap();
    let single = eval_seq2seq_one_at_a_time(&mut peeky, x, t, &data.vocab, false, 300).unwrap();
    assert_eq!(batched, single);
    let distinct: std::collections::HashSet<_> = batched.samples.iter().map(|s| &s.guess).collect();
    assert!(distinct.len() > 10, "the answers should vary: {distinct:?}");
    let batched = eval_seq2seq(&mut attention, x, t, &data.vocab, true, 300).unwrap();
    let single = eval_seq2seq_one_at_a_time(&mut attention, x, t, &data.vocab, true, 300).unwrap();
    assert_eq!(batched, single);
}

#[test]
fn bad_input_is_refused() {
    let data = SequenceSet::Addition.load(1984).unwrap();
    let v = data.vocab.len();
    let mut model = Seq2seq::<f32>::new(v, 4, 4, &mut NumpyRandom::new(0)).unwrap();
    let mut outside = data.x_test.slice(s![..2, ..]).to_owned();
    outside[[1, 3]] = v;
    let err = model
        .generate(outside.view(), &[0, 0], 3)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("xs[1, 3]") && err.contains(&format!("{v} characters")),
        "{err}"
    );
    let err = model
        .generate(data.x_test.slice(s![..2, ..]), &[0], 3)
        .unwrap_err()
        .to_string();
    assert!(err.contains("one start id per row"), "{err}");
    let short = Array2::<usize>::zeros((2, 1));
    let err = model
        .forward_rows(data.x_test.slice(s![..2, ..]), short.view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("L ≥ 2"), "{err}");
    let err = eval_seq2seq(
        &mut model,
        data.x_test.view(),
        data.t_test.view(),
        &SequenceSet::Date.load(0).unwrap().vocab,
        false,
        0,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("another data set"), "{err}");

    // A decoder used by hand: encoder states without steps, and a backward
    // after a start with other states, are errors, not panics.
    use nn_models::seq2seq::{Decoder, PeekyDecoder, Seq2seqDecoder};
    fn misuse<D: Seq2seqDecoder<f32>>(v: usize) {
        let mut dec = D::new(v, 4, 4, &mut NumpyRandom::new(0)).unwrap();
        let xs = Array2::<usize>::zeros((2, 2));
        let err = dec
            .forward(xs.view(), ndarray::Array3::zeros((2, 0, 4)).view())
            .unwrap_err();
        assert!(err.to_string().contains("no steps"), "{err}");
        dec.forward(xs.view(), ndarray::Array3::zeros((2, 3, 4)).view())
            .unwrap();
        dec.start(ndarray::Array3::zeros((5, 3, 4)).view()).unwrap();
        let dscore = ndarray::Array3::<f32>::ones((2, 2, v));
        let mut denc = ndarray::Array3::zeros((0, 0, 0));
        let err = dec
            .backward(dscore.view(), &mut denc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not fit"), "{err}");
    }
    misuse::<Decoder<f32>>(v);
    misuse::<PeekyDecoder<f32>>(v);
}
