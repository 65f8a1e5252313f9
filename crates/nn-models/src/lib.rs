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
//! - [`transformer`] (beyond chapter 8, section 8.5.2): a Transformer
//!   seq2seq for chapters 7–8's problems, and a decoder-only Transformer
//!   language model on PTB;
//! - [`params`]: a model's parameters saved and loaded by name, as the
//!   book's `save_params`/`load_params`.
//!
//! Text and its statistics (corpora, PTB, counting, the sampler, the
//! sequence data sets) are in `nn-text`, below this crate.
//!
//! Every model is drawn as the book draws it (`new`, from a generator) or
//! built from given arrays in the book's order (`from_weights`); its
//! parameters are named by part (`encoder.embed.W`, `decoder.lstm.Wx`, …)
//! in memory, in files and in errors; its parts and its last outputs can be
//! read. Chapter 7's seq2seq, trained by the book's `Trainer` for a few
//! steps, saved by name and loaded into a model built from its arrays:
//!
//! ```
//! use nn_core::Parameters;
//! use nn_models::params::{Precision, load_params, save_params};
//! use nn_models::seq2seq::{Seq2seq, Seq2seqDecoder, Seq2seqModel};
//! use nn_optim::OptimizerKind;
//! use nn_text::sequence::SequenceSet;
//! use nn_train::{FitConfig, NumpyRandom, Silent, Trainer};
//!
//! let mut rng = NumpyRandom::new(1984);
//! let data = SequenceSet::Addition.load_with(&mut rng)?;
//! let model = Seq2seq::<f32>::new(data.vocab.len(), 16, 32, &mut rng)?;
//! let mut trainer = Trainer::new(model, OptimizerKind::Adam.build(None)?);
//! let rows = ndarray::s![..512, ..];
//! let config = FitConfig { max_epoch: 1, batch_size: 128, max_grad: Some(5.0), ..FitConfig::default() };
//! trainer.fit_rows(data.x_train.slice(rows), data.t_train.slice(rows), &config, &mut rng, &mut Silent)?;
//! let model = trainer.model();
//! assert_eq!(model.param_names()[0], "encoder.embed.W");
//!
//! let dir = tempfile::tempdir().map_err(|e| nn_core::Error::file("tmp", e.to_string()))?;
//! let path = dir.path().join("Seq2seq.npz");
//! save_params(&path, model, Precision::F16)?; // float16, as the book's save_params
//! let (v, d, h) = (data.vocab.len(), 16, 32);
//! let zeros = |r, c| ndarray::Array2::zeros((r, c));
//! let lstm = |d: usize| (zeros(d, 4 * h), zeros(h, 4 * h), ndarray::Array1::zeros(4 * h));
//! let mut loaded = Seq2seq::<f32>::from_weights(
//!     (zeros(v, d), lstm(d)),
//!     (zeros(v, d), lstm(d), zeros(h, v), ndarray::Array1::zeros(v)),
//! )?;
//! load_params(&path, &mut loaded)?;
//! let answers = loaded.generate(data.x_test.slice(ndarray::s![..2, ..]), &[6, 6], 4)?;
//! assert_eq!(answers.dim(), (2, 4));
//! assert_eq!(loaded.decoder().lstm().hidden_size(), h);
//! # Ok::<(), nn_core::Error>(())
//! ```

#![warn(missing_docs)]

pub mod params;
pub mod rnnlm;
pub mod seq2seq;
mod shapes;
pub mod transformer;
pub mod word2vec;
