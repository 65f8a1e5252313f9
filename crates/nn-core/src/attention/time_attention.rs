//! `TimeAttention`: attention for every decoder step (`ch08/attention_layer.py`).

use ndarray::linalg::general_mat_mul;
use ndarray::{Array3, ArrayView3, ArrayViewMut3, Axis, Zip};

use super::reshape3;
use crate::functions::softmax_rows_in_place;
use crate::{Error, Float, Parameters, Result, parallel};

/// The book's `TimeAttention`: for each decoder step `t`, an
/// [`Attention`](super::Attention) of the decoder state `hs_dec[:, t]` over
/// all encoder states `hs_enc`; out `(N, T_dec, H)`, the context vectors.
///
/// The book runs one `Attention` per step; here each sequence's steps are
/// two matrix products and a row softmax, the same sums in one go:
/// `S = hs_dec · hs_encᵀ` `(T_dec, T_enc)`, `A = softmax(S)` by rows,
/// `C = A · hs_enc`. Backward: `dA = dC · hs_encᵀ`, `dS = A ⊙ (dA −
/// rowsum(A ⊙ dA))`, `dhs_dec = dS · hs_enc`, `dhs_enc = Aᵀ · dC + dSᵀ ·
/// hs_dec`.
///
/// The weights of the last forward, `(N, T_dec, T_enc)`, are kept for the
/// book's heat maps ([`attention_weights`](Self::attention_weights)).
#[derive(Debug, Clone, Default)]
pub struct TimeAttention<F: Float> {
    hs_enc: Array3<F>,
    hs_dec: Array3<F>,
    /// The attention weights `(N, T_dec, T_enc)`; in backward, `dS`'s buffer
    /// is `ds`.
    a: Array3<F>,
    ds: Array3<F>,
    out: Array3<F>,
    dhs_enc: Array3<F>,
    dhs_dec: Array3<F>,
    ready: bool,
}

impl<F: Float> TimeAttention<F> {
    /// The layer (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }

    /// The context vectors `(N, T_dec, H)` of `hs_enc` `(N, T_enc, H)` for
    /// each step of `hs_dec` `(N, T_dec, H)`.
    ///
    /// # Errors
    /// Shapes that don't fit together, or non-finite scores.
    pub fn forward(
        &mut self,
        hs_enc: ArrayView3<'_, F>,
        hs_dec: ArrayView3<'_, F>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TimeAttention.forward";
        let (n, te, h) = hs_enc.dim();
        let td = hs_dec.dim().1;
        if n == 0 || te == 0 || h == 0 || td == 0 || hs_dec.dim() != (n, td, h) {
            return Err(Error::shape(
                OP,
                format!(
                    "hs_enc must be (N, T_enc, H) and hs_dec (N, T_dec, H), all ≥ 1 \
                     (hs_enc: {:?}, hs_dec: {:?})",
                    hs_enc.shape(),
                    hs_dec.shape()
                ),
            ));
        }
        self.ready = false;
        reshape3(&mut self.hs_enc, (n, te, h));
        self.hs_enc.assign(&hs_enc);
        reshape3(&mut self.hs_dec, (n, td, h));
        self.hs_dec.assign(&hs_dec);
        reshape3(&mut self.a, (n, td, te));
        reshape3(&mut self.out, (n, td, h));
        // Each sequence is independent: blocks of them on their own threads,
        // the scores, then (over all rows, so that an error names its row
        // in the batch) their softmax, then the context vectors.
        let per = n.div_ceil(parallel::row_blocks(n, 2 * n * td * te * h));
        let blocks = self
            .hs_enc
            .axis_chunks_iter(Axis(0), per)
            .zip(self.hs_dec.axis_chunks_iter(Axis(0), per))
            .zip(self.a.axis_chunks_iter_mut(Axis(0), per));
        parallel::for_each_block(blocks, |((enc, dec), a)| {
            scores(enc, dec, a);
            Ok(())
        })?;
        {
            let mut scores = self
                .a
                .view_mut()
                .into_shape_with_order((n * td, te))
                .expect("a fresh standard-layout buffer");
            softmax_rows_in_place(OP, &mut scores)?;
        }
        let blocks = self
            .hs_enc
            .axis_chunks_iter(Axis(0), per)
            .zip(self.a.axis_chunks_iter(Axis(0), per))
            .zip(self.out.axis_chunks_iter_mut(Axis(0), per));
        parallel::for_each_block(blocks, |((enc, a), out)| {
            contexts(enc, a, out);
            Ok(())
        })?;
        self.ready = true;
        Ok(self.out.view())
    }

    /// The attention weights of the last forward, `(N, T_dec, T_enc)`: row
    /// `[n, t]` is the book's `attention_weights[t][n]`.
    pub fn attention_weights(&self) -> ArrayView3<'_, F> {
        self.a.view()
    }

    /// `(dhs_enc, dhs_dec)` for `dout` = ∂L/∂out.
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not of the output's shape.
    pub fn backward(
        &mut self,
        dout: ArrayView3<'_, F>,
    ) -> Result<(ArrayView3<'_, F>, ArrayView3<'_, F>)> {
        const OP: &str = "TimeAttention.backward";
        if !self.ready {
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        if dout.dim() != self.out.dim() {
            return Err(Error::shape(
                OP,
                format!(
                    "dout must have the shape of the last output (dout: {:?}, output: {:?})",
                    dout.shape(),
                    self.out.shape()
                ),
            ));
        }
        let (n, td, te) = self.a.dim();
        reshape3(&mut self.ds, (n, td, te));
        reshape3(&mut self.dhs_enc, self.hs_enc.dim());
        reshape3(&mut self.dhs_dec, self.hs_dec.dim());
        let h = self.hs_enc.dim().2;
        let per = n.div_ceil(parallel::row_blocks(n, 4 * n * td * te * h));
        let blocks = self
            .hs_enc
            .axis_chunks_iter(Axis(0), per)
            .zip(self.hs_dec.axis_chunks_iter(Axis(0), per))
            .zip(self.a.axis_chunks_iter(Axis(0), per))
            .zip(dout.axis_chunks_iter(Axis(0), per))
            .zip(self.ds.axis_chunks_iter_mut(Axis(0), per))
            .zip(self.dhs_enc.axis_chunks_iter_mut(Axis(0), per))
            .zip(self.dhs_dec.axis_chunks_iter_mut(Axis(0), per));
        parallel::for_each_block(
            blocks,
            |((((((enc, dec), a), dout), ds), dhs_enc), dhs_dec)| {
                backward_rows(enc, dec, a, dout, ds, dhs_enc, dhs_dec);
                Ok(())
            },
        )?;
        Ok((self.dhs_enc.view(), self.dhs_dec.view()))
    }
}

/// The scores `hs_dec · hs_encᵀ` of a block of sequences.
fn scores<F: Float>(
    hs_enc: ArrayView3<'_, F>,
    hs_dec: ArrayView3<'_, F>,
    mut a: ArrayViewMut3<'_, F>,
) {
    for i in 0..hs_enc.dim().0 {
        general_mat_mul(
            F::one(),
            &hs_dec.index_axis(Axis(0), i),
            &hs_enc.index_axis(Axis(0), i).t(),
            F::zero(),
            &mut a.index_axis_mut(Axis(0), i),
        );
    }
}

/// The context vectors `A · hs_enc` of a block of sequences.
fn contexts<F: Float>(
    hs_enc: ArrayView3<'_, F>,
    a: ArrayView3<'_, F>,
    mut out: ArrayViewMut3<'_, F>,
) {
    for i in 0..hs_enc.dim().0 {
        general_mat_mul(
            F::one(),
            &a.index_axis(Axis(0), i),
            &hs_enc.index_axis(Axis(0), i),
            F::zero(),
            &mut out.index_axis_mut(Axis(0), i),
        );
    }
}

/// The backward of a block of sequences.
fn backward_rows<F: Float>(
    hs_enc: ArrayView3<'_, F>,
    hs_dec: ArrayView3<'_, F>,
    a: ArrayView3<'_, F>,
    dout: ArrayView3<'_, F>,
    mut ds: ArrayViewMut3<'_, F>,
    mut dhs_enc: ArrayViewMut3<'_, F>,
    mut dhs_dec: ArrayViewMut3<'_, F>,
) {
    for i in 0..hs_enc.dim().0 {
        let (enc, dec) = (hs_enc.index_axis(Axis(0), i), hs_dec.index_axis(Axis(0), i));
        let (a, dc) = (a.index_axis(Axis(0), i), dout.index_axis(Axis(0), i));
        let mut ds = ds.index_axis_mut(Axis(0), i);
        let mut dhs_enc = dhs_enc.index_axis_mut(Axis(0), i);
        // dA = dC · hs_encᵀ, then the softmax's backward in place.
        general_mat_mul(F::one(), &dc, &enc.t(), F::zero(), &mut ds);
        for (mut ds, a) in ds.outer_iter_mut().zip(a.outer_iter()) {
            let mut sum = F::zero();
            Zip::from(&mut ds).and(&a).for_each(|d, &a| {
                *d = a * *d;
                sum += *d;
            });
            Zip::from(&mut ds).and(&a).for_each(|d, &a| *d -= a * sum);
        }
        general_mat_mul(F::one(), &a.t(), &dc, F::zero(), &mut dhs_enc);
        general_mat_mul(F::one(), &ds.t(), &dec, F::one(), &mut dhs_enc);
        general_mat_mul(
            F::one(),
            &ds,
            &enc,
            F::zero(),
            &mut dhs_dec.index_axis_mut(Axis(0), i),
        );
    }
}

/// No parameters.
impl<F: Float> Parameters<F> for TimeAttention<F> {}
