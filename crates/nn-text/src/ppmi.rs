//! Positive pointwise mutual information (the book's `ppmi`):
//! `max(0, log2(C[i,j]·N / (S[j]·S[i]) + eps))`, with `N` the sum of all
//! counts and `S` the column sums.

use ndarray::{Array2, ArrayView2};
use nn_core::{Error, Float, Result};

use crate::Csr;

/// The book's `eps`, which keeps `log2(0)` finite.
pub const PPMI_EPS: f64 = 1e-8;

/// One entry, computed as numpy computes the book's line: the count times
/// `N` and the product of the sums in 64-bit integers, their quotient and
/// the logarithm in `f64`. Python's `max(0, pmi)` turns NaN (an all-zero
/// row and column) into 0.
#[inline]
fn pmi(count: i64, n: i64, s_i: i64, s_j: i64, eps: f64) -> f64 {
    let ratio = count.wrapping_mul(n) as f64 / s_j.wrapping_mul(s_i) as f64;
    let pmi = (ratio + eps).log2();
    if pmi > 0.0 { pmi } else { 0.0 }
}

fn check_eps(op: &'static str, eps: f64) -> Result<()> {
    if eps.is_finite() && eps >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!("eps must be finite and at least 0, got {eps}"),
        ))
    }
}

/// The book's `ppmi(C, eps=1e-8)` on a dense matrix of counts.
///
/// ```
/// use nn_text::{create_co_matrix, ppmi, preprocess, PPMI_EPS};
/// let corpus = preprocess("You say goodbye and I say hello.")?;
/// let c = create_co_matrix(&corpus.ids, corpus.vocab.len(), 1)?;
/// let w = ppmi::<f64>(&c.view(), PPMI_EPS)?;
/// assert!((w[[0, 1]] - 1.807).abs() < 1e-3);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// A matrix that is not square, a negative count, or a bad `eps`.
pub fn ppmi<F: Float>(c: &ArrayView2<'_, i32>, eps: f64) -> Result<Array2<F>> {
    const OP: &str = "ppmi";
    check_eps(OP, eps)?;
    if c.nrows() != c.ncols() {
        return Err(Error::shape(
            OP,
            format!("C must be square, got {:?}", c.shape()),
        ));
    }
    if let Some(v) = c.iter().find(|&&v| v < 0) {
        return Err(Error::invalid(
            OP,
            format!("C holds a negative count ({v})"),
        ));
    }
    let n: i64 = c.iter().map(|&v| i64::from(v)).sum();
    let s: Vec<i64> = c
        .columns()
        .into_iter()
        .map(|col| col.iter().map(|&v| i64::from(v)).sum())
        .collect();
    Ok(Array2::from_shape_fn(c.dim(), |(i, j)| {
        F::from_f64(pmi(i64::from(c[[i, j]]), n, s[i], s[j], eps))
    }))
}

/// PPMI of sparse counts: the same numbers as [`ppmi`] on the dense form,
/// computed only where a count is non-zero (a zero count gives
/// `log2(eps) < 0`, hence 0, so zeros stay zeros) and stored sparse.
/// `on_row(i)` is called after each row, for progress reports.
///
/// # Errors
/// A matrix that is not square, or a bad `eps`.
pub fn ppmi_sparse<F: Float>(
    c: &Csr<u32>,
    eps: f64,
    mut on_row: impl FnMut(usize),
) -> Result<Csr<F>> {
    const OP: &str = "ppmi_sparse";
    check_eps(OP, eps)?;
    let (rows, cols) = c.dim();
    if rows != cols {
        return Err(Error::shape(
            OP,
            format!("C must be square, got {:?}", c.dim()),
        ));
    }
    let mut n = 0i64;
    let mut s = vec![0i64; cols];
    for (_, j, v) in c.iter() {
        n += i64::from(v);
        s[j] += i64::from(v);
    }
    let mut indptr = Vec::with_capacity(rows + 1);
    let mut indices = Vec::with_capacity(c.nnz());
    let mut values = Vec::with_capacity(c.nnz());
    indptr.push(0);
    for i in 0..rows {
        let (js, counts) = c.row(i);
        for (&j, &count) in js.iter().zip(counts) {
            let v = pmi(i64::from(count), n, s[i], s[j as usize], eps);
            if v > 0.0 {
                indices.push(j);
                values.push(F::from_f64(v));
            }
        }
        indptr.push(values.len());
        on_row(i);
    }
    Csr::from_parts(rows, cols, indptr, indices, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{co_occurrence, create_co_matrix};

    #[test]
    fn sparse_equals_dense() {
        let ids: Vec<usize> = (0..300).map(|i| (i * 7 + i / 3) % 19).collect();
        let c = create_co_matrix(&ids, 21, 2).unwrap();
        let dense = ppmi::<f64>(&c.view(), PPMI_EPS).unwrap();
        let mut rows_seen = Vec::new();
        let sparse = ppmi_sparse::<f64>(&co_occurrence(&ids, 21, 2).unwrap(), PPMI_EPS, |i| {
            rows_seen.push(i)
        })
        .unwrap();
        assert_eq!(sparse.to_dense(0.0), dense);
        assert_eq!(rows_seen, (0..21).collect::<Vec<_>>());
        // Ids 19 and 20 never occur: their rows and columns are 0, not NaN.
        assert!(dense.row(20).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn bad_input_is_an_error() {
        let c = Array2::<i32>::zeros((2, 3));
        assert_eq!(
            ppmi::<f32>(&c.view(), PPMI_EPS).unwrap_err().to_string(),
            "ppmi: C must be square, got [2, 3]"
        );
        let c = ndarray::array![[0, -1], [1, 0]];
        assert_eq!(
            ppmi::<f32>(&c.view(), PPMI_EPS).unwrap_err().to_string(),
            "ppmi: C holds a negative count (-1)"
        );
        assert_eq!(
            ppmi::<f32>(&c.view(), f64::NAN).unwrap_err().to_string(),
            "ppmi: eps must be finite and at least 0, got NaN"
        );
    }
}
