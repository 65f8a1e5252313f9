//! Chapter 1 of *Deep Learning from Scratch 2*, run: the two-layer net
//! trained on the spiral data set, number for number as the book's
//! `ch01/train_custom_loop.py`, with the book's two figures.
//!
//! `cargo run --release -p nn-examples` runs it; this library holds what the
//! binary does, so that tests and other programs can call it:
//!
//! ```no_run
//! let outcome = nn_examples::run::train(&nn_examples::run::TrainConfig::default())?;
//! assert_eq!(outcome.accuracy, (291, 300));
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! The reusable training pieces (Trainer, numpy's generator, npz files) are in
//! the `nn-train` crate.

#![warn(missing_docs)]

pub mod ch02;
pub mod ch03;
pub mod ch04;
pub mod ch05;
pub mod ch06;
pub mod ch07;
pub mod ch08;
pub mod net;
pub mod plot;
pub mod run;

pub use net::{LEGACY_PARAM_NAMES, two_layer_net};

/// Any Rust example the READMEs show, compiled and run as a doctest so that it
/// stays true (the companion book's snippets are tests of their own, in
/// `tests/book/`).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The Korean README, held to the same rule.
#[cfg(doctest)]
#[doc = include_str!("../../README.ko.md")]
pub struct ReadmeKoDoctests;
