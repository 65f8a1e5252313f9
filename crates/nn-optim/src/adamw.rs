//! AdamW: Adam with decoupled weight decay, exactly as PyTorch's `torch.optim.AdamW`.

use nn_core::{Float, Parameters, Result};

use crate::optimizer::{common_methods, default_from_config, each4};
use crate::state::{Moments, check_rate, check_unit};
use crate::{Optimizer, Update};

/// Configuration of [`AdamW`]; `Default` is PyTorch's
/// (`lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    /// The learning rate.
    pub lr: f64,
    /// Decay of the first moment, in `[0, 1)`.
    pub beta1: f64,
    /// Decay of the second moment, in `[0, 1)`.
    pub beta2: f64,
    /// Added to the denominator.
    pub eps: f64,
    /// Decoupled weight decay: `p *= 1 − lr·λ` before the Adam step.
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        Self {
            lr: 0.001,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }
}

/// PyTorch's AdamW (Loshchilov & Hutter): `p *= 1 − lr·λ`;
/// `m += (1 − β1)(g − m)`; `v = β2·v + (1 − β2)·g²`;
/// `p −= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)`.
///
/// Unlike L2 decay folded into the gradient, the decay here is not scaled by
/// Adam's per-parameter rate.
#[derive(Debug, Clone)]
pub struct AdamW<F: Float> {
    config: AdamWConfig,
    moments: Moments<F>,
}

impl<F: Float> AdamW<F> {
    /// An AdamW optimizer.
    ///
    /// # Errors
    /// A negative or non-finite rate, eps or decay, or a beta outside `[0, 1)`.
    pub fn new(config: AdamWConfig) -> Result<Self> {
        check_rate("AdamW.new", "lr", config.lr)?;
        check_unit("AdamW.new", "beta1", config.beta1)?;
        check_unit("AdamW.new", "beta2", config.beta2)?;
        check_rate("AdamW.new", "eps", config.eps)?;
        check_rate("AdamW.new", "weight_decay", config.weight_decay)?;
        Ok(Self {
            config,
            moments: Moments::new(&["m", "v"]),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> AdamWConfig {
        self.config
    }
}

default_from_config!(AdamW);

impl<F: Float> Optimizer<F> for AdamW<F> {
    common_methods!("AdamW");

    fn update(&mut self, params: &mut dyn Parameters<F>) -> Result<Update> {
        let AdamWConfig {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } = self.config;
        let t = (self.moments.step + 1) as f64;
        let decay = F::from_f64(1.0 - lr * weight_decay);
        let step_size = F::from_f64(lr / (1.0 - beta1.powf(t)));
        let root_bc2 = F::from_f64((1.0 - beta2.powf(t)).sqrt());
        let (k1, b2, k2) = (
            F::from_f64(1.0 - beta1),
            F::from_f64(beta2),
            F::from_f64(1.0 - beta2),
        );
        let eps = F::from_f64(eps);
        self.moments.update("AdamW.update", params, |p, state| {
            let [m, v] = state else {
                unreachable!("AdamW keeps two moments per parameter")
            };
            each4(p.value, p.grad.view(), m, v, |w, g, m, v| {
                *w *= decay;
                *m += k1 * (g - *m);
                *v = *v * b2 + k2 * g * g;
                *w -= step_size * (*m / (v.sqrt() / root_bc2 + eps));
            });
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_three_steps, quadratic};

    #[test]
    fn three_steps_follow_pytorchs_formula_in_f64_and_f32() {
        let other = AdamWConfig {
            lr: 0.05,
            beta1: 0.5,
            beta2: 0.8,
            eps: 1e-6,
            weight_decay: 0.1,
        };
        for config in [AdamWConfig::default(), other] {
            let AdamWConfig {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
            } = config;
            // torch.optim.AdamW, single tensor, no amsgrad.
            let rule = |t: u64, w: f64, s: &mut [f64], g: f64| {
                let w = w * (1.0 - lr * weight_decay);
                s[0] += (1.0 - beta1) * (g - s[0]);
                s[1] = s[1] * beta2 + (1.0 - beta2) * g * g;
                let bc1 = 1.0 - beta1.powi(t as i32);
                let bc2 = 1.0 - beta2.powi(t as i32);
                w - (lr / bc1) * (s[0] / (s[1].sqrt() / bc2.sqrt() + eps))
            };
            check_three_steps(&mut AdamW::<f64>::new(config).unwrap(), 2, 1e-12, rule);
            check_three_steps(&mut AdamW::<f32>::new(config).unwrap(), 2, 1e-5, rule);
        }
    }

    #[test]
    fn without_decay_it_is_adam_up_to_where_eps_sits() {
        // Adam's fixed 1e-7 against √v of order 1 moves each step by a
        // relative ~1e-7; the trajectories agree to that and no better.
        let config = AdamWConfig {
            weight_decay: 0.0,
            eps: 0.0,
            ..Default::default()
        };
        let ratio = quadratic(&mut AdamW::new(config).unwrap(), 10);
        let adam = quadratic(
            &mut crate::Adam::new(crate::AdamConfig::default()).unwrap(),
            10,
        );
        assert!((ratio - adam).abs() < 1e-6 * adam, "{ratio} vs {adam}");
        assert_ne!(ratio, adam);
    }

    #[test]
    fn reaches_the_neighbourhood_of_the_minimum_of_a_quadratic() {
        let config = AdamWConfig {
            lr: 0.05,
            weight_decay: 0.0,
            ..Default::default()
        };
        let ratio = quadratic(&mut AdamW::new(config).unwrap(), 1000);
        assert!(ratio < 1e-3, "{ratio}");
    }
}
