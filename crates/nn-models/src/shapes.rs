//! The checks the models' constructors share: sizes, and the shapes their
//! arrays must agree on.

use ndarray::Array2;
use nn_core::Result;

/// Refuses a zero vocabulary, word-vector or hidden size, naming `op`.
pub(crate) fn check_sizes(op: &'static str, v: usize, d: usize, h: usize) -> Result<()> {
    if v == 0 || d == 0 || h == 0 {
        return Err(nn_core::Error::invalid(
            op,
            format!("vocab_size, wordvec_size and hidden_size must be ≥ 1, got {v}, {d}, {h}"),
        ));
    }
    Ok(())
}

/// Checks that a size two arrays of a model share agrees: axis `a.2` of
/// `a.1` (named `a.0`) and axis `b.2` of `b.1`; `size` names it (`"H"`).
pub(crate) fn agree<F>(
    op: &'static str,
    size: &str,
    a: (&str, &Array2<F>, usize),
    b: (&str, &Array2<F>, usize),
) -> Result<()> {
    let (x, y) = (a.1.shape()[a.2], b.1.shape()[b.2]);
    if x == y {
        return Ok(());
    }
    let axis = |i: usize| if i == 0 { "rows" } else { "columns" };
    Err(nn_core::Error::shape(
        op,
        format!(
            "{} has {x} {} but {} has {y} {}: both are {size} ({}: {:?}, {}: {:?})",
            a.0,
            axis(a.2),
            b.0,
            axis(b.2),
            a.0,
            a.1.shape(),
            b.0,
            b.1.shape()
        ),
    ))
}
