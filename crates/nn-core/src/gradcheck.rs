//! Gradient checking: analytic gradients against central differences, in `f64`.

use ndarray::{Array2, ArrayD, ArrayView2, Dimension, IxDyn};

use crate::{Error, Labels, Layer, Loss, Param, Parameters, Result, Sequential};

/// Settings of a gradient check.
///
/// Each scalar `θ` of the input and of every parameter is nudged by `±eps`
/// and the numeric gradient `(f(θ+eps) − f(θ−eps)) / 2eps` is compared with
/// the analytic one from `backward`. The error of one entry is
/// `|analytic − numeric| / max(|analytic|, |numeric|, floor)`: relative for
/// gradients of ordinary size, absolute below `floor`, where a relative
/// error only measures rounding noise.
///
/// ```
/// use nn_core::{Affine, GradCheck};
/// use ndarray::array;
/// let mut fc = Affine::from_weights(array![[0.5, -1.0], [2.0, 0.25]], array![0.1, 0.2])?;
/// let x = array![[1.0, 2.0], [-0.5, 0.3], [0.7, -1.1]];
/// let dout = array![[1.0, -2.0], [0.5, 0.25], [-1.0, 3.0]];
/// let report = GradCheck::default().layer(&mut fc, x.view(), dout.view())?;
/// assert!(report.max_error < 1e-8, "{report}");
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// The step of the central difference.
    pub eps: f64,
    /// Below this magnitude errors are absolute rather than relative.
    pub floor: f64,
}

impl Default for GradCheck {
    /// `eps = 1e-5`, `floor = 1e-4`. In `f64` a central difference with this
    /// step carries a rounding error of about `|f| · 1e-16 / eps ≈ 1e-11`; the
    /// floor keeps that noise on tiny gradients (the book's `0.01 · randn`
    /// weights give bias gradients near `1e-6`) from reading as a large
    /// relative error, while a real error of `1e-10` still fails a `1e-6` bound.
    fn default() -> Self {
        Self {
            eps: 1e-5,
            floor: 1e-4,
        }
    }
}

/// One compared entry: where it is and both gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct GradEntry {
    /// `"x"` for the input, or `"param 2 (W)"` for the third parameter, named `W`.
    pub tensor: String,
    /// The index of the entry within its tensor.
    pub index: Vec<usize>,
    /// The gradient from `backward`.
    pub analytic: f64,
    /// The central-difference estimate.
    pub numeric: f64,
    /// The error as defined on [`GradCheck`].
    pub error: f64,
}

/// The outcome of a gradient check.
#[derive(Debug, Clone, PartialEq)]
pub struct GradCheckReport {
    /// The largest error over all entries.
    pub max_error: f64,
    /// The entry with that error.
    pub worst: GradEntry,
    /// How many entries were compared.
    pub checked: usize,
}

impl std::fmt::Display for GradCheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = &self.worst;
        write!(
            f,
            "max error {:.3e} at {}{:?} (analytic {:.12e}, numeric {:.12e}) over {} entries",
            self.max_error, w.tensor, w.index, w.analytic, w.numeric, self.checked
        )
    }
}

impl GradCheck {
    /// Checks a layer on the scalar `f = Σ forward(x) ⊙ dout`, whose gradient
    /// with respect to the output is `dout`.
    ///
    /// # Errors
    /// Invalid settings, or an error of the layer.
    pub fn layer(
        &self,
        layer: &mut dyn Layer<f64>,
        x: ArrayView2<'_, f64>,
        dout: ArrayView2<'_, f64>,
    ) -> Result<GradCheckReport> {
        self.run(&mut LayerObjective { layer, dout }, x)
    }

    /// Checks a loss layer on its loss for the labels `t`.
    ///
    /// # Errors
    /// Invalid settings, or an error of the loss.
    pub fn loss<'t>(
        &self,
        loss: &mut dyn Loss<f64>,
        x: ArrayView2<'_, f64>,
        t: impl Into<Labels<'t, f64>>,
    ) -> Result<GradCheckReport> {
        self.run(&mut LossObjective { loss, t: t.into() }, x)
    }

    /// Checks a whole model on its loss for the labels `t`: the input and
    /// every parameter of every layer.
    ///
    /// With [`SoftmaxWithLoss`](crate::SoftmaxWithLoss)'s default (the book's
    /// `1e-7` inside the logarithm) the loss's derivative differs from the
    /// book's backward by a relative `~1e-7 / yₜ`; for a check to `1e-6` and
    /// below, build the model with `SoftmaxWithLoss::with_delta(0.0)`.
    ///
    /// # Errors
    /// Invalid settings, or an error of the model.
    pub fn model<'t>(
        &self,
        model: &mut Sequential<f64>,
        x: ArrayView2<'_, f64>,
        t: impl Into<Labels<'t, f64>>,
    ) -> Result<GradCheckReport> {
        self.run(&mut ModelObjective { model, t: t.into() }, x)
    }

    /// Checks the parameters of any differentiable function whose input is
    /// fixed inside it (word ids, say): chapter 4's CBOW, a model with
    /// shared weights, several layers wired by hand.
    ///
    /// # Errors
    /// Invalid settings, or an error of the function.
    pub fn differentiable(&self, f: &mut dyn Differentiable) -> Result<GradCheckReport> {
        self.run(
            &mut DifferentiableObjective(f),
            Array2::zeros((0, 0)).view(),
        )
    }

    fn run(&self, obj: &mut dyn Objective, x: ArrayView2<'_, f64>) -> Result<GradCheckReport> {
        const OP: &str = "GradCheck";
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::invalid(
                OP,
                format!("eps must be positive and finite, got {}", self.eps),
            ));
        }
        if !(self.floor.is_finite() && self.floor > 0.0) {
            return Err(Error::invalid(
                OP,
                format!("floor must be positive and finite, got {}", self.floor),
            ));
        }
        let dx = obj.gradients(x)?;
        let mut grads: Vec<(String, ArrayD<f64>)> = Vec::new();
        obj.visit_params(&mut |p| {
            grads.push((
                format!("param {} ({})", grads.len(), p.name),
                p.grad.to_owned(),
            ));
            Ok(())
        })?;

        let mut report = GradCheckReport {
            max_error: 0.0,
            worst: GradEntry {
                tensor: String::new(),
                index: Vec::new(),
                analytic: 0.0,
                numeric: 0.0,
                error: 0.0,
            },
            checked: 0,
        };

        let mut xp: Array2<f64> = x.to_owned();
        for ((i, j), &analytic) in dx.indexed_iter() {
            let orig = xp[[i, j]];
            xp[[i, j]] = orig + self.eps;
            let plus = obj.value(xp.view())?;
            xp[[i, j]] = orig - self.eps;
            let minus = obj.value(xp.view())?;
            xp[[i, j]] = orig;
            self.record(
                &mut report,
                "x",
                vec![i, j],
                analytic,
                (plus - minus) / (2.0 * self.eps),
            );
        }

        for (k, (tensor, grad)) in grads.iter().enumerate() {
            for (flat, (index, &analytic)) in grad.indexed_iter().enumerate() {
                let orig = set_param(obj, k, flat, None)?;
                set_param(obj, k, flat, Some(orig + self.eps))?;
                let plus = obj.value(x)?;
                set_param(obj, k, flat, Some(orig - self.eps))?;
                let minus = obj.value(x)?;
                set_param(obj, k, flat, Some(orig))?;
                let numeric = (plus - minus) / (2.0 * self.eps);
                self.record(
                    &mut report,
                    tensor,
                    index.slice().to_vec(),
                    analytic,
                    numeric,
                );
            }
        }

        // Leave the caches and gradients as a plain forward/backward would.
        obj.gradients(x)?;
        Ok(report)
    }

    fn record(
        &self,
        report: &mut GradCheckReport,
        tensor: &str,
        index: Vec<usize>,
        analytic: f64,
        numeric: f64,
    ) {
        let scale = analytic.abs().max(numeric.abs()).max(self.floor);
        let error = (analytic - numeric).abs() / scale;
        report.checked += 1;
        // A NaN error (a NaN gradient) must not hide behind a finite maximum.
        if report.checked == 1 || error.is_nan() || error > report.max_error {
            report.max_error = error;
            report.worst = GradEntry {
                tensor: tensor.to_owned(),
                index,
                analytic,
                numeric,
                error,
            };
        }
    }
}

/// Reads (`value = None`) or writes entry `flat` (row-major) of parameter `k`;
/// returns the value before the call.
fn set_param(obj: &mut dyn Objective, k: usize, flat: usize, value: Option<f64>) -> Result<f64> {
    let mut seen = 0;
    let mut old = None;
    obj.visit_params(&mut |mut p: Param<'_, f64>| {
        if seen == k {
            let shape = p.value.shape().to_vec();
            let index = unravel(flat, &shape);
            let entry = &mut p.value[IxDyn(&index)];
            old = Some(*entry);
            if let Some(v) = value {
                *entry = v;
            }
        }
        seen += 1;
        Ok(())
    })?;
    old.ok_or_else(|| {
        Error::invalid(
            "GradCheck",
            format!("parameter {k} vanished during the check"),
        )
    })
}

/// The row-major multi-index of the `flat`-th entry of an array of `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &len) in index.iter_mut().zip(shape).rev() {
        *slot = flat % len;
        flat /= len;
    }
    index
}

/// A scalar function of an input batch and of parameters, with its gradient.
trait Objective {
    /// f(x) with the current parameters.
    fn value(&mut self, x: ArrayView2<'_, f64>) -> Result<f64>;
    /// Runs forward and backward; returns ∂f/∂x, leaves ∂f/∂θ in the gradient buffers.
    fn gradients(&mut self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>>;
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()>;
}

/// A scalar function of its parameters, for [`GradCheck::differentiable`].
pub trait Differentiable: Parameters<f64> {
    /// The function's value with the current parameters (a forward pass).
    ///
    /// # Errors
    /// Whatever the forward pass returns.
    fn value(&mut self) -> Result<f64>;

    /// A forward and a backward pass, leaving ∂f/∂θ in the parameters'
    /// gradient buffers.
    ///
    /// # Errors
    /// Whatever the passes return.
    fn gradients(&mut self) -> Result<()>;
}

struct DifferentiableObjective<'a>(&'a mut dyn Differentiable);

impl Objective for DifferentiableObjective<'_> {
    fn value(&mut self, _x: ArrayView2<'_, f64>) -> Result<f64> {
        self.0.value()
    }

    fn gradients(&mut self, _x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.0.gradients()?;
        Ok(Array2::zeros((0, 0)))
    }

    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.0.visit_params(f)
    }
}

struct LayerObjective<'a, 'd> {
    layer: &'a mut dyn Layer<f64>,
    dout: ArrayView2<'d, f64>,
}

impl Objective for LayerObjective<'_, '_> {
    fn value(&mut self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let name = self.layer.name();
        let out = self.layer.forward(x)?;
        if out.dim() != self.dout.dim() {
            return Err(Error::shape(
                "GradCheck.layer",
                format!(
                    "dout must have the shape of {}'s output (dout: {:?}, output: {:?})",
                    name,
                    self.dout.shape(),
                    out.shape()
                ),
            ));
        }
        Ok((&out * &self.dout).sum())
    }

    fn gradients(&mut self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.value(x)?;
        Ok(self.layer.backward(self.dout)?.to_owned())
    }

    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.layer.visit_params(f)
    }
}

struct LossObjective<'a, 't> {
    loss: &'a mut dyn Loss<f64>,
    t: Labels<'t, f64>,
}

impl Objective for LossObjective<'_, '_> {
    fn value(&mut self, x: ArrayView2<'_, f64>) -> Result<f64> {
        self.loss.forward(x, self.t)
    }

    fn gradients(&mut self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.loss.forward(x, self.t)?;
        Ok(self.loss.backward(1.0)?.to_owned())
    }

    fn visit_params(&mut self, _f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        Ok(())
    }
}

struct ModelObjective<'a, 't> {
    model: &'a mut Sequential<f64>,
    t: Labels<'t, f64>,
}

impl Objective for ModelObjective<'_, '_> {
    fn value(&mut self, x: ArrayView2<'_, f64>) -> Result<f64> {
        self.model.forward(x, self.t)
    }

    fn gradients(&mut self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.model.forward(x, self.t)?;
        Ok(self.model.backward()?.to_owned())
    }

    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.model.visit_params(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{message, randn};
    use crate::{Affine, Float};

    /// Affine whose weight gradient is wrong by a factor of 1.001 in one entry.
    struct Faulty(Affine<f64>);

    impl Layer<f64> for Faulty {
        fn name(&self) -> &'static str {
            "Faulty"
        }
        fn forward(&mut self, x: ArrayView2<'_, f64>) -> Result<ArrayView2<'_, f64>> {
            self.0.forward(x)
        }
        fn backward(&mut self, dout: ArrayView2<'_, f64>) -> Result<ArrayView2<'_, f64>> {
            self.0.backward(dout)
        }
    }

    impl Parameters<f64> for Faulty {
        fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
            let mut k = 0;
            self.0.visit_params(&mut |mut p| {
                if k == 0 {
                    p.grad[[1, 2]] *= 1.001;
                }
                k += 1;
                f(p)
            })
        }
    }

    #[test]
    fn finds_a_wrong_gradient_and_says_where() {
        let mut layer =
            Faulty(Affine::from_weights(randn(3, 4, 1), ndarray::Array1::zeros(4)).unwrap());
        let (x, dout) = (randn::<f64>(5, 3, 2), randn::<f64>(5, 4, 3));
        let report = GradCheck::default()
            .layer(&mut layer, x.view(), dout.view())
            .unwrap();
        assert!(report.max_error > 5e-4, "{report}");
        assert_eq!(
            (report.worst.tensor.as_str(), report.worst.index.as_slice()),
            ("param 0 (W)", &[1, 2][..])
        );
        assert!(report.to_string().starts_with("max error "));
    }

    #[test]
    fn leaves_the_layer_as_a_plain_step_would() {
        let mut layer = Affine::from_weights(randn(3, 4, 1), ndarray::Array1::zeros(4)).unwrap();
        let w = layer.w().to_owned();
        let (x, dout) = (randn::<f64>(5, 3, 2), randn::<f64>(5, 4, 3));
        GradCheck::default()
            .layer(&mut layer, x.view(), dout.view())
            .unwrap();
        assert_eq!(*layer.w(), w, "parameters restored exactly");
        let dw = layer.dw().to_owned();
        layer.forward(x.view()).unwrap();
        layer.backward(dout.view()).unwrap();
        assert_eq!(*layer.dw(), dw);
    }

    #[test]
    fn refuses_bad_settings_and_mismatched_dout() {
        let mut layer = Affine::from_weights(randn(3, 4, 1), ndarray::Array1::zeros(4)).unwrap();
        let x = randn::<f64>(5, 3, 2);
        let bad = GradCheck {
            eps: 0.0,
            ..GradCheck::default()
        };
        assert_eq!(
            message(bad.layer(&mut layer, x.view(), randn::<f64>(5, 4, 3).view())),
            "GradCheck: eps must be positive and finite, got 0"
        );
        assert_eq!(
            message(GradCheck::default().layer(&mut layer, x.view(), randn::<f64>(4, 4, 3).view())),
            "GradCheck.layer: dout must have the shape of Affine's output (dout: [4, 4], output: [5, 4])"
        );
        assert_eq!(unravel(7, &[2, 4]), [1, 3]);
        assert_eq!(f64::DTYPE, "float64");
    }
}
