//! `ScaledDotProductAttention`: `softmax(q·kᵀ / √d + mask)·v`, the
//! Transformer's attention (book 8.5.2), with the causal and padding masks.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array3, ArrayView2, ArrayView3, ArrayViewMut2, Axis};

use crate::attention::reshape3 as resize;
use crate::time::check_dout;
use crate::{Error, Float, Result};

/// Which keys each query may attend to. A masked key gets weight 0 (its
/// score is −∞ before the softmax).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttentionMask<'a> {
    /// Query `i` sees keys `j ≤ i` only (a decoder's self-attention: no
    /// step sees the steps after it).
    pub causal: bool,
    /// Sequence `b` has `key_lengths[b]` real keys, the rest padding: a
    /// batch of sequences of different lengths.
    pub key_lengths: Option<&'a [usize]>,
}

impl AttentionMask<'_> {
    /// Every query sees every key.
    pub const NONE: AttentionMask<'static> = AttentionMask {
        causal: false,
        key_lengths: None,
    };

    /// The causal mask alone.
    pub const CAUSAL: AttentionMask<'static> = AttentionMask {
        causal: true,
        key_lengths: None,
    };
}

impl AttentionMask<'_> {
    /// Refuses key lengths that are not one per sequence of the `batch`,
    /// each in `1..=keys`.
    pub(crate) fn check(&self, op: &'static str, batch: usize, keys: usize) -> Result<()> {
        match self.key_lengths {
            Some(lengths)
                if lengths.len() != batch || lengths.iter().any(|&l| l == 0 || l > keys) =>
            {
                Err(Error::shape(
                    op,
                    format!(
                        "the mask's key lengths must be one per sequence, each in 1..={keys} \
                         (B = {batch}, Tk = {keys}, key lengths: {lengths:?})"
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Scaled dot-product attention over a batch: for sequence `b`, `S = q_b ·
/// k_bᵀ / √d`, masked keys set to −∞, `A = softmax(S)` by rows, `out = A ·
/// v_b`. Shapes: `q` `(B, Tq, d)`, `k` `(B, Tk, d)`, `v` `(B, Tk, dv)`,
/// out `(B, Tq, dv)`. The weights of the last forward stay readable for
/// heat maps ([`weights`](Self::weights)).
///
/// Backward: `dv = Aᵀ·dout`, `dA = dout·vᵀ`, `dS = A ⊙ (dA − rowsum(A ⊙
/// dA))` (zero where masked), `dq = dS·k / √d`, `dk = dSᵀ·q / √d`.
///
/// ```
/// use nn_core::transformer::{AttentionMask, ScaledDotProductAttention};
/// use ndarray::Array3;
/// let mut attention = ScaledDotProductAttention::<f64>::new();
/// let q = Array3::ones((1, 2, 4));
/// let v = Array3::from_shape_fn((1, 2, 1), |(_, j, _)| j as f64);
/// let out = attention.forward(q.view(), q.view(), v.view(), AttentionMask::CAUSAL)?;
/// // Step 0 sees only key 0; step 1 both keys, equally.
/// assert_eq!(out[[0, 0, 0]], 0.0);
/// assert_eq!(out[[0, 1, 0]], 0.5);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ScaledDotProductAttention<F: Float> {
    q: Array3<F>,
    k: Array3<F>,
    v: Array3<F>,
    /// The attention weights `(B, Tq, Tk)`; in backward `dS` is in `ds`.
    a: Array3<F>,
    ds: Array3<F>,
    out: Array3<F>,
    dq: Array3<F>,
    dk: Array3<F>,
    dv: Array3<F>,
    scale: F,
    ready: bool,
}

impl<F: Float> ScaledDotProductAttention<F> {
    /// The layer (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }

    /// The attention weights of the last forward, `(B, Tq, Tk)`: row `[b,
    /// i]` is how query `i` of sequence `b` spreads over the keys.
    pub fn weights(&self) -> ArrayView3<'_, F> {
        self.a.view()
    }

    /// The context vectors `(B, Tq, dv)`.
    ///
    /// # Errors
    /// Shapes that don't fit together, key lengths not one per sequence in
    /// `1..=Tk`, or a non-finite score.
    pub fn forward(
        &mut self,
        q: ArrayView3<'_, F>,
        k: ArrayView3<'_, F>,
        v: ArrayView3<'_, F>,
        mask: AttentionMask<'_>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "ScaledDotProductAttention.forward";
        let ((b, tq, d), (_, tk, dv)) = (q.dim(), v.dim());
        if b == 0 || tq == 0 || d == 0 || tk == 0 || dv == 0 || k.dim() != (b, tk, d) {
            return Err(Error::shape(
                OP,
                format!(
                    "q must be (B, Tq, d), k (B, Tk, d) and v (B, Tk, dv), all ≥ 1 \
                     (q: {:?}, k: {:?}, v: {:?})",
                    q.shape(),
                    k.shape(),
                    v.shape()
                ),
            ));
        }
        mask.check(OP, b, tk)?;
        self.ready = false;
        self.scale = F::one() / F::from_f64(d as f64).sqrt();
        for (buf, x) in [(&mut self.q, q), (&mut self.k, k), (&mut self.v, v)] {
            resize(buf, x.dim());
            buf.assign(&x);
        }
        resize(&mut self.a, (b, tq, tk));
        resize(&mut self.out, (b, tq, dv));
        for s in 0..b {
            let mut a = self.a.index_axis_mut(Axis(0), s);
            general_mat_mul(
                self.scale,
                &self.q.index_axis(Axis(0), s),
                &self.k.index_axis(Axis(0), s).t(),
                F::zero(),
                &mut a,
            );
            let keys = mask.key_lengths.map_or(tk, |l| l[s]);
            masked_softmax(OP, s, &mut a, mask.causal, keys)?;
            general_mat_mul(
                F::one(),
                &a,
                &self.v.index_axis(Axis(0), s),
                F::zero(),
                &mut self.out.index_axis_mut(Axis(0), s),
            );
        }
        self.ready = true;
        Ok(self.out.view())
    }

    /// `(dq, dk, dv)` for `dout` = ∂L/∂out.
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not of the output's shape.
    #[allow(clippy::type_complexity)] // the three gradients, named in the docs
    pub fn backward(
        &mut self,
        dout: ArrayView3<'_, F>,
    ) -> Result<(ArrayView3<'_, F>, ArrayView3<'_, F>, ArrayView3<'_, F>)> {
        const OP: &str = "ScaledDotProductAttention.backward";
        check_dout(OP, self.ready, &dout, self.out.dim())?;
        resize(&mut self.ds, self.a.dim());
        resize(&mut self.dq, self.q.dim());
        resize(&mut self.dk, self.k.dim());
        resize(&mut self.dv, self.v.dim());
        for s in 0..self.a.dim().0 {
            let (a, dc) = (self.a.index_axis(Axis(0), s), dout.index_axis(Axis(0), s));
            let (q, k, v) = (
                self.q.index_axis(Axis(0), s),
                self.k.index_axis(Axis(0), s),
                self.v.index_axis(Axis(0), s),
            );
            general_mat_mul(
                F::one(),
                &a.t(),
                &dc,
                F::zero(),
                &mut self.dv.index_axis_mut(Axis(0), s),
            );
            let mut ds = self.ds.index_axis_mut(Axis(0), s);
            general_mat_mul(F::one(), &dc, &v.t(), F::zero(), &mut ds);
            softmax_backward(&a, &mut ds);
            general_mat_mul(
                self.scale,
                &ds,
                &k,
                F::zero(),
                &mut self.dq.index_axis_mut(Axis(0), s),
            );
            general_mat_mul(
                self.scale,
                &ds.t(),
                &q,
                F::zero(),
                &mut self.dk.index_axis_mut(Axis(0), s),
            );
        }
        Ok((self.dq.view(), self.dk.view(), self.dv.view()))
    }
}

/// The softmax of each row of `scores` over its unmasked keys (`j < keys`,
/// and `j ≤ i` when `causal`), zero elsewhere. Every row keeps key 0.
pub(crate) fn masked_softmax<F: Float>(
    op: &'static str,
    sequence: usize,
    scores: &mut ArrayViewMut2<'_, F>,
    causal: bool,
    keys: usize,
) -> Result<()> {
    for (i, mut row) in scores.rows_mut().into_iter().enumerate() {
        let seen = if causal { keys.min(i + 1) } else { keys };
        let (max, sum) = match row.as_slice_mut() {
            Some(s) => {
                let (kept, masked) = s.split_at_mut(seen);
                let max = kept.iter().fold(F::neg_infinity(), |m, &v| m.max(v));
                kept.iter_mut().for_each(|v| *v -= max);
                F::exp_in_place(kept);
                masked.fill(F::zero());
                (max, kept.iter().fold(F::zero(), |acc, &v| acc + v))
            }
            None => {
                let max = row
                    .iter()
                    .take(seen)
                    .fold(F::neg_infinity(), |m, &v| m.max(v));
                let mut sum = F::zero();
                for (j, v) in row.iter_mut().enumerate() {
                    *v = if j < seen {
                        (*v - max).exp_one()
                    } else {
                        F::zero()
                    };
                    sum += *v;
                }
                (max, sum)
            }
        };
        if !(sum.is_finite() && sum > F::zero()) {
            return Err(Error::NonFinite {
                op,
                what: format!("the scores of query {i} of sequence {sequence}"),
                value: max.as_f64(),
            });
        }
        let inv = F::one() / sum;
        row.iter_mut().take(seen).for_each(|v| *v *= inv);
    }
    Ok(())
}

/// `dS = A ⊙ (dA − rowsum(A ⊙ dA))` in place of `dA`.
pub(crate) fn softmax_backward<F: Float>(a: &ArrayView2<'_, F>, ds: &mut ArrayViewMut2<'_, F>) {
    for (mut d, a) in ds.rows_mut().into_iter().zip(a.rows()) {
        match (d.as_slice_mut(), a.as_slice()) {
            (Some(d), Some(a)) => {
                let dot = d.iter().zip(a).fold(F::zero(), |acc, (&d, &a)| acc + d * a);
                d.iter_mut().zip(a).for_each(|(d, &a)| *d = a * (*d - dot));
            }
            _ => {
                let dot = d.iter().zip(a).fold(F::zero(), |acc, (&d, &a)| acc + d * a);
                d.iter_mut().zip(a).for_each(|(d, &a)| *d = a * (*d - dot));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_an_error_naming_the_layer_and_shapes() {
        let mut att = ScaledDotProductAttention::<f64>::new();
        let (q, v) = (Array3::zeros((2, 3, 4)), Array3::zeros((2, 5, 1)));
        let e = att
            .forward(
                q.view(),
                Array3::zeros((2, 5, 3)).view(),
                v.view(),
                AttentionMask::NONE,
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("ScaledDotProductAttention.forward: q must be")
                && e.contains("[2, 5, 3]"),
            "{e}"
        );
        let k = Array3::zeros((2, 5, 4));
        for lengths in [&[5usize][..], &[0, 5], &[6, 5]] {
            let mask = AttentionMask {
                causal: false,
                key_lengths: Some(lengths),
            };
            let e = att
                .forward(q.view(), k.view(), v.view(), mask)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("key lengths must be one per sequence, each in 1..=5"),
                "{e}"
            );
        }
        let e = att
            .backward(Array3::zeros((2, 3, 1)).view())
            .unwrap_err()
            .to_string();
        assert!(e.contains("before forward"), "{e}");
        att.forward(q.view(), k.view(), v.view(), AttentionMask::CAUSAL)
            .unwrap();
        assert!(att.backward(Array3::zeros((2, 3, 2)).view()).is_err());
        let mut bad = q.clone();
        bad[[1, 2, 0]] = f64::NAN;
        let e = att
            .forward(bad.view(), k.view(), v.view(), AttentionMask::NONE)
            .unwrap_err()
            .to_string();
        assert!(e.contains("query 2 of sequence 1"), "{e}");
    }

    #[test]
    fn masked_keys_get_no_weight_at_f32() {
        let mut att = ScaledDotProductAttention::<f32>::new();
        let q = Array3::from_shape_fn((2, 3, 2), |(b, i, j)| (b + i + j) as f32 * 0.1);
        let v = Array3::from_shape_fn((2, 4, 1), |(_, j, _)| j as f32);
        let mask = AttentionMask {
            causal: true,
            key_lengths: Some(&[4, 2]),
        };
        att.forward(
            q.view(),
            v.view().broadcast((2, 4, 2)).unwrap(),
            v.view(),
            mask,
        )
        .unwrap();
        let w = att.weights();
        for b in 0..2 {
            for i in 0..3 {
                let seen = [4usize, 2][b].min(i + 1);
                let row = w.slice(ndarray::s![b, i, ..]);
                assert!((row.sum() - 1.0).abs() < 1e-6);
                assert!(row.iter().skip(seen).all(|&x| x == 0.0), "{b} {i}: {row}");
            }
        }
    }
}
