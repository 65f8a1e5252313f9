//! Class labels, given either as indices or as one-hot rows, as the book allows.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::{Error, Float, Result};

/// The targets of a classification batch.
///
/// The book passes `t` either as class indices (`[2, 0, 1]`) or as one-hot
/// rows, and tells them apart by shape; here the two are distinct variants,
/// built with `From` from whatever the caller holds:
///
/// ```
/// use nn_core::Labels;
/// use ndarray::array;
///
/// let by_index: Labels<f64> = (&[2usize, 0, 1]).into();
/// let one_hot = array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
/// let by_row: Labels<f64> = (&one_hot).into();
/// assert_eq!(by_index.len(), 3);
/// assert_eq!(by_row.len(), 2);
/// ```
///
/// A one-dimensional one-hot vector is one sample. One-hot rows must be
/// exactly one-hot (a single 1, the rest 0); anything else is an error rather
/// than silently reduced to its arg-max.
#[derive(Debug, Clone, Copy)]
pub enum Labels<'a, F> {
    /// One class index per sample.
    Indices(ArrayView1<'a, usize>),
    /// One one-hot row per sample, with as many columns as there are classes.
    OneHot(ArrayView2<'a, F>),
}

impl<'a, F> Labels<'a, F> {
    /// One sample's one-hot vector, as a batch of one. (`From` does this for
    /// `f32` and `f64` vectors; this works in code generic over the float.)
    pub fn one_hot_sample(t: ArrayView1<'a, F>) -> Self {
        Labels::OneHot(t.insert_axis(Axis(0)))
    }
}

impl<F: Float> Labels<'_, F> {
    /// The number of samples labelled.
    pub fn len(&self) -> usize {
        match self {
            Labels::Indices(t) => t.len(),
            Labels::OneHot(t) => t.nrows(),
        }
    }

    /// True when no sample is labelled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks that the labels fit scores of shape `(rows, classes)`; `op` names
    /// the caller in the error.
    pub(crate) fn check(&self, op: &'static str, rows: usize, classes: usize) -> Result<()> {
        match self {
            Labels::Indices(t) if t.len() != rows => Err(Error::shape(
                op,
                format!(
                    "{} labels for a batch of {rows} rows (t: [{}], scores: [{rows}, {classes}])",
                    t.len(),
                    t.len()
                ),
            )),
            Labels::OneHot(t) if t.dim() != (rows, classes) => Err(Error::shape(
                op,
                format!(
                    "one-hot labels must have the shape of the scores (t: {:?}, scores: [{rows}, {classes}])",
                    t.shape()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The class of sample `row`, validated against `classes`. Call [`check`](Self::check) first.
    pub(crate) fn class_of(&self, op: &'static str, row: usize, classes: usize) -> Result<usize> {
        match self {
            Labels::Indices(t) => {
                let label = t[row];
                if label < classes {
                    Ok(label)
                } else {
                    Err(Error::LabelOutOfRange {
                        op,
                        row,
                        label,
                        classes,
                    })
                }
            }
            Labels::OneHot(t) => one_hot_class(op, row, t.row(row).iter().copied()),
        }
    }
}

/// The class of a one-hot row (the position of its single 1), or
/// [`Error::NotOneHot`] naming `row` when it is not exactly one-hot.
pub(crate) fn one_hot_class<F: Float>(
    op: &'static str,
    row: usize,
    values: impl Iterator<Item = F>,
) -> Result<usize> {
    let (mut class, mut ones, mut others) = (0, 0, 0);
    for (j, v) in values.enumerate() {
        if v == F::one() {
            class = j;
            ones += 1;
        } else if v != F::zero() {
            others += 1;
        }
    }
    if ones == 1 && others == 0 {
        Ok(class)
    } else {
        Err(Error::NotOneHot {
            op,
            row,
            ones,
            others,
        })
    }
}

impl<'a, F> From<ArrayView1<'a, usize>> for Labels<'a, F> {
    fn from(t: ArrayView1<'a, usize>) -> Self {
        Labels::Indices(t)
    }
}

impl<'a, F> From<&'a Array1<usize>> for Labels<'a, F> {
    fn from(t: &'a Array1<usize>) -> Self {
        Labels::Indices(t.view())
    }
}

impl<'a, F> From<&'a [usize]> for Labels<'a, F> {
    fn from(t: &'a [usize]) -> Self {
        Labels::Indices(ArrayView1::from(t))
    }
}

impl<'a, F, const N: usize> From<&'a [usize; N]> for Labels<'a, F> {
    fn from(t: &'a [usize; N]) -> Self {
        Labels::Indices(ArrayView1::from(&t[..]))
    }
}

impl<'a, F> From<&'a Vec<usize>> for Labels<'a, F> {
    fn from(t: &'a Vec<usize>) -> Self {
        Labels::Indices(ArrayView1::from(t.as_slice()))
    }
}

impl<'a, F> From<ArrayView2<'a, F>> for Labels<'a, F> {
    fn from(t: ArrayView2<'a, F>) -> Self {
        Labels::OneHot(t)
    }
}

impl<'a, F> From<&'a Array2<F>> for Labels<'a, F> {
    fn from(t: &'a Array2<F>) -> Self {
        Labels::OneHot(t.view())
    }
}

// The one-sample impls are per type: generic over `F` they would overlap
// with the index impls above when `F = usize`.
macro_rules! one_hot_sample {
    ($($f:ty),*) => {$(
        /// A single one-hot sample.
        impl<'a> From<ArrayView1<'a, $f>> for Labels<'a, $f> {
            fn from(t: ArrayView1<'a, $f>) -> Self {
                Labels::one_hot_sample(t)
            }
        }

        /// A single one-hot sample.
        impl<'a> From<&'a Array1<$f>> for Labels<'a, $f> {
            fn from(t: &'a Array1<$f>) -> Self {
                Labels::one_hot_sample(t.view())
            }
        }
    )*};
}

one_hot_sample!(f32, f64);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn every_form_of_label_converts() {
        let v = vec![1usize, 2];
        let a = array![1usize, 2];
        let s: &[usize] = &[1, 2];
        let forms: [Labels<f64>; 5] = [
            (&v).into(),
            (&a).into(),
            a.view().into(),
            s.into(),
            (&[1usize, 2]).into(),
        ];
        for t in forms {
            assert_eq!(t.len(), 2);
            assert_eq!(t.class_of("t", 1, 3).unwrap(), 2);
        }
        let hot = array![[0.0f32, 1.0], [1.0, 0.0]];
        let t: Labels<f32> = (&hot).into();
        assert_eq!(t.class_of("t", 0, 2).unwrap(), 1);
        let one = array![0.0f32, 0.0, 1.0];
        let t: Labels<f32> = (&one).into();
        assert_eq!((t.len(), t.class_of("t", 0, 3).unwrap()), (1, 2));
        assert!(!t.is_empty());
    }
}
