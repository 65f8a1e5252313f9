//! A model's parameters as `.npz` (the book's `BaseModel.save_params` /
//! `load_params`, which pickle them as float16), for the language models of
//! chapters 5–6 and the seq2seq models of chapters 7–8, each array under its
//! parameter's name (`lstm.Wx`, `decoder.affine.b`).

use std::path::Path;

use nn_core::{Error, Float, Parameters, Result};
use nn_train::{Npz, load_params_from};

pub use nn_train::Precision;

/// One of the book's models: its class name, for messages, checkpoints and
/// file names, and the names its parameters were saved under before they
/// were hierarchical, so that those files still load.
pub trait NamedModel<F: Float>: Parameters<F> {
    /// The book's class name (`"Rnnlm"`).
    fn name(&self) -> &'static str;

    /// The names files of version 0.1 hold the parameters under, in
    /// [`Parameters`] order (`embed_W`, `lstm_Wx`, …); empty for a model
    /// whose names have not changed.
    fn legacy_param_names(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Writes `model`'s parameters to `path` under their names, in `precision`,
/// atomically (`numpy.load` reads the file).
///
/// # Errors
/// An I/O error, named with the path.
pub fn save_params<F: Float>(
    path: impl AsRef<Path>,
    model: &mut dyn NamedModel<F>,
    precision: Precision,
) -> Result<()> {
    nn_train::save_params(path, model, precision)
}

/// Reads parameters saved by [`save_params`] (float16, float32 or float64;
/// the book's own converted by `scripts/convert_book_params.py`) into
/// `model`, after checking every name and shape: parameters of another
/// model or vocabulary are refused with the array, its shape and the
/// model's. Files of the older names
/// ([`legacy_param_names`](NamedModel::legacy_param_names)) load too. The
/// model is unchanged on error.
///
/// # Errors
/// A missing or damaged file, or a mismatch.
pub fn load_params<F: Float>(path: impl AsRef<Path>, model: &mut dyn NamedModel<F>) -> Result<()> {
    let path = path.as_ref();
    let npz = Npz::read(path)?;
    let (name, legacy) = (model.name(), model.legacy_param_names());
    load_params_from(&npz, path, model, legacy).map_err(|e| match e {
        Error::File { path, detail } => Error::File {
            path,
            detail: format!("{detail} (for the book's {name})"),
        },
        other => other,
    })
}
