//! The layers, one per file: chapter 1's, and chapter 4's `Embedding`,
//! `EmbeddingDot` and `SigmoidWithLoss`, `common/layers.py`'s `Dropout`, and
//! the Transformer's `LayerNorm` (8.5.2).

pub(crate) mod affine;
pub(crate) mod dropout;
pub(crate) mod embedding;
mod embedding_dot;
mod layer_norm;
pub(crate) mod matmul;
mod relu;
mod sigmoid;
mod sigmoid_with_loss;
mod softmax;
mod softmax_with_loss;

pub use affine::Affine;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use embedding_dot::EmbeddingDot;
pub use layer_norm::LayerNorm;
pub use matmul::MatMul;
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use sigmoid_with_loss::SigmoidWithLoss;
pub use softmax::Softmax;
pub use softmax_with_loss::SoftmaxWithLoss;
