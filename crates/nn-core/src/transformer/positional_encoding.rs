//! `PositionalEncoding`: where each step is, added to its vector, the
//! Transformer's answer to having no recurrence (book 8.5.2).

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis, s};

use crate::time::{TimeLayer, check_dout};
use crate::{Error, Float, Param, ParamName, Parameters, Result};

/// `out[n, t] = x[n, t] + P[t]` for a table `P` of `max_len` positions by `D`
/// features: the sinusoids of "Attention Is All You Need" (`P[t, 2i] =
/// sin(t / 10000^(2i/D))`, `P[t, 2i+1] = cos(…)`, fixed), or a learned table
/// (a parameter `P`, as BERT's and GPT's position embeddings).
///
/// Backward: `dx = dout`; a learned table's `dP[t] = Σₙ dout[n, t]` for the
/// steps of the last forward (zero beyond them).
///
/// ```
/// use nn_core::time::TimeLayer;
/// use nn_core::transformer::PositionalEncoding;
/// use ndarray::Array3;
/// let mut pe = PositionalEncoding::<f64>::sinusoidal(10, 4)?;
/// let out = pe.forward(Array3::zeros((2, 3, 4)).view())?;
/// // Step 0: sin 0 = 0, cos 0 = 1; step 1: sin 1 and cos 1 in the first pair.
/// assert_eq!(out.slice(ndarray::s![0, 0, ..]).to_vec(), [0.0, 1.0, 0.0, 1.0]);
/// assert!((out[[1, 1, 0]] - 1f64.sin()).abs() < 1e-15);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PositionalEncoding<F: Float> {
    table: Array2<F>,
    dtable: Array2<F>,
    learned: bool,
    out: Array3<F>,
    dx: Array3<F>,
    ready: bool,
}

impl<F: Float> PositionalEncoding<F> {
    /// The fixed sinusoidal table for sequences of up to `max_len` steps of
    /// `features` features (odd `features` end on a sine).
    ///
    /// # Errors
    /// A zero size.
    pub fn sinusoidal(max_len: usize, features: usize) -> Result<Self> {
        Self::check_sizes("PositionalEncoding.sinusoidal", max_len, features)?;
        let table = Array2::from_shape_fn((max_len, features), |(t, j)| {
            // 10000^(−2i/D) for the pair i = j / 2, as exp(2i · (−ln 10000 / D)).
            let i = (j / 2) as f64;
            let rate = (2.0 * i * (-(10000f64.ln()) / features as f64)).exp();
            let angle = t as f64 * rate;
            F::from_f64(if j % 2 == 0 { angle.sin() } else { angle.cos() })
        });
        Ok(Self::with_table(table, false))
    }

    /// A learned table `P` `(max_len, D)`, listed as the parameter `P`.
    ///
    /// # Errors
    /// An empty table.
    pub fn learned(table: Array2<F>) -> Result<Self> {
        let (max_len, features) = table.dim();
        Self::check_sizes("PositionalEncoding.learned", max_len, features)?;
        Ok(Self::with_table(table, true))
    }

    fn check_sizes(op: &'static str, max_len: usize, features: usize) -> Result<()> {
        if max_len == 0 || features == 0 {
            return Err(Error::shape(
                op,
                format!("the table must have max_len, D ≥ 1, got [{max_len}, {features}]"),
            ));
        }
        Ok(())
    }

    fn with_table(table: Array2<F>, learned: bool) -> Self {
        Self {
            dtable: Array2::zeros(table.raw_dim()),
            table,
            learned,
            out: Array3::zeros((0, 0, 0)),
            dx: Array3::zeros((0, 0, 0)),
            ready: false,
        }
    }

    /// The table `P`, `(max_len, D)`.
    pub fn table(&self) -> ArrayView2<'_, F> {
        self.table.view()
    }

    /// `∂L/∂P` from the last backward (zeros for the fixed table).
    pub fn dtable(&self) -> ArrayView2<'_, F> {
        self.dtable.view()
    }

    /// The longest sequence the table covers.
    pub fn max_len(&self) -> usize {
        self.table.nrows()
    }

    /// Whether the table is a parameter.
    pub fn is_learned(&self) -> bool {
        self.learned
    }
}

impl<F: Float> Parameters<F> for PositionalEncoding<F> {
    /// `P` for a learned table; nothing for the sinusoids.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        if !self.learned {
            return Ok(());
        }
        f(Param {
            name: ParamName::new("P"),
            value: self.table.view_mut().into_dyn(),
            grad: self.dtable.view_mut().into_dyn(),
        })
    }
}

impl<F: Float> TimeLayer<F> for PositionalEncoding<F> {
    fn name(&self) -> &'static str {
        "PositionalEncoding"
    }

    fn forward(&mut self, xs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "PositionalEncoding.forward";
        let (n, t, d) = xs.dim();
        let (max_len, features) = self.table.dim();
        if n == 0 || t == 0 || d != features {
            return Err(Error::shape(
                OP,
                format!(
                    "xs must be (N, T, {features}) with N, T ≥ 1, got {:?}",
                    xs.shape()
                ),
            ));
        }
        if t > max_len {
            return Err(Error::shape(
                OP,
                format!(
                    "a sequence of {t} steps is longer than the table's {max_len} positions \
                     (xs: {:?})",
                    xs.shape()
                ),
            ));
        }
        self.ready = false;
        if self.out.dim() != (n, t, d) {
            self.out = Array3::zeros((n, t, d));
        }
        let positions = self.table.slice(s![..t, ..]);
        for (mut out, x) in self.out.outer_iter_mut().zip(xs.outer_iter()) {
            ndarray::Zip::from(&mut out)
                .and(&x)
                .and(&positions)
                .for_each(|o, &x, &p| *o = x + p);
        }
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "PositionalEncoding.backward";
        check_dout(OP, self.ready, &dout, self.out.dim())?;
        // The steps of the last forward.
        let t = self.out.dim().1;
        if self.dx.dim() != dout.dim() {
            self.dx = Array3::zeros(dout.raw_dim());
        }
        self.dx.assign(&dout);
        if self.learned {
            self.dtable.fill(F::zero());
            let mut used = self.dtable.slice_mut(s![..t, ..]);
            for seq in dout.axis_iter(Axis(0)) {
                used += &seq;
            }
        }
        Ok(self.dx.view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TimeLayer;

    #[test]
    fn a_learned_table_sums_its_gradient_over_the_batch() {
        let mut pe =
            PositionalEncoding::learned(Array2::from_shape_fn((4, 2), |(t, j)| (t * 2 + j) as f64))
                .unwrap();
        let xs = Array3::from_elem((3, 2, 2), 1.0);
        let out = pe.forward(xs.view()).unwrap().to_owned();
        assert_eq!(out[[2, 1, 1]], 1.0 + 3.0);
        let dout = Array3::from_shape_fn((3, 2, 2), |(n, t, j)| (n + t + j) as f64);
        let dx = pe.backward(dout.view()).unwrap().to_owned();
        assert_eq!(dx, dout);
        // dP[t, j] = Σₙ (n + t + j) = 3 + 3(t + j); rows beyond the steps are 0.
        assert_eq!(pe.dtable().row(0).to_vec(), [3.0, 6.0]);
        assert_eq!(pe.dtable().row(1).to_vec(), [6.0, 9.0]);
        assert_eq!(pe.dtable().row(3).to_vec(), [0.0, 0.0]);
        assert_eq!(pe.param_names(), ["P"]);
        let mut fixed = PositionalEncoding::<f32>::sinusoidal(4, 3).unwrap();
        assert_eq!(fixed.num_params(), 0);
    }

    #[test]
    fn bad_input_is_an_error_naming_the_layer_and_sizes() {
        let mut pe = PositionalEncoding::<f64>::sinusoidal(5, 4).unwrap();
        let e = pe
            .forward(Array3::zeros((2, 6, 4)).view())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "PositionalEncoding.forward: a sequence of 6 steps is longer than the table's 5 \
             positions (xs: [2, 6, 4])"
        );
        let e = pe
            .forward(Array3::zeros((2, 3, 5)).view())
            .unwrap_err()
            .to_string();
        assert!(e.contains("(N, T, 4)") && e.contains("[2, 3, 5]"), "{e}");
        let e = pe
            .backward(Array3::zeros((2, 3, 4)).view())
            .unwrap_err()
            .to_string();
        assert!(e.contains("before forward"), "{e}");
        pe.forward(Array3::zeros((2, 3, 4)).view()).unwrap();
        assert!(pe.backward(Array3::zeros((2, 2, 4)).view()).is_err());
        assert!(PositionalEncoding::<f64>::sinusoidal(0, 4).is_err());
        assert!(PositionalEncoding::<f64>::learned(Array2::zeros((3, 0))).is_err());
    }
}
