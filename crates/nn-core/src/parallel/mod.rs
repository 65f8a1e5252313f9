//! Work split between threads: blocks of a batch's rows, blocks of a large
//! product, blocks of a large matrix's rows.
//!
//! [`set_threads`] (which [`blas::set_threads`](crate::blas::set_threads)
//! calls) sets how many threads the layers may use. They use them at the
//! grain that scales:
//!
//! * **Rows of the batch through the recurrence.** Each row of a batch runs
//!   through `TimeLSTM`'s steps independently of the others, so the layer
//!   splits the batch into consecutive blocks of rows ([`row_blocks`]), and
//!   each block runs every step on its own thread with single-threaded BLAS:
//!   one split per layer call instead of one per step's small product.
//! * **Columns (or rows) of a large product** ([`gemm`]): the products over
//!   all `N·T` rows at once (`xs·Wx`, `dWx = xsᵀ·da`, the output layer), each
//!   block of `c` one single-threaded BLAS product.
//! * **Rows of a large matrix** for element-wise work (the softmax of chapter
//!   6's 700 × 10,000 scores and its gradient).
//!
//! The blocks run on a pool of worker threads started once, so a
//! split costs a wake-up, not a thread start, and allocates nothing. A block
//! computes the same numbers whichever thread runs it, and the split depends
//! only on the thread count: a run at `T` threads repeats bit for bit at `T`
//! threads, and agrees with the 1-thread run to rounding (the gradients of
//! weights are sums over rows, whose order a column split keeps and a row
//! split does not touch).
//!
//! Chapter 6–8's commands run OpenBLAS on one thread
//! ([`blas::set_openblas_threads`](crate::blas::set_openblas_threads)) and
//! split with these threads: OpenBLAS's idle workers otherwise spin for about
//! 0.1 s after each product, on the core the work between products needs,
//! and its threading of the recurrent step's small products costs more than
//! it gains. While blocks run, OpenBLAS is held at one thread.

mod pool;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};

use crate::{Error, Float, Result};

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

/// Products of at least this many multiply-adds are split between threads
/// (about 40 µs of work here; a split costs a few µs).
const MIN_SPLIT_PRODUCT: usize = 1 << 21;

/// `c = alpha·a·b + beta·c`, like `general_mat_mul`; a large product (chapter
/// 6's output layer: 700 × 100 × 10,000; chapter 7's `dWx = xsᵀ·da`: 144 ×
/// 640 × 512) with more than one thread is split into one block of `c` per
/// thread (by columns when `c` is wider than tall, else by rows), each a
/// single-threaded BLAS product on its own core. OpenBLAS's own threading of
/// these shapes gained 1.4× from a second core on the 2-core machine this
/// was measured on; independent halves gain 1.6× (`book/src/benchmarks.md`).
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
    let axis = if by_columns { Axis(1) } else { Axis(0) };
    let per = c.len_of(axis).div_ceil(threads);
    let blocks = c.axis_chunks_iter_mut(axis, per).enumerate();
    let done = for_each_block(blocks, |(i, mut block)| {
        let range = i * per..i * per + block.len_of(axis);
        let (a, b) = if by_columns {
            (a.view(), b.slice(ndarray::s![.., range]))
        } else {
            (a.slice(ndarray::s![range, ..]), b.view())
        };
        general_mat_mul(alpha, &a, &b, beta, &mut block);
        Ok(())
    });
    debug_assert!(done.is_ok(), "a product's blocks don't fail");
}

/// The blocks a batch of `rows` rows is split into for work of
/// `multiply_adds` in all: one per thread (at most one per row) when the
/// work is large enough to gain from it, else 1. The blocks are
/// consecutive rows, `rows.div_ceil(blocks)` each (the last may be
/// smaller), so a run at a given thread count always splits the same way.
pub fn row_blocks(rows: usize, multiply_adds: usize) -> usize {
    if multiply_adds < MIN_BLOCK_WORK {
        1
    } else {
        threads().min(rows).max(1)
    }
}

/// Below this many multiply-adds a split costs more than it gains: waking
/// a worker and waiting for it takes a few microseconds.
const MIN_BLOCK_WORK: usize = 1 << 20;

/// Runs `work` on every item of `blocks` (disjoint views of the caller's
/// arrays, typically), spread over the worker pool, each item's work on
/// one thread, and returns when all are done: the first error in the
/// items' order, if any. Which thread runs which item does not matter for
/// the result, since each item's work is the same wherever it runs. Nothing
/// is allocated once the pool's threads have started.
///
/// ```
/// use ndarray::{Array2, Axis};
/// use nn_core::parallel;
///
/// parallel::set_threads(2);
/// let mut a = Array2::<f64>::zeros((6, 3));
/// let per = 6usize.div_ceil(parallel::row_blocks(6, usize::MAX));
/// // Each block of rows on its own thread, told its index.
/// parallel::for_each_block(a.axis_chunks_iter_mut(Axis(0), per).enumerate(), |(i, mut rows)| {
///     rows.fill(i as f64);
///     Ok(())
/// })?;
/// assert_eq!(a.column(0).to_vec(), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
/// # parallel::set_threads(1);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn for_each_block<T: Send>(
    blocks: impl ExactSizeIterator<Item = T> + Send,
    work: impl Fn(T) -> Result<()> + Sync,
) -> Result<()> {
    let count = blocks.len();
    let threads = threads().min(count);
    if threads <= 1 {
        let mut blocks = blocks;
        return blocks.try_for_each(work);
    }
    let next = Mutex::new(blocks.enumerate());
    let first_error: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    let blas_threads = crate::blas::openblas_threads();
    if blas_threads > 1 {
        // Each block on one BLAS thread (OpenBLAS's pool would otherwise
        // take the other cores too, or serialise the blocks).
        crate::blas::set_openblas_threads(1);
    }
    pool::broadcast(threads, &|_| {
        loop {
            let item = next.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((i, item)) = item else { break };
            if let Err(e) = work(item) {
                let mut first = first_error.lock().unwrap_or_else(PoisonError::into_inner);
                if first.as_ref().is_none_or(|(j, _)| i < *j) {
                    *first = Some((i, e));
                }
            }
        }
    });
    if blas_threads > 1 {
        crate::blas::set_openblas_threads(blas_threads);
    }
    match first_error
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Runs `work(first_row, block)` over consecutive blocks of `rows`' rows,
/// one block per thread when the matrix is large enough, else once over all
/// of it. The first error (in row order) is returned.
pub(crate) fn for_row_blocks<A: Send>(
    mut rows: ArrayViewMut2<'_, A>,
    work: impl Fn(usize, ArrayViewMut2<'_, A>) -> Result<()> + Sync,
) -> Result<()> {
    let n = rows.nrows();
    let threads = threads().min(n).max(1);
    if threads == 1 || rows.len() < MIN_ELEMENTS {
        return work(0, rows);
    }
    let per = n.div_ceil(threads);
    for_each_block(
        rows.axis_chunks_iter_mut(Axis(0), per).enumerate(),
        |(i, block)| work(i * per, block),
    )
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
