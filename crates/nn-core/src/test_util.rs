//! Helpers shared by the unit tests.

use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::{Float, GradCheck, Init, Layer, Result};

/// A seeded `(rows, cols)` matrix of standard-normal draws.
pub fn randn<F: Float>(rows: usize, cols: usize, seed: u64) -> Array2<F> {
    let mut rng = StdRng::seed_from_u64(seed);
    Init::Normal { scale: 1.0 }
        .matrix(rows, cols, &mut rng)
        .unwrap()
}

/// Gradient-checks `layer` at `x` with a seeded random upstream gradient of the
/// output's shape and asserts the error is below 1e-6.
pub fn assert_gradients(layer: &mut dyn Layer<f64>, x: ArrayView2<'_, f64>) {
    let (rows, cols) = layer.forward(x).unwrap().dim();
    let dout = randn::<f64>(rows, cols, 99);
    let report = GradCheck::default().layer(layer, x, dout.view()).unwrap();
    assert!(report.max_error < 1e-6, "{}: {report}", layer.name());
    assert!(report.checked >= x.len());
}

/// The message of an error result.
pub fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
    result.expect_err("expected an error").to_string()
}

/// The address of an array's data, to prove a buffer was reused.
pub fn address<F>(a: ArrayView2<'_, F>) -> usize {
    a.as_ptr() as usize
}
