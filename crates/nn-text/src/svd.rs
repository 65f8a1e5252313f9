//! The SVDs of chapter 2: the full one of `count_method_small.py`
//! (`np.linalg.svd`, LAPACK's `gesdd`) and the truncated randomized one of
//! `count_method_big.py` (scikit-learn's `randomized_svd`: Halko, Martinsson
//! and Tropp's range finder with power iterations).

use ndarray::{Array1, Array2, ArrayView2, ShapeBuilder, s};
use ndarray_linalg::{JobSvd, Lapack, QR, SVDDC, Scalar};
use nn_core::{Error, Float, Randn, Result};
use nn_train::NumpyRandom;

use crate::Csr;

/// The float types LAPACK has routines for, whose singular values are of
/// the same type (`f32`, `f64`).
pub trait LinalgFloat: Float + Lapack + Scalar<Real = Self> {
    /// LAPACK's `getrf` on a column-major `m × n` matrix: `A = P·L·U` in
    /// place, `ipiv` the 1-based row swaps. Returns LAPACK's `info` (`> 0`:
    /// `U` has an exact zero on its diagonal, the factorization is complete).
    #[doc(hidden)]
    fn getrf(m: i32, n: i32, a: &mut [Self], ipiv: &mut [i32]) -> i32;
}

// Called directly rather than through ndarray-linalg, whose `lu` discards
// the pivots of a singular matrix (a rank-deficient sample is normal here).
unsafe extern "C" {
    fn sgetrf_(
        m: *const i32,
        n: *const i32,
        a: *mut f32,
        lda: *const i32,
        ipiv: *mut i32,
        info: *mut i32,
    );
    fn dgetrf_(
        m: *const i32,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        ipiv: *mut i32,
        info: *mut i32,
    );
}

macro_rules! linalg_float {
    ($t:ty, $getrf:ident) => {
        impl LinalgFloat for $t {
            fn getrf(m: i32, n: i32, a: &mut [Self], ipiv: &mut [i32]) -> i32 {
                assert!(a.len() >= (m as usize) * (n as usize) && ipiv.len() >= m.min(n) as usize);
                let mut info = 0;
                // SAFETY: a holds the m × n column-major matrix (lda = m), ipiv min(m, n) entries.
                unsafe { $getrf(&m, &n, a.as_mut_ptr(), &m, ipiv.as_mut_ptr(), &mut info) };
                info
            }
        }
    };
}
linalg_float!(f32, sgetrf_);
linalg_float!(f64, dgetrf_);

/// `W = U · diag(s) · Vᵀ`, singular values in descending order.
#[derive(Debug, Clone, PartialEq)]
pub struct Svd<F> {
    /// Left singular vectors, one per column.
    pub u: Array2<F>,
    /// Singular values, descending.
    pub s: Array1<F>,
    /// Right singular vectors, one per row.
    pub vt: Array2<F>,
}

fn lapack_error(op: &'static str, e: impl std::fmt::Display) -> Error {
    Error::invalid(op, format!("LAPACK failed: {e}"))
}

/// The full SVD, as `np.linalg.svd(W)` (`full_matrices=True`, LAPACK's
/// divide-and-conquer `gesdd`). Where singular values repeat, as the book's
/// 7-word example's do in pairs, the singular vectors are not unique: any
/// rotation within a pair is as right, so `U` may differ from numpy's while
/// `U·diag(s)·Vᵀ` equals `W`.
///
/// ```
/// use nn_text::{create_co_matrix, ppmi, preprocess, svd, PPMI_EPS};
/// let corpus = preprocess("You say goodbye and I say hello.")?;
/// let c = create_co_matrix(&corpus.ids, corpus.vocab.len(), 1)?;
/// let d = svd(&ppmi::<f32>(&c.view(), PPMI_EPS)?.view())?;
/// assert!((d.s[0] - 3.168).abs() < 1e-3 && (d.s[1] - 3.168).abs() < 1e-3);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// An empty or non-finite matrix, or LAPACK not converging.
pub fn svd<F: LinalgFloat>(w: &ArrayView2<'_, F>) -> Result<Svd<F>> {
    const OP: &str = "svd";
    if w.is_empty() {
        return Err(Error::Empty {
            op: OP,
            shape: w.shape().to_vec(),
        });
    }
    if let Some(v) = w.iter().find(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            op: OP,
            what: "an entry of W".into(),
            value: v.as_f64(),
        });
    }
    let (u, s, vt) = w.svddc(JobSvd::All).map_err(|e| lapack_error(OP, e))?;
    match (u, vt) {
        (Some(u), Some(vt)) => Ok(Svd { u, s, vt }),
        _ => Err(Error::invalid(OP, "LAPACK returned no singular vectors")),
    }
}

/// Settings of [`randomized_svd`], with scikit-learn's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomizedSvd {
    /// Components to keep (the book's `wordvec_size`, 100).
    pub components: usize,
    /// Extra random directions sampled for accuracy (scikit-learn: 10).
    pub oversamples: usize,
    /// Power iterations (the book's `n_iter=5`).
    pub iterations: usize,
    /// Seed of the Gaussian test matrix, drawn as numpy's
    /// `RandomState(seed).normal(size=(n, components + oversamples))`.
    pub seed: u32,
    /// Threads for the sparse products, whose results do not depend on it
    /// (OpenBLAS's LU, QR and SVD, on its own threads, may round differently
    /// with another thread count).
    pub threads: usize,
}

impl Default for RandomizedSvd {
    fn default() -> Self {
        Self {
            components: 100,
            oversamples: 10,
            iterations: 5,
            seed: 0,
            threads: 1,
        }
    }
}

/// scipy's `lu(y, permute_l=True)[0]`: `P·L` of `y = P·L·U`, the normaliser
/// scikit-learn's power iterations use. OpenBLAS's `getrf` is blocked and
/// recursive (Level 3), where LAPACK's QR of a matrix this narrow (110
/// columns, below its blocking crossover of 128) runs unblocked in Level 2.
fn lu_normalized<F: LinalgFloat>(y: &Array2<F>) -> Result<Array2<F>> {
    let (m, k) = y.dim();
    let dims = i32::try_from(m).ok().zip(i32::try_from(k).ok());
    let Some((mi, ki)) = dims else {
        return Err(Error::invalid(
            "randomized_svd",
            format!("a {m}×{k} block is too large for LAPACK"),
        ));
    };
    let mut a = Array2::zeros((m, k).f());
    a.assign(y);
    let mut ipiv = vec![0i32; m.min(k)];
    let info = {
        let data = a.as_slice_memory_order_mut().unwrap_or_default();
        F::getrf(mi, ki, data, &mut ipiv)
    };
    if info < 0 {
        return Err(lapack_error(
            "randomized_svd",
            format!("getrf argument {} was invalid", -info),
        ));
    }
    for j in 0..k {
        for i in 0..j.min(m) {
            a[[i, j]] = F::zero();
        }
        if j < m {
            a[[j, j]] = F::one();
        }
    }
    for (i, &p) in ipiv.iter().enumerate().rev() {
        let p = (p - 1) as usize;
        if p != i {
            for j in 0..k {
                a.swap([i, j], [p, j]);
            }
        }
    }
    Ok(a)
}

/// Orthonormal columns spanning `y`'s (LAPACK QR, the reduced `Q`).
fn orthonormal<F: LinalgFloat>(y: &Array2<F>) -> Result<Array2<F>> {
    let (q, _r) = y.qr().map_err(|e| lapack_error("randomized_svd", e))?;
    Ok(q)
}

/// The truncated SVD of a sparse matrix by random projection, as the book's
/// `randomized_svd(W, n_components, n_iter=5)`: `Y = W·Ω` for a Gaussian
/// `Ω`, `iterations` rounds of `Q = qr(W·qr(Wᵀ·Q))` (scikit-learn normalises
/// with LU, QR is the stabler choice and spans the same space), then the
/// small SVD of `Qᵀ·W` in LAPACK. The sparse products touch only the
/// non-zeros; QR and the small SVD are dense LAPACK calls.
///
/// # Errors
/// No components, more components than the matrix's smaller side, or LAPACK
/// not converging.
pub fn randomized_svd<F: LinalgFloat>(w: &Csr<F>, settings: RandomizedSvd) -> Result<Svd<F>> {
    const OP: &str = "randomized_svd";
    let (m, n) = w.dim();
    let k = settings.components;
    if k == 0 || k > m.min(n) {
        return Err(Error::invalid(
            OP,
            format!(
                "components must be from 1 to {} (the smaller side of a {m}×{n} matrix), got {k}",
                m.min(n)
            ),
        ));
    }
    let size = (k + settings.oversamples).min(m.min(n));
    let mut rng = NumpyRandom::new(settings.seed);
    let omega = Array2::from_shape_simple_fn((n, size), || <F as Float>::from_f64(rng.randn()));
    let mut y = Array2::zeros((m, size));
    let mut z = Array2::zeros((n, size));
    // Wᵀ·Q is W·Q for a symmetric W (PPMI is), which splits into bands of rows
    // across threads; the scatter of a general Wᵀ·Q runs on one. Either way
    // each output row is summed in one order: our thread count changes no bit.
    let threads = settings.threads.max(1);
    let symmetric = w.is_symmetric();
    let t_dot = |q: &Array2<F>, z: &mut Array2<F>| {
        if symmetric {
            w.dot_threads(&q.view(), z, threads)
        } else {
            w.t_dot(&q.view(), z)
        }
    };
    w.dot_threads(&omega.view(), &mut y, threads)?;
    for _ in 0..settings.iterations {
        let q = lu_normalized(&y)?;
        t_dot(&q, &mut z)?;
        let q = lu_normalized(&z)?;
        w.dot_threads(&q.view(), &mut y, threads)?;
    }
    let q = orthonormal(&y)?;
    // B = Qᵀ·W, as (Wᵀ·Q)ᵀ.
    t_dot(&q, &mut z)?;
    let b = z.t();
    let (u_hat, s, vt) = b.svddc(JobSvd::Some).map_err(|e| lapack_error(OP, e))?;
    let (Some(u_hat), Some(vt)) = (u_hat, vt) else {
        return Err(Error::invalid(OP, "LAPACK returned no singular vectors"));
    };
    let u = q.dot(&u_hat.slice(s![.., ..k]));
    Ok(Svd {
        u,
        s: s.slice(s![..k]).to_owned(),
        vt: vt.slice(s![..k, ..]).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reconstructs<F: LinalgFloat>(w: &Array2<F>, d: &Svd<F>, tol: f64) {
        let k = d.s.len();
        let us = &d.u.slice(s![.., ..k]) * &d.s;
        let back = us.dot(&d.vt.slice(s![..k, ..]));
        for (a, b) in back.iter().zip(w) {
            assert!((a.as_f64() - b.as_f64()).abs() < tol, "{a} vs {b}");
        }
    }

    #[test]
    fn the_full_svd_reconstructs_with_orthonormal_vectors() {
        let w = Array2::from_shape_fn((7, 7), |(i, j)| ((i * 3 + j * 5) % 7) as f64 / 7.0);
        let d = svd(&w.view()).unwrap();
        reconstructs(&w, &d, 1e-12);
        let eye = d.u.t().dot(&d.u);
        for ((i, j), v) in eye.indexed_iter() {
            assert!((v - f64::from(u8::from(i == j))).abs() < 1e-12);
        }
        assert!(d.s.windows(2).into_iter().all(|p| p[0] >= p[1]));
    }

    #[test]
    fn randomized_equals_the_full_svd_on_a_low_rank_matrix() {
        // Rank 4 plus nothing: the range finder catches it exactly.
        let a = Array2::from_shape_fn((60, 4), |(i, j)| ((i * 7 + j * 13) % 11) as f64 - 5.0);
        let b = Array2::from_shape_fn((4, 50), |(i, j)| ((i * 5 + j * 3) % 9) as f64 - 4.0);
        let w = a.dot(&b);
        let sparse = Csr::from_dense(&w.view()).unwrap();
        let settings = RandomizedSvd {
            components: 4,
            ..RandomizedSvd::default()
        };
        let r = randomized_svd(&sparse, settings).unwrap();
        let full = svd(&w.view()).unwrap();
        for (a, b) in r.s.iter().zip(&full.s) {
            assert!((a - b).abs() < 1e-9 * full.s[0], "{a} vs {b}");
        }
        reconstructs(&w, &r, 1e-8);
        // Seeded: the same settings give the same vectors, on any number of threads.
        assert_eq!(randomized_svd(&sparse, settings).unwrap(), r);
        assert_eq!(
            randomized_svd(
                &sparse,
                RandomizedSvd {
                    threads: 3,
                    ..settings
                }
            )
            .unwrap(),
            r
        );
        assert_eq!(
            randomized_svd(
                &sparse,
                RandomizedSvd {
                    components: 51,
                    ..settings
                }
            )
            .unwrap_err()
            .to_string(),
            "randomized_svd: components must be from 1 to 50 (the smaller side of a 60×50 matrix), got 51"
        );
    }

    #[test]
    fn the_lu_normaliser_is_scipys_permute_l() {
        // scipy.linalg.lu(y, permute_l=True)[0]
        let y = ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, -6.0], [0.5, 7.0]];
        let pl = lu_normalized(&y).unwrap();
        let expected = ndarray::array![[0.2, 8.0 / 19.0], [0.6, 1.0], [1.0, 0.0], [0.1, 1.0]];
        for (a, b) in pl.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-15, "{pl} vs {expected}");
        }
        // A rank-deficient block (a zero pivot) is normalised all the same.
        let y = ndarray::array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
        assert_eq!(
            lu_normalized(&y).unwrap().column(0).to_vec(),
            [1.0 / 3.0, 2.0 / 3.0, 1.0]
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let w = ndarray::array![[1.0, f64::NAN]];
        assert_eq!(
            svd(&w.view()).unwrap_err().to_string(),
            "svd: an entry of W is not finite (NaN)"
        );
    }
}
