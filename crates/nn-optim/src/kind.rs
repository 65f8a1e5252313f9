//! Choosing an optimizer by name, for command lines and configuration files.

use std::fmt;
use std::str::FromStr;

use nn_core::{Error, Float, Result};

use crate::{
    AdaGrad, AdaGradConfig, Adam, AdamConfig, AdamW, AdamWConfig, Momentum, MomentumConfig,
    Nesterov, NesterovConfig, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig,
};

/// The optimizers of this crate, by name.
///
/// ```
/// use nn_optim::OptimizerKind;
/// let kind: OptimizerKind = "adam".parse()?;
/// let adam = kind.build::<f32>(Some(0.01))?;
/// assert_eq!((adam.name(), adam.learning_rate()), ("Adam", 0.01));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptimizerKind {
    /// [`Sgd`]
    Sgd,
    /// [`Momentum`]
    Momentum,
    /// [`Nesterov`]
    Nesterov,
    /// [`AdaGrad`]
    AdaGrad,
    /// [`RmsProp`]
    RmsProp,
    /// [`Adam`]
    Adam,
    /// [`AdamW`]
    AdamW,
}

impl OptimizerKind {
    /// All of them, in the book's order, AdamW last.
    pub const ALL: [OptimizerKind; 7] = [
        Self::Sgd,
        Self::Momentum,
        Self::Nesterov,
        Self::AdaGrad,
        Self::RmsProp,
        Self::Adam,
        Self::AdamW,
    ];

    /// The lower-case name accepted by [`FromStr`] (`"rmsprop"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sgd => "sgd",
            Self::Momentum => "momentum",
            Self::Nesterov => "nesterov",
            Self::AdaGrad => "adagrad",
            Self::RmsProp => "rmsprop",
            Self::Adam => "adam",
            Self::AdamW => "adamw",
        }
    }

    /// The default learning rate (the book's, or PyTorch's for AdamW).
    pub fn default_lr(self) -> f64 {
        match self {
            Self::Adam | Self::AdamW => 0.001,
            _ => 0.01,
        }
    }

    /// The optimizer with its default hyperparameters, and `lr` if given.
    ///
    /// # Errors
    /// A negative or non-finite `lr`.
    pub fn build<F: Float>(self, lr: Option<f64>) -> Result<Box<dyn Optimizer<F> + Send>> {
        let lr = lr.unwrap_or(self.default_lr());
        Ok(match self {
            Self::Sgd => Box::new(Sgd::new(SgdConfig {
                lr,
                ..Default::default()
            })?),
            Self::Momentum => Box::new(Momentum::new(MomentumConfig {
                lr,
                ..Default::default()
            })?),
            Self::Nesterov => Box::new(Nesterov::new(NesterovConfig {
                lr,
                ..Default::default()
            })?),
            Self::AdaGrad => Box::new(AdaGrad::new(AdaGradConfig { lr })?),
            Self::RmsProp => Box::new(RmsProp::new(RmsPropConfig {
                lr,
                ..Default::default()
            })?),
            Self::Adam => Box::new(Adam::new(AdamConfig {
                lr,
                ..Default::default()
            })?),
            Self::AdamW => Box::new(AdamW::new(AdamWConfig {
                lr,
                ..Default::default()
            })?),
        })
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OptimizerKind {
    type Err = Error;

    /// Case-insensitive; refuses unknown names with the list of known ones.
    fn from_str(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let known: Vec<_> = Self::ALL.iter().map(|k| k.as_str()).collect();
                Error::invalid(
                    "OptimizerKind",
                    format!(
                        "unknown optimizer {name:?}; expected one of {}",
                        known.join(", ")
                    ),
                )
            })
    }
}
