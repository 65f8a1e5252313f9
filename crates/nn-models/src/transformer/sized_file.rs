//! A Transformer's file: its parameters by name, and beside them the sizes
//! that rebuild it (heads, layers and widths a file of arrays alone can't
//! tell): `config` (uint64) and `config.eps` (float64).

use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use nn_core::{Error, Float, Parameters, Result};
use nn_train::{Npz, Precision, params_npz};

const CONFIG: &str = "config";
const EPS: &str = "config.eps";

/// Writes `model`'s parameters, `sizes` and `eps` to `path`, atomically.
pub(crate) fn save_sized<F: Float>(
    model: &mut dyn Parameters<F>,
    path: &Path,
    precision: Precision,
    sizes: &[usize],
    eps: f64,
) -> Result<()> {
    let fail = |e: String| Error::file(path, e);
    let mut npz = params_npz(model, precision).map_err(|e| fail(e.to_string()))?;
    let sizes = sizes.iter().map(|&v| v as u64).collect::<Vec<_>>();
    let sizes =
        ArrayD::from_shape_vec(IxDyn(&[sizes.len()]), sizes).map_err(|e| fail(e.to_string()))?;
    npz.insert(CONFIG, sizes);
    npz.insert(EPS, ArrayD::from_elem(IxDyn(&[]), eps));
    npz.write(path)
}

/// The `N` sizes and `ε` in `path`, and its parameters alone (for
/// `load_params_from`); `model` names the model in errors.
pub(crate) fn read_sized<const N: usize>(
    path: &Path,
    model: &str,
) -> Result<([usize; N], f64, Npz)> {
    let npz = Npz::read(path)?;
    let sizes = npz.fields(path).u64_vector(CONFIG)?;
    let eps = npz.fields(path).f64_scalar(EPS)?;
    let sizes = <[u64; N]>::try_from(sizes.as_slice())
        .map_err(|_| {
            Error::file(
                path,
                format!(
                    "{CONFIG} must hold the {N} sizes of a {model}, it holds {}",
                    sizes.len()
                ),
            )
        })?
        .map(|v| v as usize);
    let mut params = Npz::new();
    for name in npz.names().filter(|&n| n != CONFIG && n != EPS) {
        if let Some(array) = npz.get(name) {
            params.insert(name, array.clone());
        }
    }
    Ok((sizes, eps, params))
}
