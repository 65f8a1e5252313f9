//! `AttentionWeight`: how much the decoder state attends to each encoder
//! state (`ch08/attention_layer.py`).

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};

use super::{check_grad, check_pair, reshape3};
use crate::layer::reshape_buffer;
use crate::{Float, Layer, Parameters, Result, Softmax};

/// The book's `AttentionWeight`: `a[n] = softmax(hs[n] · h[n])`, the dot
/// product of each encoder state with the decoder state, normalised over the
/// `T` encoder steps. Backward through the book's `Softmax` layer, then
/// `dhs[n, t] = ds[n, t] · h[n]` and `dh[n] = Σₜ ds[n, t] · hs[n, t]`.
///
/// ```
/// use nn_core::attention::AttentionWeight;
/// use ndarray::{array, Array3};
/// let hs = Array3::from_shape_vec((1, 2, 2), vec![1.0, 0.0, 0.0, 1.0]).unwrap();
/// let mut layer = AttentionWeight::new();
/// let a = layer.forward(hs.view(), array![[0.0, 0.0]].view())?;
/// assert_eq!(a, array![[0.5, 0.5]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct AttentionWeight<F: Float> {
    softmax: Softmax<F>,
    hs: Array3<F>,
    h: Array2<F>,
    s: Array2<F>,
    dhs: Array3<F>,
    dh: Array2<F>,
    ready: bool,
}

impl<F: Float> AttentionWeight<F> {
    /// The layer (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }

    /// The weights `a` `(N, T)` of the states `hs` `(N, T, H)` for the
    /// decoder state `h` `(N, H)`.
    ///
    /// # Errors
    /// Shapes that don't fit together, or non-finite scores.
    pub fn forward(
        &mut self,
        hs: ArrayView3<'_, F>,
        h: ArrayView2<'_, F>,
    ) -> Result<ArrayView2<'_, F>> {
        check_pair("AttentionWeight.forward", &hs, &h, "h", false)?;
        let (n, t, _) = hs.dim();
        self.ready = false;
        reshape3(&mut self.hs, hs.dim());
        self.hs.assign(&hs);
        reshape_buffer(&mut self.h, n, h.ncols());
        self.h.assign(&h);
        reshape_buffer(&mut self.s, n, t);
        for ((mut s, hs), h) in self
            .s
            .outer_iter_mut()
            .zip(hs.outer_iter())
            .zip(h.outer_iter())
        {
            for (s, row) in s.iter_mut().zip(hs.outer_iter()) {
                *s = row.dot(&h);
            }
        }
        let a = self.softmax.forward(self.s.view())?;
        self.ready = true;
        Ok(a)
    }

    /// `(dhs, dh)` for `da` = ∂L/∂a.
    ///
    /// # Errors
    /// Called before `forward`, or `da` not of `a`'s shape.
    pub fn backward(
        &mut self,
        da: ArrayView2<'_, F>,
    ) -> Result<(ArrayView3<'_, F>, ArrayView2<'_, F>)> {
        check_grad("AttentionWeight.backward", self.ready, &da, self.s.dim())?;
        let ds = self.softmax.backward(da)?;
        let (n, t, h) = self.hs.dim();
        reshape3(&mut self.dhs, (n, t, h));
        reshape_buffer(&mut self.dh, n, h);
        for i in 0..n {
            let (hs, dec) = (self.hs.index_axis(Axis(0), i), self.h.row(i));
            let mut dh = self.dh.row_mut(i);
            dh.fill(F::zero());
            for s in 0..t {
                let g = ds[[i, s]];
                self.dhs
                    .index_axis_mut(Axis(0), i)
                    .row_mut(s)
                    .zip_mut_with(&dec, |d, &v| *d = g * v);
                dh.scaled_add(g, &hs.row(s));
            }
        }
        Ok((self.dhs.view(), self.dh.view()))
    }
}

/// No parameters.
impl<F: Float> Parameters<F> for AttentionWeight<F> {}
