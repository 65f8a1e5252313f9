//! Beyond chapter 8: the Transformer the book points to (8.5.2 트랜스포머),
//! built from explicit layers in the style of the book's own: each a
//! forward and a backward, proven against PyTorch in float64.
//!
//! So far: [`PositionalEncoding`], [`ScaledDotProductAttention`] with its
//! [`AttentionMask`] (causal, padding), and [`LayerNorm`](crate::LayerNorm),
//! a row layer beside chapter 1's.

mod positional_encoding;
mod scaled_dot_product;

pub use positional_encoding::PositionalEncoding;
pub use scaled_dot_product::{AttentionMask, ScaledDotProductAttention};
