//! The computational graph of chapter 1 of *Deep Learning from Scratch 2*
//! (밑바닥부터 시작하는 딥러닝 2): layers with an explicit `forward` and
//! `backward`, on `ndarray`, with every matrix product on BLAS.
//!
//! A two-layer net, one training step's forward and backward pass, and a
//! check of its gradients against central differences:
//!
//! ```
//! use nn_core::{Affine, GradCheck, Init, Parameters, Sequential, Sigmoid, SoftmaxWithLoss};
//! use ndarray::array;
//! use rand::SeedableRng;
//!
//! let mut rng = rand::rngs::StdRng::seed_from_u64(1984);
//! let mut net = Sequential::new(SoftmaxWithLoss::new())
//!     .with(Affine::init(2, 10, Init::BOOK, &mut rng)?)
//!     .with(Sigmoid::new())
//!     .with(Affine::init(10, 3, Init::BOOK, &mut rng)?);
//!
//! let x = array![[0.5, -0.2], [0.1, 0.9], [-0.7, 0.3]];
//! let t = [2, 0, 1]; // class indices; one-hot rows work too
//! let loss = net.forward(&x, &t)?;
//! net.backward()?;
//! println!("loss {loss:.4}");
//!
//! // The book's params/grads lists, by name: 0.W, 0.b, 2.W, 2.b.
//! net.visit_params(&mut |p| {
//!     println!("{}: {:?}, |grad| = {:.3e}", p.name, p.value.shape(), p.grad.sum());
//!     Ok(())
//! })?;
//!
//! let report = GradCheck::default().model(&mut net, x.view(), &t)?;
//! assert!(report.max_error < 1e-6, "{report}");
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! Every layer is built from given weights (`from_weights`, the book's
//! constructor) or drawn (`init`), and shows what it computed last:
//!
//! ```
//! use nn_core::time::{TimeLayer, TimeLstm};
//! use nn_core::{Init, Parameters};
//! use ndarray::{Array1, Array2, Array3};
//!
//! let (d, h) = (3, 2);
//! let mut lstm = TimeLstm::from_weights(Array2::from_elem((d, 4 * h), 0.1), Array2::zeros((h, 4 * h)), Array1::zeros(4 * h), true)?;
//! let hs = lstm.forward(Array3::ones((5, 7, d)).view())?.to_owned(); // (N, T, H)
//! assert_eq!(lstm.gates().dim(), (5, 7, 4 * h));                      // f, g, i, o at every step
//! let (h_last, _c_last) = lstm.state().expect("stateful: carried into the next batch");
//! assert_eq!(h_last, hs.slice(ndarray::s![.., 6, ..]));
//! assert_eq!(lstm.param_names(), ["Wx", "Wh", "b"]);
//! let _drawn = TimeLstm::<f32>::init(d, h, true, Init::Xavier, &mut rand::rng())?; // the book's randn / √D
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! Everything is generic over the element type ([`Float`]: `f32` or `f64`).
//! Every mistake a caller can make (mismatched shapes, labels out of range,
//! `backward` before `forward`, a non-finite loss) is an [`Error`] naming the
//! layer, the operation and both shapes; none panics.
//!
//! Chapter 4's layers are here too ([`Embedding`], [`EmbeddingDot`],
//! [`SigmoidWithLoss`]), and weights shared by several layers ([`Shared`]:
//! the book's `remove_duplicate`, with one gradient summed over every use,
//! transposed uses included), which chapters 3, 4 and 6 build on; and
//! chapter 5–6's layers over sequences in [`time`] (`TimeRnn`, `TimeLstm`,
//! `TimeGru`, `TimeBiLstm`, `TimeEmbedding`, `TimeAffine`, `TimeDropout`,
//! `TimeSoftmaxWithLoss`, `TimeSigmoidWithLoss`), chapter 8's [`attention`]
//! (`WeightSum`, `AttentionWeight`, `Attention`, `TimeAttention`), and the
//! Transformer the book points to in 8.5.2 ([`transformer`]:
//! `MultiHeadAttention`, `PositionalEncoding`, `FeedForward`, the encoder and
//! decoder layers and their stacks, on [`LayerNorm`]), each equal to
//! PyTorch's in float64.
//!
//! The default feature `blas` sends matrix products to OpenBLAS; without it
//! (`--no-default-features`) ndarray's pure-Rust `matrixmultiply` is used.

#![warn(missing_docs)]

// Links OpenBLAS for ndarray's BLAS calls; exactly one crate may do this.
#[cfg(feature = "blas")]
extern crate blas_src;

pub mod attention;
pub mod blas;
mod error;
mod exp;
mod float;
mod forward_state;
mod functions;
pub mod gradcheck;
mod init;
mod labels;
mod layer;
pub mod layers;
mod model;
pub mod nodes;
pub mod parallel;
mod param_name;
pub mod shared;
mod shared_rng;
mod tanh;
pub mod time;
pub mod transformer;

pub use error::{Error, Result};
pub use float::Float;
pub use forward_state::ForwardState;
pub use functions::{
    CROSS_ENTROPY_DELTA, cross_entropy_error, relu, relu_scalar, sigmoid, sigmoid_scalar, softmax,
};
pub use gradcheck::{Differentiable, GradCheck, GradCheckReport, GradEntry};
pub use init::{Init, Randn, RandomSample};
pub use labels::Labels;
pub use layer::{Layer, Loss, Param, Parameters};
pub use layers::{
    Affine, Embedding, EmbeddingDot, LayerNorm, MatMul, Relu, Sigmoid, SigmoidWithLoss, Softmax,
    SoftmaxWithLoss,
};
pub use model::Sequential;
pub use nodes::{Repeat, Sum};
pub use param_name::{ParamName, scoped};
pub use shared::{Orientation, Shared, SharedRef};
pub use shared_rng::{RandomSource, SharedRng, SharedRngGuard};

/// The `ndarray` this crate is built on, so that users name the same version.
pub use ndarray;

#[cfg(test)]
mod test_util;
