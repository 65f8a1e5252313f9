//! `Residual`: a sublayer wrapped in the Transformer's skip connection,
//! dropout and layer normalisation (book 8.5.2's "Add & Norm").

use ndarray::{Array2, ArrayView2};

use crate::layer::{map2_into, reshape_buffer};
use crate::time::{TimeDropout, TimeLayer};
use crate::{Error, Float, Layer, LayerNorm, Result, SharedRng};

/// One "Add & Norm" around a sublayer `f` over rows `(N·T, E)`:
///
/// * post-LN (the paper's, PyTorch's default): `y = norm(x + drop(f(x)))`;
/// * pre-LN (`norm_first`): `y = x + drop(f(norm(x)))`.
///
/// The sublayer is passed in as a closure at each call, so that one block
/// serves attention (which also takes a mask and a memory) and the
/// feed-forward network alike. The dropout is the book's [`TimeDropout`]
/// over `(N, T, E)` (inverted: nothing to scale in evaluation); absent when
/// the ratio is 0.
#[derive(Debug, Clone)]
pub(crate) struct Residual<F: Float> {
    pub(crate) norm: LayerNorm<F>,
    pub(crate) dropout: Option<TimeDropout<F>>,
    norm_first: bool,
    /// `x + drop(f(·))`: the output (pre-LN) or what is normalised (post-LN).
    sum: Array2<F>,
    dx: Array2<F>,
    /// `(N, T)` of the last forward, for the dropout's view.
    seq: (usize, usize),
}

impl<F: Float> Residual<F> {
    pub(crate) fn new(norm: LayerNorm<F>, norm_first: bool) -> Self {
        Self {
            norm,
            dropout: None,
            norm_first,
            sum: Array2::zeros((0, 0)),
            dx: Array2::zeros((0, 0)),
            seq: (0, 0),
        }
    }

    /// Dropout of `ratio` after the sublayer (none for 0), its masks drawn
    /// from `rng`; `op` is the caller's name for errors.
    pub(crate) fn set_dropout(
        &mut self,
        op: &'static str,
        ratio: f64,
        rng: Option<&SharedRng>,
    ) -> Result<()> {
        crate::layers::dropout::check_ratio(op, ratio)?;
        self.dropout = match (ratio, rng) {
            (0.0, _) => None,
            (_, Some(rng)) => {
                Some(TimeDropout::new(ratio, rng.clone()).map_err(|e| e.within(op, "dropout"))?)
            }
            (_, None) => {
                return Err(Error::invalid(
                    op,
                    format!("dropout of {ratio} needs a generator for its masks"),
                ));
            }
        };
        Ok(())
    }

    pub(crate) fn norm_first(&self) -> bool {
        self.norm_first
    }

    pub(crate) fn set_training(&mut self, training: bool) {
        if let Some(d) = &mut self.dropout {
            d.set_training(training);
        }
    }

    /// `y` for the rows `x` of `seq = (N, T)` sequences; `f` runs the
    /// sublayer on the rows it is given.
    pub(crate) fn forward<'s>(
        &mut self,
        x: ArrayView2<'_, F>,
        seq: (usize, usize),
        f: impl FnOnce(ArrayView2<'_, F>) -> Result<ArrayView2<'s, F>>,
    ) -> Result<ArrayView2<'_, F>> {
        self.seq = seq;
        let a = if self.norm_first {
            f(self.norm.forward(x)?)?
        } else {
            f(x)?
        };
        let a = match &mut self.dropout {
            Some(d) => rows(d.forward(three(a, seq)?)?),
            None => a,
        };
        let (n, e) = x.dim();
        if a.dim() != (n, e) {
            return Err(Error::shape(
                "Residual.forward",
                format!(
                    "the sublayer's output must have the input's shape to be added to it \
                     (input: [{n}, {e}], output: {:?})",
                    a.shape()
                ),
            ));
        }
        add_into(&mut self.sum, &x, &a);
        if self.norm_first {
            Ok(self.sum.view())
        } else {
            self.norm.forward(self.sum.view())
        }
    }

    /// `dx` for `dy` = ∂L/∂y; `f` runs the sublayer's backward on the
    /// gradient of its output and returns the gradient of its input.
    pub(crate) fn backward<'s>(
        &mut self,
        dy: ArrayView2<'_, F>,
        f: impl FnOnce(ArrayView2<'_, F>) -> Result<ArrayView2<'s, F>>,
    ) -> Result<ArrayView2<'_, F>> {
        let seq = self.seq;
        // `dsum`, the gradient of the sum, flows both through the skip and
        // into the sublayer.
        if self.norm_first {
            let da = match &mut self.dropout {
                Some(d) => rows(d.backward(three(dy, seq)?)?),
                None => dy,
            };
            let dsub = self.norm.backward(f(da)?)?;
            add_into(&mut self.dx, &dy, &dsub);
        } else {
            let dsum = self.norm.backward(dy)?;
            let da = match &mut self.dropout {
                Some(d) => rows(d.backward(three(dsum, seq)?)?),
                None => dsum,
            };
            let dsub = f(da)?;
            add_into(&mut self.dx, &dsum, &dsub);
        }
        Ok(self.dx.view())
    }
}

/// `out = a + b`, `out` reshaped to their shape (large arrays split by rows
/// between the threads).
fn add_into<F: Float>(out: &mut Array2<F>, a: &ArrayView2<'_, F>, b: &ArrayView2<'_, F>) {
    let (n, e) = a.dim();
    reshape_buffer(out, n, e);
    map2_into(out, a, b, |a, b| a + b);
}

/// Rows `(N·T, E)` as `(N, T, E)`.
pub(crate) fn three<F: Float>(
    rows: ArrayView2<'_, F>,
    (n, t): (usize, usize),
) -> Result<ndarray::ArrayView3<'_, F>> {
    let e = rows.ncols();
    rows.into_shape_with_order((n, t, e))
        .map_err(|err| Error::invalid("Transformer", err.to_string()))
}

/// `(N, T, E)` as its rows `(N·T, E)` (a view: the layers' outputs are
/// row-major).
pub(crate) fn rows<F: Float>(x: ndarray::ArrayView3<'_, F>) -> ArrayView2<'_, F> {
    let (n, t, e) = x.dim();
    x.into_shape_with_order((n * t, e))
        .expect("the layers' outputs are row-major")
}
