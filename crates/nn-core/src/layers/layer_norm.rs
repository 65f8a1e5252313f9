//! `LayerNorm`: each row normalised to mean 0 and variance 1, then scaled and
//! shifted; the Transformer's normalisation (book 8.5.2), PyTorch's
//! `nn.LayerNorm` over the last axis.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};

use crate::layer::{check_backward, non_empty, reshape_buffer};
use crate::parallel::{for_each_block, row_blocks};
use crate::{Error, Float, Layer, Param, ParamName, Parameters, Result};

/// Layer normalisation over each row's `D` features: `x̂ = (x − μ) / √(σ² +
/// ε)` with the row's mean `μ` and biased variance `σ²`, then `out = γ ⊙ x̂ +
/// β`. `γ` and `β` are named as the first book's `BatchNormalization` names
/// them (PyTorch's `weight` and `bias`); `ε` is PyTorch's 1e-5 unless given.
///
/// Backward, per row: `dβ = Σ dout`, `dγ = Σ dout ⊙ x̂` over the rows, and
/// with `g = dout ⊙ γ`, `dx = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε)`.
///
/// ```
/// use nn_core::{LayerNorm, Layer};
/// use ndarray::array;
/// let mut norm = LayerNorm::<f64>::new(4)?;
/// let out = norm.forward(array![[1.0, 2.0, 3.0, 6.0]].view())?.to_owned();
/// // Mean 0 and (biased) variance 1, up to ε.
/// assert!(out.sum().abs() < 1e-12);
/// assert!((out.mapv(|v| v * v).sum() / 4.0 - 1.0).abs() < 1e-5);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LayerNorm<F: Float> {
    gamma: Array1<F>,
    beta: Array1<F>,
    dgamma: Array1<F>,
    dbeta: Array1<F>,
    eps: F,
    /// The last forward's `x̂` `(N, D)` and each row's `1 / √(σ² + ε)`.
    xhat: Array2<F>,
    inv_std: Array1<F>,
    /// Each block of rows' sums of `dγ` and `dβ` in backward.
    partial: Array2<F>,
    out: Array2<F>,
    dx: Array2<F>,
    ready: bool,
}

impl<F: Float> LayerNorm<F> {
    /// PyTorch's default `ε`.
    pub const DEFAULT_EPS: f64 = 1e-5;

    /// A layer over `features` features with `γ = 1`, `β = 0` and `ε =
    /// 1e-5`, as `nn.LayerNorm(features)` starts.
    ///
    /// # Errors
    /// `features` of 0.
    pub fn new(features: usize) -> Result<Self> {
        Self::from_weights(
            Array1::ones(features),
            Array1::zeros(features),
            Self::DEFAULT_EPS,
        )
    }

    /// A layer with scale `gamma` and shift `beta`, `(D,)` each, and `eps`.
    ///
    /// # Errors
    /// Empty or unequal lengths, or an `eps` that is not positive and finite.
    pub fn from_weights(gamma: Array1<F>, beta: Array1<F>, eps: f64) -> Result<Self> {
        const OP: &str = "LayerNorm.from_weights";
        if gamma.is_empty() || gamma.len() != beta.len() {
            return Err(Error::shape(
                OP,
                format!(
                    "gamma and beta must be (D,) with D ≥ 1 (gamma: {:?}, beta: {:?})",
                    gamma.shape(),
                    beta.shape()
                ),
            ));
        }
        if !(eps.is_finite() && eps > 0.0) {
            return Err(Error::invalid(
                OP,
                format!("eps must be positive and finite, got {eps}"),
            ));
        }
        // Contiguous, so that the passes run over slices.
        let (gamma, beta) = (
            gamma.as_standard_layout().into_owned(),
            beta.as_standard_layout().into_owned(),
        );
        Ok(Self {
            dgamma: Array1::zeros(gamma.raw_dim()),
            dbeta: Array1::zeros(beta.raw_dim()),
            gamma,
            beta,
            eps: F::from_f64(eps),
            xhat: Array2::zeros((0, 0)),
            inv_std: Array1::zeros(0),
            partial: Array2::zeros((0, 0)),
            out: Array2::zeros((0, 0)),
            dx: Array2::zeros((0, 0)),
            ready: false,
        })
    }

    /// `D`, the features of each row.
    pub fn features(&self) -> usize {
        self.gamma.len()
    }

    /// `ε`.
    pub fn eps(&self) -> F {
        self.eps
    }

    /// The scale `γ`, `(D,)`.
    pub fn gamma(&self) -> ArrayView1<'_, F> {
        self.gamma.view()
    }

    /// The shift `β`, `(D,)`.
    pub fn beta(&self) -> ArrayView1<'_, F> {
        self.beta.view()
    }

    /// `∂L/∂γ` from the last backward.
    pub fn dgamma(&self) -> ArrayView1<'_, F> {
        self.dgamma.view()
    }

    /// `∂L/∂β` from the last backward.
    pub fn dbeta(&self) -> ArrayView1<'_, F> {
        self.dbeta.view()
    }

    /// The last forward's normalised rows `x̂`, `(N, D)`.
    pub fn normalized(&self) -> ArrayView2<'_, F> {
        self.xhat.view()
    }
}

impl<F: Float> Parameters<F> for LayerNorm<F> {
    /// `gamma`, `beta`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        f(Param {
            name: ParamName::new("gamma"),
            value: self.gamma.view_mut().into_dyn(),
            grad: self.dgamma.view_mut().into_dyn(),
        })?;
        f(Param {
            name: ParamName::new("beta"),
            value: self.beta.view_mut().into_dyn(),
            grad: self.dbeta.view_mut().into_dyn(),
        })
    }
}

impl<F: Float> Layer<F> for LayerNorm<F> {
    fn name(&self) -> &'static str {
        "LayerNorm"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "LayerNorm.forward";
        non_empty(OP, &x)?;
        let (n, d) = x.dim();
        if d != self.features() {
            return Err(Error::shape(
                OP,
                format!(
                    "x has {d} features but the layer normalises {} (x: {:?})",
                    self.features(),
                    x.shape()
                ),
            ));
        }
        self.ready = false;
        reshape_buffer(&mut self.xhat, n, d);
        reshape_buffer(&mut self.out, n, d);
        if self.inv_std.len() != n {
            self.inv_std = Array1::zeros(n);
        }
        let count = F::from_f64(d as f64);
        let (Some(gamma), Some(beta)) = (self.gamma.as_slice(), self.beta.as_slice()) else {
            return Err(Error::invalid(OP, "the layer's arrays are not contiguous"));
        };
        let eps = self.eps;
        // Blocks of rows between the threads; in each, x̂ is computed in
        // place of a copy of x: contiguous rows, loops the compiler
        // vectorises. Each row's numbers are the same whatever the split.
        let per = n.div_ceil(row_blocks(n, 8 * n * d));
        let blocks = self
            .xhat
            .axis_chunks_iter_mut(Axis(0), per)
            .zip(self.out.axis_chunks_iter_mut(Axis(0), per))
            .zip(self.inv_std.axis_chunks_iter_mut(Axis(0), per))
            .enumerate();
        for_each_block(blocks, |(b, ((mut xhat, mut out), mut inv_std))| {
            let rows = b * per..b * per + xhat.nrows();
            xhat.assign(&x.slice(s![rows, ..]));
            let (Some(xhat), Some(out), Some(inv_std)) = (
                xhat.as_slice_mut(),
                out.as_slice_mut(),
                inv_std.as_slice_mut(),
            ) else {
                return Err(Error::invalid(OP, "the layer's arrays are not contiguous"));
            };
            for ((xhat, out), inv) in xhat
                .chunks_exact_mut(d)
                .zip(out.chunks_exact_mut(d))
                .zip(inv_std.iter_mut())
            {
                let mean = xhat.iter().fold(F::zero(), |acc, &v| acc + v) / count;
                let var = xhat
                    .iter()
                    .fold(F::zero(), |acc, &v| acc + (v - mean) * (v - mean))
                    / count;
                *inv = F::one() / (var + eps).sqrt();
                let inv = *inv;
                for (((h, o), &g), &b) in xhat.iter_mut().zip(out.iter_mut()).zip(gamma).zip(beta) {
                    *h = (*h - mean) * inv;
                    *o = g * *h + b;
                }
            }
            Ok(())
        })?;
        self.ready = true;
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "LayerNorm.backward";
        check_backward(OP, self.ready, &dout, self.out.dim())?;
        let (n, d) = dout.dim();
        reshape_buffer(&mut self.dx, n, d);
        let count = F::from_f64(d as f64);
        let Some(gamma) = self.gamma.as_slice() else {
            return Err(Error::invalid(OP, "the layer's arrays are not contiguous"));
        };
        // Blocks of rows between the threads, each summing its rows' dβ and
        // dγ into its own row of `partial` ([dγ | dβ]), added up in block
        // order after: the same numbers at a given thread count, every time.
        let per = n.div_ceil(row_blocks(n, 8 * n * d));
        let blocks = n.div_ceil(per);
        if self.partial.dim() != (blocks, 2 * d) {
            self.partial = Array2::zeros((blocks, 2 * d));
        }
        let chunks = self
            .dx
            .axis_chunks_iter_mut(Axis(0), per)
            .zip(self.xhat.axis_chunks_iter(Axis(0), per))
            .zip(self.inv_std.axis_chunks_iter(Axis(0), per))
            .zip(self.partial.outer_iter_mut())
            .enumerate();
        for_each_block(chunks, |(b, (((mut dx, xhat), inv_std), mut partial))| {
            // Each row of dx starts as dout's, then becomes g = dout ⊙ γ and
            // dx in place.
            let rows = b * per..b * per + dx.nrows();
            dx.assign(&dout.slice(s![rows, ..]));
            let (Some(dx), Some(xhat), Some(inv_std), Some(partial)) = (
                dx.as_slice_mut(),
                xhat.as_slice(),
                inv_std.as_slice(),
                partial.as_slice_mut(),
            ) else {
                return Err(Error::invalid(OP, "the layer's arrays are not contiguous"));
            };
            partial.fill(F::zero());
            let (dgamma, dbeta) = partial.split_at_mut(d);
            for ((g, xhat), &inv) in dx
                .chunks_exact_mut(d)
                .zip(xhat.chunks_exact(d))
                .zip(inv_std)
            {
                let (mut mean_g, mut mean_gh) = (F::zero(), F::zero());
                for ((((g, &h), &w), dw), db) in g
                    .iter_mut()
                    .zip(xhat)
                    .zip(gamma)
                    .zip(dgamma.iter_mut())
                    .zip(dbeta.iter_mut())
                {
                    *db += *g;
                    *dw += *g * h;
                    *g *= w;
                    mean_g += *g;
                    mean_gh += *g * h;
                }
                let (mean_g, mean_gh) = (mean_g / count, mean_gh / count);
                for (g, &h) in g.iter_mut().zip(xhat) {
                    *g = (*g - mean_g - h * mean_gh) * inv;
                }
            }
            Ok(())
        })?;
        self.dgamma.fill(F::zero());
        self.dbeta.fill(F::zero());
        for partial in self.partial.outer_iter() {
            let (dgamma, dbeta) = partial.split_at(Axis(0), d);
            self.dgamma += &dgamma;
            self.dbeta += &dbeta;
        }
        Ok(self.dx.view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{assert_gradients, message, randn};
    use ndarray::array;

    #[test]
    fn gradients_match_central_differences() {
        let gamma = randn::<f64>(1, 7, 1).row(0).to_owned();
        let beta = randn::<f64>(1, 7, 2).row(0).to_owned();
        let mut layer = LayerNorm::from_weights(gamma, beta, 1e-5).unwrap();
        assert_gradients(&mut layer, randn::<f64>(4, 7, 3).view());
        // A large eps, where it shapes the gradient.
        let mut layer = LayerNorm::from_weights(Array1::ones(3), Array1::zeros(3), 0.5).unwrap();
        assert_gradients(&mut layer, randn::<f64>(5, 3, 4).view());
    }

    #[test]
    fn normalises_each_row_at_f32() {
        let mut layer =
            LayerNorm::<f32>::from_weights(array![2.0, 2.0], array![1.0, -1.0], 1e-5).unwrap();
        let out = layer
            .forward(array![[1.0, 3.0], [-5.0, -5.0]].view())
            .unwrap()
            .to_owned();
        // Row 0: x̂ = [−1, 1] (to ε); row 1 is constant: x̂ = 0.
        assert!((out[[0, 0]] + 1.0).abs() < 1e-4 && (out[[0, 1]] - 1.0).abs() < 1e-4);
        assert_eq!(out.row(1).to_vec(), [1.0, -1.0]);
        layer
            .backward(array![[1.0, 1.0], [1.0, 1.0]].view())
            .unwrap();
        assert_eq!(layer.dbeta().to_vec(), [2.0, 2.0]);
    }

    #[test]
    fn params_are_gamma_then_beta() {
        let mut layer = LayerNorm::<f64>::new(3).unwrap();
        assert_eq!(layer.param_names(), ["gamma", "beta"]);
        assert_eq!(layer.eps(), 1e-5);
        assert_eq!(layer.features(), 3);
    }

    #[test]
    fn bad_input_is_an_error_naming_layer_and_shapes() {
        let mut layer = LayerNorm::<f64>::new(4).unwrap();
        assert_eq!(
            message(layer.forward(randn::<f64>(2, 3, 1).view())),
            "LayerNorm.forward: x has 3 features but the layer normalises 4 (x: [2, 3])"
        );
        assert!(message(layer.backward(randn::<f64>(2, 4, 1).view())).contains("before forward"));
        layer.forward(randn::<f64>(2, 4, 1).view()).unwrap();
        assert!(message(layer.backward(randn::<f64>(3, 4, 1).view())).contains("[2, 4]"));
        assert_eq!(
            message(LayerNorm::<f64>::from_weights(
                Array1::ones(3),
                Array1::zeros(2),
                1e-5
            )),
            "LayerNorm.from_weights: gamma and beta must be (D,) with D ≥ 1 (gamma: [3], beta: [2])"
        );
        assert_eq!(
            message(LayerNorm::<f64>::from_weights(
                Array1::ones(2),
                Array1::zeros(2),
                0.0
            )),
            "LayerNorm.from_weights: eps must be positive and finite, got 0"
        );
        assert!(LayerNorm::<f64>::new(0).is_err());
    }
}
