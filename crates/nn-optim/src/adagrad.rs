//! AdaGrad, the book's `AdaGrad`.

use nn_core::{Float, Parameters, Result};

use crate::optimizer::{common_methods, default_from_config, each3};
use crate::state::{Moments, check_rate};
use crate::{EPSILON, Optimizer, Update};

/// Configuration of [`AdaGrad`]; `Default` is the book's `AdaGrad(lr=0.01)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaGradConfig {
    /// The learning rate.
    pub lr: f64,
}

impl Default for AdaGradConfig {
    fn default() -> Self {
        Self { lr: 0.01 }
    }
}

/// `h += g²; p −= lr·g / (√h + 1e-7)`.
#[derive(Debug, Clone)]
pub struct AdaGrad<F: Float> {
    config: AdaGradConfig,
    moments: Moments<F>,
}

impl<F: Float> AdaGrad<F> {
    /// An AdaGrad optimizer.
    ///
    /// # Errors
    /// A negative or non-finite learning rate.
    pub fn new(config: AdaGradConfig) -> Result<Self> {
        check_rate("AdaGrad.new", "lr", config.lr)?;
        Ok(Self {
            config,
            moments: Moments::new(&["h"]),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> AdaGradConfig {
        self.config
    }
}

default_from_config!(AdaGrad);

impl<F: Float> Optimizer<F> for AdaGrad<F> {
    common_methods!("AdaGrad");

    fn update(&mut self, params: &mut dyn Parameters<F>) -> Result<Update> {
        let lr = F::from_f64(self.config.lr);
        let eps = F::from_f64(EPSILON);
        self.moments.update("AdaGrad.update", params, |p, state| {
            each3(p.value, p.grad.view(), &mut state[0], |w, g, h| {
                *h += g * g;
                *w -= lr * g / (h.sqrt() + eps);
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
        for config in [AdaGradConfig::default(), AdaGradConfig { lr: 0.7 }] {
            // h += g²; p −= lr·g / (√h + 1e-7)
            let rule = |_t: u64, w: f64, s: &mut [f64], g: f64| {
                s[0] += g * g;
                w - config.lr * g / (s[0].sqrt() + 1e-7)
            };
            check_three_steps(&mut AdaGrad::<f64>::new(config).unwrap(), 1, 1e-12, rule);
            check_three_steps(&mut AdaGrad::<f32>::new(config).unwrap(), 1, 1e-5, rule);
        }
    }

    #[test]
    fn reaches_the_minimum_of_a_quadratic() {
        let ratio = quadratic(&mut AdaGrad::new(AdaGradConfig { lr: 1.0 }).unwrap(), 300);
        assert!(ratio < 1e-6, "{ratio}");
    }
}
