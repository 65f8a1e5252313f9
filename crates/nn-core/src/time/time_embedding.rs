//! `TimeEmbedding`: an embedding for every step (`common/time_layers.py`).

use ndarray::{Array2, ArrayView2, ArrayView3};

use crate::layers::embedding::Embedding;
use crate::shared::{Shared, SharedRef};
use crate::{Error, Float, Init, Param, Parameters, Randn, Result};

/// The book's `TimeEmbedding(W)`: word ids `(N, T)` to their rows of `W`,
/// `(N, T, D)`. The book runs one `Embedding` per step and sums their
/// gradients; here one [`Embedding`] takes all `N·T` ids at once, which is
/// the same sum. On a [`Shared`] weight it is chapter
/// 6's embedding tied to the output layer.
///
/// ```
/// use nn_core::time::TimeEmbedding;
/// use ndarray::array;
/// let mut embed = TimeEmbedding::from_weights(array![[0.0, 1.0], [2.0, 3.0]])?;
/// let out = embed.forward(array![[1, 0, 1]].view())?;
/// assert_eq!(out.shape(), [1, 3, 2]);
/// assert_eq!(out[[0, 2, 1]], 3.0);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeEmbedding<F: Float> {
    embed: Embedding<F>,
    /// `(N, T)` of the last forward's ids.
    shape: (usize, usize),
}

impl<F: Float> TimeEmbedding<F> {
    /// An embedding with its own weight `w`, `(vocabulary, D)`.
    ///
    /// # Errors
    /// `w` with a zero dimension.
    pub fn from_weights(w: Array2<F>) -> Result<Self> {
        Ok(Self::from_embedding(Embedding::from_weights(w)?))
    }

    /// An embedding with a `(vocab_size, dimensions)` weight drawn by `init`
    /// from `rng` (the book's `0.01 * randn(V, D)` is `Init::BOOK`).
    ///
    /// # Errors
    /// A zero size, or an invalid `init`.
    pub fn init(
        vocab_size: usize,
        dimensions: usize,
        init: Init,
        rng: &mut dyn Randn,
    ) -> Result<Self> {
        Self::from_weights(init.matrix(vocab_size, dimensions, rng)?)
    }

    /// An embedding on the shared weight `w` (not listed among its
    /// parameters: the model that shares it lists it).
    pub fn shared(w: &Shared<F>) -> Self {
        Self::from_embedding(Embedding::shared(w))
    }

    fn from_embedding(embed: Embedding<F>) -> Self {
        Self {
            embed,
            shape: (0, 0),
        }
    }

    /// The weight `W`.
    pub fn w(&self) -> SharedRef<'_, F> {
        self.embed.w()
    }

    /// `∂L/∂W` from the last backward.
    pub fn dw(&self) -> SharedRef<'_, F> {
        self.embed.dw()
    }

    /// The rows of `W` for every id of `xs` `(N, T)`, as `(N, T, D)`.
    ///
    /// # Errors
    /// No ids, or an id outside the vocabulary.
    pub fn forward(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, F>> {
        self.shape = (0, 0);
        let rows = self.embed.forward(xs)?;
        self.shape = xs.dim();
        Ok(rows)
    }

    /// Adds `dout`'s rows to `dW` at the last forward's ids (zeroing `dW`
    /// first on its first use after a forward).
    ///
    /// # Errors
    /// Called before forward, or `dout` not `(N, T, D)`.
    pub fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<()> {
        let (n, t) = self.shape;
        if dout.dim().0 != n || dout.dim().1 != t {
            return Err(Error::shape(
                "TimeEmbedding.backward",
                format!("dout must be ({n}, {t}, D), got {:?}", dout.shape()),
            ));
        }
        // The embedding checks D and that forward ran.
        self.embed.backward(dout)
    }
}

impl<F: Float> Parameters<F> for TimeEmbedding<F> {
    /// `W` when the layer owns it.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.embed.visit_params(f)
    }
}
