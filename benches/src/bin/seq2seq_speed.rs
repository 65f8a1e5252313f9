//! Chapters 7–8's training iteration and evaluation, timed as the
//! comparison times its peers: the median training iteration (forward,
//! backward, clipping, Adam) over batches of 128 after a warm-up, one
//! evaluation of the whole test set (greedy answers, batched), and the time
//! the same iteration's matrix products take alone (the share of the
//! iteration spent in gemm).
//!
//! `seq2seq_speed [--attention] [--iters N] [--threads T] [--blas-threads]`
//! prints one JSON line: `ch07/train_seq2seq.py`'s reversed PeekySeq2seq on
//! addition (16/128), or with `--attention` `ch08/train.py`'s
//! AttentionSeq2seq on dates (16/256). `--blas-threads` leaves OpenBLAS on
//! `T` threads too.

use nn_benches::timed;
use std::time::Instant;

use ndarray::{Array2, Axis, s};
use nn_models::seq2seq::{AttentionSeq2seq, PeekySeq2seq, Seq2seqModel, eval_seq2seq};
use nn_optim::{OptimizerKind, clip_grads};
use nn_text::sequence::SequenceSet;
use nn_train::NumpyRandom;

/// The shapes of one iteration: batch `n`, question and decoder steps,
/// word-vector and hidden sizes, vocabulary, the decoder LSTM's input width
/// per step and the affine layer's; whether the decoder attends or peeks.
struct Shapes {
    n: usize,
    tq: usize,
    ta: usize,
    d: usize,
    h: usize,
    v: usize,
    dec_in: usize,
    affine_in: usize,
    attention: bool,
    peeky: bool,
}

/// The products of one training iteration, through the layers' own route
/// (`parallel::gemm`), timed alone.
fn gemm_seconds(s: &Shapes, iters: usize) -> f64 {
    let m = |r, c| Array2::<f32>::from_elem((r, c), 0.01);
    let gemm =
        |a: ndarray::ArrayView2<'_, f32>, b: ndarray::ArrayView2<'_, f32>, c: &mut Array2<f32>| {
            nn_core::parallel::gemm(1.0, &a, &b, 0.0, &mut c.view_mut());
        };
    let (n, h) = (s.n, s.h);
    let lstm = |t: usize, d: usize| {
        let (x, wx, wh, hs) = (m(n * t, d), m(d, 4 * h), m(h, 4 * h), m(n, h));
        let (mut a, mut a_step, mut dh, mut dwx, mut dwh, mut dx) = (
            m(n * t, 4 * h),
            m(n, 4 * h),
            m(n, h),
            m(d, 4 * h),
            m(h, 4 * h),
            m(n * t, d),
        );
        let hprev = m(n * t, h);
        move || {
            gemm(x.view(), wx.view(), &mut a);
            for _ in 0..t {
                gemm(hs.view(), wh.view(), &mut a_step);
                gemm(a_step.view(), wh.t(), &mut dh);
            }
            gemm(hprev.t(), a.view(), &mut dwh);
            gemm(x.t(), a.view(), &mut dwx);
            gemm(a.view(), wx.t(), &mut dx);
        }
    };
    let mut encoder = lstm(s.tq, s.d);
    let mut decoder = lstm(s.ta, s.dec_in);
    // PeekyDecoder: the encoder's h enters the LSTM's gates once per
    // sequence (forward, dWx's rows for it, its gradient).
    let (peeked, wxh) = (m(n, h), m(h, 4 * h));
    let (mut peeked_gates, mut dwxh, mut dpeeked) = (m(n, 4 * h), m(h, 4 * h), m(n, h));
    let (xa, wa, sa) = (
        m(n * s.ta, s.affine_in),
        m(s.affine_in, s.v),
        m(n * s.ta, s.v),
    );
    let (mut out, mut dw, mut dx) = (
        m(n * s.ta, s.v),
        m(s.affine_in, s.v),
        m(n * s.ta, s.affine_in),
    );
    let (he, hd, at) = (m(s.tq, h), m(s.ta, h), m(s.ta, s.tq));
    let (mut sc, mut c, mut dhe, mut dhd) = (m(s.ta, s.tq), m(s.ta, h), m(s.tq, h), m(s.ta, h));
    timed(iters, || {
        encoder();
        decoder();
        if s.peeky {
            gemm(peeked.view(), wxh.view(), &mut peeked_gates);
            gemm(peeked.t(), peeked_gates.view(), &mut dwxh);
            gemm(peeked_gates.view(), wxh.t(), &mut dpeeked);
        }
        gemm(xa.view(), wa.view(), &mut out);
        gemm(xa.t(), sa.view(), &mut dw);
        gemm(sa.view(), wa.t(), &mut dx);
        if s.attention {
            for _ in 0..n {
                gemm(hd.view(), he.t(), &mut sc);
                gemm(at.view(), he.view(), &mut c);
                gemm(c.view(), he.t(), &mut sc);
                gemm(at.t(), c.view(), &mut dhe);
                gemm(at.t(), hd.view(), &mut dhe);
                gemm(at.view(), he.view(), &mut dhd);
            }
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
    let attention = args.iter().any(|a| a == "--attention");
    let iters: usize = flag("--iters").and_then(|s| s.parse().ok()).unwrap_or(30);
    let threads: usize = flag("--threads").and_then(|s| s.parse().ok()).unwrap_or(1);
    nn_core::blas::set_threads(threads);
    if !args.iter().any(|a| a == "--blas-threads") {
        // As the commands do: OpenBLAS on one thread, large products split.
        nn_core::blas::set_openblas_threads(1);
    }
    let set = if attention {
        SequenceSet::Date
    } else {
        SequenceSet::Addition
    };
    let mut rng = NumpyRandom::new(1984);
    let mut data = set.load_with(&mut rng)?;
    // Both scripts as measured feed the questions reversed.
    data.x_train.invert_axis(Axis(1));
    data.x_test.invert_axis(Axis(1));
    let (x, t) = (
        data.x_train.as_standard_layout().into_owned(),
        data.t_train.clone(),
    );
    let v = data.vocab.len();
    let (d, h, n) = (16, if attention { 256 } else { 128 }, 128);
    let mut adam = OptimizerKind::Adam.build::<f32>(None)?;
    let mut batch = 0;
    let mut run = |model: &mut dyn Seq2seqModel<f32>| -> nn_core::Result<(f64, f64)> {
        let step = timed(iters, || {
            let rows = s![batch * n..(batch + 1) * n, ..];
            batch = (batch + 1) % (x.nrows() / n);
            let flat: Vec<usize> = t.slice(rows).iter().copied().collect();
            model.forward(x.slice(rows), &flat).unwrap();
            model.backward().unwrap();
            clip_grads(&mut *model, 5.0).unwrap();
            let _ = adam.update(&mut *model).unwrap();
        });
        let start = Instant::now();
        eval_seq2seq(
            model,
            data.x_test.view(),
            data.t_test.view(),
            &data.vocab,
            true,
            0,
        )?;
        Ok((step, start.elapsed().as_secs_f64()))
    };
    let (tq, ta) = (x.ncols(), t.ncols() - 1);
    let (step, eval, shapes, name) = if attention {
        let mut model = AttentionSeq2seq::<f32>::new(v, d, h, &mut rng)?;
        let (step, eval) = run(&mut model)?;
        let shapes = Shapes {
            n,
            tq,
            ta,
            d,
            h,
            v,
            dec_in: d,
            affine_in: 2 * h,
            attention: true,
            peeky: false,
        };
        (step, eval, shapes, "AttentionSeq2seq")
    } else {
        let mut model = PeekySeq2seq::<f32>::new(v, d, h, &mut rng)?;
        let (step, eval) = run(&mut model)?;
        let shapes = Shapes {
            n,
            tq,
            ta,
            d,
            h,
            v,
            dec_in: d,
            affine_in: 2 * h,
            attention: false,
            peeky: true,
        };
        (step, eval, shapes, "PeekySeq2seq")
    };
    let gemm = gemm_seconds(&shapes, iters.min(10));
    let per_epoch = (x.nrows() / n) as f64;
    println!(
        "{{\"peer\": \"ours\", \"model\": \"{name}\", \"threads\": {threads}, \"ms_per_iter_median\": {:.3}, \
         \"train_s_per_epoch\": {:.2}, \"eval_s\": {:.3}, \"gemm_ms\": {:.3}, \"gemm_share\": {:.3}}}",
        step * 1e3,
        step * per_epoch,
        eval,
        gemm * 1e3,
        gemm / step
    );
    Ok(())
}
