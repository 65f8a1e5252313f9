//! Training for [`nn_core`] models, as *Deep Learning from Scratch 2* trains
//! them: the book's [`Trainer`] (for any [`Model`]: chapter 1's net, chapter
//! 4's CBOW), numpy's random numbers ([`NumpyRandom`]) so that runs are the
//! book's runs draw for draw, the [`Spiral`] data set, and `.npz` files
//! (float16 to float64) that `numpy.load` reads and that resume a run bit for
//! bit.
//!
//! This crate is a library of its own, apart from the `nn-examples` binary,
//! so that a program can train with it without a command-line parser, a
//! plotting library or fonts.
//!
//! The book's data and initial weights from its seed:
//!
//! ```
//! use nn_core::{Init, Randn};
//! use nn_train::{NumpyRandom, Spiral};
//!
//! let mut rng = NumpyRandom::new(1984);                    // np.random.seed(1984)
//! let (x, t) = Spiral::default().generate(&mut rng)?;      // spiral.load_data()
//! let w1 = Init::BOOK.matrix::<f64>(2, 10, &mut rng)?;     // 0.01 * np.random.randn(2, 10)
//! let epoch_order = rng.permutation(300);                  // np.random.permutation(300)
//! assert_eq!((x.nrows(), t[299], w1.dim(), epoch_order.len()), (300, 2, (2, 10), 300));
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! The book's run, trained by the book's [`Trainer`], saved by name and
//! loaded again:
//!
//! ```
//! use nn_core::{Affine, Init, Sequential, Sigmoid, SoftmaxWithLoss};
//! use nn_optim::OptimizerKind;
//! use nn_train::{FitConfig, NumpyRandom, Precision, Silent, Spiral, Trainer, load_params, save_params};
//!
//! let mut rng = NumpyRandom::new(1984);
//! let (x, t) = Spiral::default().generate(&mut rng)?;
//! let net = Sequential::new(SoftmaxWithLoss::new())
//!     .with_named("affine1", Affine::init(2, 10, Init::BOOK, &mut rng)?)
//!     .with_named("sigmoid", Sigmoid::new())
//!     .with_named("affine2", Affine::init(10, 3, Init::BOOK, &mut rng)?);
//! let mut trainer = Trainer::new(net, OptimizerKind::Sgd.build(Some(1.0))?);
//! let config = FitConfig { max_epoch: 30, batch_size: 30, eval_interval: Some(10), ..FitConfig::default() };
//! trainer.fit(x.view(), &t, &config, &mut rng, &mut Silent)?;
//! let dir = tempfile::tempdir().map_err(|e| nn_core::Error::file("tmp", e.to_string()))?;
//! let path = dir.path().join("params.npz");                // affine1.W, affine1.b, affine2.W, affine2.b
//! save_params(&path, trainer.model(), Precision::Native)?;
//! load_params(&path, trainer.model())?;
//! # Ok::<(), nn_core::Error>(())
//! ```

#![warn(missing_docs)]

mod checkpoint;
mod generator;
mod iteration_times;
mod npy;
mod npz;
mod numpy_random;
mod params;
mod progress;
mod spiral;
mod trainer;

pub use checkpoint::{
    RunState, insert_generator, insert_optimizer, read_generator, read_optimizer,
};
pub use generator::{Generator, GeneratorState, Shuffle};
pub use iteration_times::IterationTimes;
pub use npy::NpyArray;
pub use npz::{Npz, NpzFields, write_atomic};
pub use numpy_random::{NumpyRandom, NumpyState};
pub use params::{
    Precision, as_float, float_array, load_params, load_params_from, params_npz, save_params,
};
pub use progress::{Bar, PlainLines, Progress, Silent, for_stdout};
pub use spiral::{Spiral, one_hot};
pub use trainer::{
    FitConfig, Model, Record, RecordStyle, Trainer, TrainerState, accuracy, predict_classes,
};

#[cfg(test)]
#[rustfmt::skip]
mod test_vectors;
