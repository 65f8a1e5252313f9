//! RMSprop, the book's `RMSprop`.

use nn_core::{Float, Parameters, Result};

use crate::optimizer::{common_methods, default_from_config, each3};
use crate::state::{Moments, check_rate, check_unit};
use crate::{EPSILON, Optimizer, Update};

/// Configuration of [`RmsProp`]; `Default` is the book's `RMSprop(lr=0.01, decay_rate=0.99)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsPropConfig {
    /// The learning rate.
    pub lr: f64,
    /// How much of the running mean of `g²` is kept per step, in `[0, 1)`.
    pub decay_rate: f64,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        Self {
            lr: 0.01,
            decay_rate: 0.99,
        }
    }
}

/// `h = ρ·h + (1 − ρ)·g²; p −= lr·g / (√h + 1e-7)`.
#[derive(Debug, Clone)]
pub struct RmsProp<F: Float> {
    config: RmsPropConfig,
    moments: Moments<F>,
}

impl<F: Float> RmsProp<F> {
    /// An RMSprop optimizer.
    ///
    /// # Errors
    /// A negative or non-finite rate, or a decay rate outside `[0, 1)`.
    pub fn new(config: RmsPropConfig) -> Result<Self> {
        check_rate("RMSprop.new", "lr", config.lr)?;
        check_unit("RMSprop.new", "decay_rate", config.decay_rate)?;
        Ok(Self {
            config,
            moments: Moments::new(&["h"]),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> RmsPropConfig {
        self.config
    }
}

default_from_config!(RmsProp);

impl<F: Float> Optimizer<F> for RmsProp<F> {
    common_methods!("RMSprop");

    fn update(&mut self, params: &mut dyn Parameters<F>) -> Result<Update> {
        let lr = F::from_f64(self.config.lr);
        let rho = F::from_f64(self.config.decay_rate);
        let keep = F::from_f64(1.0 - self.config.decay_rate);
        let eps = F::from_f64(EPSILON);
        self.moments.update("RMSprop.update", params, |p, state| {
            each3(p.value, p.grad.view(), &mut state[0], |w, g, h| {
                *h *= rho;
                *h += keep * g * g;
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
        for config in [
            RmsPropConfig::default(),
            RmsPropConfig {
                lr: 0.05,
                decay_rate: 0.8,
            },
        ] {
            // h = ρ·h + (1 − ρ)·g²; p −= lr·g / (√h + 1e-7)
            let rule = |_t: u64, w: f64, s: &mut [f64], g: f64| {
                s[0] = config.decay_rate * s[0] + (1.0 - config.decay_rate) * g * g;
                w - config.lr * g / (s[0].sqrt() + 1e-7)
            };
            check_three_steps(&mut RmsProp::<f64>::new(config).unwrap(), 1, 1e-12, rule);
            check_three_steps(&mut RmsProp::<f32>::new(config).unwrap(), 1, 1e-5, rule);
        }
    }

    #[test]
    fn reaches_the_neighbourhood_of_the_minimum_of_a_quadratic() {
        // A fixed rate makes RMSprop hover within about lr of the minimum.
        let ratio = quadratic(
            &mut RmsProp::new(RmsPropConfig {
                lr: 0.01,
                ..Default::default()
            })
            .unwrap(),
            1000,
        );
        assert!(ratio < 1e-3, "{ratio}");
    }
}
