//! The book's `TwoLayerNet`, built on nn-core's `Sequential`.

use nn_core::{Affine, Float, Init, Randn, Result, Sequential, Sigmoid, SoftmaxWithLoss};

/// The parameter names of [`two_layer_net`], in order, as the book's
/// `params` list and as `params.npz` stores them.
pub const PARAM_NAMES: [&str; 4] = ["W1", "b1", "W2", "b2"];

/// `TwoLayerNet(input, hidden, output)`: Affine → Sigmoid → Affine with
/// SoftmaxWithLoss; `W = 0.01·randn` (W1 drawn before W2, row-major, as
/// numpy's `randn(I, H)`), `b = 0`.
///
/// # Errors
/// A size of zero.
pub fn two_layer_net<F: Float>(
    input: usize,
    hidden: usize,
    output: usize,
    rng: &mut dyn Randn,
) -> Result<Sequential<F>> {
    Ok(Sequential::new(SoftmaxWithLoss::new())
        .with(Affine::init(input, hidden, Init::BOOK, rng)?)
        .with(Sigmoid::new())
        .with(Affine::init(hidden, output, Init::BOOK, rng)?))
}
