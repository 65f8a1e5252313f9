//! Stochastic gradient descent, the book's `SGD` (가중치 갱신).

use nn_core::{Float, Parameters, Result};

use crate::optimizer::{common_methods, default_from_config, each2};
use crate::state::{Moments, check_rate};
use crate::{Optimizer, Update};

/// Configuration of [`Sgd`]; `Default` is the book's `SGD(lr=0.01)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    /// The learning rate.
    pub lr: f64,
    /// L2 weight decay added to the gradient, `g + λ·p` (PyTorch's `weight_decay`); 0 in the book.
    pub weight_decay: f64,
}

impl Default for SgdConfig {
    fn default() -> Self {
        Self {
            lr: 0.01,
            weight_decay: 0.0,
        }
    }
}

/// `p −= lr·g` (with weight decay, `p −= lr·(g + λ·p)`).
///
/// ```
/// use nn_optim::{Optimizer, Sgd, SgdConfig};
/// let sgd = Sgd::<f64>::new(SgdConfig { lr: 1.0, ..SgdConfig::default() })?; // chapter 1's rate
/// assert_eq!(sgd.learning_rate(), 1.0);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<F: Float> {
    config: SgdConfig,
    moments: Moments<F>,
}

impl<F: Float> Sgd<F> {
    /// An SGD optimizer.
    ///
    /// # Errors
    /// A negative or non-finite learning rate or weight decay.
    pub fn new(config: SgdConfig) -> Result<Self> {
        check_rate("SGD.new", "lr", config.lr)?;
        check_rate("SGD.new", "weight_decay", config.weight_decay)?;
        Ok(Self {
            config,
            moments: Moments::new(&[]),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> SgdConfig {
        self.config
    }
}

default_from_config!(Sgd);

impl<F: Float> Optimizer<F> for Sgd<F> {
    common_methods!("SGD");

    fn update(&mut self, params: &mut dyn Parameters<F>) -> Result<Update> {
        let lr = F::from_f64(self.config.lr);
        let wd = F::from_f64(self.config.weight_decay);
        self.moments.update("SGD.update", params, |p, _| {
            if wd == F::zero() {
                each2(p.value, p.grad.view(), |w, g| *w -= lr * g);
            } else {
                each2(p.value, p.grad.view(), |w, g| *w -= lr * (g + wd * *w));
            }
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
            SgdConfig::default(),
            SgdConfig {
                lr: 1.0,
                weight_decay: 0.0,
            },
            SgdConfig {
                lr: 0.3,
                weight_decay: 0.05,
            },
        ] {
            // p −= lr·(g + λ·p)
            let rule = |_t: u64, w: f64, _s: &mut [f64], g: f64| {
                w - config.lr * (g + config.weight_decay * w)
            };
            check_three_steps(&mut Sgd::<f64>::new(config).unwrap(), 0, 1e-12, rule);
            check_three_steps(&mut Sgd::<f32>::new(config).unwrap(), 0, 1e-5, rule);
        }
    }

    #[test]
    fn reaches_the_minimum_of_a_quadratic() {
        let ratio = quadratic(
            &mut Sgd::new(SgdConfig {
                lr: 0.3,
                ..Default::default()
            })
            .unwrap(),
            100,
        );
        assert!(ratio < 1e-6, "{ratio}");
    }
}
