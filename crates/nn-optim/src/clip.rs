//! Gradient clipping by global norm, the book's `clip_grads`.

use ndarray::Zip;
use nn_core::{Error, Float, Parameters, Result};

/// What [`clip_grads`] did: the gradients' global norm before it, the rate
/// of the book's formula, and whether the gradients were scaled by it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipReport {
    /// `√(Σ g²)` over every gradient, before clipping.
    pub norm: f64,
    /// `max_norm / (norm + 1e-6)`, the book's `rate`.
    pub rate: f64,
    /// `rate < 1`: every gradient was multiplied by `rate`.
    pub clipped: bool,
}

/// Scales all gradients together so that their global norm is at most
/// `max_norm`, and says what it did ([`ClipReport`], for logging).
///
/// The book's formula: `norm = √(Σ over all gradients of Σ g²)`,
/// `rate = max_norm / (norm + 1e-6)`, and if `rate < 1` every gradient is
/// multiplied by `rate` in place.
///
/// ```
/// use nn_core::{Affine, Layer, Parameters};
/// use ndarray::array;
/// let mut fc = Affine::from_weights(array![[1.0f64]], array![0.0])?;
/// fc.forward(array![[3.0]].view())?;
/// fc.backward(array![[4.0 / 3.0]].view())?; // dW = 4, db = 4/3
/// let report = nn_optim::clip_grads(&mut fc, 1.0)?;
/// assert!((report.norm - (16.0f64 + 16.0 / 9.0).sqrt()).abs() < 1e-12);
/// assert!(report.clipped && report.rate < 1.0);
/// assert!((fc.dw()[[0, 0]].hypot(fc.db()[0]) - 1.0).abs() < 1e-5);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// `max_norm` not positive and finite, or a norm that is not finite (a NaN or
/// infinite gradient); the gradients are then left as they were.
pub fn clip_grads<F: Float>(params: &mut dyn Parameters<F>, max_norm: f64) -> Result<ClipReport> {
    const OP: &str = "clip_grads";
    if !(max_norm.is_finite() && max_norm > 0.0) {
        return Err(Error::invalid(
            OP,
            format!("max_norm must be positive and finite, got {max_norm}"),
        ));
    }
    let mut sum = F::zero();
    params.visit_params(&mut |p| {
        sum += sum_of_squares(&p.grad);
        Ok(())
    })?;
    let norm = sum.sqrt();
    if !norm.is_finite() {
        return Err(Error::NonFinite {
            op: OP,
            what: "the global norm of the gradients".to_owned(),
            value: norm.as_f64(),
        });
    }
    let rate = F::from_f64(max_norm) / (norm + F::from_f64(1e-6));
    let clipped = rate < F::one();
    if clipped {
        scale_grads(params, rate)?;
    }
    Ok(ClipReport {
        norm: norm.as_f64(),
        rate: rate.as_f64(),
        clipped,
    })
}

/// Multiplies every gradient by `factor` in place: what a model's
/// `backward_with(dout)` does by default after its `backward()` (the
/// gradients are linear in the upstream gradient).
///
/// ```
/// use nn_core::{Affine, Layer};
/// use ndarray::array;
/// let mut fc = Affine::from_weights(array![[1.0f64]], array![0.0])?;
/// fc.forward(array![[3.0]].view())?;
/// fc.backward(array![[1.0]].view())?;
/// nn_optim::scale_grads(&mut fc, 0.5)?;
/// assert_eq!((fc.dw()[[0, 0]], fc.db()[0]), (1.5, 0.5));
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// A `factor` that is not finite; the gradients are then left as they were.
pub fn scale_grads<F: Float>(params: &mut (impl Parameters<F> + ?Sized), factor: F) -> Result<()> {
    if !factor.is_finite() {
        return Err(Error::NonFinite {
            op: "scale_grads",
            what: "the factor".to_owned(),
            value: factor.as_f64(),
        });
    }
    if factor == F::one() {
        return Ok(());
    }
    params.visit_params(&mut |mut p| {
        match p.grad.as_slice_mut() {
            Some(g) => g.iter_mut().for_each(|g| *g *= factor),
            None => Zip::from(p.grad).for_each(|g| *g *= factor),
        }
        Ok(())
    })
}

/// `Σ g²` in eight independent lanes, which the compiler vectorises (a
/// sequential fold waits on each addition), summed pairwise at the end: closer
/// to numpy's pairwise `np.sum(grad ** 2)` than a running sum, too.
fn sum_of_squares<F: Float>(g: &ndarray::ArrayViewMutD<'_, F>) -> F {
    let Some(s) = g.as_slice() else {
        return g.iter().fold(F::zero(), |acc, &x| acc + x * x);
    };
    let mut lanes = [F::zero(); 8];
    let mut eights = s.chunks_exact(8);
    for e in &mut eights {
        for (lane, &x) in lanes.iter_mut().zip(e) {
            *lane += x * x;
        }
    }
    let tail = eights
        .remainder()
        .iter()
        .fold(F::zero(), |acc, &x| acc + x * x);
    let [a, b, c, d, e, f, g, h] = lanes;
    ((a + b) + (c + d)) + ((e + f) + (g + h)) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_sum_the_squares_of_every_length_and_layout() {
        for len in [0usize, 1, 7, 8, 9, 17, 1000] {
            let mut a = ndarray::Array1::from_shape_fn(len, |i| (i as f64 * 0.37).sin()).into_dyn();
            let exact: f64 = a.iter().map(|x| x * x).sum();
            assert!(
                (sum_of_squares(&a.view_mut()) - exact).abs() < 1e-12,
                "{len}"
            );
        }
        let mut t = ndarray::Array2::from_shape_fn((3, 5), |(i, j)| (i * 5 + j) as f64);
        let mut tt = t.view_mut().reversed_axes().into_dyn();
        assert_eq!(
            sum_of_squares(&tt.view_mut()),
            (0..15).map(|v| (v * v) as f64).sum::<f64>()
        );
    }
}
