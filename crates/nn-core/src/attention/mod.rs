//! Chapter 8's attention (`ch08/attention_layer.py`): the decoder looks back
//! at every encoder state and takes their weighted sum.
//!
//! [`AttentionWeight`] scores each encoder state `hs[:, t]` against the
//! decoder state `h` by their dot product and turns the scores into weights
//! with a softmax; [`WeightSum`] sums the states with those weights into the
//! context vector `c`; [`Attention`] is the two in a row, for one decoder
//! step; [`TimeAttention`] runs it for every step of the decoder. The first
//! three are the book's per-step classes, written as it writes them;
//! `TimeAttention` does each sequence's `T_dec` steps at once as matrix
//! products (`S = hs_dec · hs_encᵀ`, `C = softmax(S) · hs_enc`), which is the
//! book's loop over steps with the same sums.
//!
//! ```
//! use nn_core::attention::TimeAttention;
//! use ndarray::Array3;
//! let hs_enc = Array3::<f64>::from_shape_fn((2, 5, 4), |(n, t, h)| (n + t * h) as f64 / 10.0);
//! let hs_dec = Array3::<f64>::ones((2, 3, 4));
//! let mut attention = TimeAttention::new();
//! let c = attention.forward(hs_enc.view(), hs_dec.view())?.to_owned();
//! assert_eq!(c.dim(), (2, 3, 4));
//! // Each decoder step's weights over the 5 encoder steps sum to 1.
//! let a = attention.attention_weights();
//! assert!((a.slice(ndarray::s![1, 2, ..]).sum() - 1.0).abs() < 1e-12);
//! let (dhs_enc, dhs_dec) = attention.backward(Array3::ones((2, 3, 4)).view())?;
//! assert_eq!((dhs_enc.dim(), dhs_dec.dim()), ((2, 5, 4), (2, 3, 4)));
//! # Ok::<(), nn_core::Error>(())
//! ```

mod attention_weight;
mod step_attention;
mod time_attention;
mod weight_sum;

pub use attention_weight::AttentionWeight;
pub use step_attention::Attention;
pub use time_attention::TimeAttention;
pub use weight_sum::WeightSum;

use ndarray::{Array3, ArrayView2, ArrayView3};

use crate::{Error, Float, Result};

/// Resizes a 3-D buffer to `dim` (zeros on a new size), keeping it otherwise.
pub(crate) fn reshape3<F: Float>(buf: &mut Array3<F>, dim: (usize, usize, usize)) {
    if buf.dim() != dim {
        *buf = Array3::zeros(dim);
    }
}

/// `hs` `(N, T, H)` and a decoder state or weights `(N, K)` with `K = H`
/// (`per = "state"`) or `K = T` (`per = "step"`), all non-empty.
pub(crate) fn check_pair<F>(
    op: &'static str,
    hs: &ArrayView3<'_, F>,
    other: &ArrayView2<'_, F>,
    other_name: &str,
    per_step: bool,
) -> Result<()> {
    let (n, t, h) = hs.dim();
    let k = if per_step { t } else { h };
    if n == 0 || t == 0 || h == 0 || other.dim() != (n, k) {
        let expected = if per_step { "(N, T)" } else { "(N, H)" };
        return Err(Error::shape(
            op,
            format!(
                "hs must be (N, T, H) with N, T, H ≥ 1 and {other_name} {expected} \
                 (hs: {:?}, {other_name}: {:?})",
                hs.shape(),
                other.shape()
            ),
        ));
    }
    Ok(())
}

/// The backward checks of a per-step layer: forward ran, and `d` has the
/// output's shape.
pub(crate) fn check_grad<F>(
    op: &'static str,
    ready: bool,
    d: &ArrayView2<'_, F>,
    output: (usize, usize),
) -> Result<()> {
    if !ready {
        return Err(Error::BackwardBeforeForward { op });
    }
    if d.dim() != output {
        return Err(Error::shape(
            op,
            format!(
                "the gradient must have the shape of the last output (gradient: {:?}, output: {:?})",
                d.shape(),
                [output.0, output.1]
            ),
        ));
    }
    Ok(())
}
