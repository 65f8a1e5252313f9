//! The one trait every numeric type in the library is generic over.

use std::fmt::{Debug, Display, LowerExp};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use ndarray::{LinalgScalar, ScalarOperand};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// The element type of arrays, parameters and losses: `f32` or `f64`.
///
/// The trait is sealed: BLAS has kernels for exactly these two types, and the
/// tolerances in this crate (the book's `1e-7` in the loss, gradient-check
/// step sizes) are chosen for them.
pub trait Float:
    sealed::Sealed
    + num_traits::Float
    + LinalgScalar
    + ScalarOperand
    + Sum
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Debug
    + Display
    + LowerExp
    + Default
    + Send
    + Sync
    + 'static
{
    /// The numpy name of the type (`"float32"`, `"float64"`), for messages and files.
    const DTYPE: &'static str;

    /// Converts from `f64`, rounding to nearest for `f32`.
    fn from_f64(value: f64) -> Self;

    /// Converts to `f64` exactly.
    fn as_f64(self) -> f64;

    /// Replaces every value by its exponential, vectorised, to about one ulp.
    #[doc(hidden)]
    fn exp_in_place(xs: &mut [Self]);

    /// The exponential of one value, the same bits as
    /// [`exp_in_place`](Self::exp_in_place) gives it.
    #[doc(hidden)]
    fn exp_one(self) -> Self;

    /// Replaces every value by its `tanh`: vectorised to 2 ulp in `f32`,
    /// libm's in `f64` (the reference tests' precision).
    #[doc(hidden)]
    fn tanh_in_place(xs: &mut [Self]);
}

impl Float for f32 {
    const DTYPE: &'static str = "float32";

    #[inline]
    fn from_f64(value: f64) -> Self {
        value as f32
    }

    #[inline]
    fn as_f64(self) -> f64 {
        f64::from(self)
    }

    fn exp_in_place(xs: &mut [Self]) {
        crate::exp::exp_in_place_f32(xs);
    }

    #[inline]
    fn exp_one(self) -> Self {
        crate::exp::exp_f32(self)
    }

    fn tanh_in_place(xs: &mut [Self]) {
        crate::tanh::tanh_in_place_f32(xs);
    }
}

impl Float for f64 {
    const DTYPE: &'static str = "float64";

    #[inline]
    fn from_f64(value: f64) -> Self {
        value
    }

    #[inline]
    fn as_f64(self) -> f64 {
        self
    }

    fn exp_in_place(xs: &mut [Self]) {
        crate::exp::exp_in_place_f64(xs);
    }

    #[inline]
    fn exp_one(self) -> Self {
        crate::exp::exp(self)
    }

    fn tanh_in_place(xs: &mut [Self]) {
        for x in xs {
            *x = x.tanh();
        }
    }
}
