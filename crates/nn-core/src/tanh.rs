//! A vectorisable single-precision `tanh` for whole slices.
//!
//! Chapter 7's LSTMs take two `tanh` per hidden unit and step (the `g` gate
//! and `tanh c`); libm's `tanhf`, one call per value, took a quarter of a
//! seq2seq training step. This is Cephes' `tanhf` without branches, so that
//! the compiler vectorises the loop: `1 − 2/(e^{2|x|} + 1)` (on the
//! vectorised [`exp_f32`](crate::exp::exp_f32)) for `|x| ≥ 0.625`, an odd
//! minimax polynomial below, where the first form would cancel.

use crate::exp::exp_f32;

/// Cephes' coefficients of `(tanh x − x)/x³` in `x²` on `|x| < 0.625`.
const POLY: [f32; 5] = [
    -5.704_988_7e-3,
    2.063_909e-2,
    -5.373_971_6e-2,
    1.333_144_2e-1,
    -3.333_328e-1,
];

/// `tanh x` in single precision without branches, within 2 ulp (tested on
/// a sweep); NaN gives NaN, ±∞ gives ±1.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let z = x.abs();
    // e^{2z} overflows to +∞ above z ≈ 44, where 2/(∞ + 1) = 0 gives 1.
    let s = exp_f32(z + z);
    let large = (1.0 - 2.0 / (s + 1.0)).copysign(x);
    let x2 = x * x;
    let mut p = POLY[0];
    for c in &POLY[1..] {
        p = p * x2 + c;
    }
    // Odd: the sign of x, also for -0.
    let small = (p * x2 * x + x).copysign(x);
    if z >= 0.625 { large } else { small }
}

#[inline(always)]
fn tanh_all_f32(xs: &mut [f32]) {
    for x in xs {
        *x = tanh_f32(*x);
    }
}

/// Replaces every value by its `tanh` (AVX2 when the CPU has it).
pub(crate) fn tanh_in_place_f32(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn avx2(xs: &mut [f32]) {
            tanh_all_f32(xs)
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has just been checked for AVX2.
            return unsafe { avx2(xs) };
        }
    }
    tanh_all_f32(xs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite f32 of the
    /// same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn within_two_ulp_of_the_correctly_rounded_tanh() {
        let mut worst = (0, 0.0f32);
        let mut x = 1e-30f32;
        while x < 20.0 {
            for v in [x, -x] {
                let want = (v as f64).tanh() as f32;
                let got = tanh_f32(v);
                let d = ulps(got, want);
                if d > worst.0 {
                    worst = (d, v);
                }
            }
            x *= 1.000_01;
        }
        assert!(worst.0 <= 2, "{} ulp at {}", worst.0, worst.1);
        let mut slice = [0.0f32, -0.0, 1e-8, 0.624, 0.625, 3.0, 44.5, 1e30];
        let expected = slice.map(tanh_f32);
        tanh_in_place_f32(&mut slice);
        assert_eq!(slice.map(f32::to_bits), expected.map(f32::to_bits));
    }

    #[test]
    fn limits_and_nan() {
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh_f32(100.0), 1.0);
        assert_eq!(tanh_f32(-100.0), -1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
        assert_eq!(tanh_f32(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0f32).to_bits());
    }
}
