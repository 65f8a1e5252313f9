//! The Transformer's training iteration (beyond chapter 8), timed as the
//! other speed binaries time theirs: the median iteration (forward,
//! backward, clipping, Adam) after a warm-up, and the time the same
//! iteration's matrix products take alone (the share of the iteration
//! spent in gemm).
//!
//! `transformer_speed [--lm] [--iters N] [--threads T]` prints one JSON
//! line: `transformer`'s default `TransformerSeq2seq` on dates (2+2 pre-LN
//! layers, E = 64, 4 heads, d_ff = 256, batch 128), or with `--lm`
//! `transformer-lm`'s `TransformerLm` (2 layers, E = 128, 4 heads, d_ff =
//! 512, V = 10,000, windows of 64, batch 20) on seeded random word ids.
//! Dropout is off, as in the PyTorch peer.

use nn_benches::timed;

use ndarray::{Array2, s};
use nn_core::transformer::TransformerConfig;
use nn_models::rnnlm::LanguageModel;
use nn_models::transformer::{
    TransformerLm, TransformerLmConfig, TransformerSeq2seq, TransformerSeq2seqConfig,
};
use nn_optim::{OptimizerKind, clip_grads};
use nn_text::sequence::SequenceSet;
use nn_train::{Model, NumpyRandom};
use rand::{Rng, SeedableRng};

/// The products of one iteration, replayed through the layers' own routes
/// (`parallel::gemm` for the projections over all rows, one small product
/// per sequence and head for the attention).
struct Products {
    list: Vec<(Array2<f32>, Array2<f32>, Array2<f32>)>,
}

impl Products {
    fn new() -> Self {
        Self { list: Vec::new() }
    }

    /// `c (m, n) = a (m, k) · b (k, n)`, `count` times.
    fn add(&mut self, m: usize, k: usize, n: usize, count: usize) {
        for _ in 0..count {
            let z = |r, c| Array2::<f32>::from_elem((r, c), 0.01);
            self.list.push((z(m, k), z(k, n), z(m, n)));
        }
    }

    /// An affine layer over `rows` rows: forward, `dW = xᵀ·dout`, `dx = dout·Wᵀ`.
    fn affine(&mut self, rows: usize, inputs: usize, outputs: usize) {
        self.add(rows, inputs, outputs, 1);
        self.add(inputs, rows, outputs, 1);
        self.add(rows, outputs, inputs, 1);
    }

    /// Multi-head attention of `tq` queries over `tk` keys for `n` sequences.
    fn attention(&mut self, n: usize, tq: usize, tk: usize, e: usize, heads: usize) {
        let dh = e / heads;
        self.affine(n * tq, e, e); // q_proj
        self.affine(n * tk, e, 2 * e); // kv_proj
        self.affine(n * tq, e, e); // out_proj
        let per = n * heads;
        self.add(tq, dh, tk, per); // scores
        self.add(tq, tk, dh, per); // contexts
        self.add(tk, tq, dh, per); // dV
        self.add(tq, dh, tk, per); // dA
        self.add(tq, tk, dh, per); // dQ
        self.add(tk, tq, dh, per); // dK
    }

    fn run(&mut self) {
        for (a, b, c) in &mut self.list {
            nn_core::parallel::gemm(1.0, &a.view(), &b.view(), 0.0, &mut c.view_mut());
        }
    }
}

fn main() -> nn_core::Result<()> {
    // As the commands: OpenBLAS kernels that fit the CPU, restarting if need be.
    nn_core::blas::ensure_fitting_kernels();
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let lm = args.iter().any(|a| a == "--lm");
    let iters: usize = flag("--iters").and_then(|s| s.parse().ok()).unwrap_or(20);
    let threads: usize = flag("--threads").and_then(|s| s.parse().ok()).unwrap_or(1);
    nn_core::blas::set_threads(threads);
    nn_core::blas::set_openblas_threads(1);
    let mut adam = OptimizerKind::Adam.build::<f32>(None)?;
    let mut products = Products::new();
    let (name, step, per_epoch) = if lm {
        let (v, e, heads, d_ff, layers, t, n) = (10_000, 128, 4, 512, 2, 64, 20);
        let config = TransformerLmConfig {
            vocab_size: v,
            max_len: t,
            layers,
            layer: TransformerConfig {
                d_ff,
                norm_first: true,
                ..TransformerConfig::new(e, heads)
            },
        };
        let mut model = TransformerLm::<f32>::new(config, &mut NumpyRandom::new(1984), None)?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let ids = Array2::from_shape_simple_fn((n, t + 1), || rng.random_range(0..v));
        let ts = ids.slice(s![.., 1..]).mapv(|i| i as isize);
        let step = timed(iters, || {
            model.forward(ids.slice(s![.., ..t]), ts.view()).unwrap();
            model.backward().unwrap();
            clip_grads(&mut model, 0.25).unwrap();
            let _ = adam.update(&mut model).unwrap();
        });
        for _ in 0..layers {
            products.attention(n, t, t, e, heads);
            products.affine(n * t, e, d_ff);
            products.affine(n * t, d_ff, e);
        }
        products.affine(n * t, e, v);
        // PTB's training words per epoch over the words per iteration.
        ("TransformerLm", step, 929_589.0 / (n * t) as f64)
    } else {
        let data = SequenceSet::Date.load_with(&mut NumpyRandom::new(1984))?;
        let (v, e, heads, d_ff, layers, n) = (data.vocab.len(), 64, 4, 256, 2, 128);
        let (tq, ta) = (data.x_train.ncols(), data.t_train.ncols());
        let config = TransformerSeq2seqConfig {
            vocab_size: v,
            max_len: tq.max(ta),
            encoder_layers: layers,
            decoder_layers: layers,
            layer: TransformerConfig {
                d_ff,
                norm_first: true,
                ..TransformerConfig::new(e, heads)
            },
        };
        let mut model = TransformerSeq2seq::<f32>::new(config, &mut NumpyRandom::new(1984), None)?;
        let mut batch = 0;
        let batches = data.x_train.nrows() / n;
        let step = timed(iters, || {
            let rows = s![batch * n..(batch + 1) * n, ..];
            batch = (batch + 1) % batches;
            let flat: Vec<usize> = data.t_train.slice(rows).iter().copied().collect();
            model.forward(data.x_train.slice(rows), &flat).unwrap();
            Model::backward(&mut model).unwrap();
            clip_grads(&mut model, 5.0).unwrap();
            let _ = adam.update(&mut model).unwrap();
        });
        let t = ta - 1;
        for _ in 0..layers {
            products.attention(n, tq, tq, e, heads);
            products.affine(n * tq, e, d_ff);
            products.affine(n * tq, d_ff, e);
            products.attention(n, t, t, e, heads);
            products.attention(n, t, tq, e, heads);
            products.affine(n * t, e, d_ff);
            products.affine(n * t, d_ff, e);
        }
        products.affine(n * t, e, v);
        ("TransformerSeq2seq", step, batches as f64)
    };
    let gemm = timed(iters.min(10), || products.run());
    let flops: f64 = products
        .list
        .iter()
        .map(|(a, b, _)| 2.0 * (a.nrows() * a.ncols() * b.ncols()) as f64)
        .sum();
    println!(
        "{{\"peer\": \"ours\", \"model\": \"{name}\", \"threads\": {threads}, \"ms_per_iter_median\": {:.3}, \
         \"train_s_per_epoch\": {:.2}, \"gemm_ms\": {:.3}, \"gemm_share\": {:.3}, \"gflop_per_iter\": {:.3}}}",
        step * 1e3,
        step * per_epoch,
        gemm * 1e3,
        gemm / step,
        flops / 1e9
    );
    Ok(())
}
