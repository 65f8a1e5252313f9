//! One recurrent step's product `(N, H)·(H, 4H)` split between threads by
//! the batch's rows or by the columns, at 1 and 2 threads, on the shapes of
//! chapters 6–8 (BetterRnnlm 20 × 650, PeekySeq2seq 128 × 128,
//! AttentionSeq2seq 128 × 256): the measurement behind `TimeLstm`'s choice
//! between the two (`nn-core/src/time/lstm_steps.rs`).
//!
//! `cargo run --release -p nn-benches --example step_split`

use ndarray::Array2;
use nn_core::parallel;
use std::time::Instant;
fn main() {
    nn_core::blas::ensure_fitting_kernels();
    nn_core::blas::set_openblas_threads(1);
    for (n, h) in [(20usize, 650usize), (128, 128), (128, 256)] {
        let wh = Array2::<f32>::from_elem((h, 4 * h), 0.01);
        let x = Array2::<f32>::from_elem((n, h), 0.02);
        let mut c = Array2::<f32>::zeros((n, 4 * h));
        let reps = 2000 / (n * h / 1000).max(1) + 20;
        for threads in [1, 2] {
            parallel::set_threads(threads);
            // rows split
            let t0 = Instant::now();
            for _ in 0..reps {
                let per = n.div_ceil(parallel::threads());
                parallel::for_each_block(
                    c.axis_chunks_iter_mut(ndarray::Axis(0), per)
                        .zip(x.axis_chunks_iter(ndarray::Axis(0), per)),
                    |(mut c, x)| {
                        ndarray::linalg::general_mat_mul(1.0, &x, &wh, 0.0, &mut c);
                        Ok(())
                    },
                )
                .unwrap();
            }
            let rows = t0.elapsed().as_secs_f64() / reps as f64 * 1e6;
            // columns split
            let t0 = Instant::now();
            for _ in 0..reps {
                let per = (4 * h).div_ceil(parallel::threads());
                parallel::for_each_block(
                    c.axis_chunks_iter_mut(ndarray::Axis(1), per).enumerate(),
                    |(i, mut c)| {
                        let w = wh.slice(ndarray::s![.., i * per..i * per + c.ncols()]);
                        ndarray::linalg::general_mat_mul(1.0, &x, &w, 0.0, &mut c);
                        Ok(())
                    },
                )
                .unwrap();
            }
            let cols = t0.elapsed().as_secs_f64() / reps as f64 * 1e6;
            let gf = 2.0 * (n * h * 4 * h) as f64 / 1e3;
            println!(
                "N={n} H={h} threads={threads}: rows {rows:.1} us ({:.0} GFLOP/s), cols {cols:.1} us ({:.0} GFLOP/s)",
                gf / rows,
                gf / cols
            );
        }
    }
}
