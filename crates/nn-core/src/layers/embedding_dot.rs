//! `EmbeddingDot`: the score of each row's target word (chapter 4,
//! `ch04/negative_sampling_layer.py`).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, AsArray, Ix1};

use crate::layer::reshape_buffer;
use crate::layers::embedding::Embedding;
use crate::shared::{Shared, SharedRef};
use crate::{Error, Float, Init, Param, Parameters, Randn, Result};

/// The book's `EmbeddingDot`: `out[i] = W[idx[i]] · h[i]`, the output layer
/// of negative sampling computed for the listed words only.
///
/// Backward: `dW[idx[i]] += dout[i]·h[i]` (through [`Embedding`]) and
/// `dh[i] = dout[i]·W[idx[i]]`.
///
/// ```
/// use nn_core::EmbeddingDot;
/// use ndarray::array;
/// let mut dot = EmbeddingDot::from_weights(array![[1.0, 0.0], [0.0, 2.0]])?;
/// let out = dot.forward(array![[3.0, 4.0], [3.0, 4.0]].view(), &[0, 1])?;
/// assert_eq!(out, array![3.0, 8.0]);
/// let dh = dot.backward(array![1.0, 0.5].view())?;
/// assert_eq!(dh, array![[1.0, 0.0], [0.0, 1.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EmbeddingDot<F: Float> {
    embed: Embedding<F>,
    /// The last `h`, for `dW`.
    h: Array2<F>,
    out: Array1<F>,
    /// `dout[i]·h[i]`, the gradient of the picked rows.
    dtarget: Array2<F>,
    dh: Array2<F>,
}

impl<F: Float> EmbeddingDot<F> {
    /// A layer with its own weight `w`, `(vocabulary, dimensions)`.
    ///
    /// # Errors
    /// `w` with a zero dimension.
    pub fn from_weights(w: Array2<F>) -> Result<Self> {
        Ok(Self::from_embedding(Embedding::from_weights(w)?))
    }

    /// A layer with a `(vocab_size, dimensions)` weight drawn by `init`
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

    /// A layer on the shared weight `w` (not listed among its parameters).
    pub fn shared(w: &Shared<F>) -> Self {
        Self::from_embedding(Embedding::shared(w))
    }

    fn from_embedding(embed: Embedding<F>) -> Self {
        Self {
            embed,
            h: Array2::zeros((0, 0)),
            out: Array1::zeros(0),
            dtarget: Array2::zeros((0, 0)),
            dh: Array2::zeros((0, 0)),
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

    /// One score per row of `h`: the dot product with its word's row of `W`.
    ///
    /// # Errors
    /// `h` and `idx` of different lengths, `h` not as wide as `W`, or an id
    /// outside the vocabulary.
    pub fn forward<'a>(
        &mut self,
        h: ArrayView2<'_, F>,
        idx: impl AsArray<'a, usize, Ix1>,
    ) -> Result<ArrayView1<'_, F>> {
        const OP: &str = "EmbeddingDot.forward";
        let idx: ArrayView1<'_, usize> = idx.into();
        if h.nrows() != idx.len() {
            return Err(Error::shape(
                OP,
                format!(
                    "h has {} rows but there are {} ids (h: {:?})",
                    h.nrows(),
                    idx.len(),
                    h.shape()
                ),
            ));
        }
        let width = self.embed.weight().dim().1;
        if h.ncols() != width {
            return Err(Error::shape(
                OP,
                format!(
                    "h has {} columns but W has {width} (h: {:?})",
                    h.ncols(),
                    h.shape()
                ),
            ));
        }
        let target = self.embed.forward(idx)?;
        if self.out.len() != h.nrows() {
            self.out = Array1::zeros(h.nrows());
        }
        for ((o, t), hr) in self.out.iter_mut().zip(target.rows()).zip(h.rows()) {
            *o = dot(t, hr);
        }
        reshape_buffer(&mut self.h, h.nrows(), h.ncols());
        self.h.assign(&h);
        Ok(self.out.view())
    }

    /// Given `dout` = ∂L/∂out, adds to `dW` and returns ∂L/∂h.
    ///
    /// # Errors
    /// Called before forward, or `dout` not one value per row.
    pub fn backward(&mut self, dout: ArrayView1<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "EmbeddingDot.backward";
        if !self.embed.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if dout.len() != self.h.nrows() {
            return Err(Error::shape(
                OP,
                format!(
                    "dout must have one value per row of the last h (dout: {:?}, h: {:?})",
                    dout.shape(),
                    self.h.shape()
                ),
            ));
        }
        let (n, d) = self.h.dim();
        reshape_buffer(&mut self.dtarget, n, d);
        for ((mut g, hr), &dv) in self
            .dtarget
            .rows_mut()
            .into_iter()
            .zip(self.h.rows())
            .zip(&dout)
        {
            g.zip_mut_with(&hr, |g, &h| *g = dv * h);
        }
        // The embedding's backward checks that forward ran.
        self.embed.backward(self.dtarget.view())?;
        reshape_buffer(&mut self.dh, n, d);
        let w = self.embed.w();
        for ((mut g, &id), &dv) in self
            .dh
            .rows_mut()
            .into_iter()
            .zip(&self.embed.idx)
            .zip(&dout)
        {
            g.zip_mut_with(&w.row(id), |g, &w| *g = dv * w);
        }
        drop(w);
        Ok(self.dh.view())
    }
}

/// `Σ a[i]·b[i]`, summed left to right as numpy's `sum(axis=1)` of a
/// 2-D product row does for short rows.
fn dot<F: Float>(a: ArrayView1<'_, F>, b: ArrayView1<'_, F>) -> F {
    match (a.as_slice(), b.as_slice()) {
        (Some(a), Some(b)) => a.iter().zip(b).fold(F::zero(), |s, (&x, &y)| s + x * y),
        _ => a.iter().zip(&b).fold(F::zero(), |s, (&x, &y)| s + x * y),
    }
}

impl<F: Float> Parameters<F> for EmbeddingDot<F> {
    /// `W` when the layer owns it; nothing on a shared weight.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.embed.visit_params(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{message, randn};
    use ndarray::array;

    #[test]
    fn bad_input_is_an_error() {
        let mut dot = EmbeddingDot::from_weights(randn::<f64>(3, 2, 1)).unwrap();
        assert_eq!(
            message(dot.forward(randn::<f64>(2, 2, 2).view(), &[0])),
            "EmbeddingDot.forward: h has 2 rows but there are 1 ids (h: [2, 2])"
        );
        assert_eq!(
            message(dot.forward(randn::<f64>(1, 3, 2).view(), &[0])),
            "EmbeddingDot.forward: h has 3 columns but W has 2 (h: [1, 3])"
        );
        assert!(message(dot.backward(array![1.0].view())).contains("called before forward"));
        dot.forward(randn::<f64>(1, 2, 2).view(), &[0]).unwrap();
        assert!(message(dot.backward(array![1.0, 2.0].view())).contains("one value per row"));
    }
}
