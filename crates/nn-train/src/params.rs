//! A model's parameters as `.npz`, each array under the parameter's name
//! (the book's `save_params` / `load_params`, which pickle the `params`
//! list): what `numpy.load` reads and what resumes a run.

use std::any::Any;
use std::collections::HashSet;
use std::path::Path;

use ndarray::ArrayD;
use nn_core::{Error, Float, Parameters, Result};

use crate::{NpyArray, Npz};

/// How [`save_params`] stores the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// The model's own type, losslessly: what a run that resumes needs.
    #[default]
    Native,
    /// float16, as the book's `save_params` stores its models (half the
    /// size of float32, about three decimal digits).
    F16,
}

/// Converts a float array to the matching `.npy` type.
pub fn float_array<F: Float>(array: ArrayD<F>) -> NpyArray {
    let any: Box<dyn Any> = Box::new(array);
    match any.downcast::<ArrayD<f64>>() {
        Ok(a) => NpyArray::F64(*a),
        Err(any) => match any.downcast::<ArrayD<f32>>() {
            Ok(a) => NpyArray::F32(*a),
            Err(_) => unreachable!("Float is sealed to f32 and f64"),
        },
    }
}

/// The array as `F`, if it holds `F`.
pub fn as_float<F: Float>(array: &NpyArray) -> Option<&ArrayD<F>> {
    match array {
        NpyArray::F64(a) => (a as &dyn Any).downcast_ref(),
        NpyArray::F32(a) => (a as &dyn Any).downcast_ref(),
        _ => None,
    }
}

/// Every parameter of `model` as named arrays, each under its name
/// ([`Parameters::param_names`]), in `precision`.
///
/// # Errors
/// Two parameters of the same name (a model that doesn't scope its parts'
/// names), named.
pub fn params_npz<F: Float>(model: &mut dyn Parameters<F>, precision: Precision) -> Result<Npz> {
    let mut npz = Npz::new();
    let mut duplicate = None;
    model.visit_params(&mut |p| {
        let name = p.name.to_string();
        if npz.get(&name).is_some() {
            duplicate.get_or_insert(name.clone());
        }
        let array = match precision {
            Precision::Native => float_array(p.value.to_owned()),
            Precision::F16 => NpyArray::f16_from_f64(&p.value.mapv(F::as_f64)),
        };
        npz.insert(name, array);
        Ok(())
    })?;
    match duplicate {
        Some(name) => Err(Error::invalid(
            "save_params",
            format!(
                "two parameters are named {name}: a model must list its parts' \
                 parameters under the parts' names (nn_core::scoped)"
            ),
        )),
        None => Ok(npz),
    }
}

/// Writes every parameter of `model` to an `.npz` file under its name
/// (`0.W`, `lstm.Wx`, `decoder.affine.b`, …) in `precision`, atomically.
/// `numpy.load` reads it.
///
/// ```
/// use nn_core::{Affine, Init, Sequential, Sigmoid, SoftmaxWithLoss};
/// use nn_train::{load_params, save_params, Npz, Precision};
/// let rng = &mut rand::rng();
/// let mut net = Sequential::<f32>::new(SoftmaxWithLoss::new())
///     .with_named("affine1", Affine::init(2, 10, Init::BOOK, rng)?)
///     .with(Sigmoid::new())
///     .with_named("affine2", Affine::init(10, 3, Init::BOOK, rng)?);
/// let dir = tempfile::tempdir().map_err(|e| nn_core::Error::file("tmp", e.to_string()))?;
/// let path = dir.path().join("params.npz");
/// save_params(&path, &mut net, Precision::Native)?;
/// let names: Vec<_> = Npz::read(&path)?.names().map(str::to_owned).collect();
/// assert_eq!(names, ["affine1.W", "affine1.b", "affine2.W", "affine2.b"]);
/// load_params(&path, &mut net)?;
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// Two parameters of the same name, or an I/O error, named with the path.
pub fn save_params<F: Float>(
    path: impl AsRef<Path>,
    model: &mut dyn Parameters<F>,
    precision: Precision,
) -> Result<()> {
    let path = path.as_ref();
    params_npz(model, precision)
        .map_err(|e| Error::file(path, e.to_string()))?
        .write(path)
}

/// Reads parameters saved by [`save_params`] into `model`, after checking
/// every array's name, type and shape against it: the file must hold
/// exactly the model's parameters, by name, each of its parameter's shape,
/// in a float type that converts to the model's exactly (float16 into
/// float32 or float64, float32 into float64, or the model's own).
///
/// # Errors
/// A missing or damaged file, or a mismatch, named:
/// `params.npz: affine2.W has shape [10, 4], the model expects [10, 3]`.
/// The model is unchanged on error.
pub fn load_params<F: Float>(path: impl AsRef<Path>, model: &mut dyn Parameters<F>) -> Result<()> {
    let path = path.as_ref();
    let npz = Npz::read(path)?;
    load_params_from(&npz, path, model, &[])
}

/// As [`load_params`], from arrays already read (`path` names them in
/// messages). `legacy` gives, when not empty, the names the model's
/// parameters were saved under before (in the model's order): a file that
/// holds none of the current names but all of these is read by them, so
/// that files of an older naming still load.
///
/// # Errors
/// As [`load_params`], and `legacy` of another length than the model's
/// parameters.
pub fn load_params_from<F: Float>(
    npz: &Npz,
    path: &Path,
    model: &mut dyn Parameters<F>,
    legacy: &[&str],
) -> Result<()> {
    let fail = |detail: String| Error::file(path, detail);
    let current = model.param_names();
    if !legacy.is_empty() && legacy.len() != current.len() {
        return Err(fail(format!(
            "{} older names given for a model of {} parameters",
            legacy.len(),
            current.len()
        )));
    }
    let names: Vec<&str> = if !legacy.is_empty()
        && current.iter().all(|n| npz.get(n).is_none())
        && legacy.iter().all(|n| npz.get(n).is_some())
    {
        legacy.to_vec()
    } else {
        current.iter().map(String::as_str).collect()
    };
    let known: HashSet<&str> = names.iter().copied().collect();
    if let Some(extra) = npz.names().find(|n| !known.contains(n)) {
        return Err(fail(format!(
            "unexpected array {extra} (the model has {})",
            names.join(", ")
        )));
    }
    // Check everything before writing anything.
    let mut arrays: Vec<ArrayD<F>> = Vec::with_capacity(names.len());
    let mut k = 0;
    model.visit_params(&mut |p| {
        let name = names[k];
        let array = npz.get(name).ok_or_else(|| {
            let present: Vec<_> = npz.names().collect();
            fail(format!(
                "no array named {name} (the file has {})",
                present.join(", ")
            ))
        })?;
        let values = exact::<F>(array).ok_or_else(|| {
            fail(format!(
                "{name} has dtype {}, the model expects {}",
                array.dtype(),
                F::DTYPE
            ))
        })?;
        if values.shape() != p.value.shape() {
            return Err(fail(format!(
                "{name} has shape {:?}, the model expects {:?}",
                values.shape(),
                p.value.shape()
            )));
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(fail(format!("{name} holds a non-finite value ({v})")));
        }
        arrays.push(values);
        k += 1;
        Ok(())
    })?;
    let mut k = 0;
    model.visit_params(&mut |mut p| {
        p.value.assign(&arrays[k]);
        k += 1;
        Ok(())
    })
}

/// `array` as `F` when every value converts exactly: the same type, or a
/// narrower float.
fn exact<F: Float>(array: &NpyArray) -> Option<ArrayD<F>> {
    if let Some(same) = as_float::<F>(array) {
        return Some(same.clone());
    }
    let narrower = match array {
        NpyArray::F16(_) => true,
        NpyArray::F32(_) => F::DTYPE == "float64",
        _ => false,
    };
    narrower.then(|| array.to_f64().map(|a| a.mapv(F::from_f64)))?
}
