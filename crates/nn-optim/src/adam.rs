//! Adam, the book's `Adam`.

use nn_core::{Float, Parameters, Result};

use crate::optimizer::{common_methods, default_from_config, each4};
use crate::state::{Moments, check_rate, check_unit};
use crate::{EPSILON, Optimizer, Update};

/// Configuration of [`Adam`]; `Default` is the book's `Adam(lr=0.001, beta1=0.9, beta2=0.999)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// The learning rate.
    pub lr: f64,
    /// Decay of the first moment, in `[0, 1)`.
    pub beta1: f64,
    /// Decay of the second moment, in `[0, 1)`.
    pub beta2: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            lr: 0.001,
            beta1: 0.9,
            beta2: 0.999,
        }
    }
}

/// The book's Adam, with the bias correction folded into the rate:
/// `t += 1; lr_t = lr·√(1 − β2ᵗ) / (1 − β1ᵗ); m += (1 − β1)(g − m);
/// v += (1 − β2)(g² − v); p −= lr_t·m / (√v + 1e-7)`.
#[derive(Debug, Clone)]
pub struct Adam<F: Float> {
    config: AdamConfig,
    moments: Moments<F>,
}

impl<F: Float> Adam<F> {
    /// An Adam optimizer.
    ///
    /// # Errors
    /// A negative or non-finite rate, or a beta outside `[0, 1)`.
    pub fn new(config: AdamConfig) -> Result<Self> {
        check_rate("Adam.new", "lr", config.lr)?;
        check_unit("Adam.new", "beta1", config.beta1)?;
        check_unit("Adam.new", "beta2", config.beta2)?;
        Ok(Self {
            config,
            moments: Moments::new(&["m", "v"]),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> AdamConfig {
        self.config
    }
}

default_from_config!(Adam);

impl<F: Float> Optimizer<F> for Adam<F> {
    common_methods!("Adam");

    fn update(&mut self, params: &mut dyn Parameters<F>) -> Result<Update> {
        let AdamConfig { lr, beta1, beta2 } = self.config;
        // The step this update will be, if it is applied.
        let t = (self.moments.step + 1) as f64;
        let lr_t = F::from_f64(lr * (1.0 - beta2.powf(t)).sqrt() / (1.0 - beta1.powf(t)));
        let (k1, k2) = (F::from_f64(1.0 - beta1), F::from_f64(1.0 - beta2));
        let eps = F::from_f64(EPSILON);
        self.moments.update("Adam.update", params, |p, state| {
            let [m, v] = state else {
                unreachable!("Adam keeps two moments per parameter")
            };
            each4(p.value, p.grad.view(), m, v, |w, g, m, v| {
                *m += k1 * (g - *m);
                *v += k2 * (g * g - *v);
                *w -= lr_t * *m / (v.sqrt() + eps);
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
            AdamConfig::default(),
            AdamConfig {
                lr: 0.05,
                beta1: 0.5,
                beta2: 0.8,
            },
        ] {
            let AdamConfig { lr, beta1, beta2 } = config;
            // lr_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ); m += (1 − β1)(g − m);
            // v += (1 − β2)(g² − v); p −= lr_t·m/(√v + 1e-7)
            let rule = |t: u64, w: f64, s: &mut [f64], g: f64| {
                let lr_t = lr * (1.0 - beta2.powi(t as i32)).sqrt() / (1.0 - beta1.powi(t as i32));
                s[0] += (1.0 - beta1) * (g - s[0]);
                s[1] += (1.0 - beta2) * (g * g - s[1]);
                w - lr_t * s[0] / (s[1].sqrt() + 1e-7)
            };
            check_three_steps(&mut Adam::<f64>::new(config).unwrap(), 2, 1e-12, rule);
            check_three_steps(&mut Adam::<f32>::new(config).unwrap(), 2, 1e-5, rule);
        }
    }

    #[test]
    fn reaches_the_neighbourhood_of_the_minimum_of_a_quadratic() {
        let ratio = quadratic(
            &mut Adam::new(AdamConfig {
                lr: 0.05,
                ..Default::default()
            })
            .unwrap(),
            1000,
        );
        assert!(ratio < 1e-3, "{ratio}");
    }
}
