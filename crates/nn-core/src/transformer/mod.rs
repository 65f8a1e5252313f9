//! Beyond chapter 8: the Transformer the book points to (8.5.2 트랜스포머),
//! built from explicit layers in the style of the book's own: each a
//! forward and a backward, proven against PyTorch in float64.
//!
//! The parts of the book's figure of the Transformer, bottom to top:
//!
//! | the figure | here |
//! |---|---|
//! | Positional Encoding | [`PositionalEncoding`] (sinusoidal or learned) |
//! | Multi-Head Attention | [`MultiHeadAttention`] on [`ScaledDotProductAttention`]'s arithmetic |
//! | Masked Multi-Head Attention | the same with [`AttentionMask::CAUSAL`] |
//! | Add & Norm | a skip connection, the book's `TimeDropout`, [`LayerNorm`](crate::LayerNorm) |
//! | Feed Forward | [`FeedForward`] (ReLU between two affine layers) |
//! | the encoder's block, N× | [`TransformerEncoderLayer`], [`TransformerEncoder`] |
//! | the decoder's block, N× | [`TransformerDecoderLayer`], [`TransformerDecoder`] |
//!
//! Every layer is generic over `f32`/`f64`, built from given weights or
//! drawn ([`TransformerConfig`]), lists its parameters under PyTorch's
//! names, and keeps the attention weights of its last forward (every
//! layer, every head) for heat maps. Post-LN (the paper's) and pre-LN.

mod decoder_layer;
mod encoder_layer;
mod feed_forward;
mod multi_head_attention;
mod positional_encoding;
mod residual;
mod scaled_dot_product;
mod stack;

pub use decoder_layer::TransformerDecoderLayer;
pub use encoder_layer::{TransformerConfig, TransformerEncoderLayer};
pub use feed_forward::FeedForward;
pub use multi_head_attention::MultiHeadAttention;
pub use positional_encoding::PositionalEncoding;
pub use scaled_dot_product::{AttentionMask, ScaledDotProductAttention};
pub use stack::{TransformerDecoder, TransformerEncoder};
