//! Momentum SGD, the book's `Momentum`.

use nn_core::{Float, Parameters, Result};

use crate::optimizer::{common_methods, default_from_config, each3};
use crate::state::{Moments, check_rate, check_unit};
use crate::{Optimizer, Update};

/// Configuration of [`Momentum`]; `Default` is the book's `Momentum(lr=0.01, momentum=0.9)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MomentumConfig {
    /// The learning rate.
    pub lr: f64,
    /// The momentum coefficient, in `[0, 1)`.
    pub momentum: f64,
    /// L2 weight decay added to the gradient, `g + λ·p`; 0 in the book.
    pub weight_decay: f64,
}

impl Default for MomentumConfig {
    fn default() -> Self {
        Self {
            lr: 0.01,
            momentum: 0.9,
            weight_decay: 0.0,
        }
    }
}

/// `v = m·v − lr·g; p += v`, with `v` starting at zero.
#[derive(Debug, Clone)]
pub struct Momentum<F: Float> {
    config: MomentumConfig,
    moments: Moments<F>,
}

impl<F: Float> Momentum<F> {
    /// A momentum optimizer.
    ///
    /// # Errors
    /// A negative or non-finite rate or decay, or a momentum outside `[0, 1)`.
    pub fn new(config: MomentumConfig) -> Result<Self> {
        check_rate("Momentum.new", "lr", config.lr)?;
        check_unit("Momentum.new", "momentum", config.momentum)?;
        check_rate("Momentum.new", "weight_decay", config.weight_decay)?;
        Ok(Self {
            config,
            moments: Moments::new(&["v"]),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> MomentumConfig {
        self.config
    }
}

default_from_config!(Momentum);

impl<F: Float> Optimizer<F> for Momentum<F> {
    common_methods!("Momentum");

    fn update(&mut self, params: &mut dyn Parameters<F>) -> Result<Update> {
        let lr = F::from_f64(self.config.lr);
        let m = F::from_f64(self.config.momentum);
        let wd = F::from_f64(self.config.weight_decay);
        self.moments.update("Momentum.update", params, |p, state| {
            each3(p.value, p.grad.view(), &mut state[0], |w, g, v| {
                let g = if wd == F::zero() { g } else { g + wd * *w };
                *v = m * *v - lr * g;
                *w += *v;
            });
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_three_steps, quadratic};

    #[test]
    fn three_steps_follow_the_formula_in_f64_and_f32() {
        let other = MomentumConfig {
            lr: 0.2,
            momentum: 0.5,
            weight_decay: 0.01,
        };
        for config in [MomentumConfig::default(), other] {
            // v = m·v − lr·(g + λ·p); p += v
            let rule = |_t: u64, w: f64, s: &mut [f64], g: f64| {
                s[0] = config.momentum * s[0] - config.lr * (g + config.weight_decay * w);
                w + s[0]
            };
            check_three_steps(&mut Momentum::<f64>::new(config).unwrap(), 1, 1e-12, rule);
            check_three_steps(&mut Momentum::<f32>::new(config).unwrap(), 1, 1e-5, rule);
        }
    }

    #[test]
    fn reaches_the_minimum_of_a_quadratic() {
        let ratio = quadratic(
            &mut Momentum::new(MomentumConfig {
                lr: 0.05,
                ..Default::default()
            })
            .unwrap(),
            300,
        );
        assert!(ratio < 1e-6, "{ratio}");
    }
}
