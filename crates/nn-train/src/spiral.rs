//! The book's spiral data set (`dataset/spiral.py`).

use ndarray::Array2;
use nn_core::{Error, Randn, Result};

/// Points on `classes` interleaved spiral arms in the plane.
///
/// For class `j` and point `i` of `n`: `rate = i/n`, `radius = rate`,
/// `θ = 4j + 4·rate + noise·randn()`, `x = (radius·sin θ, radius·cos θ)`.
/// `Default` is the book's: 100 points per class, 3 classes, noise 0.2.
///
/// ```
/// use nn_train::{NumpyRandom, Spiral};
/// let (x, t) = Spiral::default().generate(&mut NumpyRandom::new(1984))?; // spiral.load_data()
/// assert_eq!((x.dim(), t.len()), ((300, 2), 300));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spiral {
    /// Points per class (`N` in the book).
    pub points_per_class: usize,
    /// Number of classes (arms).
    pub classes: usize,
    /// Standard deviation of the angle's noise.
    pub noise: f64,
}

impl Default for Spiral {
    fn default() -> Self {
        Self {
            points_per_class: 100,
            classes: 3,
            noise: 0.2,
        }
    }
}

impl Spiral {
    /// Draws the points (class by class, one normal per point, as the book)
    /// and returns them with their class indices.
    ///
    /// # Errors
    /// Zero points or classes, or a negative or non-finite noise.
    pub fn generate(&self, rng: &mut dyn Randn) -> Result<(Array2<f64>, Vec<usize>)> {
        const OP: &str = "Spiral.generate";
        let (n, classes) = (self.points_per_class, self.classes);
        if n == 0 || classes == 0 {
            return Err(Error::Empty {
                op: OP,
                shape: vec![n, classes],
            });
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(Error::invalid(
                OP,
                format!("noise must be finite and non-negative, got {}", self.noise),
            ));
        }
        let mut x = Array2::zeros((n * classes, 2));
        let mut t = Vec::with_capacity(n * classes);
        for j in 0..classes {
            for i in 0..n {
                let rate = i as f64 / n as f64;
                let radius = rate;
                let theta = j as f64 * 4.0 + 4.0 * rate + rng.randn() * self.noise;
                x[[n * j + i, 0]] = radius * theta.sin();
                x[[n * j + i, 1]] = radius * theta.cos();
                t.push(j);
            }
        }
        Ok((x, t))
    }
}

/// One-hot rows for class indices (the book's `t`).
///
/// # Errors
/// A label not below `classes`.
pub fn one_hot(t: &[usize], classes: usize) -> Result<Array2<f64>> {
    let mut out = Array2::zeros((t.len(), classes));
    for (row, &label) in t.iter().enumerate() {
        if label >= classes {
            return Err(Error::LabelOutOfRange {
                op: "one_hot",
                row,
                label,
                classes,
            });
        }
        out[[row, label]] = 1.0;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NumpyRandom;
    use crate::test_vectors::{SPIRAL_T, SPIRAL_X};

    #[test]
    fn equals_the_books_data_set() {
        let (x, t) = Spiral::default()
            .generate(&mut NumpyRandom::new(1984))
            .unwrap();
        assert_eq!(t, SPIRAL_T);
        for (a, b) in x.iter().zip(SPIRAL_X) {
            // sin and cos of libm and numpy may differ in the last bit.
            assert!((a - b).abs() <= 4.0 * f64::EPSILON, "{a} vs {b}");
        }
    }

    #[test]
    fn bad_settings_are_errors() {
        let rng = &mut NumpyRandom::new(0);
        let zero = Spiral {
            classes: 0,
            ..Spiral::default()
        };
        assert_eq!(
            zero.generate(rng).unwrap_err().to_string(),
            "Spiral.generate: empty input (shape [100, 0]); at least one sample with at least one feature is needed"
        );
        assert_eq!(
            one_hot(&[0, 3], 3).unwrap_err().to_string(),
            "one_hot: label 3 at row 1 is out of range for 3 classes"
        );
        assert_eq!(one_hot(&[2], 3).unwrap(), ndarray::array![[0.0, 0.0, 1.0]]);
    }
}
