//! `TransformerEncoderLayer`: self-attention and a feed-forward network,
//! each in a skip connection with layer normalisation (book 8.5.2, the
//! left half of the Transformer's figure).

use ndarray::{Array2, ArrayView3};

use crate::time::as_rows;
use crate::transformer::residual::{Residual, rows, three};
use crate::transformer::{AttentionMask, FeedForward, MultiHeadAttention};
use crate::{
    Error, Float, Init, Layer, LayerNorm, Param, Parameters, Randn, Result, SharedRng, scoped,
};

/// The sizes and options of a Transformer layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformerConfig {
    /// `E`, the width of every position's vector.
    pub d_model: usize,
    /// The attention heads (they must divide `d_model`).
    pub heads: usize,
    /// The feed-forward network's hidden width.
    pub d_ff: usize,
    /// The dropout ratio after each sublayer (0: none).
    pub dropout: f64,
    /// Pre-LN (normalise each sublayer's input) instead of the paper's
    /// post-LN (normalise after the skip connection's sum).
    pub norm_first: bool,
    /// Layer normalisation's `ε` (PyTorch's 1e-5).
    pub eps: f64,
}

impl TransformerConfig {
    /// `d_model` wide with `heads` heads, a feed-forward network of `4 ·
    /// d_model` (the paper's ratio), no dropout, post-LN, `ε = 1e-5`.
    pub fn new(d_model: usize, heads: usize) -> Self {
        Self {
            d_model,
            heads,
            d_ff: 4 * d_model,
            dropout: 0.0,
            norm_first: false,
            eps: LayerNorm::<f64>::DEFAULT_EPS,
        }
    }
}

/// One layer of the Transformer's encoder over `(N, T, E)`:
///
/// * post-LN: `h = norm1(x + drop(self_attn(x))); y = norm2(h + drop(ff(h)))`;
/// * pre-LN: `h = x + drop(self_attn(norm1(x))); y = h + drop(ff(norm2(h)))`.
///
/// PyTorch's `nn.TransformerEncoderLayer(batch_first=True)` with a ReLU;
/// its parameters are named as PyTorch names them (`self_attn.*`,
/// `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`), with the attention's
/// projections as [`MultiHeadAttention`] lists them. The attention weights
/// of the last forward stay readable (`self_attn().weights()`).
///
/// ```
/// use nn_core::transformer::{AttentionMask, TransformerConfig, TransformerEncoderLayer};
/// use ndarray::Array3;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut layer = TransformerEncoderLayer::<f32>::init(TransformerConfig::new(8, 2), &mut rng, None)?;
/// let x = Array3::from_shape_fn((2, 5, 8), |(n, t, e)| (n + t + e) as f32 * 0.1);
/// // The second sequence has 3 real steps, then padding.
/// let lengths = [5, 3];
/// let mask = AttentionMask { causal: false, key_lengths: Some(&lengths) };
/// assert_eq!(layer.forward(x.view(), mask)?.shape(), [2, 5, 8]);
/// assert_eq!(layer.self_attn().weights()[[1, 0, 4, 3]], 0.0);
/// let dx = layer.backward(Array3::ones((2, 5, 8)).view())?;
/// assert_eq!(dx.shape(), [2, 5, 8]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TransformerEncoderLayer<F: Float> {
    self_attn: MultiHeadAttention<F>,
    feed_forward: FeedForward<F>,
    block1: Residual<F>,
    block2: Residual<F>,
    dims: (usize, usize, usize),
    x_rows: Array2<F>,
    ready: bool,
}

impl<F: Float> TransformerEncoderLayer<F> {
    /// A layer of `config`'s sizes, its weights drawn from `rng` (the
    /// attention's by `Init::Xavier`, the feed-forward network's by
    /// `Init::He`), layer norms at `γ = 1, β = 0`; its dropout masks (if
    /// `config.dropout > 0`) from `dropout_rng`.
    ///
    /// # Errors
    /// A zero size, heads that don't divide `d_model`, or a dropout ratio
    /// outside `[0, 1)` or without a generator.
    pub fn init(
        config: TransformerConfig,
        rng: &mut dyn Randn,
        dropout_rng: Option<&SharedRng>,
    ) -> Result<Self> {
        let TransformerConfig {
            d_model,
            heads,
            d_ff,
            ..
        } = config;
        let layer = Self::from_parts(
            MultiHeadAttention::init(d_model, heads, Init::Xavier, rng)?,
            FeedForward::init(d_model, d_ff, Init::He, rng)?,
            [norm(config)?, norm(config)?],
            config.norm_first,
        )?;
        layer.with_dropout(config.dropout, dropout_rng)
    }

    /// A layer from its parts (given weights): the self-attention, the
    /// feed-forward network, `norm1` and `norm2`, and whether it is pre-LN.
    ///
    /// # Errors
    /// Parts of different widths.
    pub fn from_parts(
        self_attn: MultiHeadAttention<F>,
        feed_forward: FeedForward<F>,
        [norm1, norm2]: [LayerNorm<F>; 2],
        norm_first: bool,
    ) -> Result<Self> {
        check_widths(
            "TransformerEncoderLayer.from_parts",
            &self_attn,
            &feed_forward,
            &[&norm1, &norm2],
        )?;
        Ok(Self {
            self_attn,
            feed_forward,
            block1: Residual::new(norm1, norm_first),
            block2: Residual::new(norm2, norm_first),
            dims: (0, 0, 0),
            x_rows: Array2::zeros((0, 0)),
            ready: false,
        })
    }

    /// The layer with dropout of `ratio` after each sublayer, its masks
    /// drawn from `rng` (none for a ratio of 0).
    ///
    /// # Errors
    /// A ratio outside `[0, 1)`, or a ratio above 0 without a generator.
    pub fn with_dropout(mut self, ratio: f64, rng: Option<&SharedRng>) -> Result<Self> {
        for block in [&mut self.block1, &mut self.block2] {
            block.set_dropout("TransformerEncoderLayer.with_dropout", ratio, rng)?;
        }
        Ok(self)
    }

    /// The self-attention (its weights of the last forward: `weights()`).
    pub fn self_attn(&self) -> &MultiHeadAttention<F> {
        &self.self_attn
    }

    /// The feed-forward network.
    pub fn feed_forward(&self) -> &FeedForward<F> {
        &self.feed_forward
    }

    /// `norm1` and `norm2`.
    pub fn norms(&self) -> [&LayerNorm<F>; 2] {
        [&self.block1.norm, &self.block2.norm]
    }

    /// Whether the layer is pre-LN.
    pub fn norm_first(&self) -> bool {
        self.block1.norm_first()
    }

    /// `E`.
    pub fn d_model(&self) -> usize {
        self.self_attn.d_model()
    }

    /// The layer's output for `x` `(N, T, E)`, its self-attention under `mask`.
    ///
    /// # Errors
    /// `x` not `E` wide, a mask that doesn't fit, a non-finite score.
    pub fn forward(
        &mut self,
        x: ArrayView3<'_, F>,
        mask: AttentionMask<'_>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TransformerEncoderLayer.forward";
        let (n, t, e) = x.dim();
        check_input(OP, "x", &x, self.d_model())?;
        self.ready = false;
        self.dims = (n, t, e);
        let xs = as_rows(x, &mut self.x_rows);
        let attn = &mut self.self_attn;
        let h = self
            .block1
            .forward(xs, (n, t), |h| {
                Ok(rows(attn.forward(three(h, (n, t))?, None, mask)?))
            })
            .map_err(|err| err.within(OP, "self_attn"))?;
        let ff = &mut self.feed_forward;
        let y = self
            .block2
            .forward(h, (n, t), |h| ff.forward(h))
            .map_err(|err| err.within(OP, "feed_forward"))?;
        self.ready = true;
        three(y, (n, t))
    }

    /// `dx` for `dout` = ∂L/∂y; the parameters' gradients are overwritten.
    ///
    /// # Errors
    /// Called before a successful `forward`, or `dout` not of its shape.
    pub fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TransformerEncoderLayer.backward";
        let (n, t, _) = self.dims;
        crate::time::check_dout(OP, self.ready, &dout, self.dims)?;
        let dy = as_rows(dout, &mut self.x_rows);
        let ff = &mut self.feed_forward;
        let dh = self.block2.backward(dy, |d| ff.backward(d))?;
        let attn = &mut self.self_attn;
        let dx = self
            .block1
            .backward(dh, |d| Ok(rows(attn.backward(three(d, (n, t))?)?.0)))?;
        three(dx, (n, t))
    }

    /// Switches dropout between training and evaluation.
    pub fn set_training(&mut self, training: bool) {
        self.block1.set_training(training);
        self.block2.set_training(training);
    }
}

impl<F: Float> Parameters<F> for TransformerEncoderLayer<F> {
    /// `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.self_attn.visit_params(&mut scoped("self_attn", f))?;
        self.feed_forward.visit_params(f)?;
        self.block1.norm.visit_params(&mut scoped("norm1", f))?;
        self.block2.norm.visit_params(&mut scoped("norm2", f))
    }
}

/// A layer norm of `config`'s width and `ε`.
pub(crate) fn norm<F: Float>(config: TransformerConfig) -> Result<LayerNorm<F>> {
    LayerNorm::from_weights(
        ndarray::Array1::ones(config.d_model),
        ndarray::Array1::zeros(config.d_model),
        config.eps,
    )
}

/// The attention(s), the feed-forward network and the norms all of one width.
pub(crate) fn check_widths<F: Float>(
    op: &'static str,
    attn: &MultiHeadAttention<F>,
    ff: &FeedForward<F>,
    norms: &[&LayerNorm<F>],
) -> Result<()> {
    let e = attn.d_model();
    let ff_e = ff.linear1().w().dim().0;
    if ff_e != e || norms.iter().any(|n| n.features() != e) {
        let widths: Vec<usize> = norms.iter().map(|n| n.features()).collect();
        return Err(Error::shape(
            op,
            format!(
                "the attention, the feed-forward network and the norms must have one width \
                 (attention: {e}, feed-forward: {ff_e}, norms: {widths:?})"
            ),
        ));
    }
    Ok(())
}

/// `x` is `(N, T, E)` with `N, T ≥ 1` and the layer's `E`.
pub(crate) fn check_input<F>(
    op: &'static str,
    what: &str,
    x: &ArrayView3<'_, F>,
    e: usize,
) -> Result<()> {
    let (n, t, w) = x.dim();
    if n == 0 || t == 0 || w != e {
        return Err(Error::shape(
            op,
            format!(
                "{what} must be (N, T, {e}) with N, T ≥ 1 ({what}: {:?})",
                x.shape()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::message;
    use ndarray::Array3;
    use rand::SeedableRng;

    fn x<F: Float>() -> Array3<F> {
        Array3::from_shape_fn((2, 3, 4), |(n, t, e)| {
            F::from_f64(((n * 5 + t * 3 + e) % 7) as f64 * 0.25 - 0.7)
        })
    }

    fn layer<F: Float>(dropout: f64) -> TransformerEncoderLayer<F> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let config = TransformerConfig {
            dropout,
            ..TransformerConfig::new(4, 2)
        };
        let drop_rng = SharedRng::new(rand::rngs::StdRng::seed_from_u64(2));
        TransformerEncoderLayer::init(config, &mut rng, Some(&drop_rng)).unwrap()
    }

    #[test]
    fn dropout_acts_in_training_only() {
        let (mut plain, mut dropped) = (layer::<f64>(0.0), layer::<f64>(0.5));
        let want = plain
            .forward(x().view(), AttentionMask::NONE)
            .unwrap()
            .to_owned();
        let got = dropped
            .forward(x().view(), AttentionMask::NONE)
            .unwrap()
            .to_owned();
        assert_ne!(want, got);
        dropped.set_training(false);
        let got = dropped.forward(x().view(), AttentionMask::NONE).unwrap();
        assert_eq!(want, got);
    }

    #[test]
    fn f32_agrees_with_f64() {
        let want = layer::<f64>(0.0)
            .forward(x().view(), AttentionMask::CAUSAL)
            .unwrap()
            .to_owned();
        let mut single = layer::<f32>(0.0);
        let got = single.forward(x().view(), AttentionMask::CAUSAL).unwrap();
        for (a, b) in got.iter().zip(&want) {
            assert!((f64::from(*a) - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn bad_input_is_an_error_naming_the_layer() {
        let mut enc = layer::<f64>(0.0);
        let e = message(enc.forward(Array3::zeros((2, 3, 5)).view(), AttentionMask::NONE));
        assert_eq!(
            e,
            "TransformerEncoderLayer.forward: x must be (N, T, 4) with N, T ≥ 1 (x: [2, 3, 5])"
        );
        assert!(message(enc.backward(x().view())).contains("before forward"));
        let lengths = [4, 1];
        let mask = AttentionMask {
            causal: false,
            key_lengths: Some(&lengths),
        };
        let e = message(enc.forward(x().view(), mask));
        assert!(
            e.starts_with("TransformerEncoderLayer.forward: self_attn: MultiHeadAttention.forward: the mask's key lengths"),
            "{e}"
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let config = TransformerConfig {
            dropout: 0.1,
            ..TransformerConfig::new(4, 2)
        };
        let e = message(TransformerEncoderLayer::<f64>::init(config, &mut rng, None));
        assert!(e.contains("dropout of 0.1 needs a generator"), "{e}");
        let e = message(TransformerEncoderLayer::<f64>::init(
            TransformerConfig::new(6, 4),
            &mut rng,
            None,
        ));
        assert!(e.contains("(heads: 4, d_model: 6)"), "{e}");
    }

    #[test]
    fn params_are_named_as_pytorch_names_them() {
        let names = layer::<f64>(0.0).param_names();
        assert_eq!(names.len(), 14);
        assert_eq!(names[0], "self_attn.q_proj.W");
        assert_eq!(
            names[6..10],
            ["linear1.W", "linear1.b", "linear2.W", "linear2.b"]
        );
        assert_eq!(names[13], "norm2.beta");
    }
}
