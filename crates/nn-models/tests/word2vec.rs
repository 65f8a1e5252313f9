//! Chapters 3 and 4 against the book's own code (`tests/reference/word2vec.py`):
//! every layer and model in f64 to 1e-12 on the same weights and negative
//! samples; in f32, the book's models built from numpy's seed 1984 have the
//! book's weights bit for bit, and one step (forward, backward, Adam) lands
//! on the book's numbers to float32 precision.

#[path = "reference/word2vec_data.rs"]
#[rustfmt::skip]
mod data;

use data::*;
use ndarray::{Array1, Array2, ArrayView2, Ix2};
use nn_core::{Embedding, EmbeddingDot, Float, SigmoidWithLoss};
use nn_models::word2vec::{Cbow, SimpleCbow, SimpleSkipGram, SkipGram};
use nn_optim::{Adam, Optimizer};
use nn_train::{Model, NumpyRandom};

fn a2<F: Float>(r: (&[usize], &[f64])) -> Array2<F> {
    Array2::from_shape_vec(
        (r.0[0], r.0[1]),
        r.1.iter().map(|&v| F::from_f64(v)).collect(),
    )
    .unwrap()
}

fn a1(r: (&[usize], &[f64])) -> Array1<f64> {
    Array1::from(r.1.to_vec())
}

fn ids2(r: (&[usize], &[usize])) -> Array2<usize> {
    Array2::from_shape_vec((r.0[0], r.0[1]), r.1.to_vec()).unwrap()
}

fn close<F: Float>(
    what: &str,
    ours: impl IntoIterator<Item = F>,
    theirs: (&[usize], &[f64]),
    tol: f64,
) {
    let ours: Vec<f64> = ours.into_iter().map(Float::as_f64).collect();
    assert_eq!(ours.len(), theirs.1.len(), "{what}: length");
    for (i, (a, b)) in ours.iter().zip(theirs.1).enumerate() {
        let scale = b.abs().max(1.0);
        assert!(
            (a - b).abs() <= tol * scale,
            "{what}[{i}]: {a} vs the book's {b}"
        );
    }
}

#[test]
fn embedding_embedding_dot_and_sigmoid_with_loss() {
    let idx = IDX.1.to_vec();
    let mut e = Embedding::from_weights(a2::<f64>(W)).unwrap();
    close(
        "Embedding out",
        e.forward(&idx).unwrap().iter().copied(),
        EMBED_OUT,
        1e-12,
    );
    e.backward(a2::<f64>(EMBED_DOUT).view()).unwrap();
    close("Embedding dW", e.dw().iter().copied(), EMBED_DW, 1e-12);

    let mut d = EmbeddingDot::from_weights(a2::<f64>(W)).unwrap();
    let h = a2::<f64>(H);
    close(
        "EmbeddingDot out",
        d.forward(h.view(), &idx).unwrap().iter().copied(),
        DOT_OUT,
        1e-12,
    );
    let dh = d.backward(a1(DOT_DOUT).view()).unwrap().to_owned();
    close("EmbeddingDot dh", dh, DOT_DH, 1e-12);
    close("EmbeddingDot dW", d.dw().iter().copied(), DOT_DW, 1e-12);

    let mut s = SigmoidWithLoss::<f64>::new();
    let loss = s.forward(a1(SIG_X).view(), SIG_T.1).unwrap();
    close("SigmoidWithLoss loss", [loss], SIG_LOSS, 1e-12);
    close(
        "SigmoidWithLoss dx",
        s.backward(0.7).unwrap().iter().copied(),
        SIG_DX,
        1e-12,
    );
}

#[test]
fn cbow_and_skip_gram_equal_the_books_in_f64() {
    let (contexts, target, negative) = (ids2(CONTEXTS), TARGET.1.to_vec(), ids2(NEGATIVE));
    let mut cbow =
        Cbow::<f64>::from_weights(a2(CBOW_W_IN), a2(CBOW_W_OUT), 2, CORPUS.1, 0.75, 5, 0).unwrap();
    let loss = cbow
        .forward_with_samples(contexts.view(), &target, negative.view())
        .unwrap();
    close("CBOW loss", [loss], CBOW_LOSS, 1e-12);
    cbow.backward().unwrap();
    let grads = gradients(&mut cbow);
    close("CBOW dW_in", grads[0].iter().copied(), CBOW_DW_IN, 1e-12);
    close("CBOW dW_out", grads[1].iter().copied(), CBOW_DW_OUT, 1e-12);

    let negs = [
        SKIP_NEGATIVE_0,
        SKIP_NEGATIVE_1,
        SKIP_NEGATIVE_2,
        SKIP_NEGATIVE_3,
    ]
    .map(ids2);
    let views: Vec<ArrayView2<'_, usize>> = negs.iter().map(|n| n.view()).collect();
    let mut sg =
        SkipGram::<f64>::from_weights(a2(CBOW_W_IN), a2(CBOW_W_OUT), 2, CORPUS.1, 0.75, 5, 0)
            .unwrap();
    let loss = sg
        .forward_with_samples(contexts.view(), &target, &views)
        .unwrap();
    close("SkipGram loss", [loss], SKIP_LOSS, 1e-12);
    sg.backward().unwrap();
    let grads = gradients(&mut sg);
    close(
        "SkipGram dW_in",
        grads[0].iter().copied(),
        SKIP_DW_IN,
        1e-12,
    );
    close(
        "SkipGram dW_out",
        grads[1].iter().copied(),
        SKIP_DW_OUT,
        1e-12,
    );
}

#[test]
fn simple_cbow_and_simple_skip_gram_equal_the_books_in_f64() {
    let corpus = [0, 1, 2, 3, 4, 1, 5, 6];
    let (contexts, target) = nn_text::create_contexts_target(&corpus, 1).unwrap();
    let mut m = SimpleCbow::<f64>::from_weights(a2(SIMPLE_W_IN), a2(SIMPLE_W_OUT)).unwrap();
    close(
        "SimpleCBOW loss",
        [m.forward(contexts.view(), &target).unwrap()],
        SIMPLE_CBOW_LOSS,
        1e-12,
    );
    m.backward().unwrap();
    let grads = gradients(&mut m);
    close(
        "SimpleCBOW dW_in",
        grads[0].iter().copied(),
        SIMPLE_CBOW_DW_IN,
        1e-12,
    );
    close(
        "SimpleCBOW dW_out",
        grads[1].iter().copied(),
        SIMPLE_CBOW_DW_OUT,
        1e-12,
    );

    let mut m = SimpleSkipGram::<f64>::from_weights(a2(SIMPLE_W_IN), a2(SIMPLE_W_OUT)).unwrap();
    close(
        "SimpleSkipGram loss",
        [m.forward(contexts.view(), &target).unwrap()],
        SIMPLE_SKIP_LOSS,
        1e-12,
    );
    m.backward().unwrap();
    let grads = gradients(&mut m);
    close(
        "SimpleSkipGram dW_in",
        grads[0].iter().copied(),
        SIMPLE_SKIP_DW_IN,
        1e-12,
    );
    close(
        "SimpleSkipGram dW_out",
        grads[1].iter().copied(),
        SIMPLE_SKIP_DW_OUT,
        1e-12,
    );
}

fn gradients<F: Float>(m: &mut impl nn_core::Parameters<F>) -> Vec<Array2<F>> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.push(p.grad.to_owned().into_dimensionality::<Ix2>().unwrap());
        Ok(())
    })
    .unwrap();
    out
}

fn values<F: Float>(m: &mut impl nn_core::Parameters<F>) -> Vec<Array2<F>> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.push(p.value.to_owned().into_dimensionality::<Ix2>().unwrap());
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn the_books_first_steps_in_f32() {
    // SimpleCBOW as ch03/train.py builds it after np.random.seed(1984).
    let corpus = [0, 1, 2, 3, 4, 1, 5, 6];
    let (contexts, target) = nn_text::create_contexts_target(&corpus, 1).unwrap();
    let mut m = SimpleCbow::<f32>::new(7, 5, &mut NumpyRandom::new(1984)).unwrap();
    assert_eq!(
        m.word_vecs().as_slice().unwrap(),
        a2::<f32>(BOOK_SIMPLE_W_IN_F32).as_slice().unwrap(),
        "the book's float32 weights, bit for bit"
    );
    let loss = m
        .forward(contexts.slice(ndarray::s![..3, ..]), &target[..3])
        .unwrap();
    close("SimpleCBOW loss", [loss], BOOK_SIMPLE_LOSS_F32, 1e-6);
    m.backward().unwrap();
    assert_eq!(
        Adam::<f32>::default().update(&mut m).unwrap(),
        nn_optim::Update::Applied
    );
    let p = values(&mut m);
    close(
        "SimpleCBOW W_in after Adam",
        p[0].iter().copied(),
        BOOK_SIMPLE_W_IN_STEP_F32,
        1e-7,
    );
    close(
        "SimpleCBOW W_out after Adam",
        p[1].iter().copied(),
        BOOK_SIMPLE_W_OUT_STEP_F32,
        1e-7,
    );

    // CBOW as ch04/train.py builds it.
    let (contexts, target, negative) = (ids2(CONTEXTS), TARGET.1.to_vec(), ids2(NEGATIVE));
    let mut cbow = Cbow::<f32>::new(7, 4, 2, CORPUS.1, &mut NumpyRandom::new(1984), 0).unwrap();
    assert_eq!(
        cbow.word_vecs().as_slice().unwrap(),
        a2::<f32>(BOOK_CBOW_W_IN_F32).as_slice().unwrap()
    );
    let loss = cbow
        .forward_with_samples(contexts.view(), &target, negative.view())
        .unwrap();
    close("CBOW loss", [loss], BOOK_CBOW_LOSS_F32, 1e-6);
    cbow.backward().unwrap();
    assert_eq!(
        Adam::<f32>::default().update(&mut cbow).unwrap(),
        nn_optim::Update::Applied
    );
    let p = values(&mut cbow);
    close(
        "CBOW W_in after Adam",
        p[0].iter().copied(),
        BOOK_CBOW_W_IN_STEP_F32,
        1e-7,
    );
    close(
        "CBOW W_out after Adam",
        p[1].iter().copied(),
        BOOK_CBOW_W_OUT_STEP_F32,
        1e-7,
    );
}

/// The models themselves, gradient-checked in f64 with fixed negative
/// samples: every entry of `W_in` and `W_out`. (The book's `1e-7` inside the
/// loss's logarithm shifts its derivative by a relative `1e-7 / y`, hence the
/// bound.)
#[test]
fn cbow_and_skip_gram_pass_a_gradient_check() {
    use nn_core::{Differentiable, GradCheck, Param, Parameters};

    struct Fixed<M> {
        model: M,
        run: fn(&mut M) -> nn_core::Result<f64>,
    }
    impl<M: Parameters<f64>> Parameters<f64> for Fixed<M> {
        fn visit_params(
            &mut self,
            f: &mut dyn FnMut(Param<'_, f64>) -> nn_core::Result<()>,
        ) -> nn_core::Result<()> {
            self.model.visit_params(f)
        }
    }
    impl<M: Model<f64, Input = usize, Label = usize>> Differentiable for Fixed<M> {
        fn value(&mut self) -> nn_core::Result<f64> {
            (self.run)(&mut self.model)
        }
        fn gradients(&mut self) -> nn_core::Result<()> {
            (self.run)(&mut self.model)?;
            self.model.backward()
        }
    }

    let cbow =
        Cbow::<f64>::from_weights(a2(CBOW_W_IN), a2(CBOW_W_OUT), 2, CORPUS.1, 0.75, 5, 0).unwrap();
    let mut fixed = Fixed {
        model: cbow,
        run: |m| m.forward_with_samples(ids2(CONTEXTS).view(), TARGET.1, ids2(NEGATIVE).view()),
    };
    let report = GradCheck::default().differentiable(&mut fixed).unwrap();
    assert!(report.max_error < 1e-5, "CBOW: {report}");
    assert_eq!(report.checked, 2 * 7 * 4);

    let sg = SkipGram::<f64>::from_weights(a2(CBOW_W_IN), a2(CBOW_W_OUT), 2, CORPUS.1, 0.75, 5, 0)
        .unwrap();
    let mut fixed = Fixed {
        model: sg,
        run: |m| {
            let negs = [
                SKIP_NEGATIVE_0,
                SKIP_NEGATIVE_1,
                SKIP_NEGATIVE_2,
                SKIP_NEGATIVE_3,
            ]
            .map(ids2);
            let views: Vec<ArrayView2<'_, usize>> = negs.iter().map(|n| n.view()).collect();
            m.forward_with_samples(ids2(CONTEXTS).view(), TARGET.1, &views)
        },
    };
    let report = GradCheck::default().differentiable(&mut fixed).unwrap();
    assert!(report.max_error < 1e-5, "SkipGram: {report}");

    let corpus = [0, 1, 2, 3, 4, 1, 5, 6];
    let (contexts, target) = nn_text::create_contexts_target(&corpus, 1).unwrap();
    struct Simple(SimpleCbow<f64>, Array2<usize>, Vec<usize>);
    impl Parameters<f64> for Simple {
        fn visit_params(
            &mut self,
            f: &mut dyn FnMut(Param<'_, f64>) -> nn_core::Result<()>,
        ) -> nn_core::Result<()> {
            self.0.visit_params(f)
        }
    }
    impl Differentiable for Simple {
        fn value(&mut self) -> nn_core::Result<f64> {
            self.0.forward(self.1.view(), &self.2)
        }
        fn gradients(&mut self) -> nn_core::Result<()> {
            self.0.forward(self.1.view(), &self.2)?;
            self.0.backward()
        }
    }
    let simple = SimpleCbow::<f64>::from_weights(a2(SIMPLE_W_IN), a2(SIMPLE_W_OUT)).unwrap();
    let report = GradCheck::default()
        .differentiable(&mut Simple(simple, contexts, target))
        .unwrap();
    assert!(report.max_error < 1e-5, "SimpleCBOW: {report}");
}

/// `eval.py` on float16 vectors: the book's `most_similar` and `analogy`
/// compute in float16, and ours print the same text.
#[test]
fn float16_evaluation_prints_the_books_text() {
    use half::f16;
    let m = a2::<f64>(F16_WORDS).mapv(f16::from_f64);
    let vocab = nn_text::Vocabulary::from_words((0..40).map(|i| format!("w{i}"))).unwrap();
    let mut printed = String::new();
    for q in ["w0", "w7", "w33"] {
        printed += &nn_text::most_similar_f16(q, &vocab, &m.view(), 5)
            .unwrap()
            .to_string();
    }
    for words in [["w1", "w2", "w3"], ["w10", "w20", "w30"]] {
        printed += &nn_text::analogy_f16(words, &vocab, &m.view(), 5)
            .unwrap()
            .to_string();
    }
    assert_eq!(printed, F16_PRINTED);
}
