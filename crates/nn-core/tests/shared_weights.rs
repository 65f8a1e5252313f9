//! Shared weights, gradient-checked in f64: the gradient of a weight used by
//! several layers (as is and transposed) is the sum over its uses, as the
//! book's `remove_duplicate` makes it.

use ndarray::{Array1, Array2, array};
use nn_core::{
    Differentiable, Embedding, EmbeddingDot, GradCheck, Layer, MatMul, Orientation, Param,
    Parameters, Result, Shared, SigmoidWithLoss,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

fn randn(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    Array2::from_shape_simple_fn((rows, cols), || StandardNormal.sample(&mut rng))
}

/// SimpleCBOW's input side and chapter 6's tie in one: `h = (x0·W + x1·W)/2`,
/// `out = h·Wᵀ`, `f = Σ out ⊙ r`; `W` is used three times, once transposed.
struct Tied {
    w: Shared<f64>,
    in0: MatMul<f64>,
    in1: MatMul<f64>,
    out: MatMul<f64>,
    x0: Array2<f64>,
    x1: Array2<f64>,
    r: Array2<f64>,
}

impl Parameters<f64> for Tied {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.w.visit(f)
    }
}

impl Tied {
    fn forward(&mut self) -> Result<f64> {
        let h0 = self.in0.forward(self.x0.view())?.to_owned();
        let h1 = self.in1.forward(self.x1.view())?;
        let h = (&h0 + &h1) * 0.5;
        let out = self.out.forward(h.view())?;
        Ok((&out * &self.r).sum())
    }
}

impl Differentiable for Tied {
    fn value(&mut self) -> Result<f64> {
        self.forward()
    }

    fn gradients(&mut self) -> Result<()> {
        self.forward()?;
        let dh = self.out.backward(self.r.view())?.to_owned() * 0.5;
        self.in1.backward(dh.view())?;
        self.in0.backward(dh.view())?;
        Ok(())
    }
}

#[test]
fn a_weight_used_as_is_and_transposed_gets_the_sum_of_its_gradients() {
    let w = Shared::new("W", randn(5, 3, 1)).unwrap();
    let mut tied = Tied {
        in0: MatMul::shared(&w, Orientation::AsIs),
        in1: MatMul::shared(&w, Orientation::AsIs),
        out: MatMul::shared(&w, Orientation::Transposed),
        w,
        x0: randn(4, 5, 2),
        x1: randn(4, 5, 3),
        r: randn(4, 5, 4),
    };
    let report = GradCheck::default().differentiable(&mut tied).unwrap();
    assert!(report.max_error < 1e-7, "{report}");
    assert_eq!(report.checked, 15, "one weight, listed once");
    // The layers list nothing; the model lists W once.
    assert_eq!(tied.in0.num_params() + tied.out.num_params(), 0);
    assert_eq!(tied.num_params(), 1);
}

/// Chapter 4's CBOW with negative sampling, by hand: `h` = the mean of two
/// context rows of `W_in`, scored against one positive and two negative rows
/// of `W_out`.
struct Cbow {
    w_in: Shared<f64>,
    w_out: Shared<f64>,
    embeds: [Embedding<f64>; 2],
    dots: [EmbeddingDot<f64>; 3],
    losses: [SigmoidWithLoss<f64>; 3],
    contexts: [[usize; 2]; 3],
    words: [[usize; 3]; 3],
}

impl Parameters<f64> for Cbow {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.w_in.visit(f)?;
        self.w_out.visit(f)
    }
}

impl Cbow {
    fn forward(&mut self) -> Result<f64> {
        let c0: Array1<usize> = self.contexts.iter().map(|c| c[0]).collect();
        let c1: Array1<usize> = self.contexts.iter().map(|c| c[1]).collect();
        let h = (&self.embeds[0].forward(&c0)?.to_owned() + &self.embeds[1].forward(&c1)?) * 0.5;
        let mut loss = 0.0;
        for k in 0..3 {
            let ids: Array1<usize> = self.words.iter().map(|w| w[k]).collect();
            let score = self.dots[k].forward(h.view(), &ids)?.to_owned();
            loss += self.losses[k].forward_all(score.view(), usize::from(k == 0))?;
        }
        Ok(loss)
    }
}

impl Differentiable for Cbow {
    fn value(&mut self) -> Result<f64> {
        self.forward()
    }

    fn gradients(&mut self) -> Result<()> {
        self.forward()?;
        let mut dh = Array2::zeros((3, 4));
        for k in 0..3 {
            let ds = self.losses[k].backward(1.0)?.to_owned();
            dh += &self.dots[k].backward(ds.view())?;
        }
        dh *= 0.5;
        for e in &mut self.embeds {
            e.backward(dh.view())?;
        }
        Ok(())
    }
}

#[test]
fn embeddings_on_shared_weights_pass_a_gradient_check() {
    let (w_in, w_out) = (
        Shared::new("W_in", randn(6, 4, 5)).unwrap(),
        Shared::new("W_out", randn(6, 4, 6)).unwrap(),
    );
    let mut model = Cbow {
        embeds: [Embedding::shared(&w_in), Embedding::shared(&w_in)],
        dots: [
            EmbeddingDot::shared(&w_out),
            EmbeddingDot::shared(&w_out),
            EmbeddingDot::shared(&w_out),
        ],
        losses: std::array::from_fn(|_| SigmoidWithLoss::with_delta(0.0).unwrap()),
        w_in,
        w_out,
        // Repeated ids in one batch and across the two context positions.
        contexts: [[0, 2], [2, 2], [5, 1]],
        words: [[1, 3, 4], [1, 0, 5], [3, 3, 2]],
    };
    let report = GradCheck::default().differentiable(&mut model).unwrap();
    assert!(report.max_error < 1e-7, "{report}");
    assert_eq!(report.checked, 48);
    let grad = model.w_in.grad().to_owned();
    assert_eq!(
        grad.row(3),
        array![0.0, 0.0, 0.0, 0.0],
        "unused rows stay zero"
    );
    assert_eq!(grad.row(4), array![0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn owned_layers_list_their_weight_and_clone_deeply() {
    let mut e = Embedding::from_weights(randn(3, 2, 7)).unwrap();
    assert_eq!(e.num_params(), 1);
    let copy = e.clone();
    assert!(!copy.weight().same(e.weight()));
    let mut m = MatMul::from_weights(randn(3, 2, 8)).unwrap();
    let shared_use = MatMul::shared(m.weight(), Orientation::AsIs);
    assert!(shared_use.weight().same(m.weight()));
    assert_eq!(m.num_params(), 1);
    let cloned_use = shared_use.clone();
    assert!(
        cloned_use.weight().same(m.weight()),
        "a use clones as a use"
    );
}

#[test]
fn a_sequential_model_lists_a_registered_shared_weight_once() {
    use nn_core::{Sequential, SoftmaxWithLoss};
    let w = Shared::new("W", randn(4, 3, 9)).unwrap();
    let mut net = Sequential::new(SoftmaxWithLoss::with_delta(0.0).unwrap())
        .share(&w)
        .share(&w)
        .with(MatMul::shared(&w, Orientation::AsIs))
        .with(MatMul::shared(&w, Orientation::Transposed));
    assert_eq!(net.num_params(), 1);
    let x = randn(5, 4, 10);
    let report = GradCheck::default()
        .model(&mut net, x.view(), &[0, 3, 1, 2, 2])
        .unwrap();
    assert!(report.max_error < 1e-6, "{report}");
}
