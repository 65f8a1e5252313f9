//! `Csr`: a sparse matrix in compressed sparse rows, for co-occurrence counts
//! and PPMI, which are almost all zeros (PTB's PPMI: 834,067 non-zeros of
//! 10⁸), with the two products the randomized SVD needs.

use ndarray::{Array2, ArrayView2};
use nn_core::{Error, Float, Result};

/// A sparse `rows × cols` matrix: row `i`'s non-zeros are
/// `values[indptr[i]..indptr[i + 1]]` in the columns `indices[..]` (ascending).
#[derive(Debug, Clone, PartialEq)]
pub struct Csr<T> {
    rows: usize,
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<T>,
}

impl<T: Copy> Csr<T> {
    /// A matrix from its parts.
    ///
    /// # Errors
    /// Parts that don't describe a `rows × cols` matrix: `indptr` not of
    /// length `rows + 1`, not ascending or not ending at `values.len()`,
    /// column indices out of range or not ascending within a row.
    pub fn from_parts(
        rows: usize,
        cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<T>,
    ) -> Result<Self> {
        const OP: &str = "Csr.from_parts";
        if indptr.len() != rows + 1 || indptr[0] != 0 || indptr[rows] != values.len() {
            return Err(Error::shape(
                OP,
                format!(
                    "indptr must have {} entries from 0 to {} (the number of values), got {} entries",
                    rows + 1,
                    values.len(),
                    indptr.len()
                ),
            ));
        }
        if indices.len() != values.len() || u32::try_from(cols).is_err() {
            return Err(Error::shape(
                OP,
                format!(
                    "{} indices for {} values (and at most 2^32 columns, got {cols})",
                    indices.len(),
                    values.len()
                ),
            ));
        }
        for i in 0..rows {
            let (a, b) = (indptr[i], indptr[i + 1]);
            if a > b {
                return Err(Error::invalid(OP, format!("indptr decreases at row {i}")));
            }
            let row = &indices[a..b];
            if row.iter().any(|&j| j as usize >= cols) || row.windows(2).any(|w| w[0] >= w[1]) {
                return Err(Error::invalid(
                    OP,
                    format!("row {i}: column indices must ascend and be below {cols}"),
                ));
            }
        }
        Ok(Self {
            rows,
            cols,
            indptr,
            indices,
            values,
        })
    }

    /// The non-zero entries of a dense matrix (exact zeros left out).
    ///
    /// # Errors
    /// More than 2³² columns.
    pub fn from_dense(dense: &ArrayView2<'_, T>) -> Result<Self>
    where
        T: num_traits::Zero + PartialEq,
    {
        let (rows, cols) = dense.dim();
        let (mut indptr, mut indices, mut values) =
            (Vec::with_capacity(rows + 1), Vec::new(), Vec::new());
        indptr.push(0);
        for row in dense.rows() {
            for (j, &v) in row.iter().enumerate() {
                if v != T::zero() {
                    indices.push(u32::try_from(j).unwrap_or(u32::MAX));
                    values.push(v);
                }
            }
            indptr.push(values.len());
        }
        Self::from_parts(rows, cols, indptr, indices, values)
    }

    /// `(rows, cols)`.
    pub fn dim(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Row `i`'s column indices and values.
    pub fn row(&self, i: usize) -> (&[u32], &[T]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// Every stored entry as `(row, col, value)`, row by row.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, T)> + '_ {
        (0..self.rows).flat_map(move |i| {
            let (cols, vals) = self.row(i);
            cols.iter()
                .zip(vals)
                .map(move |(&j, &v)| (i, j as usize, v))
        })
    }

    /// The matrix as a dense array, zeros filled in.
    pub fn to_dense(&self, zero: T) -> Array2<T> {
        let mut dense = Array2::from_elem((self.rows, self.cols), zero);
        for (i, j, v) in self.iter() {
            dense[[i, j]] = v;
        }
        dense
    }
}

impl<F: Float> Csr<F> {
    /// `out = self · b`, `b` of shape `(cols, k)`, `out` of shape `(rows, k)`
    /// (resized if needed). Each stored entry adds a scaled row of `b`: one
    /// pass over the matrix, vectorised along `k` (AVX2 and FMA where the
    /// CPU has them).
    ///
    /// # Errors
    /// `b` with a row count other than `cols`.
    pub fn dot(&self, b: &ArrayView2<'_, F>, out: &mut Array2<F>) -> Result<()> {
        self.dot_threads(b, out, 1)
    }

    /// As [`dot`](Self::dot), on `threads` threads, each taking a band of
    /// rows with about the same number of non-zeros; the result is the same
    /// bit for bit whatever the count.
    ///
    /// # Errors
    /// As [`dot`](Self::dot).
    pub fn dot_threads(
        &self,
        b: &ArrayView2<'_, F>,
        out: &mut Array2<F>,
        threads: usize,
    ) -> Result<()> {
        self.check_product("Csr.dot", b, self.cols)?;
        let k = b.ncols();
        let b = b.as_standard_layout();
        resize(out, self.rows, k);
        let b = b.as_slice().unwrap_or_default();
        let o = out.as_slice_mut().unwrap_or_default();
        let threads = threads.clamp(1, self.rows.max(1));
        if k == 0 {
            return Ok(());
        }
        if threads == 1 {
            self.dot_rows(0, b, o, k);
            return Ok(());
        }
        // Band boundaries at equal shares of the non-zeros.
        let nnz = self.nnz().max(1);
        let mut bounds: Vec<usize> = (1..threads)
            .map(|t| {
                self.indptr
                    .partition_point(|&p| p < nnz * t / threads)
                    .min(self.rows)
            })
            .collect();
        bounds.push(self.rows);
        std::thread::scope(|scope| {
            let (mut rest, mut start) = (o, 0);
            for &end in &bounds {
                let end = end.max(start);
                let (band, tail) = rest.split_at_mut((end - start) * k);
                rest = tail;
                if end == self.rows {
                    self.dot_rows(start, b, band, k);
                } else {
                    scope.spawn(move || self.dot_rows(start, b, band, k));
                }
                start = end;
            }
        });
        Ok(())
    }

    /// Whether the matrix equals its transpose (PPMI of co-occurrence counts
    /// with a symmetric window does), so that `selfᵀ·b` is `self·b`.
    pub fn is_symmetric(&self) -> bool
    where
        F: PartialEq,
    {
        self.rows == self.cols
            && (0..self.rows).all(|i| {
                let (cols, vals) = self.row(i);
                cols.iter().zip(vals).all(|(&j, v)| {
                    let (tc, tv) = self.row(j as usize);
                    tc.binary_search(&(i as u32)).is_ok_and(|at| tv[at] == *v)
                })
            })
    }

    /// Rows `first..first + o.len() / k` of the product into `o`.
    fn dot_rows(&self, first: usize, b: &[F], o: &mut [F], k: usize) {
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA.
            unsafe { self.dot_avx2_fma(first, b, o, k) };
            return;
        }
        self.dot_kernel::<false>(first, b, o, k);
    }

    /// `out = selfᵀ · b`, `b` of shape `(rows, k)`, `out` of shape `(cols, k)`,
    /// without forming the transpose: each stored entry scatters a scaled row.
    ///
    /// # Errors
    /// `b` with a row count other than `rows`.
    pub fn t_dot(&self, b: &ArrayView2<'_, F>, out: &mut Array2<F>) -> Result<()> {
        self.check_product("Csr.t_dot", b, self.rows)?;
        let k = b.ncols();
        let b = b.as_standard_layout();
        resize(out, self.cols, k);
        out.fill(F::zero());
        let (b, o) = (
            b.as_slice().unwrap_or_default(),
            out.as_slice_mut().unwrap_or_default(),
        );
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA.
            unsafe { self.t_dot_avx2_fma(b, o, k) };
            return Ok(());
        }
        self.t_dot_kernel::<false>(b, o, k);
        Ok(())
    }

    // The kernels compiled for AVX2 and FMA (8 lanes, fused multiply-adds):
    // the generic kernels are inlined into them, so they are compiled with
    // those features.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn dot_avx2_fma(&self, first: usize, b: &[F], o: &mut [F], k: usize) {
        self.dot_kernel::<true>(first, b, o, k);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn t_dot_avx2_fma(&self, b: &[F], o: &mut [F], k: usize) {
        self.t_dot_kernel::<true>(b, o, k);
    }

    #[inline(always)]
    fn dot_kernel<const FMA: bool>(&self, first: usize, b: &[F], o: &mut [F], k: usize) {
        for (r, dst) in o.chunks_exact_mut(k).enumerate() {
            dst.fill(F::zero());
            let (cols, vals) = self.row(first + r);
            for (&j, &v) in cols.iter().zip(vals) {
                axpy::<F, FMA>(dst, v, &b[j as usize * k..(j as usize + 1) * k]);
            }
        }
    }

    #[inline(always)]
    fn t_dot_kernel<const FMA: bool>(&self, b: &[F], o: &mut [F], k: usize) {
        for i in 0..self.rows {
            let src = &b[i * k..(i + 1) * k];
            let (cols, vals) = self.row(i);
            for (&j, &v) in cols.iter().zip(vals) {
                axpy::<F, FMA>(&mut o[j as usize * k..(j as usize + 1) * k], v, src);
            }
        }
    }

    fn check_product(&self, op: &'static str, b: &ArrayView2<'_, F>, rows: usize) -> Result<()> {
        if b.nrows() != rows {
            return Err(Error::shape(
                op,
                format!(
                    "the matrix is {:?} but the dense operand has {} rows (shape {:?})",
                    self.dim(),
                    b.nrows(),
                    b.shape()
                ),
            ));
        }
        Ok(())
    }
}

/// `dst += v · src`, the inner loop of both products; fused multiply-adds
/// when `FMA` (inside a function compiled for them).
#[inline(always)]
fn axpy<F: Float, const FMA: bool>(dst: &mut [F], v: F, src: &[F]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = if FMA { v.mul_add(s, *d) } else { *d + v * s };
    }
}

#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

fn resize<F: Float>(out: &mut Array2<F>, rows: usize, cols: usize) {
    if out.dim() != (rows, cols) || !out.is_standard_layout() {
        *out = Array2::zeros((rows, cols));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn example() -> Csr<f64> {
        // [[1, 0, 2], [0, 0, 0], [0, 3, 0], [4, 0, 5]]
        Csr::from_parts(
            4,
            3,
            vec![0, 2, 2, 3, 5],
            vec![0, 2, 1, 0, 2],
            vec![1.0, 2.0, 3.0, 4.0, 5.0],
        )
        .unwrap()
    }

    #[test]
    fn products_equal_the_dense_ones() {
        let a = example();
        let dense = a.to_dense(0.0);
        assert_eq!(Csr::from_dense(&dense.view()).unwrap(), a);
        let b = array![[1.0, -1.0], [0.5, 2.0], [3.0, 0.25]];
        let mut out = Array2::zeros((0, 0));
        a.dot(&b.view(), &mut out).unwrap();
        assert_eq!(out, dense.dot(&b));
        let c = array![[1.0], [2.0], [3.0], [4.0]];
        a.t_dot(&c.view(), &mut out).unwrap();
        assert_eq!(out, dense.t().dot(&c));
        // A transposed (non-standard) operand works too.
        let bt = b.t().to_owned();
        a.dot(&bt.t(), &mut out).unwrap();
        assert_eq!(out, dense.dot(&b));
    }

    #[test]
    fn threads_give_the_same_bits_and_symmetry_is_seen() {
        let n = 50;
        let (mut indptr, mut indices, mut values) = (vec![0], Vec::new(), Vec::new());
        for i in 0..n {
            for j in 0..n {
                if (i * j + i + j) % 7 == 0 {
                    indices.push(j as u32);
                    values.push(((i + 1) * (j + 1)) as f64 / 13.0);
                }
            }
            indptr.push(values.len());
        }
        let a = Csr::from_parts(n, n, indptr, indices, values).unwrap();
        assert!(a.is_symmetric());
        // No columns: an empty product, not a panic.
        let mut empty = Array2::zeros((0, 0));
        a.dot_threads(&Array2::<f64>::zeros((n, 0)).view(), &mut empty, 2)
            .unwrap();
        assert_eq!(empty.dim(), (n, 0));
        assert!(!example().is_symmetric());
        let b = Array2::from_shape_fn((n, 9), |(i, j)| (i as f64 - j as f64 * 0.37).sin());
        let (mut one, mut many, mut t) = (
            Array2::zeros((0, 0)),
            Array2::zeros((0, 0)),
            Array2::zeros((0, 0)),
        );
        a.dot(&b.view(), &mut one).unwrap();
        for threads in [2, 3, 7, 64] {
            a.dot_threads(&b.view(), &mut many, threads).unwrap();
            assert_eq!(many, one, "{threads} threads");
        }
        a.t_dot(&b.view(), &mut t).unwrap();
        for (x, y) in t.iter().zip(&one) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_parts_and_shapes_are_errors() {
        assert_eq!(
            Csr::from_parts(2, 2, vec![0, 1], vec![0], vec![1.0])
                .unwrap_err()
                .to_string(),
            "Csr.from_parts: indptr must have 3 entries from 0 to 1 (the number of values), got 2 entries"
        );
        assert_eq!(
            Csr::from_parts(1, 2, vec![0, 2], vec![1, 0], vec![1.0, 2.0])
                .unwrap_err()
                .to_string(),
            "Csr.from_parts: row 0: column indices must ascend and be below 2"
        );
        let mut out = Array2::zeros((0, 0));
        assert_eq!(
            example()
                .dot(&Array2::<f64>::zeros((4, 2)).view(), &mut out)
                .unwrap_err()
                .to_string(),
            "Csr.dot: the matrix is (4, 3) but the dense operand has 4 rows (shape [4, 2])"
        );
    }
}
