//! Weights shared by several layers: the book's `remove_duplicate`, designed in.
//!
//! The book shares a weight by putting the same numpy array in several
//! layers (`SimpleCBOW`'s two `MatMul(W_in)`, CBOW's `Embedding(W_in)` per
//! context word, `BetterRnnlm`'s embedding tied to the output `Affine` as
//! `W.T`). Each layer then writes its own gradient, and before every update
//! `remove_duplicate` keeps each weight once and sums the gradients of its
//! uses (adding `dW.T` for a transposed use).
//!
//! Here the weight and its single gradient live in one [`Shared`], and every
//! layer built on it holds a handle. The gradient is summed as it is made:
//! the first `backward` after a `forward` overwrites it, every further use's
//! `backward` adds to it (a transposed use adds the transpose, computed by
//! `gemm` straight into place). So there is one gradient buffer however many
//! layers use the weight, nothing to deduplicate before an update, and no
//! allocation in a step. The weight appears once in a model's parameters, at
//! the position where the model visits it, which keeps the order (and with
//! it optimizer state and checkpoints) stable.
//!
//! ```
//! use nn_core::{Embedding, Parameters, Shared};
//! use ndarray::array;
//!
//! let w_in = Shared::new("W_in", array![[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])?;
//! let (mut left, mut right) = (Embedding::shared(&w_in), Embedding::shared(&w_in));
//! left.forward(&[0, 2])?;
//! right.forward(&[2, 2])?;
//! right.backward(array![[1.0, 1.0], [1.0, 1.0]].view())?; // overwrites dW
//! left.backward(array![[1.0, 1.0], [1.0, 1.0]].view())?;  // adds to it
//! assert_eq!(*w_in.grad(), array![[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]]);
//! // The layers don't list the weight; its owner does, once.
//! assert_eq!(left.num_params(), 0);
//! # Ok::<(), nn_core::Error>(())
//! ```

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use ndarray::Array2;

use crate::{Error, Float, Param, ParamName, Result};

/// A weight matrix and its gradient, shared by every layer built on it.
///
/// Cloning the handle shares the weight (that is the point); to copy the
/// numbers, use [`Shared::deep_clone`].
#[derive(Debug)]
pub struct Shared<F: Float> {
    inner: Arc<Mutex<Inner<F>>>,
    /// Outside the lock, so that [`Shared::name`] can lend it.
    name: Arc<str>,
}

impl<F: Float> Clone for Shared<F> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            name: Arc::clone(&self.name),
        }
    }
}

/// The shared state behind the lock.
#[derive(Debug)]
pub(crate) struct Inner<F> {
    name: Arc<str>,
    /// The weight.
    pub(crate) value: Array2<F>,
    /// The sum of every use's gradient since the last forward.
    pub(crate) grad: Array2<F>,
    /// Set by every forward: the next backward starts a new sum.
    fresh: bool,
}

/// A locked view of a shared weight (from [`Shared::value`] or
/// [`Shared::grad`]); the layers that use the weight refuse to run while it
/// is held.
pub struct SharedRef<'a, F: Float> {
    guard: MutexGuard<'a, Inner<F>>,
    grad: bool,
}

impl<F: Float> Deref for SharedRef<'_, F> {
    type Target = Array2<F>;
    fn deref(&self) -> &Array2<F> {
        if self.grad {
            &self.guard.grad
        } else {
            &self.guard.value
        }
    }
}

impl<F: Float> DerefMut for SharedRef<'_, F> {
    fn deref_mut(&mut self) -> &mut Array2<F> {
        if self.grad {
            &mut self.guard.grad
        } else {
            &mut self.guard.value
        }
    }
}

/// How a layer uses a shared `(rows, cols)` weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// As stored.
    AsIs,
    /// As its transpose, `(cols, rows)`: chapter 6's output layer tied to
    /// the embedding (`Affine(embed_W.T, b)`). Its gradient is added
    /// transposed.
    Transposed,
}

impl<F: Float> Shared<F> {
    /// A shared weight named `name` with a zero gradient. Its owner lists
    /// it under this name (behind the owner's own scopes, as any
    /// parameter), and messages use it.
    ///
    /// # Errors
    /// `value` with a zero dimension.
    pub fn new(name: impl Into<Arc<str>>, value: Array2<F>) -> Result<Self> {
        if value.is_empty() {
            return Err(Error::Empty {
                op: "Shared.new",
                shape: value.shape().to_vec(),
            });
        }
        let name = name.into();
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                name: Arc::clone(&name),
                grad: Array2::zeros(value.raw_dim()),
                value,
                fresh: true,
            })),
            name,
        })
    }

    /// An independent copy: same numbers, its own storage.
    pub fn deep_clone(&self) -> Self {
        let inner = self.lock_or_recover();
        Self {
            inner: Arc::new(Mutex::new(Inner {
                name: Arc::clone(&inner.name),
                value: inner.value.clone(),
                grad: inner.grad.clone(),
                fresh: inner.fresh,
            })),
            name: Arc::clone(&self.name),
        }
    }

    /// The weight's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The weight's shape, `(rows, cols)`, as stored.
    pub fn dim(&self) -> (usize, usize) {
        self.lock_or_recover().value.dim()
    }

    /// True when `self` and `other` are handles to the same weight.
    pub fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// How many handles (layers and owners) hold the weight.
    pub fn handles(&self) -> usize {
        Arc::strong_count(&self.inner)
    }

    /// The weight, locked while the returned value lives.
    pub fn value(&self) -> SharedRef<'_, F> {
        SharedRef {
            guard: self.lock_or_recover(),
            grad: false,
        }
    }

    /// The summed gradient of the last backward pass, locked while the
    /// returned value lives.
    pub fn grad(&self) -> SharedRef<'_, F> {
        SharedRef {
            guard: self.lock_or_recover(),
            grad: true,
        }
    }

    /// Hands the weight and its gradient to `f` as one parameter, as a
    /// model's [`Parameters::visit_params`](crate::Parameters::visit_params)
    /// does for each weight it shares.
    ///
    /// # Errors
    /// Whatever `f` returns.
    pub fn visit(&self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        let mut inner = self.lock_or_recover();
        let Inner { value, grad, .. } = &mut *inner;
        f(Param {
            name: ParamName::new(&self.name),
            value: value.view_mut().into_dyn(),
            grad: grad.view_mut().into_dyn(),
        })
    }

    /// The lock for a layer's forward or backward pass; an error (not a
    /// deadlock) when the caller still holds a [`SharedRef`].
    pub(crate) fn lock(&self, op: &'static str) -> Result<MutexGuard<'_, Inner<F>>> {
        match self.inner.try_lock() {
            Ok(guard) => Ok(guard),
            // The arrays are plain numbers: a panic elsewhere can't leave them
            // in a state worse than any other values.
            Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => Err(Error::invalid(
                op,
                "the shared weight is locked: drop the value()/grad() reference \
                 (or wait for the thread using it) before running a layer on it",
            )),
        }
    }

    fn lock_or_recover(&self) -> MutexGuard<'_, Inner<F>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<F> Inner<F> {
    /// Called by every forward pass of a layer on the weight.
    pub(crate) fn mark_forward(&mut self) {
        self.fresh = true;
    }

    /// Called by a backward pass before it writes its gradient: `true` when it
    /// should overwrite (the first use since a forward), `false` to add.
    /// `contributed` is the layer's own flag: it has added its gradient since
    /// its last forward. A second backward of the same use is refused on a
    /// weight other layers share (its gradient would count twice) and
    /// overwrites on a weight the layer has alone, as a layer with its own
    /// weight always has.
    pub(crate) fn begin_backward(
        &mut self,
        op: &'static str,
        contributed: &mut bool,
        handles: usize,
    ) -> Result<bool> {
        if self.fresh {
            self.fresh = false;
            *contributed = true;
            return Ok(true);
        }
        if !*contributed {
            *contributed = true;
            return Ok(false);
        }
        if handles == 1 {
            return Ok(true);
        }
        Err(Error::invalid(
            op,
            format!(
                "backward ran twice after one forward on the shared weight {}: \
                 its gradient would count this use twice; run forward again first",
                self.name
            ),
        ))
    }
}
