//! The layers of chapter 1, one per file.

mod affine;
pub(crate) mod matmul;
mod relu;
mod sigmoid;
mod softmax;
mod softmax_with_loss;

pub use affine::Affine;
pub use matmul::MatMul;
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softmax::Softmax;
pub use softmax_with_loss::SoftmaxWithLoss;
