//! Per-parameter state kept by position, and its export for resuming.

use ndarray::{ArrayD, Dimension, IxDyn};
use nn_core::{Error, Float, Param, Parameters, Result};

/// What to do when a gradient holds NaN or an infinity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NonFinite {
    /// Refuse the step with an error naming the parameter and the entry (the default).
    #[default]
    Error,
    /// Leave every parameter and all state untouched and report
    /// [`Update::Skipped`]: the usual remedy for a rare overflow in mixed precision.
    Skip,
    /// Don't look: saves one read of the gradients per step, for callers who
    /// check the loss themselves.
    Unchecked,
}

/// The outcome of one [`Optimizer::update`](crate::Optimizer::update).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a skipped step means the gradients were not finite"]
pub enum Update {
    /// The parameters were updated.
    Applied,
    /// Nothing was changed because the gradient of parameter `param` was not
    /// finite (only with [`NonFinite::Skip`]).
    Skipped {
        /// The position of the first parameter with a non-finite gradient.
        param: usize,
    },
}

/// An optimizer's resumable state: restoring it into a fresh optimizer of the
/// same kind and configuration continues a run bit for bit.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerState<F> {
    /// The optimizer's name (`"Adam"`); restoring into another kind is refused.
    pub optimizer: String,
    /// The learning rate in force (the book's training loops change it by hand).
    pub learning_rate: f64,
    /// Updates applied so far (Adam's `t`).
    pub step: u64,
    /// The moments, named `"{slot}.{parameter}"` (`"m.0"`, `"m.1"`, …, `"v.0"`, …),
    /// slot by slot, each in parameter order.
    pub slots: Vec<(String, ArrayD<F>)>,
}

/// The state every optimizer shares: step count, per-parameter moment arrays
/// (`slots[parameter][slot]`), the shapes they were made for, and the
/// non-finite policy.
#[derive(Debug, Clone)]
pub(crate) struct Moments<F> {
    slot_names: &'static [&'static str],
    shapes: Option<Vec<IxDyn>>,
    slots: Vec<Vec<ArrayD<F>>>,
    pub(crate) step: u64,
    pub(crate) policy: NonFinite,
}

impl<F: Float> Moments<F> {
    pub(crate) fn new(slot_names: &'static [&'static str]) -> Self {
        Self {
            slot_names,
            shapes: None,
            slots: Vec::new(),
            step: 0,
            policy: NonFinite::Error,
        }
    }

    /// Forgets all state, as a fresh optimizer.
    pub(crate) fn reset(&mut self) {
        self.shapes = None;
        self.slots.clear();
        self.step = 0;
    }

    /// One update: checks `params` against the state (creating it as zeros
    /// on first use), and only if all is well calls `apply` for each
    /// parameter with its state arrays. Nothing is modified when a check fails.
    pub(crate) fn update(
        &mut self,
        op: &'static str,
        params: &mut dyn Parameters<F>,
        mut apply: impl FnMut(Param<'_, F>, &mut [ArrayD<F>]),
    ) -> Result<Update> {
        if let Some(param) = self.check(op, params)? {
            return Ok(Update::Skipped { param });
        }
        self.step += 1;
        let mut k = 0;
        let slots = &mut self.slots;
        params.visit_params(&mut |p| {
            // `check` has just counted the parameters; only a `Parameters`
            // whose count changes from one visit to the next gets here.
            let state = slots
                .get_mut(k)
                .ok_or_else(|| Error::invalid(op, "the parameters changed while being updated"))?;
            apply(p, state);
            k += 1;
            Ok(())
        })?;
        Ok(Update::Applied)
    }

    /// The read-only pass: count, shapes, finiteness. Returns the parameter to
    /// skip at, under [`NonFinite::Skip`].
    fn check(&mut self, op: &'static str, params: &mut dyn Parameters<F>) -> Result<Option<usize>> {
        let expected = self.shapes.as_ref().map(Vec::len);
        let mut seen = Vec::new();
        let mut k = 0;
        let mut skip = None;
        let policy = self.policy;
        let shapes = self.shapes.as_deref();
        params.visit_params(&mut |p| {
            if p.value.shape() != p.grad.shape() {
                return Err(Error::shape(
                    op,
                    format!(
                        "parameter {k} ({}) has shape {:?} but its gradient has shape {:?}",
                        p.name,
                        p.value.shape(),
                        p.grad.shape()
                    ),
                ));
            }
            match shapes {
                Some(shapes) => match shapes.get(k) {
                    Some(shape) if shape.slice() == p.value.shape() => {}
                    Some(shape) => {
                        return Err(Error::shape(
                            op,
                            format!(
                                "parameter {k} ({}) has shape {:?}, expected {:?}",
                                p.name,
                                p.value.shape(),
                                shape.slice()
                            ),
                        ));
                    }
                    None => return Err(count_error(op, k + 1, shapes.len(), true)),
                },
                None => seen.push(p.value.raw_dim()),
            }
            if skip.is_none() && policy != NonFinite::Unchecked && !all_finite(&p.grad) {
                if policy == NonFinite::Skip {
                    skip = Some(k);
                } else {
                    let (index, value) = p
                        .grad
                        .indexed_iter()
                        .find(|(_, g)| !g.is_finite())
                        .map(|(i, g)| (i.slice().to_vec(), g.as_f64()))
                        .unwrap_or_default();
                    return Err(Error::NonFinite {
                        op,
                        what: format!("the gradient of parameter {k} ({}) at {index:?}", p.name),
                        value,
                    });
                }
            }
            k += 1;
            Ok(())
        })?;
        match expected {
            Some(n) if n != k => return Err(count_error(op, k, n, false)),
            Some(_) => {}
            None => {
                self.slots = seen
                    .iter()
                    .map(|shape| vec![ArrayD::zeros(shape.clone()); self.slot_names.len()])
                    .collect();
                self.shapes = Some(seen);
            }
        }
        Ok(skip)
    }

    /// The state for export.
    pub(crate) fn export(&self, optimizer: &str, learning_rate: f64) -> OptimizerState<F> {
        let mut slots = Vec::with_capacity(self.slot_names.len() * self.slots.len());
        for (s, name) in self.slot_names.iter().enumerate() {
            for (k, per_param) in self.slots.iter().enumerate() {
                slots.push((format!("{name}.{k}"), per_param[s].clone()));
            }
        }
        OptimizerState {
            optimizer: optimizer.to_owned(),
            learning_rate,
            step: self.step,
            slots,
        }
    }

    /// Restores exported state after checking it is this optimizer's and whole.
    pub(crate) fn restore(
        &mut self,
        op: &'static str,
        optimizer: &str,
        state: &OptimizerState<F>,
    ) -> Result<()> {
        if state.optimizer != optimizer {
            return Err(Error::invalid(
                op,
                format!("the state is {}'s, not {optimizer}'s", state.optimizer),
            ));
        }
        let per_slot = if self.slot_names.is_empty() {
            if !state.slots.is_empty() {
                return Err(Error::invalid(
                    op,
                    format!(
                        "{optimizer} keeps no moments, but the state has {}",
                        state.slots.len()
                    ),
                ));
            }
            None
        } else {
            if state.slots.len() % self.slot_names.len() != 0 {
                return Err(Error::invalid(
                    op,
                    format!(
                        "{} arrays cannot be {} slots ({}) per parameter",
                        state.slots.len(),
                        self.slot_names.len(),
                        self.slot_names.join(", ")
                    ),
                ));
            }
            Some(state.slots.len() / self.slot_names.len())
        };
        let mut slots: Vec<Vec<ArrayD<F>>> = Vec::new();
        if let Some(n) = per_slot {
            slots = vec![Vec::with_capacity(self.slot_names.len()); n];
            for (i, (name, array)) in state.slots.iter().enumerate() {
                let (s, k) = (i / n, i % n);
                let expected = format!("{}.{k}", self.slot_names[s]);
                if *name != expected {
                    return Err(Error::invalid(
                        op,
                        format!("array {i} is {name:?}, expected {expected:?}"),
                    ));
                }
                if s > 0 && array.shape() != slots[k][0].shape() {
                    return Err(Error::shape(
                        op,
                        format!(
                            "{name} has shape {:?} but {}.{k} has shape {:?}",
                            array.shape(),
                            self.slot_names[0],
                            slots[k][0].shape()
                        ),
                    ));
                }
                slots[k].push(array.clone());
            }
        }
        self.shapes = per_slot.map(|_| slots.iter().map(|s| s[0].raw_dim()).collect());
        self.slots = slots;
        self.step = state.step;
        Ok(())
    }
}

fn count_error(op: &'static str, got: usize, expected: usize, at_least: bool) -> Error {
    Error::shape(
        op,
        format!(
            "the model has {}{got} parameters, expected {expected} (the optimizer's state was made for {expected}; call reset() for a new model)",
            if at_least { "at least " } else { "" }
        ),
    )
}

/// Refuses a negative or non-finite learning rate (zero is allowed: it freezes).
pub(crate) fn check_rate(op: &'static str, name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::invalid(
            op,
            format!("{name} must be finite and non-negative, got {value}"),
        ))
    }
}

/// Refuses a coefficient outside `[0, 1)` (momentum, decay rates, betas).
pub(crate) fn check_unit(op: &'static str, name: &str, value: f64) -> Result<f64> {
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(
            op,
            format!("{name} must be in [0, 1), got {value}"),
        ))
    }
}

/// Whether every entry is finite, in a form the compiler vectorises: `x · 0`
/// is 0 for a finite `x` and NaN otherwise, summed in eight independent lanes
/// (a short-circuiting `all(is_finite)` runs one element per cycle, a third
/// of SGD's whole update at 795k parameters).
fn all_finite<F: Float>(g: &ndarray::ArrayViewMutD<'_, F>) -> bool {
    let Some(s) = g.as_slice() else {
        return g.iter().all(|x| x.is_finite());
    };
    s.chunks(4096).all(|chunk| {
        let mut lanes = [F::zero(); 8];
        let mut eights = chunk.chunks_exact(8);
        for e in &mut eights {
            for (lane, &x) in lanes.iter_mut().zip(e) {
                *lane += x * F::zero();
            }
        }
        lanes.iter().all(|l| *l == F::zero()) && eights.remainder().iter().all(|x| x.is_finite())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};

    #[test]
    fn all_finite_finds_every_non_finite_entry() {
        for len in [0usize, 1, 7, 8, 9, 4095, 4096, 4097, 10_000] {
            let mut a = ndarray::Array1::<f32>::linspace(-1e30, 1e30, len).into_dyn();
            assert!(all_finite(&a.view_mut()), "{len}");
            for at in [0, len / 2, len.saturating_sub(1)] {
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    if len == 0 {
                        continue;
                    }
                    let old = a[[at]];
                    a[[at]] = bad;
                    assert!(!all_finite(&a.view_mut()), "{len} {at} {bad}");
                    a[[at]] = old;
                }
            }
        }
        // Not contiguous: the element-wise path.
        let mut t = Array2::<f64>::zeros((3, 4).f());
        t[[1, 2]] = f64::NAN;
        assert!(!all_finite(&t.view_mut().into_dyn()));
        // The largest finite values stay finite (x · 0 is 0, not NaN).
        let mut m = ndarray::Array1::from_elem(20, f64::MAX).into_dyn();
        assert!(all_finite(&m.view_mut()));
    }
}
