//! `Sequential`: layers in a row and a loss at the end, the book's `TwoLayerNet` pattern.

use std::fmt;

use ndarray::{ArrayView2, AsArray, Ix2};

use crate::{Error, Float, Labels, Layer, Loss, Param, Result};

/// A stack of layers followed by a loss layer.
///
/// `forward` runs the layers in order and then the loss, `backward` runs the
/// loss's backward and the layers' in reverse, and
/// [`visit_params`](Self::visit_params) hands out every parameter with its
/// gradient in order: the book's `params` and `grads` lists, layer by layer.
///
/// ```
/// use nn_core::{Affine, Init, Sequential, Sigmoid, SoftmaxWithLoss};
/// use ndarray::array;
/// use rand::SeedableRng;
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut net = Sequential::new(SoftmaxWithLoss::new())
///     .with(Affine::init(2, 10, Init::BOOK, &mut rng)?)
///     .with(Sigmoid::new())
///     .with(Affine::init(10, 3, Init::BOOK, &mut rng)?);
/// let x = array![[0.1, 0.2], [0.3, -0.4]];
/// let loss = net.forward(&x, &[0, 2])?;
/// assert!((loss - 3f64.ln()).abs() < 1e-2); // tiny weights: uniform guesses
/// net.backward()?;
/// assert_eq!(net.num_params(), 4); // W1, b1, W2, b2
/// # Ok::<(), nn_core::Error>(())
/// ```
pub struct Sequential<F: Float> {
    layers: Vec<Box<dyn Layer<F> + Send>>,
    loss: Box<dyn Loss<F> + Send>,
}

impl<F: Float> Sequential<F> {
    /// An empty stack ending in `loss`.
    pub fn new(loss: impl Loss<F> + Send + 'static) -> Self {
        Self {
            layers: Vec::new(),
            loss: Box::new(loss),
        }
    }

    /// Appends a layer after the existing ones.
    pub fn push(&mut self, layer: impl Layer<F> + Send + 'static) -> &mut Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// Appends a layer, builder style.
    pub fn with(mut self, layer: impl Layer<F> + Send + 'static) -> Self {
        self.push(layer);
        self
    }

    /// The layers, in forward order.
    pub fn layers(&self) -> &[Box<dyn Layer<F> + Send>] {
        &self.layers
    }

    /// The layers, mutably (to read or change a layer's state between steps).
    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer<F> + Send>] {
        &mut self.layers
    }

    /// The loss layer.
    pub fn loss_layer(&self) -> &(dyn Loss<F> + Send) {
        &*self.loss
    }

    /// Runs the layers (not the loss) on `x` and returns the scores, the
    /// book's `predict`.
    ///
    /// # Errors
    /// A model without layers, or any layer's error.
    pub fn predict<'x>(&mut self, x: impl AsArray<'x, F, Ix2>) -> Result<ArrayView2<'_, F>>
    where
        F: 'x,
    {
        run_layers(&mut self.layers, x.into())?.ok_or(Error::invalid(
            "Sequential.predict",
            "the model has no layers to predict with",
        ))
    }

    /// Runs the layers and the loss; returns the mean loss of the batch.
    ///
    /// # Errors
    /// Any layer's or the loss's error (shapes, labels, a non-finite loss).
    pub fn forward<'x, 't>(
        &mut self,
        x: impl AsArray<'x, F, Ix2>,
        t: impl Into<Labels<'t, F>>,
    ) -> Result<F>
    where
        F: 'x,
    {
        let x = x.into();
        let t = t.into();
        match run_layers(&mut self.layers, x)? {
            Some(scores) => self.loss.forward(scores, t),
            None => self.loss.forward(x, t),
        }
    }

    /// Back-propagates from the loss (with `dout = 1`) through every layer,
    /// overwriting all gradients; returns ∂L/∂x for the model's input.
    ///
    /// # Errors
    /// Called before `forward`.
    pub fn backward(&mut self) -> Result<ArrayView2<'_, F>> {
        let mut dout = self.loss.backward(F::one())?;
        for layer in self.layers.iter_mut().rev() {
            dout = layer.backward(dout)?;
        }
        Ok(dout)
    }

    /// Calls `f` on every parameter and its gradient, in order: the first
    /// layer's (`W`, then `b`), then the next layer's, and so on.
    ///
    /// # Errors
    /// Whatever `f` returns; the visit stops there.
    pub fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        for layer in &mut self.layers {
            layer.visit_params(f)?;
        }
        Ok(())
    }

    /// The number of parameter arrays (not of scalars).
    pub fn num_params(&mut self) -> usize {
        let mut count = 0;
        // The closure never fails, so neither does the visit.
        let _ = self.visit_params(&mut |_| {
            count += 1;
            Ok(())
        });
        count
    }

    /// The number of trainable scalars in all parameters.
    pub fn num_scalars(&mut self) -> usize {
        let mut count = 0;
        let _ = self.visit_params(&mut |p| {
            count += p.value.len();
            Ok(())
        });
        count
    }
}

impl<F: Float> fmt::Debug for Sequential<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sequential")
            .field(
                "layers",
                &self.layers.iter().map(|l| l.name()).collect::<Vec<_>>(),
            )
            .field("loss", &self.loss.name())
            .finish()
    }
}

/// Runs `layers` in order on `x`; `None` when there are none.
fn run_layers<'l, F: Float>(
    layers: &'l mut [Box<dyn Layer<F> + Send>],
    x: ArrayView2<'_, F>,
) -> Result<Option<ArrayView2<'l, F>>> {
    let Some((first, rest)) = layers.split_first_mut() else {
        return Ok(None);
    };
    let mut out = first.forward(x)?;
    for layer in rest {
        out = layer.forward(out)?;
    }
    Ok(Some(out))
}
