//! Chapter 6's training iteration, timed as the comparison times its peers:
//! the median over iterations after a warm-up, on PTB's training corpus
//! (`DLFS2_DATA`), and the time the same iteration's matrix products take
//! alone (so the share of the iteration spent in gemm).
//!
//! `rnnlm_speed [--better] [--iters N] [--threads T] [--blas-threads]` prints
//! one JSON line; `--blas-threads` leaves OpenBLAS on `T` threads too (what a
//! library user gets from `blas::set_threads` alone).

use nn_benches::timed;

use ndarray::Array2;
use nn_models::rnnlm::{LanguageModel, Rnnlm};
use nn_optim::{OptimizerKind, clip_grads};
use nn_text::ptb::{self, Source, Split};
use nn_train::NumpyRandom;

/// The products of one iteration of an LSTM language model with `layers`
/// LSTMs of size `h` (input size `h` too), vocabulary `v`, batch `n × t`:
/// the output layer's three, and per LSTM the input projection, the `t`
/// recurrent products each way and the three weight/input gradients.
fn gemm_seconds(v: usize, h: usize, layers: usize, n: usize, t: usize, iters: usize) -> f64 {
    let m = |r, c| Array2::<f32>::from_elem((r, c), 0.01);
    let (x, w, scores) = (m(n * t, h), m(h, v), m(n * t, v));
    let (mut out, mut dw, mut dx) = (m(n * t, v), m(h, v), m(n * t, h));
    let (wx, mut a, hs, mut a_step) = (m(h, 4 * h), m(n * t, 4 * h), m(n, h), m(n, 4 * h));
    let (mut dwx, mut dh) = (m(h, 4 * h), m(n, h));
    // The layers' own route: parallel::gemm splits the large ones.
    let gemm = |a: ndarray::ArrayView2<'_, f32>,
                b: ndarray::ArrayView2<'_, f32>,
                beta: f32,
                c: &mut Array2<f32>| {
        nn_core::parallel::gemm(1.0, &a, &b, beta, &mut c.view_mut());
    };
    timed(iters, || {
        gemm(x.view(), w.view(), 1.0, &mut out);
        gemm(x.t(), scores.view(), 0.0, &mut dw);
        gemm(scores.view(), w.t(), 0.0, &mut dx);
        for _ in 0..layers {
            gemm(x.view(), wx.view(), 1.0, &mut a);
            for _ in 0..t {
                gemm(hs.view(), wx.view(), 1.0, &mut a_step);
                gemm(a_step.view(), wx.t(), 0.0, &mut dh);
            }
            gemm(x.t(), a.view(), 0.0, &mut dwx);
            gemm(x.t(), a.view(), 0.0, &mut dwx);
            gemm(a.view(), wx.t(), 0.0, &mut dx);
        }
    })
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
    let better = args.iter().any(|a| a == "--better");
    let iters: usize = flag("--iters").and_then(|s| s.parse().ok()).unwrap_or(30);
    let threads: usize = flag("--threads").and_then(|s| s.parse().ok()).unwrap_or(1);
    nn_core::blas::set_threads(threads);
    if !args.iter().any(|a| a == "--blas-threads") {
        // As the commands do: OpenBLAS on one thread, large products split.
        nn_core::blas::set_openblas_threads(1);
    }
    let corpus = ptb::load_data(Split::Train, &Source::from_args(None))?;
    let v = corpus.vocab.len();
    let (n, t) = (20, 35);
    let (xs, ts) = (&corpus.ids[..corpus.ids.len() - 1], &corpus.ids[1..]);
    let jump = xs.len() / n;
    let mut time_idx = 0;
    let mut batch = move |bx: &mut Array2<usize>, bt: &mut Array2<isize>| {
        for j in 0..t {
            for i in 0..n {
                let at = (i * jump + time_idx) % xs.len();
                bx[[i, j]] = xs[at];
                bt[[i, j]] = ts[at] as isize;
            }
            time_idx += 1;
        }
    };
    let (mut bx, mut bt) = (Array2::zeros((n, t)), Array2::zeros((n, t)));
    let mut sgd = OptimizerKind::Sgd.build::<f32>(Some(20.0))?;
    let mut run = |model: &mut dyn LanguageModel<f32>| {
        timed(iters, || {
            batch(&mut bx, &mut bt);
            model.forward(bx.view(), bt.view()).unwrap();
            model.backward().unwrap();
            clip_grads(&mut *model, 0.25).unwrap();
            let _ = sgd.update(&mut *model).unwrap();
        })
    };
    let (seconds, h, layers) = if better {
        let mut model = nn_benches::book_better::<f32>(v, 650, 650, 0.5, 1984)?;
        (run(&mut model), 650, 2)
    } else {
        let mut model = Rnnlm::<f32>::new(v, 100, 100, &mut NumpyRandom::new(1984))?;
        (run(&mut model), 100, 1)
    };
    let gemm = gemm_seconds(v, h, layers, n, t, iters.min(10));
    println!(
        "{{\"peer\": \"ours\", \"model\": \"{}\", \"threads\": {threads}, \"ms_per_iter_median\": {:.3}, \"gemm_ms\": {:.3}, \"gemm_share\": {:.3}}}",
        if better { "BetterRnnlm" } else { "Rnnlm" },
        seconds * 1e3,
        gemm * 1e3,
        gemm / seconds
    );
    Ok(())
}
