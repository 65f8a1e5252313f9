//! The two traits of the computational graph: [`Layer`] and [`Loss`].

use ndarray::{Array2, ArrayView2, ArrayViewMutD, Zip};

use crate::{Error, Float, Labels, ParamName, Result};

/// One trainable parameter and its gradient, as the book's `params[i]` and
/// `grads[i]` side by side, under the parameter's name.
///
/// Both are views of buffers the layer owns, so an optimizer that writes
/// through `value` updates the layer in place, and `grad` is the buffer that
/// the layer's last `backward` overwrote.
#[derive(Debug)]
pub struct Param<'a, F> {
    /// The parameter's name in the model that lists it: the layer's own
    /// name (`W`, `b`) behind the names of the parts that hold the layer
    /// (`decoder.affine.W`). Files and messages use this name.
    pub name: ParamName<'a>,
    /// The parameter itself.
    pub value: ArrayViewMutD<'a, F>,
    /// Its gradient from the last `backward`. Writable so that gradient
    /// clipping can scale it in place.
    pub grad: ArrayViewMutD<'a, F>,
}

/// Anything that hands out parameter/gradient pairs in a fixed order: a
/// layer, a [`Sequential`](crate::Sequential) model, or a user's own struct
/// of layers. Optimizers and gradient clipping work on this trait.
///
/// The order is the book's `params`/`grads` order and must not change
/// between calls: optimizers keep per-parameter state by position. Each
/// parameter comes with its name, unique within the model; a model lists
/// the parameters of each of its parts [`scoped`](crate::scoped) by the
/// part's name.
pub trait Parameters<F: Float> {
    /// Calls `f` once per parameter, in order, stopping at the first error.
    /// The default has no parameters.
    ///
    /// # Errors
    /// Whatever `f` returns.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, F>) -> Result<()>) -> Result<()> {
        let _ = f;
        Ok(())
    }

    /// The number of parameter arrays (not of scalars).
    fn num_params(&mut self) -> usize {
        let mut count = 0;
        // The closure never fails, so neither does the visit.
        let _ = self.visit_params(&mut |_| {
            count += 1;
            Ok(())
        });
        count
    }

    /// The names of the parameters, in order (`["embed.W", "lstm.Wx", …]`):
    /// what files hold them under and messages call them.
    fn param_names(&mut self) -> Vec<String> {
        let mut names = Vec::new();
        let _ = self.visit_params(&mut |p| {
            names.push(p.name.to_string());
            Ok(())
        });
        names
    }

    /// The number of trainable scalars in all parameters.
    fn num_scalars(&mut self) -> usize {
        let mut count = 0;
        let _ = self.visit_params(&mut |p| {
            count += p.value.len();
            Ok(())
        });
        count
    }
}

/// A node of the computational graph with an explicit forward and backward
/// pass, working on batches: one row per sample.
///
/// `forward` caches what `backward` needs and returns a view of an output
/// buffer the layer owns and reuses, so a training step allocates nothing once
/// the shapes have been seen. `backward` takes the gradient of the loss with
/// respect to the layer's output, overwrites the gradients of the layer's
/// parameters in place (the book's `grads[0][...] = dW`), and returns the
/// gradient with respect to the layer's input.
pub trait Layer<F: Float>: Parameters<F> {
    /// The layer's type name, used in error messages (`"Affine"`).
    fn name(&self) -> &'static str;

    /// Computes the output for the batch `x` and caches what `backward` needs.
    ///
    /// # Errors
    /// `x` of a shape the layer can't take, or an empty batch.
    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>>;

    /// Given `dout` = ∂L/∂out for the last `forward`, writes the parameter
    /// gradients and returns ∂L/∂x.
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not of the last output's shape.
    fn backward(&mut self, dout: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>>;

    /// As [`backward`](Self::backward), but only the parameter gradients are
    /// written: ∂L/∂x is not computed. A model's first layer runs this in a
    /// training step, since nothing reads the gradient of the data (for a
    /// two-layer net that is a third of the backward pass's products;
    /// PyTorch skips it too). The default runs `backward` and drops ∂L/∂x.
    ///
    /// # Errors
    /// As `backward`.
    fn backward_params_only(&mut self, dout: ArrayView2<'_, F>) -> Result<()> {
        self.backward(dout).map(|_| ())
    }

    /// Switches between training and evaluation: [`Dropout`](crate::layers::Dropout)
    /// drops units only in training. Layers that behave the same in both
    /// ignore it (the default). A model passes it on to its layers.
    fn set_training(&mut self, training: bool) {
        let _ = training;
    }
}

/// A loss layer: the end of the graph, turning scores and labels into one number.
pub trait Loss<F: Float> {
    /// The layer's type name, used in error messages.
    fn name(&self) -> &'static str;

    /// Returns the mean loss of the batch `x` against the labels `t`, caching
    /// what `backward` needs.
    ///
    /// # Errors
    /// Shapes that don't fit, labels out of range, an empty batch, or a loss
    /// that is not finite.
    fn forward(&mut self, x: ArrayView2<'_, F>, t: Labels<'_, F>) -> Result<F>;

    /// Returns ∂(dout · loss)/∂x for the last `forward` (`dout` is 1 for the
    /// loss itself).
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not finite.
    fn backward(&mut self, dout: F) -> Result<ArrayView2<'_, F>>;
}

/// Gives `buf` the shape `(rows, cols)`, keeping its allocation when it is
/// large enough (a smaller last batch doesn't reallocate twice per epoch).
/// The contents are unspecified afterwards; callers overwrite them.
pub(crate) fn reshape_buffer<F: Float>(buf: &mut Array2<F>, rows: usize, cols: usize) {
    if buf.dim() == (rows, cols) {
        return;
    }
    let old = std::mem::take(buf);
    let mut data = match old.into_raw_vec_and_offset() {
        (data, Some(0) | None) => data,
        (_, Some(_)) => Vec::new(),
    };
    data.clear();
    data.resize(rows * cols, F::zero());
    *buf =
        Array2::from_shape_vec((rows, cols), data).unwrap_or_else(|_| Array2::zeros((rows, cols)));
}

/// The checks every `backward` starts with: `forward` has run (`ready`),
/// and `dout` has the shape of the last output.
pub(crate) fn check_backward<F>(
    op: &'static str,
    ready: bool,
    dout: &ArrayView2<'_, F>,
    output: (usize, usize),
) -> Result<()> {
    if !ready {
        return Err(Error::BackwardBeforeForward { op });
    }
    if dout.dim() != output {
        return Err(Error::shape(
            op,
            format!(
                "dout must have the shape of the last output (dout: {:?}, output: [{}, {}])",
                dout.shape(),
                output.0,
                output.1
            ),
        ));
    }
    Ok(())
}

/// Refuses an empty batch.
pub(crate) fn non_empty<F>(op: &'static str, x: &ArrayView2<'_, F>) -> Result<()> {
    if x.is_empty() {
        Err(Error::Empty {
            op,
            shape: x.shape().to_vec(),
        })
    } else {
        Ok(())
    }
}

/// `out[i] = f(a[i])` over arrays of one shape: a plain slice loop (which the
/// compiler vectorises) when both are contiguous, `Zip` otherwise; a large
/// array is split into blocks of rows between the threads (the same values
/// whatever the split: each element is its own).
#[inline]
pub(crate) fn map_into<F: Float>(
    out: &mut Array2<F>,
    a: &ArrayView2<'_, F>,
    f: impl Fn(F) -> F + Sync,
) {
    let done = crate::parallel::for_row_blocks(out.view_mut(), |first, mut out| {
        let a = a.slice(ndarray::s![first..first + out.nrows(), ..]);
        match (out.as_slice_mut(), a.as_slice()) {
            (Some(o), Some(a)) => {
                for (o, &a) in o.iter_mut().zip(a) {
                    *o = f(a);
                }
            }
            _ => Zip::from(&mut out).and(&a).for_each(|o, &a| *o = f(a)),
        }
        Ok(())
    });
    debug_assert!(done.is_ok(), "an element-wise map doesn't fail");
}

/// `out[i] = f(a[i], b[i])`, as [`map_into`].
#[inline]
pub(crate) fn map2_into<F: Float>(
    out: &mut Array2<F>,
    a: &ArrayView2<'_, F>,
    b: &ArrayView2<'_, F>,
    f: impl Fn(F, F) -> F + Sync,
) {
    let done = crate::parallel::for_row_blocks(out.view_mut(), |first, mut out| {
        let rows = ndarray::s![first..first + out.nrows(), ..];
        let (a, b) = (a.slice(rows), b.slice(rows));
        match (out.as_slice_mut(), a.as_slice(), b.as_slice()) {
            (Some(o), Some(a), Some(b)) => {
                for ((o, &a), &b) in o.iter_mut().zip(a).zip(b) {
                    *o = f(a, b);
                }
            }
            _ => Zip::from(&mut out)
                .and(&a)
                .and(&b)
                .for_each(|o, &a, &b| *o = f(a, b)),
        }
        Ok(())
    });
    debug_assert!(done.is_ok(), "an element-wise map doesn't fail");
}
