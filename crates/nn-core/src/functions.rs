//! The book's functions: `sigmoid`, `relu`, `softmax` and `cross_entropy_error`.
//!
//! They allocate their result; the layers in [`crate::layers`] compute the
//! same formulas into buffers they reuse from step to step.

use ndarray::{
    Array, ArrayBase, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Data, Dimension, Ix2,
};

use crate::{Error, Float, Labels, Result};

/// The book's `1e-7` inside the logarithm of the cross-entropy error: it keeps
/// `log(0)` finite, and keeping it makes our losses the book's losses.
pub const CROSS_ENTROPY_DELTA: f64 = 1e-7;

/// The logistic function of one value, without overflow.
///
/// For `x ≥ 0` this is the book's `1 / (1 + exp(-x))`; for `x < 0` the
/// algebraically equal `exp(x) / (1 + exp(x))`, so that `exp` never sees a
/// large positive argument. `sigmoid(-1000) == 0` and `sigmoid(1000) == 1`
/// exactly.
#[inline]
pub fn sigmoid_scalar<F: Float>(x: F) -> F {
    // The same exp, bit for bit, as the vectorised slice path.
    let z = (-x.abs()).exp_one();
    sigmoid_from_exp(x, z)
}

/// The logistic function given `z = exp(-|x|)`: `1/(1+z)` for `x ≥ 0`,
/// `z·(1/(1+z))` otherwise (one division for both, within 1.5 ulp).
#[inline(always)]
fn sigmoid_from_exp<F: Float>(x: F, z: F) -> F {
    let d = F::one() / (F::one() + z);
    if x >= F::zero() { d } else { z * d }
}

/// Writes the logistic function of `x` into `out` (same length): three
/// passes, the middle one a vectorised `exp`.
#[inline]
pub(crate) fn sigmoid_slice<F: Float>(x: &[F], out: &mut [F]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = -v.abs();
    }
    F::exp_in_place(out);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = sigmoid_from_exp(v, *o);
    }
}

/// The ReLU of one value; NaN stays NaN (it is not clamped to 0).
#[inline]
pub fn relu_scalar<F: Float>(x: F) -> F {
    if x <= F::zero() { F::zero() } else { x }
}

/// Element-wise logistic function, `1 / (1 + exp(-x))`, of an array of any shape.
///
/// ```
/// use ndarray::array;
/// let y = nn_core::sigmoid(&array![-1000.0, 0.0, 1000.0]);
/// assert_eq!(y, array![0.0, 0.5, 1.0]);
/// ```
pub fn sigmoid<F: Float, S: Data<Elem = F>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<F, D> {
    let x = x.as_standard_layout();
    let mut out = Array::zeros(x.raw_dim());
    match (x.as_slice(), out.as_slice_mut()) {
        (Some(xs), Some(os)) => sigmoid_slice(xs, os),
        _ => out.zip_mut_with(&x, |o, &v| *o = sigmoid_scalar(v)),
    }
    out
}

/// Element-wise `max(0, x)` of an array of any shape.
///
/// ```
/// use ndarray::array;
/// assert_eq!(nn_core::relu(&array![-2.0, 0.0, 3.0]), array![0.0, 0.0, 3.0]);
/// ```
pub fn relu<F: Float, S: Data<Elem = F>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<F, D> {
    x.mapv(relu_scalar)
}

/// Softmax of a vector, or of each row of a matrix.
///
/// The maximum of each row is subtracted before `exp`, as in the book, so
/// logits of ±1000 give exact, finite probabilities.
///
/// ```
/// use ndarray::array;
/// let p = nn_core::softmax(&array![[1000.0, 1000.0], [0.0, -1000.0]])?;
/// assert_eq!(p, array![[0.5, 0.5], [1.0, 0.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// An array of other than one or two dimensions, an empty one, or a row with
/// NaN or `+inf` (whose probabilities would be NaN).
pub fn softmax<F: Float, S: Data<Elem = F>, D: Dimension>(
    x: &ArrayBase<S, D>,
) -> Result<Array<F, D>> {
    const OP: &str = "softmax";
    let mut out = x.to_owned();
    let shape = x.shape().to_vec();
    match x.ndim() {
        1 | 2 => {}
        n => {
            return Err(Error::shape(
                OP,
                format!("expected a vector or a matrix, got {n} dimensions (x: {shape:?})"),
            ));
        }
    }
    if x.is_empty() {
        return Err(Error::Empty { op: OP, shape });
    }
    let cols = shape[x.ndim() - 1];
    let rows = x.len() / cols;
    let mut as_matrix = out
        .view_mut()
        .into_shape_with_order((rows, cols))
        .map_err(|e| Error::shape(OP, format!("cannot view x {shape:?} as rows: {e}")))?;
    softmax_rows_in_place(OP, &mut as_matrix)?;
    Ok(out)
}

/// Replaces each row of `x` by its softmax, in the book's steps: subtract
/// the row's maximum, exponentiate (vectorised), divide by the row's sum
/// (numpy's pairwise sum). Row by row, so that a row stays in cache through
/// its four passes. `op` names the caller in errors.
pub(crate) fn softmax_rows_in_place<F: Float>(
    op: &'static str,
    x: &mut ArrayViewMut2<F>,
) -> Result<()> {
    crate::parallel::for_row_blocks(x.view_mut(), |first, mut block| {
        for (i, row) in block.axis_iter_mut(Axis(0)).enumerate() {
            softmax_row(op, first + i, row)?;
        }
        Ok(())
    })
}

/// Writes the softmax of each row of `x` into `out` (same shape, checked by
/// the caller), row by row.
pub(crate) fn softmax_rows_into<F: Float>(
    op: &'static str,
    x: ArrayView2<F>,
    out: &mut ArrayViewMut2<F>,
) -> Result<()> {
    crate::parallel::for_row_blocks(out.view_mut(), |first, mut block| {
        let rows = x.slice(ndarray::s![first..first + block.nrows(), ..]);
        for (i, (mut o, r)) in block.axis_iter_mut(Axis(0)).zip(rows.rows()).enumerate() {
            o.assign(&r);
            softmax_row(op, first + i, o)?;
        }
        Ok(())
    })
}

fn softmax_row<F: Float>(op: &'static str, i: usize, mut row: ArrayViewMut1<F>) -> Result<()> {
    let max = match row.as_slice() {
        Some(s) => lane_max(s),
        None => row.fold(F::neg_infinity(), |m, &v| if v > m { v } else { m }),
    };
    row.map_inplace(|v| *v -= max);
    let sum = match row.as_slice_mut() {
        Some(s) => {
            F::exp_in_place(s);
            pairwise_sum(s)
        }
        None => {
            row.map_inplace(|v| *v = v.exp_one());
            row.fold(F::zero(), |s, &v| s + v)
        }
    };
    // A NaN or +inf logit, or a row of only -inf, makes the sum NaN: one
    // check per row catches all of them.
    if !(sum.is_finite() && sum > F::zero()) {
        return Err(Error::NonFinite {
            op,
            what: format!("the softmax of row {i} (a logit is NaN or infinite)"),
            value: sum.as_f64(),
        });
    }
    row.map_inplace(|v| *v /= sum);
    Ok(())
}

/// The largest value of `s` that is not NaN (−∞ if none), in eight lanes
/// that the compiler vectorises.
fn lane_max<F: Float>(s: &[F]) -> F {
    let pick = |m: F, v: F| if v > m { v } else { m };
    let mut lanes = [F::neg_infinity(); 8];
    let mut eights = s.chunks_exact(8);
    for e in &mut eights {
        for (lane, &v) in lanes.iter_mut().zip(e) {
            *lane = pick(*lane, v);
        }
    }
    let tail = eights
        .remainder()
        .iter()
        .fold(F::neg_infinity(), |m, &v| pick(m, v));
    lanes.into_iter().fold(tail, pick)
}

/// numpy's pairwise summation (`np.sum` over a contiguous axis): eight
/// running sums over blocks of at most 128 values, halved recursively above
/// that; the same bits as numpy's in either float type, and vectorised.
pub(crate) fn pairwise_sum<F: Float>(s: &[F]) -> F {
    const BLOCK: usize = 128;
    let n = s.len();
    if n < 8 {
        s.iter().fold(F::zero(), |acc, &v| acc + v)
    } else if n <= BLOCK {
        let mut r: [F; 8] = std::array::from_fn(|j| s[j]);
        let whole = n - n % 8;
        for e in s[8..whole].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(e) {
                *acc += v;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &s[whole..] {
            res += v;
        }
        res
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&s[..half]) + pairwise_sum(&s[half..])
    }
}

/// The book's cross-entropy error: `-Σᵢ log(y[i, tᵢ] + 1e-7) / N`.
///
/// `y` holds probabilities, one row per sample (a vector is one sample); `t`
/// is class indices or one-hot rows of `y`'s shape (see [`Labels`]).
///
/// ```
/// use ndarray::array;
/// let y = array![[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]];
/// let loss = nn_core::cross_entropy_error(&y, &[1, 0])?;
/// let book = -((0.7f64 + 1e-7).ln() + (0.5f64 + 1e-7).ln()) / 2.0;
/// assert!((loss - book).abs() < 1e-15);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// `y` not one- or two-dimensional or empty, labels that don't fit `y`, or a
/// loss that is not finite (a NaN in `y`).
pub fn cross_entropy_error<'t, F, S, D>(
    y: &ArrayBase<S, D>,
    t: impl Into<Labels<'t, F>>,
) -> Result<F>
where
    F: Float,
    S: Data<Elem = F>,
    D: Dimension,
{
    const OP: &str = "cross_entropy_error";
    let y = as_rows(OP, y)?;
    let t = t.into();
    let (rows, classes) = y.dim();
    t.check(OP, rows, classes)?;
    let mut total = F::zero();
    for i in 0..rows {
        let class = t.class_of(OP, i, classes)?;
        total += (y[[i, class]] + F::from_f64(CROSS_ENTROPY_DELTA)).ln();
    }
    let loss = -total / F::from_f64(rows as f64);
    finite(OP, "the loss", loss)
}

/// Views a vector as a one-row matrix and passes a matrix through; refuses
/// other dimensions and empty arrays.
pub(crate) fn as_rows<'a, F, S, D>(
    op: &'static str,
    x: &'a ArrayBase<S, D>,
) -> Result<ArrayView2<'a, F>>
where
    F: Float,
    S: Data<Elem = F>,
    D: Dimension,
{
    let view = match x.ndim() {
        1 => x
            .view()
            .into_dimensionality::<ndarray::Ix1>()
            .map(|v| v.insert_axis(Axis(0))),
        2 => x.view().into_dimensionality::<Ix2>(),
        n => {
            return Err(Error::shape(
                op,
                format!(
                    "expected a vector or a matrix, got {n} dimensions (shape {:?})",
                    x.shape()
                ),
            ));
        }
    }
    .map_err(|e| Error::shape(op, format!("{e} (shape {:?})", x.shape())))?;
    if view.is_empty() {
        return Err(Error::Empty {
            op,
            shape: x.shape().to_vec(),
        });
    }
    Ok(view)
}

/// Returns `value` if it is finite, or a [`Error::NonFinite`] naming `what`.
pub(crate) fn finite<F: Float>(op: &'static str, what: &str, value: F) -> Result<F> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::NonFinite {
            op,
            what: what.to_owned(),
            value: value.as_f64(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_has_numpys_bits() {
        // np.sum of these arrays, printed as bits by numpy 2.4.
        for (n, f32_bits, f64_bits) in [
            (5, 0x403b_ffb8u32, 0x4007_6b7c_2414_f08eu64),
            (8, 0x40a7_9884, 0x4014_d664_894d_b7ef),
            (100, 0x40bc_c0ce, 0x3fee_5a67_28cc_55a9),
            (129, 0x4156_8940, 0x4014_9c2b_07e5_ef4a),
            (1000, 0x43fa_3bcc, 0x3fee_f2db_69b9_02f2),
            (10000, 0x4743_4c2a, 0x3ff2_9095_1efc_886e),
        ] {
            let narrow: Vec<f32> = (0..n)
                .map(|i| ((i as f64) * 0.37).sin() as f32 + 0.001f32 * i as f32)
                .collect();
            assert_eq!(pairwise_sum(&narrow).to_bits(), f32_bits, "f32, n = {n}");
            let wide: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.37).sin()).collect();
            assert_eq!(pairwise_sum(&wide).to_bits(), f64_bits, "f64, n = {n}");
        }
    }
    use crate::test_util::message;
    use ndarray::{Array1, Array2, Array3, array};

    #[test]
    fn softmax_of_huge_logits_is_exact_and_finite() {
        let p = softmax(&array![
            [1000.0, 1000.0, -1000.0],
            [-1000.0, -1000.0, -1000.0]
        ])
        .unwrap();
        assert_eq!(p.row(0), array![0.5, 0.5, 0.0]);
        assert_eq!(p.row(1), Array1::from_elem(3, 1.0 / 3.0));
        let p32 = softmax(&array![1000.0f32, 0.0]).unwrap();
        assert_eq!(p32, array![1.0f32, 0.0]);
    }

    #[test]
    fn softmax_of_a_vector_is_the_softmax_of_one_row() {
        let x = array![0.3, -1.2, 2.5];
        let row = softmax(&x.clone().insert_axis(ndarray::Axis(0))).unwrap();
        assert_eq!(softmax(&x).unwrap(), row.row(0));
        // Reference: exp(x - max) / sum, written out.
        let e: Vec<f64> = x.iter().map(|v| (v - 2.5f64).exp()).collect();
        let s: f64 = e.iter().sum();
        for (p, e) in softmax(&x).unwrap().iter().zip(&e) {
            assert!((p - e / s).abs() < 1e-16);
        }
    }

    #[test]
    fn softmax_refuses_what_it_cannot_do() {
        assert_eq!(
            message(softmax(&Array3::<f64>::zeros((1, 2, 3)))),
            "softmax: expected a vector or a matrix, got 3 dimensions (x: [1, 2, 3])"
        );
        assert_eq!(
            message(softmax(&Array2::<f64>::zeros((2, 0)))),
            "softmax: empty input (shape [2, 0]); at least one sample with at least one feature is needed"
        );
        assert_eq!(
            message(softmax(&array![1.0, f64::NAN])),
            "softmax: the softmax of row 0 (a logit is NaN or infinite) is not finite (NaN)"
        );
        // -inf alone is a legitimate zero probability.
        assert_eq!(
            softmax(&array![0.0, f64::NEG_INFINITY]).unwrap(),
            array![1.0, 0.0]
        );
    }

    #[test]
    fn sigmoid_and_relu_follow_their_formulas() {
        let x = array![[-3.0f64, -0.5], [0.0, 4.0]];
        let y = sigmoid(&x);
        for (&v, &s) in x.iter().zip(&y) {
            assert!((s - 1.0 / (1.0 + (-v).exp())).abs() < 1e-16);
        }
        assert_eq!(relu(&x), array![[0.0, 0.0], [0.0, 4.0]]);
        assert_eq!(sigmoid(&array![-1000.0f32, 1000.0]), array![0.0f32, 1.0]);
    }

    #[test]
    fn the_vectorised_sigmoid_is_the_scalar_one_bit_for_bit() {
        let x: Vec<f64> = (0..2001).map(|i| -50.0 + 0.05 * i as f64).collect();
        let mut out = vec![0.0; x.len()];
        sigmoid_slice(&x, &mut out);
        for (v, s) in x.iter().zip(&out) {
            assert_eq!(sigmoid_scalar(*v).to_bits(), s.to_bits(), "x = {v}");
            // And within 2 ulps of the formula with libm's exp.
            let libm = if *v >= 0.0 {
                1.0 / (1.0 + (-v).exp())
            } else {
                v.exp() / (1.0 + v.exp())
            };
            assert!(
                (s - libm).abs() <= 2.0 * f64::EPSILON * libm,
                "{s} vs {libm}"
            );
        }
        let narrow: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut out32 = vec![0.0f32; narrow.len()];
        sigmoid_slice(&narrow, &mut out32);
        for (v, s) in narrow.iter().zip(&out32) {
            assert_eq!(sigmoid_scalar(*v).to_bits(), s.to_bits());
        }
    }

    #[test]
    fn cross_entropy_uses_the_books_delta() {
        // A zero probability gives -log(1e-7), not infinity.
        let loss = cross_entropy_error(&array![[1.0, 0.0]], &[1]).unwrap();
        assert_eq!(loss, -(1e-7f64).ln());
        // A single sample as a vector, with an index.
        let loss = cross_entropy_error(&array![0.2f32, 0.8], &[1]).unwrap();
        assert!((loss + (0.8f32 + 1e-7).ln()).abs() < 1e-7);
    }

    #[test]
    fn cross_entropy_refuses_bad_labels_and_nan() {
        let y = array![[0.5, 0.5], [0.1, 0.9]];
        assert_eq!(
            message(cross_entropy_error(&y, &[0, 2])),
            "cross_entropy_error: label 2 at row 1 is out of range for 2 classes"
        );
        assert_eq!(
            message(cross_entropy_error(&y, &[0, 1, 1])),
            "cross_entropy_error: 3 labels for a batch of 2 rows (t: [3], scores: [2, 2])"
        );
        assert_eq!(
            message(cross_entropy_error(&array![[f64::NAN, 0.5]], &[0])),
            "cross_entropy_error: the loss is not finite (NaN)"
        );
        assert_eq!(
            message(cross_entropy_error(&Array1::<f64>::zeros(0), &[0])),
            "cross_entropy_error: empty input (shape [0]); at least one sample with at least one feature is needed"
        );
    }
}
