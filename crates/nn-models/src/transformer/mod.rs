//! Beyond chapter 8: the Transformer the book points to in 8.5.2
//! (트랜스포머), on the problems the book's readers already know.
//!
//! - [`TransformerSeq2seq`]: an encoder-decoder Transformer for chapters
//!   7–8's addition and dates, trained by `nn_train::Trainer` and scored by
//!   `eval_seq2seq` like the book's seq2seq models.
//! - [`TransformerLm`]: a decoder-only Transformer language model for PTB,
//!   its output tied to its embedding as `BetterRnnlm`'s, trained by
//!   `RnnlmTrainer`, scored by `eval_perplexity`, sampled by `generate`.
//!
//! Their layers are `nn_core::transformer`'s.

mod lm;
mod seq2seq;
mod sized_file;

pub use lm::{TransformerLm, TransformerLmConfig};
pub use seq2seq::{TransformerSeq2seq, TransformerSeq2seqConfig};
