//! Chapters 5 and 6: recurrent language models over word ids, built from
//! `nn_core::time`'s layers.

mod simple_rnnlm;

pub use simple_rnnlm::SimpleRnnlm;

use ndarray::Array2;
use nn_core::{Float, Randn};

/// The book's `(rn(rows, cols) / scale).astype('f')`: the normal draw
/// divided in double precision, then rounded to the float type, so that in
/// `f32` the weights equal the book's bit for bit from numpy's generator.
pub fn scaled_randn<F: Float>(
    rows: usize,
    cols: usize,
    scale: f64,
    rng: &mut (impl Randn + ?Sized),
) -> Array2<F> {
    Array2::from_shape_simple_fn((rows, cols), || F::from_f64(rng.randn() / scale))
}
