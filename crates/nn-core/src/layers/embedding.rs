//! `Embedding`: the rows of a weight picked by word id (chapter 4, `common/layers.py`).

use ndarray::{Array2, ArrayView, AsArray, Axis, Dimension};

use crate::layer::reshape_buffer;
use crate::shared::{Shared, SharedRef};
use crate::{Error, Float, Init, Param, Parameters, Randn, Result};

/// The book's `Embedding`: `forward(idx) = W[idx]`, one row of `W` per id,
/// for ids of any shape: a vector of ids gives a matrix of rows, ids
/// `(N, T)` give `(N, T, D)`, as numpy's `W[idx]`.
///
/// Backward scatter-adds the rows of `dout` into `dW`, ids that repeat summed
/// (numpy's `np.add.at(dW, idx, dout)`); the first backward after a forward
/// zeroes `dW` first, as the book's `dW[...] = 0`. On a [`Shared`] weight
/// every further use adds its rows to the same `dW`, so chapter 4's CBOW keeps
/// one `(vocabulary, hidden)` gradient for all its context words rather than
/// one per word plus a sum.
///
/// ```
/// use nn_core::Embedding;
/// use ndarray::array;
/// let mut embed = Embedding::from_weights(array![[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])?;
/// assert_eq!(embed.forward(&[2, 0, 2])?, array![[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]]);
/// embed.backward(array![[1.0, 1.0], [1.0, 2.0], [3.0, 3.0]].view())?;
/// assert_eq!(*embed.dw(), array![[1.0, 2.0], [0.0, 0.0], [4.0, 4.0]]);
/// // Ids of two dimensions (N, T) give rows (N, T, D).
/// assert_eq!(embed.forward(&array![[0, 1], [2, 2]])?.shape(), [2, 2, 2]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Embedding<F: Float> {
    weight: Shared<F>,
    owns: bool,
    contributed: bool,
    pub(crate) idx: Vec<usize>,
    /// The shape of the last forward's ids.
    idx_shape: Vec<usize>,
    /// The rows, one per id in row-major order, `(ids, D)`.
    out: Array2<F>,
    pub(crate) ready: bool,
}

impl<F: Float> Embedding<F> {
    /// An embedding with its own weight `w`, `(vocabulary, dimensions)`.
    ///
    /// # Errors
    /// `w` with a zero dimension.
    pub fn from_weights(w: Array2<F>) -> Result<Self> {
        Ok(Self::on(Shared::new("W", w)?, true))
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

    /// An embedding on the shared weight `w`. It does not list `w` among its
    /// parameters: the model that shares it does, once.
    pub fn shared(w: &Shared<F>) -> Self {
        Self::on(w.clone(), false)
    }

    fn on(weight: Shared<F>, owns: bool) -> Self {
        Self {
            weight,
            owns,
            contributed: false,
            idx: Vec::new(),
            idx_shape: Vec::new(),
            out: Array2::zeros((0, 0)),
            ready: false,
        }
    }

    /// The weight `W`, `(vocabulary, dimensions)`.
    pub fn w(&self) -> SharedRef<'_, F> {
        self.weight.value()
    }

    /// `∂L/∂W` from the last backward (for a shared weight, of all its uses).
    pub fn dw(&self) -> SharedRef<'_, F> {
        self.weight.grad()
    }

    /// The handle of the weight, to build other layers on it.
    pub fn weight(&self) -> &Shared<F> {
        &self.weight
    }

    /// The rows `W[idx]`, one per id, shaped as `idx` with a last axis of
    /// `D` (ids `(N,)` give `(N, D)`), in a buffer the layer reuses.
    ///
    /// # Errors
    /// No ids, or an id outside the vocabulary.
    pub fn forward<'a, D: Dimension>(
        &mut self,
        idx: impl AsArray<'a, usize, D>,
    ) -> Result<ArrayView<'_, F, D::Larger>> {
        const OP: &str = "Embedding.forward";
        let idx: ArrayView<'_, usize, D> = idx.into();
        if idx.is_empty() {
            return Err(Error::Empty {
                op: OP,
                shape: idx.shape().to_vec(),
            });
        }
        let mut inner = self.weight.lock(OP)?;
        let (vocab, dim) = inner.value.dim();
        if let Some((i, &id)) = idx.iter().enumerate().find(|&(_, &id)| id >= vocab) {
            let at = match idx.ndim() {
                1 => format!("position {i}"),
                _ => format!("position {:?}", unravel(i, idx.shape())),
            };
            return Err(Error::invalid(
                OP,
                format!(
                    "id {id} at {at} is outside the vocabulary of {vocab} words (W: [{vocab}, {dim}])"
                ),
            ));
        }
        self.idx.clear();
        self.idx.extend(idx.iter().copied());
        self.idx_shape.clear();
        self.idx_shape.extend_from_slice(idx.shape());
        reshape_buffer(&mut self.out, self.idx.len(), dim);
        for (mut row, &id) in self.out.rows_mut().into_iter().zip(&self.idx) {
            row.assign(&inner.value.row(id));
        }
        inner.mark_forward();
        self.contributed = false;
        self.ready = true;
        let mut shape = D::Larger::zeros(idx.ndim() + 1);
        shape.slice_mut()[..idx.ndim()].copy_from_slice(idx.shape());
        shape.slice_mut()[idx.ndim()] = dim;
        self.out.view().into_shape_with_order(shape).map_err(|e| {
            Error::invalid(
                OP,
                format!("cannot shape the rows as {:?}: {e}", self.idx_shape),
            )
        })
    }

    /// Adds the rows of `dout` (the shape of the last output: the ids'
    /// shape and `D`) to `dW` at the last forward's ids, zeroing `dW` first
    /// when this is the first use to run backward.
    ///
    /// # Errors
    /// Called before forward, or `dout` not of the last output's shape.
    pub fn backward<D: Dimension>(&mut self, dout: ArrayView<'_, F, D>) -> Result<()> {
        const OP: &str = "Embedding.backward";
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        let (ids, dim) = (self.idx_shape.as_slice(), self.out.ncols());
        let fits = dout.ndim() == ids.len() + 1
            && dout.shape()[..ids.len()] == *ids
            && dout.shape()[ids.len()] == dim;
        if !fits {
            return Err(Error::shape(
                OP,
                format!(
                    "dout must have the shape of the last output (dout: {:?}, output: {:?} + [{dim}])",
                    dout.shape(),
                    ids
                ),
            ));
        }
        let handles = self.weight.handles();
        let mut inner = self.weight.lock(OP)?;
        if inner.begin_backward(OP, &mut self.contributed, handles)? {
            inner.grad.fill(F::zero());
        }
        let last = Axis(dout.ndim() - 1);
        scatter_add(&mut inner.grad, &self.idx, dout.lanes(last).into_iter());
        Ok(())
    }
}

/// The index of element `i` of an array of `shape` in row-major order.
fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut at = vec![0; shape.len()];
    for (slot, &n) in at.iter_mut().zip(shape).rev() {
        *slot = i % n;
        i /= n;
    }
    at
}

/// `grad[idx[i]] += rows[i]` for every row `i`, in order (numpy's `add.at`).
pub(crate) fn scatter_add<'r, F: Float>(
    grad: &mut Array2<F>,
    idx: &[usize],
    rows: impl Iterator<Item = ndarray::ArrayView1<'r, F>>,
) {
    for (&id, row) in idx.iter().zip(rows) {
        let mut target = grad.row_mut(id);
        match (target.as_slice_mut(), row.as_slice()) {
            (Some(t), Some(r)) => {
                for (t, &r) in t.iter_mut().zip(r) {
                    *t += r;
                }
            }
            _ => target += &row,
        }
    }
}

impl<F: Float> Parameters<F> for Embedding<F> {
    /// `W` when the layer owns it; nothing on a shared weight.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        if self.owns {
            self.weight.visit(f)
        } else {
            Ok(())
        }
    }
}

impl<F: Float> Clone for Embedding<F> {
    /// Copies an owned weight; a copy of a use of a shared weight is another
    /// use of it.
    fn clone(&self) -> Self {
        Self {
            weight: if self.owns {
                self.weight.deep_clone()
            } else {
                self.weight.clone()
            },
            owns: self.owns,
            contributed: self.contributed,
            idx: self.idx.clone(),
            idx_shape: self.idx_shape.clone(),
            out: self.out.clone(),
            ready: self.ready,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{message, randn};
    use ndarray::array;

    #[test]
    fn backward_sums_repeated_ids_and_zeroes_the_rest() {
        let mut e = Embedding::from_weights(randn::<f64>(4, 2, 1)).unwrap();
        e.forward(&[1, 3, 1]).unwrap();
        e.backward(array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]].view())
            .unwrap();
        assert_eq!(
            *e.dw(),
            array![[0.0, 0.0], [6.0, 8.0], [0.0, 0.0], [3.0, 4.0]]
        );
        // A second step overwrites.
        e.forward(&[0]).unwrap();
        e.backward(array![[1.0, 1.0]].view()).unwrap();
        assert_eq!(
            *e.dw(),
            array![[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
        );
        // Backward twice on an owned weight is the same gradient.
        e.backward(array![[1.0, 1.0]].view()).unwrap();
        assert_eq!(e.dw()[[0, 0]], 1.0);
    }

    #[test]
    fn shared_uses_sum_their_gradients_and_refuse_a_double_count() {
        let w = Shared::new("W_in", randn::<f32>(3, 2, 1)).unwrap();
        let (mut a, mut b) = (Embedding::shared(&w), Embedding::shared(&w));
        a.forward(&[0]).unwrap();
        b.forward(&[0, 2]).unwrap();
        b.backward(array![[1.0, 1.0], [2.0, 2.0]].view()).unwrap();
        a.backward(array![[10.0, 10.0]].view()).unwrap();
        assert_eq!(*w.grad(), array![[11.0, 11.0], [0.0, 0.0], [2.0, 2.0]]);
        assert_eq!(a.num_params(), 0);
        assert!(message(a.backward(array![[10.0, 10.0]].view())).contains(
            "Embedding.backward: backward ran twice after one forward on the shared weight W_in"
        ));
    }

    /// Ids of two dimensions are the book's `W[idx]` of shape `(N, T, D)`,
    /// and their backward the 1-D layer's on the flattened ids.
    #[test]
    fn ids_of_any_rank_give_rows_of_that_shape() {
        let w = randn::<f64>(5, 3, 1);
        let ids = ndarray::array![[0, 4, 4], [2, 1, 0]];
        let mut two = Embedding::from_weights(w.clone()).unwrap();
        let mut one = Embedding::from_weights(w.clone()).unwrap();
        let rows = two.forward(&ids).unwrap().to_owned();
        assert_eq!(rows.shape(), [2, 3, 3]);
        for ((n, t), &id) in ids.indexed_iter() {
            assert_eq!(rows.slice(ndarray::s![n, t, ..]), w.row(id));
        }
        let flat: Vec<usize> = ids.iter().copied().collect();
        one.forward(&flat).unwrap();
        let dout = randn::<f64>(6, 3, 2);
        one.backward(dout.view()).unwrap();
        two.backward(dout.view().into_shape_with_order((2, 3, 3)).unwrap())
            .unwrap();
        assert_eq!(*one.dw(), *two.dw());
        assert_eq!(
            message(two.backward(dout.view())),
            "Embedding.backward: dout must have the shape of the last output (dout: [6, 3], output: [2, 3] + [3])"
        );
        assert_eq!(
            message(two.forward(&ndarray::array![[0, 1], [5, 0]])),
            "Embedding.forward: id 5 at position [1, 0] is outside the vocabulary of 5 words (W: [5, 3])"
        );
    }

    #[test]
    fn bad_ids_and_locks_are_errors() {
        let mut e = Embedding::from_weights(randn::<f64>(3, 2, 1)).unwrap();
        assert_eq!(
            message(e.forward(&[0, 3])),
            "Embedding.forward: id 3 at position 1 is outside the vocabulary of 3 words (W: [3, 2])"
        );
        assert!(message(e.forward(&[] as &[usize])).starts_with("Embedding.forward: empty input"));
        assert!(message(e.backward(array![[1.0, 1.0]].view())).contains("called before forward"));
        let w = e.weight().clone();
        let held = w.value();
        assert!(message(e.forward(&[0])).contains("the shared weight is locked"));
        drop(held);
        e.forward(&[0]).unwrap();
    }
}
