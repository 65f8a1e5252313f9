//! `WeightSum`: the context vector, the attention-weighted sum of the
//! encoder states (`ch08/attention_layer.py`).

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis, Zip};

use super::{check_grad, check_pair, reshape3};
use crate::layer::reshape_buffer;
use crate::{Float, Parameters, Result};

/// The book's `WeightSum`: `c[n] = Σₜ a[n, t] · hs[n, t]`, for one decoder
/// step. Backward: `dhs[n, t] = a[n, t] · dc[n]`, `da[n, t] = hs[n, t] · dc[n]`.
///
/// ```
/// use nn_core::attention::WeightSum;
/// use ndarray::{array, Array3};
/// let hs = Array3::from_shape_vec((1, 2, 2), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
/// let mut layer = WeightSum::new();
/// let c = layer.forward(hs.view(), array![[0.25, 0.75]].view())?;
/// assert_eq!(c, array![[2.5, 3.5]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct WeightSum<F: Float> {
    hs: Array3<F>,
    a: Array2<F>,
    c: Array2<F>,
    dhs: Array3<F>,
    da: Array2<F>,
    ready: bool,
}

impl<F: Float> WeightSum<F> {
    /// The layer (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }

    /// `c` `(N, H)` from the states `hs` `(N, T, H)` and weights `a` `(N, T)`.
    ///
    /// # Errors
    /// Shapes that don't fit together.
    pub fn forward(
        &mut self,
        hs: ArrayView3<'_, F>,
        a: ArrayView2<'_, F>,
    ) -> Result<ArrayView2<'_, F>> {
        check_pair("WeightSum.forward", &hs, &a, "a", true)?;
        let (n, t, h) = hs.dim();
        reshape3(&mut self.hs, (n, t, h));
        self.hs.assign(&hs);
        reshape_buffer(&mut self.a, n, t);
        self.a.assign(&a);
        reshape_buffer(&mut self.c, n, h);
        for ((mut c, hs), a) in self
            .c
            .outer_iter_mut()
            .zip(hs.outer_iter())
            .zip(a.outer_iter())
        {
            c.fill(F::zero());
            for (row, &w) in hs.outer_iter().zip(a) {
                c.scaled_add(w, &row);
            }
        }
        self.ready = true;
        Ok(self.c.view())
    }

    /// The weights `a` `(N, T)` of the last forward.
    pub fn weights(&self) -> ArrayView2<'_, F> {
        self.a.view()
    }

    /// `(dhs, da)` for `dc` = ∂L/∂c.
    ///
    /// # Errors
    /// Called before `forward`, or `dc` not of `c`'s shape.
    pub fn backward(
        &mut self,
        dc: ArrayView2<'_, F>,
    ) -> Result<(ArrayView3<'_, F>, ArrayView2<'_, F>)> {
        check_grad("WeightSum.backward", self.ready, &dc, self.c.dim())?;
        let (n, t, h) = self.hs.dim();
        reshape3(&mut self.dhs, (n, t, h));
        reshape_buffer(&mut self.da, n, t);
        for (i, dc) in dc.outer_iter().enumerate() {
            for s in 0..t {
                let w = self.a[[i, s]];
                Zip::from(self.dhs.index_axis_mut(Axis(0), i).row_mut(s))
                    .and(&dc)
                    .for_each(|d, &g| *d = g * w);
                self.da[[i, s]] = self.hs.index_axis(Axis(0), i).row(s).dot(&dc);
            }
        }
        Ok((self.dhs.view(), self.da.view()))
    }
}

/// No parameters.
impl<F: Float> Parameters<F> for WeightSum<F> {}
