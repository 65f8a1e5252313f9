//! `FeedForward`: the Transformer's position-wise feed-forward network
//! (book 8.5.2's 피드포워드 신경망 at every position).

use ndarray::{Array1, Array2, ArrayView2};

use crate::{Affine, Error, Float, Init, Layer, Param, Parameters, Randn, Relu, Result, scoped};

/// `out = ReLU(x·W1 + b1)·W2 + b2`, the same two affine layers at every
/// position: a layer over rows, so a batch of sequences goes in as its
/// `N·T` rows and each product covers all of them. PyTorch's
/// `TransformerEncoderLayer` names the two `linear1` and `linear2`, and so
/// do the parameters here (`linear1.W` = `linear1.weight`ᵀ).
///
/// ```
/// use nn_core::transformer::FeedForward;
/// use nn_core::{Init, Layer};
/// use ndarray::Array2;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut ff = FeedForward::<f32>::init(8, 32, Init::He, &mut rng)?;
/// let out = ff.forward(Array2::ones((6, 8)).view())?;
/// assert_eq!(out.dim(), (6, 8));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FeedForward<F: Float> {
    linear1: Affine<F>,
    relu: Relu<F>,
    linear2: Affine<F>,
}

impl<F: Float> FeedForward<F> {
    /// `d_model → d_ff → d_model`, both weights drawn by `init` (`He` suits
    /// the ReLU between them), biases zero.
    ///
    /// # Errors
    /// A zero size.
    pub fn init(d_model: usize, d_ff: usize, init: Init, rng: &mut dyn Randn) -> Result<Self> {
        Self::from_weights(
            Affine::init(d_model, d_ff, init, rng)?,
            Affine::init(d_ff, d_model, init, rng)?,
        )
    }

    /// The network of `linear1` `(E, F)` and `linear2` `(F, E)`.
    ///
    /// # Errors
    /// `linear2`'s inputs not `linear1`'s outputs, or `linear2`'s outputs
    /// not `linear1`'s inputs (the output is added back to the input).
    pub fn from_weights(linear1: Affine<F>, linear2: Affine<F>) -> Result<Self> {
        let (w1, w2) = (linear1.w().dim(), linear2.w().dim());
        if w2 != (w1.1, w1.0) {
            return Err(Error::shape(
                "FeedForward.from_weights",
                format!(
                    "linear1.W must be (E, F) and linear2.W (F, E) (linear1.W: [{}, {}], linear2.W: [{}, {}])",
                    w1.0, w1.1, w2.0, w2.1
                ),
            ));
        }
        Ok(Self {
            linear1,
            relu: Relu::new(),
            linear2,
        })
    }

    /// The network from arrays: `w1` `(E, F)`, `b1` `(F,)`, `w2` `(F, E)`, `b2` `(E,)`.
    ///
    /// # Errors
    /// As [`Affine::from_weights`] and [`from_weights`](Self::from_weights).
    pub fn from_arrays(w1: Array2<F>, b1: Array1<F>, w2: Array2<F>, b2: Array1<F>) -> Result<Self> {
        Self::from_weights(Affine::from_weights(w1, b1)?, Affine::from_weights(w2, b2)?)
    }

    /// The first layer, `E → F`.
    pub fn linear1(&self) -> &Affine<F> {
        &self.linear1
    }

    /// The second layer, `F → E`.
    pub fn linear2(&self) -> &Affine<F> {
        &self.linear2
    }

    /// The hidden width `F`.
    pub fn d_ff(&self) -> usize {
        self.linear1.w().dim().1
    }
}

impl<F: Float> Parameters<F> for FeedForward<F> {
    /// `linear1.W`, `linear1.b`, `linear2.W`, `linear2.b`.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        self.linear1.visit_params(&mut scoped("linear1", f))?;
        self.linear2.visit_params(&mut scoped("linear2", f))
    }
}

impl<F: Float> Layer<F> for FeedForward<F> {
    fn name(&self) -> &'static str {
        "FeedForward"
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "FeedForward.forward";
        let h = self
            .linear1
            .forward(x)
            .map_err(|e| e.within(OP, "linear1"))?;
        let h = self.relu.forward(h)?;
        self.linear2.forward(h).map_err(|e| e.within(OP, "linear2"))
    }

    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        const OP: &str = "FeedForward.backward";
        let dh = self
            .linear2
            .backward(dout)
            .map_err(|e| e.within(OP, "linear2"))?;
        let dh = self.relu.backward(dh)?;
        self.linear1.backward(dh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{assert_gradients, message, randn};

    #[test]
    fn gradients_match_central_differences() {
        let mut ff = FeedForward::from_arrays(
            randn::<f64>(4, 6, 1),
            randn::<f64>(1, 6, 2).row(0).to_owned(),
            randn::<f64>(6, 4, 3),
            randn::<f64>(1, 4, 4).row(0).to_owned(),
        )
        .unwrap();
        assert_gradients(&mut ff, randn::<f64>(5, 4, 5).view());
        assert_eq!(
            ff.param_names(),
            ["linear1.W", "linear1.b", "linear2.W", "linear2.b"]
        );
        assert_eq!(ff.d_ff(), 6);
    }

    #[test]
    fn widths_that_dont_return_to_the_input_are_an_error() {
        let e = message(FeedForward::<f64>::from_arrays(
            Array2::zeros((4, 6)),
            Array1::zeros(6),
            Array2::zeros((6, 5)),
            Array1::zeros(5),
        ));
        assert!(e.contains("linear2.W: [6, 5]"), "{e}");
        let mut ff = FeedForward::<f64>::from_arrays(
            Array2::zeros((4, 6)),
            Array1::zeros(6),
            Array2::zeros((6, 4)),
            Array1::zeros(4),
        )
        .unwrap();
        let e = message(ff.forward(Array2::zeros((2, 3)).view()));
        assert!(
            e.starts_with("FeedForward.forward: linear1: Affine.forward"),
            "{e}"
        );
    }
}
