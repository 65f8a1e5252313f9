//! The `Optimizer` trait.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Zip};
use nn_core::{Float, Parameters, Result};

use crate::{NonFinite, OptimizerState, Update};

/// Updates parameters in place from their gradients, one call per training step.
///
/// Works on anything that implements [`Parameters`]: an
/// [`nn_core::Sequential`], a single layer, or a user's own struct. State
/// (velocities, moments) is kept per parameter *by position* and created as
/// zeros on the first update, as the book does; a later call whose parameters
/// differ in number or shape is an error, never a silent reset. Before
/// anything is written every gradient is checked (see [`NonFinite`]), so a
/// failed update changes nothing.
pub trait Optimizer<F: Float> {
    /// The optimizer's name, as in messages and saved state (`"Adam"`).
    fn name(&self) -> &'static str;

    /// Applies one step to every parameter.
    ///
    /// # Errors
    /// Parameters that differ in number or shape from the first update, a
    /// gradient whose shape isn't its parameter's, or a non-finite gradient
    /// under [`NonFinite::Error`].
    fn update(&mut self, params: &mut dyn Parameters<F>) -> Result<Update>;

    /// The learning rate.
    fn learning_rate(&self) -> f64;

    /// Changes the learning rate for the following steps.
    ///
    /// # Errors
    /// A negative or non-finite rate; the old rate stays.
    fn set_learning_rate(&mut self, lr: f64) -> Result<()>;

    /// How non-finite gradients are treated.
    fn non_finite(&self) -> NonFinite;

    /// Sets how non-finite gradients are treated.
    fn set_non_finite(&mut self, policy: NonFinite);

    /// The number of updates applied so far.
    fn steps(&self) -> u64;

    /// A copy of the state, for saving.
    fn state(&self) -> OptimizerState<F>;

    /// Restores a state exported by [`state`](Self::state) of the same kind
    /// of optimizer; with the same configuration the run then continues bit
    /// for bit.
    ///
    /// # Errors
    /// A state of another optimizer, misnamed or inconsistent arrays, or an
    /// invalid learning rate. The optimizer is unchanged on error.
    fn load_state(&mut self, state: &OptimizerState<F>) -> Result<()>;

    /// Forgets all state, to start over (e.g. with another model).
    fn reset(&mut self);
}

/// The methods every optimizer implements the same way, for a struct with
/// fields `config` (whose `lr: f64` is the learning rate) and `moments`.
macro_rules! common_methods {
    ($name:literal) => {
        fn name(&self) -> &'static str {
            $name
        }

        fn learning_rate(&self) -> f64 {
            self.config.lr
        }

        fn set_learning_rate(&mut self, lr: f64) -> nn_core::Result<()> {
            self.config.lr =
                $crate::state::check_rate(concat!($name, ".set_learning_rate"), "lr", lr)?;
            Ok(())
        }

        fn non_finite(&self) -> $crate::NonFinite {
            self.moments.policy
        }

        fn set_non_finite(&mut self, policy: $crate::NonFinite) {
            self.moments.policy = policy;
        }

        fn steps(&self) -> u64 {
            self.moments.step
        }

        fn state(&self) -> $crate::OptimizerState<F> {
            self.moments.export($name, self.config.lr)
        }

        fn load_state(&mut self, state: &$crate::OptimizerState<F>) -> nn_core::Result<()> {
            const OP: &str = concat!($name, ".load_state");
            let lr = $crate::state::check_rate(OP, "the learning rate", state.learning_rate)?;
            self.moments.restore(OP, $name, state)?;
            self.config.lr = lr;
            Ok(())
        }

        fn reset(&mut self) {
            self.moments.reset();
        }
    };
}

pub(crate) use common_methods;

/// `Default` from the config's `Default` (the book's hyperparameters).
macro_rules! default_from_config {
    ($ty:ident) => {
        impl<F: Float> Default for $ty<F> {
            fn default() -> Self {
                // The book's defaults always pass validation.
                match Self::new(Default::default()) {
                    Ok(optimizer) => optimizer,
                    Err(e) => unreachable!("the default configuration is valid: {e}"),
                }
            }
        }
    };
}

pub(crate) use default_from_config;

/// `f(w, g)` for each parameter entry and its gradient: a plain slice loop
/// when both are contiguous (the compiler vectorises it), `Zip` otherwise.
#[inline]
pub(crate) fn each2<F: Float>(
    mut w: ArrayViewMutD<'_, F>,
    g: ArrayViewD<'_, F>,
    f: impl Fn(&mut F, F),
) {
    match (w.as_slice_mut(), g.as_slice()) {
        (Some(w), Some(g)) => w.iter_mut().zip(g).for_each(|(w, &g)| f(w, g)),
        _ => Zip::from(w).and(&g).for_each(|w, &g| f(w, g)),
    }
}

/// `f(w, g, s)` with one moment per entry, as [`each2`].
#[inline]
pub(crate) fn each3<F: Float>(
    mut w: ArrayViewMutD<'_, F>,
    g: ArrayViewD<'_, F>,
    s: &mut ArrayD<F>,
    f: impl Fn(&mut F, F, &mut F),
) {
    match (w.as_slice_mut(), g.as_slice(), s.as_slice_mut()) {
        (Some(w), Some(g), Some(s)) => w
            .iter_mut()
            .zip(g)
            .zip(s)
            .for_each(|((w, &g), s)| f(w, g, s)),
        _ => Zip::from(w).and(&g).and(s).for_each(|w, &g, s| f(w, g, s)),
    }
}

/// `f(w, g, m, v)` with two moments per entry, as [`each2`].
#[inline]
pub(crate) fn each4<F: Float>(
    mut w: ArrayViewMutD<'_, F>,
    g: ArrayViewD<'_, F>,
    m: &mut ArrayD<F>,
    v: &mut ArrayD<F>,
    f: impl Fn(&mut F, F, &mut F, &mut F),
) {
    match (
        w.as_slice_mut(),
        g.as_slice(),
        m.as_slice_mut(),
        v.as_slice_mut(),
    ) {
        (Some(w), Some(g), Some(m), Some(v)) => w
            .iter_mut()
            .zip(g)
            .zip(m)
            .zip(v)
            .for_each(|(((w, &g), m), v)| f(w, g, m, v)),
        _ => Zip::from(w)
            .and(g)
            .and(m)
            .and(v)
            .for_each(|w, &g, m, v| f(w, g, m, v)),
    }
}
