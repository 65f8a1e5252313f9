//! Text and its statistics for *Deep Learning from Scratch 2* (밑바닥부터
//! 시작하는 딥러닝 2), from chapter 2 on: words as ids, the PTB corpus,
//! co-occurrence counts, PPMI, cosine similarity and analogies, and the SVDs
//! that turn counts into word vectors.
//!
//! Chapter 2's small example, as `ch02/count_method_small.py` (whose last
//! step, `svd(&w.view())`, gives the word vectors):
//!
//! ```
//! use nn_text::{create_co_matrix, numpy_str, ppmi, preprocess, PPMI_EPS};
//!
//! let corpus = preprocess("You say goodbye and I say hello.")?;
//! let c = create_co_matrix(&corpus.ids, corpus.vocab.len(), 1)?;
//! let w = ppmi::<f32>(&c.view(), PPMI_EPS)?;
//! assert_eq!(numpy_str(&c.row(0).to_vec(), 3), "[0 1 0 0 0 0 0]");
//! assert_eq!(numpy_str(&w.row(0).to_vec(), 3), "[0.    1.807 0.    0.    0.    0.    0.   ]");
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! Chapter 4's [`UnigramSampler`] (negative sampling as the book draws it)
//! and float16 evaluation as the book's `eval.py` computes it
//! ([`most_similar_f16`], [`analogy_f16`]); chapters 7 and 8's data sets
//! ([`sequence`]: the book's addition and date problems, shipped in the
//! crate, split as the book splits them). The book's networks, which train
//! on this text, are in the `nn-models` crate.
//!
//! The SVDs need LAPACK, which the default feature `blas` takes from the
//! system's OpenBLAS; without it the rest of the crate builds in pure Rust.
//!
//! For a real corpus the counts and PPMI are sparse ([`co_occurrence`],
//! [`ppmi_sparse`], [`Csr`]) and the SVD is truncated
//! ([`randomized_svd`]): PTB's 10,000-word PPMI has 834,067 non-zeros of
//! 10⁸, and the same code takes a 100,000-word vocabulary.

#![warn(missing_docs)]

mod co_occurrence;
mod contexts;
mod corpus;
pub mod download;
mod ppmi;
mod print;
pub mod ptb;
mod sampler;
pub mod sequence;
mod similarity;
mod similarity_f16;
mod sparse;
#[cfg(feature = "blas")]
mod svd;

pub use co_occurrence::{co_occurrence, create_co_matrix};
pub use contexts::{convert_one_hot, create_contexts_target};
pub use corpus::{Corpus, Vocabulary, preprocess};
pub use ppmi::{PPMI_EPS, ppmi, ppmi_sparse};
pub use print::{NumpyPrint, numpy_str, py_repr};
pub use sampler::{UnigramSampler, walker_table};
pub use similarity::{
    COS_EPS, Lookup, Ranking, VectorOrRows, analogy, cos_similarity, most_similar, normalize,
};
pub use similarity_f16::{analogy_f16, most_similar_f16};
pub use sparse::Csr;
#[cfg(feature = "blas")]
pub use svd::{LinalgFloat, RandomizedSvd, Svd, randomized_svd, svd};
