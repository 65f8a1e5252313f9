//! The optimizers of *Deep Learning from Scratch 2* (`common/optimizer.py`),
//! updating [`nn_core`] parameters in place: [`Sgd`] (chapter 1's 가중치
//! 갱신), [`Momentum`], [`Nesterov`], [`AdaGrad`], [`RmsProp`], [`Adam`], and
//! PyTorch's [`AdamW`]; plus the book's gradient clipping ([`clip_grads`]) and
//! state that can be saved and restored to resume a run bit for bit.
//!
//! One training step of the book's two-layer net:
//!
//! ```
//! use nn_core::{Affine, Init, Sequential, Sigmoid, SoftmaxWithLoss};
//! use nn_optim::{Optimizer, Sgd, SgdConfig, Update};
//! use ndarray::array;
//! use rand::SeedableRng;
//!
//! let mut rng = rand::rngs::StdRng::seed_from_u64(1984);
//! let mut net = Sequential::new(SoftmaxWithLoss::new())
//!     .with(Affine::init(2, 10, Init::BOOK, &mut rng)?)
//!     .with(Sigmoid::new())
//!     .with(Affine::init(10, 3, Init::BOOK, &mut rng)?);
//! let mut sgd = Sgd::new(SgdConfig { lr: 1.0, ..SgdConfig::default() })?;
//!
//! let (x, t) = (array![[0.5, -0.2], [0.1, 0.9]], [2, 0]);
//! let before = net.forward(&x, &t)?;
//! net.backward()?;
//! nn_optim::clip_grads(&mut net, 5.0)?;        // optional, as the book's Trainer
//! assert_eq!(sgd.update(&mut net)?, Update::Applied);
//! assert!(net.forward(&x, &t)? < before);
//!
//! // Everything needed to resume: step count, moments, learning rate.
//! let state = sgd.state();
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! Optimizers keep per-parameter state by position, made on the first
//! update; every update first checks the parameters' count and shapes and the
//! gradients' finiteness, so a failed update changes nothing, and once the
//! state exists an update allocates nothing.

#![warn(missing_docs)]

mod adagrad;
mod adam;
mod adamw;
mod clip;
mod kind;
mod momentum;
mod nesterov;
mod optimizer;
mod rmsprop;
mod sgd;
mod state;

pub use adagrad::{AdaGrad, AdaGradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamw::{AdamW, AdamWConfig};
pub use clip::{ClipReport, clip_grads, scale_grads};
pub use kind::OptimizerKind;
pub use momentum::{Momentum, MomentumConfig};
pub use nesterov::{Nesterov, NesterovConfig};
pub use optimizer::Optimizer;
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use sgd::{Sgd, SgdConfig};
pub use state::{NonFinite, OptimizerState, Update};

/// The book's `1e-7` in the denominators of AdaGrad, RMSprop and Adam.
pub const EPSILON: f64 = 1e-7;

#[cfg(test)]
mod test_util;
