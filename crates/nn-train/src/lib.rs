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

#![warn(missing_docs)]

mod checkpoint;
mod generator;
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
