//! `TransformerDecoderLayer`: masked self-attention, attention over the
//! encoder's output, and a feed-forward network, each in a skip connection
//! with layer normalisation (book 8.5.2, the right half of the figure).

use ndarray::{Array2, Array3, ArrayView3};

use crate::attention::reshape3;
use crate::time::as_rows;
use crate::transformer::encoder_layer::{check_input, check_widths, norm};
use crate::transformer::residual::{Residual, rows, three};
use crate::transformer::{AttentionMask, FeedForward, MultiHeadAttention, TransformerConfig};
use crate::{Float, Init, Layer, LayerNorm, Param, Parameters, Randn, Result, SharedRng, scoped};

/// One layer of the Transformer's decoder over `x` `(N, T, E)` and the
/// encoder's output, the memory `(N, S, E)`:
///
/// * post-LN: `h1 = norm1(x + drop(self_attn(x)))`, `h2 = norm2(h1 +
///   drop(cross_attn(h1, memory)))`, `y = norm3(h2 + drop(ff(h2)))`;
/// * pre-LN: each sublayer reads the norm of its input, and the sums are
///   not normalised.
///
/// The self-attention takes the causal mask (no step sees the steps after
/// it) in training and in generation alike; the attention over the memory
/// may take a padding mask of the source. PyTorch's
/// `nn.TransformerDecoderLayer(batch_first=True)`, whose `multihead_attn`
/// is `cross_attn` here; the other names are PyTorch's (`self_attn.*`,
/// `linear1.*`, `linear2.*`, `norm1..3.*`). Both attentions' weights of the
/// last forward stay readable: `cross_attn().weights()` is the heat map of
/// which source positions each output position read.
///
/// ```
/// use nn_core::transformer::{AttentionMask, TransformerConfig, TransformerDecoderLayer};
/// use ndarray::Array3;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut layer = TransformerDecoderLayer::<f64>::init(TransformerConfig::new(8, 2), &mut rng, None)?;
/// let (x, memory) = (Array3::ones((2, 4, 8)), Array3::ones((2, 6, 8)));
/// let y = layer.forward(x.view(), memory.view(), AttentionMask::CAUSAL, AttentionMask::NONE)?;
/// assert_eq!(y.shape(), [2, 4, 8]);
/// assert_eq!(layer.cross_attn().weights().shape(), [2, 2, 4, 6]);
/// let (dx, dmemory) = layer.backward(Array3::ones((2, 4, 8)).view())?;
/// assert_eq!((dx.shape(), dmemory.shape()), ([2, 4, 8].as_slice(), [2, 6, 8].as_slice()));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TransformerDecoderLayer<F: Float> {
    self_attn: MultiHeadAttention<F>,
    cross_attn: MultiHeadAttention<F>,
    feed_forward: FeedForward<F>,
    block1: Residual<F>,
    block2: Residual<F>,
    block3: Residual<F>,
    /// `(N, T, E)` of the last forward.
    dims: (usize, usize, usize),
    x_rows: Array2<F>,
    dmemory: Array3<F>,
    ready: bool,
}

impl<F: Float> TransformerDecoderLayer<F> {
    /// A layer of `config`'s sizes, drawn as
    /// [`TransformerEncoderLayer::init`](crate::transformer::TransformerEncoderLayer::init)
    /// draws (self-attention, then cross-attention, then the feed-forward
    /// network).
    ///
    /// # Errors
    /// As the encoder layer's.
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
            MultiHeadAttention::init(d_model, heads, Init::Xavier, rng)?,
            FeedForward::init(d_model, d_ff, Init::He, rng)?,
            [norm(config)?, norm(config)?, norm(config)?],
            config.norm_first,
        )?;
        layer.with_dropout(config.dropout, dropout_rng)
    }

    /// A layer from its parts (given weights): the self-attention, the
    /// attention over the memory, the feed-forward network, `norm1..3`, and
    /// whether it is pre-LN.
    ///
    /// # Errors
    /// Parts of different widths.
    pub fn from_parts(
        self_attn: MultiHeadAttention<F>,
        cross_attn: MultiHeadAttention<F>,
        feed_forward: FeedForward<F>,
        [norm1, norm2, norm3]: [LayerNorm<F>; 3],
        norm_first: bool,
    ) -> Result<Self> {
        const OP: &str = "TransformerDecoderLayer.from_parts";
        check_widths(OP, &self_attn, &feed_forward, &[&norm1, &norm2, &norm3])?;
        check_widths(OP, &cross_attn, &feed_forward, &[])?;
        Ok(Self {
            self_attn,
            cross_attn,
            feed_forward,
            block1: Residual::new(norm1, norm_first),
            block2: Residual::new(norm2, norm_first),
            block3: Residual::new(norm3, norm_first),
            dims: (0, 0, 0),
            x_rows: Array2::zeros((0, 0)),
            dmemory: Array3::zeros((0, 0, 0)),
            ready: false,
        })
    }

    /// The layer with dropout of `ratio` after each sublayer, its masks
    /// drawn from `rng` (none for a ratio of 0).
    ///
    /// # Errors
    /// A ratio outside `[0, 1)`, or a ratio above 0 without a generator.
    pub fn with_dropout(mut self, ratio: f64, rng: Option<&SharedRng>) -> Result<Self> {
        for block in [&mut self.block1, &mut self.block2, &mut self.block3] {
            block.set_dropout("TransformerDecoderLayer.with_dropout", ratio, rng)?;
        }
        Ok(self)
    }

    /// The masked self-attention.
    pub fn self_attn(&self) -> &MultiHeadAttention<F> {
        &self.self_attn
    }

    /// The attention over the memory (PyTorch's `multihead_attn`).
    pub fn cross_attn(&self) -> &MultiHeadAttention<F> {
        &self.cross_attn
    }

    /// The feed-forward network.
    pub fn feed_forward(&self) -> &FeedForward<F> {
        &self.feed_forward
    }

    /// `norm1`, `norm2`, `norm3`.
    pub fn norms(&self) -> [&LayerNorm<F>; 3] {
        [&self.block1.norm, &self.block2.norm, &self.block3.norm]
    }

    /// Whether the layer is pre-LN.
    pub fn norm_first(&self) -> bool {
        self.block1.norm_first()
    }

    /// `E`.
    pub fn d_model(&self) -> usize {
        self.self_attn.d_model()
    }

    /// The layer's output for `x` `(N, T, E)` and `memory` `(N, S, Em)`:
    /// the self-attention under `self_mask` (causal, for a decoder), the
    /// attention over the memory under `memory_mask`.
    ///
    /// # Errors
    /// Inputs that don't fit, masks that don't fit, a non-finite score.
    pub fn forward(
        &mut self,
        x: ArrayView3<'_, F>,
        memory: ArrayView3<'_, F>,
        self_mask: AttentionMask<'_>,
        memory_mask: AttentionMask<'_>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TransformerDecoderLayer.forward";
        let (n, t, e) = x.dim();
        check_input(OP, "x", &x, self.d_model())?;
        self.ready = false;
        self.dims = (n, t, e);
        let xs = as_rows(x, &mut self.x_rows);
        let attn = &mut self.self_attn;
        let h1 = self
            .block1
            .forward(xs, (n, t), |h| {
                Ok(rows(attn.forward(three(h, (n, t))?, None, self_mask)?))
            })
            .map_err(|err| err.within(OP, "self_attn"))?;
        let cross = &mut self.cross_attn;
        let h2 = self
            .block2
            .forward(h1, (n, t), |h| {
                Ok(rows(cross.forward(
                    three(h, (n, t))?,
                    Some(memory),
                    memory_mask,
                )?))
            })
            .map_err(|err| err.within(OP, "cross_attn"))?;
        let ff = &mut self.feed_forward;
        let y = self
            .block3
            .forward(h2, (n, t), |h| ff.forward(h))
            .map_err(|err| err.within(OP, "feed_forward"))?;
        self.ready = true;
        three(y, (n, t))
    }

    /// `(dx, dmemory)` for `dout` = ∂L/∂y; the parameters' gradients are
    /// overwritten.
    ///
    /// # Errors
    /// Called before a successful `forward`, or `dout` not of its shape.
    #[allow(clippy::type_complexity)] // the two gradients, named in the docs
    pub fn backward(
        &mut self,
        dout: ArrayView3<'_, F>,
    ) -> Result<(ArrayView3<'_, F>, ArrayView3<'_, F>)> {
        const OP: &str = "TransformerDecoderLayer.backward";
        let (n, t, _) = self.dims;
        crate::time::check_dout(OP, self.ready, &dout, self.dims)?;
        let dy = as_rows(dout, &mut self.x_rows);
        let ff = &mut self.feed_forward;
        let dh2 = self.block3.backward(dy, |d| ff.backward(d))?;
        let (cross, dmemory) = (&mut self.cross_attn, &mut self.dmemory);
        let dh1 = self.block2.backward(dh2, |d| {
            let (dx, dm) = cross.backward(three(d, (n, t))?)?;
            if let Some(dm) = dm {
                reshape3(dmemory, dm.dim());
                dmemory.assign(&dm);
            }
            Ok(rows(dx))
        })?;
        let attn = &mut self.self_attn;
        let dx = self
            .block1
            .backward(dh1, |d| Ok(rows(attn.backward(three(d, (n, t))?)?.0)))?;
        Ok((three(dx, (n, t))?, self.dmemory.view()))
    }

    /// Switches dropout between training and evaluation.
    pub fn set_training(&mut self, training: bool) {
        for block in [&mut self.block1, &mut self.block2, &mut self.block3] {
            block.set_training(training);
        }
    }
}

impl<F: Float> Parameters<F> for TransformerDecoderLayer<F> {
    /// `self_attn.*`, `cross_attn.*`, `linear1.*`, `linear2.*`, `norm1..3.*`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.self_attn.visit_params(&mut scoped("self_attn", f))?;
        self.cross_attn.visit_params(&mut scoped("cross_attn", f))?;
        self.feed_forward.visit_params(f)?;
        self.block1.norm.visit_params(&mut scoped("norm1", f))?;
        self.block2.norm.visit_params(&mut scoped("norm2", f))?;
        self.block3.norm.visit_params(&mut scoped("norm3", f))
    }
}
