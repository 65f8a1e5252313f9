//! A model's parameters as `.npz` (the book's `BaseModel.save_params` /
//! `load_params`, which pickle them as float16), for the language models of
//! chapters 5–6 and the seq2seq models of chapters 7–8.

use std::path::Path;

use nn_core::{Error, Float, Parameters, Result};
use nn_train::{NpyArray, Npz, float_array, load_params_converting};

/// A model whose parameters have names: what [`save_params`] writes and
/// [`load_params`] checks.
pub trait NamedParameters<F: Float>: Parameters<F> {
    /// The book's class name (`"Rnnlm"`), for messages and file names.
    fn name(&self) -> &'static str;

    /// The names of the parameters in [`Parameters`] order, as saved.
    fn param_names(&self) -> &'static [&'static str];
}

/// How parameters are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// float16, as the book's `save_params` stores them (half the size of
    /// float32, about three decimal digits).
    #[default]
    F16,
    /// The model's own type, losslessly (what checkpoints need).
    Native,
}

/// Writes `model`'s parameters to `path` under its
/// [`param_names`](NamedParameters::param_names), in `precision`,
/// atomically (`numpy.load` reads the file).
///
/// # Errors
/// An I/O error, named with the path.
pub fn save_params<F: Float>(
    path: impl AsRef<Path>,
    model: &mut dyn NamedParameters<F>,
    precision: Precision,
) -> Result<()> {
    let path = path.as_ref();
    let names = model.param_names();
    let mut npz = Npz::new();
    let mut k = 0;
    model.visit_params(&mut |p| {
        let name = names.get(k).ok_or_else(|| {
            Error::file(
                path,
                format!("the model has more parameters than {names:?}"),
            )
        })?;
        let value = p.value.to_owned();
        let array = match precision {
            Precision::F16 => NpyArray::f16_from_f64(&value.mapv(|v| v.as_f64())),
            Precision::Native => float_array(value),
        };
        npz.insert(*name, array);
        k += 1;
        Ok(())
    })?;
    npz.write(path)
}

/// Reads parameters saved by [`save_params`] (float16, float32 or float64;
/// the book's own converted by `scripts/convert_book_params.py`) into
/// `model`, after checking every name and shape: parameters of another
/// model or vocabulary are refused with the array, its shape and the
/// model's. The model is unchanged on error.
///
/// # Errors
/// A missing or damaged file, or a mismatch.
pub fn load_params<F: Float>(
    path: impl AsRef<Path>,
    model: &mut dyn NamedParameters<F>,
) -> Result<()> {
    let path = path.as_ref();
    let npz = Npz::read(path)?;
    let names = model.param_names();
    load_params_converting(&npz, path, model, names).map_err(|e| match e {
        Error::File { path, detail } => Error::File {
            path,
            detail: format!("{detail} (for the book's {})", model.name()),
        },
        other => other,
    })
}
