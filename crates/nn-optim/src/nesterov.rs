//! Nesterov's accelerated gradient, the book's `Nesterov`.

use nn_core::{Float, Parameters, Result};

use crate::optimizer::{common_methods, default_from_config, each3};
use crate::state::{Moments, check_rate, check_unit};
use crate::{Optimizer, Update};

/// Configuration of [`Nesterov`]; `Default` is the book's `Nesterov(lr=0.01, momentum=0.9)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NesterovConfig {
    /// The learning rate.
    pub lr: f64,
    /// The momentum coefficient, in `[0, 1)`.
    pub momentum: f64,
}

impl Default for NesterovConfig {
    fn default() -> Self {
        Self {
            lr: 0.01,
            momentum: 0.9,
        }
    }
}

/// The book's form of Nesterov momentum:
/// `v = m·v − lr·g; p += m·m·v; p −= (1 + m)·lr·g`.
#[derive(Debug, Clone)]
pub struct Nesterov<F: Float> {
    config: NesterovConfig,
    moments: Moments<F>,
}

impl<F: Float> Nesterov<F> {
    /// A Nesterov optimizer.
    ///
    /// # Errors
    /// A negative or non-finite rate, or a momentum outside `[0, 1)`.
    pub fn new(config: NesterovConfig) -> Result<Self> {
        check_rate("Nesterov.new", "lr", config.lr)?;
        check_unit("Nesterov.new", "momentum", config.momentum)?;
        Ok(Self {
            config,
            moments: Moments::new(&["v"]),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> NesterovConfig {
        self.config
    }
}

default_from_config!(Nesterov);

impl<F: Float> Optimizer<F> for Nesterov<F> {
    common_methods!("Nesterov");

    fn update(&mut self, params: &mut dyn Parameters<F>) -> Result<Update> {
        let (lr, m) = (self.config.lr, self.config.momentum);
        // The book multiplies the scalars first: momentum * momentum * v and
        // (1 + momentum) * lr * g.
        let (lr_f, m_f) = (F::from_f64(lr), F::from_f64(m));
        let (mm, step) = (F::from_f64(m * m), F::from_f64((1.0 + m) * lr));
        self.moments.update("Nesterov.update", params, |p, state| {
            each3(p.value, p.grad.view(), &mut state[0], |w, g, v| {
                *v = *v * m_f - lr_f * g;
                *w += mm * *v;
                *w -= step * g;
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
            NesterovConfig::default(),
            NesterovConfig {
                lr: 0.3,
                momentum: 0.6,
            },
        ] {
            // v = m·v − lr·g; p += m·m·v; p −= (1 + m)·lr·g
            let m = config.momentum;
            let rule = |_t: u64, w: f64, s: &mut [f64], g: f64| {
                s[0] = m * s[0] - config.lr * g;
                let w = w + m * m * s[0];
                w - (1.0 + m) * config.lr * g
            };
            check_three_steps(&mut Nesterov::<f64>::new(config).unwrap(), 1, 1e-12, rule);
            check_three_steps(&mut Nesterov::<f32>::new(config).unwrap(), 1, 1e-5, rule);
        }
    }

    #[test]
    fn reaches_the_minimum_of_a_quadratic() {
        let ratio = quadratic(
            &mut Nesterov::new(NesterovConfig {
                lr: 0.05,
                ..Default::default()
            })
            .unwrap(),
            300,
        );
        assert!(ratio < 1e-6, "{ratio}");
    }
}
