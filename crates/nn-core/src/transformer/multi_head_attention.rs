//! `MultiHeadAttention`: `h` scaled dot-product attentions side by side on
//! learned projections of the queries, keys and values (book 8.5.2,
//! "Attention Is All You Need" §3.2.2), for self- and cross-attention.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, Array4, ArrayView2, ArrayView3, ArrayView4, Axis, Zip, s};

use crate::layer::reshape_buffer;
use crate::parallel::{for_each_block, row_blocks};
use crate::time::as_rows;
use crate::transformer::AttentionMask;
use crate::transformer::scaled_dot_product::{masked_softmax, softmax_backward};
use crate::{Affine, Error, Float, Init, Layer, Param, Parameters, Randn, Result, scoped};

/// Multi-head attention: the queries `x·Wq + bq`, keys and values
/// `m·[Wk Wv] + [bk bv]` of the memory `m` (`m = x` for self-attention) are
/// each cut into `heads` blocks of `d = E / heads` columns; head `j` is
/// `softmax(Q_j·K_jᵀ / √d + mask)·V_j`, the heads' contexts side by side
/// are projected once more, `out = ctx·Wo + bo`.
///
/// The projections are one product over all `N·T` rows (every head at
/// once); a head is a column block of their output, read in place, so the
/// heads cost no copies: only the scores, `(T × d)·(d × T)` per sequence
/// and head, are products of their own, split by sequences between threads.
///
/// The parameters, as PyTorch's `nn.MultiheadAttention` packs them
/// (`in_proj_weight` `(3E, E)`, used as `x·Wᵀ`): `q_proj.W` =
/// `in_proj_weight[:E]ᵀ`, `kv_proj.W` = `in_proj_weight[E:]ᵀ` (keys, then
/// values), `out_proj.W` = `out_proj.weight`ᵀ, and the biases likewise;
/// [`from_packed`](Self::from_packed) takes them in that layout.
///
/// Backward, per sequence and head: `dV = Aᵀ·dC`, `dS = A ⊙ (dA − rowsum(A
/// ⊙ dA))` with `dA = dC·Vᵀ`, `dQ = dS·K / √d`, `dK = dSᵀ·Q / √d`; then
/// through the projections (for self-attention `dx` is the sum of the
/// query and key/value paths).
///
/// ```
/// use nn_core::transformer::{AttentionMask, MultiHeadAttention};
/// use nn_core::Init;
/// use ndarray::Array3;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut mha = MultiHeadAttention::<f64>::init(8, 2, Init::Xavier, &mut rng)?;
/// let x = Array3::from_shape_fn((3, 5, 8), |(n, t, e)| (n + t * e) as f64 * 0.1);
/// let out = mha.forward(x.view(), None, AttentionMask::CAUSAL)?;
/// assert_eq!(out.shape(), [3, 5, 8]);
/// // Every head's weights of every query: (N, heads, Tq, Tk); step 0 sees only itself.
/// assert_eq!(mha.weights().shape(), [3, 2, 5, 5]);
/// assert_eq!(mha.weights()[[1, 1, 0, 0]], 1.0);
/// let (dx, dmemory) = mha.backward(Array3::ones((3, 5, 8)).view())?;
/// assert_eq!(dx.shape(), [3, 5, 8]);
/// assert!(dmemory.is_none()); // self-attention: one input
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MultiHeadAttention<F: Float> {
    heads: usize,
    q_proj: Affine<F>,
    kv_proj: Affine<F>,
    out_proj: Affine<F>,
    /// `(N, Tq, Tk)` of the last forward, and whether it was self-attention.
    dims: (usize, usize, usize),
    self_attention: bool,
    /// The attention weights `(N, heads, Tq, Tk)`; `dS` in backward.
    weights: Array4<F>,
    ds: Array4<F>,
    /// The heads' contexts side by side, `(N·Tq, E)`.
    ctx: Array2<F>,
    dq: Array2<F>,
    dkv: Array2<F>,
    dx: Array2<F>,
    /// Rows of inputs that arrive in another layout than row-major.
    x_rows: Array2<F>,
    m_rows: Array2<F>,
    ready: bool,
}

impl<F: Float> MultiHeadAttention<F> {
    /// A layer of model width `d_model` cut into `heads` heads, its four
    /// weights drawn by `init` from `rng` (in the order `q_proj`, `kv_proj`,
    /// `out_proj`), biases zero. `Init::Xavier` is the book's `randn / √E`.
    ///
    /// # Errors
    /// A zero size, or `heads` that don't divide `d_model`.
    pub fn init(d_model: usize, heads: usize, init: Init, rng: &mut dyn Randn) -> Result<Self> {
        check_heads("MultiHeadAttention.init", d_model, heads)?;
        Self::from_weights(
            heads,
            Affine::init(d_model, d_model, init, rng)?,
            Affine::init(d_model, 2 * d_model, init, rng)?,
            Affine::init(d_model, d_model, init, rng)?,
        )
    }

    /// A layer from its three projections: `q_proj` `(E, E)`, `kv_proj`
    /// `(Em, 2E)` (keys in the first `E` columns, values in the rest; `Em`
    /// is the memory's width, `E` for self-attention), `out_proj` `(E, E)`.
    ///
    /// # Errors
    /// `heads` that don't divide `E`, or projections that don't fit together.
    pub fn from_weights(
        heads: usize,
        q_proj: Affine<F>,
        kv_proj: Affine<F>,
        out_proj: Affine<F>,
    ) -> Result<Self> {
        const OP: &str = "MultiHeadAttention.from_weights";
        let (wq, wkv, wo) = (q_proj.w().dim(), kv_proj.w().dim(), out_proj.w().dim());
        let e = wq.1;
        if wkv.1 != 2 * e || wo != (e, e) {
            return Err(Error::shape(
                OP,
                format!(
                    "q_proj.W must be (Ex, E), kv_proj.W (Em, 2E) and out_proj.W (E, E) \
                     (q_proj.W: [{}, {}], kv_proj.W: [{}, {}], out_proj.W: [{}, {}])",
                    wq.0, wq.1, wkv.0, wkv.1, wo.0, wo.1
                ),
            ));
        }
        check_heads(OP, e, heads)?;
        let z2 = || Array2::zeros((0, 0));
        Ok(Self {
            heads,
            q_proj,
            kv_proj,
            out_proj,
            dims: (0, 0, 0),
            self_attention: true,
            weights: Array4::zeros((0, 0, 0, 0)),
            ds: Array4::zeros((0, 0, 0, 0)),
            ctx: z2(),
            dq: z2(),
            dkv: z2(),
            dx: z2(),
            x_rows: z2(),
            m_rows: z2(),
            ready: false,
        })
    }

    /// A layer from PyTorch's packed layout, transposed to the book's `x·W`:
    /// `w_in` `(E, 3E)` = `in_proj_weight`ᵀ (queries, keys, values), `b_in`
    /// `(3E,)`, `w_out` `(E, E)` = `out_proj.weight`ᵀ, `b_out` `(E,)`.
    ///
    /// # Errors
    /// As [`from_weights`](Self::from_weights), or `w_in` not `3E` wide.
    pub fn from_packed(
        heads: usize,
        w_in: ArrayView2<'_, F>,
        b_in: ndarray::ArrayView1<'_, F>,
        w_out: Array2<F>,
        b_out: ndarray::Array1<F>,
    ) -> Result<Self> {
        let e = w_out.ncols();
        if w_in.ncols() != 3 * e || b_in.len() != 3 * e {
            return Err(Error::shape(
                "MultiHeadAttention.from_packed",
                format!(
                    "w_in must be (E, 3E) and b_in (3E,) for w_out (E, E) (w_in: {:?}, b_in: {:?}, w_out: {:?})",
                    w_in.shape(),
                    b_in.shape(),
                    w_out.shape()
                ),
            ));
        }
        Self::from_weights(
            heads,
            Affine::from_weights(
                w_in.slice(s![.., ..e]).to_owned(),
                b_in.slice(s![..e]).to_owned(),
            )?,
            Affine::from_weights(
                w_in.slice(s![.., e..]).to_owned(),
                b_in.slice(s![e..]).to_owned(),
            )?,
            Affine::from_weights(w_out, b_out)?,
        )
    }

    /// `E`, the model width.
    pub fn d_model(&self) -> usize {
        self.out_proj.w().dim().1
    }

    /// The number of heads.
    pub fn heads(&self) -> usize {
        self.heads
    }

    /// The query projection (`q_proj.W` `(E, E)`, `q_proj.b`).
    pub fn q_proj(&self) -> &Affine<F> {
        &self.q_proj
    }

    /// The key and value projection (`kv_proj.W` `(Em, 2E)`: keys, then values).
    pub fn kv_proj(&self) -> &Affine<F> {
        &self.kv_proj
    }

    /// The output projection (`out_proj.W` `(E, E)`).
    pub fn out_proj(&self) -> &Affine<F> {
        &self.out_proj
    }

    /// The attention weights of the last forward, `(N, heads, Tq, Tk)`: row
    /// `[n, j, i]` is how query `i` of sequence `n` spreads over the keys in
    /// head `j`. For heat maps.
    pub fn weights(&self) -> ArrayView4<'_, F> {
        self.weights.view()
    }

    /// The heads' contexts of the last forward, side by side, `(N·Tq, E)`:
    /// what `out_proj` projects.
    pub fn contexts(&self) -> ArrayView2<'_, F> {
        self.ctx.view()
    }

    /// Attention of the queries `x` `(N, Tq, Ex)` over the memory `(N, Tk,
    /// Em)`, or over `x` itself when `memory` is `None` (self-attention):
    /// `(N, Tq, E)`.
    ///
    /// # Errors
    /// Widths that don't fit the projections, a memory of another batch
    /// size, a mask that doesn't fit, or a non-finite score.
    pub fn forward(
        &mut self,
        x: ArrayView3<'_, F>,
        memory: Option<ArrayView3<'_, F>>,
        mask: AttentionMask<'_>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "MultiHeadAttention.forward";
        let (n, tq, _) = x.dim();
        let (mn, tk, _) = memory.map_or(x.dim(), |m| m.dim());
        if n == 0 || tq == 0 || tk == 0 || mn != n {
            return Err(Error::shape(
                OP,
                format!(
                    "x must be (N, Tq, E) and the memory (N, Tk, Em), all ≥ 1 (x: {:?}, memory: {:?})",
                    x.shape(),
                    memory.map(|m| m.shape().to_vec())
                ),
            ));
        }
        mask.check(OP, n, tk)?;
        self.ready = false;
        let (e, heads) = (self.d_model(), self.heads);
        let xs = as_rows(x, &mut self.x_rows);
        let q = self
            .q_proj
            .forward(xs)
            .map_err(|e| e.within(OP, "q_proj"))?;
        let ms = match memory {
            Some(m) => as_rows(m, &mut self.m_rows),
            None => xs,
        };
        let kv = self
            .kv_proj
            .forward(ms)
            .map_err(|e| e.within(OP, "kv_proj"))?;
        self.dims = (n, tq, tk);
        self.self_attention = memory.is_none();
        let dh = e / heads;
        let scale = F::one() / F::from_f64(dh as f64).sqrt();
        resize4(&mut self.weights, (n, heads, tq, tk));
        reshape_buffer(&mut self.ctx, n * tq, e);
        let per = n.div_ceil(row_blocks(n, 2 * n * heads * tq * tk * dh));
        let blocks = self
            .weights
            .axis_chunks_iter_mut(Axis(0), per)
            .zip(self.ctx.axis_chunks_iter_mut(Axis(0), per * tq))
            .enumerate();
        for_each_block(blocks, |(b, (mut weights, mut ctx))| {
            for (i, mut w_seq) in weights.outer_iter_mut().enumerate() {
                let seq = b * per + i;
                let (qs, ks) = (seq * tq, seq * tk);
                let keys = mask.key_lengths.map_or(tk, |l| l[seq]);
                for (j, mut a) in w_seq.outer_iter_mut().enumerate() {
                    let cols = j * dh..(j + 1) * dh;
                    let qh = q.slice(s![qs..qs + tq, cols.clone()]);
                    let kh = kv.slice(s![ks..ks + tk, cols.clone()]);
                    let vh = kv.slice(s![ks..ks + tk, e + j * dh..e + (j + 1) * dh]);
                    general_mat_mul(scale, &qh, &kh.t(), F::zero(), &mut a);
                    masked_softmax(OP, seq, &mut a, mask.causal, keys)?;
                    let mut c = ctx.slice_mut(s![i * tq..(i + 1) * tq, cols]);
                    general_mat_mul(F::one(), &a, &vh, F::zero(), &mut c);
                }
            }
            Ok(())
        })?;
        let out = self
            .out_proj
            .forward(self.ctx.view())
            .map_err(|e| e.within(OP, "out_proj"))?;
        self.ready = true;
        out.into_shape_with_order((n, tq, e))
            .map_err(|err| Error::invalid(OP, err.to_string()))
    }

    /// `(dx, dmemory)` for `dout` = ∂L/∂out: `dmemory` is `None` after
    /// self-attention, where both paths are summed into `dx`.
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not of the output's shape.
    #[allow(clippy::type_complexity)] // the two gradients, named in the docs
    pub fn backward(
        &mut self,
        dout: ArrayView3<'_, F>,
    ) -> Result<(ArrayView3<'_, F>, Option<ArrayView3<'_, F>>)> {
        const OP: &str = "MultiHeadAttention.backward";
        let (n, tq, tk) = self.dims;
        let e = self.d_model();
        crate::time::check_dout(OP, self.ready, &dout, (n, tq, e))?;
        let heads = self.heads;
        let dh = e / heads;
        let scale = F::one() / F::from_f64(dh as f64).sqrt();
        let rows = as_rows(dout, &mut self.x_rows);
        let dctx = self.out_proj.backward(rows)?;
        let (q, kv) = (self.q_proj.output(), self.kv_proj.output());
        resize4(&mut self.ds, (n, heads, tq, tk));
        reshape_buffer(&mut self.dq, n * tq, e);
        reshape_buffer(&mut self.dkv, n * tk, 2 * e);
        let per = n.div_ceil(row_blocks(n, 4 * n * heads * tq * tk * dh));
        let blocks = self
            .ds
            .axis_chunks_iter_mut(Axis(0), per)
            .zip(self.weights.axis_chunks_iter(Axis(0), per))
            .zip(self.dq.axis_chunks_iter_mut(Axis(0), per * tq))
            .zip(self.dkv.axis_chunks_iter_mut(Axis(0), per * tk))
            .enumerate();
        for_each_block(blocks, |(b, (((mut ds, weights), mut dq), mut dkv))| {
            for (i, (mut ds_seq, w_seq)) in
                ds.outer_iter_mut().zip(weights.outer_iter()).enumerate()
            {
                let seq = b * per + i;
                let (qs, ks) = (seq * tq, seq * tk);
                for (j, (mut ds, a)) in ds_seq.outer_iter_mut().zip(w_seq.outer_iter()).enumerate()
                {
                    let cols = j * dh..(j + 1) * dh;
                    let vcols = e + j * dh..e + (j + 1) * dh;
                    let dc = dctx.slice(s![qs..qs + tq, cols.clone()]);
                    let qh = q.slice(s![qs..qs + tq, cols.clone()]);
                    let kh = kv.slice(s![ks..ks + tk, cols.clone()]);
                    let vh = kv.slice(s![ks..ks + tk, vcols.clone()]);
                    let (krows, qrows) = (i * tk..(i + 1) * tk, i * tq..(i + 1) * tq);
                    let mut dv = dkv.slice_mut(s![krows.clone(), vcols]);
                    general_mat_mul(F::one(), &a.t(), &dc, F::zero(), &mut dv);
                    general_mat_mul(F::one(), &dc, &vh.t(), F::zero(), &mut ds);
                    softmax_backward(&a, &mut ds);
                    let mut dqh = dq.slice_mut(s![qrows, cols.clone()]);
                    general_mat_mul(scale, &ds, &kh, F::zero(), &mut dqh);
                    let mut dk = dkv.slice_mut(s![krows, cols]);
                    general_mat_mul(scale, &ds.t(), &qh, F::zero(), &mut dk);
                }
            }
            Ok(())
        })?;
        let dx_q = self.q_proj.backward(self.dq.view())?;
        let dx_kv = self.kv_proj.backward(self.dkv.view())?;
        if self.self_attention {
            reshape_buffer(&mut self.dx, n * tq, dx_q.ncols());
            Zip::from(&mut self.dx)
                .and(&dx_q)
                .and(&dx_kv)
                .for_each(|d, &a, &b| *d = a + b);
            let dx = self
                .dx
                .view()
                .into_shape_with_order((n, tq, self.dx.ncols()));
            let dx = dx.map_err(|err| Error::invalid(OP, err.to_string()))?;
            return Ok((dx, None));
        }
        let (xw, mw) = (dx_q.ncols(), dx_kv.ncols());
        let dx = dx_q.into_shape_with_order((n, tq, xw));
        let dm = dx_kv.into_shape_with_order((n, tk, mw));
        match (dx, dm) {
            (Ok(dx), Ok(dm)) => Ok((dx, Some(dm))),
            (Err(err), _) | (_, Err(err)) => Err(Error::invalid(OP, err.to_string())),
        }
    }
}

impl<F: Float> Parameters<F> for MultiHeadAttention<F> {
    /// `q_proj.W`, `q_proj.b`, `kv_proj.W`, `kv_proj.b`, `out_proj.W`, `out_proj.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.q_proj.visit_params(&mut scoped("q_proj", f))?;
        self.kv_proj.visit_params(&mut scoped("kv_proj", f))?;
        self.out_proj.visit_params(&mut scoped("out_proj", f))
    }
}

/// `heads ≥ 1` dividing `d_model ≥ 1`.
pub(crate) fn check_heads(op: &'static str, d_model: usize, heads: usize) -> Result<()> {
    if d_model == 0 || heads == 0 || d_model % heads != 0 {
        return Err(Error::invalid(
            op,
            format!(
                "the number of heads must divide the model width, both ≥ 1 \
                 (heads: {heads}, d_model: {d_model})"
            ),
        ));
    }
    Ok(())
}

/// Gives `buf` the shape `dim`; contents unspecified (callers overwrite).
fn resize4<F: Float>(buf: &mut Array4<F>, dim: (usize, usize, usize, usize)) {
    if buf.dim() != dim {
        *buf = Array4::zeros(dim);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::message;
    use ndarray::Array3;
    use rand::SeedableRng;

    fn layer(e: usize, heads: usize) -> MultiHeadAttention<f64> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        MultiHeadAttention::init(e, heads, Init::Xavier, &mut rng).unwrap()
    }

    #[test]
    fn heads_that_dont_divide_the_width_are_an_error() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        assert_eq!(
            message(MultiHeadAttention::<f64>::init(
                10,
                3,
                Init::Xavier,
                &mut rng
            )),
            "MultiHeadAttention.init: the number of heads must divide the model width, \
             both ≥ 1 (heads: 3, d_model: 10)"
        );
        let e = message(MultiHeadAttention::<f64>::from_weights(
            2,
            Affine::from_weights(Array2::zeros((4, 4)), ndarray::Array1::zeros(4)).unwrap(),
            Affine::from_weights(Array2::zeros((4, 6)), ndarray::Array1::zeros(6)).unwrap(),
            Affine::from_weights(Array2::zeros((4, 4)), ndarray::Array1::zeros(4)).unwrap(),
        ));
        assert!(e.contains("kv_proj.W: [4, 6]"), "{e}");
    }

    #[test]
    fn bad_input_is_an_error_naming_the_layer_and_shapes() {
        let mut mha = layer(4, 2);
        let x = Array3::zeros((2, 3, 4));
        let e = message(mha.forward(
            x.view(),
            Some(Array3::zeros((3, 3, 4)).view()),
            AttentionMask::NONE,
        ));
        assert!(
            e.starts_with("MultiHeadAttention.forward: x must be") && e.contains("[3, 3, 4]"),
            "{e}"
        );
        let e = message(mha.forward(Array3::zeros((2, 3, 5)).view(), None, AttentionMask::NONE));
        assert!(
            e.contains("q_proj: Affine.forward: x has 5 columns but W has 4 rows"),
            "{e}"
        );
        let lengths = [3, 4];
        let mask = AttentionMask {
            causal: false,
            key_lengths: Some(&lengths),
        };
        let e = message(mha.forward(x.view(), None, mask));
        assert!(e.contains("each in 1..=3"), "{e}");
        assert!(message(mha.backward(x.view())).contains("before forward"));
        mha.forward(x.view(), None, AttentionMask::NONE).unwrap();
        assert!(message(mha.backward(Array3::zeros((2, 4, 4)).view())).contains("[2, 3, 4]"));
    }

    #[test]
    fn params_are_named_by_projection() {
        let mut mha = layer(4, 2);
        assert_eq!(
            mha.param_names(),
            [
                "q_proj.W",
                "q_proj.b",
                "kv_proj.W",
                "kv_proj.b",
                "out_proj.W",
                "out_proj.b"
            ]
        );
        assert_eq!((mha.d_model(), mha.heads()), (4, 2));
    }

    #[test]
    fn one_head_is_the_scaled_dot_product_of_the_projections() {
        let mut mha = layer(4, 1);
        let x = Array3::from_shape_fn((2, 3, 4), |(n, t, e)| {
            ((n * 7 + t * 3 + e) % 5) as f64 * 0.3 - 0.6
        });
        let mask = AttentionMask::CAUSAL;
        let out = mha.forward(x.view(), None, mask).unwrap().to_owned();
        let rows = x.view().into_shape_with_order((6, 4)).unwrap();
        let q = rows.dot(&mha.q_proj().w().to_owned()) + mha.q_proj().b();
        let kv = rows.dot(&mha.kv_proj().w().to_owned()) + mha.kv_proj().b();
        let r3 = |a: Array2<f64>| a.into_shape_with_order((2, 3, 4)).unwrap();
        let (k, v) = (
            kv.slice(s![.., ..4]).to_owned(),
            kv.slice(s![.., 4..]).to_owned(),
        );
        let mut sdpa = crate::transformer::ScaledDotProductAttention::new();
        let ctx = sdpa
            .forward(r3(q).view(), r3(k).view(), r3(v).view(), mask)
            .unwrap()
            .to_owned();
        let ctx = ctx.into_shape_with_order((6, 4)).unwrap();
        let expected = ctx.dot(&mha.out_proj().w().to_owned()) + mha.out_proj().b();
        let out = out.into_shape_with_order((6, 4)).unwrap();
        assert!(
            out.iter()
                .zip(&expected)
                .all(|(a, b)| (a - b).abs() < 1e-12)
        );
    }
}
