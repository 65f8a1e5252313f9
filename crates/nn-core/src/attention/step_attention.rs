//! `Attention`: one decoder step's context vector (`ch08/attention_layer.py`).

use ndarray::{Array3, ArrayView2, ArrayView3};

use super::{AttentionWeight, WeightSum, reshape3};
use crate::{Float, Parameters, Result};

/// The book's `Attention`: [`AttentionWeight`] then [`WeightSum`], the
/// context `c` `(N, H)` of the encoder states `hs` `(N, T, H)` for one
/// decoder state `h` `(N, H)`. The weights of the last forward are kept
/// (`attention_weight`), as the book keeps them for its heat maps.
///
/// ```
/// use nn_core::attention::Attention;
/// use ndarray::{array, Array3};
/// let hs = Array3::from_shape_vec((1, 2, 2), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
/// let mut layer = Attention::new();
/// let c = layer.forward(hs.view(), array![[0.0, 0.0]].view())?.to_owned();
/// assert_eq!(c, array![[2.0, 3.0]]); // equal weights: the mean
/// let (dhs, dh) = layer.backward(array![[1.0, 1.0]].view())?;
/// assert_eq!((dhs.dim(), dh.dim()), ((1, 2, 2), (1, 2)));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Attention<F: Float> {
    attention_weight_layer: AttentionWeight<F>,
    weight_sum_layer: WeightSum<F>,
    dhs: Array3<F>,
}

impl<F: Float> Attention<F> {
    /// The layer (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }

    /// The context vector `c` `(N, H)`.
    ///
    /// # Errors
    /// Shapes that don't fit together, or non-finite scores.
    pub fn forward(
        &mut self,
        hs: ArrayView3<'_, F>,
        h: ArrayView2<'_, F>,
    ) -> Result<ArrayView2<'_, F>> {
        let a = self.attention_weight_layer.forward(hs, h)?;
        self.weight_sum_layer.forward(hs, a)
    }

    /// The attention weights `(N, T)` of the last forward (the book's
    /// `attention_weight`).
    pub fn attention_weight(&self) -> ArrayView2<'_, F> {
        self.weight_sum_layer.weights()
    }

    /// `(dhs, dh)` for `dc` = ∂L/∂c: `dhs` sums the paths through the
    /// weighted sum and through the weights.
    ///
    /// # Errors
    /// Called before `forward`, or `dc` not of `c`'s shape.
    pub fn backward(
        &mut self,
        dc: ArrayView2<'_, F>,
    ) -> Result<(ArrayView3<'_, F>, ArrayView2<'_, F>)> {
        let (dhs0, da) = self.weight_sum_layer.backward(dc)?;
        reshape3(&mut self.dhs, dhs0.dim());
        self.dhs.assign(&dhs0);
        let (dhs1, dh) = self.attention_weight_layer.backward(da)?;
        self.dhs += &dhs1;
        Ok((self.dhs.view(), dh))
    }
}

/// No parameters.
impl<F: Float> Parameters<F> for Attention<F> {}
