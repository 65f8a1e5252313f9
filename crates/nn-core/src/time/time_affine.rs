//! `TimeAffine`: one affine layer for every step (`common/time_layers.py`).

use ndarray::{Array1, Array2, ArrayView1, ArrayView3};

use crate::layers::Affine;
use crate::shared::{Orientation, Shared, SharedRef};
use crate::time::{TimeLayer, as_rows};
use crate::{Error, Float, Init, Layer, Param, Parameters, Randn, Result};

/// The book's `TimeAffine(W, b)`: `(N, T, D)` → `(N, T, H)` as one
/// [`Affine`] product over the `N·T` rows (the book's `reshape(N*T, -1)`).
///
/// ```
/// use nn_core::time::{TimeAffine, TimeLayer};
/// use ndarray::{array, Array3};
/// let mut fc = TimeAffine::from_weights(array![[1.0, 0.0, 2.0]], array![0.0, 1.0, 0.0])?;
/// let out = fc.forward(Array3::ones((2, 3, 1)).view())?;
/// assert_eq!(out.shape(), [2, 3, 3]);
/// assert_eq!(out[[1, 2, 2]], 2.0);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeAffine<F: Float> {
    affine: Affine<F>,
    shape: (usize, usize),
    /// Rows of inputs that arrive in another layout than row-major.
    buf: Array2<F>,
}

impl<F: Float> TimeAffine<F> {
    /// A layer with `W` `(inputs, outputs)` drawn by `init` from `rng` and
    /// `b = 0`, as [`Affine::init`].
    ///
    /// # Errors
    /// A zero size, or an invalid `init`.
    pub fn init(inputs: usize, outputs: usize, init: Init, rng: &mut dyn Randn) -> Result<Self> {
        Ok(Self::from_affine(Affine::init(inputs, outputs, init, rng)?))
    }

    /// A layer with `W` `(D, H)` and `b` `(H,)`.
    ///
    /// # Errors
    /// As [`Affine::from_weights`].
    pub fn from_weights(w: Array2<F>, b: Array1<F>) -> Result<Self> {
        Ok(Self::from_affine(Affine::from_weights(w, b)?))
    }

    /// A layer on the shared weight `w` (as [`Affine::shared`]): with
    /// [`Orientation::Transposed`] on an embedding's `(V, D)` weight, the
    /// book's weight tying `TimeAffine(embed_W.T, b)`.
    ///
    /// # Errors
    /// As [`Affine::shared`].
    pub fn shared(w: &Shared<F>, orientation: Orientation, b: Array1<F>) -> Result<Self> {
        Ok(Self::from_affine(Affine::shared(w, orientation, b)?))
    }

    /// A layer around an [`Affine`] (one on a shared weight, say).
    pub fn from_affine(affine: Affine<F>) -> Self {
        Self {
            affine,
            shape: (0, 0),
            buf: Array2::zeros((0, 0)),
        }
    }

    /// The weight, as stored.
    pub fn w(&self) -> SharedRef<'_, F> {
        self.affine.w()
    }

    /// The bias `b`.
    pub fn b(&self) -> ArrayView1<'_, F> {
        self.affine.b()
    }

    /// `∂L/∂W` from the last backward (for a shared weight, of all its uses).
    pub fn dw(&self) -> SharedRef<'_, F> {
        self.affine.dw()
    }

    /// `∂L/∂b` from the last backward.
    pub fn db(&self) -> ArrayView1<'_, F> {
        self.affine.db()
    }

    /// The affine layer that does the work on the `N·T` rows.
    pub fn affine(&self) -> &Affine<F> {
        &self.affine
    }
}

impl<F: Float> TimeLayer<F> for TimeAffine<F> {
    fn name(&self) -> &'static str {
        "TimeAffine"
    }

    fn forward(&mut self, xs: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeAffine.forward";
        let (n, t, _) = xs.dim();
        self.shape = (n, t);
        let rows = as_rows(xs, &mut self.buf);
        let out = self.affine.forward(rows)?;
        let h = out.ncols();
        out.into_shape_with_order((n, t, h))
            .map_err(|e| Error::invalid(OP, e.to_string()))
    }

    fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeAffine.backward";
        let (n, t) = self.shape;
        // Affine's backward checks H against the last output.
        let (dn, dt, _) = dout.dim();
        if (dn, dt) != (n, t) {
            return Err(Error::shape(
                OP,
                format!("dout must be ({n}, {t}, H), got {:?}", dout.shape()),
            ));
        }
        let rows = as_rows(dout, &mut self.buf);
        let dx = self.affine.backward(rows)?;
        let d = dx.ncols();
        dx.into_shape_with_order((n, t, d))
            .map_err(|e| Error::invalid(OP, e.to_string()))
    }
}

impl<F: Float> Parameters<F> for TimeAffine<F> {
    /// `W`, `b` (as [`Affine`]).
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.affine.visit_params(f)
    }
}
