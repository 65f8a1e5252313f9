//! Reference numbers from numpy (see `generate.py`), and helpers to compare with them.

#[rustfmt::skip]
pub mod data;

use ndarray::{ArrayD, ArrayView, Dimension, IxDyn};
use nn_core::Float;

/// A reference array as an `ndarray` of element type `F`.
pub fn array<F: Float>(reference: (&[usize], &[f64])) -> ArrayD<F> {
    let (shape, values) = reference;
    ArrayD::from_shape_vec(
        IxDyn(shape),
        values.iter().map(|&v| F::from_f64(v)).collect(),
    )
    .expect("generated shapes match their values")
}

/// Asserts `actual` equals the reference to `tol`, relative to max(1, |reference|).
pub fn assert_close<F: Float, D: Dimension>(
    name: &str,
    actual: ArrayView<'_, F, D>,
    reference: (&[usize], &[f64]),
    tol: f64,
) {
    let expected = array::<f64>(reference);
    assert_eq!(actual.shape(), expected.shape(), "{name}: shape");
    for ((index, &e), &a) in expected.indexed_iter().zip(actual.iter()) {
        let err = (a.as_f64() - e).abs() / e.abs().max(1.0);
        assert!(
            err <= tol,
            "{name}{:?}: {a} vs numpy {e} (error {err:.3e} > {tol:.0e})",
            index.slice()
        );
    }
}

/// A reference scalar.
pub fn scalar(reference: (&[usize], &[f64])) -> f64 {
    assert!(reference.0.is_empty());
    reference.1[0]
}
