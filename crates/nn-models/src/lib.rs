//! The networks of *Deep Learning from Scratch 2* (밑바닥부터 시작하는 딥러닝 2)
//! from chapter 3 on, built from `nn_core`'s layers, with what trains and
//! uses them:
//!
//! - [`word2vec`] (chapters 3–4): the book's `SimpleCBOW`, `SimpleSkipGram`,
//!   `CBOW`, `SkipGram` and `NegativeSamplingLoss`, trained by
//!   `nn_train::Trainer` as the book trains them, and the word2vec tools'
//!   own algorithm ([`word2vec::fast`]);
//! - [`rnnlm`] (chapters 5–6, and 7.1's text generation): `SimpleRnnlm`,
//!   `Rnnlm` and `BetterRnnlm`, the book's `RnnlmTrainer` with checkpoints
//!   that resume a run exactly, `eval_perplexity` and `generate`;
//! - [`seq2seq`] (chapters 7–8): `Seq2seq`, `PeekySeq2seq`,
//!   `AttentionSeq2seq`, greedy generation in batches and `eval_seq2seq`;
//! - [`params`]: a model's parameters saved and loaded by name, as the
//!   book's `save_params`/`load_params`.
//!
//! Text and its statistics (corpora, PTB, counting, the sampler, the
//! sequence data sets) are in `nn-text`, below this crate.

#![warn(missing_docs)]

pub mod params;
pub mod rnnlm;
pub mod seq2seq;
mod shapes;
pub mod word2vec;
