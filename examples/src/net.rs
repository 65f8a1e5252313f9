//! The book's `TwoLayerNet`, built on nn-core's `Sequential`.

use nn_core::{Affine, Float, Init, Randn, Result, Sequential, Sigmoid, SoftmaxWithLoss};

/// The names `params.npz` held [`two_layer_net`]'s parameters under before
/// they were named by layer (version 0.1), in order: such files still load.
pub const LEGACY_PARAM_NAMES: [&str; 4] = ["W1", "b1", "W2", "b2"];

/// `TwoLayerNet(input, hidden, output)`: Affine → Sigmoid → Affine with
/// SoftmaxWithLoss; `W = 0.01·randn` (W1 drawn before W2, row-major, as
/// numpy's `randn(I, H)`), `b = 0`. The layers are named `affine1`,
/// `sigmoid`, `affine2`, so the parameters are `affine1.W`, `affine1.b`,
/// `affine2.W`, `affine2.b`: the book's `W1`, `b1`, `W2`, `b2`.
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
        .with_named("affine1", Affine::init(input, hidden, Init::BOOK, rng)?)
        .with_named("sigmoid", Sigmoid::new())
        .with_named("affine2", Affine::init(hidden, output, Init::BOOK, rng)?))
}
