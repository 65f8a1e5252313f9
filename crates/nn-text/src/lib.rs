//! Text for *Deep Learning from Scratch 2* (밑바닥부터 시작하는 딥러닝 2),
//! from chapter 2 on: words as ids, the PTB corpus, co-occurrence counts,
//! PPMI, cosine similarity and analogies, and the SVDs that turn counts into
//! word vectors.
//!
//! Chapter 2's small example, as `ch02/count_method_small.py`:
//!
//! ```
//! use nn_text::{create_co_matrix, ppmi, preprocess, svd, PPMI_EPS};
//!
//! let corpus = preprocess("You say goodbye and I say hello.")?;
//! let c = create_co_matrix(&corpus.ids, corpus.vocab.len(), 1)?;
//! let w = ppmi::<f32>(&c.view(), PPMI_EPS)?;
//! let d = svd(&w.view())?;
//! println!("{}", nn_text::numpy_str(&c.row(0).to_vec(), 3)); // [0 1 0 0 0 0 0]
//! println!("{}", nn_text::numpy_str(&w.row(0).to_vec(), 3)); // [0.    1.807 0. ...
//! assert!((d.s[0] - 3.168).abs() < 1e-3);
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! For a real corpus the counts and PPMI are sparse ([`co_occurrence`],
//! [`ppmi_sparse`], [`Csr`]) and the SVD is truncated
//! ([`randomized_svd`]): PTB's 10,000-word PPMI has 834,067 non-zeros of
//! 10⁸, and the same code takes a 100,000-word vocabulary.

#![warn(missing_docs)]

mod co_occurrence;
mod corpus;
pub mod download;
mod ppmi;
mod print;
pub mod ptb;
mod similarity;
mod sparse;
mod svd;

pub use co_occurrence::{co_occurrence, create_co_matrix};
pub use corpus::{Corpus, Vocabulary, preprocess};
pub use ppmi::{PPMI_EPS, ppmi, ppmi_sparse};
pub use print::{NumpyPrint, numpy_str, py_repr};
pub use similarity::{COS_EPS, Lookup, Ranking, analogy, cos_similarity, most_similar, normalize};
pub use sparse::Csr;
pub use svd::{LinalgFloat, RandomizedSvd, Svd, randomized_svd, svd};
