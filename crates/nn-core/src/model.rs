//! `Sequential`: layers in a row and a loss at the end, the book's `TwoLayerNet` pattern.

use std::fmt;

use ndarray::{ArrayView2, AsArray, Ix2};

use crate::{
    Error, Float, ForwardState, Labels, Layer, Loss, Param, Parameters, Result, Shared, scoped,
};

/// A stack of layers followed by a loss layer.
///
/// `forward` runs the layers in order and then the loss, `backward` runs the
/// loss's backward and the layers' in reverse, and
/// [`visit_params`](Parameters::visit_params) hands out every parameter with its
/// gradient in order: the book's `params` and `grads` lists, layer by layer.
/// Each layer has a name, its position (`0`, `1`, …, as PyTorch's
/// `nn.Sequential` numbers them) unless it was added with one
/// ([`with_named`](Self::with_named)), and its parameters are listed under
/// it: `0.W`, `0.b`, `2.W`, … or `affine1.W`, ….
///
/// ```
/// use nn_core::{Affine, Init, Parameters, Sequential, Sigmoid, SoftmaxWithLoss};
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
/// assert_eq!(net.param_names(), ["0.W", "0.b", "2.W", "2.b"]);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// Layers built on a [`Shared`] weight don't list it; register it with
/// [`share`](Self::share) and the model lists it once, before the layers'
/// own parameters:
///
/// ```
/// use nn_core::{MatMul, Orientation, Parameters, Sequential, Shared, SoftmaxWithLoss};
/// use ndarray::array;
///
/// let w = Shared::new("W", array![[0.5, -0.5], [0.25, 1.0]])?;
/// let mut net = Sequential::new(SoftmaxWithLoss::new())
///     .share(&w)
///     .with(MatMul::shared(&w, Orientation::AsIs))
///     .with(MatMul::shared(&w, Orientation::Transposed));
/// net.forward(&array![[1.0, 2.0]], &[1])?;
/// net.backward()?;
/// assert_eq!(net.num_params(), 1); // W, once, with the sum of both uses' gradients
/// # Ok::<(), nn_core::Error>(())
/// ```
pub struct Sequential<F: Float> {
    shared: Vec<Shared<F>>,
    layers: Vec<Box<dyn Layer<F> + Send>>,
    /// One per layer: the scope of its parameters' names.
    names: Vec<String>,
    loss: Box<dyn Loss<F> + Send>,
    /// How the last forward ended (a prediction counts as none).
    pass: ForwardState,
}

impl<F: Float> Sequential<F> {
    /// An empty stack ending in `loss`.
    pub fn new(loss: impl Loss<F> + Send + 'static) -> Self {
        Self {
            shared: Vec::new(),
            layers: Vec::new(),
            names: Vec::new(),
            loss: Box::new(loss),
            pass: ForwardState::NotRun,
        }
    }

    /// Registers a weight that layers of this model share: it is listed once
    /// among the parameters, before the layers' own, in the order of
    /// registration. Registering the same weight again changes nothing.
    pub fn share(mut self, weight: &Shared<F>) -> Self {
        if !self.shared.iter().any(|w| w.same(weight)) {
            self.shared.push(weight.clone());
        }
        self
    }

    /// Appends a layer after the existing ones, named by its position.
    pub fn push(&mut self, layer: impl Layer<F> + Send + 'static) -> &mut Self {
        let name = self.layers.len().to_string();
        self.push_named(name, layer)
    }

    /// Appends a layer whose parameters are listed under `name`
    /// (`name.W`, `name.b`).
    pub fn push_named(
        &mut self,
        name: impl Into<String>,
        layer: impl Layer<F> + Send + 'static,
    ) -> &mut Self {
        self.layers.push(Box::new(layer));
        self.names.push(name.into());
        self
    }

    /// Appends a layer, builder style, named by its position.
    pub fn with(mut self, layer: impl Layer<F> + Send + 'static) -> Self {
        self.push(layer);
        self
    }

    /// Appends a layer named `name`, builder style:
    ///
    /// ```
    /// use nn_core::{Affine, Init, Parameters, Sequential, Sigmoid, SoftmaxWithLoss};
    /// let rng = &mut rand::rng();
    /// let mut net = Sequential::<f32>::new(SoftmaxWithLoss::new())
    ///     .with_named("affine1", Affine::init(2, 10, Init::BOOK, rng)?)
    ///     .with_named("sigmoid", Sigmoid::new())
    ///     .with_named("affine2", Affine::init(10, 3, Init::BOOK, rng)?);
    /// assert_eq!(net.param_names(), ["affine1.W", "affine1.b", "affine2.W", "affine2.b"]);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn with_named(
        mut self,
        name: impl Into<String>,
        layer: impl Layer<F> + Send + 'static,
    ) -> Self {
        self.push_named(name, layer);
        self
    }

    /// Switches every layer between training and evaluation
    /// ([`Layer::set_training`]: dropout is active only in training).
    pub fn set_training(&mut self, training: bool) {
        for layer in &mut self.layers {
            layer.set_training(training);
        }
    }

    /// The layers' names, in forward order.
    pub fn layer_names(&self) -> &[String] {
        &self.names
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
        // The layers' caches are now the prediction's, not a forward's.
        self.pass = ForwardState::NotRun;
        run_layers(&mut self.layers, x.into())?.ok_or_else(|| {
            Error::invalid(
                "Sequential.predict",
                "the model has no layers to predict with",
            )
        })
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
        let loss = match run_layers(&mut self.layers, x) {
            Ok(Some(scores)) => self.loss.forward(scores, t),
            Ok(None) => self.loss.forward(x, t),
            Err(e) => Err(e),
        };
        self.pass = ForwardState::of(&loss);
        loss
    }

    /// Back-propagates from the loss (with `dout = 1`) through every layer,
    /// overwriting all gradients; returns ∂L/∂x for the model's input.
    ///
    /// # Errors
    /// Called before `forward`.
    pub fn backward(&mut self) -> Result<ArrayView2<'_, F>> {
        self.backward_with(F::one())
    }

    /// As [`backward`](Self::backward) from the upstream gradient `dout` =
    /// ∂L/∂loss (the book's `backward(dout)`): every gradient scaled by it.
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not finite.
    pub fn backward_with(&mut self, dout: F) -> Result<ArrayView2<'_, F>> {
        self.pass.check("Sequential.backward")?;
        let mut dout = self.loss.backward(dout)?;
        for layer in self.layers.iter_mut().rev() {
            dout = layer.backward(dout)?;
        }
        Ok(dout)
    }

    /// Back-propagates into every parameter's gradient, as
    /// [`backward`](Self::backward), but skips the gradient of the model's
    /// input, which a training step never reads: the first layer runs
    /// [`Layer::backward_params_only`]. The gradients are the same bits.
    ///
    /// # Errors
    /// Called before `forward`.
    pub fn backward_params(&mut self) -> Result<()> {
        self.backward_params_with(F::one())
    }

    /// [`backward_params`](Self::backward_params) from the upstream
    /// gradient `dout`.
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not finite.
    pub fn backward_params_with(&mut self, dout: F) -> Result<()> {
        self.pass.check("Sequential.backward")?;
        let mut dout = self.loss.backward(dout)?;
        let Some((first, rest)) = self.layers.split_first_mut() else {
            return Ok(());
        };
        for layer in rest.iter_mut().rev() {
            dout = layer.backward(dout)?;
        }
        first.backward_params_only(dout)
    }
}

impl<F: Float> Parameters<F> for Sequential<F> {
    /// Every parameter and its gradient, in order: the shared weights
    /// under their own names, then the first layer's (`0.W`, then `0.b`),
    /// then the next layer's, and so on.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        for weight in &self.shared {
            weight.visit(f)?;
        }
        for (layer, name) in self.layers.iter_mut().zip(&self.names) {
            layer.visit_params(&mut scoped(name, f))?;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{address, message, randn};
    use crate::{Affine, GradCheck, Init, Parameters, Relu, Sigmoid, SoftmaxWithLoss};
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn net<F: Float>(seed: u64) -> Sequential<F> {
        net_with(seed, SoftmaxWithLoss::new())
    }

    fn net_with<F: Float>(seed: u64, loss: SoftmaxWithLoss<F>) -> Sequential<F> {
        let mut rng = StdRng::seed_from_u64(seed);
        Sequential::new(loss)
            .with(Affine::init(3, 6, Init::Xavier, &mut rng).unwrap())
            .with(Sigmoid::new())
            .with(Affine::init(6, 5, Init::He, &mut rng).unwrap())
            .with(Relu::new())
            .with(Affine::init(5, 4, Init::Xavier, &mut rng).unwrap())
    }

    #[test]
    fn model_gradients_match_central_differences() {
        // The exact cross-entropy: the book's 1e-7 shifts the loss's derivative
        // away from its backward (see SoftmaxWithLoss), and sums over the
        // batch can turn that into relative errors above 1e-6.
        let mut model = net_with::<f64>(3, SoftmaxWithLoss::with_delta(0.0).unwrap());
        let x = randn::<f64>(8, 3, 4);
        let t = [0usize, 1, 2, 3, 3, 2, 1, 0];
        let report = GradCheck::default()
            .model(&mut model, x.view(), &t)
            .unwrap();
        assert!(report.max_error < 1e-6, "{report}");
        // Input (24) and W1 b1 W2 b2 W3 b3 (18 + 6 + 30 + 5 + 20 + 4).
        assert_eq!(report.checked, 24 + 83);
    }

    #[test]
    fn params_come_in_layer_order_and_buffers_keep_their_address() {
        let mut model = net::<f32>(1);
        let x = randn::<f32>(4, 3, 2);
        model.forward(&x, &[0, 1, 2, 3]).unwrap();
        model.backward().unwrap();
        let mut seen = Vec::new();
        model
            .visit_params(&mut |p| {
                seen.push((
                    p.name.to_string(),
                    p.value.shape().to_vec(),
                    p.grad.as_ptr() as usize,
                ));
                Ok(())
            })
            .unwrap();
        let names: Vec<_> = seen
            .iter()
            .map(|(n, s, _)| (n.as_str(), s.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("0.W", vec![3, 6]),
                ("0.b", vec![6]),
                ("2.W", vec![6, 5]),
                ("2.b", vec![5]),
                ("4.W", vec![5, 4]),
                ("4.b", vec![4])
            ]
        );
        assert_eq!(
            (model.num_params(), model.num_scalars()),
            (6, 18 + 6 + 30 + 5 + 20 + 4)
        );

        let scores_at = address(model.predict(&x).unwrap());
        for _ in 0..3 {
            model.forward(&x, &[3, 2, 1, 0]).unwrap();
            model.backward().unwrap();
        }
        let mut k = 0;
        model
            .visit_params(&mut |p| {
                assert_eq!(
                    p.grad.as_ptr() as usize,
                    seen[k].2,
                    "gradient {k} was reallocated"
                );
                k += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(address(model.predict(&x).unwrap()), scores_at);
    }

    #[test]
    fn backward_params_gives_the_same_gradients_as_backward() {
        let x = randn::<f64>(7, 3, 8);
        let t = [0usize, 1, 2, 3, 0, 1, 2];
        let grads = |model: &mut Sequential<f64>| {
            let mut out = Vec::new();
            model
                .visit_params(&mut |p| {
                    out.push(p.grad.to_owned());
                    Ok(())
                })
                .unwrap();
            out
        };
        let (mut full, mut lean) = (net::<f64>(4), net::<f64>(4));
        full.forward(&x, &t).unwrap();
        full.backward().unwrap();
        lean.forward(&x, &t).unwrap();
        lean.backward_params().unwrap();
        assert_eq!(grads(&mut full), grads(&mut lean));
        assert!(
            Sequential::<f64>::new(SoftmaxWithLoss::new())
                .backward_params()
                .is_err()
        );
    }

    #[test]
    fn a_training_step_lowers_the_loss() {
        let mut model = net::<f64>(5);
        let x = randn::<f64>(16, 3, 6);
        // A learnable rule: the class is the column holding the row's maximum.
        let t: Vec<usize> = x
            .rows()
            .into_iter()
            .map(|r| (0..3).fold(0, |best, j| if r[j] > r[best] { j } else { best }))
            .collect();
        let first = model.forward(&x, &t).unwrap();
        for _ in 0..300 {
            model.forward(&x, &t).unwrap();
            model.backward().unwrap();
            model
                .visit_params(&mut |mut p| {
                    p.value.scaled_add(-0.5, &p.grad);
                    Ok(())
                })
                .unwrap();
        }
        let last = model.forward(&x, &t).unwrap();
        assert!(last < 0.5 * first, "{first} -> {last}");
    }

    #[test]
    fn errors_name_the_layer_that_refused() {
        let mut model = net::<f64>(1);
        assert_eq!(
            message(model.backward()),
            "Sequential.backward: called before forward; run forward first so that the layer has its inputs cached"
        );
        assert_eq!(
            message(model.forward(&Array2::<f64>::zeros((2, 4)), &[0, 1])),
            "Affine.forward: x has 4 columns but W has 3 rows (x: [2, 4], W: [3, 6])"
        );
        // A forward that failed leaves nothing to differentiate, even after
        // one that succeeded.
        model
            .forward(&Array2::<f64>::zeros((2, 3)), &[0, 1])
            .unwrap();
        assert!(
            model
                .forward(&Array2::<f64>::zeros((2, 4)), &[0, 1])
                .is_err()
        );
        assert_eq!(
            message(model.backward()),
            "Sequential.backward: called after a forward that failed; run a forward that succeeds first"
        );
        assert_eq!(
            message(model.forward(&Array2::<f64>::zeros((2, 3)), &[0, 9])),
            "SoftmaxWithLoss.forward: label 9 at row 1 is out of range for 4 classes"
        );
        let mut empty = Sequential::<f64>::new(SoftmaxWithLoss::new());
        assert_eq!(
            message(empty.predict(&Array2::<f64>::zeros((2, 3)))),
            "Sequential.predict: the model has no layers to predict with"
        );
        // With no layers the loss sees the input itself.
        assert!(
            empty
                .forward(&Array2::<f64>::zeros((2, 3)), &[0, 1])
                .is_ok()
        );
        assert_eq!(
            format!("{:?}", net::<f32>(0)),
            "Sequential { layers: [\"Affine\", \"Sigmoid\", \"Affine\", \"ReLU\", \"Affine\"], loss: \"SoftmaxWithLoss\" }"
        );
    }
}
