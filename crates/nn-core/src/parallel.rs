//! Element-wise work over the rows of a large matrix, split between threads.
//!
//! The matrix products run on BLAS's threads; what lies between them (the
//! softmax of chapter 6's 700 × 10,000 scores and its gradient) would run on
//! one core and cap the speed-up of a second thread. [`set_threads`] (which
//! [`blas::set_threads`](crate::blas::set_threads) calls) sets how many
//! threads that work may use, and how many blocks [`gemm`] splits a large
//! product of the layers into.
//!
//! Chapter 6's commands run OpenBLAS on one thread
//! ([`blas::set_openblas_threads`](crate::blas::set_openblas_threads)) and
//! split with these threads: OpenBLAS's idle workers otherwise spin for about
//! 0.1 s after each product, on the core the work between products needs,
//! and its threading of the recurrent step's small products costs more than
//! it gains.

use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};

use crate::{Float, Result};

static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Below this many elements one thread does the work: starting a thread
/// costs tens of microseconds.
const MIN_ELEMENTS: usize = 1 << 18;

/// Sets the threads element-wise work over large matrices may use (at
/// least 1; the default is 1).
pub fn set_threads(threads: usize) {
    THREADS.store(threads.max(1), Ordering::Relaxed);
}

/// The threads element-wise work over large matrices may use.
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}

/// Products of at least this many multiply-adds are split between threads.
const MIN_SPLIT_PRODUCT: usize = 1 << 24;

/// `c = alpha·a·b + beta·c`, like `general_mat_mul`; a large product (chapter
/// 6's output layer: 700 × 100 × 10,000; BetterRnnlm's recurrent step: 20 ×
/// 650 × 2,600) with more than one thread is split into one block of `c` per
/// thread (by columns when `c` is wider than tall, else by rows), each a
/// single-threaded BLAS product on its own core. OpenBLAS's own threading of
/// these shapes gained 1.4× from a second core on the 2-core machine this
/// was measured on; independent halves gain 1.6× (`docs/benchmarks.md`).
pub fn gemm<F: Float>(
    alpha: F,
    a: &ArrayView2<'_, F>,
    b: &ArrayView2<'_, F>,
    beta: F,
    c: &mut ArrayViewMut2<'_, F>,
) {
    let (m, k) = a.dim();
    let n = b.ncols();
    let threads = threads();
    if threads == 1 || m * n * k < MIN_SPLIT_PRODUCT {
        general_mat_mul(alpha, a, b, beta, c);
        return;
    }
    let by_columns = n >= m;
    let len = if by_columns { n } else { m };
    let per = len.div_ceil(threads);
    // Each block on one BLAS thread (OpenBLAS's pool would otherwise take
    // the other cores too, or serialise the blocks).
    let blas_threads = crate::blas::openblas_threads();
    if blas_threads > 1 {
        crate::blas::set_openblas_threads(1);
    }
    std::thread::scope(|scope| {
        let mut rest = c.view_mut();
        let mut start = 0;
        while start < len {
            let size = per.min(len - start);
            let axis = if by_columns { Axis(1) } else { Axis(0) };
            let (mut block, tail) = rest.split_at(axis, size);
            rest = tail;
            let range = start..start + size;
            start += size;
            let (a, b) = if by_columns {
                (a.view(), b.slice(ndarray::s![.., range]))
            } else {
                (a.slice(ndarray::s![range, ..]), b.view())
            };
            if start < len {
                scope.spawn(move || general_mat_mul(alpha, &a, &b, beta, &mut block));
            } else {
                general_mat_mul(alpha, &a, &b, beta, &mut block);
            }
        }
    });
    if blas_threads > 1 {
        crate::blas::set_openblas_threads(blas_threads);
    }
}

/// Runs `work(first_row, block)` over consecutive blocks of `rows`' rows,
/// one block per thread when the matrix is large enough, else once over all
/// of it. The first error (in row order) is returned.
pub(crate) fn for_row_blocks<A: Send>(
    rows: ArrayViewMut2<'_, A>,
    work: impl Fn(usize, ArrayViewMut2<'_, A>) -> Result<()> + Sync,
) -> Result<()> {
    let n = rows.nrows();
    let threads = threads().min(n).max(1);
    if threads == 1 || rows.len() < MIN_ELEMENTS {
        return work(0, rows);
    }
    let per = n.div_ceil(threads);
    let mut blocks = Vec::with_capacity(threads);
    let mut rest = rows;
    let mut first = 0;
    while rest.nrows() > per {
        let (block, tail) = rest.split_at(Axis(0), per);
        blocks.push((first, block));
        first += per;
        rest = tail;
    }
    let (last_first, last) = (first, rest);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = blocks
            .into_iter()
            .map(|(first, block)| scope.spawn(move || work(first, block)))
            .collect();
        // This thread takes the last block itself.
        let mine = work(last_first, last);
        let mut results: Vec<Result<()>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        results.push(mine);
        results.into_iter().collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// One test, so that the thread count it sets is not raced by another.
    #[test]
    fn rows_and_products_split_between_threads() {
        set_threads(2);
        every_row_is_visited_once_with_its_index();
        split_products_equal_one_product();
        set_threads(1);
    }

    fn split_products_equal_one_product() {
        let a = Array2::from_shape_fn((300, 800), |(i, j)| ((i * 7 + j * 3) % 17) as f64 - 8.0);
        for (b, rows) in [
            (
                Array2::from_shape_fn((800, 400), |(i, j)| ((i + 2 * j) % 5) as f64),
                300,
            ),
            (
                Array2::from_shape_fn((800, 280), |(i, j)| ((i + j) % 7) as f64 * 0.5),
                300,
            ),
        ] {
            let mut split = Array2::<f64>::ones((rows, b.ncols()));
            let mut one = split.clone();
            gemm(2.0, &a.view(), &b.view(), 0.5, &mut split.view_mut());
            general_mat_mul(2.0, &a, &b, 0.5, &mut one);
            assert_eq!(split, one);
        }
        // By rows: c taller than wide.
        let b = Array2::from_shape_fn((800, 100), |(i, j)| ((i * j) % 3) as f64);
        let a = Array2::from_shape_fn((900, 800), |(i, j)| ((i + j) % 11) as f64);
        let mut split = Array2::<f64>::zeros((900, 100));
        let mut one = split.clone();
        gemm(1.0, &a.view(), &b.view(), 0.0, &mut split.view_mut());
        general_mat_mul(1.0, &a, &b, 0.0, &mut one);
        assert_eq!(split, one);
    }

    fn every_row_is_visited_once_with_its_index() {
        let mut a = Array2::<f64>::zeros((1000, 600));
        for_row_blocks(a.view_mut(), |first, mut block| {
            for (i, mut row) in block.rows_mut().into_iter().enumerate() {
                row.fill((first + i) as f64);
            }
            Ok(())
        })
        .unwrap();
        for (i, row) in a.rows().into_iter().enumerate() {
            assert!(row.iter().all(|&v| v == i as f64));
        }
        let e = for_row_blocks(a.view_mut(), |first, _| {
            if first > 0 {
                Err(crate::Error::invalid("test", format!("block at {first}")))
            } else {
                Ok(())
            }
        });
        assert!(e.unwrap_err().to_string().contains("block at 500"));
    }
}
