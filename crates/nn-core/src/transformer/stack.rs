//! `TransformerEncoder` and `TransformerDecoder`: stacks of layers (book
//! 8.5.2's "N×"), with the final layer norm a pre-LN stack needs.

use ndarray::{Array2, Array3, ArrayView3, Zip};

use crate::attention::reshape3;
use crate::time::as_rows;
use crate::transformer::encoder_layer::norm;
use crate::transformer::residual::three;
use crate::transformer::{
    AttentionMask, TransformerConfig, TransformerDecoderLayer, TransformerEncoderLayer,
};
use crate::{Error, Float, Layer, LayerNorm, Param, Parameters, Randn, Result, SharedRng, scoped};

/// The names the layers' parameters are listed under: `layers.0`, … (PyTorch's).
fn layer_names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("layers.{i}")).collect()
}

/// The final norm of `x` `(N, T, E)`, if the stack has one.
fn final_norm<'a, F: Float>(
    norm: &'a mut Option<LayerNorm<F>>,
    x: ArrayView3<'_, F>,
    buf: &'a mut Array2<F>,
) -> Result<Option<ArrayView3<'a, F>>> {
    let Some(norm) = norm else { return Ok(None) };
    let (n, t, _) = x.dim();
    let y = norm.forward(as_rows(x, buf))?;
    three(y, (n, t)).map(Some)
}

/// The final norm's backward for `dout`, if the stack has one.
fn final_norm_backward<'a, F: Float>(
    norm: &'a mut Option<LayerNorm<F>>,
    dout: ArrayView3<'_, F>,
    buf: &'a mut Array2<F>,
) -> Result<Option<ArrayView3<'a, F>>> {
    let Some(norm) = norm else { return Ok(None) };
    let (n, t, _) = dout.dim();
    let dx = norm.backward(as_rows(dout, buf))?;
    three(dx, (n, t)).map(Some)
}

/// A stack is built with at least one layer; this is the error should it have none.
fn no_layers(op: &'static str) -> Error {
    Error::invalid(op, "the stack has no layers")
}

fn check_layers<F: Float>(
    op: &'static str,
    widths: &[usize],
    norm: Option<&LayerNorm<F>>,
) -> Result<()> {
    let e = widths.first().copied();
    let fits = e.is_some()
        && widths.iter().all(|&w| Some(w) == e)
        && norm.is_none_or(|n| Some(n.features()) == e);
    if !fits {
        return Err(Error::shape(
            op,
            format!(
                "a stack needs at least one layer, all of one width, and a final norm of it \
                 (layers' widths: {widths:?}, norm: {:?})",
                norm.map(LayerNorm::features)
            ),
        ));
    }
    Ok(())
}

/// `layers` encoder layers one after another, then (if given) a final
/// layer norm: PyTorch's `nn.TransformerEncoder(layer, num_layers, norm)`.
/// A pre-LN stack wants the final norm (its layers' outputs are sums never
/// normalised); a post-LN stack ends normalised already.
///
/// Parameters: `layers.{i}.*` as each layer lists them, then `norm.gamma`,
/// `norm.beta`.
///
/// ```
/// use nn_core::transformer::{AttentionMask, TransformerConfig, TransformerEncoder};
/// use nn_core::Parameters;
/// use ndarray::Array3;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let config = TransformerConfig { norm_first: true, ..TransformerConfig::new(8, 2) };
/// let mut encoder = TransformerEncoder::<f32>::init(config, 2, &mut rng, None)?;
/// let memory = encoder.forward(Array3::ones((3, 7, 8)).view(), AttentionMask::NONE)?;
/// assert_eq!(memory.shape(), [3, 7, 8]);
/// assert_eq!(encoder.param_names()[0], "layers.0.self_attn.q_proj.W");
/// assert_eq!(encoder.param_names().last().unwrap(), "norm.beta");
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TransformerEncoder<F: Float> {
    layers: Vec<TransformerEncoderLayer<F>>,
    norm: Option<LayerNorm<F>>,
    names: Vec<String>,
    rows: Array2<F>,
    /// Whether the last forward ran through every layer.
    ready: bool,
}

impl<F: Float> TransformerEncoder<F> {
    /// `layers` layers of `config`'s sizes drawn from `rng` in order, and a
    /// final norm when `config.norm_first`.
    ///
    /// # Errors
    /// As [`TransformerEncoderLayer::init`], or no layers.
    pub fn init(
        config: TransformerConfig,
        layers: usize,
        rng: &mut dyn Randn,
        dropout_rng: Option<&SharedRng>,
    ) -> Result<Self> {
        let stack = (0..layers)
            .map(|_| TransformerEncoderLayer::init(config, rng, dropout_rng))
            .collect::<Result<Vec<_>>>()?;
        let final_norm = config.norm_first.then(|| norm(config)).transpose()?;
        Self::from_layers(stack, final_norm)
    }

    /// A stack of the given layers and final norm.
    ///
    /// # Errors
    /// No layers, or layers and norm of different widths.
    pub fn from_layers(
        layers: Vec<TransformerEncoderLayer<F>>,
        norm: Option<LayerNorm<F>>,
    ) -> Result<Self> {
        let widths: Vec<usize> = layers
            .iter()
            .map(TransformerEncoderLayer::d_model)
            .collect();
        check_layers("TransformerEncoder.from_layers", &widths, norm.as_ref())?;
        Ok(Self {
            names: layer_names(layers.len()),
            layers,
            norm,
            rows: Array2::zeros((0, 0)),
            ready: false,
        })
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[TransformerEncoderLayer<F>] {
        &self.layers
    }

    /// The final norm, if any.
    pub fn norm(&self) -> Option<&LayerNorm<F>> {
        self.norm.as_ref()
    }

    /// `E`.
    pub fn d_model(&self) -> usize {
        self.layers[0].d_model()
    }

    /// The memory for `x` `(N, T, E)`, every layer's self-attention under `mask`.
    ///
    /// # Errors
    /// As the layers'; the message names the layer (`layers.1`).
    pub fn forward(
        &mut self,
        x: ArrayView3<'_, F>,
        mask: AttentionMask<'_>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TransformerEncoder.forward";
        self.ready = false;
        let mut layers = self.layers.iter_mut().zip(&self.names);
        let (first, name) = layers.next().ok_or_else(|| no_layers(OP))?;
        let mut h = first
            .forward(x, mask)
            .map_err(|e| e.within(OP, name.clone()))?;
        for (layer, name) in layers {
            h = layer
                .forward(h, mask)
                .map_err(|e| e.within(OP, name.clone()))?;
        }
        let y = final_norm(&mut self.norm, h, &mut self.rows).map_err(|e| e.within(OP, "norm"))?;
        self.ready = true;
        Ok(y.unwrap_or(h))
    }

    /// `dx` for `dout` = ∂L/∂memory.
    ///
    /// # Errors
    /// Called before a successful forward, or `dout` not of its shape.
    pub fn backward(&mut self, dout: ArrayView3<'_, F>) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TransformerEncoder.backward";
        if !self.ready {
            // A failed forward leaves some layers with the last good pass's
            // caches: backward through none of them.
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        let mut layers = self.layers.iter_mut().zip(&self.names).rev();
        let (last, name) = layers.next().ok_or_else(|| no_layers(OP))?;
        let dn = final_norm_backward(&mut self.norm, dout, &mut self.rows)
            .map_err(|e| e.within(OP, "norm"))?;
        let d = dn.unwrap_or(dout);
        let mut d = last.backward(d).map_err(|e| e.within(OP, name.clone()))?;
        for (layer, name) in layers {
            d = layer.backward(d).map_err(|e| e.within(OP, name.clone()))?;
        }
        Ok(d)
    }

    /// Switches every layer's dropout between training and evaluation.
    pub fn set_training(&mut self, training: bool) {
        self.layers
            .iter_mut()
            .for_each(|l| l.set_training(training));
    }
}

impl<F: Float> Parameters<F> for TransformerEncoder<F> {
    /// `layers.{i}.*`, then `norm.*`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        for (layer, name) in self.layers.iter_mut().zip(&self.names) {
            layer.visit_params(&mut scoped(name, f))?;
        }
        match &mut self.norm {
            Some(norm) => norm.visit_params(&mut scoped("norm", f)),
            None => Ok(()),
        }
    }
}

/// `layers` decoder layers one after another, each attending to the same
/// memory, then (if given) a final layer norm: PyTorch's
/// `nn.TransformerDecoder(layer, num_layers, norm)`. The memory's gradient
/// is the sum of every layer's.
///
/// ```
/// use nn_core::transformer::{AttentionMask, TransformerConfig, TransformerDecoder};
/// use ndarray::Array3;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut decoder = TransformerDecoder::<f64>::init(TransformerConfig::new(8, 4), 2, &mut rng, None)?;
/// let (x, memory) = (Array3::ones((3, 5, 8)), Array3::ones((3, 7, 8)));
/// let y = decoder.forward(x.view(), memory.view(), AttentionMask::CAUSAL, AttentionMask::NONE)?;
/// assert_eq!(y.shape(), [3, 5, 8]);
/// // Layer 1's cross-attention, head 3: how output step 4 of sequence 0 read the source.
/// let row = decoder.layers()[1].cross_attn().weights().slice(ndarray::s![0, 3, 4, ..]).sum();
/// assert!((row - 1.0).abs() < 1e-12);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TransformerDecoder<F: Float> {
    layers: Vec<TransformerDecoderLayer<F>>,
    norm: Option<LayerNorm<F>>,
    names: Vec<String>,
    rows: Array2<F>,
    dmemory: Array3<F>,
    /// Whether the last forward ran through every layer.
    ready: bool,
}

impl<F: Float> TransformerDecoder<F> {
    /// `layers` layers of `config`'s sizes drawn from `rng` in order, and a
    /// final norm when `config.norm_first`.
    ///
    /// # Errors
    /// As [`TransformerDecoderLayer::init`], or no layers.
    pub fn init(
        config: TransformerConfig,
        layers: usize,
        rng: &mut dyn Randn,
        dropout_rng: Option<&SharedRng>,
    ) -> Result<Self> {
        let stack = (0..layers)
            .map(|_| TransformerDecoderLayer::init(config, rng, dropout_rng))
            .collect::<Result<Vec<_>>>()?;
        let final_norm = config.norm_first.then(|| norm(config)).transpose()?;
        Self::from_layers(stack, final_norm)
    }

    /// A stack of the given layers and final norm.
    ///
    /// # Errors
    /// No layers, or layers and norm of different widths.
    pub fn from_layers(
        layers: Vec<TransformerDecoderLayer<F>>,
        norm: Option<LayerNorm<F>>,
    ) -> Result<Self> {
        let widths: Vec<usize> = layers
            .iter()
            .map(TransformerDecoderLayer::d_model)
            .collect();
        check_layers("TransformerDecoder.from_layers", &widths, norm.as_ref())?;
        Ok(Self {
            names: layer_names(layers.len()),
            layers,
            norm,
            rows: Array2::zeros((0, 0)),
            dmemory: Array3::zeros((0, 0, 0)),
            ready: false,
        })
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[TransformerDecoderLayer<F>] {
        &self.layers
    }

    /// The final norm, if any.
    pub fn norm(&self) -> Option<&LayerNorm<F>> {
        self.norm.as_ref()
    }

    /// `E`.
    pub fn d_model(&self) -> usize {
        self.layers[0].d_model()
    }

    /// The output for `x` `(N, T, E)` over `memory` `(N, S, E)`.
    ///
    /// # Errors
    /// As the layers'; the message names the layer (`layers.1`).
    pub fn forward(
        &mut self,
        x: ArrayView3<'_, F>,
        memory: ArrayView3<'_, F>,
        self_mask: AttentionMask<'_>,
        memory_mask: AttentionMask<'_>,
    ) -> Result<ArrayView3<'_, F>> {
        const OP: &str = "TransformerDecoder.forward";
        self.ready = false;
        let mut layers = self.layers.iter_mut().zip(&self.names);
        let (first, name) = layers.next().ok_or_else(|| no_layers(OP))?;
        let mut h = first
            .forward(x, memory, self_mask, memory_mask)
            .map_err(|e| e.within(OP, name.clone()))?;
        for (layer, name) in layers {
            h = layer
                .forward(h, memory, self_mask, memory_mask)
                .map_err(|e| e.within(OP, name.clone()))?;
        }
        let y = final_norm(&mut self.norm, h, &mut self.rows).map_err(|e| e.within(OP, "norm"))?;
        self.ready = true;
        Ok(y.unwrap_or(h))
    }

    /// `(dx, dmemory)` for `dout` = ∂L/∂y; `dmemory` sums every layer's.
    ///
    /// # Errors
    /// Called before a successful forward, or `dout` not of its shape.
    #[allow(clippy::type_complexity)] // the two gradients, named in the docs
    pub fn backward(
        &mut self,
        dout: ArrayView3<'_, F>,
    ) -> Result<(ArrayView3<'_, F>, ArrayView3<'_, F>)> {
        const OP: &str = "TransformerDecoder.backward";
        if !self.ready {
            // A failed forward leaves some layers with the last good pass's
            // caches: backward through none of them.
            return Err(Error::BackwardBeforeForward { op: OP });
        }
        let mut layers = self.layers.iter_mut().zip(&self.names).rev();
        let (last, name) = layers.next().ok_or_else(|| no_layers(OP))?;
        let dn = final_norm_backward(&mut self.norm, dout, &mut self.rows)
            .map_err(|e| e.within(OP, "norm"))?;
        let (mut d, dm) = last
            .backward(dn.unwrap_or(dout))
            .map_err(|e| e.within(OP, name.clone()))?;
        reshape3(&mut self.dmemory, dm.dim());
        self.dmemory.assign(&dm);
        for (layer, name) in layers {
            let (dx, dm) = layer.backward(d).map_err(|e| e.within(OP, name.clone()))?;
            Zip::from(&mut self.dmemory)
                .and(&dm)
                .for_each(|s, &g| *s += g);
            d = dx;
        }
        Ok((d, self.dmemory.view()))
    }

    /// Switches every layer's dropout between training and evaluation.
    pub fn set_training(&mut self, training: bool) {
        self.layers
            .iter_mut()
            .for_each(|l| l.set_training(training));
    }
}

impl<F: Float> Parameters<F> for TransformerDecoder<F> {
    /// `layers.{i}.*`, then `norm.*`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        for (layer, name) in self.layers.iter_mut().zip(&self.names) {
            layer.visit_params(&mut scoped(name, f))?;
        }
        match &mut self.norm {
            Some(norm) => norm.visit_params(&mut scoped("norm", f)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::message;
    use rand::SeedableRng;

    #[test]
    fn no_backward_after_a_failed_forward() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let config = TransformerConfig::new(8, 2);
        let mut encoder = TransformerEncoder::<f64>::init(config, 2, &mut rng, None).unwrap();
        let x = Array3::from_elem((2, 3, 8), 0.5);
        encoder.forward(x.view(), AttentionMask::NONE).unwrap();
        let lengths = [3, 9];
        let mask = AttentionMask {
            causal: false,
            key_lengths: Some(&lengths),
        };
        let e = message(encoder.forward(x.view(), mask));
        assert!(
            e.starts_with("TransformerEncoder.forward: layers.0: "),
            "{e}"
        );
        assert!(message(encoder.backward(x.view())).contains("before forward"));
        let mut decoder = TransformerDecoder::<f64>::init(config, 2, &mut rng, None).unwrap();
        let e = message(decoder.forward(
            x.view(),
            Array3::zeros((2, 4, 7)).view(),
            AttentionMask::CAUSAL,
            AttentionMask::NONE,
        ));
        assert!(
            e.contains("layers.0: TransformerDecoderLayer.forward: cross_attn"),
            "{e}"
        );
        assert!(message(decoder.backward(x.view())).contains("before forward"));
    }
}
